"""JSON values checked against the OpenAPI 3.0 schemas of one document (the one $ref resolver)."""

from __future__ import annotations

import json
import re
from collections.abc import (
    Mapping,
)
from functools import lru_cache
from typing import Any, TypeGuard

# -- the contract: the spec itself, enforced on requests ---------------------------------------
# OpenAPI 3.0 schema keywords are checked here, on the raw wire values, before the pydantic
# models see them: the models are lenient on purpose (they coerce "3" to 3.0, accept null for any
# optional field, ignore formats) because the client reads responses with them; a server must
# hold requests to the letter of the spec.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")


# The OpenAPI number formats that bound a value: a server that stores it in that type must not
# receive a value it cannot hold (`batch_size: 99999999999999` in an int32 field).
_FLOAT_MAX = 3.4028234663852886e38
_FORMAT_RANGES: Mapping[str, tuple[float, float]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "float": (-_FLOAT_MAX, _FLOAT_MAX),
}


def _valid_date(text: str) -> bool:
    import datetime

    try:
        datetime.date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _format_ok(fmt: str, text: str) -> bool:
    if fmt == "date-time":
        return bool(_DATE_TIME.match(text)) and _valid_date(text)
    if fmt == "date":
        return bool(_DATE.match(text)) and _valid_date(text)
    if fmt == "uuid":
        return bool(_UUID.match(text))
    if fmt == "email":
        return bool(_EMAIL.match(text))
    if fmt in ("uri", "url"):
        return bool(_URI.match(text))
    if fmt in ("ipv4", "ipv6"):
        import ipaddress

        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return False
        return address.version == (4 if fmt == "ipv4" else 6)
    return True  # formats the spec only uses as documentation (binary, password, ...)


def resolve(document: Mapping[str, Any], schema: Any) -> Any:
    """`schema` with its local `$ref` chain followed in `document` ({} for a ref that leads
    nowhere or elsewhere); anything that is not a $ref comes back as it is. The runtime's only
    reader of `$ref`: the contract, the checker and the mock all resolve through it.
    """
    seen = 0
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if not ref.startswith("#/") or seen > 64:
            return {}
        node: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, Mapping) else None
        schema, seen = node if isinstance(node, Mapping) else {}, seen + 1
    return schema


def properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """An object schema's `properties` (empty when absent or not a mapping)."""
    props = schema.get("properties")
    return props if isinstance(props, Mapping) else {}


