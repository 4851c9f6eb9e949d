"""`portkey-codegen diff OLD NEW`: an API-level diff of two OpenAPI 3 specs, with every change
classified as breaking or not, separately for client users and for server implementers.

Works on the raw loaded documents (no models step): operations are keyed ``METHOD /path``;
parameters, request bodies and responses are compared per operation; a change inside a shared
component schema is reported once, at the component, with the operations that use it.

What breaks whom is decided in one table, `_EFFECTS` (documented in docs/diff.md): each fact
the walk finds has an *effect* (field added, value set widened, ...) and the table gives, per
direction of the data (request or response), (breaking for clients, breaking for servers,
notable). Component schemas used in both directions take the union.

The documents are never mutated (YAML aliases share objects between places).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import pointer as jp
from .diagnostics import Diagnostic, GeneratorError

Format = Literal["text", "markdown", "json"]
FailOn = Literal["breaking", "breaking-client", "breaking-server", "any", "never"]
FORMATS: tuple[str, ...] = ("text", "markdown", "json")
FAIL_ON: tuple[str, ...] = ("breaking", "breaking-client", "breaking-server", "any", "never")

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMAS = "#/components/schemas/"
PARAMETERS = "#/components/parameters/"
MAX_DEPTH = 200  # nesting guard: the walk is recursive; real schemas nest < 20 deep
LIST_LIMIT = 12  # values / operations shown in a message before "and N more"

# --- what breaks whom ---------------------------------------------------------------------------

_F, _T = False, True
Verdict = tuple[bool, bool, bool]  # (breaking for client users, for server implementers, notable)

#: effect -> direction -> verdict. "request": the client produces the data, the server consumes it;
#: "response": the other way round. "*": the same whatever the direction.
_EFFECTS: dict[str, dict[str, Verdict]] = {
    # a field/parameter/body appears
    "add-optional": {"request": (_F, _T, _F), "response": (_F, _F, _F)},
    "add-required": {"request": (_T, _T, _F), "response": (_F, _T, _F)},
    # a field/parameter/body disappears (required: the consumer relied on always getting it)
    "remove": {"request": (_T, _F, _F), "response": (_T, _F, _F)},
    "remove-required": {"request": (_T, _T, _F), "response": (_T, _F, _F)},
    # optional -> required / required -> optional
    "require": {"request": (_T, _F, _F), "response": (_F, _T, _F)},
    "unrequire": {"request": (_F, _T, _F), "response": (_T, _F, _F)},
    # the set of valid values grows / shrinks / neither contains the other
    "widen": {"request": (_F, _T, _F), "response": (_T, _F, _F)},
    "narrow": {"request": (_T, _F, _F), "response": (_F, _T, _F)},
    "change": {"request": (_T, _T, _F), "response": (_T, _T, _F)},
    # enum values added: consumers of responses are expected to tolerate unknown enum values
    "enum-add": {"request": (_F, _T, _F), "response": (_F, _F, _T)},
    # unknown properties allowed: response readers must ignore unknown fields anyway
    "open": {"request": (_F, _T, _F), "response": (_F, _F, _F)},
    # direction-independent
    "info": {"*": (_F, _F, _T)},
    "none": {"*": (_F, _F, _F)},
    "client": {"*": (_T, _F, _F)},
    "server": {"*": (_F, _T, _F)},
    "both": {"*": (_T, _T, _F)},
}


def classify(effect: str, directions: Iterable[str]) -> Verdict:
    """The verdict for a fact with `effect` in data flowing in `directions` (union)."""
    table = _EFFECTS[effect]
    if "*" in table:
        return table["*"]
    client = server = notable = False
    for direction in directions:
        c, s, n = table[direction]
        client, server, notable = client or c, server or s, notable or n
    return client, server, notable and not (client or server)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One reported change. `location` is a JSON pointer into the new spec, or into the old one
    (`spec == "old"`) for something that was removed."""

    kind: str
    location: str
    spec: Literal["old", "new"]
    breaking_client: bool
    breaking_server: bool
    notable: bool
    direction: str | None  # "request", "response", "request+response" or None
    operations: tuple[str, ...]
    message: str

    @property
    def breaking(self) -> bool:
        return self.breaking_client or self.breaking_server

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "location": self.location,
            "spec": self.spec,
            "breaking_client": self.breaking_client,
            "breaking_server": self.breaking_server,
            "notable": self.notable,
            "direction": self.direction,
            "operations": list(self.operations),
            "message": self.message,
        }


@dataclass(frozen=True)
class DiffResult:
    old_info: tuple[str, str]  # (title, version)
    new_info: tuple[str, str]
    changes: tuple[Change, ...]

    @property
    def breaking_client(self) -> list[Change]:
        return [c for c in self.changes if c.breaking_client]

    @property
    def breaking_server(self) -> list[Change]:
        return [c for c in self.changes if c.breaking_server]

    def summary(self) -> dict[str, int]:
        return {
            "changes": len(self.changes),
            "breaking_client": len(self.breaking_client),
            "breaking_server": len(self.breaking_server),
            "notable": sum(1 for c in self.changes if c.notable),
        }


# --- small helpers ------------------------------------------------------------------------------


def _code(value: Any, limit: int = 200) -> str:
    """A spec-controlled string as an inline code span that cannot break out (no backtick, no line
    break) in text or Markdown output."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]+", " ", text).replace("`", "'")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"`{text}`" if text.strip() else "`''`"


def _value_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _values(values: Iterable[Any]) -> str:
    shown = sorted(values, key=_value_key)
    text = ", ".join(_code(v) for v in shown[:LIST_LIMIT])
    if len(shown) > LIST_LIMIT:
        text += f" and {len(shown) - LIST_LIMIT} more"
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _kind_name(node: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(node), "a number"
    )


def _ref(node: Any) -> str | None:
    """The `$ref` string of a reference object, else None (a property *named* $ref is not one)."""
    if isinstance(node, dict):  # documents are loaded YAML/JSON: plain dicts (and fast to test)
        ref = node.get("$ref")
        if isinstance(ref, str):
            return ref
    return None


def _component(ref: str | None, prefix: str) -> str | None:
    """``#/components/schemas/Foo`` -> ``Foo`` (only for a ref to the component itself)."""
    if ref is None or not ref.startswith(prefix):
        return None
    rest = ref[len(prefix) :]
    return None if "/" in rest or not rest else jp.unescape(rest)


def _component_of(ref: str, prefix: str) -> str | None:
    """The component a ref points into (``#/components/schemas/Foo/properties/x`` -> ``Foo``)."""
    if not ref.startswith(prefix):
        return None
    return jp.unescape(ref[len(prefix) :].split("/", 1)[0]) or None


def _child_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# --- one spec -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Op:
    key: str  # "POST /chat/completions"
    path: str
    method: str
    pointer: str
    node: Mapping[str, Any]
    item: Mapping[str, Any]
    item_pointer: str


@dataclass(frozen=True)
class _Param:
    name: str
    location: str  # query | header | path | cookie
    node: Mapping[str, Any]
    pointer: str  # of the resolved parameter object
    component: str | None  # name under components/parameters when it is a plain ref to one


