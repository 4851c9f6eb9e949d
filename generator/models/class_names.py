"""Names of the model classes: component schemas (``naming.class_name`` of their key), which
inline schemas get a class of their own, and the candidate names of a hoisted schema built from
its parents (``ChatCompletionRequestMessageContentPartText`` + ``type`` → ``...TextType``), union
members, operation bodies and non-2xx responses. Field names are fields.py's."""

from __future__ import annotations

import http
from collections.abc import Mapping
from typing import Any

from .. import pointer as jp
from ..naming import class_name, unique_name, words
from ..schema import SCHEMAS, enum_values
from .enums import enum_gets_class
from .shapes import has_properties, is_constrained, single_ref_allof, type_of
from .state import PlanState

KIND_SUFFIX = {
    "string": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
    "array": "List",
    "object": "Map",
}


def name_components(state: PlanState) -> None:
    """Every component schema gets ``class_name(key)``; exact PascalCase keys win collisions."""
    keys = [str(k) for k in state.src]
    taken: dict[str, str] = {}
    exact = [k for k in keys if class_name(k) == k]
    for key in exact + [k for k in keys if class_name(k) != k]:
        name = class_name(key)
        if name in taken:
            alt = unique_name(name + "Schema", taken)
            state.warn(
                f"schema {key!r} and {taken[name]!r} both map to class {name!r}; {key!r} becomes {alt!r}",
                SCHEMAS + jp.escape(key),
                "rename one of the schemas (an overlay can do it)",
                code="naming",
            )
            name = alt
        taken[name] = key
    by_key = {key: name for name, key in taken.items()}
    for key in keys:  # document order
        state.component_class[key] = by_key[key]
        state.reserve(by_key[key], state.src[key], SCHEMAS + jp.escape(key))


def needs_class(node: Mapping[str, Any], site: str) -> bool:
    """Would this inline schema become a class (in dcg, or by our choice)?"""
    if isinstance(node.get("$ref"), str):
        return False
    if node.get("allOf") and not single_ref_allof(node):
        return True
    if has_properties(node):
        return True
    values = enum_values(node)
    if values is not None:
        return enum_gets_class(values, site)
    if node.get("oneOf") or node.get("anyOf"):
        # dcg writes a discriminated union inside a list or map as a RootModel of its own
        return site in ("item", "value") and "discriminator" in node
    # dcg writes a constrained union member, array item or map value as a model of its own.
    return site in ("member", "item", "value") and is_constrained(node)


def kind_suffix(node: Mapping[str, Any]) -> str:
    """What a schema is, as the word a clashing class name gets appended (``Enum``, ``List``...)."""
    if enum_values(node) is not None:
        return "Enum"
    if has_properties(node) or node.get("allOf"):
        return "Object"
    return KIND_SUFFIX.get(type_of(node) or "", "Value")


def free_name(state: PlanState, node: Any, ptr: str, candidates: list[str], kind: str) -> tuple[str, bool]:
    """(name, shared) for the inline schema at `ptr`: the first free candidate, else the first
    candidate with `kind` appended, a number only as the very last resort. A candidate already
    used by an identical schema is shared (same class; `shared` True, its pointers mapped)."""
    tried = list(dict.fromkeys([*candidates, candidates[0] + kind]))
    for name in tried:
        if name not in state.out:
            return name, False
        if state.origin.get(name) == node and state.origin_ptr[name] != ptr and state.out[name] is not None:
            _share(state, state.origin_ptr[name], ptr)
            return name, True
    return unique_name(candidates[0], state.out), False


def _share(state: PlanState, first_ptr: str, ptr: str) -> None:
    """Map `ptr` and its inner pointers to the classes made for the identical `first_ptr`."""
    for p, cls in list(state.class_for_pointer.items()):
        if p == first_ptr or p.startswith(first_ptr + "/"):
            state.class_for_pointer.setdefault(ptr + p[len(first_ptr) :], cls)


