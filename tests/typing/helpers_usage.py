"""Typed usage of the issue-21 helpers, checked with `mypy --strict` by tests/test_client_typing.py.

Never run: `chat.completions.stream()` (sync and async, events
narrowed by their `type`), `chat.completions.parse()` (`.message.parsed` typed as the response
format class), `to_dict()`/`to_json()` on models, the portkey-ai header options and
`realtime.connect()` (WebSocket, sync and async).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portkey_api import models
from portkey_api.client import AsyncPortkey, Portkey
from portkey_api.client._runtime.chat_helpers import (
    AsyncChatCompletionStream,
    ChatCompletionStream,
    ChatCompletionStreamEvent,
)
from portkey_api.client._runtime.websocket import (
    AsyncRealtimeConnection,
    RealtimeConnection,
    RealtimeEvent,
)
from pydantic import BaseModel
from typing_extensions import assert_type

if TYPE_CHECKING:  # parse()'s result type exists for type checkers only
    from portkey_api.client.resources.chat import ParsedCreateChatCompletionResponse  # noqa: F401 (named in assert_type strings)


class Weather(BaseModel):
    city: str


def sync_usage(client: Portkey, messages: list[models.ChatCompletionRequestMessage]) -> None:
    with client.chat.completions.stream(model="gpt-4o", messages=messages, response_format=Weather) as stream:
        assert_type(stream, ChatCompletionStream[models.CreateChatCompletionResponse, models.CreateChatCompletionStreamResponse])
        for event in stream:
            assert_type(event, ChatCompletionStreamEvent)
            if event.type == "content.delta":
                assert_type(event.delta, str)
            elif event.type == "tool_calls.function.arguments.done":
                assert_type(event.arguments, str)
                assert_type(event.index, int)
        assert_type(stream.get_final_completion(), models.CreateChatCompletionResponse)

    parsed = client.chat.completions.parse(model="gpt-4o", messages=messages, response_format=Weather)
    assert_type(parsed, "ParsedCreateChatCompletionResponse[Weather]")
    assert_type(parsed.choices[0].message.parsed, Weather | None)
    assert_type(parsed.choices[0].message.content, str | None)  # the message model's fields stay
    completion: models.CreateChatCompletionResponse = parsed  # a subclass of the completion model
    no_format = client.chat.completions.parse(model="gpt-4o", messages=messages)
    assert_type(no_format.choices[0].message.parsed, None)  # openai's default: parsed is None
    to_dict_and_to_json(completion)


def to_dict_and_to_json(completion: models.CreateChatCompletionResponse) -> None:
    assert_type(completion.to_dict(), dict[str, Any])
    assert_type(completion.to_dict(mode="json", use_api_names=False, exclude_unset=False), dict[str, Any])
    assert_type(completion.to_json(), str)
    assert_type(completion.to_json(indent=None, exclude_none=True, warnings=False), str)
    assert_type(completion.choices[0].to_dict(exclude_defaults=True), dict[str, Any])
    assert_type(models.Metadata({"a": "b"}).to_dict(), Any)  # a root model: its root as plain data
    assert_type(models.Metadata({"a": "b"}).to_json(), str)


async def async_usage(client: AsyncPortkey, messages: list[models.ChatCompletionRequestMessage]) -> None:
    async with client.chat.completions.stream(model="gpt-4o", messages=messages) as stream:
        assert_type(
            stream, AsyncChatCompletionStream[models.CreateChatCompletionResponse, models.CreateChatCompletionStreamResponse]
        )
        async for event in stream:
            if event.type == "content.done":
                assert_type(event.content, str)
        assert_type(await stream.get_final_completion(), models.CreateChatCompletionResponse)
    parsed = await client.chat.completions.parse(model="gpt-4o", messages=messages, response_format=Weather)
    assert_type(parsed, "ParsedCreateChatCompletionResponse[Weather]")
    assert_type(parsed.choices[0].message.parsed, Weather | None)
    no_format = await client.chat.completions.parse(model="gpt-4o", messages=messages)
    assert_type(no_format.choices[0].message.parsed, None)


def options_and_realtime(client: Portkey) -> None:
    traced = Portkey(trace_id="t", metadata={"_user": "u"}, debug=False, forward_headers=["x-a"], aws_region="us-east-1")
    assert_type(traced.with_options(anthropic_beta="b", strict_open_ai_compliance=True), Portkey)
    client.chat.completions.create(model="m", messages=[], trace_id="t", cache_force_refresh=True)
    with client.realtime.connect(model="gpt-4o-realtime") as conn:
        assert_type(conn, RealtimeConnection)
        conn.send({"type": "session.update", "session": {}})
        assert_type(conn.recv(), RealtimeEvent)
        for event in conn:
            assert_type(event.type, str)


async def async_realtime(client: AsyncPortkey) -> None:
    async with client.realtime.connect(model="gpt-4o-realtime") as conn:
        assert_type(conn, AsyncRealtimeConnection)
        await conn.send({"type": "response.create"})
        async for event in conn:
            assert_type(event, RealtimeEvent)