class _Spec:
    """Read-only view of one document with error-reporting accessors."""

    def __init__(self, document: Any, label: str, side: Literal["old", "new"]):
        self.label, self.side = label, side
        if not isinstance(document, Mapping):
            raise self.fail(f"the {side} spec is {_kind_name(document)}, not a mapping", "#")
        version = document.get("openapi")
        if not isinstance(version, str) or not version.startswith("3."):
            raise self.fail(
                f"the {side} spec is not an OpenAPI 3 document (openapi: {version!r})",
                "#/openapi",
                hint="the diff compares OpenAPI 3.0/3.1 documents; convert Swagger 2.0 first",
            )
        self.doc = document
        raw_info = document.get("info")
        info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
        self.info = (str(info.get("title", "")), str(info.get("version", "")))
        components = self.mapping(document.get("components") or {}, "#/components")
        self.schemas = self.mapping(components.get("schemas") or {}, "#/components/schemas")
        self.parameters = self.mapping(components.get("parameters") or {}, "#/components/parameters")
        self.security_schemes = self.mapping(
            components.get("securitySchemes") or {}, "#/components/securitySchemes"
        )
        self.ops = self._operations()
        self._params: dict[str, dict[tuple[str, str], _Param]] = {}

    def fail(self, message: str, pointer: str, hint: str | None = None) -> GeneratorError:
        return GeneratorError(Diagnostic("error", message, pointer=pointer, file=self.label, hint=hint, code="diff"))

    def mapping(self, node: Any, pointer: str) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            raise self.fail(f"expected a mapping, found {_kind_name(node)}", pointer)
        return node

    def sequence(self, node: Any, pointer: str) -> list[Any]:
        if not isinstance(node, list):
            raise self.fail(f"expected a list, found {_kind_name(node)}", pointer)
        return node

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow `$ref`s from `node` (at `pointer`) to the object they name, and its pointer."""
        for _ in range(64):
            ref = _ref(node)
            if ref is None:
                return node, pointer
            if not ref.startswith("#"):
                raise self.fail(
                    f"unsupported $ref {ref!r}: the diff follows internal references only",
                    jp.child(pointer, "$ref"),
                    hint="bundle the spec into one file first (the generator's refs step does this)",
                )
            try:
                node = jp.resolve(self.doc, ref)
            except (KeyError, IndexError, ValueError):
                raise self.fail(
                    f"$ref {ref!r} points to nothing",
                    jp.child(pointer, "$ref"),
                    hint="fix the reference or add the component it names",
                ) from None
            pointer = ref
        raise self.fail("$ref chain does not end (a loop of plain references)", pointer)

    def _operations(self) -> dict[str, _Op]:
        ops: dict[str, _Op] = {}
        paths = self.mapping(self.doc.get("paths") or {}, "#/paths")
        for path, raw_item in paths.items():
            if not isinstance(path, str):
                raise self.fail(f"path key {path!r} is not a string", "#/paths")
            item, item_pointer = self.deref(raw_item, jp.join("paths", path))
            item = self.mapping(item, item_pointer)
            for method in METHODS:
                if method in item:
                    pointer = jp.child(item_pointer, method)
                    node = self.mapping(item[method], pointer)
                    key = f"{method.upper()} {path}"
                    ops[key] = _Op(key, path, method, pointer, node, item, item_pointer)
        return ops

    # the parts of an operation, resolved

    def params(self, op: _Op) -> dict[tuple[str, str], _Param]:
        """Effective parameters (path-level, overridden by operation-level), keyed by (in, name)."""
        if op.key not in self._params:
            self._params[op.key] = self._read_params(op)
        return self._params[op.key]

    def _read_params(self, op: _Op) -> dict[tuple[str, str], _Param]:
        found: dict[tuple[str, str], _Param] = {}
        for holder, holder_pointer in ((op.item, op.item_pointer), (op.node, op.pointer)):
            if holder.get("parameters") is None:
                continue
            entries = self.sequence(holder["parameters"], jp.child(holder_pointer, "parameters"))
            for index, entry in enumerate(entries):
                entry_pointer = jp.child(holder_pointer, "parameters", index)
                node, pointer = self.deref(entry, entry_pointer)
                node = self.mapping(node, pointer)
                name, location = node.get("name"), node.get("in")
                if not isinstance(name, str) or location not in ("query", "header", "path", "cookie"):
                    raise self.fail(
                        "a parameter needs a string `name` and `in`: query, header, path or cookie",
                        pointer,
                    )
                if location == "header" and name.lower() in ("accept", "content-type", "authorization"):
                    continue  # OpenAPI: such header parameters are ignored
                key = (location, name.lower() if location == "header" else name)
                found[key] = _Param(name, location, node, pointer, _component(_ref(entry), PARAMETERS))
        return found

    def body(self, op: _Op) -> tuple[Mapping[str, Any], str] | None:
        if op.node.get("requestBody") is None:
            return None
        node, pointer = self.deref(op.node["requestBody"], jp.child(op.pointer, "requestBody"))
        return self.mapping(node, pointer), pointer

    def responses(self, op: _Op) -> dict[str, tuple[Mapping[str, Any], str]]:
        raw = self.mapping(op.node.get("responses") or {}, jp.child(op.pointer, "responses"))
        found = {}
        for code, response in raw.items():
            node, pointer = self.deref(response, jp.child(op.pointer, "responses", code))
            found[str(code)] = (self.mapping(node, pointer), pointer)
        return found

    def content(self, holder: Mapping[str, Any], pointer: str) -> dict[str, tuple[Any, str]]:
        """media type -> (schema, pointer of the schema); a media type without schema gets {}."""
        raw = self.mapping(holder.get("content") or {}, jp.child(pointer, "content"))
        found = {}
        for media_type, media in raw.items():
            media_pointer = jp.child(pointer, "content", media_type)
            media = self.mapping(media if media is not None else {}, media_pointer)
            found[str(media_type)] = (media.get("schema", {}), jp.child(media_pointer, "schema"))
        return found

    def security(self, op: _Op) -> tuple[frozenset[frozenset[tuple[str, tuple[str, ...]]]], str]:
        """Effective security: the set of alternatives (each a set of (scheme, scopes)) and where
        it is declared. No declaration at all means no authentication: {{}}."""
        if "security" in op.node:
            raw, pointer = op.node["security"], jp.child(op.pointer, "security")
        elif "security" in self.doc:
            raw, pointer = self.doc["security"], "#/security"
        else:
            return frozenset({frozenset()}), "#/security"
        alternatives = set()
        for index, requirement in enumerate(self.sequence(raw or [], pointer)):
            requirement = self.mapping(requirement, jp.child(pointer, index))
            alternatives.add(
                frozenset((str(name), tuple(sorted(map(str, scopes or [])))) for name, scopes in requirement.items())
            )
        return frozenset(alternatives or {frozenset()}), pointer

    def servers(self, op: _Op) -> tuple[Any, str]:
        """Effective servers list (the object itself: YAML aliases share it) and where it is declared."""
        if "servers" in op.node:
            return op.node["servers"], jp.child(op.pointer, "servers")
        if "servers" in op.item:
            return op.item["servers"], jp.child(op.item_pointer, "servers")
        return self.doc.get("servers"), "#/servers"

    def server_urls(self, servers: Any, pointer: str) -> set[str]:
        if not servers:
            return {"/"}  # OpenAPI: no servers means the document's own location
        urls = set()
        for index, server in enumerate(self.sequence(servers, pointer)):
            server = self.mapping(server, jp.child(pointer, index))
            urls.add(str(server.get("url", "")))
        return urls

    # which operations use which components

    def usage(self) -> tuple[dict[str, set[tuple[str, str]]], dict[str, set[str]]]:
        """(schema name -> {(operation, "request"|"response")}, parameter component -> {operation})."""
        graph: dict[str, set[str]] = {}
        for name, schema in self.schemas.items():
            graph[str(name)] = self._schema_refs(schema, jp.child(SCHEMAS[:-1], name))
        schema_use: dict[str, set[tuple[str, str]]] = {}
        param_use: dict[str, set[str]] = {}
        for op in self.ops.values():
            request: set[str] = set()
            for param in self.params(op).values():
                if param.component:
                    param_use.setdefault(param.component, set()).add(op.key)
                request |= self._schema_refs(param.node, param.pointer)
            body = self.body(op)
            if body is not None:
                request |= self._schema_refs(body[0], body[1])
            response: set[str] = set()
            for node, pointer in self.responses(op).values():
                response |= self._schema_refs(node, pointer)
            for direction, roots in (("request", request), ("response", response)):
                for name in _closure(graph, roots):
                    schema_use.setdefault(name, set()).add((op.key, direction))
        return schema_use, param_use

    def _schema_refs(self, node: Any, pointer: str) -> set[str]:
        """Component schemas referenced from `node`, following non-schema refs (parameters, ...)."""
        found: set[str] = set()
        seen: set[str] = set()
        stack: list[tuple[Any, int]] = [(node, 0)]
        while stack:
            current, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.fail("the document nests too deeply (or loops through YAML aliases)", pointer)
            if isinstance(current, dict):
                ref = current.get("$ref")
                if isinstance(ref, str):
                    name = _component_of(ref, SCHEMAS)
                    if name is not None:
                        found.add(name)
                    elif ref not in seen:
                        seen.add(ref)
                        stack.append((self.deref(current, pointer)[0], depth + 1))
                    continue
                stack.extend((v, depth + 1) for v in current.values())
            elif isinstance(current, list):
                stack.extend((v, depth + 1) for v in current)
        return found

    def ref_sites(self) -> dict[str, str]:
        """pointer of every `$ref` holder under paths and components -> the ref (for renames)."""
        sites: dict[str, str] = {}
        stack: list[tuple[Any, str, int]] = [
            (self.doc.get("paths"), "#/paths", 0),
            (self.doc.get("components"), "#/components", 0),
        ]
        while stack:
            node, pointer, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.fail("the document nests too deeply (or loops through YAML aliases)", pointer)
            if isinstance(node, Mapping):
                ref = _ref(node)
                if ref is not None:
                    sites[pointer] = ref
                    continue
                stack.extend((v, jp.child(pointer, k), depth + 1) for k, v in node.items())
            elif isinstance(node, list):
                stack.extend((v, jp.child(pointer, i), depth + 1) for i, v in enumerate(node))
        return sites


def _closure(graph: Mapping[str, set[str]], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(graph.get(name, ()))
    return seen


# --- facts and the walk -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """Where the walk is: which report area, whose change it is, and who is affected."""

    area: str  # parameter | request-body | response | schema
    subject: str  # "POST /rerank", "schema `Foo`"
    prefix: str  # "request body", "query parameter `x`", "" at a component's top
    ops: frozenset[str]
    directions: frozenset[str]
    shared: bool = False  # a component: append "used by ..." to the message


@dataclass
class _Fact:
    kind: str
    effect: str
    location: str
    spec: Literal["old", "new"]
    subject: str
    text: str
    ops: set[str] = field(default_factory=set)
    directions: set[str] = field(default_factory=set)
    shared: bool = False
    merge: bool = False  # same location + text from several operations: one change


_DOC_KEYS = frozenset({"description", "title", "example", "examples", "externalDocs", "$comment", "xml"})
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_LOWER = ("minimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "maxLength", "maxItems", "maxProperties")
_OTHER = ("pattern", "multipleOf", "exclusiveMinimum", "exclusiveMaximum", "uniqueItems")
_MISSING = object()


class _Differ:
    def __init__(self, old: _Spec, new: _Spec):
        self.old, self.new = old, new
        self.facts: list[_Fact] = []
        self.renames: dict[str, str] = {}
        self.old_usage = old.usage()
        self.new_usage = new.usage()

    # emitting

    def emit(self, ctx: _Ctx, name: str, effect: str, location: str, spec: Literal["old", "new"], text: str) -> None:
        self.facts.append(
            _Fact(
                f"{ctx.area}.{name}", effect, location, spec, ctx.subject, text,
                set(ctx.ops), set(ctx.directions), ctx.shared,
            )
        )

    def emit_op(self, op: str, kind: str, effect: str, location: str, spec: Literal["old", "new"], text: str,
                directions: Iterable[str] = (), merge: bool = False) -> None:
        self.facts.append(_Fact(kind, effect, location, spec, op, text, {op}, set(directions), merge=merge))

    # the whole comparison

    def run(self) -> list[Change]:
        self.renames = self._detect_renames()
        self._servers()
        self._security_schemes()
        self._operations()
        self._parameter_components()
        self._schema_components()
        return self._finish()

    # servers and security

    def _servers(self) -> None:
        def canonical_locations(spec: _Spec) -> dict[int, str]:
            # A list shared through a YAML alias is one declaration: name it by its first pointer.
            first: dict[int, str] = {}
            for op in spec.ops.values():
                servers, pointer = spec.servers(op)
                if servers is not None and (id(servers) not in first or pointer < first[id(servers)]):
                    first[id(servers)] = pointer
            return first

        first_old, first_new = canonical_locations(self.old), canonical_locations(self.new)
        for key in sorted(self.old.ops.keys() & self.new.ops.keys()):
            s0, p0 = self.old.servers(self.old.ops[key])
            s1, p1 = self.new.servers(self.new.ops[key])
            urls0, urls1 = self.old.server_urls(s0, p0), self.new.server_urls(s1, p1)
            loc0, loc1 = first_old.get(id(s0), p0), first_new.get(id(s1), p1)
            for url in sorted(urls1 - urls0):
                self.emit_op(key, "server.added", "info", loc1, "new", f"server {_code(url)} added", merge=True)
            for url in sorted(urls0 - urls1):
                self.emit_op(key, "server.removed", "client", loc0, "old", f"server {_code(url)} removed", merge=True)

    def _security_schemes(self) -> None:
        old, new = self.old.security_schemes, self.new.security_schemes
        for name in sorted(set(map(str, old)) | set(map(str, new))):
            pointer = jp.join("components", "securitySchemes", name)
            subject = f"security scheme {_code(name)}"
            if name not in old:
                self.facts.append(_Fact("security-scheme.added", "none", pointer, "new", subject, "added"))
            elif name not in new:
                self.facts.append(_Fact("security-scheme.removed", "info", pointer, "old", subject, "removed"))
            else:
                s0, _ = self.old.deref(old[name], pointer)
                s1, _ = self.new.deref(new[name], pointer)
                s0, s1 = self.old.mapping(s0, pointer), self.new.mapping(s1, pointer)
                for key in ("type", "in", "name", "scheme", "bearerFormat", "openIdConnectUrl", "flows"):
                    v0, v1 = s0.get(key), s1.get(key)
                    if key in ("in", "scheme") and isinstance(v0, str) and isinstance(v1, str):
                        v0, v1 = v0.lower(), v1.lower()
                    if _value_key(v0) != _value_key(v1):
                        self.facts.append(
                            _Fact("security-scheme.changed", "both", jp.child(pointer, key), "new", subject,
                                  f"{_code(key)} changed from {_code(v0)} to {_code(v1)}")
                        )

    def _security(self, key: str, op0: _Op, op1: _Op) -> None:
        alts0, p0 = self.old.security(op0)
        alts1, p1 = self.new.security(op1)
        for alt in sorted(alts1 - alts0, key=_alt_text):
            self.emit_op(key, "security.requirement-added", "server", p1, "new",
                         f"now also accepts {_alt_text(alt)}", merge=True)
        for alt in sorted(alts0 - alts1, key=_alt_text):
            self.emit_op(key, "security.requirement-removed", "client", p0, "old",
                         f"no longer accepts {_alt_text(alt)}", merge=True)

    # operations

    def _operations(self) -> None:
        old, new = self.old.ops, self.new.ops
        for key in sorted(old.keys() | new.keys()):
            if key not in old:
                self.emit_op(key, "operation.added", "server", new[key].pointer, "new", "operation added")
            elif key not in new:
                self.emit_op(key, "operation.removed", "client", old[key].pointer, "old", "operation removed")
            else:
                self._operation(key, old[key], new[key])

    def _operation(self, key: str, op0: _Op, op1: _Op) -> None:
        id0, id1 = op0.node.get("operationId"), op1.node.get("operationId")
        if id0 != id1:
            if id0 is None:
                text = f"operationId {_code(id1)} added"
            elif id1 is None:
                text = f"operationId {_code(id0)} removed"
            else:
                text = f"operationId changed from {_code(id0)} to {_code(id1)}"
            self.emit_op(key, "operation.id-changed", "info", jp.child(op1.pointer, "operationId")
                         if id1 is not None else jp.child(op0.pointer, "operationId"),
                         "new" if id1 is not None else "old", text)
        if op1.node.get("deprecated") is True and op0.node.get("deprecated") is not True:
            self.emit_op(key, "operation.deprecated", "info", jp.child(op1.pointer, "deprecated"), "new",
                         "operation deprecated")
        self._params(key, op0, op1)
        self._body(key, op0, op1)
        self._responses(key, op0, op1)
        self._security(key, op0, op1)

    def _params(self, key: str, op0: _Op, op1: _Op) -> None:
        params0, params1 = self.old.params(op0), self.new.params(op1)
        ctx = _Ctx("parameter", key, "", frozenset({key}), frozenset({"request"}))
        for pkey in sorted(params0.keys() | params1.keys()):
            p0, p1 = params0.get(pkey), params1.get(pkey)
            if p0 is None:
                assert p1 is not None
                required = p1.node.get("required") is True or p1.location == "path"
                self.emit(ctx, "added", "add-required" if required else "add-optional", p1.pointer, "new",
                          f"{p1.location} parameter {_code(p1.name)} added ({'required' if required else 'optional'})")
            elif p1 is None:
                required = p0.node.get("required") is True or p0.location == "path"
                self.emit(ctx, "removed", "remove-required" if required else "remove", p0.pointer, "old",
                          f"{p0.location} parameter {_code(p0.name)} removed")
            elif p0.component is not None and p0.component == p1.component:
                continue  # reported once, at the component
            else:
                self._param_pair(p0, p1, ctx)

    def _param_pair(self, p0: _Param, p1: _Param, ctx: _Ctx) -> None:
        label = f"{p1.location} parameter {_code(p1.name)}"
        ctx = _Ctx(ctx.area, ctx.subject, label, ctx.ops, ctx.directions, ctx.shared)
        r0 = p0.node.get("required") is True or p0.location == "path"
        r1 = p1.node.get("required") is True or p1.location == "path"
        if r1 and not r0:
            self.emit(ctx, "required", "require", jp.child(p1.pointer, "required"), "new", f"{label} is now required")
        if r0 and not r1:
            self.emit(ctx, "optional", "unrequire", p1.pointer, "new", f"{label} is now optional")
        if _style(p0) != _style(p1):
            self.emit(ctx, "style-changed", "change", p1.pointer, "new",
                      f"{label} serialisation changed from {_code(_style(p0))} to {_code(_style(p1))}")
        if p1.node.get("deprecated") is True and p0.node.get("deprecated") is not True:
            self.emit(ctx, "deprecated", "info", jp.child(p1.pointer, "deprecated"), "new", f"{label} deprecated")
        s0, sp0 = _param_schema(self.old, p0)
        s1, sp1 = _param_schema(self.new, p1)
        self.schema(s0, sp0, s1, sp1, "", ctx, frozenset(), 0)

    def _body(self, key: str, op0: _Op, op1: _Op) -> None:
        b0, b1 = self.old.body(op0), self.new.body(op1)
        ctx = _Ctx("request-body", key, "request body", frozenset({key}), frozenset({"request"}))
        if b0 is None and b1 is None:
            return
        if b0 is None:
            assert b1 is not None
            required = b1[0].get("required") is True
            self.emit(ctx, "added", "add-required" if required else "add-optional", b1[1], "new",
                      f"request body added ({'required' if required else 'optional'})")
            return
        if b1 is None:
            self.emit(ctx, "removed", "remove-required" if b0[0].get("required") is True else "remove", b0[1],
                      "old", "request body removed")
            return
        (n0, p0), (n1, p1) = b0, b1
        if n1.get("required") is True and n0.get("required") is not True:
            self.emit(ctx, "required", "require", jp.child(p1, "required"), "new", "request body is now required")
        if n0.get("required") is True and n1.get("required") is not True:
            self.emit(ctx, "optional", "unrequire", p1, "new", "request body is now optional")
        self._content(ctx, self.old.content(n0, p0), self.new.content(n1, p1), p0, p1, "add-optional", "remove")

    def _content(self, ctx: _Ctx, c0: dict[str, tuple[Any, str]], c1: dict[str, tuple[Any, str]],
                 p0: str, p1: str, added: str, removed: str) -> None:
        several = len(c0) > 1 or len(c1) > 1
        for media_type in sorted(c0.keys() | c1.keys()):
            if media_type not in c0:
                self.emit(ctx, "media-type-added", added, jp.child(p1, "content", media_type), "new",
                          f"{ctx.prefix} media type {_code(media_type)} added")
            elif media_type not in c1:
                self.emit(ctx, "media-type-removed", removed, jp.child(p0, "content", media_type), "old",
                          f"{ctx.prefix} media type {_code(media_type)} removed")
            else:
                prefix = f"{ctx.prefix} ({_code(media_type)})" if several else ctx.prefix
                inner = _Ctx(ctx.area, ctx.subject, prefix, ctx.ops, ctx.directions, ctx.shared)
                (s0, sp0), (s1, sp1) = c0[media_type], c1[media_type]
                self.schema(s0, sp0, s1, sp1, "", inner, frozenset(), 0)

    def _responses(self, key: str, op0: _Op, op1: _Op) -> None:
        r0, r1 = self.old.responses(op0), self.new.responses(op1)
        base = _Ctx("response", key, "", frozenset({key}), frozenset({"response"}))
        for code in sorted(r0.keys() | r1.keys()):
            if code not in r0:
                self.emit(base, "status-added", "info", r1[code][1], "new", f"response {_code(code)} added")
            elif code not in r1:
                # a success response gone changes what clients get and what servers may send;
                # an error status dropped from the documentation is worth a look, no more
                effect = "both" if code.startswith("2") else "info"
                self.emit(base, "status-removed", effect, r0[code][1], "old", f"response {_code(code)} removed")
            else:
                (n0, p0), (n1, p1) = r0[code], r1[code]
                ctx = _Ctx("response", key, f"response {_code(code)}", base.ops, base.directions)
                self._content(ctx, self.old.content(n0, p0), self.new.content(n1, p1), p0, p1, "info", "both")

    # shared components

    def _parameter_components(self) -> None:
        use0, use1 = self.old_usage[1], self.new_usage[1]
        for name in sorted(set(map(str, self.old.parameters)) & set(map(str, self.new.parameters))):
            pointer = jp.join("components", "parameters", name)
            n0, q0 = self.old.deref(self.old.parameters[name], pointer)
            n1, q1 = self.new.deref(self.new.parameters[name], pointer)
            n0, n1 = self.old.mapping(n0, q0), self.new.mapping(n1, q1)
            p0 = _Param(str(n0.get("name")), str(n0.get("in")), n0, q0, name)
            p1 = _Param(str(n1.get("name")), str(n1.get("in")), n1, q1, name)
            ops = frozenset(use0.get(name, set()) | use1.get(name, set()))
            ctx = _Ctx("parameter", f"parameter component {_code(name)}", "", ops,
                       frozenset({"request"}) if ops else frozenset(), shared=True)
            self._param_pair(p0, p1, ctx)

    def _schema_components(self) -> None:
        old_names, new_names = set(map(str, self.old.schemas)), set(map(str, self.new.schemas))
        renamed_to = set(self.renames.values())
        for name in sorted(new_names - old_names - renamed_to):
            self.facts.append(_Fact("schema.added", "none", jp.join("components", "schemas", name), "new",
                                    f"schema {_code(name)}", "added"))
        for name in sorted(old_names - new_names - self.renames.keys()):
            self.facts.append(_Fact("schema.removed", "info", jp.join("components", "schemas", name), "old",
                                    f"schema {_code(name)}", "removed"))
        for old_name, new_name in sorted(self.renames.items()):
            self.facts.append(_Fact("schema.renamed", "info", jp.join("components", "schemas", new_name), "new",
                                    f"schema {_code(new_name)}", f"renamed from {_code(old_name)} (same shape)"))
        pairs = [(n, n) for n in sorted(old_names & new_names)] + sorted(self.renames.items())
        use0, use1 = self.old_usage[0], self.new_usage[0]
        for old_name, new_name in pairs:
            uses = use0.get(old_name, set()) | use1.get(new_name, set())
            ctx = _Ctx("schema", f"schema {_code(new_name)}", "", frozenset(op for op, _ in uses),
                       frozenset(d for _, d in uses), shared=True)
            self.schema(self.old.schemas[old_name], jp.join("components", "schemas", old_name),
                        self.new.schemas[new_name], jp.join("components", "schemas", new_name),
                        "", ctx, frozenset(), 0)

    def _detect_renames(self) -> dict[str, str]:
        """old name -> new name for a schema that vanished while one of the same shape appeared and
        at least one `$ref` that named the old one names the new one at the same place."""
        old_names, new_names = set(map(str, self.old.schemas)), set(map(str, self.new.schemas))
        gone, came = sorted(old_names - new_names), sorted(new_names - old_names)
        if not gone or not came:
            return {}
        by_shape: dict[str, list[str]] = {}
        for name in came:
            by_shape.setdefault(_shape(self.new.schemas[name], name), []).append(name)
        candidates = {o: by_shape.get(_shape(self.old.schemas[o], o), []) for o in gone}
        if not any(candidates.values()):
            return {}
        sites0, sites1 = self.old.ref_sites(), self.new.ref_sites()
        renames: dict[str, str] = {}
        for old_name in gone:
            old_ref = SCHEMAS + jp.escape(old_name)
            moved_from = {p for p, r in sites0.items() if r == old_ref}
            for new_name in candidates[old_name]:
                new_ref = SCHEMAS + jp.escape(new_name)
                if new_name not in renames.values() and any(sites1.get(p) == new_ref for p in moved_from):
                    renames[old_name] = new_name
                    break
        return renames

    # the schema walk

    def same_schema(self, old_name: str, new_name: str) -> bool:
        if self.renames.get(old_name) == new_name:
            return True
        return old_name == new_name and old_name in self.old.schemas and new_name in self.new.schemas

    def schema(self, s0: Any, p0: str, s1: Any, p1: str, path: str, ctx: _Ctx,
               seen: frozenset[tuple[str, str]], depth: int) -> None:
        """Compare two schemas (old at p0, new at p1); `path` is the field path shown to users."""
        if s0 == s1:
            # Equal text, equal meaning: a `$ref` in it names the same component on both sides and
            # that component is compared on its own. (Most of a spec is unchanged: this is the
            # fast path.)
            return
        if depth > MAX_DEPTH:
            raise self.new.fail("schema nesting too deep to compare", p1)
        r0, r1 = _ref(s0), _ref(s1)
        if r0 is not None or r1 is not None:
            n0, n1 = _component(r0, SCHEMAS), _component(r1, SCHEMAS)
            if n0 is not None and n1 is not None and self.same_schema(n0, n1):
                return  # the component itself is compared once, in _schema_components
            if r0 != r1:
                self.emit(ctx, "ref-changed", "info", p1, "new",
                          f"{_where(ctx, path)} schema changed from {_schema_label(r0)} to {_schema_label(r1)}".strip())
            pair = (r0 or p0, r1 or p1)
            if pair in seen:
                return
            seen = seen | {pair}
            s0, p0 = self.old.deref(s0, p0)
            s1, p1 = self.new.deref(s1, p1)
        s0, s1 = _as_schema(self.old, s0, p0), _as_schema(self.new, s1, p1)
        where = _where(ctx, path)
        self._types(s0, p0, s1, p1, where, ctx)
        self._enum(s0, p0, s1, p1, where, ctx)
        self._constraints(s0, s1, p1, where, ctx)
        self._properties(s0, p0, s1, p1, path, ctx, seen, depth)
        self._additional(s0, p0, s1, p1, path, ctx, seen, depth)
        if "items" in s0 or "items" in s1:
            self.schema(s0.get("items", {}), jp.child(p0, "items"), s1.get("items", {}), jp.child(p1, "items"),
                        f"{path}[]", ctx, seen, depth + 1)
        for keyword in ("oneOf", "anyOf", "allOf"):
            self._composition(keyword, s0, p0, s1, p1, path, ctx, seen, depth)
        d0, d1 = s0.get("default", _MISSING), s1.get("default", _MISSING)
        if (d0 is _MISSING) != (d1 is _MISSING) or (d0 is not _MISSING and _value_key(d0) != _value_key(d1)):
            if d0 is _MISSING:
                text = f"default {_code(d1)} added"
            elif d1 is _MISSING:
                text = f"default {_code(d0)} removed"
            else:
                text = f"default changed from {_code(d0)} to {_code(d1)}"
            self.emit(ctx, "default-changed", "info", p1 if d1 is _MISSING else jp.child(p1, "default"), "new",
                      f"{where} {text}".strip())
        if s1.get("deprecated") is True and s0.get("deprecated") is not True:
            self.emit(ctx, "deprecated", "info", jp.child(p1, "deprecated"), "new", f"{where} deprecated".strip())

    def _types(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, where: str,
               ctx: _Ctx) -> None:
        t0, t1 = _types(self.old, s0, p0), _types(self.new, s1, p1)
        if t0 != t1:
            if t0 is None:
                effect, text = "narrow", f"type restricted to {_type_text(t1)}"
            elif t1 is None:
                effect, text = "widen", f"type restriction {_type_text(t0)} removed"
            else:
                wider, narrower = _covers(t1, t0), _covers(t0, t1)
                effect = "widen" if wider else "narrow" if narrower else "change"
                text = f"type changed from {_type_text(t0)} to {_type_text(t1)}"
            self.emit(ctx, "type-changed", effect, jp.child(p1, "type"), "new", f"{where} {text}".strip())
        f0, f1 = s0.get("format"), s1.get("format")
        if f0 != f1:
            # string formats constrain values (uuid, date-time); numeric ones are only a width hint
            stringy = "string" in (t1 or t0 or frozenset())
            if not stringy:
                effect = "info"
            else:
                effect = "narrow" if f0 is None else "widen" if f1 is None else "change"
            if f0 is None:
                text = f"format {_code(f1)} added"
            elif f1 is None:
                text = f"format {_code(f0)} removed"
            else:
                text = f"format changed from {_code(f0)} to {_code(f1)}"
            self.emit(ctx, "format-changed", effect, jp.child(p1, "format"), "new", f"{where} {text}".strip())
        null0, null1 = _nullable(s0), _nullable(s1)
        if null1 and not null0:
            self.emit(ctx, "nullable-added", "widen", jp.child(p1, "nullable"), "new", f"{where} is now nullable".strip())
        elif null0 and not null1:
            self.emit(ctx, "nullable-removed", "narrow", p1, "new", f"{where} is no longer nullable".strip())

    def _enum(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, where: str,
              ctx: _Ctx) -> None:
        e0, e1 = s0.get("enum"), s1.get("enum")
        if e0 is None and e1 is None:
            return
        pointer = jp.child(p1, "enum")
        if e0 is None:
            values = self.new.sequence(e1, pointer)
            self.emit(ctx, "enum-restriction-added", "narrow", pointer, "new",
                      f"{where} restricted to the values {_values(values)}".strip())
            return
        if e1 is None:
            self.emit(ctx, "enum-restriction-removed", "widen", p1, "new", f"{where} enum restriction removed".strip())
            return
        v0 = {_value_key(v): v for v in self.old.sequence(e0, jp.child(p0, "enum"))}
        v1 = {_value_key(v): v for v in self.new.sequence(e1, pointer)}
        added = [v1[k] for k in v1.keys() - v0.keys()]
        removed = [v0[k] for k in v0.keys() - v1.keys()]
        if added:
            self.emit(ctx, "enum-values-added", "enum-add", pointer, "new",
                      f"{where} enum {'value' if len(added) == 1 else 'values'} {_values(added)} added".strip())
        if removed:
            self.emit(ctx, "enum-values-removed", "narrow", pointer, "new",
                      f"{where} enum {'value' if len(removed) == 1 else 'values'} {_values(removed)} removed".strip())

    def _constraints(self, s0: Mapping[str, Any], s1: Mapping[str, Any], p1: str, where: str, ctx: _Ctx) -> None:
        for key in _LOWER + _UPPER + _OTHER:
            v0, v1 = s0.get(key), s1.get(key)
            if key in ("uniqueItems", "exclusiveMinimum", "exclusiveMaximum"):
                v0, v1 = (None if v is False else v for v in (v0, v1))
            if v0 == v1:
                continue
            if v0 is None:
                effect, text = "narrow", f"{key} {_code(v1)} added"
            elif v1 is None:
                effect, text = "widen", f"{key} {_code(v0)} removed"
            else:
                text = f"{key} changed from {_code(v0)} to {_code(v1)}"
                numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (v0, v1))
                if numeric and key in _LOWER:
                    effect = "narrow" if v1 > v0 else "widen"
                elif numeric and key in _UPPER:
                    effect = "widen" if v1 > v0 else "narrow"
                else:
                    effect = "change"
            self.emit(ctx, "constraint-changed", effect, jp.child(p1, key) if v1 is not None else p1, "new",
                      f"{where} {text}".strip())

    def _properties(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, path: str, ctx: _Ctx,
                    seen: frozenset[tuple[str, str]], depth: int) -> None:
        props0 = self.old.mapping(s0.get("properties") or {}, jp.child(p0, "properties"))
        props1 = self.new.mapping(s1.get("properties") or {}, jp.child(p1, "properties"))
        req0 = set(map(str, self.old.sequence(s0.get("required") or [], jp.child(p0, "required"))))
        req1 = set(map(str, self.new.sequence(s1.get("required") or [], jp.child(p1, "required"))))
        names0, names1 = set(map(str, props0)) | req0, set(map(str, props1)) | req1
        for name in sorted(names0 | names1):
            label = _child_path(path, name)
            where = _where(ctx, label)
            at1 = jp.child(p1, "properties", name) if name in props1 else jp.child(p1, "required")
            at0 = jp.child(p0, "properties", name) if name in props0 else jp.child(p0, "required")
            if name not in names0:
                required = name in req1
                shape = _describe(props1.get(name, {}))
                self.emit(ctx, "property-added", "add-required" if required else "add-optional", at1, "new",
                          f"{where} added ({'required' if required else 'optional'}{', ' + shape if shape else ''})")
            elif name not in names1:
                self.emit(ctx, "property-removed", "remove-required" if name in req0 else "remove", at0, "old",
                          f"{where} removed")
            else:
                if name in req1 and name not in req0:
                    self.emit(ctx, "property-required", "require", jp.child(p1, "required"), "new",
                              f"{where} is now required")
                elif name in req0 and name not in req1:
                    self.emit(ctx, "property-optional", "unrequire", at1, "new", f"{where} is now optional")
                if name in props0 or name in props1:
                    self.schema(props0.get(name, {}), jp.child(p0, "properties", name),
                                props1.get(name, {}), jp.child(p1, "properties", name), label, ctx, seen, depth + 1)

    def _additional(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, path: str, ctx: _Ctx,
                    seen: frozenset[tuple[str, str]], depth: int) -> None:
        a0, a1 = _additional(s0), _additional(s1)
        if a0 is True and a1 is True or a0 is False and a1 is False:
            return
        where = _where(ctx, path)
        pointer = jp.child(p1, "additionalProperties")
        if isinstance(a0, Mapping) and isinstance(a1, Mapping):
            self.schema(a0, jp.child(p0, "additionalProperties"), a1, pointer, f"{path}.*" if path else "*",
                        ctx, seen, depth + 1)
            return
        if a1 is False:
            effect, text = "narrow", "no longer allows additional properties"
        elif a1 is True:
            effect, text = "open", "now allows any additional properties"
        elif a0 is True:
            effect, text = "narrow", f"additional properties restricted to {_describe(a1) or 'a schema'}"
        else:
            effect, text = "open", f"now allows additional properties ({_describe(a1) or 'a schema'})"
        self.emit(ctx, "additional-properties-changed", effect, pointer if a1 is not True else p1, "new",
                  f"{where} {text}".strip())

    def _composition(self, keyword: str, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str,
                     path: str, ctx: _Ctx, seen: frozenset[tuple[str, str]], depth: int) -> None:
        l0 = self.old.sequence(s0.get(keyword) or [], jp.child(p0, keyword))
        l1 = self.new.sequence(s1.get(keyword) or [], jp.child(p1, keyword))
        if not l0 and not l1:
            return
        where = _where(ctx, path)
        if not l0 or not l1:
            # gaining a oneOf/anyOf/allOf adds a constraint; losing one lifts it
            added = not l0
            self.emit(ctx, "composition-changed", "narrow" if added else "widen",
                      jp.child(p1, keyword) if added else p1, "new",
                      f"{where} {keyword} {'added' if added else 'removed'} "
                      f"({_plural(len(l1 or l0), 'member')})".strip())
            return
        pairs, added_members, removed_members = self._match_members(l0, l1)
        union = keyword != "allOf"
        for index in added_members:
            self.emit(ctx, "variant-added", "widen" if union else "narrow", jp.child(p1, keyword, index), "new",
                      f"{where} {keyword} member {_member_label(l1[index], index)} added".strip())
        for index in removed_members:
            self.emit(ctx, "variant-removed", "narrow" if union else "widen", jp.child(p0, keyword, index), "old",
                      f"{where} {keyword} member {_member_label(l0[index], index)} removed".strip())
        for i0, i1 in pairs:
            # allOf members are parts of one object: show their fields as the object's own
            label = f"{keyword}[{_member_label(l1[i1], i1, code=False)}]"
            inner = path if keyword == "allOf" else f"{path}.{label}" if path else label
            self.schema(l0[i0], jp.child(p0, keyword, i0), l1[i1], jp.child(p1, keyword, i1), inner, ctx, seen,
                        depth + 1)

    def _match_members(self, l0: list[Any], l1: list[Any]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Pair union/intersection members: by component (rename-aware), then title, then position."""

        def key(node: Any, renames: Mapping[str, str]) -> str | None:
            name = _component(_ref(node), SCHEMAS)
            if name is not None:
                return "ref:" + renames.get(name, name)
            if _ref(node) is not None:
                return "ref:" + str(_ref(node))
            if isinstance(node, Mapping) and isinstance(node.get("title"), str):
                return "title:" + node["title"]
            return None

        keys0 = [key(m, self.renames) for m in l0]
        keys1 = [key(m, {}) for m in l1]
        pairs: list[tuple[int, int]] = []
        used0: set[int] = set()
        used1: set[int] = set()
        for i1, k1 in enumerate(keys1):
            if k1 is None:
                continue
            for i0, k0 in enumerate(keys0):
                if i0 not in used0 and k0 == k1:
                    pairs.append((i0, i1))
                    used0.add(i0)
                    used1.add(i1)
                    break
        rest0 = [i for i, k in enumerate(keys0) if i not in used0 and (k is None or k.startswith("title:"))]
        rest1 = [i for i, k in enumerate(keys1) if i not in used1 and (k is None or k.startswith("title:"))]
        # inline members without a matching title: pair by position among themselves
        for i0, i1 in zip(rest0, rest1):
            if keys0[i0] is None and keys1[i1] is None:
                pairs.append((i0, i1))
                used0.add(i0)
                used1.add(i1)
        added = [i for i in range(len(l1)) if i not in used1]
        removed = [i for i in range(len(l0)) if i not in used0]
        return sorted(pairs, key=lambda p: p[1]), added, removed

    # grouping and ordering

    def _finish(self) -> list[Change]:
        groups: dict[tuple[Any, ...], _Fact] = {}
        for fact in self.facts:
            key = (fact.kind, fact.effect, fact.location, fact.spec, fact.text,
                   None if fact.merge else fact.subject)
            if key in groups:
                groups[key].ops |= fact.ops
                groups[key].directions |= fact.directions
            else:
                groups[key] = _Fact(fact.kind, fact.effect, fact.location, fact.spec, fact.subject, fact.text,
                                    set(fact.ops), set(fact.directions), fact.shared, fact.merge)
        changes = []
        for fact in groups.values():
            client, server, notable = classify(fact.effect, fact.directions)
            subject = fact.subject
            if fact.merge and len(fact.ops) > 1:
                subject = {"#/servers": "root servers", "#/security": "root security"}.get(
                    fact.location, f"{len(fact.ops)} operations"
                )
            message = f"{_subject_text(subject)}: {fact.text}"
            if fact.shared:
                message += " — " + _usage_text(fact.ops, fact.directions)
            direction = "+".join(d for d in ("request", "response") if d in fact.directions) or None
            changes.append(
                Change(fact.kind, fact.location, fact.spec, client, server, notable, direction,
                       tuple(sorted(fact.ops)), message)
            )
        changes.sort(key=lambda c: (_section(c.location), c.location, c.kind, c.message))
        return changes


