"""What a call can return besides a parsed model: a binary body (``BinaryResponse``), the raw
HTTP response (``RawResponse``, via ``.with_raw_response``), and the request id of any result.

``with_raw_response``/``with_streaming_response`` are typed ``ParamSpec`` wrappers that set a
context variable the client reads, so the generated methods need no hidden parameter.
"""

from __future__ import annotations

import contextvars
import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic

import httpx

from .common import NOT_GIVEN, NotGiven, P, R, _AsyncClosing, _Closing
from .errors import _request_id, _TransportErrors


def request_id(result: object) -> str | None:
    """The server's request id (``x-request-id``...) of a parsed response, if it sent one.

    Also ``result._request_id`` on models, as in the openai SDK (this function type-checks).
    """
    if isinstance(result, _ResponseView):
        return result.request_id
    value = getattr(result, "__dict__", {}).get("_request_id")
    return value if isinstance(value, str) else None


class _ResponseView:
    """What every wrapper of a call's HTTP response shows of it."""

    def __init__(self, response: httpx.Response) -> None:
        self.http_response = response

    @property
    def content(self) -> bytes:
        """The whole body (not for ``with_streaming_response`` calls: use ``read()``)."""
        return self.http_response.content

    @property
    def request_id(self) -> str | None:
        return _request_id(self.http_response.headers)

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers


class BinaryResponse(_ResponseView, _Closing, _AsyncClosing):
    """A binary body (``cast_to=BinaryResponse``: audio, file contents), sync and async alike.

    The body is read before the call returns, unless the call went through
    ``.with_streaming_response``: then it is left unread and ``iter_bytes()``/``write_to_file()``
    stream it in chunks. Iterating, reading or writing it to a file closes the response at the
    end; so do ``close()``/``aclose()`` and the (async) context manager.
    """

    def _from_memory(self, chunk_size: int | None) -> Iterator[bytes]:
        content = self.http_response.content
        step = chunk_size or len(content) or 1
        for start in range(0, len(content), step):
            yield content[start : start + step]

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        response = self.http_response
        if response.is_closed:  # read in full (not a with_streaming_response call)
            yield from self._from_memory(chunk_size)
            return
        try:
            with _TransportErrors(response.request):
                yield from response.iter_bytes(chunk_size)
        finally:
            response.close()

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        response = self.http_response
        if response.is_closed:
            for chunk in self._from_memory(chunk_size):
                yield chunk
            return
        try:
            with _TransportErrors(response.request):
                async for chunk in response.aiter_bytes(chunk_size):
                    yield chunk
        finally:
            await response.aclose()

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    async def aread(self) -> bytes:
        return b"".join([chunk async for chunk in self.aiter_bytes()])

    def write_to_file(self, path: str | os.PathLike[str]) -> None:
        with open(path, "wb") as f:
            f.writelines(self.iter_bytes())

    async def awrite_to_file(self, path: str | os.PathLike[str]) -> None:
        # Local disk writes are short; not worth a thread hop per chunk.
        with open(path, "wb") as f:  # noqa: ASYNC230
            async for chunk in self.aiter_bytes():
                f.write(chunk)

    def close(self) -> None:
        if not self.http_response.is_closed:
            self.http_response.close()

    async def aclose(self) -> None:
        if not self.http_response.is_closed:
            await self.http_response.aclose()


# --------------------------------------------------------------------------------------------
# Raw responses (``.with_raw_response``)

_RAW_MODE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "_RAW_MODE", default=False
)


_STREAMING_MODE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "_STREAMING_MODE", default=False
)


class _ParsesOnce(Generic[R]):
    """``parse()``'s result, made by the client's parser on first use and kept."""

    _parse: Callable[[], R]
    _parsed: R | NotGiven = NOT_GIVEN

    def _parsed_once(self) -> R:
        if isinstance(self._parsed, NotGiven):
            self._parsed = self._parse()
        return self._parsed


class _Streamed(BinaryResponse, _ParsesOnce[R]):
    """What the sync and async streamed responses share: the unread response and its parser
    (`read_first`: a JSON body is read in full before parsing; a stream or binary is not).
    """

    def __init__(
        self, response: httpx.Response, parse: Callable[[], R], read_first: bool
    ) -> None:
        super().__init__(response)
        self._parse = parse
        self._read_first = read_first

    def _unread(self) -> bool:
        """Whether ``parse()`` must read the body first (once, before parsing)."""
        return self._read_first and isinstance(self._parsed, NotGiven)


