"""Tests of templates/client/_runtime/, the runtime package copied into every generated client.

Everything runs over httpx.MockTransport (sync and async via asyncio.run) with a fake clock and
sleep, except one test against a real loopback HTTP server for closing a stream early.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import enum
import http.server
import importlib.util
import io
import json
import pickle
import shutil
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from email.utils import formatdate
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field

RUNTIME_DIR = Path(__file__).resolve().parents[1] / "templates" / "client" / "_runtime"


def _load_runtime() -> Any:
    spec = importlib.util.spec_from_file_location(
        "_portkey_runtime_under_test", RUNTIME_DIR / "__init__.py", submodule_search_locations=[str(RUNTIME_DIR)]
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


rt = _load_runtime()
BASE = "https://api.example.test/v1"
NOW = 1_700_000_000.0


# ----------------------------------------------------------------------------- helpers/models


class Color(str, enum.Enum):
    RED = "red"
    C_SHARP = "C#"


class Message(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    role: str
    content: str | None = None
    tool_name: str | None = Field(default=None, alias="toolName")


class Completion(BaseModel):
    id: str
    choices: list[Message]


class Chunk(BaseModel):
    id: str
    text: str = ""


class Recorder:
    """Fake sleep and clock: records sleeps, never sleeps."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def clock(self) -> float:
        return NOW


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], rec: Recorder | None = None, **kw: Any
) -> Any:
    rec = rec or Recorder()
    kw.setdefault("base_urls", {"default": BASE, "gateway": "https://gw.example.test/v1/"})
    return rt.SyncAPIClient(
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=rec.sleep,
        clock=rec.clock,
        **kw,
    )


def make_async_client(handler: Any, rec: Recorder | None = None, **kw: Any) -> Any:
    rec = rec or Recorder()
    kw.setdefault("base_urls", {"default": BASE})
    return rt.AsyncAPIClient(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        sleep=rec.asleep,
        clock=rec.clock,
        **kw,
    )


def ok_json(body: object = None, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"ok": True} if body is None else body, headers=headers)


