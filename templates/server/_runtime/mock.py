"""Mock mode: answers generated from the spec (examples first) or from the response model."""

from __future__ import annotations

import re
from collections.abc import (
    AsyncIterator,
    Mapping,
)
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.responses import Response

from .adapters import type_adapter
from .contract import Contract, OperationContract
from .schema import Invalid, SchemaChecker, properties, resolve
from .sse import EventStreamResponse

if TYPE_CHECKING:
    from .dispatch import OperationSpec


# -- mock mode ----------------------------------------------------------------------------------
def mock_result(spec: OperationSpec, stream: bool, route: Any = None) -> Any:
    """A response for `spec` that validates against its response type (mock mode).

    With the route's contract (the spec), the operation's own example comes first when it is
    valid; otherwise a value generated from the spec's schema (every property, formats honoured),
    then one from the response model alone. A stream sends a few chunks.
    """
    found = getattr(route, "contract", None)
    if spec.chunk_type is not None and (stream or spec.kind == "sse"):
        chunk = None
        if found is not None:
            chunk = _from_contract(
                found[0], found[1], spec, "text/event-stream", spec.chunk_type
            )
        if chunk is None:
            chunk = synthesise(spec.chunk_type)
        events = [chunk] * _MOCK_CHUNKS

        async def chunks() -> AsyncIterator[Any]:
            for event in events:
                yield event

        return EventStreamResponse(
            chunks(), spec.chunk_type, spec.terminator, operation=spec.name
        )
    if spec.kind == "binary":
        return Response(b"mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "text":
        return Response("mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "empty" or spec.response_type is None:
        return Response(status_code=spec.status) if spec.kind == "empty" else {}
    if found is not None:
        value = _from_contract(
            found[0], found[1], spec, "application/json", spec.response_type
        )
        if value is not None:
            return value
    return synthesise(spec.response_type)


_MOCK_CHUNKS = 3


def _from_contract(
    contract: Contract,
    operation: OperationContract,
    spec: OperationSpec,
    media: str,
    tp: Any,
) -> Any:
    key = (id(contract), operation.method, operation.path, media)
    if key not in _MOCKS:
        _MOCKS[key] = _mock_from_spec(contract, operation, spec, media, tp)
    return _MOCKS[key]


_MOCKS: dict[tuple[Any, ...], Any] = {}


def _mock_from_spec(
    contract: Contract,
    operation: OperationContract,
    spec: OperationSpec,
    media: str,
    tp: Any,
) -> Any:
    responses = operation.operation.get("responses") or {}
    response = contract.checker.resolve(responses.get(str(spec.status)) or {})
    content = (response.get("content") or {}) if isinstance(response, Mapping) else {}
    entry = content.get(media)
    if not isinstance(entry, Mapping):
        return None
    schema = entry.get("schema") or {}
    checker = SchemaChecker(contract.document, request=False)
    candidates: list[Any] = []
    if "example" in entry:
        candidates.append(entry["example"])
    for example in (entry.get("examples") or {}).values():
        example = contract.checker.resolve(example)
        if isinstance(example, Mapping) and "value" in example:
            candidates.append(example["value"])
    for strategy in _MOCK_STRATEGIES:
        candidates.append(_Synth(contract.document, strategy).value(schema, 0))
    adapter = type_adapter(tp)
    for candidate in candidates:
        try:
            checker.check(candidate, schema, "response")
            adapter.validate_python(candidate)
        except (Invalid, ValidationError, RecursionError):
            continue
        return candidate
    return None


@lru_cache(maxsize=None)
def synthesise(tp: Any) -> Any:
    """A minimal valid instance of `tp` (a pydantic model or any type pydantic can validate).

    Built from the type's JSON schema: examples carried by the schema first, otherwise required
    fields only, the first enum value/const, the smallest value allowed by numeric bounds, and so on.
    Several strategies are tried until pydantic accepts the candidate.
    """
    adapter = type_adapter(tp)
    schema = adapter.json_schema(mode="validation")
    last: Exception | None = None
    for strategy in _STRATEGIES:
        candidate = _Synth(schema, strategy).value(schema, 0)
        try:
            return adapter.validate_python(candidate)
        except ValidationError as exc:
            last = exc
    raise RuntimeError(f"cannot synthesise a mock value for {tp!r}: {last}")


@dataclass(frozen=True)
class _Strategy:
    examples: bool  # use "examples"/"example"/"default" found in the schema
    prefer_null: bool  # for unions allowing null, pick null
    last_member: bool  # for unions, pick the last member rather than the first
    full: bool = (
        False  # optional properties too, and one item in arrays that may be empty
    )


_STRATEGIES = (
    _Strategy(examples=True, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=True),
    _Strategy(examples=False, prefer_null=False, last_member=True),
)

# The mock answers with every property first (`full`), then as the checks do; never null-first.
_MOCK_BASE = (_STRATEGIES[0], _STRATEGIES[1], _STRATEGIES[4])
_MOCK_STRATEGIES = tuple(replace(s, full=True) for s in _MOCK_BASE) + _MOCK_BASE

_MAX_DEPTH = 24
_FORMATS: Mapping[str, Any] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "duration": "P1D",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "hostname": "example.com",
    "binary": "",
    "byte": "",
}
_STRING_CANDIDATES = ("string", "a", "0", "example", "A", "a-0", "")


@dataclass
class _Synth:
    root: Mapping[str, Any]
    strategy: _Strategy
    _active: set[str] = field(default_factory=set)

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The $ref's target with the keywords written beside the $ref laid over it."""
        if not isinstance(schema.get("$ref"), str):
            return schema
        target = resolve(self.root, schema)
        merged = dict(target) if isinstance(target, Mapping) else {}
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        return merged

    def value(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, Mapping):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in self._active and depth > 2 or depth > _MAX_DEPTH:
                return None  # a cycle: stop here (works when the recursive field is nullable/optional)
            self._active.add(ref)
            try:
                return self.value(self.resolve(schema), depth + 1)
            finally:
                self._active.discard(ref)
        if "const" in schema:
            return schema["const"]
        if self.strategy.examples:
            for key in ("examples", "example"):
                found = schema.get(key)
                if key == "examples" and isinstance(found, list) and found:
                    return found[0]
                if key == "example" and found is not None:
                    return found
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            members = schema.get(key)
            if isinstance(members, list) and members:
                return self.union(schema, members, depth)
        if isinstance(schema.get("allOf"), list):
            result: Any = None
            for part in schema["allOf"]:
                got = self.value(part, depth + 1)
                result = (
                    {**result, **got}
                    if isinstance(result, dict) and isinstance(got, dict)
                    else got
                )
            return result
        typ = schema.get("type")
        if isinstance(typ, list):
            typ = next((t for t in typ if t != "null"), "null")
        if typ == "object" or (typ is None and "properties" in schema):
            return self.object(schema, depth)
        if typ == "array":
            return self.array(schema, depth)
        if typ == "string":
            return self.string(schema)
        if typ == "integer":
            return int(self.number(schema, integer=True))
        if typ == "number":
            return self.number(schema, integer=False)
        if typ == "boolean":
            return False
        return None

    def union(self, schema: Mapping[str, Any], members: list[Any], depth: int) -> Any:
        resolved = [self.resolve(m) if isinstance(m, Mapping) else {} for m in members]
        nullable = [i for i, m in enumerate(resolved) if m.get("type") == "null"]
        if nullable and self.strategy.prefer_null:
            return None
        order = [i for i in range(len(members)) if i not in nullable] or nullable
        if self.strategy.last_member:
            order.reverse()
        discriminator = schema.get("discriminator")
        value = self.value(members[order[0]], depth + 1)
        if isinstance(discriminator, Mapping) and isinstance(value, dict):
            prop = discriminator.get("propertyName")
            mapping = discriminator.get("mapping")
            ref = (
                members[order[0]].get("$ref")
                if isinstance(members[order[0]], Mapping)
                else None
            )
            if (
                isinstance(prop, str)
                and isinstance(mapping, Mapping)
                and prop not in value
            ):
                tag = next((k for k, v in mapping.items() if v == ref), None)
                if tag is not None:
                    value[prop] = tag
        return value

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        props = properties(schema)
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        out: dict[str, Any] = {}
        names = list(props) if self.strategy.full and depth < 8 else required
        for name in names:
            if name not in required and isinstance(props[name], Mapping):
                if self.resolve(props[name]).get("writeOnly") is True:
                    continue
            out[name] = self.value(props.get(name, {}), depth + 1)
        return out

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            return [self.value(item, depth + 1) for item in prefix]
        count = int(schema.get("minItems") or 0)
        if (
            count == 0
            and self.strategy.full
            and depth < 8
            and schema.get("maxItems") != 0
        ):
            count = 1
        if count == 0:
            return []
        item = self.value(schema.get("items", {}), depth + 1)
        if schema.get("uniqueItems") and count > 1:
            return (
                [item]
                if not isinstance(item, (str, int))
                else [
                    f"{item}{i}" if isinstance(item, str) else item + i
                    for i in range(count)
                ]
            )
        return [item for _ in range(min(count, 16))]

    def string(self, schema: Mapping[str, Any]) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            return str(_FORMATS[fmt])
        low = int(schema.get("minLength") or 0)
        high = schema.get("maxLength")
        pattern = schema.get("pattern")
        for base in _STRING_CANDIDATES:
            text = base
            if len(text) < low:
                text = text + "a" * (low - len(text))
            if isinstance(high, int) and len(text) > high:
                text = text[:high]
            if not isinstance(pattern, str):
                return text
            try:
                if re.search(pattern, text):
                    return text
            except re.error:
                return text
        return "a" * low

    def number(self, schema: Mapping[str, Any], *, integer: bool) -> float:
        low: float | None = None
        high: float | None = None
        step = 1 if integer else 0.5
        if isinstance(schema.get("minimum"), (int, float)):
            low = float(schema["minimum"])
        if isinstance(schema.get("exclusiveMinimum"), (int, float)):
            low = float(schema["exclusiveMinimum"]) + step
        if isinstance(schema.get("maximum"), (int, float)):
            high = float(schema["maximum"])
        if isinstance(schema.get("exclusiveMaximum"), (int, float)):
            high = float(schema["exclusiveMaximum"]) - step
        value = 0.0
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and multiple > 0:
            value = multiple * -(-value // multiple)  # the next multiple at or above
        if integer:
            value = float(int(-(-value // 1)))
        return value
