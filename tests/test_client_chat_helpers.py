"""Issue 21 (still missing): ``client.chat.completions.stream(...)`` and ``.parse(...)`` as openai has them.

``stream()`` is a context manager (sync and async) whose stream yields openai's events
(``chunk``, ``content.delta``/``content.done``, ``refusal.*``, ``tool_calls.function.arguments.*``)
and ends with ``get_final_completion()``; ``parse(response_format=<pydantic class>)`` returns the
completion with ``choices[0].message.parsed``. The same bytes go to openai's helpers and must give
the same events and values. Which operations get the helpers is decided in the IR
(spec/names.yaml ``chat_helpers``), checked here on the IR of the pinned spec.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import types
from typing import Any

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_chunks, chat_completion
from issue21_support import (
    MESSAGES,
    MODES,
    client,
    json_reply,
    openai_client,
    sse_events,
    sse_reply,
)
from pydantic import BaseModel

pytestmark = pytest.mark.timeout(180)


class Weather(BaseModel):
    city: str
    celsius: float


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


BASE = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o"}


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {**BASE, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}


def tool_chunks() -> list[dict[str, Any]]:
    """Two tool calls, each call's arguments split over chunks (as providers send them)."""
    def call(index: int, **kw: Any) -> dict[str, Any]:
        return chunk({"tool_calls": [{"index": index, **kw}]})

    return [
        chunk({"role": "assistant", "content": None}),
        call(0, id="call_a", type="function", function={"name": "get_weather", "arguments": ""}),
        call(0, function={"arguments": '{"city": '}),
        call(0, function={"arguments": '"Paris"}'}),
        call(1, id="call_b", type="function", function={"name": "get_time", "arguments": '{"tz"'}),
        call(1, function={"arguments": ': "CET"}'}),
        chunk({}, "tool_calls"),
    ]


def json_content_chunks(text: str) -> list[dict[str, Any]]:
    half = len(text) // 2
    return [chunk({"role": "assistant", "content": ""}), chunk({"content": text[:half]}),
            chunk({"content": text[half:]}), chunk({}, "stop")]  # fmt: skip


def event_facts(event: Any) -> tuple[Any, ...]:
    """What both SDKs' events carry, by event type (the chunk event: its snapshot's content)."""
    t = event.type
    if t == "chunk":
        snap = event.snapshot
        message = (snap["choices"][0]["message"] if isinstance(snap, dict) else snap.choices[0].message.model_dump())
        return (t, message.get("content"))
    if t in ("content.delta", "refusal.delta"):
        return (t, event.delta, event.snapshot)
    if t == "content.done":
        return (t, event.content, event.parsed)
    if t == "refusal.done":
        return (t, event.refusal)
    if t == "tool_calls.function.arguments.delta":
        return (t, event.name, event.index, event.arguments, event.arguments_delta)
    if t == "tool_calls.function.arguments.done":
        return (t, event.name, event.index, event.arguments)
    return (t,)


def theirs(chunks: list[dict[str, Any]], **kw: Any) -> tuple[list[tuple[Any, ...]], Any]:
    reply = sse_reply(sse_events(*chunks, "[DONE]"))
    with openai_client(reply).chat.completions.stream(model="gpt-4o", messages=MESSAGES, **kw) as stream:
        events = [event_facts(e) for e in stream if not e.type.startswith("logprobs")]
        return events, stream.get_final_completion()


def ours(pkg: Any, mode: str, chunks: list[dict[str, Any]], **kw: Any) -> tuple[list[tuple[Any, ...]], Any, Any]:
    reply = sse_reply(sse_events(*chunks, "[DONE]"))
    if mode == "sync":
        with client(pkg, mode, reply).chat.completions.stream(model="gpt-4o", messages=MESSAGES, **kw) as stream:
            events = [event_facts(e) for e in stream]
            return events, stream.get_final_completion(), reply

    async def main() -> tuple[list[tuple[Any, ...]], Any]:
        async with client(pkg, mode, reply).chat.completions.stream(model="gpt-4o", messages=MESSAGES, **kw) as stream:
            events = [event_facts(e) async for e in stream]
            return events, await stream.get_final_completion()

    return (*asyncio.run(main()), reply)