class Capture:
    """A handler that answers with a fixed response and keeps the requests it saw."""

    def __init__(self, response: Callable[[], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.response = response or (lambda: ok_json())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.response()

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


class Sequence:
    """A handler answering with the given responses (or raising the given exceptions) in order."""

    def __init__(self, *items: httpx.Response | Exception) -> None:
        self.items = list(items)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        item = self.items[min(self.calls, len(self.items) - 1)]
        self.calls += 1
        if isinstance(item, Exception):
            raise item
        return item


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in the given pieces that records whether it was closed."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for part in self.parts:
            self.sent += 1
            yield part

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.sent += 1
            yield part

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def sse_response(parts: list[bytes], status: int = 200, ctype: str = "text/event-stream"):
    stream = TrackedStream(parts)
    return stream, httpx.Response(status, stream=stream, headers={"content-type": ctype})


def sse_client(parts: list[bytes]) -> tuple[Any, TrackedStream]:
    stream, response = sse_response(parts)
    return make_client(lambda req: response), stream


def stream_chunks(client: Any, cast_to: Any = Chunk) -> Any:
    return client.request("post", "/x", cast_to=dict, stream=True, stream_cast_to=cast_to)


def parse_multipart(request: httpx.Request) -> list[tuple[str, str | None, str | None, bytes]]:
    """(field name, filename, content type, payload) for each part, in order."""
    raw = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + request.content
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert message.is_multipart()
    out = []
    for part in message.iter_parts():
        disposition = part.get("content-disposition", "")
        params = dict(part.get_params(header="content-disposition") or [])
        assert disposition.startswith("form-data")
        filename = params.get("filename")
        ctype = part.get_content_type() if "content-type" in part else None
        out.append((params["name"], filename, ctype, part.get_payload(decode=True)))
    return out


# ----------------------------------------------------------------------------- NOT_GIVEN


def test_not_given_sentinel() -> None:
    assert not rt.NOT_GIVEN
    assert repr(rt.NOT_GIVEN) == "NOT_GIVEN"
    assert rt.NotGiven() is rt.NOT_GIVEN
    assert pickle.loads(pickle.dumps(rt.NOT_GIVEN)) is rt.NOT_GIVEN
    assert rt.strip_not_given({"a": 1, "b": rt.NOT_GIVEN, "c": None}) == {"a": 1, "c": None}
    assert rt.is_given(None) and not rt.is_given(rt.NOT_GIVEN)


# ----------------------------------------------------------------------------- URL and query


def test_url_server_groups_and_percent_encoded_path_params() -> None:
    cap = Capture()
    client = make_client(cap)
    client.request(
        "get",
        "/integrations/{slug}/workspaces/{workspace-id}",
        cast_to=dict,
        server="gateway",
        path_params={"slug": "a/b c?#%", "workspace-id": 42},
    )
    assert cap.last.method == "GET"
    assert str(cap.last.url) == (
        "https://gw.example.test/v1/integrations/a%2Fb%20c%3F%23%25/workspaces/42"
    )
    client.request("get", "/models/{model}", cast_to=dict, path_params={"model": Color.C_SHARP})
    assert cap.last.url.raw_path == b"/v1/models/C%23"
    with pytest.raises(ValueError, match="must not be empty"):
        client.request("get", "/models/{model}", cast_to=dict, path_params={"model": ""})
    with pytest.raises(ValueError, match="unknown server group 'nope'"):
        client.request("get", "/x", cast_to=dict, server="nope")


def test_query_encoding_lists_bools_not_given_and_none() -> None:
    cap = Capture()
    client = make_client(cap, default_query={"api-version": "2024", "drop": "me"})
    client.request(
        "get",
        "/logs",
        cast_to=dict,
        query={
            "ids": ["a", "b c"],
            "flag": True,
            "off": False,
            "missing": rt.NOT_GIVEN,
            "none": None,
            "color": Color.C_SHARP,
            "limit": 10,
            "drop": None,
        },
        extra_query={"limit": 20, "x": "1&2"},
    )
    assert cap.last.url.query.decode() == (
        "api-version=2024&ids=a&ids=b%20c&flag=true&off=false&color=C%23&limit=20&x=1%262"
    )
    params = cap.last.url.params
    assert params.get_list("ids") == ["a", "b c"]
    client.request("get", "/logs", cast_to=dict)
    assert cap.last.url.query.decode() == "api-version=2024&drop=me"


# ----------------------------------------------------------------------------- headers


def test_headers_serialisation_and_merging() -> None:
    cap = Capture()
    client = make_client(
        cap,
        auth_headers={"x-portkey-api-key": "pk-123", "Authorization": None},
        default_headers={"User-Agent": "gen/1.0", "X-Portkey-Config": "cfg-default"},
    )
    client.request("get", "/x", cast_to=dict)
    h = cap.last.headers
    assert h["x-portkey-api-key"] == "pk-123"
    assert "authorization" not in h  # None auth value: scheme not configured
    assert h["user-agent"] == "gen/1.0"
    assert h["x-portkey-config"] == "cfg-default"
    assert "content-type" not in h  # no body, no content type

    client.request(
        "get",
        "/x",
        cast_to=dict,
        headers={
            "x-portkey-config": rt.NOT_GIVEN,  # not given: the default stays
            "x-portkey-metadata": {"user": "ü", "n": [1, 2], "ok": True},
            "x-portkey-cache-force-refresh": True,
            "x-portkey-trace-id": None,
            "x-count": 3,
        },
        extra_headers={"user-agent": None, "X-Extra": "1"},
    )
    h = cap.last.headers
    assert h["x-portkey-config"] == "cfg-default"
    assert h["x-portkey-metadata"] == '{"user":"\\u00fc","n":[1,2],"ok":true}'
    assert json.loads(h["x-portkey-metadata"]) == {"user": "ü", "n": [1, 2], "ok": True}
    assert h["x-portkey-cache-force-refresh"] == "true"
    assert "x-portkey-trace-id" not in h
    assert h["x-count"] == "3"
    assert h["x-extra"] == "1"
    assert h.get("user-agent") != "gen/1.0"  # explicitly removed for this call
    # per-call config object as a header param replaces the client default
    client.request("get", "/x", cast_to=dict, headers={"x-portkey-config": {"retry": 3}})
    assert cap.last.headers["x-portkey-config"] == '{"retry":3}'
    assert len(cap.last.headers.get_list("x-portkey-config")) == 1


# ----------------------------------------------------------------------------- JSON bodies


def test_json_body_models_not_given_none_and_extra_body() -> None:
    cap = Capture()
    client = make_client(cap)
    msg = Message(role="user", content="hi", tool_name="t")
    unset = Message(role="system")  # content unset: omitted; explicit None would be null
    client.request(
        "post",
        "/chat/completions",
        cast_to=dict,
        json_body={
            "model": "m",
            "messages": [msg, unset, {"role": "user", "content": Message(role="x", content=None)}],
            "temperature": rt.NOT_GIVEN,
            "user": None,
            "color": Color.RED,
            "nested": {"deep": [Message(role="d")]},
        },
        extra_body={"provider_flag": True, "user": "override"},
    )
    req = cap.last
    assert req.headers["content-type"] == "application/json"
    body = json.loads(req.content)
    assert body == {
        "model": "m",
        "messages": [
            {"role": "user", "content": "hi", "toolName": "t"},
            {"role": "system"},
            {"role": "user", "content": {"role": "x", "content": None}},
        ],
        "user": "override",
        "color": "red",
        "nested": {"deep": [{"role": "d"}]},
        "provider_flag": True,
    }
    assert b" " not in req.content  # compact

    client.request("post", "/x", cast_to=dict, json_body=msg, extra_body={"extra": [1]})
    assert json.loads(cap.last.content) == {
        "role": "user",
        "content": "hi",
        "toolName": "t",
        "extra": [1],
    }
    client.request("post", "/x", cast_to=dict, json_body={"user": None})
    assert cap.last.content == b'{"user":null}'
    client.request("post", "/x", cast_to=dict, json_body={"s": "ü"})
    assert cap.last.content == '{"s":"ü"}'.encode()
    with pytest.raises(ValueError):
        client.request("post", "/x", cast_to=dict, json_body={"x": float("nan")})


# ----------------------------------------------------------------------------- multipart


def test_multipart_files_and_form_fields(tmp_path: Path) -> None:
    cap = Capture()
    client = make_client(cap)
    path = tmp_path / "speech.mp3"
    path.write_bytes(b"ID3-audio")
    opened: list[Any] = []
    real_open = open

    def tracking_open(*a: Any, **k: Any) -> Any:
        f = real_open(*a, **k)
        opened.append(f)
        return f

    fileobj = io.BytesIO(b"from-fileobj")
    fileobj.name = "/some/dir/notes.txt"
    encoding = rt.encoding  # the runtime module that opens upload paths
    rt_open = encoding.__dict__.get("open")
    encoding.open = tracking_open  # module-level shadow, so we can see the runtime closing the path
    try:
        client.request(
            "post",
            "/audio/transcriptions",
            cast_to=dict,
            files={
                "file": path,
                "attachment": fileobj,
                "raw": b"\x00\x01bytes",
                "tupled": ("data.jsonl", b'{"a":1}\n', "application/jsonl"),
                "many": [("a.txt", b"A"), ("b.txt", io.BytesIO(b"B"))],
                "skipped": rt.NOT_GIVEN,
            },
            data={
                "model": "whisper-1",
                "timestamp_granularities[]": ["word", "segment"],
                "temperature": 0.5,
                "stream": False,
                "metadata": {"k": "v"},
                "language": rt.NOT_GIVEN,
                "prompt": None,
            },
            extra_body={"extra_field": "x"},
        )
    finally:
        if rt_open is None:
            del encoding.open
        else:
            encoding.open = rt_open
    assert len(opened) == 1 and opened[0].closed  # the runtime opened the path and closed it
    req = cap.last
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = parse_multipart(req)
    fields = [(n, p.decode()) for n, fn, ct, p in parts if fn is None]
    files = [(n, fn, ct, p) for n, fn, ct, p in parts if fn is not None]
    assert fields == [
        ("model", "whisper-1"),
        ("timestamp_granularities[]", "word"),
        ("timestamp_granularities[]", "segment"),
        ("temperature", "0.5"),
        ("stream", "false"),
        ("metadata", '{"k":"v"}'),
        ("extra_field", "x"),
    ]
    assert files == [
        ("file", "speech.mp3", "audio/mpeg", b"ID3-audio"),
        ("attachment", "notes.txt", "text/plain", b"from-fileobj"),
        ("raw", "upload", "application/octet-stream", b"\x00\x01bytes"),
        ("tupled", "data.jsonl", "application/jsonl", b'{"a":1}\n'),
        ("many", "a.txt", "text/plain", b"A"),
        ("many", "b.txt", "text/plain", b"B"),
    ]
    with pytest.raises(TypeError, match="binary file"):
        client.request("post", "/x", cast_to=dict, files={"f": io.StringIO("text")})


def test_multipart_retry_resends_the_file(tmp_path: Path) -> None:
    bodies: list[bytes] = []
    answers = [ok_json({"e": 1}, 503), ok_json({"ok": 1})]

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return answers[len(bodies) - 1]

    path = tmp_path / "f.bin"
    path.write_bytes(b"payload-bytes")
    client = make_client(handler)
    assert client.request("post", "/files", cast_to=dict, files={"file": path}) == {"ok": 1}
    assert len(bodies) == 2 and bodies[0] == bodies[1] and b"payload-bytes" in bodies[1]


# ----------------------------------------------------------------------------- responses


def test_response_cast_to_variants() -> None:
    payload = {"id": "c1", "choices": [{"role": "assistant", "content": "hey"}]}
    client = make_client(lambda r: ok_json(payload))
    result = client.request("get", "/x", cast_to=Completion)
    assert isinstance(result, Completion) and result.choices[0].content == "hey"
    assert client.request("get", "/x", cast_to=dict[str, Any]) == payload
    assert client.request("get", "/x", cast_to=type(None)) is None
    assert json.loads(client.request("get", "/x", cast_to=bytes)) == payload
    union = client.request(
        "get", "/x", cast_to=cast("type[Chunk | Completion]", Chunk | Completion)
    )
    assert isinstance(union, (Chunk, Completion))

    listing = make_client(lambda r: ok_json([{"id": "a"}, {"id": "b", "text": "t"}]))
    items = listing.request("get", "/x", cast_to=list[Chunk])
    assert [c.id for c in items] == ["a", "b"] and items[1].text == "t"
    text = make_client(lambda r: httpx.Response(200, text="plain ü"))
    assert text.request("get", "/x", cast_to=str) == "plain ü"
    empty = make_client(lambda r: httpx.Response(204))
    assert empty.request("delete", "/x", cast_to=type(None)) is None


@pytest.mark.parametrize(
    "response, fragment",
    [
        (
            httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"}),
            "json",
        ),
        (
            httpx.Response(200, text="<html>oops</html>", headers={"content-type": "text/html"}),
            "text/html",
        ),
        (httpx.Response(200, json={"id": 5}), "id"),
        (httpx.Response(200), "response body"),
    ],
)
def test_invalid_2xx_body_raises_response_validation_error(
    response: httpx.Response, fragment: str
) -> None:
    # Strict mode: any mismatch raises. By default only bodies that are not JSON do (below).
    client = make_client(lambda r: response, strict_response_validation=True)
    with pytest.raises(rt.APIResponseValidationError) as info:
        client.request("get", "/x", cast_to=Chunk)
    assert fragment in str(info.value)
    assert info.value.status_code == 200
    assert isinstance(info.value, rt.APIError)
    assert not isinstance(info.value, ValueError)
    with pytest.raises(rt.APIResponseValidationError):
        client.request("get", "/x", cast_to=list[int])


def test_wrong_shape_2xx_json_is_kept_by_default() -> None:
    client = make_client(lambda r: httpx.Response(200, json={"id": 5, "new": [1]}))
    got = client.request("get", "/x", cast_to=Chunk)
    assert isinstance(got, Chunk) and got.id == 5 and got.text == ""  # raw value kept
    assert got.model_fields_set == {"id"}
    for bad in (b"{not json", b"", b"<html>"):
        broken = make_client(lambda r, bad=bad: httpx.Response(200, content=bad))
        with pytest.raises(rt.APIResponseValidationError) as info:
            broken.request("get", "/x", cast_to=Chunk)
        assert info.value.body == (bad.decode() or None)


def test_binary_response_streams_and_closes(tmp_path: Path) -> None:
    # Through with_streaming_response (streaming_response_wrapper) the body is left unread.
    body = TrackedStream([b"ab", b"cd", b"ef"])
    client = make_client(
        lambda r: httpx.Response(
            200, stream=body, headers={"content-type": "application/octet-stream"}
        )
    )
    streaming = rt.streaming_response_wrapper(client.request)
    result = streaming("get", "/files/1/content", cast_to=rt.BinaryResponse)
    assert isinstance(result, rt.BinaryResponse) and body.sent == 0 and not body.closed
    assert list(result.iter_bytes()) == [b"ab", b"cd", b"ef"]
    assert body.closed
    body2 = TrackedStream([b"12", b"34"])
    client2 = make_client(lambda r: httpx.Response(200, stream=body2))
    target = tmp_path / "out.bin"
    rt.streaming_response_wrapper(client2.request)(
        "get", "/f", cast_to=rt.BinaryResponse
    ).write_to_file(target)
    assert target.read_bytes() == b"1234" and body2.closed
    body3 = TrackedStream([b"x"] * 5)
    client3 = make_client(lambda r: httpx.Response(200, stream=body3))
    with rt.streaming_response_wrapper(client3.request)(
        "get", "/f", cast_to=rt.BinaryResponse
    ) as res:
        for _ in res.iter_bytes():
            break
    assert body3.closed


def test_binary_response_is_read_by_default() -> None:
    body = TrackedStream([b"ab", b"cd"])
    client = make_client(lambda r: httpx.Response(200, stream=body))
    result = client.request("get", "/f", cast_to=rt.BinaryResponse)
    assert body.closed and result.content == b"abcd"  # read before the call returned
    assert result.read() == b"abcd" and list(result.iter_bytes(3)) == [b"abc", b"d"]


# ----------------------------------------------------------------------------- errors

STATUS_CASES = [
    (400, "BadRequestError"),
    (401, "AuthenticationError"),
    (403, "PermissionDeniedError"),
    (404, "NotFoundError"),
    (409, "ConflictError"),
    (418, "APIStatusError"),
    (422, "UnprocessableEntityError"),
    (429, "RateLimitError"),
    (500, "InternalServerError"),
    (503, "InternalServerError"),
]


@pytest.mark.parametrize("status, name", STATUS_CASES)
def test_status_errors(status: int, name: str) -> None:
    body = {"error": {"message": f"server says {status}", "type": "x"}}
    client = make_client(lambda r: ok_json(body, status, **{"x-request-id": "rid"}), max_retries=0)
    with pytest.raises(rt.APIStatusError) as info:
        client.request("post", "/chat/completions", cast_to=dict, json_body={"a": 1})
    err = info.value
    assert type(err).__name__ == name
    assert isinstance(err, getattr(rt, name)) and isinstance(err, rt.APIError)
    assert err.status_code == status
    assert err.body == body
    assert err.headers["x-request-id"] == "rid"
    assert err.response.status_code == status
    assert err.request is not None and err.request.url.path == "/v1/chat/completions"
    assert str(err) == f"Error code: {status} - server says {status}"


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"message":"portkey style","status":"failure"}', "portkey style"),
        (b'{"error":"plain string error"}', "plain string error"),
        (b'{"detail":"fastapi style"}', "fastapi style"),
        (b"upstream exploded", "upstream exploded"),
        (b"", "Bad Request"),
    ],
)
def test_status_error_messages(body: bytes, expected: str) -> None:
    client = make_client(lambda r: httpx.Response(400, content=body))
    with pytest.raises(rt.BadRequestError) as info:
        client.request("get", "/x", cast_to=dict)
    assert str(info.value) == f"Error code: 400 - {expected}"
    if body.startswith(b"{"):
        assert info.value.body == json.loads(body)
    elif body:
        assert info.value.body == body.decode()


