"""Defaults and null: which default a field keeps (one its annotation accepts, or none: mypy
rejects a field whose default disagrees with its type), and ``anyOf: [S, null]`` read as S made
nullable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import pointer as jp
from ..schema import DROP, SCHEMAS, enum_values, jsonable
from .shapes import STRUCTURE, as_mapping
from .state import PlanState

_PY_TYPES: dict[str, Any] = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict,
}  # fmt: skip


def default_fits(node: Mapping[str, Any], value: Any) -> bool:
    """Whether `value` is of the schema's type and in its enum: a default that is not would make
    the generated field's annotation and default disagree (mypy rejects it). The validator has
    reported it (an error in OpenAPI 3.0, a warning in 3.1 where `default` is an annotation)."""
    types = node.get("type")
    names = [types] if isinstance(types, str) else [t for t in types if isinstance(t, str)] if isinstance(types, list) else []
    if value is None:
        if node.get("nullable") is True or "null" in names or (isinstance(node.get("enum"), list) and None in node["enum"]):
            return True
        members = [m for key in ("oneOf", "anyOf") if isinstance(node.get(key), list) for m in node[key]]
        if members:  # a union takes null only through a member that does
            return any(isinstance(m, dict) and "$ref" not in m and default_fits(m, None) for m in members)
        return not names
    values = enum_values(node)
    if values is not None and value not in values:
        return False
    if not names:
        return True
    for name in names:
        expected = _PY_TYPES.get(name)
        if expected is None:
            if name == "null":
                continue  # the value is not None (see above)
            return True
        if isinstance(value, bool) and name != "boolean":
            continue
        if isinstance(value, expected):
            return True
    return False


def kept_default(node: Mapping[str, Any], target: Any) -> Any:
    """`node`'s default as JSON data, or `DROP` when it has none or the value does not fit
    `target` (the schema `node` is, or the one its ``$ref`` names) made nullable by either."""
    if "default" not in node or (default := jsonable(node["default"])) is DROP:
        return DROP
    nullable = node.get("nullable") is True or (isinstance(target, dict) and target.get("nullable") is True)
    if not isinstance(target, dict) or default_fits({**target, "nullable": nullable}, default):
        return default
    return DROP


def null_union(node: Mapping[str, Any], ptr: str) -> tuple[dict, str] | None:
    """``anyOf: [S, {type: 'null'}]`` with an inline S that needs no class of its own, as S made
    nullable (with the pointer of S): a constrained S would otherwise become a wrapper class
    that a default value (``default: 1``) does not type-check against."""
    for key in ("anyOf", "oneOf"):
        members = node.get(key)
        if not isinstance(members, list) or len(members) != 2 or set(node) & STRUCTURE - {key}:
            continue
        nulls = [i for i, m in enumerate(members) if m == {"type": "null"}]
        if len(nulls) != 1:
            continue
        index = 1 - nulls[0]
        member = members[index]
        if not isinstance(member, dict) or set(member) & (STRUCTURE | {"$ref", "enum", "const", "nullable"}):
            continue
        merged = {**member, **{k: v for k, v in node.items() if k != key}}
        kind = member.get("type")
        merged.update({"type": [kind, "null"]} if isinstance(kind, str) else {"nullable": True})
        return merged, jp.child(ptr, key, index)
    return None


def settle_defaults(state: PlanState, cls: str) -> None:
    """A default where the type is a RootModel class (``parallel: {$ref: Flag, default: true}``,
    Flag a named boolean) would be the bare value, which is not a ``Flag``: the use gets the
    class's own schema instead (``parallel: bool = True``); when the value does not fit that
    either, the default is left out (a warning says so)."""
    schema = state.out[cls]
    parts = [schema, *(p for p in schema.get("allOf") or [] if isinstance(p, dict))]
    uses = [("", schema)] + [(str(k), v) for part in parts for k, v in as_mapping(part.get("properties")).items()]
    for prop, use in uses:
        if not isinstance(use, dict) or "default" not in use or not isinstance(use.get("$ref"), str):
            continue
        target = state.out.get(use["$ref"][len(SCHEMAS) :])
        for _ in range(8):  # an alias of an alias
            if not isinstance(target, dict) or set(target) - {"$ref", "description"}:
                break
            target = state.out.get(str(target.get("$ref"))[len(SCHEMAS) :])
        if not isinstance(target, dict) or {"enum", "properties", "allOf"} & set(target):
            continue  # an Enum (dcg writes the member) or an object class
        inlined = {**target, **{k: v for k, v in use.items() if k != "$ref"}}
        if not _fits_plainly(state.out, inlined, use["default"]):
            del use["default"]
            state.warn(
                f"default {inlined['default']!r} is left out of the models: "
                f"its type {use['$ref'][len(SCHEMAS) :]} is a class the value is not an instance of",
                jp.child(state.origin_ptr[cls], *(("properties", prop) if prop else ()), "default"),
                "give the property a plain type, or remove the default (an overlay can do it)",
            )
            continue
        use.clear()
        use.update(inlined)


def _fits_plainly(classes: Mapping[str, dict], schema: Mapping[str, Any], value: Any) -> bool:
    """Whether `value` type-checks as it is against `schema` as dcg writes it (a member that
    is a class other than an Enum holding the value does not take a bare value)."""
    members = [m for key in ("anyOf", "oneOf") for m in schema.get(key) or [] if isinstance(m, dict)]
    if not members:
        items = as_mapping(schema.get("items"))
        return default_fits(schema, value) and not (value and isinstance(items.get("$ref"), str))
    if value is None and schema.get("nullable") is True:
        return True
    for member in members:
        if isinstance(member.get("$ref"), str):
            target = classes.get(member["$ref"][len(SCHEMAS) :]) or {}
            if value in (target.get("enum") or []):
                return True
        elif _fits_plainly(classes, member, value):
            return True
    return False
