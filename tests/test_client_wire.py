"""Wire compatibility: the generated client sends what the official `openai` SDK sends.

Both clients talk to the same httpx.MockTransport; for each call the captured requests must agree
on method, path, query, content type and body (JSON parsed; multipart compared part by part:
names, filenames, content types and contents, not the boundary). The generated client is called
once with plain dicts (as OpenAI users write) and once with pydantic models where the signature
takes them: both must put the same bytes-equivalent JSON on the wire.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import pytest
from client_fixtures import clean_portkey_env, parse_multipart  # noqa: F401

BASE = "https://api.test/v1"


@dataclass(frozen=True)
class Wire:
    method: str
    path: str
    query: str
    content_type: str  # without parameters (the multipart boundary differs)
    body: Any  # parsed JSON, or a sorted list of multipart parts


def wire(request: httpx.Request) -> Wire:
    ctype = request.headers.get("content-type", "")
    base = ctype.split(";")[0].strip()
    body: Any
    if base == "application/json":
        body = json.loads(request.content)
    elif base == "multipart/form-data":
        body = sorted((p.name, p.filename, p.content_type, p.content) for p in parse_multipart(ctype, request.content))
    else:
        body = request.content
    return Wire(request.method, request.url.path, request.url.query.decode(), base, body)


class Capture:
    def __init__(self, reply: Callable[[httpx.Request], httpx.Response]) -> None:
        self.reply = reply
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)

    def wires(self) -> list[Wire]:
        return [wire(r) for r in self.requests]


@pytest.fixture(scope="module")
def client_mod(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture(scope="module")
def models(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".models")


def clients(client_mod: types.ModuleType, capture: Capture) -> tuple[Any, openai.OpenAI]:
    ours = client_mod.Portkey(
        api_key="pk-test",
        base_url=BASE,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(capture)),
    )
    theirs = openai.OpenAI(
        api_key="sk-test",
        base_url=BASE,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(capture)),
    )
    return ours, theirs


CHAT_RESPONSE = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "gpt-4o",
    "choices": [{"index": 0, "delta": {"content": "Hi"}, "logprobs": None, "finish_reason": None}],
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather of a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            "strict": True,
        },
    }
]
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
]
CHAT_ARGS: dict[str, Any] = {
    "model": "gpt-4o",
    "messages": MESSAGES,
    "temperature": 0.2,
    "max_tokens": 50,
    "n": 1,
    "stop": ["\n\n"],
    "seed": 7,
    "logit_bias": {"50256": -100},
    "user": "user-1",
    "tools": TOOLS,
    "tool_choice": "auto",
    "response_format": {"type": "json_object"},
}


def test_chat_completion_matches_openai(client_mod: types.ModuleType, models: types.ModuleType) -> None:
    capture = Capture(lambda request: httpx.Response(200, json=CHAT_RESPONSE))
    ours, theirs = clients(client_mod, capture)
    mine = ours.chat.completions.create(**CHAT_ARGS)
    reference = theirs.chat.completions.create(**CHAT_ARGS)
    # The same call with the generated models instead of dicts.
    typed = {
        **CHAT_ARGS,
        "messages": [models.ChatCompletionRequestMessage.model_validate(m) for m in MESSAGES],
        "tools": [models.ChatCompletionTool.model_validate(t) for t in TOOLS],
        "response_format": models.ResponseFormatJsonObject(type="json_object"),
    }
    ours.chat.completions.create(**typed)
    ours_wire, theirs_wire, typed_wire = capture.wires()
    assert ours_wire == theirs_wire
    assert typed_wire == theirs_wire
    assert ours_wire.method == "POST" and ours_wire.path == "/v1/chat/completions"
    assert ours_wire.content_type == "application/json"
    assert mine.choices[0].message.content == reference.choices[0].message.content == "Hi"


def test_chat_completion_stream_matches_openai(client_mod: types.ModuleType) -> None:
    body = f"data: {json.dumps(CHUNK)}\n\ndata: [DONE]\n\n".encode()
    capture = Capture(lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body))
    ours, theirs = clients(client_mod, capture)
    args = {"model": "gpt-4o", "messages": MESSAGES[:2], "stream": True, "stream_options": {"include_usage": True}}
    mine = [c.choices[0].delta.content for c in ours.chat.completions.create(**args)]
    reference = [c.choices[0].delta.content for c in theirs.chat.completions.create(**args)]
    ours_wire, theirs_wire = capture.wires()
    assert ours_wire == theirs_wire
    assert ours_wire.body["stream"] is True
    assert mine == reference == ["Hi"]


def test_async_chat_completion_matches_openai(client_mod: types.ModuleType) -> None:
    capture = Capture(lambda request: httpx.Response(200, json=CHAT_RESPONSE))

    async def run() -> None:
        transport = httpx.MockTransport(capture)
        async with client_mod.AsyncPortkey(
            api_key="pk", base_url=BASE, http_client=httpx.AsyncClient(transport=transport)
        ) as ours:
            await ours.chat.completions.create(**CHAT_ARGS)
        theirs = openai.AsyncOpenAI(api_key="sk", base_url=BASE, http_client=httpx.AsyncClient(transport=transport))
        await theirs.chat.completions.create(**CHAT_ARGS)
        await theirs.close()

    asyncio.run(run())
    ours_wire, theirs_wire = capture.wires()
    assert ours_wire == theirs_wire


EMBEDDING_RESPONSE = {
    "object": "list",
    "model": "text-embedding-3-small",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 0.25]}],
    "usage": {"prompt_tokens": 1, "total_tokens": 1},
}


@pytest.mark.parametrize("text_input", ["hello", ["a", "b"], [1, 2, 3]])
def test_embeddings_match_openai(text_input: Any, client_mod: types.ModuleType) -> None:
    capture = Capture(lambda request: httpx.Response(200, json=EMBEDDING_RESPONSE))
    ours, theirs = clients(client_mod, capture)
    # encoding_format is given: the openai SDK asks for base64 on its own when it is left out
    # (and decodes it), which is its choice, not part of the API.
    args = {"model": "text-embedding-3-small", "input": text_input, "encoding_format": "float", "dimensions": 2}
    mine = ours.embeddings.create(**args)
    reference = theirs.embeddings.create(**args)
    ours_wire, theirs_wire = capture.wires()
    assert ours_wire == theirs_wire
    assert ours_wire.path == "/v1/embeddings"
    assert mine.data[0].embedding == reference.data[0].embedding == [0.5, 0.25]


FILE_RESPONSE = {
    "id": "file-1",
    "object": "file",
    "bytes": 20,
    "created_at": 1,
    "filename": "batch.jsonl",
    "purpose": "batch",
    "status": "processed",  # deprecated by OpenAI but still sent, and required by the spec
}


@pytest.mark.parametrize(
    "file",
    [
        ("batch.jsonl", b'{"custom_id": "1"}\n', "application/jsonl"),
        ("batch.jsonl", b'{"custom_id": "1"}\n'),
    ],
    ids=["with-type", "without-type"],
)
def test_file_upload_matches_openai(file: tuple[Any, ...], client_mod: types.ModuleType) -> None:
    capture = Capture(lambda request: httpx.Response(200, json=FILE_RESPONSE))
    ours, theirs = clients(client_mod, capture)
    mine = ours.files.create(file=file, purpose="batch")
    reference = theirs.files.create(file=file, purpose="batch")
    ours_wire, theirs_wire = capture.wires()
    assert ours_wire.content_type == theirs_wire.content_type == "multipart/form-data"
    assert (ours_wire.method, ours_wire.path, ours_wire.query) == (
        theirs_wire.method,
        theirs_wire.path,
        theirs_wire.query,
    )
    assert ours_wire.body == theirs_wire.body
    names = [part[0] for part in ours_wire.body]
    assert names == ["file", "purpose"]
    assert mine.id == reference.id == "file-1"


def test_file_upload_from_file_object_matches_openai(client_mod: types.ModuleType, tmp_path: Any) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b'{"messages": []}\n')
    capture = Capture(lambda request: httpx.Response(200, json=FILE_RESPONSE))
    ours, theirs = clients(client_mod, capture)
    with open(path, "rb") as f:
        ours.files.create(file=f, purpose="fine-tune")
    with open(path, "rb") as f:
        theirs.files.create(file=f, purpose="fine-tune")
    ours_wire, theirs_wire = capture.wires()
    assert ours_wire.body == theirs_wire.body
    assert ("file", "train.jsonl") in [(p[0], p[1]) for p in ours_wire.body]
