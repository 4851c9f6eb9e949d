"""``SyncAPIClient`` (over ``httpx.Client``), the base of the generated sync client, and
``SyncResource``, the base of its resources."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

import httpx

from .base_client import _BaseClient, _Call
from .common import C, NotGiven, T, _Closing
from .errors import _status_error, _TransportErrors
from .responses import StreamedResponse
from .streaming import Stream

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import RequestArgs


class SyncAPIClient(_BaseClient[httpx.Client, None], _Closing):
    """Synchronous client over ``httpx.Client``; generated clients subclass it."""

    _default_sleep = staticmethod(time.sleep)
    _stream_cls = Stream
    _streamed_cls = StreamedResponse

    @staticmethod
    def _make_http(timeout: httpx.Timeout) -> httpx.Client:
        return httpx.Client(timeout=timeout, follow_redirects=True)

    def close(self) -> None:
        http = self._pool.made
        if self._owns_http and http is not None:
            http.close()

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        stream: Literal[False] | NotGiven = ...,
        stream_cast_to: None = ...,
        **args: Unpack[RequestArgs],
    ) -> T: ...
    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[Any] | None = ...,
        stream: Literal[True],
        stream_cast_to: type[C],
        **args: Unpack[RequestArgs],
    ) -> Stream[C]: ...
    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        stream: bool | NotGiven,
        stream_cast_to: type[C],
        **args: Unpack[RequestArgs],
    ) -> T | Stream[C]: ...

    def request(self, method: str, path: str, **options: Any) -> Any:
        """Send one API request with retries and return the parsed result; the keyword
        arguments are those of :class:`RequestOptions` (see the package doc)."""
        with self._call(method, path, options) as call:
            response = self._send(call)
        return self._finish(response, call.opts)

    def _send(self, call: _Call) -> httpx.Response:
        http, attempts, stream = self._http, call.attempts, call.stream
        while True:
            try:
                response = http.send(call.request, stream=stream)
            except httpx.RequestError as exc:
                self.sleep(attempts.after_error(exc))
                continue
            delay = attempts.after_response(response)
            if delay is None:
                if not response.is_success:
                    self._raise_status(response, stream)
                return response
            response.close()
            self.sleep(delay)

    @staticmethod
    def _raise_status(response: httpx.Response, stream: bool) -> NoReturn:
        try:
            with _TransportErrors(response.request):
                if stream:
                    response.read()
        finally:
            response.close()
        raise _status_error(response)


class SyncResource:
    """Base of generated sync resources: ``self._client.request(...)``."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client
