"""The post-check of dcg's output: its naming must be the identity on ours (the same classes and
field names as the plan); any difference is an internal error that names the schema involved."""

from __future__ import annotations

import ast
from collections.abc import Mapping

from .. import pointer as jp
from ..diagnostics import Diagnostic, InternalError
from ..naming import class_name
from .plan import SchemaPlan
from .shapes import as_mapping


def rendered_classes(source: str) -> dict[str, list[str]]:
    """Top-level names a module defines (classes, and aliases such as ``X = TypeAliasType(...)``)
    with the annotated field names of each class (``root`` excluded)."""
    tree = ast.parse(source)
    classes: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id != "__all__":
                    classes[target.id] = []
        if isinstance(node, ast.ClassDef):
            classes[node.name] = [
                stmt.target.id
                for stmt in node.body
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id != "root"
            ]
    return classes


def check_rendered(plan: SchemaPlan, source: str) -> None:
    """dcg's naming must be the identity on ours: same classes, same field names."""
    try:
        classes = rendered_classes(source)
    except SyntaxError as exc:
        raise InternalError(
            Diagnostic("error", f"internal error: the generated models module does not parse: {exc}", code="internal")
        ) from None
    planned = set(plan.class_names)
    missing = sorted(planned - set(classes))
    extra = sorted(set(classes) - planned)
    problems = []
    if missing:
        problems.append(f"planned classes missing from dcg output: {', '.join(missing)}")
    if extra:
        problems.append(f"names dcg invented: {', '.join(extra)}")
    for cls, fields in classes.items():
        expected = set(plan.field_names.get(cls, {}).values())
        odd = [f for f in fields if f not in expected]
        if odd:
            problems.append(f"{cls}: unexpected field names {', '.join(odd)} (planned: {', '.join(sorted(expected))})")
    if problems:
        origin = {cls: ptr for ptr, cls in sorted(plan.class_for_pointer.items(), reverse=True)}
        named = set(missing) | {cls for cls, fields in classes.items() if any(p.startswith(f"{cls}: ") for p in problems)}
        culprit = next((origin[c] for c in sorted(named) if c in origin), None) or _invented_site(plan, extra, origin)
        if culprit is None:  # an invented name: the planned class it was made from is its prefix
            culprit = next((origin[c] for c in sorted(origin, key=len, reverse=True) if any(f" {c}" in p for p in problems)), None)
        raise InternalError(
            Diagnostic(
                "error",
                "internal error: datamodel-code-generator did not keep the planned names:\n    " + "\n    ".join(problems),
                pointer=culprit,
                hint="a schema construct the planner does not hoist (a generator bug): report it with the schema "
                "at this location; until fixed, an overlay can simplify that schema",
                code="internal",
            )
        )


def _invented_site(plan: SchemaPlan, invented: list[str], origin: Mapping[str, str]) -> str | None:
    """Where dcg made an invented class: it names a class after the property holding the schema."""
    schemas = as_mapping(plan.spec.get("components")).get("schemas") or {}
    for cls, schema in sorted(schemas.items()):
        parts = [schema, *(p for p in schema.get("allOf") or [] if isinstance(p, dict))]
        for prop in (str(k) for part in parts for k in as_mapping(part.get("properties"))):
            if cls in origin and any(name.rstrip("0123456789") == class_name(prop) for name in invented):
                return jp.child(origin[cls], "properties", prop)
    return None