# ----------------------------------------------------------------------------- retries


def test_retry_after_seconds_and_ms() -> None:
    rec = Recorder()
    seq = Sequence(
        ok_json({"error": "slow"}, 429, **{"retry-after": "3"}),
        ok_json({"error": "slow"}, 429, **{"retry-after-ms": "1500", "retry-after": "9"}),
        ok_json({"done": 1}),
    )
    client = make_client(seq, rec)
    assert client.request("get", "/x", cast_to=dict) == {"done": 1}
    assert rec.sleeps == [3.0, 1.5]
    assert seq.calls == 3


def test_retry_after_http_date_uses_the_clock() -> None:
    rec = Recorder()
    date = formatdate(NOW + 7, usegmt=True)
    seq = Sequence(ok_json({}, 503, **{"retry-after": date}), ok_json({"done": 1}))
    client = make_client(seq, rec)
    assert client.request("get", "/x", cast_to=dict) == {"done": 1}
    assert rec.sleeps == [pytest.approx(7.0)]


@pytest.mark.parametrize("value", ["120", "-5", "soon", "nan"])
def test_retry_after_unusable_falls_back_to_backoff(value: str) -> None:
    rec = Recorder()
    seq = Sequence(ok_json({}, 429, **{"retry-after": value}), ok_json({"done": 1}))
    make_client(seq, rec).request("get", "/x", cast_to=dict)
    assert len(rec.sleeps) == 1 and 0.375 <= rec.sleeps[0] <= 0.5


