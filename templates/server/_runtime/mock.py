"""Mock mode: answers generated from the spec (examples first) or from the response model.

One value per operation is generated from the spec and kept: the operation's own example when it
is valid, else a realistic value of its schema (synth.py). Each answer then mirrors the request
(the model it names, the ids in its path, other scalar fields the response repeats), keeps a
list's counts and cursors consistent with its `data`, and a chat or completion stream builds one
message. `app.state.mock_seed` (`serve --seed N`) makes the values repeat from run to run.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from .adapters import type_adapter
from .contract import Contract, OperationContract
from .schema import Invalid, SchemaChecker, properties
from .sse import EventStreamResponse
from .synth import MOCK_STRATEGIES, Synth, synthesise

if TYPE_CHECKING:
    from .dispatch import OperationSpec

__all__ = ["mock_result", "synthesise"]

_MOCK_CHUNKS = (
    3  # a stream whose chunks are not a chat or completion message repeats one chunk
)
_SEEDED_NOW = 1_700_000_000  # "now" of a seeded mock, so that its timestamps repeat too
_WORDS = ("This", " is", " a", " mock", " answer.")


def mock_result(
    spec: OperationSpec, stream: bool, ctx: Any = None, request_obj: Any = None
) -> Any:
    """A response for `spec` that validates against its response type (mock mode).

    With the route's contract (the spec), the operation's own example comes first when it is
    valid; otherwise a value generated from the spec's schema (every property, formats honoured),
    then one from the response model alone.
    """
    request = getattr(ctx, "request", None)
    route = request.scope.get("route") if request is not None else None
    found = getattr(route, "contract", None)
    seed = (
        getattr(request.app.state, "mock_seed", None) if request is not None else None
    )
    echo = _Echo.of(request, request_obj, found)
    if spec.chunk_type is not None and (stream or spec.kind == "sse"):
        return _stream(spec, found, seed, echo)
    if spec.kind == "binary":
        return Response(b"mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "text":
        return Response("mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "empty" or spec.response_type is None:
        return Response(status_code=spec.status) if spec.kind == "empty" else {}
    if found is not None:
        made = _from_contract(found, spec, "application/json", seed)
        if made is not None:
            return made.answer(echo)
    return synthesise(spec.response_type)


@dataclass(frozen=True)
class _Echo:
    """What of the request an answer mirrors: body fields, path parameters (by spec name),
    the path's last parameter (the object's own id) and the query's `limit`."""

    body: Mapping[str, Any]
    path: Mapping[str, str]
    own_id: str | None
    limit: int | None

    @classmethod
    def of(cls, request: Any, request_obj: Any, found: Any) -> _Echo:
        body = getattr(request_obj, "body", None)
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        renames = dict(found[2]) if found is not None else {}
        path: dict[str, str] = {}
        own_id = limit = None
        if request is not None:
            path = {renames.get(k, k): str(v) for k, v in request.path_params.items()}
            text = request.query_params.get("limit", "")
            limit = int(text) if text.isdigit() else None
        if found is not None and found[1].path.endswith("}"):
            own_id = path.get(found[1].path.rsplit("{", 1)[-1][:-1])
        return cls(body if isinstance(body, dict) else {}, path, own_id, limit)

    def apply(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = copy.deepcopy(value)
        for name, given in [*self.body.items(), *self.path.items()]:
            if name in out and _same_kind(out[name], given):
                out[name] = given
        if self.own_id is not None and isinstance(out.get("id"), str):
            out["id"] = self.own_id
        _consistent_list(out, self.limit)
        return out


def _same_kind(old: Any, new: Any) -> bool:
    scalar = (str, int, float)
    return isinstance(new, scalar) and type(old) is type(new)


def _consistent_list(out: dict[str, Any], limit: int | None) -> None:
    """A list page says what its `data` holds: counts, one page only, first and last ids."""
    data = out.get("data")
    if not isinstance(data, list):
        return
    if limit is not None and 0 < limit < len(data):
        del data[limit:]
    for key in ("total", "total_count", "count"):
        if type(out.get(key)) is int:
            out[key] = len(data)
    if isinstance(out.get("has_more"), bool):
        out["has_more"] = False
    ids = [item.get("id") for item in data if isinstance(item, dict)]
    if ids and all(isinstance(i, str) for i in ids):
        for key, at in (("first_id", 0), ("last_id", -1)):
            if isinstance(out.get(key), str):
                out[key] = ids[at]


@dataclass(frozen=True)
class _Made:
    """One operation's generated value and what it must stay valid against."""

    value: Any
    schema: Any
    checker: SchemaChecker
    tp: Any

    def valid(self, candidate: Any) -> bool:
        try:
            self.checker.check(candidate, self.schema, "response")
            type_adapter(self.tp).validate_python(candidate)
        except (Invalid, ValidationError, RecursionError):
            return False
        return True

    def answer(self, echo: _Echo) -> Any:
        mirrored = echo.apply(self.value)
        return (
            mirrored if mirrored is self.value or self.valid(mirrored) else self.value
        )


def _from_contract(
    found: tuple[Contract, OperationContract, Any],
    spec: OperationSpec,
    media: str,
    seed: int | None,
) -> _Made | None:
    """The operation's generated value (made once per seed)."""
    contract, operation = found[0], found[1]
    key = (id(contract), operation.method, operation.path, media, seed)
    if key not in _MOCKS:
        _MOCKS[key] = _mock_from_spec(contract, operation, spec, media, seed)
    return _MOCKS[key]


_MOCKS: dict[tuple[Any, ...], _Made | None] = {}


def _mock_from_spec(
    contract: Contract,
    operation: OperationContract,
    spec: OperationSpec,
    media: str,
    seed: int | None,
) -> _Made | None:
    entry = _media_entry(contract, operation, spec, media)
    if entry is None:
        return None
    tp = spec.chunk_type if media == "text/event-stream" else spec.response_type
    made = _Made(
        None,
        entry.get("schema") or {},
        SchemaChecker(contract.document, request=False),
        tp,
    )
    candidates: list[Any] = []
    if "example" in entry:
        candidates.append(entry["example"])
    for example in (entry.get("examples") or {}).values():
        example = contract.checker.resolve(example)
        if isinstance(example, Mapping) and "value" in example:
            candidates.append(example["value"])
    now = time.time() if seed is None else _SEEDED_NOW
    for i, strategy in enumerate(MOCK_STRATEGIES):
        rng = random.Random(f"{seed}:{operation.method}:{operation.path}:{media}:{i}")
        candidates.append(
            Synth(contract.document, strategy, rng, now).value(made.schema, 0)
        )
    for candidate in candidates:
        if made.valid(candidate):
            return _Made(candidate, made.schema, made.checker, tp)
    return None


def _stream(spec: OperationSpec, found: Any, seed: int | None, echo: _Echo) -> Response:
    made = None
    if found is not None:
        made = _from_contract(found, spec, "text/event-stream", seed)
    chunk = made.answer(echo) if made is not None else synthesise(spec.chunk_type)
    events = _message(chunk, spec.chunk_type)
    if events is None and found is not None:
        key = (id(found[0]), found[1].method, found[1].path, seed)
        if key not in _EVENTS:
            _EVENTS[key] = _typed_events(found[0], found[1], spec, seed)
        events = _EVENTS[key]
    events = events or [chunk] * _MOCK_CHUNKS

    async def chunks() -> AsyncIterator[Any]:
        for event in events:
            yield event

    return EventStreamResponse(
        chunks(), spec.chunk_type, spec.terminator, operation=spec.name
    )


def _message(chunk: Any, chunk_type: Any) -> list[Any] | None:
    """A chat stream's chunks building one message (the role first, content deltas, one final
    finish_reason), or a completion stream's text pieces; None when `chunk` is neither.
    """
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    choice = {**choices[0], "index": 0}
    parts: list[dict[str, Any]]
    if "delta" in choice:
        steps = [
            {"role": "assistant", "content": ""},
            *({"content": w} for w in _WORDS),
        ]
        parts = [{"delta": d, "finish_reason": None} for d in steps]
        parts.append({"delta": {}, "finish_reason": "stop"})
    elif "text" in choice:
        parts = [{"text": w, "finish_reason": None} for w in _WORDS]
        parts.append({"text": "", "finish_reason": "stop"})
    else:
        return None
    events = [{**chunk, "choices": [{**choice, **part}]} for part in parts]
    try:
        for event in events:
            type_adapter(chunk_type).validate_python(event)
    except ValidationError:
        return None
    return events


_EVENTS: dict[tuple[Any, ...], list[Any] | None] = {}


def _media_entry(
    contract: Contract, operation: OperationContract, spec: OperationSpec, media: str
) -> Mapping[str, Any] | None:
    """The media type object of the operation's success answer in `media`."""
    responses = operation.operation.get("responses") or {}
    response = contract.checker.resolve(responses.get(str(spec.status)) or {})
    content = (response.get("content") or {}) if isinstance(response, Mapping) else {}
    entry = content.get(media)
    return entry if isinstance(entry, Mapping) else None


def _typed_events(
    contract: Contract,
    operation: OperationContract,
    spec: OperationSpec,
    seed: int | None,
) -> list[Any] | None:
    """A stream of events told apart by `type` (a union, as /responses streams): `*.created`,
    text deltas (`*text.delta`), that text done, then `*.completed`. None when the union has no
    such members or a made event is not valid."""
    entry = _media_entry(contract, operation, spec, "text/event-stream")
    union = contract.checker.resolve(entry.get("schema")) if entry else None
    members = (
        (union.get("oneOf") or union.get("anyOf"))
        if isinstance(union, Mapping)
        else None
    )
    tags: dict[str, Any] = {}
    for member in members if isinstance(members, list) else ():
        kind = properties(contract.checker.resolve(member)).get("type")
        kind = contract.checker.resolve(kind)
        if not isinstance(kind, Mapping):
            continue
        allowed = [kind["const"]] if "const" in kind else kind.get("enum") or []
        if len(allowed) == 1 and isinstance(allowed[0], str):
            tags[allowed[0]] = member
    delta = next((t for t in tags if t.endswith("text.delta")), None)
    ends = sorted((t for t in tags if t.endswith(".completed")), key=len)
    start = next((t for t in tags if t.endswith(".created")), None)
    if delta is None or start is None or not ends:
        return None
    rng = random.Random(f"{seed}:{operation.method}:{operation.path}:events")
    now = time.time() if seed is None else _SEEDED_NOW
    synth = Synth(contract.document, MOCK_STRATEGIES[0], rng, now)
    template = synth.value(tags[delta], 0)
    events = [synth.value(tags[start], 0)]
    events += [{**template, "delta": word} for word in _WORDS]
    done = delta[: -len("delta")] + "done"
    if done in tags:
        finished = {**synth.value(tags[done], 0), "text": "".join(_WORDS)}
        same = {k: v for k, v in template.items() if k in finished}  # the same item
        events.append({**finished, **_pick(same, ("_id", "_index"))})
    events.append(synth.value(tags[ends[0]], 0))
    try:
        for event in events:
            type_adapter(spec.chunk_type).validate_python(event)
    except ValidationError:
        return None
    return events


def _pick(values: Mapping[str, Any], endings: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k.endswith(endings)}