class StreamedResponse(_Streamed[R]):
    """What a ``.with_streaming_response`` call returns (use it as ``with ... as r:``): the
    response with its body unread; ``r.headers``, ``r.iter_bytes()``, ``r.iter_lines()``, and
    ``r.parse()`` for what the method would have returned (a ``Stream`` for an event stream,
    read in full first for JSON), as in the openai SDK."""

    def iter_lines(self) -> Iterator[str]:
        response = self.http_response
        try:
            with _TransportErrors(response.request):
                yield from response.iter_lines()
        finally:
            response.close()

    def parse(self) -> R:
        if self._unread():
            with _TransportErrors(self.http_response.request):
                self.http_response.read()
        return self._parsed_once()


class AsyncStreamedResponse(_Streamed[R]):
    """Async twin of :class:`StreamedResponse`: ``await r.parse()``, ``async for`` over
    ``r.iter_lines()``/``r.iter_bytes()``, closed by ``async with``."""

    async def iter_bytes(  # type: ignore[override]  # async, as httpx's aiter_bytes
        self, chunk_size: int | None = None
    ) -> AsyncIterator[bytes]:
        async for chunk in self.aiter_bytes(chunk_size):
            yield chunk

    async def iter_lines(self) -> AsyncIterator[str]:
        response = self.http_response
        try:
            with _TransportErrors(response.request):
                async for line in response.aiter_lines():
                    yield line
        finally:
            await response.aclose()

    async def parse(self) -> R:
        if self._unread():
            with _TransportErrors(self.http_response.request):
                await self.http_response.aread()
        return self._parsed_once()


class AsyncStreamedCall(Generic[R]):
    """An async ``.with_streaming_response`` call: ``async with`` it (closed at the end) or
    ``await`` it for the :class:`AsyncStreamedResponse`."""

    def __init__(self, call: Awaitable[AsyncStreamedResponse[R]]) -> None:
        self._call = call
        self._response: AsyncStreamedResponse[R] | None = None

    def __await__(self) -> Generator[Any, None, AsyncStreamedResponse[R]]:
        return self._call.__await__()

    async def __aenter__(self) -> AsyncStreamedResponse[R]:
        self._response = await self._call
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            await self._response.aclose()


def _in_mode(
    mode: contextvars.ContextVar[bool], func: Callable[P, Any]
) -> Callable[P, Any]:
    """``func`` run with ``mode`` set: the client reads it to return a raw/streamed response."""

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        token = mode.set(True)
        try:
            return func(*args, **kwargs)
        finally:
            mode.reset(token)

    return wrapped


def _async_in_mode(
    mode: contextvars.ContextVar[bool], func: Callable[P, Awaitable[Any]]
) -> Callable[P, Awaitable[Any]]:
    """Async :func:`_in_mode`: ``mode`` is set while the call is awaited."""

    @functools.wraps(func)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        token = mode.set(True)
        try:
            return await func(*args, **kwargs)
        finally:
            mode.reset(token)

    return wrapped


def streaming_response_wrapper(
    func: Callable[P, R],
) -> Callable[P, StreamedResponse[R]]:
    """Same call, its body left unread: a :class:`StreamedResponse` to stream or ``parse()``."""
    return _in_mode(_STREAMING_MODE, func)


def async_streaming_response_wrapper(
    func: Callable[P, Awaitable[R]],
) -> Callable[P, AsyncStreamedCall[R]]:
    call = _async_in_mode(_STREAMING_MODE, func)

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> AsyncStreamedCall[R]:
        return AsyncStreamedCall(call(*args, **kwargs))

    return wrapped


class RawResponse(_ResponseView, _ParsesOnce[R]):
    """The HTTP response of a call; ``parse()`` gives what the method would have returned."""

    def __init__(self, response: httpx.Response, parse: Callable[[], R]) -> None:
        super().__init__(response)
        self._parse = parse

    @property
    def text(self) -> str:
        return self.http_response.text

    def parse(self) -> R:
        return self._parsed_once()


def raw_response_wrapper(func: Callable[P, R]) -> Callable[P, RawResponse[R]]:
    """Same signature as ``func``, returning the :class:`RawResponse` of the call instead."""
    return _in_mode(_RAW_MODE, func)


def async_raw_response_wrapper(
    func: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[RawResponse[R]]]:
    return _async_in_mode(_RAW_MODE, func)
