"""The request types of the params module: one ``<Class>Param`` per model class a request can hold.

Arguments accept a model instance or its Param (generator/typeref.py `request_form`). A Param is
a TypedDict for an object class (required keys marked, no other keys allowed, so mypy rejects a
misspelt key or a wrong Literal in a dict literal, as the openai SDK's params do) and an alias
otherwise: an enum's Literal, a union of its members' request forms, a list or map of them.
Definitions come from the models plan's rewritten schemas, where every class is a named schema,
so a Param and its model always describe the same class.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from .. import typeref as tr
from ..ir import Operation, RequestKey, RequestType, TypeRef
from ..models.fields import EMPTY_WIRE
from ..models.hints import type_hint
from ..models.plan import SchemaPlan
from ..naming import PARAMS_MODULE_SCOPE, request_type_name
from ..schema import SCHEMAS, SchemaIndex, union_members
from ..textsafe import clean_text


def argument_types(op: Operation) -> Iterable[TypeRef]:
    """The types of everything a caller passes to `op` (before `request_form`)."""
    for p in op.parameters:
        yield p.type
    if op.body is not None:
        if op.body.fields:
            yield from (f.type for f in op.body.fields)
        else:
            yield op.body.type


def build_params(plan: SchemaPlan, operations: Iterable[Operation]) -> tuple[RequestType, ...]:
    """A Param for every model class reachable from the operations' arguments, in the order
    they are defined: aliases that name no Param, TypedDicts (by name), then the other aliases,
    each after the aliases it uses."""
    schemas: Mapping[str, Any] = ((plan.spec.get("components") or {}).get("schemas")) or {}
    # The rewritten schemas refer to each class by `#/components/schemas/<Class>`.
    rewritten = replace(plan, class_for_pointer={SCHEMAS + n: n for n in schemas}, source=plan.spec)
    index = SchemaIndex(plan.spec)

    def hint(schema: Any, pointer: str) -> TypeRef:
        return tr.request_form(type_hint(rewritten, schema, pointer), request_type_name)

    todo = sorted({n for op in operations for t in argument_types(op) for n in tr.model_names(t)})
    made: dict[str, RequestType] = {}
    while todo:
        cls = todo.pop()
        if cls in made or cls not in schemas:
            continue
        made[cls] = _define(cls, schemas, hint, index)
        used = tr.model_names(made[cls].alias) if made[cls].alias else set()
        for k in made[cls].keys:
            used |= tr.model_names(k.type)
        todo.extend(sorted(used - set(made)))
    return _ordered(made)


def _define(cls: str, schemas: Mapping[str, Any], hint: Any, index: SchemaIndex) -> RequestType:
    schema = schemas[cls]
    pointer = SCHEMAS + cls
    doc = clean_text(schema.get("description")) if isinstance(schema, Mapping) else None
    if isinstance(schema, Mapping) and ("properties" in schema or "allOf" in schema) and union_members(schema) is None:
        shape = index.object_shape(schema, pointer)  # allOf parts flattened, later parts win
        if shape is not None:
            keys = {_wire(w): hint(prop, ptr) for w, (prop, ptr) in shape[0].items()}
            required = {_wire(r) for r in shape[1]}
            items = tuple(RequestKey(wire, t, wire in required) for wire, t in keys.items())
            return RequestType(request_type_name(cls), cls, doc, keys=items, functional=not _class_body_safe(keys))
    # Anything else is what its model class holds, in request form (an enum: its Literal).
    whole = dict(schema) if isinstance(schema, Mapping) else {}
    alias = hint(whole, pointer + "/x-self")  # a pointer no class owns: the schema itself, not its class
    return RequestType(request_type_name(cls), cls, doc, alias=alias)


def _wire(name: str) -> str:
    return "" if name == EMPTY_WIRE else name


def _class_body_safe(keys: Mapping[str, TypeRef]) -> bool:
    """Whether every key can be a name in a TypedDict class body without shadowing a name the
    annotations use (builtins, the module's imports, other Params)."""
    used = set(PARAMS_MODULE_SCOPE.reserved)
    for t in keys.values():
        used |= {n.name for n in tr.walk(t) if n.kind in ("name", "generic", "param")}
    return all(k.isidentifier() and not keyword.iskeyword(k) and k not in used for k in keys)


def _ordered(made: Mapping[str, RequestType]) -> tuple[RequestType, ...]:
    typed_dicts = [made[c] for c in sorted(made) if made[c].alias is None]
    aliases = {made[c].name: made[c] for c in sorted(made) if made[c].alias is not None}
    # Aliases that name no Param (an enum's Literal) first: the TypedDicts then use them unquoted.
    leaves = [p for p in aliases.values() if p.alias is not None and not _params_named(p.alias)]
    order: list[RequestType] = [*leaves, *typed_dicts]
    done: set[str] = {p.name for p in leaves}

    def visit(p: RequestType) -> None:  # an alias after the aliases it names (cycles: see below)
        done.add(p.name)
        for n in sorted(_params_named(p.alias) if p.alias else ()):
            if n in aliases and n not in done:
                visit(aliases[n])
        order.append(p)

    for name in aliases:
        if name not in done:
            visit(aliases[name])
    # What a definition names must exist when the module runs it; anything else is quoted.
    out, defined = [], set()
    for p in order:
        if p.alias is not None:
            p = replace(p, quoted=not _params_named(p.alias) <= defined)
        else:
            keys = tuple(replace(k, forward=not _params_named(k.type) <= defined) for k in p.keys)
            p = replace(p, keys=keys)
        defined.add(p.name)
        out.append(p)
    return tuple(out)


def _params_named(t: TypeRef) -> set[str]:
    return {n.name for n in tr.walk(t) if n.kind == "param"}
