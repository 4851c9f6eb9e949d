"""Shared by the issue-21 client tests: the same bytes to our client (sync or async) and to openai.

Everything goes through ``httpx.MockTransport`` handlers built here; a streamed body is delivered
in the chunks the test gives (``ChunkStream``), so where an event or a JSON escape is split on
the wire is up to the test. Only the generated package's public surface is used
(``<package>.client``: the clients, ``Stream``/``AsyncStream``, the error classes, ``request_id``),
so these tests do not depend on how the runtime is split into modules.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpx
import openai

MODES = ["sync", "async"]
MESSAGES = [{"role": "user", "content": "hi"}]
BASE_URL = "http://api.test/v1"

Handler = Callable[[httpx.Request], httpx.Response]


class ChunkStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in exactly these chunks, to the sync and the async client."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = list(chunks)

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


class Reply:
    """A MockTransport handler answering every request with the same bytes; records requests."""

    def __init__(self, chunks: bytes | Iterable[bytes], status: int = 200,
                 content_type: str | None = "application/json", headers: dict[str, str] | None = None) -> None:
        self.chunks = [chunks] if isinstance(chunks, bytes) else list(chunks)
        self.status = status
        self.headers = dict(headers or {})
        if content_type is not None:
            self.headers["content-type"] = content_type
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, headers=self.headers, stream=ChunkStream(self.chunks))


def json_reply(body: object, **kw: Any) -> Reply:
    return Reply(json.dumps(body).encode(), **kw)


def sse_events(*payloads: object) -> list[bytes]:
    """One ``data:`` event per payload (a str is sent as is, anything else as JSON)."""
    return [f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n".encode() for p in payloads]


def sse_reply(chunks: Iterable[bytes], **kw: Any) -> Reply:
    return Reply(chunks, content_type="text/event-stream", **kw)


def client(pkg: Any, mode: str, handler: Handler, classes: tuple[str, str] = ("Portkey", "AsyncPortkey"),
           **options: Any) -> Any:
    """A sync or async client of `pkg` (``<package>.client``) on `handler`; `classes` names the
    package's two client classes (a small spec of our own names its clients after its title)."""
    opts = {"base_url": BASE_URL, "max_retries": 0, **options}
    if classes == ("Portkey", "AsyncPortkey"):
        opts.setdefault("api_key", "pk-test")
    transport = httpx.MockTransport(handler)
    if mode == "sync":
        return getattr(pkg, classes[0])(http_client=httpx.Client(transport=transport), **opts)
    return getattr(pkg, classes[1])(http_client=httpx.AsyncClient(transport=transport), **opts)


def run(pkg: Any, mode: str, handler: Handler, call: Callable[[Any], Any], **options: Any) -> Any:
    """`call(client)`; async results are awaited and streams (ours) drained into a list."""
    if mode == "sync":
        result = call(client(pkg, mode, handler, **options))
        return list(result) if isinstance(result, pkg.Stream) else result

    async def main() -> Any:
        result = await call(client(pkg, mode, handler, **options))
        if isinstance(result, pkg.AsyncStream):
            return [item async for item in result]
        return result

    return asyncio.run(main())


def drain(pkg: Any, mode: str, handler: Handler, call: Callable[[Any], Any],
          **options: Any) -> tuple[list[Any], BaseException | None]:
    """The items a streaming call yields before it ends, and the exception it ended with (or None)."""
    items: list[Any] = []
    if mode == "sync":
        try:
            for item in call(client(pkg, mode, handler, **options)):
                items.append(item)  # noqa: PERF402 - the items before an error are kept
        except Exception as exc:  # noqa: BLE001 - returned for the test to judge
            return items, exc
        return items, None

    async def main() -> BaseException | None:
        try:
            async for item in await call(client(pkg, mode, handler, **options)):
                items.append(item)
        except Exception as exc:  # noqa: BLE001
            return exc
        return None

    return items, asyncio.run(main())


def openai_client(handler: Handler) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0,
                         http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def openai_drain(handler: Handler, call: Callable[[openai.OpenAI], Any]) -> tuple[list[Any], BaseException | None]:
    items: list[Any] = []
    try:
        for item in call(openai_client(handler)):
            items.append(item)  # noqa: PERF402 - the items before an error are kept
    except Exception as exc:  # noqa: BLE001
        return items, exc
    return items, None


def delta_texts(chunks: Iterable[Any]) -> list[Any]:
    """The delta content of each chat chunk (the same path in both SDKs)."""
    return [c.choices[0].delta.content if c.choices else None for c in chunks]