def member_candidates(state: PlanState, members: list[Any], ctx: str, tag_prop: str | None) -> list[list[str]]:
    """Meaningful names for the inline members of a union (used only for those needing a class):
    from the title, the tag value, the enum values, a property no other member has, the shape."""
    result = []
    for i, m in enumerate(members):
        if not isinstance(m, dict) or isinstance(m.get("$ref"), str):
            result.append([f"{ctx}Option{i + 1}"])
            continue
        cands = _title_candidates(state, m, ctx)
        for prop in dict.fromkeys([p for p in (tag_prop, "type", "event", "object", "kind") if p]):
            tag = _tag_value(state, m, prop)
            if tag is not None and words(str(tag)):
                cands.append(ctx + class_name(str(tag)))
                break
        values = enum_values(m)
        if values is not None:
            cands.append(ctx + "Enum")
            if values:
                cands.append(ctx + "".join(class_name(str(v)) for v in values[:3]))
        elif has_properties(m) or m.get("allOf"):
            distinct = _distinct_property(state, members, i)
            if distinct:
                cands.append(ctx + "With" + class_name(distinct))
            cands.append(ctx + "Object")
        else:
            word = shape_word(m)
            if word:
                cands.append(ctx + word)
            kind = KIND_SUFFIX.get(type_of(m) or "")
            if kind:
                cands.append(ctx + kind)
        cands.append(f"{ctx}Option{i + 1}")
        result.append(list(dict.fromkeys(cands)))
    return result


def _title_candidates(state: PlanState, member: Mapping[str, Any], ctx: str) -> list[str]:
    title = member.get("title")
    if not isinstance(title, str) or not words(title):
        return []
    cands = [class_name(title)] if len(words(title)) >= 2 else []
    if state.owner and ctx.startswith(state.owner):
        cands.append(state.owner + class_name(title))
    cands.append(ctx + class_name(title))
    return cands


def _distinct_property(state: PlanState, members: list[Any], i: int) -> str | None:
    """The first property of object member `i` (required ones first) no other member has."""
    shape = state.object_shape(members[i])
    if shape is None:
        return None
    others: set[str] = set()
    for j, o in enumerate(members):
        if j != i and (oshape := state.object_shape(o)) is not None:
            others |= set(oshape[0])
    own = [p for p in shape[0] if p in shape[1]] + list(shape[0])
    return next((p for p in own if p not in others and words(p)), None)


def _tag_value(state: PlanState, member: Any, prop: str) -> Any:
    """The single value `member` declares for property `prop` (one-value enum or const), else None."""
    shape = state.object_shape(member)
    if shape is None or prop not in shape[0]:
        return None
    values = enum_values(state.deref(shape[0][prop]) or {})
    return values[0] if values is not None and len(values) == 1 else None


def shape_word(node: Any, depth: int = 0) -> str:
    """A word for a schema's shape: ``String``, ``IntegerList``, ``IntegerListList``, ``ChatMessageList``."""
    if not isinstance(node, dict) or depth > 4:
        return ""
    if isinstance(node.get("$ref"), str):
        target = node["$ref"]
        if target.startswith(SCHEMAS):
            return class_name(jp.unescape(target[len(SCHEMAS) :]))
        return ""
    kind = type_of(node)
    if kind == "array":
        inner = shape_word(node.get("items"), depth + 1)
        return (inner or "") + "List"
    return KIND_SUFFIX.get(kind or "", "")


def operation_name(operation_names: Mapping[str, str], path: str, method: str, op: Mapping[str, Any], ptr: str) -> str:
    """The name an operation's inline bodies start with: the one given (the IR's), else from
    ``operationId``, else from method and path."""
    name = operation_names.get(ptr)
    if name:
        return class_name(name)
    if isinstance(op.get("operationId"), str) and words(op["operationId"]):
        return class_name(op["operationId"])
    return class_name(method + " " + path)


def status_word(status: str) -> str:
    """``404`` → ``NotFound``, ``4XX`` → ``ClientError``, ``default`` → ``Default``."""
    if status.isdigit():
        try:
            return class_name(http.HTTPStatus(int(status)).phrase)
        except ValueError:
            return "Status" + status
    ranges = {"1": "Informational", "2": "Success", "3": "Redirect", "4": "ClientError", "5": "ServerError"}
    if len(status) == 3 and status[1:].upper() == "XX" and status[0] in ranges:
        return ranges[status[0]]
    return class_name(status)
