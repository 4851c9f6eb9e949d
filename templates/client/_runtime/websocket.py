"""WebSocket connections (``client.realtime.connect()``), as openai's realtime connection.

Imported by the generated method on first call; needs the optional ``websockets`` package
(RUNTIME-REQUIREMENTS.txt). The URL and headers are those the client would send for the same
operation over HTTP (base URL of its server group, auth and option headers, query), with the
scheme switched to ws/wss. Events are JSON text frames: ``send()`` takes a mapping or a model,
``recv()`` returns a ``RealtimeEvent`` (a model with ``type`` and the event's other fields).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel, ConfigDict

from .errors import APIConnectionError, _status_error
from .options import RequestOptions

if TYPE_CHECKING:
    from .async_client import AsyncAPIClient
    from .sync_client import SyncAPIClient

__all__ = [
    "AsyncRealtimeConnection",
    "AsyncRealtimeConnectionManager",
    "RealtimeConnection",
    "RealtimeConnectionManager",
    "RealtimeEvent",
]

# Set by the WebSocket handshake itself, or meaningless for it.
_NOT_FORWARDED = {
    "host",
    "connection",
    "upgrade",
    "content-length",
    "content-type",
    "accept-encoding",
    "user-agent",
}


class RealtimeEvent(BaseModel):
    """One event received: its ``type`` and whatever else it carries (kept as sent)."""

    model_config = ConfigDict(extra="allow")
    type: str

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


OutgoingEvent = Mapping[str, Any] | BaseModel


def _websockets() -> Any:
    try:
        import websockets
    except ImportError:
        raise ImportError(
            "client.realtime.connect() needs the `websockets` package: pip install 'websockets>=13'"
        ) from None
    return websockets


def _handshake(
    client: Any, method: str, path: str, options: dict[str, Any]
) -> tuple[httpx.Request, str, list[tuple[str, str]], float | None]:
    """The HTTP request the client would send, and from it the ws URL, headers and open timeout."""
    request: httpx.Request = client._build(RequestOptions(method, path, **options), [])
    scheme = {"http": "ws", "https": "wss"}.get(request.url.scheme, request.url.scheme)
    url = str(request.url.copy_with(scheme=scheme))
    headers = [
        (k, v) for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED
    ]
    timeout = request.extensions.get("timeout", {}).get("connect")
    return request, url, headers, timeout


def _encode(event: OutgoingEvent) -> str:
    if isinstance(event, BaseModel):
        return event.model_dump_json(by_alias=True, exclude_unset=True)
    return json.dumps(event)


def _failed(exc: Exception, request: httpx.Request) -> Exception:
    """A refused handshake as the client's status error; anything else as a connection error."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        raw = getattr(response, "headers", None)
        headers = list(raw.raw_items()) if raw is not None else []
        body = bytes(
            getattr(response, "body", b"") or b""
        )  # websockets keeps a bytearray
        refused = httpx.Response(status, headers=headers, content=body, request=request)
        return _status_error(refused)
    return APIConnectionError(f"WebSocket connection failed: {exc}", request=request)


class RealtimeConnection:
    """An open WebSocket: ``send(event)``, ``recv()``, iterate for events until the server closes."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    def send(self, event: OutgoingEvent) -> None:
        self._ws.send(_encode(event))

    def recv_bytes(self) -> bytes:
        """The next message as received (text as UTF-8)."""
        data = self._ws.recv()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def recv(self) -> RealtimeEvent:
        return RealtimeEvent.model_validate_json(self.recv_bytes())

    def __iter__(self) -> Iterator[RealtimeEvent]:
        from websockets.exceptions import ConnectionClosedOK

        try:
            while True:
                yield self.recv()
        except ConnectionClosedOK:
            return

    def close(self, *, code: int = 1000, reason: str = "") -> None:
        self._ws.close(code, reason)


class AsyncRealtimeConnection:
    """``await send(event)``, ``await recv()``, ``async for event in connection``."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    async def send(self, event: OutgoingEvent) -> None:
        await self._ws.send(_encode(event))

    async def recv_bytes(self) -> bytes:
        data = await self._ws.recv()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)

    async def recv(self) -> RealtimeEvent:
        return RealtimeEvent.model_validate_json(await self.recv_bytes())

    async def __aiter__(self) -> AsyncIterator[RealtimeEvent]:
        from websockets.exceptions import ConnectionClosedOK

        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    async def close(self, *, code: int = 1000, reason: str = "") -> None:
        await self._ws.close(code, reason)


class RealtimeConnectionManager:
    """``with client.realtime.connect(...) as connection:`` — connects on enter, closes on exit."""

    def __init__(
        self, client: SyncAPIClient, method: str, path: str, **options: Any
    ) -> None:
        self._args = (client, method, path, options)
        self._connection: RealtimeConnection | None = None

    def enter(self) -> RealtimeConnection:
        """Connect without `with` (then call ``close()`` on the connection)."""
        _websockets()
        from websockets.sync.client import connect

        request, url, headers, timeout = _handshake(*self._args)
        try:
            agent = request.headers.get("user-agent")
            # Entered here and left by close(): websockets 17 connects in __enter__, 13-16 at once.
            ws = connect(
                url,
                additional_headers=headers,
                user_agent_header=agent,
                open_timeout=timeout,
            ).__enter__()
        except Exception as exc:
            raise _failed(exc, request) from exc
        self._connection = RealtimeConnection(ws)
        return self._connection

    __enter__ = enter

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            self._connection.close()


class AsyncRealtimeConnectionManager:
    """``async with client.realtime.connect(...) as connection:``"""

    def __init__(
        self, client: AsyncAPIClient, method: str, path: str, **options: Any
    ) -> None:
        self._args = (client, method, path, options)
        self._connection: AsyncRealtimeConnection | None = None

    async def enter(self) -> AsyncRealtimeConnection:
        _websockets()
        from websockets.asyncio.client import connect

        request, url, headers, timeout = _handshake(*self._args)
        try:
            agent = request.headers.get("user-agent")
            ws = await connect(
                url,
                additional_headers=headers,
                user_agent_header=agent,
                open_timeout=timeout,
            )
        except Exception as exc:
            raise _failed(exc, request) from exc
        self._connection = AsyncRealtimeConnection(ws)
        return self._connection

    async def __aenter__(self) -> AsyncRealtimeConnection:
        return await self.enter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._connection is not None:
            await self._connection.close()
