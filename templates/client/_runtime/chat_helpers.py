"""openai's chat-completion helpers: ``stream()`` (a context manager of events) and ``parse()``.

Imported by the generated resource only inside those two methods, so neither the client nor a
resource pays for it. The events are those of openai's ``ChatCompletionStreamManager``
(``chunk``, ``content.delta``, ``content.done``, ``refusal.delta``, ``refusal.done``,
``tool_calls.function.arguments.delta``, ``tool_calls.function.arguments.done``), built from the
chunks the generated ``create(..., stream=True)`` yields; the snapshot is a plain dict of the
completion so far, and ``get_final_completion()`` validates it as the operation's response model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import typing_extensions

from .common import NOT_GIVEN, _AsyncOpens, _Opens
from .streaming import AsyncStream, Stream

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamEvent",
    "ChatCompletionStreamManager",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "FunctionToolCallArgumentsDeltaEvent",
    "FunctionToolCallArgumentsDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "ResponseFormatT",
    "parse_completion",
    "wire_response_format",
]

# parse()'s response format class, as openai's: what `choices[i].message.parsed` is typed as;
# None (the default) when parse() is given none. typing_extensions: TypeVar defaults (PEP 696).
ResponseFormatT = typing_extensions.TypeVar(
    "ResponseFormatT", bound="BaseModel | None", default=None
)
CompletionT = TypeVar("CompletionT")
ChunkT = TypeVar("ChunkT")
# What sending the request gives (a stream, or an awaitable of one); the chunk stream held.
_MadeT = TypeVar("_MadeT")
_StreamT = TypeVar("_StreamT")


@dataclass
class ChunkEvent(Generic[ChunkT]):
    chunk: ChunkT
    snapshot: dict[str, Any]  # the completion so far, wire names
    type: Literal["chunk"] = "chunk"


@dataclass
class ContentDeltaEvent:
    delta: str
    snapshot: str  # the content so far
    parsed: Any = (
        None  # openai's partial JSON parse is not done: None until content.done
    )
    type: Literal["content.delta"] = "content.delta"


@dataclass
class ContentDoneEvent:
    content: str
    parsed: Any = (
        None  # the content read as the response_format class, when one was given
    )
    type: Literal["content.done"] = "content.done"


@dataclass
class RefusalDeltaEvent:
    delta: str
    snapshot: str
    type: Literal["refusal.delta"] = "refusal.delta"


@dataclass
class RefusalDoneEvent:
    refusal: str
    type: Literal["refusal.done"] = "refusal.done"


@dataclass
class FunctionToolCallArgumentsDeltaEvent:
    name: str
    index: int
    arguments: str  # so far
    arguments_delta: str
    parsed_arguments: Any = None
    type: Literal["tool_calls.function.arguments.delta"] = (
        "tool_calls.function.arguments.delta"
    )


@dataclass
class FunctionToolCallArgumentsDoneEvent:
    name: str
    index: int
    arguments: str
    parsed_arguments: Any = (
        None  # the arguments as JSON, None when they are not valid JSON
    )
    type: Literal["tool_calls.function.arguments.done"] = (
        "tool_calls.function.arguments.done"
    )


ChatCompletionStreamEvent = (
    ChunkEvent[Any]
    | ContentDeltaEvent
    | ContentDoneEvent
    | RefusalDeltaEvent
    | RefusalDoneEvent
    | FunctionToolCallArgumentsDeltaEvent
    | FunctionToolCallArgumentsDoneEvent
)


def wire_response_format(response_format: Any) -> Any:
    """A pydantic class as openai sends it (a strict ``json_schema`` format); anything else as is."""
    if not _is_model_class(response_format):
        return response_format
    schema = _strict_schema(response_format.model_json_schema())
    return {
        "type": "json_schema",
        "json_schema": {
            "name": response_format.__name__,
            "schema": schema,
            "strict": True,
        },
    }


def _is_model_class(value: Any) -> bool:
    return (
        isinstance(value, type)
        and hasattr(value, "model_json_schema")
        and hasattr(value, "model_validate_json")
    )


def _strict_schema(node: Any) -> Any:
    """Structured outputs' rules: every object closed (additionalProperties false), every property required."""
    if isinstance(node, list):
        return [_strict_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict_schema(v) for k, v in node.items()}
    if out.get("type") == "object" and isinstance(out.get("properties"), dict):
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def _parse_content(content: Any, response_format: Any) -> Any:
    if not _is_model_class(response_format) or not isinstance(content, str):
        return None
    return response_format.model_validate_json(content)


