"""Every operation of the generated client, sync and async, over httpx.MockTransport.

The calls are planned from the IR (`portkey_result.api.operations`): path parameters positional
(a value with `/` and a space, to see percent-encoding), required body fields, query and header
parameters as keywords with the smallest values their types accept (tests/client_fixtures.py).
The mock answers with the smallest body valid for the declared success response; the test then
checks the request on the wire (method, host of the operation's server group, path, query,
headers, content type, JSON or multipart body with nothing but the required fields) and the
parsed result. Then the features: streams, binary and multipart bodies, NOT_GIVEN vs None,
extra_*, per-request Portkey headers, config/env/base URLs, raw responses, errors, closing.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import json
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
import pytest
from client_fixtures import (  # noqa: F401
    clean_portkey_env,
    eval_hint,
    form_text,
    parse_multipart,
    sample,
)
from pydantic import TypeAdapter
from project_paths import spec_operation_keys

URLS = {
    "default": "https://default.test/v1",
    "gateway": "https://gateway.test/v1",
    "control_plane": "https://control.test/v1",
    "public": "https://public.test",
}
PATH_VALUE = "a/b c"  # must arrive percent-encoded as one path segment
API_KEY = "pk-test"
# Portkey's per-request headers: sent only when the caller passes them.
OPTIONAL_HEADERS = (
    "x-portkey-trace-id",
    "x-portkey-span-id",
    "x-portkey-parent-span-id",
    "x-portkey-span-name",
    "x-portkey-metadata",
    "x-portkey-cache-namespace",
    "x-portkey-cache-force-refresh",
)


@pytest.fixture(scope="module")
def client_mod(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture(scope="module")
def models(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".models")


@pytest.fixture(scope="module")
def api(portkey_result: Any) -> Any:
    return portkey_result.api


def op_by_key(api: Any, key: str) -> Any:
    return next(op for op in api.operations if op.key == key)


# ------------------------------------------------------------------------------ mock transport


class Recorder:
    """A MockTransport handler: records requests and answers with `reply` (settable per call)."""

    def __init__(self, reply: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply or (lambda request: httpx.Response(200, json={}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)

    @property
    def last(self) -> httpx.Request:
        assert self.requests, "no request was sent"
        return self.requests[-1]

    def json(self) -> Any:
        assert self.last.headers.get("content-type") == "application/json"
        return json.loads(self.last.content)


class AutoReply:
    """Answers any operation's request with the smallest body valid for its success response."""

    def __init__(self, api: Any, models: types.ModuleType) -> None:
        self.routes: list[tuple[str, re.Pattern[str], httpx.Response]] = []
        for op in api.operations:
            pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(op.path))
            if op.success.kind == "json" and op.success.type_hint != "str":
                reply = httpx.Response(200, json=sample(op.success.type_hint, models).json)
            else:
                reply = httpx.Response(200, content=b"")
            self.routes.append((op.http_method.upper(), re.compile(pattern), reply))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = re.sub(r"^/v\d+", "", request.url.path)
        for method, pattern, reply in self.routes:
            if method == request.method and pattern.fullmatch(path):
                return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)
        raise AssertionError(f"no operation for {request.method} {request.url}")


@pytest.fixture(scope="module")
def auto(api: Any, models: types.ModuleType) -> AutoReply:
    return AutoReply(api, models)


def make_client(client_mod: types.ModuleType, recorder: Recorder, *, is_async: bool = False, **kwargs: Any) -> Any:
    transport = httpx.MockTransport(recorder)
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": URLS["default"],
        "gateway_url": URLS["gateway"],
        "control_plane_url": URLS["control_plane"],
        "public_url": URLS["public"],
        "max_retries": 0,
    }
    options.update(kwargs)
    if is_async:
        return client_mod.AsyncPortkey(http_client=httpx.AsyncClient(transport=transport), **options)
    return client_mod.Portkey(http_client=httpx.Client(transport=transport), **options)


def method_of(client: Any, op: Any) -> Callable[..., Any]:
    return getattr(functools.reduce(getattr, op.resource, client), op.method_name)


def url_without_query(request: httpx.Request) -> str:
    url = request.url
    return f"{url.scheme}://{url.netloc.decode()}{url.raw_path.decode().split('?')[0]}"


# ------------------------------------------------------------------------------ call plans


@dataclass
class Plan:
    """One call of one operation: arguments, the request it must produce, the reply, the result."""

    op: Any
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None  # expected JSON body (None: no JSON body)
    form: dict[str, str] | None = None  # expected multipart fields
    files: dict[str, bytes] | None = None
    reply_status: int = 200
    reply_headers: dict[str, str] = field(default_factory=dict)
    reply_body: bytes = b""
    check_result: Callable[[Any], None] = lambda result: None


