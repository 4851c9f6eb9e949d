"""The generated server under abuse: hostile bodies, content types, credentials and clients.

Contract (README, "Server under abuse"): every client mistake answers a 4xx with the OpenAI-style
error body and logs nothing at ERROR; oversized bodies answer 413 without being buffered; a caller
without credentials gets 401 before its body is read; 200 streaming clients that hang up early leave
no open service iterator, no extra asyncio task and no memory behind.

A small spec of its own (ABUSE_SPEC) drives most cases, in process (TestClient, or the raw ASGI
callable when the test must count what the app reads) and over real sockets against uvicorn in a
subprocess; the Portkey spec's server gets the same abuse in process.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import select
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_server import KEY, portkey_server, spec_package, srv  # noqa: F401 (fixtures)

MiB = 1024 * 1024
LIMIT = 1 * MiB  # the abuse apps' max_body_size: small, so tests stay fast

ABUSE_SPEC = """
openapi: 3.0.3
info: {title: Abuse, version: "1"}
security: [{Bearer: []}]
paths:
  /chat/completions:
    post:
      operationId: createChatCompletion
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: '#/components/schemas/ChatRequest'}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Completion'}}
            text/event-stream: {schema: {$ref: '#/components/schemas/Chunk'}}
  /strict:
    post:
      operationId: createStrict
      security: [{ApiKey: []}]
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: '#/components/schemas/Strict'}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Strict'}}
  /uploads:
    post:
      operationId: createUpload
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file, purpose]
              properties:
                file: {type: string, format: binary}
                purpose: {type: string}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Strict'}}
  /ping:
    get:
      operationId: ping
      security: []
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Strict'}}
components:
  securitySchemes:
    Bearer: {type: http, scheme: bearer}
    ApiKey: {type: apiKey, in: header, name: x-api-key}
  schemas:
    ChatRequest:
      type: object
      required: [model, messages]
      properties:
        model: {type: string}
        messages: {type: array, items: {type: object, additionalProperties: true}}
        stream: {type: boolean, default: false}
        temperature: {type: number, minimum: 0, maximum: 2}
    Completion:
      type: object
      required: [id, object]
      properties:
        id: {type: string}
        object: {type: string, enum: [completion]}
        text: {type: string}
    Chunk:
      type: object
      required: [id]
      properties:
        id: {type: string}
        delta: {type: string}
    Strict:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: {type: string}
        count: {type: integer}
"""

BEARER = {"Authorization": "Bearer tok"}
JSON = {"content-type": "application/json"}
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
ERROR_KEYS = {"message", "type", "param", "code"}


# -- the package and its apps ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def abuse(tmp_path_factory):
    """(server module, models module, folder to put on sys.path) of ABUSE_SPEC's package."""
    root = tmp_path_factory.mktemp("abuse_spec")
    spec = root / "abuse_spec.yaml"
    spec.write_text(ABUSE_SPEC, "utf-8")
    out, _, _ = spec_package(spec, "abuse_srv_api", root)
    server = importlib.import_module("abuse_srv_api.server")
    models = importlib.import_module("abuse_srv_api.models")
    return server, models, out


class Calls(list):
    """What the services were called with (abuse must never reach them)."""


@pytest.fixture()
def calls() -> Calls:
    return Calls()


@pytest.fixture()
def app(abuse, calls):
    server, models, _ = abuse

    class Chat(server.ChatService):
        async def create_chat_completion(self, request, ctx):
            calls.append(("chat", request.body))
            extra = request.body.model_extra or {}
            return models.Completion(id="c", object="completion", text=json.dumps(sorted(extra)))

    class Strict(server.StrictService):
        async def create_strict(self, request, ctx):
            calls.append(("strict", request.body))
            return request.body

    class Uploads(server.UploadsService):
        async def create_upload(self, request, ctx):
            calls.append(("upload", request.purpose))
            return models.Strict(name=request.purpose)

    class Ping(server.PingService):
        async def ping(self, request, ctx):
            calls.append(("ping", request.q))
            return models.Strict(name=request.q or "")

    return server.create_app(chat=Chat(), strict=Strict(), uploads=Uploads(), ping=Ping(), max_body_size=LIMIT)


