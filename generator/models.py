"""The models step: pydantic v2 models from the spec's schemas, via datamodel-code-generator (dcg).

dcg is used in-process as a library, fed a *rewritten copy* of the schemas in which every name
is already final, so its own naming is the identity on ours:

1. ``plan_models`` names every component schema (``naming.class_name`` of its key) and hoists
   every inline schema that needs a class (objects with properties, ``allOf`` compositions,
   enums with several values, constrained union members / array items, inline request and
   response bodies) into ``components/schemas`` under a name built from its parents
   (``ChatCompletionRequestMessageContentPartText`` + ``type`` → ``...TextType``). It also
   sanitises what dcg would trust: only known JSON-schema keywords are copied (so
   ``customTypePath``, ``x-python-type``, ``x-python-import``... never reach dcg), formats that
   would need extra packages are dropped, descriptions are normalised, invalid discriminators
   are dropped with a warning, enum member names are set with ``x-enum-varnames``, single-value
   enums become ``Literal`` (``x-enum-field-as-literal``) and field names are chosen by us.
   ``allOf`` is normalised into what dcg names predictably: annotation-only parts fold into the
   use of the reference, a union part is distributed over combined classes (`_Planner.distribute`),
   a base whose property an inline part redefines is copied in, and ``required`` names without a
   property are dropped (warnings say so).
2. ``render_models`` runs dcg on that copy and checks with ``ast`` that the classes (and fields)
   it wrote are exactly the planned ones; any difference is an error naming the difference.
3. ``type_hint`` gives the Python hint for a schema anywhere in the original document
   (``_models.ClassName`` for classes), for the client/server builders.

The input document is never mutated (YAML anchors make loaded dicts share objects).
"""

from __future__ import annotations

import ast
import http
import re
from pathlib import Path
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import pointer as jp
from .diagnostics import Diagnostic, GeneratorError, InternalError
from . import typeref as tr
from .ir import TypeRef
from .naming import class_name, enum_member_names, model_field_name, unique_name, words
from .schema import DROP as _DROP, SCHEMAS as _SCHEMAS, SchemaIndex, ignored_header
from .schema import ANNOTATIONS as _ANNOTATIONS, annotation_only as _annotation_only, enum_values as _enum_values
from .schema import is_json_value as _is_json_value, jsonable as _jsonable
# _RAW_UNSAFE: cache.py still imports it from here
from .textsafe import RAW_UNSAFE as _RAW_UNSAFE, clean_text, escape_raw_characters  # noqa: F401

__all__ = ["SchemaPlan", "check_rendered", "dcg_options", "plan_models", "render_models", "type_hint", "class_type"]


# Keywords copied to the rewritten spec. Anything else (x-*, customTypePath, title, examples of
# dcg-specific extensions...) is dropped: dcg turns several extensions into imports or code.
_CONSTRAINTS = (
    "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties",
)  # fmt: skip
# Formats dcg maps to a type from the standard library or pydantic itself (or ignores). The
# others (email → EmailStr needs email-validator; uri → AnyUrl rejects relative URLs a server may
# send; password → SecretStr; byte → base64 decoding) are dropped: the field is a plain ``str``.
_KEPT_FORMATS = frozenset({"date-time", "date", "binary", "uuid", "int32", "int64", "float", "double"})
_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
_KIND_SUFFIX = {
    "string": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
    "array": "List",
    "object": "Map",
}


# The schema ``false`` (OpenAPI 3.1: no value is valid), as one pydantic and mypy can take: no
# string is at least 1 and at most 0 characters long, and a str field takes no other JSON value.
_NO_VALUE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 0,
    "description": "No value is valid here (the schema is `false`): any value is rejected.",
}

# A property named "" (valid JSON) is handed to dcg under this name: dcg drops empty aliases.
EMPTY_WIRE = "portkey-codegen-empty-property-name"

# --- the plan ----------------------------------------------------------------------------------


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
    planner = _Planner(document, operation_names or {})
    planner.run()
    return planner.result()


# --- helpers -----------------------------------------------------------------------------------


_PY_TYPES: dict[str, Any] = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict,
}  # fmt: skip


def _default_fits(node: Mapping[str, Any], value: Any) -> bool:
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
            return any(isinstance(m, dict) and "$ref" not in m and _default_fits(m, None) for m in members)
        return not names
    values = _enum_values(node)
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


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _has_properties(node: Mapping[str, Any]) -> bool:
    return isinstance(node.get("properties"), dict) and bool(node["properties"])


def _type_of(node: Mapping[str, Any]) -> str | None:
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


def _may_be_array(node: Mapping[str, Any]) -> bool:
    """Whether `items` applies: JSON Schema ignores it on a value that is not an array, and dcg
    would turn ``{type: object, items: ...}`` into a union with a class of its own naming."""
    t = node.get("type")
    return t is None or t == "array" or (isinstance(t, list) and "array" in t)


def _is_constrained(node: Mapping[str, Any]) -> bool:
    """Has a constraint dcg would write (``uniqueItems`` is dropped: see ``rewrite``)."""
    return any(k in node for k in _CONSTRAINTS if k != "uniqueItems")


def _requirement_only(members: list[Any]) -> bool:
    """Union members that only list required properties (no schema of their own)."""
    return all(isinstance(m, dict) and set(m) <= {"required", "description", "title"} for m in members)


# Keys that give a schema a structure of its own (beside a union, they make it more than the union).
_STRUCTURE = frozenset({"properties", "additionalProperties", "items", "allOf", "oneOf", "anyOf", "not", "discriminator"})


def _ref_of(node: Any) -> str | None:
    """The target of a ``$ref`` use (also written ``allOf: [{$ref}]`` plus annotations), else None."""
    if not isinstance(node, dict):
        return None
    if isinstance(node.get("$ref"), str):
        return node["$ref"]
    return _single_ref_part(node)[1]["$ref"] if _single_ref_allof(node) else None


def _allof_core(node: Mapping[str, Any]) -> list[tuple[int, Any]]:
    """The ``allOf`` parts that carry a type, with their index (annotation-only parts left out)."""
    parts = node.get("allOf")
    if not isinstance(parts, list):
        return []
    return [(i, part) for i, part in enumerate(parts) if not _annotation_only(part)]


def _allof_annotations(node: Mapping[str, Any]) -> dict[str, Any]:
    """What the annotation-only ``allOf`` parts say (the first part saying it wins)."""
    found: dict[str, Any] = {}
    for part in node.get("allOf") or []:
        if _annotation_only(part):
            for key, value in part.items():
                found.setdefault(key, value)
    return found