def _subject_text(subject: str) -> str:
    if subject.split(" ", 1)[0] in (m.upper() for m in METHODS):
        return _code(subject)
    return subject


def _usage_text(ops: set[str], directions: set[str]) -> str:
    if not ops:
        return "not used by any operation"
    where = " and ".join(f"{d}s" for d in ("request", "response") if d in directions)
    users = _code(next(iter(ops))) if len(ops) == 1 else _plural(len(ops), "operation")
    return f"used by {users} in {where}"


def _section(location: str) -> int:
    if location == "#/servers" or location.endswith("/servers") and location.startswith("#/paths/"):
        return 0
    if location.startswith(("#/security", "#/components/securitySchemes")):
        return 1
    if location.startswith("#/paths/"):
        return 2
    if location.startswith("#/components/parameters/"):
        return 3
    if location.startswith("#/components/schemas/"):
        return 4
    return 5


# --- schema helpers -----------------------------------------------------------------------------


def _as_schema(spec: _Spec, node: Any, pointer: str) -> Mapping[str, Any]:
    if node is True or node is None:
        return {}
    if node is False:
        return {"not": {}}
    return spec.mapping(node, pointer)


def _types(spec: _Spec, schema: Mapping[str, Any], pointer: str) -> frozenset[str] | None:
    raw = schema.get("type")
    if raw is None:
        return None
    if isinstance(raw, str):
        names = {raw}
    elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        names = set(raw)
    else:
        raise spec.fail(f"`type` must be a string or a list of strings, found {_kind_name(raw)}",
                        jp.child(pointer, "type"))
    names.discard("null")
    return frozenset(names) if names else None


