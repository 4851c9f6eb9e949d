"""The served OpenAPI document: the spec itself plus the error answers this server adds."""

from __future__ import annotations

import json
from collections.abc import (
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import JsonSchemaMode

from .adapters import type_adapter
from .contract import Contract
from .errors import error_schema
from .paths import RouteDoc


def install_openapi(
    app: FastAPI,
    docs: Iterable[RouteDoc],
    security_schemes: Mapping[str, Any],
    contract: Contract | None = None,
) -> None:
    """Make `app.openapi()` the spec itself (after the overlay), with what the server adds.

    Everything of the spec stays as written (operationIds, tags, servers, examples, schemas); the
    server adds only the error answers it can give on top of the documented ones (400, 401 when
    secured, 413/415 when there is a body, 500, 501), and the prefix it is mounted under. Without
    a contract (a package generated before the spec was shipped) FastAPI's own schema is patched.
    """
    docs = tuple(docs)
    app.state.route_docs = docs  # for the Allow header of 405 answers
    if contract is None or not contract.document.get("paths"):
        _install_patched_openapi(app, docs, security_schemes)
        return
    cached: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not cached:
            cached.append(_served_spec(contract.document, docs))
        return cached[0]

    app.openapi = openapi  # type: ignore[method-assign]


def _served_spec(
    document: Mapping[str, Any], docs: Sequence[RouteDoc]
) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(
        json.dumps(document)
    )  # a copy: the contract keeps the original
    openapi_31 = str(spec.get("openapi", "")).startswith("3.1")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    name, errors = "ErrorResponse", error_schema(openapi_31)
    while name in schemas and schemas[name] != errors:
        name = "Server" + name  # the spec has its own ErrorResponse
    schemas[name] = errors
    error_ref = {"$ref": f"#/components/schemas/{name}"}
    answers = {
        "400": "Invalid request",
        "401": "Missing credentials",
        "413": "Request body too large",
        "415": "Unsupported media type",
        "500": "Server error",
        "501": "Not implemented by this server",
    }
    paths = spec.get("paths") or {}
    for doc in docs:
        item = paths.get(doc.spec_path[len(doc.prefix) :])
        if not isinstance(item, dict) or not isinstance(item.get(doc.method), dict):
            continue
        responses = item[doc.method].setdefault("responses", {})
        has_body = "requestBody" in item[doc.method]
        for status, description in answers.items():
            if status == "401" and not doc.secured:
                continue
            if status in ("413", "415") and not has_body:
                continue
            responses.setdefault(
                status,
                {
                    "description": description,
                    "content": {"application/json": {"schema": error_ref}},
                },
            )
        for response in responses.values():
            stream = (response.get("content") or {}).get("text/event-stream")
            if isinstance(stream, dict) and isinstance(stream.get("schema"), dict):
                terminator = stream.get("x-stream-terminator")
                stream["schema"] = _event_of(stream["schema"], terminator, openapi_31)
    # This server first (relative to where the document is served), then the spec's own.
    prefix = next((d.prefix for d in docs if d.prefix), "")
    here = {"url": prefix or "/", "description": "This server"}
    spec["servers"] = [here] + list(spec.get("servers") or [])
    # Path- and operation-level servers override the top level: this server comes first there too.
    for item in paths.values():
        for node in [item, *(v for v in item.values() if isinstance(v, dict))]:
            if isinstance(node, dict) and isinstance(node.get("servers"), list):
                node["servers"] = [here] + node["servers"]
    return spec


def _event_of(
    data_schema: dict[str, Any], terminator: Any, openapi_31: bool
) -> dict[str, Any]:
    """The schema of one server-sent event whose `data` is JSON of `data_schema` (OpenAPI < 3.2:
    the `text/event-stream` schema describes each event, so the spec's chunk schema moves into
    `data`), or the terminator."""
    if data_schema.get("required") == ["data"]:
        return data_schema  # already an event
    return _event_envelope(
        data_schema, terminator if isinstance(terminator, str) else None, openapi_31
    )


def _event_envelope(
    data_schema: dict[str, Any], terminator: str | None, openapi_31: bool
) -> dict[str, Any]:
    """An event whose `data` is JSON of `data_schema`, or the terminator when there is one.

    3.1 says it in JSON Schema (contentMediaType, contentSchema, if/const); 3.0 has none of these
    keywords, so there they are extensions beside a description saying the same.
    """
    data: dict[str, Any]
    if openapi_31:
        content = {"contentMediaType": "application/json", "contentSchema": data_schema}
        data = {"type": "string", **content}
        if terminator is not None:
            data = {"type": "string", "if": {"const": terminator}, "else": content}
    else:
        said = "JSON text of one chunk (x-content-schema)"
        if terminator is not None:
            said += f", or {json.dumps(terminator)} at the end of the stream"
        data = {
            "type": "string",
            "description": said,
            "x-content-media-type": "application/json",
            "x-content-schema": data_schema,
        }
    return {"type": "object", "required": ["data"], "properties": {"data": data}}


def _install_patched_openapi(
    app: FastAPI, docs: Sequence[RouteDoc], security_schemes: Mapping[str, Any]
) -> None:
    done: set[int] = set()
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        if id(schema) not in done:
            _patch_openapi(schema, docs, security_schemes)
            done.add(id(schema))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _patch_openapi(
    schema: dict[str, Any],
    docs: Sequence[RouteDoc],
    security_schemes: Mapping[str, Any],
) -> None:
    paths: dict[str, Any] = schema.setdefault("paths", {})
    components: dict[str, Any] = schema.setdefault("components", {})
    components.setdefault("schemas", {})["ErrorResponse"] = error_schema(True)  # 3.1
    if security_schemes:
        components["securitySchemes"] = dict(security_schemes)
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}

    def error(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": error_ref}},
        }

    moved: dict[str, dict[str, Any]] = {}
    for doc in docs:
        item = paths.get(doc.route_path)
        if not isinstance(item, dict) or doc.method not in item:
            continue
        operation = item.pop(doc.method)
        if not item:
            del paths[doc.route_path]
        renames = dict(doc.renames)
        as_json = {(where, name): tp for where, name, tp in doc.json_params}
        for param in operation.get("parameters", []):
            if param.get("in") == "path" and param.get("name") in renames:
                param["name"] = renames[param["name"]]
            _drop_null(param)
            tp = as_json.get((param.get("in"), param.get("name")), None)
            if tp is not None:
                param.pop("schema", None)
                json_schema = _json_schema(tp, components)
                param["content"] = {"application/json": {"schema": json_schema}}
        responses = operation.setdefault("responses", {})
        if doc.chunk_type is not None:
            for response in responses.values():
                stream = response.get("content", {}).get("text/event-stream")
                if isinstance(stream, dict):
                    stream["schema"] = _event_schema(doc, components)
        responses.pop("422", None)
        responses["400"] = error("Invalid request")
        if doc.secured:
            responses["401"] = error("Missing credentials")
        responses["500"] = error("Server error")
        responses["501"] = error("Not implemented by this server")
        moved.setdefault(doc.spec_path, {})[doc.method] = operation
    for path, operations in moved.items():
        paths.setdefault(path, {}).update(operations)
    validation = components.get("schemas", {})
    if not any(
        "HTTPValidationError" in str(op)
        for item in paths.values()
        for op in item.values()
    ):
        validation.pop("HTTPValidationError", None)
        validation.pop("ValidationError", None)


def _event_schema(doc: RouteDoc, components: dict[str, Any]) -> dict[str, Any]:
    """One server-sent event (OpenAPI < 3.2: `schema` describes each event): JSON chunk data,
    or the terminator."""
    return _event_envelope(
        _json_schema(doc.chunk_type, components, "serialization"),
        doc.terminator,
        openapi_31=True,  # FastAPI's own document is 3.1
    )


def _drop_null(param: dict[str, Any]) -> None:
    # FastAPI documents an optional parameter as `anyOf: [T, null]`; on the wire None is spelled
    # by leaving the parameter out, so the documented type is T alone.
    schema = param.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("anyOf"), list):
        return
    members = [m for m in schema["anyOf"] if m != {"type": "null"}]
    if len(members) == len(schema["anyOf"]):
        return
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    param["schema"] = (
        {**members[0], **rest} if len(members) == 1 else {**rest, "anyOf": members}
    )


def _json_schema(
    tp: Any, components: dict[str, Any], mode: JsonSchemaMode = "validation"
) -> dict[str, Any]:
    schema = type_adapter(tp).json_schema(
        ref_template="#/components/schemas/{model}", mode=mode
    )
    schemas = components.setdefault("schemas", {})
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    return schema
