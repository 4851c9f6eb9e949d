"""Python field names of the model classes (snake_case, safe, unique within a class and the
classes it inherits from), and how a property named ``""`` travels through dcg."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..naming import model_field_name, unique_name
from ..schema import SCHEMAS

# A property named "" (valid JSON) is handed to dcg under this name: dcg drops empty aliases.
EMPTY_WIRE = "portkey-codegen-empty-property-name"


def plan_fields(schemas: Mapping[str, dict]) -> dict[str, dict[str, str]]:
    """class name -> {wire property name -> Python field name}, for every class with properties
    (own or inherited) in the rewritten `schemas`."""
    result: dict[str, dict[str, str]] = {}
    for cls, schema in schemas.items():
        wires = list(dict.fromkeys(_wire_names(schemas, schema, frozenset({cls}))))
        if not wires:
            continue
        mapping: dict[str, str] = {}
        used: set[str] = set()
        # Wire names that are already the snake form claim it first.
        order = sorted(wires, key=lambda w: model_field_name(w) != w)
        for wire in order:
            py = model_field_name(wire)
            if py in used:
                py = py + "_" if py + "_" not in used else unique_name(py, used, sep="_")
            used.add(py)
            mapping[wire] = py
        result[cls] = {w: mapping[w] for w in wires}
    return result


def _wire_names(schemas: Mapping[str, dict], schema: Mapping[str, Any], seen: frozenset[str]) -> list[str]:
    """The property names of `schema`, inherited ones (through allOf) first."""
    names: list[str] = []
    for part in schema.get("allOf") or []:
        if isinstance(part.get("$ref"), str):
            target = part["$ref"][len(SCHEMAS) :]
            if target not in seen and target in schemas:
                names += _wire_names(schemas, schemas[target], seen | {target})
        else:
            names += _wire_names(schemas, part, seen)
    names += ["" if w == EMPTY_WIRE else w for w in schema.get("properties") or {}]
    return names
