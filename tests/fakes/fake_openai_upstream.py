"""A small fake OpenAI-compatible upstream for end-to-end tests behind the real Portkey gateway.

It listens on 127.0.0.1 (a free port), records every request it receives (method, path, headers,
parsed JSON body) and answers the few routes the tests use:

- ``POST /v1/chat/completions``: a chat completion, or with ``"stream": true`` an SSE stream of
  chunks ending in ``data: [DONE]``
- ``POST /v1/completions``: the same for text completions
- ``POST /v1/embeddings``: one 3-dimensional embedding per input
- ``GET /v1/models``: a list of two models

The answers are what OpenAI sends (including ``finish_reason: null`` in all but the last stream
chunk), with the text "Hello from fake" split over the chunks.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from typing_extensions import Self

REPLY_TEXT = "Hello from fake"
REPLY_PIECES = ["Hello", " from", " fake"]
CREATED = 1_700_000_000


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or None


def chat_completion(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": REPLY_TEXT, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }


def chat_chunks(model: str) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED, "model": model}
    chunks = [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
            ],
        }
    ]
    for piece in REPLY_PIECES:
        chunks.append(
            {**base, "choices": [{"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}]}
        )
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]})
    return chunks


def text_completion(model: str) -> dict[str, Any]:
    return {
        "id": "cmpl-fake",
        "object": "text_completion",
        "created": CREATED,
        "model": model,
        "choices": [{"text": REPLY_TEXT, "index": 0, "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 2, "completion_tokens": 4, "total_tokens": 6},
    }


def completion_chunks(model: str, null_finish_reason: bool) -> list[dict[str, Any]]:
    base = {"id": "cmpl-fake", "object": "text_completion", "created": CREATED, "model": model}
    last = len(REPLY_PIECES) - 1
    return [
        {
            **base,
            "choices": [
                {
                    "text": piece,
                    "index": 0,
                    "logprobs": None,
                    "finish_reason": "stop" if i == last or not null_finish_reason else None,
                }
            ],
        }
        for i, piece in enumerate(REPLY_PIECES)
    ]


def embeddings(model: str, inputs: Any) -> dict[str, Any]:
    items = inputs if isinstance(inputs, list) else [inputs]
    return {
        "object": "list",
        "model": model,
        "data": [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(len(items))],
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }


MODELS = {
    "object": "list",
    "data": [
        {"id": "gpt-4o", "object": "model", "created": CREATED, "owned_by": "openai"},
        {"id": "text-embedding-3-small", "object": "model", "created": CREATED, "owned_by": "openai"},
    ],
}


class FakeOpenAI:
    """Start with ``start()`` (or as a context manager); ``url`` ends in ``/v1``."""

    def __init__(self, *, null_finish_reason: bool = True) -> None:
        # OpenAI sends finish_reason null in all but the last completion chunk; False sends "stop"
        # in every chunk (for clients whose models reject null there).
        self.null_finish_reason = null_finish_reason
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> Self:
        fake = self

        class Handler(_Handler):
            upstream = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def last(self, path: str) -> Received:
        with self._lock:
            for item in reversed(self.received):
                if item.path == path:
                    return item
        raise AssertionError(f"the upstream received no request for {path}; got {[r.path for r in self.received]}")


class _Handler(BaseHTTPRequestHandler):
    upstream: FakeOpenAI
    server_version = "fake-openai/1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _receive(self) -> Received:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw and "json" in (self.headers.get("content-type") or "") else None
        item = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.upstream.record(item)
        return item

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, chunks: list[dict[str, Any]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()  # HTTP/1.0: the body ends when the connection closes
        for chunk in chunks:
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def do_GET(self) -> None:
        self._receive()
        if self.path == "/v1/models":
            self._json(200, MODELS)
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        item = self._receive()
        body = item.body if isinstance(item.body, dict) else {}
        model = str(body.get("model", "unknown"))
        stream = bool(body.get("stream"))
        if self.path == "/v1/chat/completions":
            self._sse(chat_chunks(model)) if stream else self._json(200, chat_completion(model))
        elif self.path == "/v1/completions":
            if stream:
                self._sse(completion_chunks(model, self.upstream.null_finish_reason))
            else:
                self._json(200, text_completion(model))
        elif self.path == "/v1/embeddings":
            self._json(200, embeddings(model, body.get("input")))
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