@pytest.mark.parametrize("mode", MODES)
def test_stream_text_events_and_final_completion_match_openai(pkg, mode):
    chunks = chat_chunks("gpt-4o")
    their_events, their_final = theirs(chunks)
    our_events, our_final, reply = ours(pkg, mode, chunks)
    assert our_events == their_events
    assert [e[0] for e in our_events].count("content.delta") >= 2
    assert our_final.choices[0].message.content == their_final.choices[0].message.content
    assert our_final.choices[0].finish_reason.value == their_final.choices[0].finish_reason
    assert our_final.id == their_final.id and our_final.model == their_final.model
    assert json.loads(reply.requests[0].content)["stream"] is True


@pytest.mark.parametrize("mode", MODES)
def test_stream_tool_call_events_match_openai(pkg, mode):
    their_events, their_final = theirs(tool_chunks())
    our_events, our_final, _ = ours(pkg, mode, tool_chunks())
    assert our_events == their_events
    done = [e for e in our_events if e[0] == "tool_calls.function.arguments.done"]
    assert [(e[1], e[3]) for e in done] == [("get_weather", '{"city": "Paris"}'), ("get_time", '{"tz": "CET"}')]
    calls = our_final.choices[0].message.tool_calls.root  # the model is a RootModel of the list
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        (c.id, c.function.name, c.function.arguments) for c in their_final.choices[0].message.tool_calls
    ]


@pytest.mark.parametrize("mode", MODES)
def test_stream_with_pydantic_response_format_parses_content(pkg, mode):
    chunks = json_content_chunks('{"city": "Paris", "celsius": 21.5}')
    their_events, their_final = theirs(chunks, response_format=Weather)
    our_events, our_final, reply = ours(pkg, mode, chunks, response_format=Weather)
    # openai also fills content.delta's `parsed` from partial JSON; compare the rest
    assert [e for e in our_events if e[0] != "content.delta"] == [e for e in their_events if e[0] != "content.delta"]
    assert our_final.choices[0].message.parsed == their_final.choices[0].message.parsed == Weather(city="Paris", celsius=21.5)
    sent = json.loads(reply.requests[0].content)["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "Weather"
    assert sent["json_schema"]["schema"]["additionalProperties"] is False


@pytest.mark.parametrize("mode", MODES)
def test_parse_returns_completion_with_parsed_message_like_openai(pkg, mode):
    body = chat_completion("gpt-4o")
    body["choices"][0]["message"]["content"] = '{"city": "Oslo", "celsius": -3}'
    theirs_ = openai_client(json_reply(body)).chat.completions.parse(
        model="gpt-4o", messages=MESSAGES, response_format=Weather
    )
    reply = json_reply(body)
    c = client(pkg, mode, reply)
    call = c.chat.completions.parse(model="gpt-4o", messages=MESSAGES, response_format=Weather)
    got = call if mode == "sync" else asyncio.run(call)
    assert got.choices[0].message.parsed == theirs_.choices[0].message.parsed == Weather(city="Oslo", celsius=-3)
    assert isinstance(got, importlib.import_module(pkg.__name__.rsplit(".", 1)[0] + ".models").CreateChatCompletionResponse)
    sent = json.loads(reply.requests[0].content)
    assert "stream" not in sent or sent["stream"] is False
    assert sent["response_format"]["json_schema"]["strict"] is True


@pytest.mark.parametrize("mode", MODES)
def test_parse_refusal_leaves_parsed_none(pkg, mode):
    body = chat_completion("gpt-4o")
    body["choices"][0]["message"].update(content=None, refusal="I can't")
    c = client(pkg, mode, json_reply(body))
    call = c.chat.completions.parse(model="gpt-4o", messages=MESSAGES, response_format=Weather)
    got = call if mode == "sync" else asyncio.run(call)
    assert got.choices[0].message.parsed is None
    assert got.choices[0].message.refusal == "I can't"


def test_helpers_only_where_the_ir_puts_them(portkey_result, pkg):
    """Every operation with chat_helpers in the IR has stream/parse; no other resource class does."""
    chosen = [op for op in portkey_result.api.operations if op.chat_helpers is not None]
    assert chosen, "spec/names.yaml chat_helpers chose no operation of the pinned spec"
    for op in chosen:
        assert op.streaming is not None and op.streaming.flag_field
    c = pkg.Portkey(api_key="pk", base_url="http://127.0.0.1:9")
    helper_paths = {op.resource for op in chosen}
    for op in portkey_result.api.operations:
        res = c
        for part in op.resource:
            res = getattr(res, part)
        has = callable(getattr(res, "stream", None)) and callable(getattr(res, "parse", None))
        assert has == (op.resource in helper_paths), op.key