def test_backoff_doubles_with_jitter_and_caps_then_raises() -> None:
    rec = Recorder()
    seq = Sequence(ok_json({"error": {"message": "boom"}}, 500))
    client = make_client(seq, rec, max_retries=6)
    with pytest.raises(rt.InternalServerError, match="boom"):
        client.request("get", "/x", cast_to=dict)
    assert seq.calls == 7
    bases = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(rec.sleeps) == 6
    for slept, base in zip(rec.sleeps, bases):
        assert 0.75 * base <= slept <= base


def test_500_then_200_succeeds_and_retryable_statuses() -> None:
    for status in (408, 409, 429, 500, 502, 504):
        rec = Recorder()
        seq = Sequence(ok_json({}, status), ok_json({"done": status}))
        assert make_client(seq, rec).request("get", "/x", cast_to=dict) == {"done": status}
        assert seq.calls == 2 and len(rec.sleeps) == 1
    for status in (400, 401, 403, 404, 422):
        seq = Sequence(ok_json({}, status), ok_json({"done": 1}))
        with pytest.raises(rt.APIStatusError):
            make_client(seq).request("get", "/x", cast_to=dict)
        assert seq.calls == 1


def test_connection_error_then_success_and_exhaustion() -> None:
    rec = Recorder()
    seq = Sequence(httpx.ConnectError("refused"), ok_json({"done": 1}))
    assert make_client(seq, rec).request("get", "/x", cast_to=dict) == {"done": 1}
    assert seq.calls == 2 and len(rec.sleeps) == 1

    seq = Sequence(httpx.ConnectError("refused"))
    with pytest.raises(rt.APIConnectionError) as info:
        make_client(seq).request("get", "/x", cast_to=dict)
    assert type(info.value) is rt.APIConnectionError and seq.calls == 3
    assert "refused" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_timeout_raises_api_timeout_error() -> None:
    seq = Sequence(httpx.ReadTimeout("slow"))
    rec = Recorder()
    with pytest.raises(rt.APITimeoutError) as info:
        make_client(seq, rec).request("get", "/x", cast_to=dict, timeout=0.5)
    assert isinstance(info.value, rt.APIConnectionError)
    assert seq.calls == 3 and len(rec.sleeps) == 2
    assert info.value.request.extensions["timeout"]["read"] == 0.5


def test_max_retries_per_call_and_per_client() -> None:
    seq = Sequence(ok_json({}, 500), ok_json({"done": 1}))
    client = make_client(seq)
    with pytest.raises(rt.InternalServerError):
        client.request("get", "/x", cast_to=dict, max_retries=0)
    assert seq.calls == 1
    seq = Sequence(ok_json({}, 500))
    client = make_client(seq, max_retries=0)
    with pytest.raises(rt.InternalServerError):
        client.request("get", "/x", cast_to=dict)
    assert seq.calls == 1
    with pytest.raises(rt.InternalServerError):
        client.with_options(max_retries=1).request("get", "/x", cast_to=dict)
    assert seq.calls == 3
    with pytest.raises(ValueError):
        make_client(seq, max_retries=-1)


def test_x_should_retry_overrides() -> None:
    seq = Sequence(ok_json({}, 500, **{"x-should-retry": "false"}), ok_json({"done": 1}))
    with pytest.raises(rt.InternalServerError):
        make_client(seq).request("get", "/x", cast_to=dict)
    assert seq.calls == 1
    seq = Sequence(ok_json({}, 400, **{"x-should-retry": "true"}), ok_json({"done": 1}))
    assert make_client(seq).request("get", "/x", cast_to=dict) == {"done": 1}
    assert seq.calls == 2


class TeapotPolicy(rt.RetryPolicy):
    """Retries 418 as well, waiting a fixed 1.5 s (or 2.5 s after a transport error)."""

    def retry_response(self, response: httpx.Response) -> bool:
        return response.status_code == 418 or super().retry_response(response)

    def delay(self, response: httpx.Response | None, retries_done: int, now: float) -> float:
        return 1.5 if response is not None else 2.5


def test_retry_policy_is_one_object_for_sync_and_async_constructor_and_with_options() -> None:
    def answers() -> Sequence:
        return Sequence(ok_json({}, 418), httpx.ConnectError("down"), ok_json({"done": 1}))

    policy = TeapotPolicy()
    rec = Recorder()
    assert make_client(answers(), rec, retry_policy=policy).request("get", "/x", cast_to=dict) == {"done": 1}
    assert rec.sleeps == [1.5, 2.5]

    async def run_async() -> object:
        async with make_async_client(answers(), arec, retry_policy=policy) as client:
            return await client.request("get", "/x", cast_to=dict)

    arec = Recorder()
    assert asyncio.run(run_async()) == {"done": 1}
    assert arec.sleeps == [1.5, 2.5]  # the same decisions, from the same policy object

    # the default policy does not retry 418; with_options/copy switch the policy per call site
    seq = answers()
    plain = make_client(seq, Recorder())
    with pytest.raises(rt.APIStatusError) as info:
        plain.request("get", "/x", cast_to=dict)
    assert info.value.status_code == 418 and seq.calls == 1
    switched = plain.with_options(retry_policy=policy)
    assert switched.retry_policy is policy and plain.retry_policy is not policy
    seq = answers()
    assert make_client(seq).copy(retry_policy=policy).request("get", "/x", cast_to=dict) == {"done": 1}
    assert seq.calls == 3