def _single_ref_allof(node: Mapping[str, Any]) -> bool:
    """``allOf: [{$ref}]`` (plus annotation-only parts) with nothing that would make it a new
    object (OpenAPI 3.0 idiom for describing a reference)."""
    core = _allof_core(node)
    return (
        len(core) == 1
        and isinstance(core[0][1], dict)
        and isinstance(core[0][1].get("$ref"), str)
        and not node.get("properties")
        and not node.get("oneOf")
        and not node.get("anyOf")
    )


def _single_ref_part(node: Mapping[str, Any]) -> tuple[int, dict]:
    """(index, part) of the reference in a `_single_ref_allof` node."""
    return _allof_core(node)[0]


def _as_ref_use(node: Mapping[str, Any]) -> dict:
    """A `_single_ref_allof` node as the equivalent ``{$ref, description...}`` use of the reference."""
    _, part = _single_ref_part(node)
    merged = {k: v for k, v in _allof_annotations(node).items()}
    merged.update({k: v for k, v in node.items() if k != "allOf"})
    return {**part, **merged, "$ref": part["$ref"]}


# --- the planner -------------------------------------------------------------------------------


class _Planner:
    def __init__(self, document: Mapping[str, Any] | SchemaIndex, operation_names: Mapping[str, str]):
        self.index = document if isinstance(document, SchemaIndex) else SchemaIndex(document)
        self.doc = self.index.document
        self.src: Mapping[str, Any] = _mapping(_mapping(self.doc.get("components")).get("schemas"))
        self.operation_names = operation_names
        self.out: dict[str, dict] = {}  # class name -> rewritten schema (None while being built)
        self.origin: dict[str, Any] = {}  # class name -> the original node it came from
        self.origin_ptr: dict[str, str] = {}  # class name -> its original pointer
        self.class_for_pointer: dict[str, str] = {}
        self.component_class: dict[str, str] = {}
        self.warnings: list[Diagnostic] = []
        self._visiting: set[str] = set()
        self.owner = ""  # the component (or operation) whose schemas are being walked
        self.wrappers: set[str] = set()
        # allOf child property pointer -> (inherited property, its pointer, its class candidates)
        self.same_as: dict[str, tuple[Any, str, list[str]]] = {}

    # -- driver ---------------------------------------------------------------------------------
    def run(self) -> None:
        self.name_components()
        for key, cls in self.component_class.items():
            ptr = _SCHEMAS + jp.escape(key)
            self.owner = cls
            self.out[cls] = self.rewrite_root(self.src[key], ptr, cls)
        self.walk_components_other()
        self.walk_paths()
        for cls in list(self.out):
            self.settle_defaults(cls)

    def result(self) -> SchemaPlan:
        schemas = {name: self.out[name] for name in sorted(self.out)}
        spec = {
            "openapi": str(self.doc.get("openapi", "3.0.0")),
            "info": {"title": "models", "version": "0"},
            "paths": {},
            "components": {"schemas": schemas},
        }
        return SchemaPlan(
            spec=spec,
            class_for_pointer=dict(self.class_for_pointer),
            class_names=tuple(sorted(self.out)),
            warnings=tuple(self.warnings),
            field_names=self.plan_fields(schemas),
            wrappers=frozenset(self.wrappers),
            source=self.doc,
        )

    def settle_defaults(self, cls: str) -> None:
        """A default where the type is a RootModel class (``parallel: {$ref: Flag, default: true}``,
        Flag a named boolean) would be the bare value, which is not a ``Flag``: the use gets the
        class's own schema instead (``parallel: bool = True``); when the value does not fit that
        either, the default is left out (a warning says so)."""
        schema = self.out[cls]
        parts = [schema, *(p for p in schema.get("allOf") or [] if isinstance(p, dict))]
        uses = [("", schema)] + [(str(k), v) for part in parts for k, v in _mapping(part.get("properties")).items()]
        for prop, use in uses:
            if not isinstance(use, dict) or "default" not in use or not isinstance(use.get("$ref"), str):
                continue
            target = self.out.get(use["$ref"][len(_SCHEMAS) :])
            for _ in range(8):  # an alias of an alias
                if not isinstance(target, dict) or set(target) - {"$ref", "description"}:
                    break
                target = self.out.get(str(target.get("$ref"))[len(_SCHEMAS) :])
            if not isinstance(target, dict) or {"enum", "properties", "allOf"} & set(target):
                continue  # an Enum (dcg writes the member) or an object class
            inlined = {**target, **{k: v for k, v in use.items() if k != "$ref"}}
            if not self.default_fits_plainly(inlined, use["default"]):
                del use["default"]
                self.warnings.append(
                    Diagnostic(
                        "warning",
                        f"default {inlined['default']!r} is left out of the models: "
                        f"its type {use['$ref'][len(_SCHEMAS) :]} is a class the value is not an instance of",
                        pointer=jp.child(self.origin_ptr[cls], *(("properties", prop) if prop else ()), "default"),
                        hint="give the property a plain type, or remove the default (an overlay can do it)",
                        code="models",
                    )
                )
                continue
            use.clear()
            use.update(inlined)

    def default_fits_plainly(self, schema: Mapping[str, Any], value: Any) -> bool:
        """Whether `value` type-checks as it is against `schema` as dcg writes it (a member that
        is a class other than an Enum holding the value does not take a bare value)."""
        members = [m for key in ("anyOf", "oneOf") for m in schema.get(key) or [] if isinstance(m, dict)]
        if not members:
            items = _mapping(schema.get("items"))
            return _default_fits(schema, value) and not (value and isinstance(items.get("$ref"), str))
        if value is None and schema.get("nullable") is True:
            return True
        for member in members:
            if isinstance(member.get("$ref"), str):
                target = self.out.get(member["$ref"][len(_SCHEMAS) :]) or {}
                if value in (target.get("enum") or []):
                    return True
            elif self.default_fits_plainly(member, value):
                return True
        return False

    # -- names ----------------------------------------------------------------------------------
    def name_components(self) -> None:
        """Every component schema gets ``class_name(key)``; exact PascalCase keys win collisions."""
        keys = [str(k) for k in self.src]
        taken: dict[str, str] = {}
        exact = [k for k in keys if class_name(k) == k]
        for key in exact + [k for k in keys if class_name(k) != k]:
            name = class_name(key)
            if name in taken:
                alt = unique_name(name + "Schema", taken)
                self.warnings.append(
                    Diagnostic(
                        "warning",
                        f"schema {key!r} and {taken[name]!r} both map to class {name!r}; {key!r} becomes {alt!r}",
                        pointer=_SCHEMAS + jp.escape(key),
                        hint="rename one of the schemas (an overlay can do it)",
                        code="naming",
                    )
                )
                name = alt
            taken[name] = key
        by_key = {key: name for name, key in taken.items()}
        for key in keys:  # document order
            cls = by_key[key]
            self.component_class[key] = cls
            ptr = _SCHEMAS + jp.escape(key)
            self.class_for_pointer[ptr] = cls
            self.origin[cls] = self.src[key]
            self.origin_ptr[cls] = ptr
            self.out[cls] = None  # type: ignore[assignment]  # reserved

    def hoist(self, node: Mapping[str, Any], ptr: str, candidates: list[str], kind: str) -> str:
        """Give the inline schema at `ptr` a class: the first free candidate name.

        A candidate already used by an identical schema is shared (same class). On collision
        the candidates are tried in order, then the first candidate with the schema's kind
        (``Enum``, ``Object``, ``List``...) appended; a number only as the very last resort.
        """
        if ptr in self.class_for_pointer:
            return self.class_for_pointer[ptr]
        tried = list(dict.fromkeys([*candidates, candidates[0] + kind]))
        for name in tried:
            if name not in self.out:
                break
            if self.origin.get(name) == node and self.origin_ptr[name] != ptr and self.out[name] is not None:
                self.share(name, self.origin_ptr[name], ptr)
                return name
        else:
            name = unique_name(candidates[0], self.out)
        self.class_for_pointer[ptr] = name
        self.origin[name] = node
        self.origin_ptr[name] = ptr
        if kind not in ("Enum", "Object"):
            self.wrappers.add(name)
        self.out[name] = None  # type: ignore[assignment]  # reserved while children are visited
        self.out[name] = self.rewrite_root(node, ptr, name)
        return name

    def share(self, name: str, first_ptr: str, ptr: str) -> None:
        """Map `ptr` and its inner pointers to the classes made for the identical `first_ptr`."""
        for p, cls in list(self.class_for_pointer.items()):
            if p == first_ptr or p.startswith(first_ptr + "/"):
                self.class_for_pointer.setdefault(ptr + p[len(first_ptr) :], cls)

    # -- schema rewriting -----------------------------------------------------------------------
    def needs_class(self, node: Mapping[str, Any], site: str) -> bool:
        """Would this inline schema become a class (in dcg, or by our choice)?"""
        if isinstance(node.get("$ref"), str):
            return False
        if node.get("allOf") and not _single_ref_allof(node):
            return True
        if _has_properties(node):
            return True
        values = _enum_values(node)
        if values is not None:
            return len(values) > 1 and site != "param"
        if node.get("oneOf") or node.get("anyOf"):
            # dcg writes a discriminated union inside a list or map as a RootModel of its own
            return site in ("item", "value") and "discriminator" in node
        # dcg writes a constrained union member, array item or map value as a model of its own.
        return site in ("member", "item", "value") and _is_constrained(node)

    def kind_suffix(self, node: Mapping[str, Any]) -> str:
        if _enum_values(node) is not None:
            return "Enum"
        if _has_properties(node) or node.get("allOf"):
            return "Object"
        return _KIND_SUFFIX.get(_type_of(node) or "", "Value")

    def schema(self, node: Any, ptr: str, candidates: list[str], site: str) -> dict:
        """Rewrite an inline schema found at `ptr`; hoist it when it needs a class."""
        if node is True or node is None:
            return {}
        if node is False:
            return self.schema(dict(_NO_VALUE), ptr, candidates, site)
        if not isinstance(node, dict):
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"expected a schema object, found {type(node).__name__}",
                    pointer=ptr,
                    hint="a schema must be a mapping (or a $ref)",
                )
            )
        if ptr in self.same_as:
            return self.inherited_use(node, ptr)
        if isinstance(node.get("$ref"), str):
            return self.ref(node, ptr, candidates, site)
        if (nullable := self.null_union(node, ptr)) is not None:
            return self.schema(nullable[0], nullable[1], candidates, site)
        if _single_ref_allof(node) and site != "root":
            return self.ref(_as_ref_use(node), ptr, candidates, site)
        if self.needs_class(node, site):
            name = self.hoist(node, ptr, candidates, self.kind_suffix(node))
            return self.use_site(name, node)
        return self.rewrite(node, ptr, candidates[0], site)

    def inherited_use(self, node: Mapping[str, Any], ptr: str) -> dict:
        """An allOf child's property declared exactly as the inherited one: the base's class (a
        class of its own would make the subclass field's type incompatible with the base's)."""
        base, base_ptr, candidates = self.same_as[ptr]
        inner = self.schema(base, base_ptr, candidates, "property")
        if not isinstance(inner.get("$ref"), str):
            return self.rewrite(node, ptr, candidates[0], "property")
        name = inner["$ref"][len(_SCHEMAS) :]
        self.class_for_pointer.setdefault(ptr, name)
        return self.use_site(name, node)

    def null_union(self, node: Mapping[str, Any], ptr: str) -> tuple[dict, str] | None:
        """``anyOf: [S, {type: 'null'}]`` with an inline S that needs no class of its own, as S made
        nullable (with the pointer of S): a constrained S would otherwise become a wrapper class
        that a default value (``default: 1``) does not type-check against."""
        for key in ("anyOf", "oneOf"):
            members = node.get(key)
            if not isinstance(members, list) or len(members) != 2 or set(node) & _STRUCTURE - {key}:
                continue
            nulls = [i for i, m in enumerate(members) if m == {"type": "null"}]
            if len(nulls) != 1:
                continue
            index = 1 - nulls[0]
            member = members[index]
            if not isinstance(member, dict) or set(member) & (_STRUCTURE | {"$ref", "enum", "const", "nullable"}):
                continue
            merged = {**member, **{k: v for k, v in node.items() if k != key}}
            kind = member.get("type")
            merged.update({"type": [kind, "null"]} if isinstance(kind, str) else {"nullable": True})
            return merged, jp.child(ptr, key, index)
        return None

    def use_site(self, name: str, node: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict:
        """``$ref`` to a class, keeping what belongs to the place of use (nullable, description, default)."""
        out: dict[str, Any] = {"$ref": _SCHEMAS + name}
        if node.get("nullable") is True:
            out["nullable"] = True
        if (desc := clean_text(node.get("description"))) is not None:
            out["description"] = desc
        if "default" in node and (default := _jsonable(node["default"])) is not _DROP:
            target = self.deref(node) if isinstance(node.get("$ref"), str) else node
            if not isinstance(target, dict) or _default_fits({**target, "nullable": node.get("nullable") is True or target.get("nullable") is True}, default):
                out["default"] = default
        if extra:
            out.update(extra)
        return out

    def ref(self, node: Mapping[str, Any], ptr: str, candidates: list[str], site: str) -> dict:
        target = node["$ref"]
        if not target.startswith("#"):
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"external $ref {target!r} reached the models step",
                    pointer=ptr,
                    hint="resolve external references before planning models",
                )
            )
        if target.startswith(_SCHEMAS) and jp.unescape(target[len(_SCHEMAS) :]) in self.component_class:
            return self.use_site(self.component_class[jp.unescape(target[len(_SCHEMAS) :])], node)
        if target in self.class_for_pointer:
            return self.use_site(self.class_for_pointer[target], node)
        # A reference into the middle of some schema: plan that location under its own pointer.
        if target in self._visiting:
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"$ref {target!r} refers to itself without passing through a component schema",
                    pointer=ptr,
                    hint="move the recursive schema to components/schemas",
                )
            )
        resolved = self.index.resolve(target, ptr)
        self._visiting.add(target)
        try:
            tokens = [t for t in jp.split(target) if t not in ("components", "schemas", "properties", "paths")]
            inner = self.schema(resolved, target, [class_name("".join(class_name(t) for t in tokens))], site)
        finally:
            self._visiting.discard(target)
        if isinstance(inner.get("$ref"), str):
            return {**inner, **self.use_site(inner["$ref"][len(_SCHEMAS) :], node)}
        return inner

    def rewrite_root(self, node: Any, ptr: str, name: str) -> dict:
        """A class's own schema (component or hoisted)."""
        if not isinstance(node, dict):
            return self.schema(node, ptr, [name], "root")
        if isinstance(node.get("$ref"), str):
            return self.ref(node, ptr, [name], "root")  # an alias: a RootModel around the target
        return self.rewrite(node, ptr, name, "root")

    def rewrite(
        self, node: Mapping[str, Any], ptr: str, ctx: str, site: str, known: frozenset[str] | None = None
    ) -> dict:
        """Copy the known keywords of `node`, rewriting subschemas (which may hoist classes).

        `known`: property names the enclosing ``allOf`` defines (for an ``allOf`` part).
        """
        out: dict[str, Any] = {}
        if isinstance(node.get("allOf"), list):
            self.note_inherited(node, ptr)
        t = node.get("type")
        if isinstance(t, str) and t in _TYPES:
            out["type"] = t
        elif isinstance(t, list) and all(isinstance(x, str) and x in _TYPES for x in t):
            out["type"] = list(t)
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _KEPT_FORMATS:
            out["format"] = fmt
        if node.get("nullable") is True:
            out["nullable"] = True
        if (desc := clean_text(node.get("description"))) is not None:
            out["description"] = desc
        self.constraints(node, ptr, out)
        if "default" in node and (default := _jsonable(node["default"])) is not _DROP and _default_fits(node, default):
            out["default"] = default
        if "example" in node and site in ("root", "property") and (example := _jsonable(node["example"])) is not _DROP:
            out["example"] = example

        values = _enum_values(node)
        if isinstance(node.get("enum"), list) and None in node["enum"]:
            out["nullable"] = True  # ``enum: [a, null]`` means nullable
        if values:
            out["enum"] = values
            if len(values) == 1 and site != "root":
                out["x-enum-field-as-literal"] = True
            else:
                out["x-enum-varnames"] = enum_member_names(values)
            if "type" not in out and values:
                first = values[0]
                out["type"] = (
                    "boolean" if isinstance(first, bool)
                    else "integer" if isinstance(first, int)
                    else "number" if isinstance(first, float)
                    else "string"
                )  # fmt: skip
            return out

        self.rewrite_shape(node, ptr, ctx, known, out)
        return out

    def constraints(self, node: Mapping[str, Any], ptr: str, out: dict[str, Any]) -> None:
        """The constraint keywords of `node` dcg can write, into `out`."""
        for key in _CONSTRAINTS:
            if key in node:
                value = node[key]
                if key == "pattern":
                    if not isinstance(value, str) or not self.pattern_ok(value, ptr):
                        continue
                elif key == "uniqueItems":
                    # dcg would make a set; JSON arrays stay lists (items may be unhashable models)
                    continue
                elif not isinstance(value, (int, float)) or isinstance(value, bool):
                    continue
                out[key] = value
        for bound in ("Minimum", "Maximum"):  # OpenAPI 3.0's boolean form (3.1 takes it under --lenient)
            limit = node.get(bound.lower())
            if node.get("exclusive" + bound) is True and isinstance(limit, (int, float)) and not isinstance(limit, bool):
                out.pop(bound.lower(), None)
                out["exclusive" + bound] = limit

    def rewrite_shape(
        self, node: Mapping[str, Any], ptr: str, ctx: str, known: frozenset[str] | None, out: dict[str, Any]
    ) -> None:
        """The subschemas of `node` (properties, items, maps, allOf, unions), rewritten into `out`."""
        if isinstance(node.get("properties"), dict):
            props = {}
            for pname, pnode in node["properties"].items():
                pname = str(pname)
                if pname == EMPTY_WIRE:
                    raise GeneratorError(
                        Diagnostic(
                            "error",
                            f"property name {EMPTY_WIRE!r} is reserved by the generator",
                            pointer=jp.child(ptr, "properties", pname),
                            hint="rename the property (an overlay can do it)",
                            code="models",
                        )
                    )
                props[pname or EMPTY_WIRE] = self.schema(
                    pnode, jp.child(ptr, "properties", pname), [ctx + class_name(pname)], "property"
                )
            out["properties"] = props
        if isinstance(node.get("required"), list):
            req = self.required_names(node, ptr, known)
            if req:
                out["required"] = req
        if "items" in node and _may_be_array(node):
            items = node["items"]
            if isinstance(items, dict):
                out["items"] = self.schema(items, jp.child(ptr, "items"), [ctx + "Item"], "item")
        ap = node.get("additionalProperties")
        if isinstance(ap, bool):
            out["additionalProperties"] = ap
        elif isinstance(ap, dict):
            out["additionalProperties"] = self.schema(ap, jp.child(ptr, "additionalProperties"), [ctx + "Value"], "value")

        if isinstance(node.get("allOf"), list):
            self.all_of(node, ptr, ctx, out)
        for key in ("oneOf", "anyOf"):
            if isinstance(node.get(key), list) and node[key]:
                if _requirement_only(node[key]):
                    # ``oneOf: [{required: [a]}, {required: [b]}]`` beside properties: "a or b must be
                    # set". Pydantic cannot say it; dcg would invent one merged class per member.
                    continue
                out[key] = self.union(node, key, ptr, ctx)
                if "discriminator" in node and "discriminator" not in out:
                    disc = self.discriminator(node, key, ptr, out[key])
                    if disc is not None:
                        out["discriminator"] = disc

    def allof_part(self, part: Any, ptr: str, ctx: str, known: frozenset[str] | None = None) -> dict:
        """An ``allOf`` part: refs stay refs; inline parts are merged by dcg into the class itself,
        so their inner schemas are named after the class (``ctx``)."""
        if isinstance(part, dict) and not isinstance(part.get("$ref"), str):
            return self.rewrite(part, ptr, ctx, "allof", known)
        return self.schema(part, ptr, [ctx + "Base"], "allof")

    def required_names(self, node: Mapping[str, Any], ptr: str, known: frozenset[str] | None) -> list[str]:
        """`required` without the names no property defines (dcg would invent an ``Any`` field for
        each, and a typo such as ``accessed`` for ``access`` would then reject every response)."""
        req = list(dict.fromkeys(str(r) or EMPTY_WIRE for r in node["required"] if isinstance(r, str)))
        shape = self.object_shape(node)
        if (shape is None and known is None and not _has_properties(node)) or node.get("oneOf") or node.get("anyOf"):
            return req  # nothing to compare with (a map, or a union's requirement)
        defined = set(known or ()) | set(shape[0] if shape is not None else ()) | set(_mapping(node.get("properties")))
        defined = {name or EMPTY_WIRE for name in defined}
        missing = [r for r in req if r not in defined]
        if missing:
            shown = ", ".join(repr("" if r == EMPTY_WIRE else r) for r in missing)
            self.warnings.append(
                Diagnostic(
                    "warning",
                    f"required names {shown}, which no property of this schema defines; "
                    "the models do not require it",
                    pointer=jp.child(ptr, "required"),
                    hint="add the property, or remove the name from `required` (an overlay can do it)",
                    code="models",
                )
            )
        return [r for r in req if r in defined]

    def all_of(self, node: Mapping[str, Any], ptr: str, ctx: str, out: dict[str, Any]) -> None:
        """``allOf`` of `node` into `out`: parts as dcg merges them (refs become base classes).

        Annotation-only parts are folded into `out`; an ``allOf`` holding one union and objects
        becomes a union of combined classes (`distribute`); a reference whose properties an inline
        part redefines with another schema is copied in instead of inherited (a subclass may not
        change a field's type).
        """
        notes = _allof_annotations(node)
        if "description" not in out and (desc := clean_text(notes.get("description"))) is not None:
            out["description"] = desc
        if notes.get("nullable") is True:
            out["nullable"] = True
        core = _allof_core(node)
        if self.distribute(node, ptr, ctx, core, out):
            return
        shape = self.object_shape(node)
        known = frozenset(shape[0]) if shape is not None else None
        inline_props: dict[str, Any] = dict(_mapping(node.get("properties")))
        for _, part in core:
            if isinstance(part, dict) and "$ref" not in part:
                inline_props.update({str(k): v for k, v in _mapping(part.get("properties")).items()})
        parts: list[dict] = []
        for i, part in core:
            part_ptr = jp.child(ptr, "allOf", i)
            conflicts = self.redefined(part, inline_props)
            if not conflicts:
                parts.append(self.allof_part(part, part_ptr, ctx, known))
                continue
            target = part["$ref"]
            base = self.component_class.get(jp.unescape(target[len(_SCHEMAS) :])) or target
            self.warnings.append(
                Diagnostic(
                    "warning",
                    f"{ctx} redefines {', '.join(repr(c) for c in conflicts)} of {base} with another schema; "
                    f"{ctx} copies the properties of {base} instead of inheriting from it",
                    pointer=part_ptr,
                    hint="give the property the same schema in both (an overlay can do it) to keep the subclass",
                    code="models",
                )
            )
            copied = self.rewrite(self.deref(part), target, ctx, "allof", known)
            props = {k: v for k, v in _mapping(copied.get("properties")).items() if k not in conflicts}
            copied["properties"] = props  # `required` stays: allOf requires the name whichever part defines it
            parts.append(copied)
        out["allOf"] = parts

    def redefined(self, part: Any, inline_props: Mapping[str, Any]) -> list[str]:
        """Properties of the referenced object `part` that `inline_props` give another schema."""
        if not isinstance(part, dict) or not isinstance(part.get("$ref"), str) or not inline_props:
            return []
        shape = self.object_shape(part)
        if shape is None:
            return []

        def differs(schema: Any, base: Any) -> bool:
            if self.essence(schema) != self.essence(base):
                return True
            # the same values through another class (a $ref to a named enum where the base has
            # an inline one): two classes, so the subclass field's type would not match
            ref = _ref_of(schema)
            return ref is not None and ref != _ref_of(base)

        return [
            name
            for name, schema in inline_props.items()
            if name in shape[0] and schema is not shape[0][name] and differs(schema, shape[0][name])
        ]

    def essence(self, schema: Any) -> Any:
        """A property's schema without annotations, through $refs: what decides its type."""
        schema = self.deref(schema) if isinstance(schema, dict) and "$ref" in schema else schema
        if isinstance(schema, dict):
            return {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
        return schema

    def note_inherited(self, node: Mapping[str, Any], ptr: str) -> None:
        """Mark the inline properties of an allOf child that repeat an inherited property's schema
        (`inherited_use` plans them as the base's class)."""
        bases = [part for _, part in _allof_core(node) if _ref_of(part) is not None]
        if not bases:
            return
        own = [(jp.child(ptr, "properties", k), v, str(k)) for k, v in _mapping(node.get("properties")).items()]
        for i, part in _allof_core(node):
            if isinstance(part, dict) and "$ref" not in part:
                own += [(jp.child(ptr, "allOf", i, "properties", k), v, str(k)) for k, v in _mapping(part.get("properties")).items()]
        for child_ptr, child, name in own:
            if not isinstance(child, dict) or _ref_of(child) is not None:
                continue
            for part in bases:
                site = self.property_site(part, name, 0)
                if site is not None and site[0] is not child and self.essence(site[0]) == self.essence(child):
                    if self.needs_class(child, "property") or _ref_of(site[0]) is not None:
                        self.same_as.setdefault(child_ptr, site)
                    break

    def property_site(self, part: Any, name: str, depth: int) -> tuple[Any, str, list[str]] | None:
        """(schema, pointer, class name candidates) of property `name` in the component `part`
        refers to (through its allOf), as planning that component names it; None if not found."""
        target = _ref_of(part)
        key = jp.unescape(target[len(_SCHEMAS) :]) if target and target.startswith(_SCHEMAS) else None
        cls = self.component_class.get(key) if key is not None else None
        if cls is None or depth > 16:
            return None
        stack: list[tuple[Any, str]] = [(self.src[key], target)]  # type: ignore[index]
        while stack:
            node, node_ptr = stack.pop(0)
            if not isinstance(node, dict):
                continue
            props = {str(k): v for k, v in _mapping(node.get("properties")).items()}
            if name in props:
                return props[name], jp.child(node_ptr, "properties", name), [cls + class_name(name)]
            for i, sub in enumerate(node.get("allOf") or []):
                if _ref_of(sub) is not None:
                    if (found := self.property_site(sub, name, depth + 1)) is not None:
                        return found
                else:
                    stack.append((sub, jp.child(node_ptr, "allOf", i)))
        return None

    def distribute(
        self, node: Mapping[str, Any], ptr: str, ctx: str, core: list[tuple[int, Any]], out: dict[str, Any]
    ) -> bool:
        """``allOf: [anyOf: [A, B], {f}]`` → ``anyOf: [<ctx>A, <ctx>B]`` with ``class <ctx>A(A, <ctx>Common)``.

        Only when exactly one part is a union (inline, or a reference to a union schema) whose
        members are all objects, the other parts are objects, and `node` has no properties or
        union of its own; otherwise False and nothing is planned.
        """
        if node.get("properties") or node.get("oneOf") or node.get("anyOf") or len(core) < 2:
            return False
        unions = []
        for i, part in core:
            target = self.deref(part)
            if isinstance(target, dict) and (target.get("oneOf") or target.get("anyOf")) and not target.get("properties"):
                unions.append((i, part, target))
        if len(unions) != 1:
            return False
        u_index, u_part, u_node = unions[0]
        key = "oneOf" if u_node.get("oneOf") else "anyOf"
        members = u_node[key]
        u_ptr = u_part["$ref"] if isinstance(u_part, dict) and "$ref" in u_part else jp.child(ptr, "allOf", u_index)
        others = [(i, part) for i, part in core if i != u_index]
        if not isinstance(members, list) or not all(self.object_shape(m) is not None for m in members):
            return False
        if not all(self.object_shape(part) is not None for _, part in others):
            return False
        commons: list[dict] = []
        for i, part in others:
            part_ptr = jp.child(ptr, "allOf", i)
            if isinstance(part, dict) and "$ref" in part:
                commons.append(self.schema(part, part_ptr, [ctx + "Base"], "allof"))
            else:
                commons.append({"$ref": _SCHEMAS + self.hoist(part, part_ptr, [ctx + "Common", ctx + "Shared"], "Object")})
        labels = self.member_candidates(members, ctx, None)
        combined: list[dict] = []
        for i, member in enumerate(members):
            m_ptr = jp.child(u_ptr, key, i)
            if isinstance(member, dict) and isinstance(member.get("$ref"), str):
                target = member["$ref"]
                ref_name = self.component_class.get(jp.unescape(target[len(_SCHEMAS) :])) if target.startswith(_SCHEMAS) else None
                cands = ([ctx + ref_name] if ref_name else []) + labels[i]
            else:
                cands = labels[i]
            member_out = self.schema(member, m_ptr, [c + "Member" for c in cands[:1]] + cands, "allof")
            name = next((c for c in dict.fromkeys(cands) if c not in self.out), None) or unique_name(cands[0], self.out)
            self.origin[name] = {"allOf": [member, *[p for _, p in others]]}
            self.origin_ptr[name] = m_ptr
            self.out[name] = {"allOf": [member_out, *commons]}
            combined.append({"$ref": _SCHEMAS + name})
        out.pop("type", None)
        out[key] = combined
        return True

    def pattern_ok(self, pattern: str, ptr: str) -> bool:
        try:
            re.compile(pattern)
        except re.error as exc:
            self.warnings.append(
                Diagnostic(
                    "warning",
                    f"pattern {pattern!r} is not a valid regular expression ({exc}); it is not checked",
                    pointer=jp.child(ptr, "pattern"),
                    hint="fix the pattern in the spec (an overlay can do it)",
                    code="models",
                )
            )
            return False
        return True

    # -- unions and discriminators --------------------------------------------------------------
    def deref(self, node: Any) -> Any:
        return self.index.target(node)

    def object_shape(self, node: Any) -> tuple[dict[str, Any], set[str]] | None:
        """Properties and required names of an object schema, through refs and allOf; None if not an object."""
        shape = self.index.object_shape(node)
        return None if shape is None else ({k: v for k, (v, _) in shape[0].items()}, shape[1])

    def tag_value(self, member: Any, prop: str) -> Any:
        """The single value `member` declares for property `prop` (one-value enum or const), else None."""
        shape = self.object_shape(member)
        if shape is None or prop not in shape[0]:
            return None
        values = _enum_values(self.deref(shape[0][prop]) or {})
        return values[0] if values is not None and len(values) == 1 else None

    def member_candidates(self, members: list[Any], ctx: str, tag_prop: str | None) -> list[list[str]]:
        """Meaningful names for the inline members of a union (used only for those needing a class)."""
        result = []
        for i, m in enumerate(members):
            cands: list[str] = []
            if not isinstance(m, dict) or isinstance(m.get("$ref"), str):
                result.append([f"{ctx}Option{i + 1}"])
                continue
            title = m.get("title")
            if isinstance(title, str) and words(title):
                if len(words(title)) >= 2:
                    cands.append(class_name(title))
                if self.owner and ctx.startswith(self.owner):
                    cands.append(self.owner + class_name(title))
                cands.append(ctx + class_name(title))
            for prop in dict.fromkeys([p for p in (tag_prop, "type", "event", "object", "kind") if p]):
                tag = self.tag_value(m, prop)
                if tag is not None and words(str(tag)):
                    cands.append(ctx + class_name(str(tag)))
                    break
            values = _enum_values(m)
            if values is not None:
                cands.append(ctx + "Enum")
                if values:
                    cands.append(ctx + "".join(class_name(str(v)) for v in values[:3]))
            elif _has_properties(m) or m.get("allOf"):
                shape = self.object_shape(m)
                if shape is not None:
                    others: set[str] = set()
                    for j, o in enumerate(members):
                        if j != i and (oshape := self.object_shape(o)) is not None:
                            others |= set(oshape[0])
                    own = [p for p in shape[0] if p in shape[1]] + list(shape[0])
                    distinct = [p for p in own if p not in others and words(p)]
                    if distinct:
                        cands.append(ctx + "With" + class_name(distinct[0]))
                cands.append(ctx + "Object")
            else:
                word = self.shape_word(m)
                if word:
                    cands.append(ctx + word)
                kind = _KIND_SUFFIX.get(_type_of(m) or "")
                if kind:
                    cands.append(ctx + kind)
            cands.append(f"{ctx}Option{i + 1}")
            result.append(list(dict.fromkeys(cands)))
        return result

    def shape_word(self, node: Any, depth: int = 0) -> str:
        """A word for a schema's shape: ``String``, ``IntegerList``, ``IntegerListList``, ``ChatMessageList``."""
        if not isinstance(node, dict) or depth > 4:
            return ""
        if isinstance(node.get("$ref"), str):
            target = node["$ref"]
            if target.startswith(_SCHEMAS):
                return class_name(jp.unescape(target[len(_SCHEMAS) :]))
            return ""
        kind = _type_of(node)
        if kind == "array":
            inner = self.shape_word(node.get("items"), depth + 1)
            return (inner or "") + "List"
        return _KIND_SUFFIX.get(kind or "", "")

    def union(self, node: Mapping[str, Any], key: str, ptr: str, ctx: str) -> list[dict]:
        members = node[key]
        disc = node.get("discriminator") if key == "oneOf" or not node.get("oneOf") else None
        tag_prop = disc.get("propertyName") if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str) else None
        candidates = self.member_candidates(members, ctx, tag_prop)
        rewritten = [
            self.schema(m, jp.child(ptr, key, i), candidates[i], "member") for i, m in enumerate(members)
        ]
        return rewritten

    def discriminator(self, node: Mapping[str, Any], key: str, ptr: str, members_out: list[dict]) -> dict | None:
        """A discriminator dcg can trust, with an explicit mapping to our class names; else None + warning.

        Valid when every member is (a ref to) an object that declares the property as required,
        with a single enum/const value or a mapping entry naming it, the values being distinct.
        """
        disc = node.get("discriminator")
        dptr = jp.child(ptr, "discriminator")
        members = node[key]
        reasons: list[str] = []
        new_mapping: dict[str, str] = {}
        if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
            reasons.append("it has no propertyName")
            disc = {}
        prop = disc.get("propertyName", "")
        by_target: dict[str, list[str]] = {}
        for value, target in _mapping(disc.get("mapping")).items():
            if isinstance(target, str):
                by_target.setdefault(target if target.startswith("#") else _SCHEMAS + target, []).append(str(value))
        first: dict[str, str] = {}  # value -> the member that declared it
        for i, (m, m_out) in enumerate(zip(members, members_out)):
            if reasons and not prop:
                break
            where = m["$ref"] if isinstance(m, dict) and isinstance(m.get("$ref"), str) else jp.child(ptr, key, i)
            shape = self.object_shape(m)
            if shape is None or not isinstance(m_out.get("$ref"), str) or m_out.get("nullable"):
                reasons.append(f"member {where} is not an object schema")
                continue
            props, required = shape
            if prop not in props:
                reasons.append(f"member {where} has no property {prop!r}")
                continue
            if prop not in required:
                reasons.append(f"member {where} does not require {prop!r}")
            values = _enum_values(self.deref(props[prop]) or {})
            tag = values[0] if values is not None and len(values) == 1 else None
            mapped = by_target.get(where, []) if isinstance(m, dict) and "$ref" in m else []
            if tag is None and len(mapped) != 1:
                reasons.append(f"member {where} has no single value for {prop!r}")
                continue
            if tag is not None and mapped and mapped != [str(tag)]:
                reasons.append(f"member {where} declares {prop}={tag!r} but the mapping says {mapped}")
                continue
            value = str(tag) if tag is not None else mapped[0]
            if value in first:
                reasons.append(f"members {first[value]} and {where} share the value {value!r}")
                continue
            new_mapping[value] = m_out["$ref"]
            first[value] = where
        if reasons:
            self.warnings.append(
                Diagnostic(
                    "warning",
                    "discriminator dropped (the union is validated member by member instead): " + "; ".join(reasons),
                    pointer=dptr,
                    hint="fix the discriminator in the spec (an overlay can do it)",
                    code="models",
                )
            )
            return None
        return {"propertyName": prop, "mapping": new_mapping}

    # -- outside components/schemas -------------------------------------------------------------
    def walk_components_other(self) -> None:
        components = _mapping(self.doc.get("components"))
        for section, suffix in (("parameters", "Parameter"), ("requestBodies", "Request"), ("responses", "Response")):
            entries = components.get(section)
            if not isinstance(entries, dict):
                continue
            for key, entry in entries.items():
                base = jp.join("components", section, key)
                if not isinstance(entry, dict) or "$ref" in entry:
                    continue
                name = class_name(str(key))
                self.owner = name
                cands = [name, name + suffix] if not name.endswith(suffix) else [name, name + "Body"]
                if section == "parameters":
                    self.parameter(entry, base, [name + suffix])
                else:
                    self.content(entry, base, cands, "body")

    def parameter(self, param: Mapping[str, Any], ptr: str, candidates: list[str]) -> None:
        if isinstance(param.get("schema"), dict):
            self.schema(param["schema"], jp.child(ptr, "schema"), candidates, "param")
        elif isinstance(param.get("content"), dict):
            for mt, media in param["content"].items():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    self.schema(media["schema"], jp.child(ptr, "content", mt, "schema"), candidates, "param")

    def content(self, holder: Mapping[str, Any], ptr: str, candidates: list[str], site: str) -> None:
        content = holder.get("content")
        if not isinstance(content, dict):
            return
        for mt, media in content.items():
            if not isinstance(media, dict) or not isinstance(media.get("schema"), dict):
                continue
            # a second media type with a different schema: ``<Op>RequestFormData``
            cands = [*candidates, candidates[0] + class_name(mt.split(";")[0].split("/")[-1])]
            self.schema(media["schema"], jp.child(ptr, "content", mt, "schema"), list(dict.fromkeys(cands)), site)

    def inline_parameters(self, holder: Mapping[str, Any], ptr: str, prefix: str) -> None:
        for i, param in enumerate(holder.get("parameters") or []):
            if isinstance(param, dict) and "$ref" not in param and not ignored_header(param):
                self.parameter(param, jp.child(ptr, "parameters", i), [prefix + class_name(str(param.get("name", "")))])

    def operation_name(self, path: str, method: str, op: Mapping[str, Any], ptr: str) -> str:
        name = self.operation_names.get(ptr)
        if name:
            return class_name(name)
        if isinstance(op.get("operationId"), str) and words(op["operationId"]):
            return class_name(op["operationId"])
        return class_name(method + " " + path)

    def walk_paths(self) -> None:
        items_done: set[str] = set()
        for operation in self.index.operations:
            op, op_ptr = operation.op, operation.pointer
            if operation.item_pointer not in items_done:  # path-level parameters: once per path item
                items_done.add(operation.item_pointer)
                self.inline_parameters(operation.path_item, operation.item_pointer, class_name(operation.path))
            name = self.operation_name(operation.path, operation.method, op, op_ptr)
            self.owner = name
            self.inline_parameters(op, op_ptr, name)
            body = op.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                self.content(body, jp.child(op_ptr, "requestBody"), [name + "Request", name + "RequestBody"], "body")
            responses = _mapping(op.get("responses"))
            primary = next((s for s in sorted(map(str, responses)) if s.startswith("2")), None)
            for status, resp in responses.items():
                if not isinstance(resp, dict) or "$ref" in resp:
                    continue
                status = str(status)
                base = name + ("" if status == primary else _status_word(status))
                self.content(
                    resp, jp.child(op_ptr, "responses", status), [base + "Response", base + "ResponseBody"], "body"
                )

    # -- field names ----------------------------------------------------------------------------
    def plan_fields(self, schemas: Mapping[str, dict]) -> dict[str, dict[str, str]]:
        """Python field names per class: snake_case, safe, unique within the class (with parents)."""
        result: dict[str, dict[str, str]] = {}

        def wire_names(schema: Mapping[str, Any], seen: frozenset[str]) -> list[str]:
            names: list[str] = []
            for part in schema.get("allOf") or []:
                if isinstance(part.get("$ref"), str):
                    target = part["$ref"][len(_SCHEMAS) :]
                    if target not in seen and target in schemas:
                        names += wire_names(schemas[target], seen | {target})
                else:
                    names += wire_names(part, seen)
            names += ["" if w == EMPTY_WIRE else w for w in schema.get("properties") or {}]
            return names

        for cls, schema in schemas.items():
            wires = list(dict.fromkeys(wire_names(schema, frozenset({cls}))))
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


