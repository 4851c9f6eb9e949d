"""The one reader of the spec: every stage (models, lower/, diff) reads the document through here.

`SchemaIndex` answers the questions several stages used to answer each in their own way:
following a ``$ref`` (`deref`, `resolve`), the properties of an object schema through ``allOf``
(`object_shape`), the operations of the document (`operations`) and the parameters that apply
to one of them under OpenAPI's rules (`parameters`). Module functions give a schema's enum
values and union members.

The document is never mutated (YAML anchors make loaded dicts share objects).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import pointer as jp
from .diagnostics import Diagnostic, GeneratorError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
LOCATIONS = ("query", "header", "path", "cookie")
SCHEMAS = "#/components/schemas/"
PARAMETERS = "#/components/parameters/"
# OpenAPI 3: header parameters with these names "SHALL be ignored" (the media types and the
# security schemes say what goes there).
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
# Keys that describe a schema without constraining it: an ``allOf`` part holding only these
# (``allOf: [{$ref: X}, {description: ...}]``, the OpenAPI 3.0 way to describe a $ref) adds no type.
ANNOTATIONS = frozenset(
    {"description", "title", "nullable", "default", "example", "examples", "deprecated", "readOnly", "writeOnly",
     "externalDocs", "$comment"}
)  # fmt: skip
_MAX_HOPS = 64  # a chain of plain references longer than this loops
_MAX_DEPTH = 32  # allOf nesting guard

Fail = Callable[[str, str, "str | None"], GeneratorError]  # (message, pointer, hint) -> error


def _fail(message: str, pointer: str, hint: str | None = None) -> GeneratorError:
    return GeneratorError(Diagnostic("error", message, pointer=pointer, hint=hint))


@dataclass(frozen=True)
class SpecOperation:
    """One operation as the spec holds it: `op` under `path_item` (its `$ref` followed)."""

    method: str  # lower case: "post"
    path: str
    op: Mapping[str, Any]
    path_item: Mapping[str, Any]
    pointer: str  # of the operation object
    item_pointer: str  # of the path item it sits in

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class SpecParameter:
    """A parameter that applies to an operation (path-level ones overridden by the operation's)."""

    name: str
    location: str  # query | header | path | cookie
    node: Mapping[str, Any]  # the parameter object, its `$ref` followed
    pointer: str  # of `node`
    component: str | None  # name under components/parameters when the entry is a plain ref to one


# name -> (property schema, its pointer); the required names
ObjectShape = tuple[dict[str, tuple[Any, str]], set[str]]


class SchemaIndex:
    """Read-only view of one OpenAPI document.

    `fail` builds the error raised on malformed input (a dangling or looping `$ref`, a parameter
    without `name`/`in`); the diff passes one that names the file.
    """

    def __init__(self, document: Mapping[str, Any], fail: Fail = _fail):
        self.document = document
        self.fail = fail
        self._targets: dict[str, tuple[Any, str]] = {}

    # -- references -------------------------------------------------------------------------
    def resolve(self, ref: str, at: str) -> Any:
        """The node an internal reference names; `at` is the pointer of the `$ref` holder."""
        if not ref.startswith("#"):
            raise self.fail(
                f"unsupported $ref {ref!r}: only internal references are followed here",
                jp.child(at, "$ref"),
                "bundle the spec into one file first (the generator's refs step does this)",
            )
        try:
            return jp.resolve(self.document, ref)
        except (KeyError, IndexError, ValueError):
            raise self.fail(
                f"$ref {ref!r} points to nothing", jp.child(at, "$ref"), "fix the reference or add the component it names"
            ) from None

    def deref(self, node: Any, pointer: str = "#") -> tuple[Any, str]:
        """Follow `$ref`s from `node` (at `pointer`) to the object they name, and its pointer.

        A property *named* ``$ref`` is no reference: only a string value is followed.
        """
        start = pointer
        for _ in range(_MAX_HOPS):
            ref = ref_of(node)
            if ref is None:
                return node, pointer
            if ref not in self._targets:
                self._targets[ref] = (self.resolve(ref, pointer), ref)
            node, pointer = self._targets[ref]
        raise self.fail("$ref chain does not end (a loop of plain references)", start, None)

    def target(self, node: Any) -> Any:
        """What `node` names after its `$ref`s, or None where a reference is broken."""
        try:
            return self.deref(node)[0]
        except GeneratorError:
            return None

    # -- schemas ----------------------------------------------------------------------------
    def object_shape(self, schema: Any, pointer: str = "#", _depth: int = 0) -> ObjectShape | None:
        """Properties (with their pointers) and required names of an object schema, through refs
        and ``allOf`` (later parts win); None when it is no object: a union, a broken ref, a part
        that is not an object, or no properties anywhere. Annotation-only parts are skipped."""
        if _depth > _MAX_DEPTH:
            return None
        try:
            schema, pointer = self.deref(schema, pointer)
        except GeneratorError:
            return None
        if not isinstance(schema, dict) or union_members(schema) is not None:
            return None
        props: dict[str, tuple[Any, str]] = {}
        required: set[str] = set()
        found = False
        for i, part in enumerate(schema.get("allOf") or []):
            if annotation_only(part):
                continue
            sub = self.object_shape(part, jp.child(pointer, "allOf", i), _depth + 1)
            if sub is None:
                return None
            props.update(sub[0])
            required |= sub[1]
            found = True
        if isinstance(schema.get("properties"), dict):
            for name, prop in schema["properties"].items():
                props[str(name)] = (prop, jp.child(pointer, "properties", name))
            found = True
        if isinstance(schema.get("required"), list):
            required |= {r for r in schema["required"] if isinstance(r, str)}
        return (props, required) if found else None

    # -- operations -------------------------------------------------------------------------
    @cached_property
    def operations(self) -> tuple[SpecOperation, ...]:
        """Every operation, in document order (paths, then `HTTP_METHODS` order)."""
        paths = self.document.get("paths")
        if not paths:
            return ()
        if not isinstance(paths, Mapping):
            raise self.fail(f"expected a mapping, found {kind_name(paths)}", "#/paths", None)
        out = []
        for path, raw_item in paths.items():
            if not isinstance(path, str):
                raise self.fail(f"path key {path!r} is not a string", "#/paths", None)
            item, item_pointer = self.deref(raw_item, jp.join("paths", path))
            if not isinstance(item, Mapping):
                raise self.fail(f"expected a mapping, found {kind_name(item)}", item_pointer, None)
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                pointer = jp.child(item_pointer, method)
                if not isinstance(item[method], Mapping):
                    raise self.fail(f"expected a mapping, found {kind_name(item[method])}", pointer, None)
                out.append(SpecOperation(method, path, item[method], item, pointer, item_pointer))
        return tuple(out)

    def parameters(self, op: SpecOperation, common: tuple[str, ...] = ()) -> list[SpecParameter]:
        """The parameters that apply to `op`: `common` (components/parameters names added to it),
        then the path item's, then its own; a later one with the same location and name (header
        names ignore case) replaces the earlier in place. Accept, Content-Type and Authorization
        header parameters are left out, as OpenAPI says."""
        found: dict[tuple[str, str], SpecParameter] = {}
        shared = {"parameters": [{"$ref": PARAMETERS + jp.escape(name)} for name in common]}
        for holder, base in ((shared, "#"), (op.path_item, op.item_pointer), (op.op, op.pointer)):
            entries = holder.get("parameters")
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise self.fail(f"expected a list, found {kind_name(entries)}", jp.child(base, "parameters"), None)
            for index, entry in enumerate(entries):
                param = self._parameter(entry, jp.child(base, "parameters", index))
                if param.location == "header" and param.name.lower() in IGNORED_HEADERS:
                    continue
                found[(param.location, param.name.lower() if param.location == "header" else param.name)] = param
        return list(found.values())

    def _parameter(self, entry: Any, pointer: str) -> SpecParameter:
        node, where = self.deref(entry, pointer)
        if not isinstance(node, Mapping):
            raise self.fail(f"expected a mapping, found {kind_name(node)}", where, None)
        name, location = node.get("name"), node.get("in")
        if not isinstance(name, str) or location not in LOCATIONS:
            raise self.fail(
                f"parameter {name!r} in {location!r}: a parameter needs a string `name` and "
                "`in`: query, header, path or cookie",
                where,
                None,
            )
        return SpecParameter(name, str(location), node, where, component_name(ref_of(entry), PARAMETERS))


# --- single schemas ---------------------------------------------------------------------------


def ref_of(node: Any) -> str | None:
    """The `$ref` string of a reference object, else None (a property *named* $ref is not one)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            return ref
    return None


def component_name(ref: str | None, prefix: str = SCHEMAS) -> str | None:
    """``#/components/schemas/Foo`` -> ``Foo`` (only for a ref to the component itself)."""
    if ref is None or not ref.startswith(prefix):
        return None
    rest = ref[len(prefix) :]
    return None if "/" in rest or not rest else jp.unescape(rest)


def annotation_only(part: Any) -> bool:
    """An ``allOf`` part that only describes (see `ANNOTATIONS`)."""
    return isinstance(part, dict) and "$ref" not in part and all(k in ANNOTATIONS or str(k).startswith("x-") for k in part)


def union_members(schema: Any) -> tuple[str, list[Any]] | None:
    """("oneOf" | "anyOf", members) of a union schema (oneOf first), else None."""
    if isinstance(schema, dict):
        for keyword in ("oneOf", "anyOf"):
            members = schema.get(keyword)
            if isinstance(members, list) and members:
                return keyword, members
    return None


def enum_values(node: Mapping[str, Any]) -> list[Any] | None:
    """The enum values of a schema (``const`` counts as a one-value enum), without ``null``;
    YAML timestamps as ISO text."""
    if isinstance(node.get("enum"), list):
        values = [jsonable(v) for v in node["enum"] if v is not None]
    elif "const" in node and node["const"] is not None:
        values = [jsonable(node["const"])]
    else:
        return None
    return list(dict.fromkeys(v for v in values if is_json_value(v)))


def is_json_value(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


DROP = object()  # what `jsonable` gives for a value that has no JSON form


def jsonable(value: Any, depth: int = 0) -> Any:
    """`value` as JSON data, or `DROP`. YAML gives ``datetime``/``date`` for unquoted
    timestamps (dcg would write ``datetime.datetime(...)``, which does not evaluate): ISO text."""
    if is_json_value(value):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if depth > 64:
        return DROP
    if isinstance(value, (list, tuple)):
        items = [jsonable(v, depth + 1) for v in value]
        return DROP if any(v is DROP for v in items) else items
    if isinstance(value, dict):
        pairs = {str(k): jsonable(v, depth + 1) for k, v in value.items()}
        return DROP if any(v is DROP for v in pairs.values()) else pairs
    return DROP


def kind_name(node: Any) -> str:
    """What a YAML node is, for messages: "a mapping", "a list", ..."""
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(node), "a number"
    )


def ignored_header(param: Any) -> bool:
    """A header parameter OpenAPI says to ignore (Accept, Content-Type, Authorization)."""
    return (
        isinstance(param, Mapping)
        and param.get("in") == "header"
        and isinstance(param.get("name"), str)
        and param["name"].lower() in IGNORED_HEADERS
    )