def test_retry_policy_delays_backoff_and_server_wait() -> None:
    policy = rt.RetryPolicy(initial_delay=1.0, max_delay=3.0, max_retry_after=10.0)
    assert [policy.delay(None, n, NOW) <= cap for n, cap in ((0, 1.0), (1, 2.0), (5, 3.0))] == [True] * 3
    assert policy.delay(None, 5, NOW) >= 3.0 * 0.75
    answer = httpx.Response(429, headers={"retry-after": "4"})
    assert policy.delay(answer, 0, NOW) == 4.0
    too_long = httpx.Response(429, headers={"retry-after": "11"})
    assert policy.delay(too_long, 0, NOW) <= 1.0  # over max_retry_after: the backoff instead
    dated = httpx.Response(503, headers={"retry-after": formatdate(NOW + 7, usegmt=True)})
    assert policy.delay(dated, 0, NOW) == pytest.approx(7.0, abs=1.0)
    with pytest.raises(ValueError):
        rt.RetryPolicy(initial_delay=-1)


# ----------------------------------------------------------------------------- SSE

SSE_TEXT = (
    ": this is a comment\n"
    "retry: 1500\n"
    "id: 7\n"
    'data: {"id":"1",\n'
    'data: "text":"multi\\nline"}\n'
    "\n"
    "event: message\n"
    'data: {"id":"2","text":"ünïcødé ✓ 🎉"}\n'
    "\n"
    "data:\n"  # keep-alive with empty data: skipped
    "\n"
    "event: response.created\n"
    'data:{"id":"3"}\n'  # no space after the colon
    "\n"
    "data: [DONE]\n"
    "\n"
    'data: {"id":"after-done"}\n\n'
)
SSE_EXPECTED = [
    Chunk(id="1", text="multi\nline"),
    Chunk(id="2", text="ünïcødé ✓ 🎉"),
    Chunk(id="3"),
]


def _variants(text: str) -> dict[str, bytes]:
    return {
        "lf": text.encode(),
        "crlf": text.replace("\n", "\r\n").encode(),
        "cr": text.replace("\n", "\r").encode(),
    }


@pytest.mark.parametrize("ending", ["lf", "crlf", "cr"])
def test_sse_parsing_line_endings_comments_multiline_and_done(ending: str) -> None:
    payload = _variants(SSE_TEXT)[ending]
    client, body = sse_client([payload])
    stream = stream_chunks(client)
    assert isinstance(stream, rt.Stream)
    assert list(stream) == SSE_EXPECTED
    assert body.closed
    assert stream._decoder.retry == 1500 and stream._decoder.last_event_id == b"7"


@pytest.mark.parametrize("ending", ["lf", "crlf", "cr"])
def test_sse_split_at_every_byte_boundary(ending: str) -> None:
    payload = _variants(SSE_TEXT)[ending]
    # two-piece splits at every position (covers splits inside "\r\n" and inside UTF-8 chars)
    for i in range(1, len(payload)):
        client, _ = sse_client([payload[:i], payload[i:]])
        assert list(stream_chunks(client)) == SSE_EXPECTED, f"split at {i}"
    # one byte per network read
    client, _ = sse_client([payload[i : i + 1] for i in range(len(payload))])
    assert list(stream_chunks(client)) == SSE_EXPECTED


def test_sse_split_inside_multibyte_utf8_char() -> None:
    text = 'data: {"id":"u","text":"€🎉"}\n\n'
    payload = text.encode()
    start = payload.index("€".encode())
    for i in range(start + 1, start + 7):  # every cut inside the 3- and 4-byte characters
        client, _ = sse_client([payload[:i], payload[i:]])
        assert list(stream_chunks(client)) == [Chunk(id="u", text="€🎉")]


def test_sse_ends_cleanly_without_done_and_delivers_unterminated_last_event() -> None:
    client, body = sse_client([b'data: {"id":"1"}\n\n', b'data: {"id":"2"}'])
    assert [c.id for c in stream_chunks(client)] == ["1", "2"]
    assert body.closed
    client, _ = sse_client([b'data: {"id":"1"}\n\n'])
    assert [c.id for c in stream_chunks(client)] == ["1"]
    client, _ = sse_client([b""])
    assert list(stream_chunks(client)) == []


def test_sse_bom_and_other_fields_ignored() -> None:
    payload = b'\xef\xbb\xbfdata: {"id":"1"}\nunknown: x\nid: a\x00b\nretry: soon\n\n'
    client, _ = sse_client([payload])
    stream = stream_chunks(client)
    assert [c.id for c in stream] == ["1"]
    assert stream._decoder.last_event_id is None and stream._decoder.retry is None


@pytest.mark.parametrize(
    "payload, message",
    [
        (b'event: error\ndata: {"error":{"message":"overloaded"}}\n\n', "overloaded"),
        (b'event: error\ndata: {"type":"error","message":"rate limited"}\n\n', "rate limited"),
        (b"event: error\ndata: not json at all\n\n", "not json at all"),
        (b'data: {"error":{"message":"upstream failed","code":500}}\n\n', "upstream failed"),
        (b'data: {"type":"error","message":"from type"}\n\n', "from type"),
    ],
)
def test_sse_error_events_raise(payload: bytes, message: str) -> None:
    client, body = sse_client([b'data: {"id":"1"}\n\n', payload, b'data: {"id":"2"}\n\n'])
    stream = stream_chunks(client)
    seen = []
    with pytest.raises(rt.APIStreamError) as info:
        for chunk in stream:
            seen.append(chunk.id)
    assert seen == ["1"]
    assert message in str(info.value)
    assert isinstance(info.value, rt.APIError)
    assert body.closed


def test_sse_non_error_field_named_error_is_a_chunk() -> None:
    client, _ = sse_client(
        [b'data: {"error": null, "id":"1"}\n\n', b'data: {"id":"x","text":"\\"error\\""}\n\n']
    )
    assert [c.id for c in stream_chunks(client)] == ["1", "x"]


def test_sse_invalid_chunk_raises_validation_error_and_closes() -> None:
    client, body = sse_client([b'data: {"id":"1"}\n\n', b"data: {broken\n\n"])
    stream = stream_chunks(client)
    with pytest.raises(rt.APIResponseValidationError, match="stream chunk"):
        list(stream)
    assert body.closed


