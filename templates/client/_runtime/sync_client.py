"""``SyncAPIClient`` (over ``httpx.Client``), the base of the generated sync client, and
``SyncResource``, the base of its resources."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, overload

import httpx

from .base_client import _BaseClient
from .common import NOT_GIVEN, C, NotGiven, T, _Closing
from .errors import _status_error, _transport_error
from .options import RequestOptions
from .responses import StreamedResponse
from .retries import DEFAULT_MAX_RETRIES, Attempts, RetryPolicy
from .streaming import Stream

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import RequestArgs


class SyncAPIClient(_BaseClient[httpx.Client], _Closing):
    """Synchronous client over ``httpx.Client``; generated clients subclass it."""

    sleep: Callable[[float], None]
    _stream_cls = Stream
    _streamed_cls = StreamedResponse

    def __init__(
        self,
        *,
        base_urls: Mapping[str, str],
        auth_headers: Mapping[str, object] | None = None,
        default_headers: Mapping[str, object] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        strict_response_validation: bool = False,
    ) -> None:
        self._init_base(
            base_urls=base_urls,
            auth_headers=auth_headers,
            default_headers=default_headers,
            default_query=default_query,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            http_client=http_client,
            make_http=lambda t: httpx.Client(timeout=t, follow_redirects=True),
            clock=clock,
            strict_response_validation=strict_response_validation,
        )
        self.sleep = sleep or time.sleep

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
        opts = RequestOptions(method, path, **options)
        opened: list[IO[bytes]] = []
        try:
            request = self._build(opts, opened)
            response = self._send(request, self._stream_body(opts), self._retries(opts))
        finally:
            for handle in opened:
                handle.close()
        return self._finish(response, opts)

    def _send(
        self, request: httpx.Request, stream: bool, retries: int
    ) -> httpx.Response:
        http = self._http
        attempts = Attempts(self.retry_policy, request, retries, self.clock)
        while True:
            try:
                response = http.send(request, stream=stream)
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
            if stream:
                response.read()
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        finally:
            response.close()
        raise _status_error(response)


class SyncResource:
    """Base of generated sync resources: ``self._client.request(...)``."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client
