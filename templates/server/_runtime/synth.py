"""Values generated from a JSON schema: minimal ones for the checks, realistic ones for the mock.

A realistic value takes the schema's examples and defaults first, then reads the property's name
and format: ids carry a prefix, timestamps are now, counts are small positive numbers, texts are
words. Random choices come from a `random.Random` the caller seeds, so a seeded mock repeats.
"""

from __future__ import annotations

import datetime
import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from .adapters import type_adapter
from .schema import properties, resolve


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
        candidate = Synth(schema, strategy).value(schema, 0)
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
    realistic: bool = (
        False  # defaults, then values that fit the property's name and format
    )


_STRATEGIES = (
    _Strategy(examples=True, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=True),
    _Strategy(examples=False, prefer_null=False, last_member=True),
)

# The mock answers with every property first (`full`, realistic), then as the checks do; never
# null-first.
_MOCK_BASE = (_STRATEGIES[0], _STRATEGIES[1], _STRATEGIES[4])
MOCK_STRATEGIES = (
    tuple(replace(s, full=True, realistic=True) for s in _MOCK_BASE)
    + tuple(replace(s, full=True) for s in _MOCK_BASE)
    + _MOCK_BASE
)

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
class Synth:
    root: Mapping[str, Any]
    strategy: _Strategy
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    now: float = (
        1_700_000_000.0  # what "now" is for timestamps (the caller passes the clock)
    )
    _active: set[str] = field(default_factory=set)

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The $ref's target with the keywords written beside the $ref laid over it."""
        if not isinstance(schema.get("$ref"), str):
            return schema
        target = resolve(self.root, schema)
        merged = dict(target) if isinstance(target, Mapping) else {}
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        return merged

    def value(self, schema: Any, depth: int, name: str = "") -> Any:
        """A value of `schema`; `name` is the property (or array) it is for, "" at the top."""
        if not isinstance(schema, Mapping):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in self._active and depth > 2 or depth > _MAX_DEPTH:
                return None  # a cycle: stop here (works when the recursive field is nullable/optional)
            self._active.add(ref)
            try:
                return self.value(self.resolve(schema), depth + 1, name)
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
        if self.strategy.realistic and schema.get("default") is not None:
            return schema["default"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            members = schema.get(key)
            if isinstance(members, list) and members:
                return self.union(schema, members, depth, name)
        if isinstance(schema.get("allOf"), list):
            result: Any = None
            for part in schema["allOf"]:
                got = self.value(part, depth + 1, name)
                result = (
                    {**result, **got}
                    if isinstance(result, dict) and isinstance(got, dict)
                    else got
                )
            return result
        return self.typed(schema, depth, name)

    def typed(self, schema: Mapping[str, Any], depth: int, name: str) -> Any:
        typ = schema.get("type")
        if isinstance(typ, list):
            typ = next((t for t in typ if t != "null"), "null")
        if typ == "object" or (typ is None and "properties" in schema):
            return self.object(schema, depth)
        if typ == "array":
            return self.array(schema, depth, name)
        if typ == "string":
            return self.string(schema, name)
        if typ == "integer":
            return int(self.number(schema, integer=True, name=name))
        if typ == "number":
            return self.number(schema, integer=False, name=name)
        if typ == "boolean":
            return False
        return None

    def union(
        self, schema: Mapping[str, Any], members: list[Any], depth: int, name: str = ""
    ) -> Any:
        resolved = [self.resolve(m) if isinstance(m, Mapping) else {} for m in members]
        nullable = [i for i, m in enumerate(resolved) if m.get("type") == "null"]
        if nullable and self.strategy.prefer_null:
            return None
        order = [i for i in range(len(members)) if i not in nullable] or nullable
        if self.strategy.last_member:
            order.reverse()
        discriminator = schema.get("discriminator")
        value = self.value(members[order[0]], depth + 1, name)
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
            out[name] = self.value(props.get(name, {}), depth + 1, name)
        if self.strategy.realistic and isinstance(out.get("id"), str):
            out["id"] = self.prefixed_id(out, props.get("id"))
        return out

    def array(self, schema: Mapping[str, Any], depth: int, name: str = "") -> list[Any]:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            return [self.value(item, depth + 1, name) for item in prefix]
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
        if self.strategy.realistic and name == "data" and depth < 4:
            count = max(
                count, min(2, schema.get("maxItems") or 2)
            )  # a list page of two
            return [
                self.value(schema.get("items", {}), depth + 1) for _ in range(count)
            ]
        item = self.value(schema.get("items", {}), depth + 1, name)
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

    def string(self, schema: Mapping[str, Any], name: str = "") -> str:
        fmt = schema.get("format")
        if self.strategy.realistic:
            found = self.realistic_format(fmt)
            if (
                found is None and fmt not in _FORMATS
            ):  # a documented format keeps its value
                found = self.named_text(name)
            if found is not None and _fits(found, schema):
                return found
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

    def number(
        self, schema: Mapping[str, Any], *, integer: bool, name: str = ""
    ) -> float:
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
        value = (
            self.named_number(schema, name, integer) if self.strategy.realistic else 0.0
        )
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

    # -- realistic values (strategy.realistic) ---------------------------------------------------
    def token(self, size: int = 24) -> str:
        return "".join(self.rng.choice(_ALPHABET) for _ in range(size))

    def realistic_format(self, fmt: Any) -> str | None:
        moment = datetime.datetime.fromtimestamp(int(self.now), datetime.timezone.utc)
        if fmt == "date-time":
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "date":
            return moment.strftime("%Y-%m-%d")
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if fmt == "email":
            return f"{self.rng.choice(_FIRST_NAMES).lower()}@example.com"
        if fmt in ("uri", "url"):
            return f"https://example.com/{self.token(8)}"
        return None

    def named_text(self, name: str) -> str | None:
        """A text that fits a property called `name` (None: nothing particular)."""
        words = name.lower()
        if words.endswith("_id") or words == "id":
            return f"{words[:-3] or 'obj'}_{self.token()}"
        if words.endswith(("email", "_email")):
            return self.realistic_format("email")
        if words.endswith(("url", "uri")):
            return self.realistic_format("url")
        if words in ("name", "title", "display_name", "username"):
            return f"{self.rng.choice(_FIRST_NAMES)} {self.rng.choice(_NOUNS)}"
        if words in ("model",):
            return "mock-model"
        if words:
            return " ".join(self.rng.choice(_NOUNS) for _ in range(3)).capitalize()
        return None

    def prefixed_id(self, obj: Mapping[str, Any], schema: Any) -> str:
        """An id prefixed by what the object is (`object: "thread.run"` gives `run_...`)."""
        kind = obj.get("object")
        prefix = kind.rsplit(".", 1)[-1] if isinstance(kind, str) and kind else "obj"
        candidate = f"{prefix.replace('_', '')}_{self.token()}"
        resolved = self.resolve(schema) if isinstance(schema, Mapping) else {}
        return candidate if _fits(candidate, resolved) else str(obj["id"])

    def named_number(
        self, schema: Mapping[str, Any], name: str, integer: bool
    ) -> float:
        words = name.lower()
        if integer and (words.endswith("_at") or words in ("created", "timestamp")):
            return float(int(self.now))
        if words in ("index", "page", "offset") or words.endswith("_index"):
            return 0.0
        value = float(self.rng.randint(1, 100))
        return value if integer else value / 4


def _fits(text: str, schema: Mapping[str, Any]) -> bool:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if (
        isinstance(low, int)
        and len(text) < low
        or isinstance(high, int)
        and len(text) > high
    ):
        return False
    pattern = schema.get("pattern")
    try:
        return not isinstance(pattern, str) or re.search(pattern, text) is not None
    except re.error:
        return True


_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus")
_NOUNS = (
    "report",
    "summary",
    "draft",
    "answer",
    "note",
    "plan",
    "sample",
    "result",
    "update",
)