def _nullable(schema: Mapping[str, Any]) -> bool:
    raw = schema.get("type")
    return schema.get("nullable") is True or (isinstance(raw, list) and "null" in raw)


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _type_text(types: frozenset[str] | None) -> str:
    return " | ".join(_code(t) for t in sorted(types or ()))


def _additional(schema: Mapping[str, Any]) -> Any:
    value = schema.get("additionalProperties", True)
    if value is True or value is None or (isinstance(value, Mapping) and not value):
        return True
    return value


def _describe(schema: Any) -> str:
    """A short shape for messages: the component name, the type, or ''."""
    name = _component(_ref(schema), SCHEMAS)
    if name is not None:
        return _code(name)
    if not isinstance(schema, Mapping):
        return ""
    raw = schema.get("type")
    if isinstance(raw, str):
        if raw == "array":
            inner = _describe(schema.get("items", {}))
            return f"array of {inner}" if inner else _code("array")
        return _code(raw)
    for keyword in ("oneOf", "anyOf", "allOf"):
        if schema.get(keyword):
            return keyword
    return ""


def _schema_label(ref: str | None) -> str:
    if ref is None:
        return "an inline schema"
    name = _component(ref, SCHEMAS)
    return _code(name) if name is not None else _code(ref)


def _member_label(node: Any, index: int, code: bool = True) -> str:
    name = _component(_ref(node), SCHEMAS)
    if name is None and isinstance(node, Mapping) and isinstance(node.get("title"), str):
        name = node["title"]
    if name is None:
        return f"#{index}" if not code else _code(f"#{index}") + (f" ({_describe(node)})" if _describe(node) else "")
    return _code(name) if code else name