def parse_completion(completion: CompletionT, response_format: Any) -> CompletionT:
    """`completion` with each choice's ``message.parsed`` set: the content read as
    `response_format` (a pydantic class), else None (a refusal, no content, no class).
    """
    for choice in getattr(completion, "choices", None) or ():
        message = getattr(choice, "message", None)
        if message is None:
            continue
        refused = getattr(message, "refusal", None)
        parsed = (
            None
            if refused
            else _parse_content(getattr(message, "content", None), response_format)
        )
        message.parsed = parsed  # an extra field: the models allow them
    return completion


@dataclass
class _Choice:
    """One choice's accumulated state, in wire form."""

    index: int
    message: dict[str, Any] = field(
        default_factory=lambda: {"role": "assistant", "content": None}
    )
    finish_reason: Any = None
    logprobs: Any = None
    done: bool = False

    def wire(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "message": self.message,
            "finish_reason": self.finish_reason,
            "logprobs": self.logprobs,
        }


class _Accumulator:
    """Chunks in, events out; the completion so far as a wire dict."""

    def __init__(self, response_format: Any) -> None:
        self.response_format = response_format
        self.head: dict[str, Any] = {}
        self.choices: dict[int, _Choice] = {}

    def snapshot(self) -> dict[str, Any]:
        choices = [self.choices[i].wire() for i in sorted(self.choices)]
        return {**self.head, "object": "chat.completion", "choices": choices}

    def feed(self, chunk: Any) -> list[Any]:
        data = (
            chunk.model_dump(mode="json", by_alias=True, exclude_unset=True)
            if hasattr(chunk, "model_dump")
            else chunk
        )
        for key, value in data.items():
            if key not in ("choices", "object"):
                self.head[key] = value
        events: list[Any] = []
        for raw in data.get("choices") or ():
            events.extend(self._choice(raw))
        return [ChunkEvent(chunk, self.snapshot()), *events]

    def _choice(self, raw: dict[str, Any]) -> list[Any]:
        choice = self.choices.setdefault(
            int(raw.get("index") or 0), _Choice(int(raw.get("index") or 0))
        )
        delta = raw.get("delta") or {}
        message = choice.message
        events: list[Any] = []
        for key, value in delta.items():
            if key in ("content", "refusal") and isinstance(value, str):
                message[key] = (message.get(key) or "") + value
                kind = ContentDeltaEvent if key == "content" else RefusalDeltaEvent
                events.append(
                    kind(value, message[key])
                )  # an empty delta too, as openai
            elif key == "tool_calls" and isinstance(value, list):
                events.extend(self._tool_calls(message, value))
            elif value is not None:
                message[key] = value
        if raw.get("logprobs") is not None:
            choice.logprobs = raw["logprobs"]
        if raw.get("finish_reason") is not None and not choice.done:
            choice.finish_reason, choice.done = raw["finish_reason"], True
            events.extend(self._done(message))
        return events

    def _tool_calls(self, message: dict[str, Any], deltas: list[Any]) -> list[Any]:
        calls: list[dict[str, Any]] = message.setdefault("tool_calls", [])
        events: list[Any] = []
        for d in deltas:
            index = int(d.get("index") or 0)
            # a new call: the previous one is complete (reported after the new call's delta, as openai)
            finished = (
                _tool_done(calls[-1], len(calls) - 1)
                if index >= len(calls) and calls
                else None
            )
            while len(calls) <= index:
                calls.append(
                    {
                        "id": None,
                        "type": "function",
                        "function": {"name": "", "arguments": ""},
                    }
                )
            call = calls[index]
            call["id"] = d.get("id") or call["id"]
            call["type"] = d.get("type") or call["type"]
            fn = d.get("function") or {}
            call["function"]["name"] += fn.get("name") or ""
            piece = fn.get("arguments") or ""
            call["function"]["arguments"] += piece
            events.append(  # an empty piece too, as openai
                FunctionToolCallArgumentsDeltaEvent(
                    call["function"]["name"],
                    index,
                    call["function"]["arguments"],
                    piece,
                )
            )
            if finished is not None:
                events.append(finished)
        return events

    def _done(self, message: dict[str, Any]) -> list[Any]:
        events: list[Any] = []
        if isinstance(message.get("content"), str):
            content = message["content"]
            events.append(
                ContentDoneEvent(content, _parse_content(content, self.response_format))
            )
        if isinstance(message.get("refusal"), str):
            events.append(RefusalDoneEvent(message["refusal"]))
        calls = message.get("tool_calls") or []
        if calls:
            events.append(_tool_done(calls[-1], len(calls) - 1))
        return events