def _status_word(status: str) -> str:
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


# --- rendering -----------------------------------------------------------------------------------


def _dcg_templates() -> Path:
    from importlib import resources

    return Path(str(resources.files("portkey_codegen.templates"))) / "models"


def dcg_options() -> dict[str, Any]:
    """The datamodel-code-generator options ``render_models`` uses (besides ``aliases``)."""
    from datamodel_code_generator import DataModelType, InputFileType, PythonVersion
    from datamodel_code_generator.format import DatetimeClassType

    return {
        "input_file_type": InputFileType.OpenAPI,
        "output_model_type": DataModelType.PydanticV2BaseModel,
        "target_python_version": PythonVersion.PY_310,
        "disable_timestamp": True,
        "allow_remote_refs": False,
        "formatters": [],  # the pipeline formats the whole tree once, later (dcg black+isort: ~9 s here)
        "strict_nullable": True,  # required + nullable accepts null
        "use_union_operator": True,
        "field_constraints": True,  # constraints as Field(...) args; kept inside unions via RootModels we name
        "use_annotated": True,
        "use_schema_description": True,
        "use_field_description": True,
        "extra_fields": "allow",  # a newer server's extra fields must not break an older client
        "allow_population_by_field_name": True,  # Model(py_name=...) as well as Model(**wire_dict)
        "use_subclass_enum": True,  # class Role(str, Enum): Role.USER == "user"
        "output_datetime_class": DatetimeClassType.Datetime,  # accepts naive and aware timestamps
        "use_standard_collections": True,
        "set_default_enum_member": True,  # default Effort.MEDIUM, not "medium": type-checks under mypy --strict
        # Enum: members format as their value; BaseModel/RootModel: on our bases (to_dict/to_json),
        # imported relatively by the header, as dcg takes no relative base_class
        "custom_template_dir": _dcg_templates(),
        "custom_file_header": MODEL_BASE_IMPORT,
    }