def _where(ctx: _Ctx, path: str) -> str:
    parts = [ctx.prefix] if ctx.prefix else []
    if path:
        parts.append(("property " if not path.startswith(("[", "*")) else "") + _code(path))
    return " ".join(parts)


def _style(param: _Param) -> tuple[str, bool]:
    default = "form" if param.location in ("query", "cookie") else "simple"
    style = str(param.node.get("style", default))
    explode = param.node.get("explode", style == "form")
    return style, bool(explode)


def _param_schema(spec: _Spec, param: _Param) -> tuple[Any, str]:
    if "schema" in param.node:
        return param.node["schema"], jp.child(param.pointer, "schema")
    content = spec.content(param.node, param.pointer)
    for media_type in sorted(content):
        return content[media_type]
    return {}, jp.child(param.pointer, "schema")


def _alt_text(alternative: frozenset[tuple[str, tuple[str, ...]]]) -> str:
    if not alternative:
        return "no authentication"
    parts = []
    for name, scopes in sorted(alternative):
        parts.append(_code(name) + (f" (scopes {', '.join(_code(s) for s in scopes)})" if scopes else ""))
    return " + ".join(parts)


def _shape(schema: Any, self_name: str) -> str:
    """Canonical text of a schema without documentation, for rename detection."""
    return json.dumps(_canonical(schema, SCHEMAS + jp.escape(self_name), 0), sort_keys=True, default=str)


