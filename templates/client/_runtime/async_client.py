"""``AsyncAPIClient`` (over ``httpx.AsyncClient``), the base of the generated async client, and
``AsyncResource``, the base of its resources. Call signatures match the sync client's.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

import httpx

from .base_client import _BaseClient, _Call
from .common import C, NotGiven, T, _AsyncClosing
from .errors import _status_error, _TransportErrors
from .responses import AsyncStreamedResponse
from .streaming import AsyncStream

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import RequestArgs


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported here, not with the client (~20 ms of start-up, the largest part of
    # importing the runtime); by the time an async client waits to retry, the loop has loaded it.
    import asyncio

    await asyncio.sleep(seconds)


class AsyncAPIClient(_BaseClient[httpx.AsyncClient, Awaitable[None]], _AsyncClosing):
    """Asynchronous client over ``httpx.AsyncClient``; call signatures match SyncAPIClient."""

    _default_sleep = staticmethod(_asyncio_sleep)
    _stream_cls = AsyncStream
    _streamed_cls = AsyncStreamedResponse

    @staticmethod
    def _make_http(timeout: httpx.Timeout) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout, follow_redirects=True)

    async def close(self) -> None:
        http = self._pool.made
        if self._owns_http and http is not None:
            await http.aclose()

    aclose = close

    @overload
    async def request(
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
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[Any] | None = ...,
        stream: Literal[True],
        stream_cast_to: type[C],
        **args: Unpack[RequestArgs],
    ) -> AsyncStream[C]: ...
    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        stream: bool | NotGiven,
        stream_cast_to: type[C],
        **args: Unpack[RequestArgs],
    ) -> T | AsyncStream[C]: ...

    async def request(self, method: str, path: str, **options: Any) -> Any:
        """Send one API request with retries and return the parsed result; the keyword
        arguments are those of :class:`RequestOptions` (see the package doc)."""
        with self._call(method, path, options) as call:
            response = await self._send(call)
        return self._finish(response, call.opts)

    async def _send(self, call: _Call) -> httpx.Response:
        http, attempts, stream = self._http, call.attempts, call.stream
        while True:
            try:
                response = await http.send(call.request, stream=stream)
            except httpx.RequestError as exc:
                await self.sleep(attempts.after_error(exc))
                continue
            delay = attempts.after_response(response)
            if delay is None:
                if not response.is_success:
                    await self._raise_status(response, stream)
                return response
            await response.aclose()
            await self.sleep(delay)

    @staticmethod
    async def _raise_status(response: httpx.Response, stream: bool) -> NoReturn:
        try:
            with _TransportErrors(response.request):
                if stream:
                    await response.aread()
        finally:
            await response.aclose()
        raise _status_error(response)


class AsyncResource:
    """Base of generated async resources: ``await self._client.request(...)``."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client
