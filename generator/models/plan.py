"""`plan_models`: everything decided before datamodel-code-generator runs, as a `SchemaPlan`.
This is the coordinator: it names the components, has each site of the spec rewritten, settles
the defaults and collects the result; the decisions themselves live in the sibling modules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import pointer as jp
from ..diagnostics import Diagnostic
from ..schema import SCHEMAS, SchemaIndex
from .class_names import name_components
from .defaults import settle_defaults
from .fields import plan_fields
from .rewrite import SchemaRewriter
from .sites import plan_component_sections, plan_operations
from .state import PlanState


@dataclass(frozen=True)
class SchemaPlan:
    """Everything decided before dcg runs. Pointers are into the ORIGINAL document."""

    spec: dict  # rewritten copy handed to dcg (only ``components/schemas`` matters)
    class_for_pointer: Mapping[str, str]  # original JSON pointer -> class name
    class_names: tuple[str, ...]  # every class in the models module, sorted
    warnings: tuple[Diagnostic, ...]
    # class name -> {wire property name -> python field name}, for every object class
    field_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # classes that exist only to carry constraints inside a union / array / map (RootModel of a
    # list or scalar): type_hint gives their plain type (``list[str]``) so callers need not wrap
    wrappers: frozenset[str] = frozenset()
    # the original document, for type_hint on refs that point inside a schema (never mutated)
    source: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def plan_models(
    document: Mapping[str, Any] | SchemaIndex, *, operation_names: Mapping[str, str] | None = None
) -> SchemaPlan:
    """Plan the models module for a validated, refs-internal `document` (not mutated; pass its
    SchemaIndex to share the reading with the other stages).

    `operation_names` maps an operation pointer (``#/paths/~1chat~1completions/post``) to a
    PascalCase name used for its inline bodies (``<Name>Request``/``<Name>Response``); without
    an entry the name comes from ``operationId``, else from method and path.
    """
    index = document if isinstance(document, SchemaIndex) else SchemaIndex(document)
    state = PlanState(index, operation_names or {})
    rewriter = SchemaRewriter(state)
    name_components(state)
    for key, cls in state.component_class.items():
        state.owner = cls
        state.out[cls] = rewriter.rewrite_root(state.src[key], SCHEMAS + jp.escape(key), cls)
    plan_component_sections(rewriter)
    plan_operations(rewriter)
    for cls in list(state.out):
        settle_defaults(state, cls)
    return _finished(state)


def _finished(state: PlanState) -> SchemaPlan:
    schemas = {name: state.out[name] for name in sorted(state.out)}
    spec = {
        "openapi": str(state.doc.get("openapi", "3.0.0")),
        "info": {"title": "models", "version": "0"},
        "paths": {},
        "components": {"schemas": schemas},
    }
    return SchemaPlan(
        spec=spec,
        class_for_pointer=dict(state.class_for_pointer),
        class_names=tuple(sorted(state.out)),
        warnings=tuple(state.warnings),
        field_names=plan_fields(schemas),
        wrappers=frozenset(state.wrappers),
        source=state.doc,
    )
