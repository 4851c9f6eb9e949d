"""Server-sent events: the ``text/event-stream`` decoder and the ``Stream``/``AsyncStream`` of
parsed chunks a streaming call returns.

``data: [DONE]`` always ends a stream. A stream that ends without it ends cleanly (the
``/responses`` event stream has no terminator), unless the operation declares its terminator
(``stream_terminator``, from the spec's ``x-stream-terminator``): then the missing terminator is
an ``APIStreamIncompleteError``, so a cut stream is not mistaken for a finished one. Lines are
split by hand over ``iter_bytes()`` in bytes (``\\r`` and ``\\n`` never occur inside a multi-byte
UTF-8 sequence, so no incremental decoder is needed).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Generic, NoReturn

import httpx

from .common import T, _AsyncClosing, _Closing, _pydantic_error
from .errors import (
    APIResponseValidationError,
    APIStreamError,
    APIStreamIncompleteError,
    _decode_error_body,
    _error_message,
    _transport_error,
)
from .parsing import _json_validator, _validation_error

_DONE = b"[DONE]"


class _SSEDecoder:
    """Incremental text/event-stream parser over raw bytes (WHATWG rules, bytes in and out)."""

    __slots__ = (
        "_data",
        "_event",
        "_skip_lf",
        "_started",
        "_tail",
        "last_event_id",
        "retry",
    )

    def __init__(self) -> None:
        self._tail = b""
        self._skip_lf = (
            False  # the previous chunk ended in \r: a leading \n completes a CRLF
        )
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._started = False
        self.last_event_id: bytes | None = None
        self.retry: int | None = None

    def feed(self, chunk: bytes | None) -> list[tuple[bytes | None, bytes]]:
        """Events completed by this chunk as (event name or None, data); None means EOF."""
        if chunk is None:
            return self._flush()
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[0] == 10:
                chunk = chunk[1:]
        if not self._started:
            self._started = True
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
        if self._tail:
            chunk = self._tail + chunk
        if b"\r" in chunk:
            if chunk[-1] == 13:
                self._skip_lf = True
                chunk = chunk[:-1].replace(b"\r\n", b"\n").replace(b"\r", b"\n") + b"\n"
            else:
                chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        self._tail = lines.pop()
        out: list[tuple[bytes | None, bytes]] = []
        for line in lines:
            if line:
                if line.startswith(b"data: "):
                    self._data.append(line[6:])
                elif line[0] != 58:  # ":" starts a comment
                    self._field(line)
            elif self._data:
                data = self._data
                out.append(
                    (self._event, data[0] if len(data) == 1 else b"\n".join(data))
                )
                self._data = []
                self._event = None
            else:
                self._event = None
        return out

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = value
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)

    def _flush(self) -> list[tuple[bytes | None, bytes]]:
        # Lenient: a last event without its blank line is still delivered (a truncated one then
        # fails validation instead of vanishing).
        self._skip_lf = False
        out = self.feed(b"\n\n") if self._tail or self._data else []
        self._tail = b""
        return out


class _Skip:
    pass


_SKIP = _Skip()


def _sse_item(
    event: bytes | None,
    data: bytes,
    parse: Callable[[bytes], Any],
    response: httpx.Response,
) -> Any:
    """The parsed chunk of one event, _SKIP for keep-alives; raises stream errors."""
    if not data:
        return _SKIP
    is_error_event = event == b"error"
    # A byte search (fast) anywhere in the chunk: the key may follow id/object/model. An
    # "error" inside a string value is escaped (\"error\"), so it does not match.
    if is_error_event or b'"error"' in data:
        body: object
        try:
            body = json.loads(data)
        except ValueError:
            if not is_error_event:
                raise
            body = data.decode("utf-8", "replace")
        if is_error_event or (
            isinstance(body, dict)
            and (body.get("error") or body.get("type") == "error")
        ):
            msg = _error_message(body) or "unknown error"
            name = event.decode("utf-8", "replace") if event is not None else None
            raise APIStreamError(
                f"Error in event stream: {msg}",
                response=response,
                body=body,
                event=name,
            )
    return parse(data)


def _sse_last_item(
    event: bytes | None,
    data: bytes,
    parse: Callable[[bytes], Any],
    response: httpx.Response,
) -> Any:
    """An event the body ended inside (no blank line after it): delivered when it is whole
    JSON, an incomplete stream when its JSON is cut (not a schema error: retry code tells).
    """
    try:
        return _sse_item(event, data, parse, response)
    except (_pydantic_error(), ValueError):
        try:
            json.loads(data)
        except ValueError:
            raise _incomplete_stream(response, None) from None
        raise


def _not_an_event_stream(response: httpx.Response) -> NoReturn:
    """A streaming request answered with another content type (read): raise what it says."""
    body = _decode_error_body(response)
    msg = _error_message(body) or "(empty body)"
    if isinstance(body, dict) and body.get("error"):
        raise APIStreamError(
            f"Error in event stream: {msg}", response=response, body=body, event=None
        )
    raise APIResponseValidationError(
        f"Expected a text/event-stream response, got {response.headers.get('content-type')}: {msg}",
        response=response,
        body=body,
    )


def _is_event_stream(response: httpx.Response) -> bool:
    # No content type at all is read as events: some proxies drop the header.
    ctype = response.headers.get("content-type")
    return not ctype or "event-stream" in ctype.lower()


def _incomplete_stream(
    response: httpx.Response, terminator: bytes | None
) -> APIStreamIncompleteError:
    where = (
        f"before its terminator {terminator.decode('utf-8', 'replace')!r}"
        if terminator is not None
        else "inside an event (its JSON is cut)"
    )
    return APIStreamIncompleteError(
        f"The event stream ended {where}: the response is incomplete (the server "
        f"or a proxy closed it early); chunks received so far may be partial",
        response=response,
        body=None,
        event=None,
    )


class _EventStream(Generic[T]):
    """What :class:`Stream` and :class:`AsyncStream` share: everything but the I/O. Body chunks
    go in (``_items``), parsed chunks come out; the two differ only in how they read the body.
    """

    response: httpx.Response

    def __init__(
        self,
        response: httpx.Response,
        cast_to: type[T],
        terminator: str | None = None,
        strict: bool = False,
    ) -> None:
        self.response = response
        self._parse: Callable[[bytes], T] = _json_validator(cast_to, strict)
        self._decoder = _SSEDecoder()
        self._end = terminator.encode("utf-8") if terminator is not None else None
        self._done = False  # `[DONE]` or the declared terminator was read
        self._closed = False

    def _items(self, chunk: bytes | None) -> Iterator[T]:
        """The parsed chunks of the events this body chunk completes (None: the body ended),
        one at a time; at the terminator it sets ``_done`` and stops."""
        response, parse, end = self.response, self._parse, self._end
        item_of = _sse_item if chunk is not None else _sse_last_item
        data = b""
        try:
            for event, data in self._decoder.feed(chunk):
                if data == _DONE or data == end:
                    self._done = True
                    return
                item = item_of(event, data, parse, response)
                if item is not _SKIP:
                    yield item
        except (_pydantic_error(), ValueError) as exc:
            raise _validation_error(
                exc, response, "stream chunk", data.decode("utf-8", "replace")
            ) from exc

    def _check_ended(self) -> None:
        """At the end of the body: a declared terminator not read means it was cut."""
        if self._end is not None and not self._done:
            raise _incomplete_stream(self.response, self._end)


class Stream(_EventStream[T], _Closing):
    """Iterate parsed chunks of a ``text/event-stream`` response.

    The response is closed when the stream ends (``[DONE]`` or end of body), on an error, on
    ``close()``/leaving ``with stream:``, and when a ``for`` loop over it is left early (the loop's
    generator is dropped at once in CPython). After that, iteration yields nothing more.
    """

    _chunks: Iterator[bytes] | None = None
    _iterator: Iterator[T] | None = None

    def __iter__(self) -> Iterator[T]:
        return self._iterator if self._iterator is not None else self._run()

    def __next__(self) -> T:
        if self._iterator is None:
            self._iterator = self._run()
        return next(self._iterator)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.response.close()

    def _run(self) -> Iterator[T]:
        if self._closed:
            return
        response = self.response
        if self._chunks is None:
            if not _is_event_stream(response):
                with self:  # closed once the error body is read and raised
                    response.read()
                    _not_an_event_stream(response)
            self._chunks = response.iter_bytes()
        chunks = self._chunks
        try:
            for chunk in chunks:
                yield from self._items(chunk)
                if self._done:
                    for _ in chunks:  # drain so the connection can be reused
                        pass
                    return
            yield from self._items(None)
            self._check_ended()
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        finally:
            self.close()


class AsyncStream(_EventStream[T], _AsyncClosing):
    """Async twin of :class:`Stream`; use ``async with stream:`` to close it early."""

    _chunks: AsyncIterator[bytes] | None = None
    _iterator: AsyncIterator[T] | None = None

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator if self._iterator is not None else self._run()

    async def __anext__(self) -> T:
        if self._iterator is None:
            self._iterator = self._run()
        return await self._iterator.__anext__()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self.response.aclose()

    aclose = close

    async def _run(self) -> AsyncIterator[T]:
        if self._closed:
            return
        response = self.response
        if self._chunks is None:
            if not _is_event_stream(response):
                async with self:
                    await response.aread()
                    _not_an_event_stream(response)
            self._chunks = response.aiter_bytes()
        chunks = self._chunks
        try:
            async for chunk in chunks:
                for item in self._items(chunk):
                    yield item
                if self._done:
                    async for _ in chunks:
                        pass
                    return
            for item in self._items(None):
                yield item
            self._check_ended()
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        finally:
            await self.close()