def _canonical(node: Any, self_ref: str, depth: int) -> Any:
    if depth > MAX_DEPTH or not isinstance(node, Mapping):
        return node
    ref = _ref(node)
    if ref is not None:
        return {"$ref": "<self>" if ref == self_ref else ref}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DOC_KEYS or (isinstance(key, str) and key.startswith("x-")):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {str(k): _canonical(v, self_ref, depth + 1) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_canonical(v, self_ref, depth + 1) for v in value]
        elif key in _SCHEMA_ONE:
            out[key] = _canonical(value, self_ref, depth + 1)
        elif key == "required" and isinstance(value, list):
            out[key] = sorted(map(str, value))
        else:
            out[str(key)] = value
    return out


# --- entry points -------------------------------------------------------------------------------


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any], *, old_label: str = "old",
                   new_label: str = "new") -> DiffResult:
    """Compare two loaded OpenAPI 3 documents. Raises GeneratorError on malformed input."""
    old_spec, new_spec = _Spec(old, old_label, "old"), _Spec(new, new_label, "new")
    differ = _Differ(old_spec, new_spec)
    return DiffResult(old_spec.info, new_spec.info, tuple(differ.run()))


def load_for_diff(path: Path, overlay: Path | None = None) -> dict[str, Any]:
    """Load a spec (and apply an overlay) the way the generator does, without validating it."""
    from .load import load_spec

    loaded = load_spec(Path(path))
    document = loaded.document
    if overlay is not None:
        from . import overlay as overlay_mod

        document = overlay_mod.apply_overlay(document, overlay_mod.load_overlay(Path(overlay)),
                                             overlay_path=Path(overlay))
    from . import refs

    # file refs are bundled into components, so the walk below only meets internal pointers
    return refs.resolve_refs(document, base_dir=Path(path).parent, spec_file=Path(path), source=loaded)