# The import (relative: the package may be vendored under any name) of the bases the custom
# templates write; the module is templates/package/_model_base.py, copied by emit.py.
MODEL_BASE_MODULE = "_model_base"
MODEL_BASE_IMPORT = f"from .{MODEL_BASE_MODULE} import PortkeyModel, PortkeyRootModel"


def render_models(plan: SchemaPlan, *, header: str) -> str:
    """The models module source for `plan`, starting with `header` (not black-formatted).

    Raises GeneratorError if dcg fails or writes classes/fields other than the planned ones.
    """
    import warnings

    from datamodel_code_generator import Error as DcgError
    from datamodel_code_generator import generate

    if not plan.class_names:
        # A spec without schemas (or whose bodies are all plain types) is valid; dcg refuses
        # empty input ("Models not found"), so the module is written here: nothing to define.
        return header.rstrip("\n") + '\n\n"""No schemas in the spec: no models."""\n'
    aliases = {
        f"{cls}.{wire or EMPTY_WIRE}": py
        for cls, fields in plan.field_names.items()
        for wire, py in fields.items()
        if wire != py
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dcg warns about formats we dropped on purpose
            source = generate(plan.spec, aliases=aliases, **dcg_options())
    except DcgError as exc:
        raise InternalError(
            Diagnostic(
                "error",
                f"internal error: datamodel-code-generator failed: {exc}",
                hint="the schemas use a construct the models step does not support; report it with the schema",
                code="models",
            )
        ) from None
    if not isinstance(source, str):
        raise InternalError(Diagnostic("error", "internal error: datamodel-code-generator returned several modules", code="internal"))
    lines = source.splitlines(keepends=True)
    while lines and (lines[0].startswith("# generated by datamodel-codegen") or lines[0].startswith("#   filename:")):
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    source = header.rstrip("\n") + "\n\n" + "".join(lines)
    # dcg writes no alias for an empty wire name (the field would answer to its Python name):
    # the property went through dcg as EMPTY_WIRE, whose alias is turned back into "" here.
    source = source.replace(f'alias="{EMPTY_WIRE}"', 'alias=""').replace(f"alias='{EMPTY_WIRE}'", 'alias=""')
    source = escape_raw_characters(source)
    check_rendered(plan, source)
    return source


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
    schemas = _mapping(plan.spec.get("components")).get("schemas") or {}
    for cls, schema in sorted(schemas.items()):
        parts = [schema, *(p for p in schema.get("allOf") or [] if isinstance(p, dict))]
        for prop in (str(k) for part in parts for k in _mapping(part.get("properties"))):
            if cls in origin and any(name.rstrip("0123456789") == class_name(prop) for name in invented):
                return jp.child(origin[cls], "properties", prop)
    return None


# --- type hints for the client/server builders ---------------------------------------------------


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
    schema = _mapping(_mapping(plan.spec.get("components")).get("schemas")).get(cls)
    return tr.model(cls, enum=isinstance(schema, Mapping) and "enum" in schema)


def _hint(plan: SchemaPlan, schema: Any, pointer: str, depth: int) -> TypeRef:
    if not isinstance(schema, dict) or depth > 40:
        return tr.ANY
    nullable = (
        schema.get("nullable") is True
        or _allof_annotations(schema).get("nullable") is True
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
    if _single_ref_allof(schema):
        index, part = _single_ref_part(schema)
        return _hint(plan, part, jp.child(pointer, "allOf", index), depth + 1)
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return tr.union(*(_hint(plan, m, jp.child(pointer, key, i), depth + 1) for i, m in enumerate(schema[key])))
    values = _enum_values(schema)
    if values is not None and values and all(_is_json_value(v) for v in values):
        return tr.literal(values)
    kind = _type_of(schema)
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
        if isinstance(ap, dict) and not _has_properties(schema):
            return tr.dict_of(_hint(plan, ap, jp.child(pointer, "additionalProperties"), depth + 1))
        return tr.dict_of(tr.ANY)
    return tr.ANY
