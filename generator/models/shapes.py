"""Reading one schema as datamodel-code-generator (dcg) will see it: pure predicates over a
schema node and the keyword lists the rewriting copies. Nothing here decides a name or warns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..schema import annotation_only

# Keywords copied to the rewritten spec. Anything else (x-*, customTypePath, title, examples of
# dcg-specific extensions...) is dropped: dcg turns several extensions into imports or code.
CONSTRAINTS = (
    "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties",
)  # fmt: skip
# Formats dcg maps to a type from the standard library or pydantic itself (or ignores). The
# others (email → EmailStr needs email-validator; uri → AnyUrl rejects relative URLs a server may
# send; password → SecretStr; byte → base64 decoding) are dropped: the field is a plain ``str``.
KEPT_FORMATS = frozenset({"date-time", "date", "binary", "uuid", "int32", "int64", "float", "double"})
TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
# Keys that give a schema a structure of its own (beside a union, they make it more than the union).
STRUCTURE = frozenset({"properties", "additionalProperties", "items", "allOf", "oneOf", "anyOf", "not", "discriminator"})

# The schema ``false`` (OpenAPI 3.1: no value is valid), as one pydantic and mypy can take: no
# string is at least 1 and at most 0 characters long, and a str field takes no other JSON value.
NO_VALUE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 0,
    "description": "No value is valid here (the schema is `false`): any value is rejected.",
}


def as_mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one (optional sections of the spec)."""
    return value if isinstance(value, dict) else {}


def has_properties(node: Mapping[str, Any]) -> bool:
    return isinstance(node.get("properties"), dict) and bool(node["properties"])


def type_of(node: Mapping[str, Any]) -> str | None:
    """The one non-null type a schema has (said or implied by its keywords), else None."""
    t = node.get("type")
    if isinstance(t, str):
        return t
    if isinstance(t, list):
        rest = [x for x in t if x != "null"]
        return rest[0] if len(rest) == 1 and isinstance(rest[0], str) else None
    if "items" in node:
        return "array"
    if "properties" in node or "additionalProperties" in node:
        return "object"
    return None


def may_be_array(node: Mapping[str, Any]) -> bool:
    """Whether `items` applies: JSON Schema ignores it on a value that is not an array, and dcg
    would turn ``{type: object, items: ...}`` into a union with a class of its own naming."""
    t = node.get("type")
    return t is None or t == "array" or (isinstance(t, list) and "array" in t)


def is_constrained(node: Mapping[str, Any]) -> bool:
    """Has a constraint dcg would write (``uniqueItems`` is dropped: see keywords.py)."""
    return any(k in node for k in CONSTRAINTS if k != "uniqueItems")


def requirement_only(members: list[Any]) -> bool:
    """Union members that only list required properties (no schema of their own)."""
    return all(isinstance(m, dict) and set(m) <= {"required", "description", "title"} for m in members)


def ref_of(node: Any) -> str | None:
    """The target of a ``$ref`` use (also written ``allOf: [{$ref}]`` plus annotations), else None."""
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("$ref"), str):
        return node["$ref"]
    return single_ref_part(node)[1]["$ref"] if single_ref_allof(node) else None


def allof_core(node: Mapping[str, Any]) -> list[tuple[int, Any]]:
    """The ``allOf`` parts that carry a type, with their index (annotation-only parts left out)."""
    parts = node.get("allOf")
    if not isinstance(parts, list):
        return []
    return [(i, part) for i, part in enumerate(parts) if not annotation_only(part)]


def allof_annotations(node: Mapping[str, Any]) -> dict[str, Any]:
    """What the annotation-only ``allOf`` parts say (the first part saying it wins)."""
    found: dict[str, Any] = {}
    for part in node.get("allOf") or []:
        if annotation_only(part):
            for key, value in part.items():
                found.setdefault(key, value)
    return found


def single_ref_allof(node: Mapping[str, Any]) -> bool:
    """``allOf: [{$ref}]`` (plus annotation-only parts) with nothing that would make it a new
    object (OpenAPI 3.0 idiom for describing a reference)."""
    core = allof_core(node)
    return (
        len(core) == 1
        and isinstance(core[0][1], dict)
        and isinstance(core[0][1].get("$ref"), str)
        and not node.get("properties")
        and not node.get("oneOf")
        and not node.get("anyOf")
    )


def single_ref_part(node: Mapping[str, Any]) -> tuple[int, dict]:
    """(index, part) of the reference in a `single_ref_allof` node."""
    return allof_core(node)[0]


def as_ref_use(node: Mapping[str, Any]) -> dict:
    """A `single_ref_allof` node as the equivalent ``{$ref, description...}`` use of the reference."""
    _, part = single_ref_part(node)
    merged = {k: v for k, v in allof_annotations(node).items()}
    merged.update({k: v for k, v in node.items() if k != "allOf"})
    return {**part, **merged, "$ref": part["$ref"]}