def diff_specs(old: Path, new: Path, *, overlay: Path | None = None) -> DiffResult:
    old_doc, new_doc = load_for_diff(old, overlay), load_for_diff(new, overlay)
    try:
        return diff_documents(old_doc, new_doc, old_label=str(old), new_label=str(new))
    except GeneratorError as exc:
        raise GeneratorError(_with_lines(exc.diagnostics, {str(old): Path(old), str(new): Path(new)})) from None


def _with_lines(diagnostics: list[Diagnostic], files: Mapping[str, Path]) -> list[Diagnostic]:
    """Add line:column to diagnostics that only carry a pointer (best effort)."""
    out = []
    for d in diagnostics:
        if d.line is None and d.pointer and d.file is not None and d.file in files:
            try:
                from .sourcemap import locate

                position = locate(files[d.file].read_text(encoding="utf-8", errors="replace"), d.pointer,
                                  nearest=True)
            except Exception:  # noqa: BLE001 - locating is a nicety; never hide the real error
                position = None
            if position:
                d = Diagnostic(d.severity, d.message, d.pointer, d.file, position[0], position[1], d.hint, d.code)
        out.append(d)
    return out


def main_diff(old: Path, new: Path, *, fmt: Format = "text", fail_on: FailOn = "never",
              overlay: Path | None = None) -> tuple[str, int]:
    """What `portkey-codegen diff` runs: (report text, exit code 0 or 1). Bad input: GeneratorError."""
    if fmt not in FORMATS:
        raise GeneratorError(Diagnostic("error", f"unknown diff format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}"))
    if fail_on not in FAIL_ON:
        raise GeneratorError(Diagnostic("error", f"unknown --fail-on value {fail_on!r}",
                                        hint=f"use one of {', '.join(FAIL_ON)}"))
    result = diff_specs(Path(old), Path(new), overlay=overlay)
    text = render(result, fmt)
    return text, exit_code(result, fail_on)