def plan_call(op: Any, models: types.ModuleType) -> Plan:
    plan = Plan(op)
    path = op.path
    for p in op.path_params:
        if p.type_hint == "str":
            value: Any = PATH_VALUE
            text = PATH_VALUE
        else:
            s = sample(p.type_hint, models)
            value, text = s.python, form_text(s.json)
        plan.args.append(value)
        path = path.replace("{" + p.wire_name + "}", quote(text, safe=""))
    assert "{" not in path, f"{op.key}: path parameter left in {path}"
    plan.url = URLS[op.server_group] + path
    for p in op.query_params + op.header_params:
        if not p.required:
            continue
        s = sample(p.type_hint, models)
        plan.kwargs[p.py_name] = s.python
        values = s.json if isinstance(s.json, list) else [s.json]
        if p.location == "query":
            plan.query[p.wire_name] = [form_text(v) for v in values]
        else:
            plan.headers[p.wire_name.lower()] = form_text(s.json)
    body = op.body
    if body is not None and body.fields:
        multipart = body.kind == "multipart"
        fields: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for f in body.fields:
            if not f.required:
                continue
            if f.is_file:
                files[f.wire_name] = plan.kwargs[f.py_name] = f"content of {f.wire_name}".encode()
                continue
            s = sample(f.type_hint, models)
            plan.kwargs[f.py_name] = s.python
            fields[f.wire_name] = form_text(s.json) if multipart else s.json
        if multipart:
            plan.form, plan.files = fields, files
        else:
            plan.json_body = fields
    elif body is not None:
        s = sample(body.type_hint, models)
        plan.kwargs["body"] = s.python
        plan.json_body = s.json
    success = op.success
    if success.kind == "binary":
        payload = b"\x00\x01 binary \xff"
        plan.reply_headers = {"content-type": success.media_type or "application/octet-stream"}
        plan.reply_body = payload

        def check_binary(result: Any) -> None:
            # A BinaryResponse, read before the call returned (async results too).
            assert result.content == payload and result.read() == payload

        plan.check_result = check_binary
    elif success.kind == "empty":

        def check_empty(result: Any) -> None:
            assert result is None

        plan.check_result = check_empty
    elif success.type_hint == "str":
        # A string body (GET /files/{id}/content) is returned as the raw text, not JSON-decoded:
        # the real API sends the file itself (JSONL) under this declaration.
        text = '{"custom_id": "r1"}\n{"custom_id": "r2"}\n'
        plan.reply_headers = {"content-type": success.media_type or "text/plain"}
        plan.reply_body = text.encode()

        def check_text(result: Any) -> None:
            assert result == text

        plan.check_result = check_text
    else:
        assert success.kind == "json", f"{op.key}: unexpected success kind {success.kind}"
        s = sample(success.type_hint, models)
        plan.reply_headers = {"content-type": "application/json"}
        plan.reply_body = json.dumps(s.json).encode()
        adapter = TypeAdapter(eval_hint(success.type_hint, models))
        model_cls = getattr(models, success.model) if success.model else None

        def check_json(result: Any) -> None:
            if op.pagination is not None:  # a list operation that pages: its first page
                assert type(result).__name__ in ("SyncPage", "AsyncPage"), type(result)
                result = result.response
            if model_cls is not None:
                assert isinstance(result, model_cls), type(result)
            assert adapter.dump_python(result, mode="json", by_alias=True, exclude_unset=True) == s.json

        plan.check_result = check_json
    return plan


def reply_for(plan: Plan) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(plan.reply_status, headers=plan.reply_headers, content=plan.reply_body)


def check_request(plan: Plan, request: httpx.Request) -> None:
    op = plan.op
    assert request.method == op.http_method.upper()
    assert url_without_query(request) == plan.url
    query = parse_qs(request.url.query.decode(), keep_blank_values=True)
    assert query == plan.query
    headers = request.headers
    assert headers.get("x-portkey-api-key") == API_KEY
    for name, value in plan.headers.items():
        assert headers.get(name) == value, name
    for name in OPTIONAL_HEADERS:
        assert name in plan.headers or name not in headers, f"{name} sent though not given"
    ctype = headers.get("content-type", "")
    if plan.files is not None:
        parts = parse_multipart(ctype, request.content)
        assert {p.name for p in parts} == set(plan.form or {}) | set(plan.files)
        for part in parts:
            if part.name in plan.files:
                assert part.filename, f"file part {part.name} without a filename"
                assert part.content == plan.files[part.name]
            else:
                assert part.filename is None
                assert part.content.decode() == (plan.form or {})[part.name]
    elif plan.json_body is not None:
        assert ctype == "application/json"
        assert json.loads(request.content) == plan.json_body
    else:
        assert request.content == b""
        assert "content-type" not in headers