def test_sse_early_break_closes_the_response() -> None:
    parts = [b'data: {"id":"%d"}\n\n' % i for i in range(100)]
    client, body = sse_client(parts)
    stream = stream_chunks(client)
    for chunk in stream:
        if chunk.id == "2":
            break
    assert body.closed and body.sent < 10
    assert list(stream) == []  # a closed stream yields nothing more

    client, body = sse_client(parts)
    with stream_chunks(client) as stream:
        assert next(stream).id == "0"
        assert next(stream).id == "1"
    assert body.closed and body.sent < 10

    client, body = sse_client(parts)
    stream = stream_chunks(client)
    assert next(stream).id == "0"
    stream.close()
    assert body.closed


def test_sse_next_then_for_loop_loses_nothing() -> None:
    client, _ = sse_client([b'data: {"id":"1"}\n\ndata: {"id":"2"}\n\ndata: {"id":"3"}\n\n'])
    stream = stream_chunks(client)
    assert next(stream).id == "1"
    assert [c.id for c in stream] == ["2", "3"]


def test_sse_done_drains_the_body_then_closes() -> None:
    client, body = sse_client([b'data: {"id":"1"}\n\ndata: [DONE]\n\n', b": trailing\n\n"])
    assert [c.id for c in stream_chunks(client)] == ["1"]
    assert body.sent == 2 and body.closed


def test_stream_request_headers_and_retry_before_first_byte() -> None:
    _, ok = sse_response([b'data: {"id":"1"}\n\n'])
    seen: list[httpx.Request] = []
    answers = [ok_json({"error": {"message": "busy"}}, 503), httpx.ConnectError("reset"), ok]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = answers[len(seen) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    rec = Recorder()
    client = make_client(handler, rec)
    stream = client.request(
        "post",
        "/chat/completions",
        cast_to=dict,
        json_body={"stream": True},
        stream=True,
        stream_cast_to=Chunk,
    )
    assert [c.id for c in stream] == ["1"]
    assert len(seen) == 3 and len(rec.sleeps) == 2
    assert seen[-1].headers["accept"] == "text/event-stream"
    assert seen[-1].headers["content-type"] == "application/json"


def test_stream_flag_false_returns_parsed_body() -> None:
    client = make_client(lambda r: ok_json({"id": "c", "choices": []}))
    result = client.request(
        "post", "/x", cast_to=Completion, stream=rt.NOT_GIVEN, stream_cast_to=Chunk
    )
    assert isinstance(result, Completion)


def test_stream_request_answered_with_json_error() -> None:
    stream, resp = sse_response(
        [b'{"error":{"message":"stream not supported"}}'], ctype="application/json"
    )
    client = make_client(lambda r: resp)
    with pytest.raises(rt.APIStreamError, match="stream not supported"):
        list(stream_chunks(client))
    assert stream.closed


def test_stream_status_error_reads_body_for_message() -> None:
    stream, resp = sse_response(
        [b'{"error":{"message":"bad key"}}'], status=401, ctype="application/json"
    )
    client = make_client(lambda r: resp)
    with pytest.raises(rt.AuthenticationError, match="bad key"):
        stream_chunks(client)
    assert stream.closed


# ----------------------------------------------------------------------------- raw responses


class _Resource(rt.SyncResource):
    """What a generated resource looks like."""

    def create(self, *, model: str, stream: bool = False) -> Any:
        return self._client.request(
            "post",
            "/chat/completions",
            cast_to=Completion,
            json_body={"model": model, "stream": stream or rt.NOT_GIVEN},
            stream=stream,
            stream_cast_to=Chunk,
        )

    @cached_property
    def with_raw_response(self) -> Any:
        return _ResourceWithRaw(self)


class _ResourceWithRaw:
    def __init__(self, resource: _Resource) -> None:
        self.create = rt.raw_response_wrapper(resource.create)


class _Client(rt.SyncAPIClient):
    @cached_property
    def completions(self) -> _Resource:
        return _Resource(self)


def test_raw_response_wrapper() -> None:
    payload = {"id": "c1", "choices": []}
    client = _Client(
        base_urls={"default": BASE},
        http_client=httpx.Client(
            transport=httpx.MockTransport(lambda r: ok_json(payload, **{"x-request-id": "r1"}))
        ),
    )
    raw = client.completions.with_raw_response.create(model="m")
    assert isinstance(raw, rt.RawResponse)
    assert raw.status_code == 200 and raw.headers["x-request-id"] == "r1"
    assert json.loads(raw.content) == payload
    assert isinstance(raw.http_response, httpx.Response)
    parsed = raw.parse()
    assert isinstance(parsed, Completion) and parsed.id == "c1"
    assert raw.parse() is parsed
    # the raw mode does not leak into later calls
    assert isinstance(client.completions.create(model="m"), Completion)


def test_raw_response_for_streams_and_errors() -> None:
    body, resp = sse_response([b'data: {"id":"1"}\n\n'])
    client = _Client(
        base_urls={"default": BASE},
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: resp)),
    )
    raw = client.completions.with_raw_response.create(model="m", stream=True)
    assert raw.headers["content-type"] == "text/event-stream" and body.sent == 0
    assert [c.id for c in raw.parse()] == ["1"]
    failing = _Client(
        base_urls={"default": BASE},
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: ok_json({}, 404))),
    )
    with pytest.raises(rt.NotFoundError):
        failing.completions.with_raw_response.create(model="m")


# ----------------------------------------------------------------------------- client lifecycle


def test_copy_with_options_shares_the_pool_and_recreates_resources() -> None:
    cap = Capture()
    client = _Client(
        base_urls={"default": BASE, "gateway": "https://gw/"},
        auth_headers={"x-portkey-api-key": "k1"},
        default_headers={"x-a": "1"},
        http_client=httpx.Client(transport=httpx.MockTransport(cap)),
        timeout=5,
    )
    res = client.completions
    other = client.with_options(
        auth_headers={"x-portkey-api-key": "k2"},
        default_headers={"x-a": None, "x-b": "2"},
        base_urls={"gateway": "https://self-hosted/v1"},
        timeout=httpx.Timeout(1.0),
        max_retries=7,
    )
    assert type(other) is _Client
    assert other._http is client._http
    assert other.completions is not res and other.completions._client is other
    assert other.max_retries == 7 and client.max_retries == 2
    assert other.timeout.read == 1.0 and client.timeout.read == 5.0
    other.request("get", "/x", cast_to=dict, server="gateway")
    assert str(cap.last.url) == "https://self-hosted/v1/x"
    assert cap.last.headers["x-portkey-api-key"] == "k2"
    assert "x-a" not in cap.last.headers and cap.last.headers["x-b"] == "2"
    client.request("get", "/x", cast_to=dict)
    assert cap.last.headers["x-portkey-api-key"] == "k1" and cap.last.headers["x-a"] == "1"
    assert cap.last.extensions["timeout"]["read"] == 5.0


