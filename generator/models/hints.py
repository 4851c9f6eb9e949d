"""Python type hints (`ir.TypeRef`) for schemas anywhere in the original document, for the
client/server builders: model classes as ``_models.ClassName``, constraint wrappers as their
plain type, everything else as builtins, ``Any`` and ``Literal``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import pointer as jp
from .. import typeref as tr
from ..diagnostics import GeneratorError
from ..ir import TypeRef
from ..schema import SchemaIndex, enum_values, is_json_value
from .plan import SchemaPlan
from .shapes import (
    allof_annotations,
    as_mapping,
    has_properties,
    single_ref_allof,
    single_ref_part,
    type_of,
)


def type_hint(plan: SchemaPlan, schema: Any, pointer: str) -> TypeRef:
    """The Python type (an `ir.TypeRef`) of `schema`, found at ORIGINAL `pointer` in the document.

    Classes are models (``_models.ClassName`` once rendered); other names used are builtins
    plus ``Any`` and ``Literal``. Formats are not reflected except ``binary`` (``bytes``):
    parameters travel as text, so ``date-time`` is ``str`` here. Constraint-carrying wrappers
    (``SchemaPlan.wrappers``) give their plain type: a signature says ``str | list[str] | None``
    and the model validates the constraints.
    """
    return _hint(plan, schema, pointer, 0)


def class_type(plan: SchemaPlan, cls: str) -> TypeRef:
    """The model class `cls` as a type (an Enum class is marked: arguments also take its values)."""
    schema = as_mapping(as_mapping(plan.spec.get("components")).get("schemas")).get(cls)
    return tr.model(cls, enum=isinstance(schema, Mapping) and "enum" in schema)


def _hint(plan: SchemaPlan, schema: Any, pointer: str, depth: int) -> TypeRef:
    if not isinstance(schema, dict) or depth > 40:
        return tr.ANY
    nullable = (
        schema.get("nullable") is True
        or allof_annotations(schema).get("nullable") is True
        or (isinstance(schema.get("enum"), list) and None in schema["enum"])
        or (isinstance(schema.get("type"), list) and "null" in schema["type"])
    )
    hint = _hint_inner(plan, schema, pointer, depth)
    return tr.optional(hint) if nullable else hint


def _hint_inner(plan: SchemaPlan, schema: dict, pointer: str, depth: int) -> TypeRef:
    cls = plan.class_for_pointer.get(pointer)
    if cls is not None and cls not in plan.wrappers:
        return class_type(plan, cls)
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in plan.class_for_pointer:
            return class_type(plan, plan.class_for_pointer[ref])
        try:
            target = SchemaIndex(plan.source).resolve(ref, pointer)
        except GeneratorError:
            return tr.ANY
        return _hint(plan, target, ref, depth + 1)
    if single_ref_allof(schema):
        index, part = single_ref_part(schema)
        return _hint(plan, part, jp.child(pointer, "allOf", index), depth + 1)
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return tr.union(*(_hint(plan, m, jp.child(pointer, key, i), depth + 1) for i, m in enumerate(schema[key])))
    values = enum_values(schema)
    if values is not None and values and all(is_json_value(v) for v in values):
        return tr.literal(values)
    kind = type_of(schema)
    if kind == "string":
        return tr.BYTES if schema.get("format") == "binary" else tr.STR
    if kind == "integer":
        return tr.INT
    if kind == "number":
        return tr.FLOAT
    if kind == "boolean":
        return tr.BOOL
    if kind == "null":
        return tr.NONE
    if kind == "array":
        items = schema.get("items")
        return tr.list_of(_hint(plan, items, jp.child(pointer, "items"), depth + 1) if isinstance(items, dict) else tr.ANY)
    if kind == "object" or schema.get("allOf"):
        ap = schema.get("additionalProperties")
        if isinstance(ap, dict) and not has_properties(schema):
            return tr.dict_of(_hint(plan, ap, jp.child(pointer, "additionalProperties"), depth + 1))
        return tr.dict_of(tr.ANY)
    return tr.ANY
