"""Streamed answers: server-sent events from an async iterator, and streamed binary bodies."""

from __future__ import annotations

import logging
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
)
from typing import Any

import anyio
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .adapters import type_adapter
from .errors import HTTPError, error_body

logger = logging.getLogger(__package__ or __name__)


# -- server-sent events -------------------------------------------------------------------------


def encode_event(chunk: Any, chunk_type: Any) -> bytes:
    if isinstance(chunk, (bytes, bytearray)):
        data = bytes(chunk).decode("utf-8")
    elif isinstance(chunk, str):
        data = chunk
    else:
        if chunk_type is not None and not isinstance(chunk, BaseModel):
            chunk = type_adapter(chunk_type).validate_python(chunk)
        if isinstance(chunk, BaseModel):
            data = chunk.model_dump_json(by_alias=True, exclude_unset=True)
        else:
            data = type_adapter(Any).dump_json(chunk, by_alias=True).decode("utf-8")
    # One event per chunk; a newline inside the data would split it, so every line gets "data: ".
    return ("".join(f"data: {line}\n" for line in data.split("\n")) + "\n").encode(
        "utf-8"
    )


async def _aclose(iterator: Any) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is None:
        return
    with anyio.CancelScope(
        shield=True
    ):  # the close must run even while being cancelled
        try:
            await aclose()
        except Exception:
            logger.exception("error while closing a response stream")


class EventStreamResponse(Response):
    """`text/event-stream` from an async iterator of chunks: `data: <json>` events, then the terminator.

    A client disconnect cancels the stream and closes (`aclose`) the iterator; an error raised by the
    iterator after the response started is logged and sent as a final error event.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        source: AsyncIterable[Any],
        chunk_type: Any = None,
        terminator: str | None = "[DONE]",
        *,
        operation: str = "",
        status_code: int = 200,
    ) -> None:
        super().__init__(
            content=None, status_code=status_code, media_type=self.media_type
        )
        del self.headers["content-length"]  # streamed: the length is not known
        self.headers["Cache-Control"] = "no-cache"
        self.headers["X-Accel-Buffering"] = "no"
        self.source = source
        self.chunk_type = chunk_type
        self.terminator = terminator
        self.operation = operation

    async def _events(self) -> AsyncIterator[bytes]:
        iterator = aiter(self.source)
        try:
            async for chunk in iterator:
                yield encode_event(chunk, self.chunk_type)
        except Exception as exc:
            logger.exception("error while streaming operation %s", self.operation)
            message = (
                exc.message
                if isinstance(exc, HTTPError)
                else "The server had an error while streaming."
            )
            yield encode_event(
                error_body(message, type="server_error", code="stream_error"), None
            )
            return
        finally:
            await _aclose(iterator)
        if self.terminator is not None:
            yield f"data: {self.terminator}\n\n".encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events = self._events()
        try:
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": self.status_code,
                            "headers": self.raw_headers,
                        }
                    )
                    async for event in events:
                        await send(
                            {
                                "type": "http.response.body",
                                "body": event,
                                "more_body": True,
                            }
                        )
                    await send(
                        {"type": "http.response.body", "body": b"", "more_body": False}
                    )
                    group.cancel_scope.cancel()

                async def watch() -> None:
                    while True:
                        message = await receive()
                        if message["type"] == "http.disconnect":
                            group.cancel_scope.cancel()  # stops stream(); finally below closes the source
                            return

                group.start_soon(stream)
                await watch()
        except OSError:
            pass  # the client went away while we were sending
        finally:
            await _aclose(events)
            await _aclose(self.source)


class BytesStreamResponse(Response):
    """Binary body from an async iterator of bytes, closing the iterator however the response ends."""

    def __init__(
        self, source: AsyncIterable[bytes], *, status_code: int, media_type: str | None
    ) -> None:
        super().__init__(content=None, status_code=status_code, media_type=media_type)
        del self.headers["content-length"]  # streamed: the length is not known
        self.source = source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async for part in self.source:
                await send(
                    {
                        "type": "http.response.body",
                        "body": bytes(part),
                        "more_body": True,
                    }
                )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass
        finally:
            await _aclose(self.source)