def test_connection_pool_is_made_on_first_use_and_shared_by_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[httpx.Client] = []

    class Counting(httpx.Client):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs, transport=httpx.MockTransport(lambda r: ok_json()))
            made.append(self)

    monkeypatch.setattr(httpx, "Client", Counting)
    client = rt.SyncAPIClient(base_urls={"default": BASE}, timeout=4.0)
    copy = client.copy(max_retries=0)  # copied before any request: still one pool
    assert made == []  # constructing (and copying) a client loads no TLS certificates
    copy.request("get", "/x", cast_to=dict)
    client.request("get", "/y", cast_to=dict)
    assert len(made) == 1 and client._http is copy._http is made[0]
    assert made[0].timeout.read == 4.0
    client.close()
    assert made[0].is_closed
    unused = rt.SyncAPIClient(base_urls={"default": BASE})
    unused.close()  # nothing was made: nothing to close, nothing made now
    assert len(made) == 1


def test_async_connection_pool_is_made_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[httpx.AsyncClient] = []

    class Counting(httpx.AsyncClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs, transport=httpx.MockTransport(lambda r: ok_json()))
            made.append(self)

    monkeypatch.setattr(httpx, "AsyncClient", Counting)

    async def main() -> None:
        client = rt.AsyncAPIClient(base_urls={"default": BASE})
        copy = client.copy()
        assert made == []
        await copy.request("get", "/x", cast_to=dict)
        assert len(made) == 1 and client._http is made[0]
        await copy.close()  # a copy never closes the shared pool
        assert not made[0].is_closed
        await client.close()
        assert made[0].is_closed

    asyncio.run(main())


def test_close_owned_vs_injected_http_client() -> None:
    injected = httpx.Client(transport=httpx.MockTransport(lambda r: ok_json()))
    with rt.SyncAPIClient(base_urls={"default": BASE}, http_client=injected) as client:
        client.request("get", "/x", cast_to=dict)
    assert not injected.is_closed  # the user's client stays theirs

    owned = rt.SyncAPIClient(base_urls={"default": BASE})
    copy = owned.copy()
    copy.close()
    assert not owned._http.is_closed  # a copy never closes the shared pool
    owned.close()
    assert owned._http.is_closed
    assert owned.timeout == rt.DEFAULT_TIMEOUT

    inherit = rt.SyncAPIClient(base_urls={"default": BASE}, http_client=httpx.Client(timeout=3.0))
    assert inherit.timeout.read == 3.0  # no timeout given: the injected client's
    with pytest.raises(ValueError, match="base_urls"):
        rt.SyncAPIClient(base_urls={})


def test_quiet_logging_only(caplog: pytest.LogCaptureFixture, capsys: Any) -> None:
    # Requests and retries log at INFO/DEBUG (shown with <CLIENT>_LOG=info), never above.
    seq = Sequence(ok_json({}, 500), ok_json({"done": 1}))
    with caplog.at_level("DEBUG", logger=rt.__name__):
        make_client(seq).request("get", "/x", cast_to=dict)
    assert caplog.records and all(r.levelname in ("DEBUG", "INFO") for r in caplog.records)
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert capsys.readouterr() == ("", "")


# ----------------------------------------------------------------------------- async


def test_async_request_retry_and_errors() -> None:
    async def main() -> None:
        rec = Recorder()
        seen: list[httpx.Request] = []
        answers: list[Any] = [
            ok_json({}, 429, **{"retry-after": "2"}),
            httpx.ConnectError("reset"),
            ok_json({"id": "c", "choices": [{"role": "a"}]}),
        ]

        async def handler(request: httpx.Request) -> httpx.Response:
            await request.aread()
            seen.append(request)
            item = answers[len(seen) - 1]
            if isinstance(item, Exception):
                raise item
            return item

        async with make_async_client(handler, rec, auth_headers={"x-portkey-api-key": "k"}) as c:
            result = await c.request(
                "post",
                "/chat/{id}",
                cast_to=Completion,
                path_params={"id": "a b"},
                query={"q": [1, 2]},
                json_body={"m": Message(role="u")},
                extra_headers={"x-portkey-metadata": {"a": 1}},
            )
            assert isinstance(result, Completion)
            assert rec.sleeps[0] == 2.0 and len(rec.sleeps) == 2
            last = seen[-1]
            assert str(last.url) == f"{BASE}/chat/a%20b?q=1&q=2"
            assert json.loads(last.content) == {"m": {"role": "u"}}
            assert last.headers["x-portkey-metadata"] == '{"a":1}'
            assert last.headers["x-portkey-api-key"] == "k"

        failing = make_async_client(lambda r: ok_json({"message": "nope"}, 403))
        with pytest.raises(rt.PermissionDeniedError, match="nope"):
            await failing.request("get", "/x", cast_to=dict)
        timeouts = make_async_client(Sequence(httpx.ConnectTimeout("t")))
        with pytest.raises(rt.APITimeoutError):
            await timeouts.request("get", "/x", cast_to=dict, max_retries=0)
        bad = make_async_client(lambda r: httpx.Response(200, content=b"[1,"))
        with pytest.raises(rt.APIResponseValidationError):
            await bad.request("get", "/x", cast_to=list[int])

    asyncio.run(main())


def test_async_stream_parsing_error_and_early_close() -> None:
    async def main() -> None:
        payload = _variants(SSE_TEXT)["crlf"]
        pieces = [payload[i : i + 7] for i in range(0, len(payload), 7)]
        body, resp = sse_response(pieces)
        client = make_async_client(lambda r: resp)
        stream = await client.request("post", "/x", cast_to=dict, stream=True, stream_cast_to=Chunk)
        assert isinstance(stream, rt.AsyncStream)
        assert [c async for c in stream] == SSE_EXPECTED
        assert body.closed

        parts = [b'data: {"id":"%d"}\n\n' % i for i in range(50)]
        body, resp = sse_response(parts)
        client = make_async_client(lambda r: resp)
        async with await client.request(
            "post", "/x", cast_to=dict, stream=True, stream_cast_to=Chunk
        ) as stream:
            async for chunk in stream:
                if chunk.id == "1":
                    break
        assert body.closed and body.sent < 10

        body, resp = sse_response([b'data: {"id":"1"}\n\nevent: error\ndata: {"error":"x"}\n\n'])
        client = make_async_client(lambda r: resp)
        stream = await client.request("post", "/x", cast_to=dict, stream=True, stream_cast_to=Chunk)
        assert (await stream.__anext__()).id == "1"
        with pytest.raises(rt.APIStreamError, match="x"):
            await stream.__anext__()
        assert body.closed

        body, resp = sse_response([b"ab", b"cd"])
        client = make_async_client(lambda r: resp)
        binary = await client.request("get", "/f", cast_to=rt.BinaryResponse)
        assert await binary.aread() == b"abcd" and body.closed

    asyncio.run(main())


