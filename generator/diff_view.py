"""The diff's view of one spec: `_Spec` reads it through `SchemaIndex` and reports malformed
input with the file's name; the helpers here write spec values into messages and describe
schema shapes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from . import pointer as jp
from .diagnostics import Diagnostic, GeneratorError
from .schema import SCHEMAS, SchemaIndex, SpecOperation as _Op, SpecParameter as _Param
from .schema import component_name as _component, kind_name as _kind_name, ref_of as _ref

MAX_DEPTH = 200  # nesting guard: the walk is recursive; real schemas nest < 20 deep
LIST_LIMIT = 12  # values / operations shown in a message before "and N more"
# what rename detection compares: a schema without its documentation
_DOC_KEYS = frozenset({"description", "title", "example", "examples", "externalDocs", "$comment", "xml"})
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")


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


def _component_of(ref: str, prefix: str) -> str | None:
    """The component a ref points into (``#/components/schemas/Foo/properties/x`` -> ``Foo``)."""
    if not ref.startswith(prefix):
        return None
    return jp.unescape(ref[len(prefix) :].split("/", 1)[0]) or None


def _child_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# --- one spec -----------------------------------------------------------------------------------


class _Spec:
    """Read-only view of one document with error-reporting accessors (it reads through SchemaIndex)."""

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
        self.index = SchemaIndex(document, fail=self.fail)
        raw_info = document.get("info")
        info: Mapping[str, Any] = raw_info if isinstance(raw_info, Mapping) else {}
        self.info = (str(info.get("title", "")), str(info.get("version", "")))
        components = self.mapping(document.get("components") or {}, "#/components")
        self.schemas = self.mapping(components.get("schemas") or {}, "#/components/schemas")
        self.parameters = self.mapping(components.get("parameters") or {}, "#/components/parameters")
        self.security_schemes = self.mapping(
            components.get("securitySchemes") or {}, "#/components/securitySchemes"
        )
        self.ops: dict[str, _Op] = {op.key: op for op in self.index.operations}
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

    # the parts of an operation, resolved

    def params(self, op: _Op) -> dict[tuple[str, str], _Param]:
        """Effective parameters (path-level, overridden by operation-level), keyed by (in, name)."""
        if op.key not in self._params:
            self._params[op.key] = {
                (p.location, p.name.lower() if p.location == "header" else p.name): p
                for p in self.index.parameters(op)
            }
        return self._params[op.key]

    def body(self, op: _Op) -> tuple[Mapping[str, Any], str] | None:
        if op.op.get("requestBody") is None:
            return None
        node, pointer = self.index.deref(op.op["requestBody"], jp.child(op.pointer, "requestBody"))
        return self.mapping(node, pointer), pointer

    def responses(self, op: _Op) -> dict[str, tuple[Mapping[str, Any], str]]:
        raw = self.mapping(op.op.get("responses") or {}, jp.child(op.pointer, "responses"))
        found = {}
        for code, response in raw.items():
            node, pointer = self.index.deref(response, jp.child(op.pointer, "responses", code))
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
        if "security" in op.op:
            raw, pointer = op.op["security"], jp.child(op.pointer, "security")
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
        if "servers" in op.op:
            return op.op["servers"], jp.child(op.pointer, "servers")
        if "servers" in op.path_item:
            return op.path_item["servers"], jp.child(op.item_pointer, "servers")
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
                        stack.append((self.index.deref(current, pointer)[0], depth + 1))
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