class Invalid(Exception):
    """A value that breaks the contract: `where` is its path ("body.messages.0.role")."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class SchemaChecker:
    """Validates JSON values against OpenAPI 3.0 schemas of one document (local $refs)."""

    def __init__(self, document: Mapping[str, Any], *, request: bool = True) -> None:
        self.document = document
        self.request = request  # readOnly properties are not required in requests

    def resolve(self, schema: Any) -> Any:
        return resolve(self.document, schema)

    def check(self, value: Any, schema: Any, where: str, depth: int = 0) -> None:
        # `nullable` next to a $ref counts (as tools read it), though 3.0 ignores $ref siblings.
        beside_ref = isinstance(schema, Mapping) and "$ref" in schema
        if value is None and beside_ref and schema.get("nullable") is True:
            return
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping) or depth > 200:
            return
        nullable = schema.get("nullable") is True
        if value is None:
            enum = schema.get("enum")
            if isinstance(enum, list):
                # OpenAPI 3.0.3: an enum must list null for null to be allowed.
                if None in enum:
                    return
                raise Invalid(where, "null is not allowed here")
            if nullable or not _constrains_type(schema):
                return
            if "type" in schema or "properties" in schema:
                raise Invalid(where, "null is not allowed here")
            # A composition: its members decide (one of them may be nullable).
        if "enum" in schema and isinstance(schema["enum"], list):
            if not any(_same(value, option) for option in schema["enum"]):
                options = ", ".join(json.dumps(o) for o in schema["enum"][:8])
                raise Invalid(where, f"must be one of {options}")
        typ = schema.get("type")
        if isinstance(typ, str):
            self._type(value, typ, where)
        for part in schema.get("allOf") or ():
            self.check(value, part, where, depth + 1)
        if isinstance(schema.get("anyOf"), list) and schema["anyOf"]:
            self._any(value, schema["anyOf"], where, depth)
        if isinstance(schema.get("oneOf"), list) and schema["oneOf"]:
            self._one(value, schema, where, depth)
        if isinstance(schema.get("not"), Mapping):
            try:
                self.check(value, schema["not"], where, depth + 1)
            except Invalid:
                pass
            else:
                raise Invalid(where, "matches a schema it must not match")
        if isinstance(value, str):
            self._string(value, schema, where)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._number(value, schema, where)
        elif isinstance(value, list):
            self._array(value, schema, where, depth)
        elif isinstance(value, dict):
            self._object(value, schema, where, depth)

    def _type(self, value: Any, typ: str, where: str) -> None:
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int)
            and not isinstance(value, bool)
            or isinstance(value, float)
            and value.is_integer(),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }.get(typ, True)
        if not ok:
            raise Invalid(where, f"must be of type {typ}, not {_json_type(value)}")

    def _any(self, value: Any, members: list[Any], where: str, depth: int) -> None:
        failures: list[Invalid] = []
        for member in members:
            try:
                self.check(value, member, where, depth + 1)
                return
            except Invalid as exc:
                failures.append(exc)
        raise Invalid(where, self._none_matched(value, {}, members, failures))

    def _one(
        self, value: Any, schema: Mapping[str, Any], where: str, depth: int
    ) -> None:
        members = schema["oneOf"]
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, Mapping) and isinstance(value, dict):
            prop = discriminator.get("propertyName")
            mapping = discriminator.get("mapping")
            tag = value.get(prop) if isinstance(prop, str) else None
            if isinstance(tag, str) and isinstance(mapping, Mapping) and tag in mapping:
                target = mapping[tag]
                chosen = [
                    m
                    for m in members
                    if isinstance(m, Mapping) and m.get("$ref") == target
                ]
                if len(chosen) == 1:
                    self.check(value, chosen[0], where, depth + 1)
                    return
        matched = 0
        failures: list[Invalid] = []
        for member in members:
            try:
                self.check(value, member, where, depth + 1)
                matched += 1
            except Invalid as exc:
                failures.append(exc)
        if matched == 0:
            raise Invalid(where, self._none_matched(value, schema, members, failures))
        if matched > 1:
            raise Invalid(
                where, f"matches {matched} of the schemas where exactly one must match"
            )

    def _none_matched(
        self,
        value: Any,
        schema: Mapping[str, Any],
        members: list[Any],
        failures: list[Invalid],
    ) -> str:
        """The message when no member matched (each failed, in order): it names the failure of
        the member the value's tag selects, else the first member's."""
        chosen = self._selected(value, schema, members)
        failure, which = (
            (failures[chosen[0]], chosen[1]) if chosen else (failures[0], "the first")
        )
        return f"matches none of the allowed schemas ({which}: {failure.where} {failure.message})"

    def _selected(
        self, value: Any, schema: Mapping[str, Any], members: list[Any]
    ) -> tuple[int, str] | None:
        """The one member whose tag the value carries: by the discriminator (its mapping or the
        member's schema name), else by required properties whose const/enum the value meets.
        """
        if not isinstance(value, dict):
            return None
        discriminator = schema.get("discriminator")
        prop = (
            discriminator.get("propertyName")
            if isinstance(discriminator, Mapping)
            else None
        )
        if isinstance(prop, str) and isinstance(value.get(prop), str):
            mapping = (
                discriminator.get("mapping")
                if isinstance(discriminator, Mapping)
                else None
            )
            tag = value[prop]
            target = mapping.get(tag) if isinstance(mapping, Mapping) else None
            for i, member in enumerate(members):
                ref = member.get("$ref") if isinstance(member, Mapping) else None
                if isinstance(ref, str) and (
                    ref == target or ref.rsplit("/", 1)[-1] == tag
                ):
                    return i, f"the one for {prop} {json.dumps(tag)}"
        hits = [
            (i, tags) for i, m in enumerate(members) if (tags := self._tags(m, value))
        ]
        if len(hits) != 1:
            return None
        index, tags = hits[0]
        said = ", ".join(f"{name} {json.dumps(value[name])}" for name in tags)
        return index, f"the one for {said}"

    def _tags(self, member: Any, value: Mapping[str, Any]) -> list[str]:
        """The member's required const/enum properties, if the value meets every one of them."""
        member = self.resolve(member)
        if not isinstance(member, Mapping):
            return []
        parts = [member, *(self.resolve(p) for p in member.get("allOf") or ())]
        tags: list[str] = []
        for part in parts:
            if not isinstance(part, Mapping):
                continue
            for name in part.get("required") or ():
                prop = self.resolve(properties(part).get(name))
                if not isinstance(prop, Mapping):
                    continue
                allowed = [prop["const"]] if "const" in prop else prop.get("enum")
                if not isinstance(allowed, list):
                    continue
                if name not in value or not any(_same(value[name], a) for a in allowed):
                    return []
                tags.append(name)
        return tags

    def _string(self, value: str, schema: Mapping[str, Any], where: str) -> None:
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(low, int) and len(value) < low:
            raise Invalid(where, f"must be at least {low} characters long")
        if isinstance(high, int) and len(value) > high:
            raise Invalid(where, f"must be at most {high} characters long")
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not _matches(pattern, value):
            raise Invalid(where, f"must match the pattern {pattern!r}")
        fmt = schema.get("format")
        if isinstance(fmt, str) and not _format_ok(fmt, value):
            raise Invalid(where, f"is not a valid {fmt}")

    def _number(self, value: float, schema: Mapping[str, Any], where: str) -> None:
        fmt = schema.get("format")
        fits = _FORMAT_RANGES.get(fmt) if isinstance(fmt, str) else None
        if fits is not None and not fits[0] <= value <= fits[1]:
            raise Invalid(where, f"must fit in {fmt} ({fits[0]} to {fits[1]})")
        low, high = schema.get("minimum"), schema.get("maximum")
        exclusive_low, exclusive_high = (
            schema.get("exclusiveMinimum"),
            schema.get("exclusiveMaximum"),
        )
        if _is_number(low):
            if exclusive_low is True and value <= low:
                raise Invalid(where, f"must be greater than {low}")
            if value < low:
                raise Invalid(where, f"must be at least {low}")
        if _is_number(high):
            if exclusive_high is True and value >= high:
                raise Invalid(where, f"must be less than {high}")
            if value > high:
                raise Invalid(where, f"must be at most {high}")
        if _is_number(exclusive_low) and value <= exclusive_low:
            raise Invalid(where, f"must be greater than {exclusive_low}")
        if _is_number(exclusive_high) and value >= exclusive_high:
            raise Invalid(where, f"must be less than {exclusive_high}")
        step = schema.get("multipleOf")
        if _is_number(step) and step > 0:
            quotient = value / step
            if abs(quotient - round(quotient)) > 1e-9:
                raise Invalid(where, f"must be a multiple of {step}")

    def _array(
        self, value: list[Any], schema: Mapping[str, Any], where: str, depth: int
    ) -> None:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) and len(value) < low:
            raise Invalid(where, f"must have at least {low} items")
        if isinstance(high, int) and len(value) > high:
            raise Invalid(where, f"must have at most {high} items")
        if schema.get("uniqueItems") is True:
            seen = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(seen)) != len(seen):
                raise Invalid(where, "must not repeat items")
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                self.check(item, items, f"{where}.{i}", depth + 1)

    def _object(
        self, value: dict[str, Any], schema: Mapping[str, Any], where: str, depth: int
    ) -> None:
        props = properties(schema)
        for name in schema.get("required") or ():
            if name not in value:
                if (
                    self.request
                    and self.resolve(props.get(name, {})).get("readOnly") is True
                ):
                    continue
                raise Invalid(f"{where}.{name}", "is required")
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if isinstance(low, int) and len(value) < low:
            raise Invalid(where, f"must have at least {low} properties")
        if isinstance(high, int) and len(value) > high:
            raise Invalid(where, f"must have at most {high} properties")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                self.check(item, props[name], f"{where}.{name}", depth + 1)
            elif extra is False and name not in (schema.get("required") or ()):
                # A name `required` lists is known even where `properties` forgets it (the
                # spec's CreateRunRequest requires thread_id under additionalProperties: false).
                raise Invalid(f"{where}.{name}", "is not a known property")
            elif isinstance(extra, Mapping):
                self.check(item, extra, f"{where}.{name}", depth + 1)


def _constrains_type(schema: Mapping[str, Any]) -> bool:
    # OpenAPI 3.0: null is a value only where `nullable: true` says so; a schema with no type
    # (and no composition) accepts anything.
    return any(
        k in schema for k in ("type", "allOf", "anyOf", "oneOf", "enum", "properties")
    )


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return (
            None  # an ECMA-only construct: not checked rather than refusing everything
        )


def _matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is None or compiled.search(value) is not None
