"""``AsyncAPIClient`` (over ``httpx.AsyncClient``), the base of the generated async client, and
``AsyncResource``, the base of its resources. Call signatures match the sync client's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, overload

import httpx

from .base_client import _BaseClient
from .common import NOT_GIVEN, C, NotGiven, T, _AsyncClosing
from .errors import _status_error, _transport_error
from .options import RequestOptions
from .responses import AsyncStreamedResponse
from .retries import DEFAULT_MAX_RETRIES, Attempts, RetryPolicy
from .streaming import AsyncStream

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import RequestArgs


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported here, not with the client (~20 ms of start-up, the largest part of
    # importing the runtime); by the time an async client waits to retry, the loop has loaded it.
    import asyncio

    await asyncio.sleep(seconds)


class AsyncAPIClient(_BaseClient[httpx.AsyncClient], _AsyncClosing):
    """Asynchronous client over ``httpx.AsyncClient``; call signatures match SyncAPIClient."""

    sleep: Callable[[float], Awaitable[None]]
    _stream_cls = AsyncStream
    _streamed_cls = AsyncStreamedResponse

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
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
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
            make_http=lambda t: httpx.AsyncClient(timeout=t, follow_redirects=True),
            clock=clock,
            strict_response_validation=strict_response_validation,
        )
        self.sleep = sleep or _asyncio_sleep

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
        opts = RequestOptions(method, path, **options)
        opened: list[IO[bytes]] = []
        try:
            request = self._build(opts, opened)
            response = await self._send(
                request, self._stream_body(opts), self._retries(opts)
            )
        finally:
            for handle in opened:
                handle.close()
        return self._finish(response, opts)

    async def _send(
        self, request: httpx.Request, stream: bool, retries: int
    ) -> httpx.Response:
        http = self._http
        attempts = Attempts(self.retry_policy, request, retries, self.clock)
        while True:
            try:
                response = await http.send(request, stream=stream)
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
            if stream:
                await response.aread()
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        finally:
            await response.aclose()
        raise _status_error(response)


class AsyncResource:
    """Base of generated async resources: ``await self._client.request(...)``."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client