def test_async_raw_response_wrapper() -> None:
    class AsyncRes(rt.AsyncResource):
        async def get(self, *, id: str) -> Chunk:
            return await self._client.request(
                "get", "/c/{id}", cast_to=Chunk, path_params={"id": id}
            )

    async def main() -> None:
        client = make_async_client(lambda r: ok_json({"id": r.url.path.rsplit("/", 1)[-1]}))
        res = AsyncRes(client)
        raw = await rt.async_raw_response_wrapper(res.get)(id="z")
        assert isinstance(raw, rt.RawResponse) and raw.status_code == 200
        assert raw.parse() == Chunk(id="z")
        assert await res.get(id="y") == Chunk(id="y")
        copy = client.with_options(max_retries=0)
        assert copy._http is client._http and copy.max_retries == 0
        await copy.close()
        assert not client._http.is_closed

    asyncio.run(main())


# ----------------------------------------------------------------------------- real loopback


def test_real_server_stream_closed_early() -> None:
    disconnected = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            try:
                for i in range(2000):  # ~20 s if nobody hangs up
                    event = b'data: {"id":"%d"}\n\n' % i
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                    self.wfile.flush()
                    time.sleep(0.01)
            except OSError:  # broken pipe / reset once the client hung up
                disconnected.set()
            self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with rt.SyncAPIClient(base_urls={"default": url}, timeout=10, max_retries=0) as client:
            stream = client.request(
                "post",
                "/chat/completions",
                cast_to=dict,
                json_body={"stream": True},
                stream=True,
                stream_cast_to=Chunk,
            )
            ids = []
            for chunk in stream:
                ids.append(chunk.id)
                if len(ids) == 3:
                    break
            assert ids == ["0", "1", "2"]
            assert stream.response.is_closed
        # the server notices the hang-up on its next writes
        assert disconnected.wait(10)
    finally:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- static typing

TYPED_USAGE = """
from typing import Literal, overload
from _runtime import (NOT_GIVEN, AsyncAPIClient, AsyncResource, AsyncStream, NotGiven,
    RawResponse, Stream, SyncAPIClient, SyncResource, raw_response_wrapper,
    async_raw_response_wrapper, BinaryResponse)
from pydantic import BaseModel

class Resp(BaseModel):
    id: str

class Chunk(BaseModel):
    id: str

class Completions(SyncResource):
    @overload
    def create(self, *, model: str, stream: Literal[False] | NotGiven = NOT_GIVEN) -> Resp: ...
    @overload
    def create(self, *, model: str, stream: Literal[True]) -> Stream[Chunk]: ...
    @overload
    def create(self, *, model: str, stream: bool) -> Resp | Stream[Chunk]: ...
    def create(self, *, model: str, stream: bool | NotGiven = NOT_GIVEN) -> Resp | Stream[Chunk]:
        return self._client.request("post", "/chat/completions", server="gateway",
            json_body={"model": model, "stream": stream}, cast_to=Resp, stream=stream,
            stream_cast_to=Chunk, extra_headers=None, timeout=NOT_GIVEN, max_retries=NOT_GIVEN)

    def delete(self, id: str) -> None:
        return self._client.request("delete", "/x/{id}", path_params={"id": id},
            cast_to=type(None))

    def listing(self) -> list[Resp]:
        return self._client.request("get", "/x", cast_to=list[Resp])

    def content(self) -> BinaryResponse:
        return self._client.request("get", "/x", cast_to=BinaryResponse)

    def events(self) -> Stream[Chunk]:
        return self._client.request("post", "/responses", stream=True, stream_cast_to=Chunk)

class AsyncCompletions(AsyncResource):
    async def create(self, *, model: str, stream: bool | NotGiven = NOT_GIVEN
                     ) -> Resp | AsyncStream[Chunk]:
        return await self._client.request("post", "/chat/completions", server="gateway",
            json_body={"model": model, "stream": stream}, cast_to=Resp, stream=stream,
            stream_cast_to=Chunk)

def use(c: Completions, a: AsyncCompletions) -> None:
    raw = raw_response_wrapper(c.create)(model="m", stream=True)
    reveal_type(raw)
    s: Stream[Chunk] = raw.parse()
    r: Resp = c.create(model="m")
    araw = async_raw_response_wrapper(a.create)
    reveal_type(araw)
"""


def test_runtime_passes_mypy_strict_and_supports_the_generated_pattern(tmp_path: Path) -> None:
    from mypy import api

    shutil.copytree(RUNTIME_DIR, tmp_path / "_runtime", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "usage.py").write_text(TYPED_USAGE)
    out, err, status = api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            str(tmp_path / "_runtime"),
            str(tmp_path / "usage.py"),
        ]
    )
    notes = [line for line in out.splitlines() if "error" in line]
    assert status == 0 and not notes, out + err
    assert "RawResponse[_runtime.streaming.Stream[usage.Chunk]]" in out
    assert "Awaitable[_runtime.responses.RawResponse[usage.Resp | _runtime.streaming.AsyncStream[usage.Chunk]]]" in out


@pytest.mark.parametrize("tail", [b"\r", b"\r\n", b"\n", b""])
def test_sse_last_event_without_blank_line_any_ending(tail: bytes) -> None:
    for parts in (
        [b'data: {"id":"1"}\r\n\r\ndata: {"id":"2"}' + tail],
        [b'data: {"id":"1"}\r\n\r\ndata: {"id":"2"}', tail],
    ):
        client, _ = sse_client(parts)
        assert [c.id for c in stream_chunks(client)] == ["1", "2"], parts


def test_sse_named_events_parse_once_and_unsupported_url_not_retried() -> None:
    calls = 0
    real = json.loads

    def counting_loads(*a: Any, **k: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*a, **k)

    client, _ = sse_client([b'event: response.created\ndata: {"id":"1"}\n\n'] * 3)
    json.loads, saved = counting_loads, json.loads
    try:
        assert len(list(stream_chunks(client))) == 3
    finally:
        json.loads = saved
    assert calls == 0  # chunks go straight to model_validate_json

    rec = Recorder()
    client = make_client(Sequence(httpx.UnsupportedProtocol("no scheme")), rec)
    with pytest.raises(rt.APIConnectionError):
        client.request("get", "/x", cast_to=dict)
    assert rec.sleeps == []


def test_stream_true_without_chunk_type_is_an_error() -> None:
    client = make_client(lambda r: ok_json())
    with pytest.raises(ValueError, match="stream_cast_to"):
        client.request("post", "/x", cast_to=dict, stream=True)
