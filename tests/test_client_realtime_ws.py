"""Issue 21 (still missing): ``client.realtime.connect()`` opens a WebSocket (it used to send a
plain GET and return None), sync and async, with the client's auth and option headers and the
query; ``send()`` takes an event (mapping or model), ``recv()``/iteration return typed events.
A loopback ``websockets`` server answers; openai's ``client.realtime.connect()`` runs against the
same server and must receive the same events.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)

websockets = pytest.importorskip("websockets", reason="pip install websockets (a dev requirement)")
from websockets.sync.server import serve

pytestmark = pytest.mark.timeout(120)

SESSION = {"type": "session.updated", "event_id": "ev_1", "session": {"id": "sess_1", "model": "gpt-4o-realtime"}}
DONE = {"type": "response.done", "event_id": "ev_2", "response": {"id": "resp_1", "status": "completed"}}


class Server:
    """A loopback WebSocket server: records each handshake and the frames received; answers the
    first frame with SESSION and DONE, then closes normally. A path other than /v1/realtime is refused (403)."""

    def __init__(self) -> None:
        self.handshakes: list[dict[str, Any]] = []
        self.received: list[Any] = []

        def process_request(connection: Any, request: Any) -> Any:
            self.handshakes.append({"path": request.path, "headers": dict(request.headers.raw_items())})
            if not request.path.startswith("/v1/realtime"):
                return connection.respond(403, '{"error": {"message": "no such socket"}}\n')
            return None

        def handler(ws: Any) -> None:
            self.received.append(json.loads(ws.recv()))
            ws.send(json.dumps(SESSION))
            ws.send(json.dumps(DONE))
            ws.close()

        self.server = serve(handler, "127.0.0.1", 0, process_request=process_request)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.server.shutdown()


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


UPDATE = {"type": "session.update", "session": {"instructions": "be brief"}}


def ours(pkg: Any, mode: str, base_url: str, **options: Any) -> list[Any]:
    opts = {"api_key": "pk-ws", "provider": "openai", "trace_id": "tr-ws", "base_url": base_url, **options}
    if mode == "sync":
        with pkg.Portkey(**opts).realtime.connect(model="gpt-4o-realtime") as conn:
            conn.send(UPDATE)
            return list(conn)

    async def main() -> list[Any]:
        async with pkg.AsyncPortkey(**opts).realtime.connect(model="gpt-4o-realtime") as conn:
            await conn.send(UPDATE)
            return [event async for event in conn]

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_connect_opens_websocket_with_headers_and_typed_events(pkg, server, mode):
    events = ours(pkg, mode, server.base_url)
    assert [e.type for e in events] == ["session.updated", "response.done"]
    assert events[0].to_dict() == SESSION and events[1].response == DONE["response"]
    assert server.received == [UPDATE]
    hs = server.handshakes[0]
    assert hs["path"] == "/v1/realtime?model=gpt-4o-realtime"
    headers = {k.lower(): v for k, v in hs["headers"].items()}
    assert headers["x-portkey-api-key"] == "pk-ws"
    assert headers["x-portkey-provider"] == "openai"
    assert headers["x-portkey-trace-id"] == "tr-ws"
    assert headers["user-agent"].startswith("portkey-python/")


def test_openai_sdk_receives_the_same_events(pkg, server):
    import openai

    client = openai.OpenAI(api_key="sk-ws", base_url=server.base_url, max_retries=0)
    with client.realtime.connect(model="gpt-4o-realtime") as conn:
        conn.send(UPDATE)  # type: ignore[arg-type]
        theirs = [conn.recv().type, conn.recv().type]
    ours_ = ours(pkg, "sync", server.base_url)
    assert [e.type for e in ours_] == theirs
    assert server.received == [UPDATE, UPDATE]
    assert server.handshakes[0]["path"] == server.handshakes[1]["path"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_refused_handshake_is_a_status_error(pkg, server, mode):
    with pytest.raises(pkg.PermissionDeniedError) as info:
        ours(pkg, mode, f"http://127.0.0.1:{server.port}/elsewhere")
    assert info.value.status_code == 403 and "no such socket" in str(info.value)
