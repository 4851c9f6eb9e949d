"""Lossless: the values the spec states come back from the generated package unchanged.

The oracle is the spec itself, read with the generator's own loader, and the generator's naming
plan (which class and field each schema/property became). `round_trip_problems` compares them
with what a fresh interpreter reported after importing the package (adv_harness.probe_import)
and with the models source (field docstrings are only in the source).

What "unchanged" means for text that becomes a docstring: `portkey_codegen.textsafe.clean_text` (NFC,
line breaks as newlines, control characters dropped, outer whitespace stripped) - a documented
normalisation, checked here exactly. Every other value (enum values, defaults, examples,
patterns, wire names) must be *equal*, NaN included.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

from adv_harness import same


def expected_plan(spec_path: Path) -> tuple[dict, Any]:
    """(prepared document, SchemaPlan) for a spec, as the generator makes them."""
    from portkey_codegen import Config, prepare
    from portkey_codegen.lower.api import operation_class_names
    from portkey_codegen.lower.operations import Overrides
    from portkey_codegen.models.plan import plan_models

    prepared = prepare(Config(spec=spec_path))
    plan = plan_models(prepared.document, operation_names=operation_class_names(prepared.document, Overrides()))
    return prepared.document, plan


def field_docstrings(models_source: str) -> dict[str, dict[str, str]]:
    """class -> field -> the docstring written after the field, evaluated."""
    result: dict[str, dict[str, str]] = {}
    for node in ast.parse(models_source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        docs: dict[str, str] = {}
        for stmt, nxt in zip(node.body, node.body[1:]):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                docs[stmt.target.id] = nxt.value.value
        result[node.name] = docs
    return result


def _unwrap_default(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$factory"}:
        value = value["$factory"]
    if isinstance(value, dict) and set(value) == {"$model"}:
        value = value["$model"]
    return value


def round_trip_problems(document: dict, plan: Any, report: dict, models_source: str) -> list[str]:
    from portkey_codegen import pointer as jp
    from portkey_codegen.schema import enum_values as _enum_values, jsonable as _jsonable
    from portkey_codegen.textsafe import clean_text

    problems: list[str] = []
    classes = report["classes"]
    fdocs = field_docstrings(models_source)
    checked = 0
    for ptr, cls in sorted(plan.class_for_pointer.items()):
        if cls in plan.wrappers:
            continue
        try:
            node = jp.resolve(document, ptr)
        except (KeyError, IndexError, ValueError):
            problems.append(f"{ptr}: pointer of class {cls} does not resolve")
            continue
        info = classes.get(cls)
        if info is None:
            problems.append(f"{ptr}: class {cls} is not in the imported models module")
            continue
        if not isinstance(node, dict) or isinstance(node.get("$ref"), str):
            continue
        checked += 1
        # description -> class docstring (only the class's own schema: a component, or an inline
        # schema hoisted under its own pointer)
        desc = clean_text(node.get("description"))
        if desc is not None and info["kind"] in ("model", "enum") and not node.get("allOf"):
            got = inspect.cleandoc(info["doc"] or "")
            if got != desc:
                problems.append(f"{ptr}: docstring of {cls} is {got!r}, expected {desc!r}")
        if info["kind"] == "enum":
            want = _enum_values(node) or []
            got_values = list(info["members"].values())
            if not same(got_values, want):
                problems.append(f"{ptr}: enum {cls} values {got_values!r}, expected {want!r}")
        if info["kind"] == "model" and isinstance(node.get("properties"), dict):
            names = plan.field_names.get(cls, {})
            for wire, prop in node["properties"].items():
                where = jp.child(ptr, "properties", wire)
                py = names.get(str(wire))
                field = info["fields"].get(py) if py else None
                if field is None:
                    problems.append(f"{where}: no field for property {wire!r} in {cls} (planned {py!r})")
                    continue
                alias = field["alias"] if field["alias"] is not None else py
                if alias != wire:
                    problems.append(f"{where}: {cls}.{py} has wire name {alias!r}, expected {wire!r}")
                if not isinstance(prop, dict):
                    continue
                # (a default on a required property has no effect: dcg drops it, so do we)
                required = node.get("required") if isinstance(node.get("required"), list) else []
                if "default" in prop and prop["default"] is not None and wire not in required:
                    want = _jsonable(prop["default"])
                    got = _unwrap_default(field["default"])
                    if not same(got, want):
                        problems.append(f"{where}: default of {cls}.{py} is {got!r}, expected {want!r}")
                if "example" in prop and not isinstance(prop.get("$ref"), str):
                    want = [_jsonable(prop["example"])]
                    if not same(field["examples"], want):
                        problems.append(f"{where}: examples of {cls}.{py} are {field['examples']!r}, expected {want!r}")
                if isinstance(prop.get("pattern"), str) and not isinstance(prop.get("$ref"), str):
                    if prop["pattern"] not in field["patterns"]:
                        problems.append(f"{where}: pattern of {cls}.{py} is {field['patterns']!r}, expected {prop['pattern']!r}")
                pdesc = clean_text(prop.get("description"))
                if pdesc is not None:
                    got_doc = fdocs.get(cls, {}).get(py)
                    if got_doc is None or inspect.cleandoc(got_doc) != pdesc:
                        problems.append(f"{where}: field docstring of {cls}.{py} is {got_doc!r}, expected {pdesc!r}")
    if checked == 0 and plan.class_names:
        problems.append("no class was checked: the oracle found nothing to compare")
    return problems