def exit_code(result: DiffResult, fail_on: str) -> int:
    failing = {
        "breaking": any(c.breaking for c in result.changes),
        "breaking-client": any(c.breaking_client for c in result.changes),
        "breaking-server": any(c.breaking_server for c in result.changes),
        "any": bool(result.changes),
        "never": False,
    }[fail_on]
    return 1 if failing else 0


# --- output -------------------------------------------------------------------------------------


def render(result: DiffResult, fmt: str) -> str:
    return {"text": render_text, "markdown": render_markdown, "json": render_json}[fmt](result)


def render_json(result: DiffResult) -> str:
    data = {
        "old": {"title": result.old_info[0], "version": result.old_info[1]},
        "new": {"title": result.new_info[0], "version": result.new_info[1]},
        "summary": result.summary(),
        "changes": [c.to_json() for c in result.changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _tag(change: Change) -> str:
    if change.breaking_client and change.breaking_server:
        return "BREAKING client+server"
    if change.breaking_client:
        return "BREAKING client"
    if change.breaking_server:
        return "BREAKING server"
    return "notable" if change.notable else ""


def _ops_text(ops: tuple[str, ...]) -> str:
    text = ", ".join(_code(o) for o in ops[:LIST_LIMIT])
    return text + (f" and {len(ops) - LIST_LIMIT} more" if len(ops) > LIST_LIMIT else "")


def _title(result: DiffResult) -> str:
    (t0, v0), (t1, v1) = result.old_info, result.new_info
    if t0 == t1:
        return f"{t0 or 'API'} {v0} → {v1}"
    return f"{t0} {v0} → {t1} {v1}"


def _show_ops(change: Change) -> bool:
    # a message names a single operation already; list them when there are several
    return len(change.operations) > 1


def render_text(result: DiffResult) -> str:
    s = result.summary()
    lines = [
        f"API diff: {_title(result)}",
        (
            f"{_plural(s['changes'], 'change')}: {s['breaking_client']} breaking for client users, "
            f"{s['breaking_server']} breaking for server implementers, {s['notable']} notable"
        ),
    ]
    if not result.changes:
        lines.append("no API-level changes")
    width = max((len(_tag(c)) for c in result.changes), default=0)
    for change in result.changes:
        lines.append(f"  {_tag(change):<{width}}  {change.message}")
        lines.append(f"  {'':<{width}}    at {change.location} ({change.spec} spec)")
        if change.operations and _show_ops(change):
            lines.append(f"  {'':<{width}}    operations: {_ops_text(change.operations)}")
    return "\n".join(lines) + "\n"


_CATEGORIES = (
    ("Servers", ("server",)),
    ("Security", ("security", "security-scheme")),
    ("Operations", ("operation",)),
    ("Parameters", ("parameter",)),
    ("Request bodies", ("request-body",)),
    ("Responses", ("response",)),
    ("Component schemas", ("schema",)),
)


def render_markdown(result: DiffResult) -> str:
    s = result.summary()
    out = [f"## API diff: {_title(result)}", ""]
    if not result.changes:
        return "\n".join(out + ["No API-level changes.", ""])
    out += [
        (
            f"**{s['breaking_client']}** breaking for client users · **{s['breaking_server']}** breaking for "
            f"server implementers · {s['notable']} notable · {s['changes']} changes in all"
        ),
        "",
        "| Area | Changes | Breaking for clients | Breaking for servers | Notable |",
        "|---|---:|---:|---:|---:|",
    ]
    for title, prefixes in _CATEGORIES:
        items = [c for c in result.changes if c.kind.split(".", 1)[0] in prefixes]
        if items:
            out.append(
                f"| {title} | {len(items)} | {sum(c.breaking_client for c in items)} | "
                f"{sum(c.breaking_server for c in items)} | {sum(c.notable for c in items)} |"
            )
    out.append(f"| **Total** | **{s['changes']}** | **{s['breaking_client']}** | **{s['breaking_server']}** | "
               f"**{s['notable']}** |")

    def section(title: str, items: list[Change], note: str) -> None:
        if not items:
            return
        out.extend(["", f"### {title} ({len(items)})", "", f"_{note}_", ""])
        for change in items:
            line = f"- {change.message}"
            if change.operations and _show_ops(change):
                line += f"<br>operations: {_ops_text(change.operations)}"
            out.append(line)

    section("Breaking for client users", result.breaking_client,
            "code calling the API as the old spec describes it may fail")
    section("Breaking for server implementers", result.breaking_server,
            "a server implementing the old spec no longer satisfies the new one")
    section("Notable", [c for c in result.changes if c.notable], "not breaking, but worth a look")
    section("Other changes", [c for c in result.changes if not c.breaking and not c.notable], "compatible")
    return "\n".join(out) + "\n"