def _tool_done(call: dict[str, Any], index: int) -> FunctionToolCallArgumentsDoneEvent:
    arguments = call["function"]["arguments"]
    try:
        parsed = json.loads(arguments) if arguments else None
    except ValueError:
        parsed = None
    return FunctionToolCallArgumentsDoneEvent(
        call["function"]["name"], index, arguments, parsed
    )


class _StreamState(Generic[CompletionT, _StreamT]):
    """What the sync and async stream share: the chunk stream, the accumulator and the final
    completion; they differ only in iterating (``_iterate``: their events, sync or async).
    """

    _events: Any

    def __init__(
        self, stream: _StreamT, completion_type: Any, response_format: Any
    ) -> None:
        self._stream = stream
        self._completion_type = completion_type
        self._response_format = response_format
        self._acc = _Accumulator(response_format)
        self._events = self._iterate()

    def _iterate(self) -> Any:
        raise NotImplementedError

    @property
    def current_completion_snapshot(self) -> dict[str, Any]:
        """The completion so far (wire names)."""
        return self._acc.snapshot()

    def _final(self) -> CompletionT:
        completion = self._completion_type.model_validate(self._acc.snapshot())
        return parse_completion(completion, self._response_format)  # type: ignore[no-any-return]


class ChatCompletionStream(
    _StreamState[CompletionT, Stream[ChunkT]], Generic[CompletionT, ChunkT]
):
    """Iterate for events; ``get_final_completion()`` reads the rest and returns the completion."""

    _events: Iterator[ChatCompletionStreamEvent]

    def _iterate(self) -> Iterator[ChatCompletionStreamEvent]:
        for chunk in self._stream:
            yield from self._acc.feed(chunk)

    def __iter__(self) -> Iterator[ChatCompletionStreamEvent]:
        return self._events

    def __next__(self) -> ChatCompletionStreamEvent:
        return next(self._events)

    def until_done(self) -> ChatCompletionStream[CompletionT, ChunkT]:
        for _ in self._events:
            pass
        return self

    def get_final_completion(self) -> CompletionT:
        self.until_done()
        return self._final()

    def close(self) -> None:
        self._stream.close()


class AsyncChatCompletionStream(
    _StreamState[CompletionT, AsyncStream[ChunkT]], Generic[CompletionT, ChunkT]
):
    """``async for`` events; ``await get_final_completion()``."""

    _events: AsyncIterator[ChatCompletionStreamEvent]

    async def _iterate(self) -> AsyncIterator[ChatCompletionStreamEvent]:
        async for chunk in self._stream:
            for event in self._acc.feed(chunk):
                yield event

    def __aiter__(self) -> AsyncIterator[ChatCompletionStreamEvent]:
        return self._events

    async def __anext__(self) -> ChatCompletionStreamEvent:
        return await self._events.__anext__()

    async def until_done(self) -> AsyncChatCompletionStream[CompletionT, ChunkT]:
        async for _ in self._events:
            pass
        return self

    async def get_final_completion(self) -> CompletionT:
        await self.until_done()
        return self._final()

    async def close(self) -> None:
        await self._stream.close()


class _StreamRequest(Generic[_MadeT]):
    """What both stream managers hold: how to send the request (`make`, given the response
    format as sent) and how to read the result."""

    def __init__(
        self,
        make: Callable[[Any], _MadeT],
        *,
        completion_type: Any,
        response_format: Any = NOT_GIVEN,
    ) -> None:
        self._make = make
        self._completion_type = completion_type
        self._response_format = response_format

    def _send(self) -> _MadeT:
        return self._make(wire_response_format(self._response_format))


class ChatCompletionStreamManager(
    _StreamRequest[Stream[ChunkT]],
    _Opens[ChatCompletionStream[CompletionT, ChunkT]],
    Generic[CompletionT, ChunkT],
):
    """``with client.chat.completions.stream(...) as stream:`` — the request is sent on enter and
    the connection closed on exit."""

    def _open(self) -> ChatCompletionStream[CompletionT, ChunkT]:
        return ChatCompletionStream(
            self._send(), self._completion_type, self._response_format
        )


class AsyncChatCompletionStreamManager(
    _StreamRequest[Awaitable[AsyncStream[ChunkT]]],
    _AsyncOpens[AsyncChatCompletionStream[CompletionT, ChunkT]],
    Generic[CompletionT, ChunkT],
):
    """``async with client.chat.completions.stream(...) as stream:``"""

    async def _open(self) -> AsyncChatCompletionStream[CompletionT, ChunkT]:
        return AsyncChatCompletionStream(
            await self._send(), self._completion_type, self._response_format
        )