@pytest.fixture(scope="module")
def plans(api: Any, models: types.ModuleType) -> list[Plan]:
    # A WebSocket operation sends no HTTP request: tests/test_client_realtime_ws.py covers it.
    return [plan_call(op, models) for op in api.operations if not op.websocket]


def test_every_operation_is_reachable(api: Any, client_mod: types.ModuleType, portkey_spec_path) -> None:
    """Every operation of the spec, unique (resource, method) pairs, each reachable on both clients."""
    assert {op.key for op in api.operations} == spec_operation_keys(portkey_spec_path)
    seen = {(op.resource, op.method_name) for op in api.operations}
    assert len(seen) == len(api.operations)
    sync = make_client(client_mod, Recorder())
    async_ = make_client(client_mod, Recorder(), is_async=True)
    for op in api.operations:
        assert callable(method_of(sync, op)), op.key
        # a list operation that pages returns an AsyncPaginator (awaitable, async-iterable) at once,
        # a WebSocket operation its connection manager (`async with`)
        plain = op.pagination is None and not op.websocket
        assert inspect.iscoroutinefunction(method_of(async_, op)) is plain, op.key
        resource = functools.reduce(getattr, op.resource, sync)
        assert callable(getattr(resource.with_raw_response, op.method_name, None)) is not op.websocket, op.key


def _failures_message(failures: list[str]) -> str:
    return f"{len(failures)} operations failed:\n" + "\n".join(failures[:40])


def test_every_operation_sync(plans: list[Plan], client_mod: types.ModuleType) -> None:
    recorder = Recorder()
    client = make_client(client_mod, recorder)
    failures: list[str] = []
    for plan in plans:
        recorder.reply = reply_for(plan)
        before = len(recorder.requests)
        try:
            result = method_of(client, plan.op)(*plan.args, **plan.kwargs)
            assert len(recorder.requests) == before + 1, "expected exactly one request"
            check_request(plan, recorder.last)
            plan.check_result(result)
        except Exception as exc:  # noqa: BLE001 - collect all, report together
            failures.append(f"{plan.op.key}: {type(exc).__name__}: {str(exc)[:300]}")
    assert not failures, _failures_message(failures)
    assert len(recorder.requests) == len(plans)


def test_every_operation_async(plans: list[Plan], client_mod: types.ModuleType) -> None:
    recorder = Recorder()
    failures: list[str] = []

    async def run() -> None:
        async with make_client(client_mod, recorder, is_async=True) as client:
            for plan in plans:
                recorder.reply = reply_for(plan)
                before = len(recorder.requests)
                try:
                    result = await method_of(client, plan.op)(*plan.args, **plan.kwargs)
                    assert len(recorder.requests) == before + 1, "expected exactly one request"
                    check_request(plan, recorder.last)
                    plan.check_result(result)
                except Exception as exc:  # noqa: BLE001
                    failures.append(f"{plan.op.key}: {type(exc).__name__}: {str(exc)[:300]}")

    asyncio.run(run())
    assert not failures, _failures_message(failures)
    assert len(recorder.requests) == len(plans)


def test_server_groups_route_to_their_hosts(api: Any) -> None:
    """The spec's path-level servers split operations between control plane and gateway."""
    groups = {op.server_group for op in api.operations}
    assert {"gateway", "control_plane"} <= groups
    assert op_by_key(api, "POST /chat/completions").server_group == "gateway"
    assert op_by_key(api, "GET /configs").server_group == "control_plane"


# ------------------------------------------------------------------------------ streaming


def sse(*events: Any, done: bool = True) -> bytes:
    """A text/event-stream body: dicts become `data:` lines, (name, dict) pairs add `event:`."""
    out = []
    for event in events:
        if isinstance(event, tuple):
            name, data = event
            out.append(f"event: {name}\ndata: {json.dumps(data)}\n\n")
        else:
            out.append(f"data: {json.dumps(event)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def sse_reply(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


CHAT_CHUNKS = [
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "system_fingerprint": None,
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
        ],
    },
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": "Hello"}, "logprobs": None, "finish_reason": None}],
    },
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
    },
]


def completion_chunk(text: str, finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}],
    }


