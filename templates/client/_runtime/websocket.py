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
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict

from .async_client import AsyncAPIClient
from .common import _AsyncOpens, _Opens
from .errors import APIConnectionError, _status_error
from .options import RequestOptions
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

_ClientT = TypeVar("_ClientT")  # the client whose request a handshake reuses


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


def _as_bytes(message: str | bytes) -> bytes:
    """A received message as bytes (a text frame as UTF-8)."""
    return message.encode("utf-8") if isinstance(message, str) else bytes(message)


class _Connection:
    """What both connections hold: the open websockets connection."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws


class RealtimeConnection(_Connection):
    """An open WebSocket: ``send(event)``, ``recv()``, iterate for events until the server closes."""

    def send(self, event: OutgoingEvent) -> None:
        self._ws.send(_encode(event))

    def recv_bytes(self) -> bytes:
        """The next message as received (text as UTF-8)."""
        return _as_bytes(self._ws.recv())

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


class AsyncRealtimeConnection(_Connection):
    """``await send(event)``, ``await recv()``, ``async for event in connection``."""

    async def send(self, event: OutgoingEvent) -> None:
        await self._ws.send(_encode(event))

    async def recv_bytes(self) -> bytes:
        return _as_bytes(await self._ws.recv())

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


class _Handshake(Generic[_ClientT]):
    """What both managers do before connecting (no I/O): the URL, headers and open timeout of
    the client's request for the operation."""

    def __init__(
        self, client: _ClientT, method: str, path: str, **options: Any
    ) -> None:
        self._args = (client, method, path, options)

    def _prepare(self) -> tuple[httpx.Request, str, dict[str, Any]]:
        """The request the handshake stands for, the ws URL and the options of ``connect``."""
        _websockets()
        request, url, headers, timeout = _handshake(*self._args)
        agent = request.headers.get("user-agent")
        options = {
            "additional_headers": headers,
            "user_agent_header": agent,
            "open_timeout": timeout,
        }
        return request, url, options


class RealtimeConnectionManager(_Handshake[SyncAPIClient], _Opens[RealtimeConnection]):
    """``with client.realtime.connect(...) as connection:`` — connects on enter, closes on exit."""

    def enter(self) -> RealtimeConnection:
        """Connect without `with` (then call ``close()`` on the connection)."""
        return self.__enter__()

    def _open(self) -> RealtimeConnection:
        request, url, options = self._prepare()
        from websockets.sync.client import connect

        try:
            # Entered here and left by close(): websockets 17 connects in __enter__, 13-16 at once.
            ws = connect(url, **options).__enter__()
        except Exception as exc:
            raise _failed(exc, request) from exc
        return RealtimeConnection(ws)


class AsyncRealtimeConnectionManager(
    _Handshake[AsyncAPIClient], _AsyncOpens[AsyncRealtimeConnection]
):
    """``async with client.realtime.connect(...) as connection:``"""

    async def enter(self) -> AsyncRealtimeConnection:
        return await self.__aenter__()

    async def _open(self) -> AsyncRealtimeConnection:
        request, url, options = self._prepare()
        from websockets.asyncio.client import connect

        try:
            ws = await connect(url, **options)
        except Exception as exc:
            raise _failed(exc, request) from exc
        return AsyncRealtimeConnection(ws)