@pytest.fixture()
def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture()
def no_error_logs(caplog) -> Iterator[None]:
    """Client mistakes are not server errors: nothing at ERROR (no traceback) in any logger."""
    caplog.set_level(logging.DEBUG)
    yield
    bad = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert not bad, bad


def assert_error(r: Any, status: int, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert set(err) == ERROR_KEYS and isinstance(err["message"], str) and err["message"]
    if code is not None:
        assert err["code"] == code, err
    if param is not None:
        assert err["param"] == param, err
    assert "Traceback" not in r.text
    return err


# -- raw ASGI driving: what the app pulls from the body ------------------------------------------------


def asgi_request(
    app: Any,
    method: str,
    path: str,
    headers: dict[str, str],
    chunks: Iterator[bytes],
    timeout: float = 10,
) -> dict[str, Any]:
    """Call the ASGI app once; the body comes from `chunks` (more_body until it ends).

    Returns status, headers, body, and how many body bytes the app pulled through `receive`.
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    out: dict[str, Any] = {"pulled": 0, "receives": 0, "body": b""}

    async def drive() -> None:
        done = asyncio.Event()
        pending = iter(chunks)
        finished = False

        async def receive() -> dict[str, Any]:
            nonlocal finished
            out["receives"] += 1
            if finished:
                await done.wait()
                return {"type": "http.disconnect"}
            chunk = next(pending, None)
            if chunk is None:
                finished = True
                return {"type": "http.request", "body": b"", "more_body": False}
            out["pulled"] += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")
                if not message.get("more_body", False):
                    done.set()

        await asyncio.wait_for(app(scope, receive, send), timeout)

    asyncio.run(drive())
    return out


def endless(chunk: int = 64 * 1024) -> Iterator[bytes]:
    block = b" " * chunk
    while True:
        yield block


# -- body size ----------------------------------------------------------------------------------------


def test_max_body_size_is_validated_and_defaults_to_64_mib(abuse):
    import inspect

    server = abuse[0]
    rt = importlib.import_module("abuse_srv_api.server._runtime")
    assert inspect.signature(server.create_app).parameters["max_body_size"].default == 64 * MiB
    assert rt.DEFAULT_MAX_BODY_SIZE == 64 * MiB
    for bad in (-1, 1.5, "10", True):
        with pytest.raises(ValueError, match="max_body_size"):
            server.create_app(max_body_size=bad)


def test_declared_oversized_body_answers_413_before_a_byte_is_read(app, no_error_logs):
    for method, path in (("POST", "/chat/completions"), ("POST", "/uploads"), ("GET", "/ping"), ("POST", "/nowhere")):
        got = asgi_request(app, method, path, {"content-length": str(10 * 1024**3), **JSON}, endless())
        assert got["status"] == 413, (path, got)
        assert got["receives"] == 0 and got["pulled"] == 0  # refused from the header alone
        assert got["headers"]["connection"] == "close"
        err = json.loads(got["body"])["error"]
        assert set(err) == ERROR_KEYS and err["code"] == "request_too_large"
    got = asgi_request(app, "POST", "/chat/completions", {"content-length": "12abc", **JSON}, iter([b"{}"]))
    assert got["status"] == 400 and json.loads(got["body"])["error"]["code"] == "invalid_content_length"


def test_chunked_oversized_body_stops_being_read_at_the_limit(app, calls, no_error_logs):
    chunk = 64 * 1024

    def upload() -> Iterator[bytes]:  # a well-formed start of a file part that never ends
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
        yield from endless(chunk)

    for path, headers, body in (
        ("/chat/completions", {**BEARER, **JSON}, endless(chunk)),
        ("/uploads", {**BEARER, "content-type": "multipart/form-data; boundary=xyz"}, upload()),
    ):
        got = asgi_request(app, "POST", path, {"transfer-encoding": "chunked", **headers}, body)
        assert got["status"] == 413, (path, got)
        assert LIMIT < got["pulled"] <= LIMIT + chunk + 100  # read up to the limit plus one chunk, then stopped
        assert got["headers"]["connection"] == "close"
        assert json.loads(got["body"])["error"]["code"] == "request_too_large"
    assert calls == []


def test_body_size_boundary_and_no_limit(abuse, app, client, calls):
    from fastapi.testclient import TestClient

    def padded(size: int) -> bytes:
        base = json.dumps({**CHAT, "pad": ""}).encode()
        return base.replace(b'"pad": ""', b'"pad": "' + b"x" * (size - len(base)) + b'"')

    at_limit, over = padded(LIMIT), padded(LIMIT + 1)
    assert len(at_limit) == LIMIT and len(over) == LIMIT + 1
    assert client.post("/chat/completions", content=at_limit, headers={**BEARER, **JSON}).status_code == 200
    assert_error(client.post("/chat/completions", content=over, headers={**BEARER, **JSON}), 413, "request_too_large")

    def pieces(body: bytes) -> Iterator[bytes]:  # no Content-Length: httpx sends it chunked
        for i in range(0, len(body), 100_000):
            yield body[i : i + 100_000]

    assert client.post("/chat/completions", content=pieces(at_limit), headers={**BEARER, **JSON}).status_code == 200
    r = client.post("/chat/completions", content=pieces(over), headers={**BEARER, **JSON})
    assert_error(r, 413, "request_too_large")
    assert len(calls) == 2
    unlimited = TestClient(abuse[0].create_app(max_body_size=None), raise_server_exceptions=False)
    big = padded(3 * LIMIT)
    assert unlimited.post("/chat/completions", content=big, headers={**BEARER, **JSON}).status_code == 501


# -- bodies that are not what the operation takes --------------------------------------------------------

DEEP = 100_000
BAD_JSON = {
    "deep-array": (b"[" * DEEP, "json_too_deep"),
    "deep-object": (b'{"a":' * DEEP, "json_too_deep"),
    "deep-inside": (b'{"model": "m", "messages": [' + b"[" * DEEP + b"]" * DEEP + b"]}", "json_too_deep"),
    "syntax": (b"{nope", "json_invalid"),
    "truncated": (b'{"model": "m", "messages": [', "json_invalid"),
    "invalid-utf8": (b'{"model": "\xff\xfe", "messages": []}', "json_invalid"),
    "overlong-utf8": (b'{"model": "\xc0\xaf", "messages": []}', "json_invalid"),
    "latin1-text": ('{"model": "café", "messages": []}'.encode("latin-1"), "json_invalid"),
    "huge-integer": (b'{"model": "m", "messages": [], "temperature": ' + b"9" * 50_000 + b"}", "json_invalid"),
    "nul-bytes": (b"\x00" * 1000, "json_invalid"),
    "lone-surrogate": (b'{"model": "\\ud800", "messages": []}', "json_invalid"),
    "lone-low-surrogate-key": (b'{"model": "m", "messages": [{"\\uDC00x": 1}]}', "json_invalid"),
    "reversed-pair": (b'{"model": "\\ude00\\ud83d", "messages": []}', "json_invalid"),
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_malformed_json_answers_400_naming_the_problem(client, calls, no_error_logs, case):
    body, code = BAD_JSON[case]
    err = assert_error(client.post("/chat/completions", content=body, headers={**BEARER, **JSON}), 400, code)
    assert err["message"].startswith("The request body is not valid JSON")
    if "utf8" in case or case == "latin1-text":
        assert "UTF-8" in err["message"]
    if "surrogate" in case or case == "reversed-pair":
        assert "surrogate" in err["message"]
    assert calls == []


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b'"text"', b"42", b"true", b'{"model": "m"}', b'{"model": 5, "messages": []}',
     b'{"model": "m", "messages": {"role": "user"}}', b'{"model": "m", "messages": [], "temperature": "hot"}',
     b'{"model": "m", "messages": [], "temperature": NaN}', b'{"model": "m", "messages": [], "stream": {"on": 1}}'],
    ids=["empty", "null", "array", "string", "number", "bool", "missing-field", "model-int", "messages-object",
         "temperature-string", "temperature-nan", "stream-string"],
)
def test_wrong_shapes_answer_400(client, calls, no_error_logs, body):
    assert_error(client.post("/chat/completions", content=body, headers={**BEARER, **JSON}), 400)
    assert calls == []


@pytest.mark.parametrize("recursion_limit", [1000, 20_000])
@pytest.mark.parametrize("extra", [-250, 0, 1, 700, 5000])
@pytest.mark.parametrize("where", ["free-form", "typed"])
def test_nesting_limit_holds_whatever_the_recursion_limit(
    abuse, client, calls, no_error_logs, recursion_limit, extra, where
):
    """Bodies nested up to MAX_JSON_DEPTH reach validation: a free-form field takes them (200), a
    typed one refuses them (400 naming it). One level more is json_too_deep - also when something
    in the process (mypy does) raised the recursion limit. Never a 500."""
    limit = importlib.import_module(abuse[0].__name__ + "._runtime").MAX_JSON_DEPTH
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(recursion_limit)
    try:
        wrapper = 3 if where == "free-form" else 1  # the levels the body adds around `nested`
        depth = limit - wrapper + extra
        nested = b"[" * depth + b"]" * depth
        if where == "free-form":
            body = b'{"model": "m", "messages": [{"content": ' + nested + b"}]}"
        else:
            body = b'{"model": ' + nested + b', "messages": []}'
        r = client.post("/chat/completions", content=body, headers={**BEARER, **JSON})
    finally:
        sys.setrecursionlimit(before)
    if extra <= 0:
        if where == "free-form":
            assert r.status_code == 200, r.text
            assert len(calls) == 1 and calls[0][1].messages[0]["content"] == json.loads(nested)
        else:
            assert_error(r, 400, param="model")
            assert calls == []
    else:
        err = assert_error(r, 400)
        assert err["code"] == "json_too_deep" and str(limit) in err["message"], err
        assert calls == []


def test_deep_json_in_a_json_header_answers_400(srv, no_error_logs):
    """x-portkey-metadata: a header that carries JSON (tests/test_server.py's spec, like Portkey's)."""
    from fastapi.testclient import TestClient

    client = TestClient(srv[0].create_app(), raise_server_exceptions=False)
    key = KEY
    for value in ("[" * 50_000, "{" * 10, '{"a": ' * 5000 + "1" + "}" * 5000):
        r = client.post("/chat/completions", json=CHAT, headers={**key, "x-portkey-metadata": value})
        assert_error(r, 400, param="x-portkey-metadata")


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml",
     "application/jsonx", "json", "*/*", "application/json-patch"],
)
def test_json_body_with_another_content_type_answers_415(client, calls, no_error_logs, content_type):
    headers = dict(BEARER)
    if content_type is not None:
        headers["content-type"] = content_type
    r = client.post("/chat/completions", content=json.dumps(CHAT).encode(), headers=headers)
    err = assert_error(r, 415, "unsupported_media_type", "Content-Type")
    assert "application/json" in err["message"]
    assert calls == []


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.x+json"]
)
def test_json_media_types_are_accepted(client, calls, content_type):
    r = client.post("/chat/completions", content=json.dumps(CHAT).encode(), headers={**BEARER, "content-type": content_type})
    assert r.status_code == 200, r.text
    assert len(calls) == 1


def test_form_operation_refuses_other_media_and_malformed_multipart(client, calls, no_error_logs):
    r = client.post("/uploads", json={"purpose": "x"}, headers=BEARER)
    assert_error(r, 415, "unsupported_media_type")
    r = client.post("/uploads", content=b"purpose=x", headers={**BEARER, "content-type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")
    r = client.post("/uploads", content=b"garbage", headers={**BEARER, "content-type": "multipart/form-data"})
    assert_error(r, 400)  # no boundary
    r = client.post(
        "/uploads", content=b"--xyz\r\nnot a part\r\n", headers={**BEARER, "content-type": "multipart/form-data; boundary=xyz"}
    )
    assert_error(r, 400)
    r = client.post("/uploads", files={"file": ("a.txt", b"\xff\xfe\x00")}, data={"purpose": "ok"}, headers=BEARER)
    assert r.status_code == 200 and calls == [("upload", "ok")]


def test_unknown_fields_follow_the_schema(client, calls, no_error_logs):
    # ChatRequest allows more properties (as OpenAI-style request schemas do): they reach the service.
    r = client.post("/chat/completions", json={**CHAT, "surprise": {"x": 1}, "n": 3}, headers=BEARER)
    assert r.status_code == 200 and json.loads(r.json()["text"]) == ["n", "surprise"]
    # Where the schema says additionalProperties: false, the server holds the request to it (the
    # models themselves stay lenient: the client reads responses with them).
    key = {"x-api-key": "k"}
    assert client.post("/strict", json={"name": "a", "count": 1}, headers=key).json() == {"name": "a", "count": 1}
    assert_error(client.post("/strict", json={"name": "a", "admin": True}, headers=key), 400, param="admin")
    assert_error(client.post("/strict", json={"name": "a", "count": "many"}, headers=key), 400, param="count")
    assert_error(client.post("/strict", json={"name": ["a"]}, headers=key), 400, param="name")
    assert client.post("/strict", json={"name": "a", "count": 2**70}, headers=key).status_code == 200  # ints are unbounded
    assert len(calls) == 3


def test_invalid_utf8_outside_the_body_is_never_a_500(client, calls, no_error_logs):
    r = client.get("/ping?q=%FF%FE")
    assert r.status_code == 200  # query strings are decoded leniently (U+FFFD), as browsers do
    assert r.json()["name"] == "\ufffd\ufffd"
    assert client.get("/ping/%FF").status_code == 404
    r = client.post("/strict", json={"name": "a"}, headers={"x-api-key": b"\xff\xfe"})
    assert r.status_code == 200  # a header is latin-1 on the wire: any byte is a (non-empty) key
    # A surrogate pair escape is one character (how json.dumps spells an emoji): accepted, echoed.
    r = client.post("/strict", content=b'{"name": "\\ud83d\\ude00 \\\\ud800"}', headers={"x-api-key": "k", **JSON})
    assert r.status_code == 200 and r.json()["name"] == "\U0001f600 \\ud800"
    # A lone one is valid JSON text but no Unicode string: 400, not a 500 when the service echoes it.
    r = client.post("/strict", content=b'{"name": "\\ud800"}', headers={"x-api-key": "k", **JSON})
    assert_error(r, 400, "json_invalid")
    assert "surrogate" in r.json()["error"]["message"]


# -- credentials -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token tok", "tok", "Bearertok", " ", "Bearer\ttok"],
)
def test_missing_or_malformed_bearer_answers_401_before_the_body_is_parsed(app, calls, no_error_logs, authorization):
    headers = {"content-type": "application/json", "transfer-encoding": "chunked"}
    if authorization is not None:
        headers["authorization"] = authorization
    # An endless body: the 401 comes at once; at most 256 KiB of the body is read (and dropped, to
    # keep the connection usable), then the server gives up on the connection.
    chunk = 64 * 1024
    got = asgi_request(app, "POST", "/chat/completions", headers, endless(chunk))
    assert got["status"] == 401, got
    assert got["pulled"] <= 256 * 1024 + chunk and got["headers"]["connection"] == "close"
    assert got["headers"]["www-authenticate"] == "Bearer"
    err = json.loads(got["body"])["error"]
    assert set(err) == ERROR_KEYS and err["type"] == "authentication_error"
    # A short unread body is drained: the connection stays open for the next request.
    short = iter([b"[" * 1000])
    headers = {**{k: v for k, v in headers.items() if k != "transfer-encoding"}, "content-length": "1000"}
    got = asgi_request(app, "POST", "/chat/completions", headers, short)
    assert got["status"] == 401 and got["pulled"] == 1000 and "connection" not in got["headers"]
    assert calls == []


def test_security_comes_before_media_type_and_json_checks(client, calls, no_error_logs):
    for body, ctype in ((b"[" * DEEP, "application/json"), (b"{nope", "application/json"), (b"{}", "text/plain")):
        assert_error(client.post("/chat/completions", content=body, headers={"content-type": ctype}), 401)
        assert_error(client.post("/strict", content=body, headers={"content-type": ctype, "x-api-key": ""}), 401)
    assert client.post("/chat/completions", json=CHAT, headers={"Authorization": "bearer tok"}).status_code == 200
    assert len(calls) == 1  # the scheme is case-insensitive (RFC 9110); nothing else got through


# -- a real server: uvicorn in a subprocess ------------------------------------------------------------------

SERVER_SCRIPT = r'''
import asyncio, gc, os, socket, sys, tracemalloc

if os.environ.get("ABUSE_TRACEMALLOC") == "1":
    tracemalloc.start()
sys.path.insert(0, os.environ["ABUSE_PKG_ROOT"])
import uvicorn
from abuse_srv_api import models
from abuse_srv_api.server import ChatService, create_app

LEAK = os.environ.get("ABUSE_LEAK", "")  # "memory" or "task": a deliberately leaking service
stats = {"started": 0, "closed": 0}
kept = []


class Chat(ChatService):
    async def create_chat_completion(self, request, ctx):
        if not request.body.stream:
            return models.Completion(id="c", object="completion")

        async def forever():
            stats["started"] += 1
            if LEAK == "memory":
                kept.append(bytearray(256 * 1024))
            if LEAK == "task":
                kept.append(asyncio.get_running_loop().create_task(asyncio.sleep(3600)))
            try:
                n = 0
                while True:
                    n += 1
                    yield models.Chunk(id=str(n), delta="x" * 64)
                    await asyncio.sleep(0.05)
            finally:
                stats["closed"] += 1

        return forever()


app = create_app(chat=Chat(), max_body_size=int(os.environ["ABUSE_MAX_BODY"]))


@app.get("/_stats")
async def _stats():
    gc.collect()
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None
    return {"tasks": len(asyncio.all_tasks()), "objects": len(gc.get_objects()), "rss": rss, "traced": traced,
            **stats}


sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(1024)
print(sock.getsockname()[1], flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="info", timeout_graceful_shutdown=2)).run(sockets=[sock])
'''


class Live:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log

    def stats(self) -> dict[str, Any]:
        import httpx

        return httpx.get(f"http://127.0.0.1:{self.port}/_stats", timeout=10).json()

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


@pytest.fixture(scope="module")
def live(abuse, tmp_path_factory) -> Iterator[Live]:
    """uvicorn serving ABUSE_SPEC's app (max_body_size=LIMIT) on 127.0.0.1, an ephemeral port."""
    folder = tmp_path_factory.mktemp("live")
    script = folder / "serve.py"
    script.write_text(SERVER_SCRIPT, "utf-8")
    log = folder / "server.log"
    env = {**os.environ, "ABUSE_PKG_ROOT": str(abuse[2]), "ABUSE_MAX_BODY": str(LIMIT)}
    env.setdefault("ABUSE_TRACEMALLOC", "1")
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=err, env=env)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            pytest.fail(f"the server did not start: {line!r}\n{log.read_text(errors='replace')[-2000:]}")
        server = Live(int(line), log)
        deadline = time.monotonic() + 20
        while True:  # uvicorn accepts once its startup is done
            try:
                server.stats()
                break
            except Exception:  # noqa: BLE001 - retried until the deadline
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def raw_exchange(port: int, head: bytes, body_parts: Iterator[bytes] = iter(()), timeout: float = 10) -> tuple[bytes, bool]:
    """Send `head` and the parts (stopping if the server answers meanwhile); return the whole
    response and whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except OSError:
                break
        data = b""
        closed = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            except socket.timeout:
                break
            if not got:
                closed = True
                break
            data += got
        return data, closed


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else -1


def test_real_server_refuses_a_declared_10_gib_body_at_once(live):
    head = (
        b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
        b"Content-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n"
    )
    started = time.monotonic()
    data, closed = raw_exchange(live.port, head)
    assert status_of(data) == 413 and b"request_too_large" in data, data[:300]
    assert closed and time.monotonic() - started < 5
    # The same with Expect: 100-continue: refused without asking for the body.
    data, closed = raw_exchange(live.port, head.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n"))
    assert status_of(data) == 413 and b"100 Continue" not in data and closed


def test_real_server_stops_an_oversized_chunked_body(live):
    head = (
        b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = 64 * 1024
    part = b"%x\r\n" % chunk + b" " * chunk + b"\r\n"
    parts = iter([part] * (LIMIT // chunk + 1))  # one chunk past the limit, then the client waits
    data, closed = raw_exchange(live.port, head, parts)
    assert status_of(data) == 413 and b"request_too_large" in data, data[:300]
    assert closed


def test_real_server_answers_abuse_with_4xx_and_logs_no_error(live):
    import httpx

    url = f"http://127.0.0.1:{live.port}"
    cases = [
        ("/chat/completions", b"[" * DEEP, {**BEARER, **JSON}, 400),
        ("/chat/completions", b'{"model": "\xff"}', {**BEARER, **JSON}, 400),
        ("/chat/completions", b"{nope", {**BEARER, **JSON}, 400),
        ("/chat/completions", json.dumps(CHAT).encode(), {**BEARER, "content-type": "text/plain"}, 415),
        ("/chat/completions", json.dumps(CHAT).encode(), BEARER, 415),
        ("/chat/completions", json.dumps(CHAT).encode(), {"Authorization": "Bearer", **JSON}, 401),
        ("/chat/completions", json.dumps({**CHAT, "x": 1}).encode(), {**BEARER, **JSON}, 200),
    ]
    with httpx.Client(timeout=10) as http:
        for path, body, headers, status in cases:
            r = http.post(url + path, content=body, headers=headers)
            assert r.status_code == status, (body[:40], r.status_code, r.text[:200])
            if status != 200:
                assert set(r.json()["error"]) == ERROR_KEYS
    log = live.log_text()
    assert "Traceback" not in log and "ERROR" not in log and '" 500' not in log, log[-3000:]


# -- 200 streaming clients that hang up early --------------------------------------------------------------

CLIENTS = 200
RSS_TOLERANCE = 24 * MiB  # RSS is noisy (allocator arenas, a shared machine); the leak check is 50 MiB
TRACED_TOLERANCE = 4 * MiB  # Python-level allocations still alive after gc (tracemalloc)
OBJECTS_TOLERANCE = 5_000  # gc-tracked objects; 200 leaked streams hold far more


async def streaming_round(port: int, clients: int = CLIENTS, events: int = 3) -> list[int]:
    """`clients` concurrent SSE streams: each waits until all are live, reads `events` events, then
    hangs up (half close their socket, half abort it). Returns the HTTP statuses seen."""
    body = json.dumps({**CHAT, "stream": True}).encode()
    request = (
        b"POST /chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer tok\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body
    live_count = 0
    all_live = asyncio.Event()

    async def one(i: int) -> int:
        nonlocal live_count
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = status_of(head)
            if status != 200:
                return status
            seen = b""
            while seen.count(b"data: ") < 1:
                seen += await reader.read(4096)
            live_count += 1
            if live_count == clients:
                all_live.set()
            await all_live.wait()  # all streams are open at once before anyone leaves
            while seen.count(b"data: ") < events:
                more = await reader.read(4096)
                assert more, "stream ended early"
                seen += more
            return status
        finally:
            if i % 2:
                writer.transport.abort()
            else:
                writer.close()
                try:
                    await writer.wait_closed()
                except OSError:
                    pass

    return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(clients))), 30)


def settle(live: Live, want: Any, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stats = live.stats()
        if want(stats) or time.monotonic() > deadline:
            return stats
        time.sleep(0.1)


def test_200_streaming_clients_that_disconnect_early_leave_nothing_behind(live):
    idle = settle(live, lambda s: s["closed"] == s["started"])
    assert idle["closed"] == idle["started"]
    baseline_tasks = idle["tasks"]
    # Warm-up round: first use fills caches, allocator arenas and lazily imported modules.
    assert asyncio.run(streaming_round(live.port)) == [200] * CLIENTS
    warm = settle(live, lambda s: s["closed"] == s["started"] and s["tasks"] == baseline_tasks)
    assert warm["started"] - idle["started"] == CLIENTS and warm["closed"] == warm["started"]
    started = time.monotonic()
    assert asyncio.run(streaming_round(live.port)) == [200] * CLIENTS
    round_seconds = time.monotonic() - started
    after = settle(live, lambda s: s["closed"] == s["started"] and s["tasks"] == baseline_tasks)
    report = {
        "round_s": round(round_seconds, 2),
        "tasks": (baseline_tasks, after["tasks"]),
        "rss_mib": (round(warm["rss"] / MiB, 1), round(after["rss"] / MiB, 1)),
        "traced_mib": (warm["traced"] and round(warm["traced"] / MiB, 2), after["traced"] and round(after["traced"] / MiB, 2)),
        "objects": (warm["objects"], after["objects"]),
    }
    print("200-client round:", report)
    assert after["started"] - warm["started"] == CLIENTS
    assert after["closed"] - warm["closed"] == CLIENTS, report  # every service iterator was closed
    assert after["tasks"] == baseline_tasks, report  # no task left behind
    assert after["rss"] - warm["rss"] < RSS_TOLERANCE, report
    if after["traced"] is not None:
        assert after["traced"] - warm["traced"] < TRACED_TOLERANCE, report
    assert after["objects"] - warm["objects"] < OBJECTS_TOLERANCE, report
    log = live.log_text()
    assert "Traceback" not in log and "ERROR" not in log and '" 500' not in log, log[-3000:]


# -- the Portkey spec's server -------------------------------------------------------------------------------

PK_KEY = {"x-portkey-api-key": "pk-test", "x-portkey-virtual-key": "vk-test"}
PK_CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def test_portkey_server_under_abuse(portkey_server, no_error_logs):
    from fastapi.testclient import TestClient

    server, models, _ = portkey_server
    rt = importlib.import_module("pk_server_api.server._runtime")
    seen: list[Any] = []

    class Chat(server.ChatService):
        async def create_chat_completion(self, request, ctx):
            seen.append(request.body)
            return rt.synthesise(models.CreateChatCompletionResponse)

    app = server.create_app(chat=Chat(), max_body_size=LIMIT)
    client = TestClient(app, raise_server_exceptions=False)
    ok = json.dumps(PK_CHAT).encode()
    jheaders = {**PK_KEY, **JSON}

    def post(body: bytes, headers: dict[str, str], path: str = "/chat/completions") -> Any:
        return client.post(path, content=body, headers=headers)

    assert post(ok, jheaders).status_code == 200 and len(seen) == 1
    got = asgi_request(app, "POST", "/chat/completions", {**jheaders, "content-length": str(10 * 1024**3)}, endless())
    assert got["status"] == 413 and got["pulled"] == 0
    got = asgi_request(app, "POST", "/chat/completions", {**jheaders, "transfer-encoding": "chunked"}, endless())
    assert got["status"] == 413 and LIMIT < got["pulled"] <= LIMIT + 64 * 1024
    assert_error(post(b"x" * (LIMIT + 1), jheaders), 413, "request_too_large")
    assert_error(post(b"[" * DEEP, jheaders), 400, "json_too_deep")
    assert_error(post(b'{"messages": ' + b"[" * DEEP, jheaders), 400, "json_too_deep")
    assert_error(post(b"{nope", jheaders), 400, "json_invalid")
    assert_error(post(b'{"model": "\xff", "messages": []}', jheaders), 400, "json_invalid")
    for ctype in ("text/plain", "application/x-www-form-urlencoded"):
        assert_error(post(ok, {**PK_KEY, "content-type": ctype}), 415, "unsupported_media_type")
    assert_error(post(ok, PK_KEY), 415, "unsupported_media_type")
    assert_error(post(json.dumps({**PK_CHAT, "messages": "hi"}).encode(), jheaders), 400, param="messages")
    assert_error(post(json.dumps({**PK_CHAT, "temperature": "hot"}).encode(), jheaders), 400, param="temperature")
    # Unknown fields: Portkey's request schemas are open (the gateway forwards provider extras).
    assert post(json.dumps({**PK_CHAT, "provider_extra": {"a": 1}}).encode(), jheaders).status_code == 200
    assert seen[-1].model_extra == {"provider_extra": {"a": 1}}
    # Credentials: checked before the body, whatever the body is.
    for headers in (
        {},
        {"x-portkey-api-key": ""},
        {"x-portkey-api-key": "pk"},
        {"x-portkey-api-key": "pk", "Authorization": "Bearer ", "x-portkey-provider": "openai"},
        {"x-portkey-api-key": "pk", "Authorization": "Basic abc", "x-portkey-provider": "openai"},
        {"x-portkey-api-key": "", "x-portkey-virtual-key": "vk"},
    ):
        for body in (ok, b"[" * DEEP, b"{nope"):
            assert_error(post(body, {**headers, **JSON}), 401)
    got = asgi_request(app, "POST", "/chat/completions", {**JSON, "transfer-encoding": "chunked"}, endless())
    assert got["status"] == 401 and got["pulled"] <= (256 + 64) * 1024 and got["headers"]["connection"] == "close"
    # A multipart operation (files.create) refuses JSON.
    assert_error(post(ok, jheaders, "/files"), 415, "unsupported_media_type")
    assert len(seen) == 2