def test_chat_completions_stream(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    recorder = Recorder(sse_reply(sse(*CHAT_CHUNKS)))
    client = make_client(client_mod, recorder)
    stream = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True)
    assert isinstance(stream, client_mod.Stream)
    chunks = list(stream)
    assert [type(c) for c in chunks] == [models.CreateChatCompletionStreamResponse] * 3
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello"
    assert chunks[-1].choices[0].finish_reason.value == "stop"
    request = recorder.last
    assert request.headers["accept"] == "text/event-stream"
    assert url_without_query(request) == URLS["gateway"] + "/chat/completions"
    assert recorder.json() == {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def test_chat_completions_stream_async(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    recorder = Recorder(sse_reply(sse(*CHAT_CHUNKS)))

    async def run() -> list[Any]:
        async with make_client(client_mod, recorder, is_async=True) as client:
            stream = await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True
            )
            assert isinstance(stream, client_mod.AsyncStream)
            return [chunk async for chunk in stream]

    chunks = asyncio.run(run())
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello"
    assert recorder.json()["stream"] is True


def test_stream_false_returns_the_parsed_response(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    body = sample("_models.CreateChatCompletionResponse", models).json
    recorder = Recorder(lambda request: httpx.Response(200, json=body))
    client = make_client(client_mod, recorder)
    result = client.chat.completions.create(model="m", messages=[], stream=False)
    assert isinstance(result, models.CreateChatCompletionResponse)
    assert recorder.json()["stream"] is False
    assert "accept" not in recorder.last.headers or "event-stream" not in recorder.last.headers["accept"]


def test_completions_stream(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    body = sse(completion_chunk("Hel", "stop"), completion_chunk("lo", "stop"))
    recorder = Recorder(sse_reply(body))
    client = make_client(client_mod, recorder)
    chunks = list(client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say", stream=True))
    assert [type(c) for c in chunks] == [models.CreateCompletionResponse] * 2
    assert "".join(c.choices[0].text for c in chunks) == "Hello"
    assert recorder.json() == {"model": "gpt-3.5-turbo-instruct", "prompt": "Say", "stream": True}

    async def run() -> list[Any]:
        async with make_client(client_mod, recorder, is_async=True) as aclient:
            stream = await aclient.completions.create(model="m", prompt="Say", stream=True)
            return [chunk async for chunk in stream]

    assert "".join(c.choices[0].text for c in asyncio.run(run())) == "Hello"


def test_completions_stream_with_null_finish_reason(client_mod: types.ModuleType) -> None:
    recorder = Recorder(sse_reply(sse(completion_chunk("Hel", None), completion_chunk("lo", "stop"))))
    client = make_client(client_mod, recorder)
    chunks = list(client.completions.create(model="m", prompt="Say", stream=True))
    assert "".join(c.choices[0].text for c in chunks) == "Hello"


def test_responses_stream(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    events = [
        (
            "response.output_text.delta",
            {
                "type": "response.output_text.delta",
                "item_id": "m1",
                "output_index": 0,
                "content_index": 0,
                "delta": "Hel",
            },
        ),
        (
            "response.output_text.delta",
            {
                "type": "response.output_text.delta",
                "item_id": "m1",
                "output_index": 0,
                "content_index": 0,
                "delta": "lo",
            },
        ),
    ]
    # The /responses event stream has no [DONE] terminator: the end of the body ends it.
    recorder = Recorder(sse_reply(sse(*events, done=False)))
    client = make_client(client_mod, recorder)
    stream = client.responses.create(model="gpt-4o", input="hi", stream=True)
    chunks = list(stream)
    assert [type(c) for c in chunks] == [models.ResponseStreamEvent] * 2
    assert [type(c.root) for c in chunks] == [models.ResponseTextDeltaEvent] * 2
    assert "".join(c.root.delta for c in chunks) == "Hello"
    assert recorder.json() == {"model": "gpt-4o", "input": "hi", "stream": True}


def test_stream_error_event_raises(client_mod: types.ModuleType) -> None:
    body = sse(CHAT_CHUNKS[0], {"error": {"message": "upstream exploded", "type": "server_error"}})
    client = make_client(client_mod, Recorder(sse_reply(body)))
    stream = client.chat.completions.create(model="m", messages=[], stream=True)
    with pytest.raises(client_mod.APIStreamError, match="upstream exploded"):
        list(stream)


# ------------------------------------------------------------------------------ binary and multipart


def test_binary_responses(client_mod: types.ModuleType) -> None:
    audio = bytes(range(256)) * 4
    recorder = Recorder(lambda request: httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=audio))
    client = make_client(client_mod, recorder)
    result = client.audio.speech.create(model="tts-1", input="hello", voice="alloy")
    assert isinstance(result, client_mod.BinaryResponse) and result.read() == audio
    assert recorder.json() == {"model": "tts-1", "input": "hello", "voice": "alloy"}
    assert client.batches.output("batch_1").read() == audio
    assert url_without_query(recorder.last) == URLS["gateway"] + "/batches/batch_1/output"

    async def run() -> bytes:
        async with make_client(client_mod, recorder, is_async=True) as aclient:
            speech = await aclient.audio.speech.create(model="tts-1", input="hello", voice="alloy")
            return await speech.aread()

    assert asyncio.run(run()) == audio


def _file_reply(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "file-1",
            "object": "file",
            "bytes": 3,
            "created_at": 1,
            "filename": "a.jsonl",
            "purpose": "batch",
            "status": "uploaded",
        },
    )


@pytest.mark.parametrize("kind", ["file object", "path", "bytes", "tuple"])
def test_multipart_upload(kind: str, client_mod: types.ModuleType, models: types.ModuleType, tmp_path: Path) -> None:
    content = b'{"custom_id": "1"}\n'
    path = tmp_path / "batch.jsonl"
    path.write_bytes(content)
    recorder = Recorder(_file_reply)
    client = make_client(client_mod, recorder)
    expected_name = "batch.jsonl"
    expected_type = None
    if kind == "file object":
        with open(path, "rb") as handle:
            result = client.files.create(file=handle, purpose="batch")
    elif kind == "path":
        result = client.files.create(file=path, purpose=models.CreateFileRequestPurpose.BATCH)
    elif kind == "bytes":
        result = client.files.create(file=content, purpose="batch")
        expected_name = "upload"
    else:
        result = client.files.create(file=("my.jsonl", content, "application/jsonl"), purpose="batch")
        expected_name, expected_type = "my.jsonl", "application/jsonl"
    assert isinstance(result, models.OpenAIFile) and result.id == "file-1"
    request = recorder.last
    assert url_without_query(request) == URLS["gateway"] + "/files"
    parts = parse_multipart(request.headers["content-type"], request.content)
    by_name = {p.name: p for p in parts}
    assert set(by_name) == {"file", "purpose"}
    assert by_name["purpose"].content == b"batch" and by_name["purpose"].filename is None
    assert by_name["file"].content == content
    assert by_name["file"].filename == expected_name
    if expected_type:
        assert by_name["file"].content_type == expected_type


def test_multipart_sends_every_given_field(client_mod: types.ModuleType) -> None:
    """Optional form fields: given ones are sent (numbers, enums, lists), left-out ones are not."""
    recorder = Recorder(lambda request: httpx.Response(200, json={"text": "hi"}))
    client = make_client(client_mod, recorder)
    client.audio.transcriptions.create(
        file=("a.wav", b"RIFF", "audio/wav"),
        model="whisper-1",
        language="en",
        temperature=0.5,
        timestamp_granularities=["word", "segment"],
        extra_body={"extra_field": "yes"},
    )
    parts = parse_multipart(recorder.last.headers["content-type"], recorder.last.content)
    fields = [(p.name, p.content) for p in parts if p.filename is None]
    assert sorted(fields) == sorted(
        [
            ("model", b"whisper-1"),
            ("language", b"en"),
            ("temperature", b"0.5"),
            # the spec's wire name (as OpenAI's): a repeated `name[]` field
            ("timestamp_granularities[]", b"word"),
            ("timestamp_granularities[]", b"segment"),
            ("extra_field", b"yes"),
        ]
    )
    files = [(p.name, p.filename, p.content) for p in parts if p.filename is not None]
    assert files == [("file", "a.wav", b"RIFF")]


def test_multipart_async_with_path(client_mod: types.ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "img.png"
    path.write_bytes(b"\x89PNG")
    recorder = Recorder(lambda request: httpx.Response(200, json={"created": 1, "data": []}))

    async def run() -> None:
        async with make_client(client_mod, recorder, is_async=True) as client:
            await client.images.edits.create(image=path, prompt="a cat", mask=b"MASK")

    asyncio.run(run())
    parts = parse_multipart(recorder.last.headers["content-type"], recorder.last.content)
    assert {(p.name, p.filename, p.content) for p in parts} == {
        ("prompt", None, b"a cat"),
        ("image", "img.png", b"\x89PNG"),
        ("mask", "upload", b"MASK"),
    }


# ------------------------------------------------------------------------------ arguments


def test_omitted_optional_args_are_not_sent_and_none_is_null(
    client_mod: types.ModuleType, models: types.ModuleType
) -> None:
    body = sample("_models.CreateChatCompletionResponse", models).json
    recorder = Recorder(lambda request: httpx.Response(200, json=body))
    client = make_client(client_mod, recorder)
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert recorder.json() == {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    client.chat.completions.create(model="m", messages=[], temperature=None, max_tokens=5, stop=["a", "b"])
    assert recorder.json() == {"model": "m", "messages": [], "temperature": None, "max_tokens": 5, "stop": ["a", "b"]}


def test_model_instances_are_sent_by_alias(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    body = sample("_models.CreateChatCompletionResponse", models).json
    recorder = Recorder(lambda request: httpx.Response(200, json=body))
    client = make_client(client_mod, recorder)
    message = models.ChatCompletionRequestMessage.model_validate({"role": "user", "content": "hi"})
    client.chat.completions.create(
        model="m", messages=[message], stream_options=models.ChatCompletionStreamOptions(include_usage=True)
    )
    assert recorder.json() == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "stream_options": {"include_usage": True},
    }


def test_query_parameters(client_mod: types.ModuleType, auto: AutoReply) -> None:
    recorder = Recorder(auto)
    client = make_client(client_mod, recorder)
    client.virtual_keys.list(current_page=2, page_size=50)
    assert parse_qs(recorder.last.url.query.decode()) == {"current_page": ["2"], "page_size": ["50"]}
    client.responses.retrieve("resp 1", include=["file_search_call.results", "message.input_image.image_url"])
    assert url_without_query(recorder.last) == URLS["gateway"] + "/responses/resp%201"
    assert parse_qs(recorder.last.url.query.decode()) == {
        "include": ["file_search_call.results", "message.input_image.image_url"]
    }


def test_extra_headers_query_body_and_timeout(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    body = sample("_models.CreateChatCompletionResponse", models).json
    recorder = Recorder(lambda request: httpx.Response(200, json=body))
    client = make_client(client_mod, recorder)
    client.chat.completions.create(
        model="m",
        messages=[],
        extra_headers={"X-Custom": "1", "x-portkey-api-key": "pk-override"},
        extra_query={"debug": True, "tag": "a b"},
        extra_body={"custom_param": {"nested": [1, 2]}, "model": "overridden"},
        timeout=7.5,
    )
    request = recorder.last
    assert request.headers["x-custom"] == "1"
    assert request.headers["x-portkey-api-key"] == "pk-override"
    assert parse_qs(request.url.query.decode()) == {"debug": ["true"], "tag": ["a b"]}
    assert recorder.json() == {"model": "overridden", "messages": [], "custom_param": {"nested": [1, 2]}}
    assert request.extensions["timeout"] == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}
    # An explicit None removes a default header for one call.
    client.chat.completions.create(model="m", messages=[], extra_headers={"x-portkey-api-key": None})
    assert "x-portkey-api-key" not in recorder.last.headers


def test_portkey_per_request_headers(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    body = sample("_models.CreateEmbeddingResponse", models).json
    recorder = Recorder(lambda request: httpx.Response(200, json=body))
    client = make_client(client_mod, recorder)
    client.embeddings.create(
        model="text-embedding-3-small",
        input="hello",
        trace_id="trace-1",
        span_id="span-1",
        parent_span_id="parent-1",
        span_name="embed",
        metadata={"a": 1, "user": "ü"},
        cache_namespace="ns",
        cache_force_refresh=True,
    )
    headers = recorder.last.headers
    assert headers["x-portkey-trace-id"] == "trace-1"
    assert headers["x-portkey-span-id"] == "span-1"
    assert headers["x-portkey-parent-span-id"] == "parent-1"
    assert headers["x-portkey-span-name"] == "embed"
    assert json.loads(headers["x-portkey-metadata"]) == {"a": 1, "user": "ü"}
    assert headers["x-portkey-metadata"].isascii()
    assert headers["x-portkey-cache-namespace"] == "ns"
    assert headers["x-portkey-cache-force-refresh"] == "true"
    assert recorder.json() == {"model": "text-embedding-3-small", "input": "hello"}


def test_responses_metadata_body_and_header_do_not_clash(
    client_mod: types.ModuleType, models: types.ModuleType
) -> None:
    """/responses has a `metadata` body field; Portkey's metadata header is `metadata_header` there."""
    body = sample("_models.Response", models).json
    recorder = Recorder(lambda request: httpx.Response(200, json=body))
    client = make_client(client_mod, recorder)
    client.responses.create(model="gpt-4o", input="hi", metadata={"k": "v"}, metadata_header={"h": 1})
    assert recorder.json() == {"model": "gpt-4o", "input": "hi", "metadata": {"k": "v"}}
    assert json.loads(recorder.last.headers["x-portkey-metadata"]) == {"h": 1}


# ------------------------------------------------------------------------------ client settings


def test_constructor_auth_headers_and_config_json(client_mod: types.ModuleType, auto: AutoReply) -> None:
    recorder = Recorder(auto)
    config = {"retry": {"attempts": 3, "on_status_codes": [429]}, "cache": {"mode": "simple"}}
    client = make_client(
        client_mod,
        recorder,
        config=config,
        provider="openai",
        authorization="sk-raw",
        virtual_key="vk-1",
        custom_host="http://127.0.0.1:1/v1",
    )
    client.models.list()
    headers = recorder.last.headers
    assert json.loads(headers["x-portkey-config"]) == config
    assert headers["x-portkey-provider"] == "openai"
    assert headers["authorization"] == "Bearer sk-raw"
    assert headers["x-portkey-virtual-key"] == "vk-1"
    assert headers["x-portkey-custom-host"] == "http://127.0.0.1:1/v1"
    # A config id is sent as is; a "Bearer ..." authorization is not prefixed twice.
    client = make_client(client_mod, recorder, config="pc-abc", authorization="Bearer sk-x")
    client.models.list()
    assert recorder.last.headers["x-portkey-config"] == "pc-abc"
    assert recorder.last.headers["authorization"] == "Bearer sk-x"
    # Unset credentials are not sent at all.
    client = make_client(client_mod, recorder)
    client.models.list()
    for name in ("x-portkey-config", "x-portkey-provider", "authorization", "x-portkey-virtual-key"):
        assert name not in recorder.last.headers


def test_environment_fallbacks(client_mod: types.ModuleType, monkeypatch: pytest.MonkeyPatch, auto: AutoReply) -> None:
    monkeypatch.setenv("PORTKEY_API_KEY", "pk-from-env")
    monkeypatch.setenv("PORTKEY_BASE_URL", "http://self-hosted.test:8787/v1")
    monkeypatch.setenv("PORTKEY_PROVIDER", "anthropic")
    monkeypatch.setenv("PORTKEY_CONFIG", "pc-env")
    recorder = Recorder(auto)
    client = client_mod.Portkey(http_client=httpx.Client(transport=httpx.MockTransport(recorder)))
    client.models.list()  # gateway
    client.configs.list()  # control plane
    gateway, control = recorder.requests
    assert str(gateway.url) == "http://self-hosted.test:8787/v1/models"
    assert str(control.url) == "http://self-hosted.test:8787/v1/configs"
    assert gateway.headers["x-portkey-api-key"] == "pk-from-env"
    assert gateway.headers["x-portkey-provider"] == "anthropic"
    assert gateway.headers["x-portkey-config"] == "pc-env"
    # Arguments win over the environment.
    recorder.requests.clear()
    client = client_mod.Portkey(
        api_key="pk-arg",
        base_url="https://arg.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
    )
    client.models.list()
    assert str(recorder.last.url) == "https://arg.test/v1/models"
    assert recorder.last.headers["x-portkey-api-key"] == "pk-arg"


def test_default_urls(client_mod: types.ModuleType, auto: AutoReply) -> None:
    recorder = Recorder(auto)
    client = client_mod.Portkey(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(recorder)))
    client.models.list()
    client.configs.list()
    assert [str(r.url) for r in recorder.requests] == [
        "https://api.portkey.ai/v1/models",
        "https://api.portkey.ai/v1/configs",
    ]


def test_gateway_and_control_plane_urls_route_to_different_hosts(
    client_mod: types.ModuleType, monkeypatch: pytest.MonkeyPatch, auto: AutoReply
) -> None:
    recorder = Recorder(auto)
    client = client_mod.Portkey(
        api_key="k",
        gateway_url="http://127.0.0.1:8787/v1",
        control_plane_url="https://control.example/v2",
        http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
    )
    client.chat.completions.with_raw_response.create(model="m", messages=[])
    client.configs.list()
    client.models.list()
    assert [str(r.url) for r in recorder.requests] == [
        "http://127.0.0.1:8787/v1/chat/completions",
        "https://control.example/v2/configs",
        "http://127.0.0.1:8787/v1/models",
    ]
    # The same from the environment.
    monkeypatch.setenv("PORTKEY_GATEWAY_URL", "http://gw.env/v1")
    monkeypatch.setenv("PORTKEY_CONTROL_PLANE_URL", "http://cp.env/v1")
    recorder.requests.clear()
    client = client_mod.Portkey(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(recorder)))
    client.models.list()
    client.configs.list()
    assert [str(r.url) for r in recorder.requests] == ["http://gw.env/v1/models", "http://cp.env/v1/configs"]


def test_with_raw_response(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    body = sample("_models.CreateChatCompletionResponse", models).json
    recorder = Recorder(lambda request: httpx.Response(200, json=body, headers={"x-request-id": "req-1"}))
    client = make_client(client_mod, recorder)
    raw = client.chat.completions.with_raw_response.create(model="m", messages=[])
    assert isinstance(raw, client_mod.RawResponse)
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "req-1"
    assert json.loads(raw.content) == body
    parsed = raw.parse()
    assert isinstance(parsed, models.CreateChatCompletionResponse)
    assert raw.parse() is parsed
    # Nested resources and path parameters work through with_raw_response too.
    recorder.reply = lambda request: httpx.Response(200, json={"object": "list", "data": [], "total": 0})
    raw_users = client.admin.with_raw_response.workspaces.users.list("ws/1")
    assert url_without_query(recorder.last) == URLS["control_plane"] + "/admin/workspaces/ws%2F1/users"
    assert raw_users.status_code == 200
    # Streams: parse() gives the stream.
    recorder.reply = sse_reply(sse(*CHAT_CHUNKS))
    raw_stream = client.chat.completions.with_raw_response.create(model="m", messages=[], stream=True)
    assert raw_stream.headers["content-type"] == "text/event-stream"
    assert len(list(raw_stream.parse())) == 3

    async def run() -> Any:
        recorder.reply = lambda request: httpx.Response(200, json=body)
        async with make_client(client_mod, recorder, is_async=True) as aclient:
            araw = await aclient.chat.completions.with_raw_response.create(model="m", messages=[])
            return araw.parse()

    assert isinstance(asyncio.run(run()), models.CreateChatCompletionResponse)


ERRORS = [
    (400, "BadRequestError"),
    (401, "AuthenticationError"),
    (403, "PermissionDeniedError"),
    (404, "NotFoundError"),
    (409, "ConflictError"),
    (422, "UnprocessableEntityError"),
    (429, "RateLimitError"),
    (500, "InternalServerError"),
    (502, "InternalServerError"),
    (503, "InternalServerError"),
    (418, "APIStatusError"),
]


@pytest.mark.parametrize(("status", "name"), ERRORS)
def test_error_statuses(status: int, name: str, client_mod: types.ModuleType) -> None:
    body = {"error": {"message": f"went wrong {status}", "type": "x"}}
    recorder = Recorder(lambda request: httpx.Response(status, json=body))
    client = make_client(client_mod, recorder)
    error_cls = getattr(client_mod, name)
    with pytest.raises(error_cls) as info:
        client.configs.retrieve("cfg")
    assert type(info.value) is error_cls
    assert isinstance(info.value, client_mod.APIStatusError)
    assert info.value.status_code == status
    assert info.value.body == body
    assert f"went wrong {status}" in str(info.value)

    async def run() -> None:
        async with make_client(client_mod, recorder, is_async=True) as aclient:
            await aclient.chat.completions.create(model="m", messages=[], stream=True)

    with pytest.raises(error_cls):
        asyncio.run(run())


def test_invalid_response_and_connection_errors(client_mod: types.ModuleType) -> None:
    reply = Recorder(lambda request: httpx.Response(200, json={"id": 1}))
    client = make_client(client_mod, reply, strict_response_validation=True)
    with pytest.raises(client_mod.APIResponseValidationError, match="ListModelsResponse"):
        client.models.list()  # "object" and "data" are required
    tolerant = make_client(client_mod, reply).models.list()  # by default: missing fields are None
    # models.list() is one page (issue 21 item 6): the parsed response is its .response
    assert tolerant.response.data is None and tolerant.response.model_extra == {"id": 1}
    assert tolerant.data == [] and list(tolerant) == []

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = make_client(client_mod, Recorder(refuse))
    with pytest.raises(client_mod.APIConnectionError):
        client.models.list()


def test_retries_use_the_client_setting(client_mod: types.ModuleType) -> None:
    statuses = [503, 429, 200]
    recorder = Recorder(
        lambda request: httpx.Response(
            statuses.pop(0), json={"object": "list", "data": []}, headers={"retry-after": "0"}
        )
    )
    client = make_client(client_mod, recorder, max_retries=2)
    client.models.list()
    assert len(recorder.requests) == 3


def test_context_manager_closes(client_mod: types.ModuleType) -> None:
    with client_mod.Portkey(api_key="k") as client:
        http = client._http
        assert not http.is_closed
    assert http.is_closed
    # A caller's own httpx client is left open.
    own = httpx.Client(transport=httpx.MockTransport(Recorder()))
    with client_mod.Portkey(api_key="k", http_client=own):
        pass
    assert not own.is_closed
    own.close()

    async def run() -> Any:
        async with client_mod.AsyncPortkey(api_key="k") as aclient:
            ahttp = aclient._http
            assert not ahttp.is_closed
        return ahttp

    assert asyncio.run(run()).is_closed
