"""Plan the FastAPI server stubs: `<pkg>/server/...` from the IR.

The IR carries every decision (input fields, names, stream mode, route order: generator/lower/);
here they become small view objects of rendered annotations the templates in templates/server/
only lay out. Spec strings
(paths, wire names, descriptions) stay raw in the views and reach the output only through the
`py`/`docstring`/`comment` filters.

Layout of the generated package (all imports relative, so it can be vendored anywhere):

  server/__init__.py         re-exports: create_app, RequestContext, HTTPError, services, inputs
  server/_runtime/           static: errors, security, limits, params, schema, dispatch, SSE, mock, served spec
  server/context.py          RequestContext (security schemes + tracing headers) and its dependency
  server/inputs/<res>.py     one frozen dataclass per operation of the resource: its parameters and body
  server/services/<res>.py   the resource's base class: one async method per operation
  server/routes/<res>.py     one APIRouter per top-level resource, built around a service instance
  (inputs/ and services/ re-export their names in __init__.py; the three per-resource modules share
  one name, so a spec change touches only the modules of the resources it concerns)
  server/app.py              create_app(*, <resource>=..., mock=False, prefix="", lifespan, dependencies)
  server/openapi.json        the spec after the overlay: served as /openapi.json, enforced on requests
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import typeref as tr
from .ir import Api, InputField, Operation, Resource, Service, TypeRef
from .render import render, static_files

__all__ = ["emit_server", "plan_server", "ServerPlan"]

# The spec-independent server runtime under templates/, copied verbatim (a folder of modules).
SERVER_RUNTIME = ("server/_runtime",)

@dataclass(frozen=True)
class ArgView:
    """One endpoint parameter (FastAPI signature) and the matching input-object field."""

    local: str  # endpoint parameter name (an identifier)
    field: str  # attribute on the input object
    field_annotation: str  # type on the input object
    field_default: str | None  # default on the input object ("None") or None when required
    annotation: str  # type FastAPI validates the wire value into ("str" for JSON-carrying values)
    marker: str  # FastAPI marker: Path/Query/Header/Cookie/Body/Form/File, or Raw (read by the runtime)
    alias: str | None  # wire name when FastAPI needs it (raw: the template applies `py`)
    header: bool  # a header parameter: FastAPI must not turn `_` into `-` in its name
    default: str | None  # "None" or None (required)
    json_type: str | None  # set when the wire carries JSON text to validate into this type
    location: str  # path | query | header | cookie | body
    description: str | None
    field_type: TypeRef = tr.ANY  # the type `field_annotation` renders (imports are read from it)
    # How the route turns the wire text into `json_type`: "json" (JSON text, or the `simple`
    # style for objects), "delimited" (items joined by `delimiter`), "deep" (`name[key]=value`
    # query pairs, or JSON text); "" when FastAPI reads the value itself.
    decode: str = ""
    delimiter: str = ""


@dataclass(frozen=True)
class RouteView:
    op: Operation
    status_code: int
    response_model: str | None  # Python source of the response model, or None
    response_class: str | None  # "Response" for non-JSON successes
    extra_content: tuple[tuple[str, str], ...]  # (media type, schema kind) for the responses= argument
    return_hint: str  # service method return annotation
    args: tuple[ArgView, ...]
    raw_body: str | None  # "bytes" | "str" | "form" when the body is read from the request
    security: tuple[tuple[str, ...], ...]  # scheme field names
    openapi_security: list[dict[str, list[str]]]  # the OpenAPI `security` value (scheme keys)
    request_body_doc: tuple[str, bool] | None  # (media type, required) for raw bodies
    spec_kind: str
    chunk_hint: str | None
    return_type: TypeRef = tr.ANY  # what `return_hint` renders

    @property
    def json_params(self) -> tuple[ArgView, ...]:
        """Query/header/cookie parameters carrying JSON text (form fields are documented by FastAPI)."""
        return tuple(a for a in self.args if a.decode == "json" and a.location in ("query", "header", "cookie"))

    @property
    def reads_request(self) -> bool:
        """The route reads the request itself: a raw body, or a deepObject's `name[key]` pairs."""
        return bool(self.raw_body) or any(a.decode == "deep" for a in self.args)

    @property
    def secured(self) -> bool:
        return bool(self.security) and all(self.security)

    @property
    def stream_mode(self) -> str:
        return self.op.streaming.mode if self.op.streaming else "never"


@dataclass(frozen=True)
class ServiceView:
    resource: Resource
    service: Service
    operations: tuple[RouteView, ...]  # in route order

    @property
    def keyword(self) -> str:  # create_app keyword
        return self.service.keyword

    @property
    def class_name(self) -> str:  # "ChatService"
        return self.service.class_name

    @property
    def module(self) -> str:
        """Module name in routes/, inputs/ and services/: the client's (`Resource.module`)."""
        return self.service.module


@dataclass(frozen=True)
class ContextField:
    name: str
    wire: str
    kind: str  # header | bearer | basic | query | cookie | tracing
    description: str | None


@dataclass(frozen=True)
class ServerPlan:
    services: tuple[ServiceView, ...]
    credentials: tuple[ContextField, ...]
    tracing: tuple[ContextField, ...]
    security_schemes: dict[str, dict[str, str]]  # components.securitySchemes for the OpenAPI output


# -- helpers ------------------------------------------------------------------------------------
def _optional(t: TypeRef) -> str:
    return tr.render(tr.optional(t))


def _status(status: str) -> int:
    return int(status) if status.isdigit() else 200


_MARKERS = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}
_SOURCE_MARKERS = {"json": "Body", "form": "Form", "file": "File", "raw": "Raw"}


def _arg_view(f: InputField) -> ArgView:
    """An input field laid out: its annotations, FastAPI marker and default."""
    default = None if f.required else "None"
    return ArgView(
        local=f.local,
        field=f.name,
        field_annotation=tr.render(f.type) if f.required else _optional(f.type),
        field_default=default,
        annotation=tr.render(f.wire_type) if f.required else _optional(f.wire_type),
        marker=_MARKERS[f.location] if f.source == "param" else _SOURCE_MARKERS[f.source],
        alias=f.alias,
        header=f.location == "header",
        default=default,
        json_type=tr.render(f.type) if f.decode else None,
        location=f.location,
        description=f.description,
        field_type=f.type,
        decode=f.decode,
        delimiter=f.delimiter,
    )


def _route_view(op: Operation, scheme_keys: dict[str, str]) -> RouteView:
    args = tuple(_arg_view(f) for f in op.inputs)
    body = op.body
    raw_body = {"binary": "bytes", "text": "str"}.get(body.kind, "form") if body and op.inputs[-1].source == "raw" else None
    answer = op.server_response
    assert answer is not None, op.key  # lower/arguments.py `finish` sets it
    chunk_hint = op.streaming.chunk_type_hint if op.streaming else None
    return RouteView(
        op=op,
        status_code=_status(op.success.status),
        response_model=tr.render(answer.model) if answer.model else None,
        response_class="Response" if answer.plain else None,
        extra_content=answer.content,
        return_hint=tr.render(answer.returns),
        args=args,
        raw_body=raw_body,
        security=op.security,
        openapi_security=[{scheme_keys[n]: [] for n in alt if n in scheme_keys} for alt in op.security],
        request_body_doc=(body.media_type, body.required) if raw_body and body else None,
        spec_kind=answer.kind,
        chunk_hint=None if chunk_hint == "Any" else chunk_hint,
        return_type=answer.returns,
    )


def _context_fields(api: Api) -> tuple[tuple[ContextField, ...], tuple[ContextField, ...]]:
    credentials = tuple(ContextField(s.py_name, s.wire_name, s.kind, s.description) for s in api.security_schemes)
    tracing = tuple(ContextField(t.name, t.wire_name, "tracing", t.description) for t in api.tracing_headers)
    return credentials, tracing


def _openapi_schemes(api: Api) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for s in api.security_schemes:
        if s.kind in ("bearer", "basic"):
            out[s.key] = {"type": "http", "scheme": s.kind}
        else:
            out[s.key] = {"type": "apiKey", "in": s.kind, "name": s.wire_name}
    return out


def plan_server(api: Api) -> ServerPlan:
    """The server's views, in the IR's create_app and route order."""
    scheme_keys = {s.py_name: s.key for s in api.security_schemes}
    resources = {res.name: res for res in api.root.children}
    ops = {op.key: op for op in api.operations}
    services = tuple(
        ServiceView(resources[s.resource], s, tuple(_route_view(ops[key], scheme_keys) for key in s.routes))
        for s in api.services
    )
    credentials, tracing = _context_fields(api)
    return ServerPlan(services, credentials, tracing, _openapi_schemes(api))


def _typing_names(types: list[TypeRef]) -> list[str]:
    """The names a module's annotations take from `typing`."""
    nodes = [n for t in types for n in tr.walk(t)]
    return [n for n, used in (("Any", tr.ANY in nodes), ("Literal", any(n.kind == "literal" for n in nodes))) if used]


# -- entry point ---------------------------------------------------------------------------------
def emit_server(api: Api, env: jinja2.Environment, header: str, user_templates: Path | None) -> dict[str, str]:
    """Relative path (under the output folder) -> file text (unformatted) for the server part."""
    plan = plan_server(api)
    pkg = api.package_name.replace(".", "/")
    base = f"{pkg}/server"
    ctx = {"api": api, "header": header, "plan": plan}
    files: dict[str, str] = {}
    files[f"{base}/__init__.py"] = render(env, "server/__init__.py.j2", **ctx)
    # Static runtime, copied as is under the header (a user template of the same name wins).
    for rel, text in static_files(SERVER_RUNTIME, user_templates).items():
        files[f"{pkg}/{rel}"] = header + "\n" + text
    files[f"{base}/context.py"] = render(env, "server/context.py.j2", **ctx)
    files[f"{base}/inputs/__init__.py"] = render(env, "server/inputs_init.py.j2", **ctx)
    files[f"{base}/services/__init__.py"] = render(env, "server/services_init.py.j2", **ctx)
    for svc in plan.services:
        input_types = [a.field_type for v in svc.operations for a in v.args]
        files[f"{base}/inputs/{svc.module}.py"] = render(
            env,
            "server/inputs.py.j2",
            service=svc,
            typing_names=_typing_names(input_types),
            upload_file=any(n == tr.name("UploadFile") for t in input_types for n in tr.walk(t)),
            **ctx,
        )
        files[f"{base}/services/{svc.module}.py"] = render(
            env,
            "server/services.py.j2",
            service=svc,
            typing_names=_typing_names([v.return_type for v in svc.operations]),
            **ctx,
        )
    files[f"{base}/routes/__init__.py"] = render(env, "server/routes_init.py.j2", **ctx)
    for svc in plan.services:
        # a route reads each argument as its field type (or as text holding it) and answers the model
        types = [a.field_type for v in svc.operations for a in v.args]
        types += [v.op.success.type for v in svc.operations if v.response_model]
        names = sorted({"Annotated", "Any", *_typing_names(types)})
        files[f"{base}/routes/{svc.module}.py"] = render(
            env, "server/routes.py.j2", service=svc, typing_names=names, **ctx
        )
    files[f"{base}/app.py"] = render(env, "server/app.py.j2", **ctx)
    # The spec itself (data, not code): app.py serves it as /openapi.json and enforces it.
    files[f"{base}/openapi.json"] = api.openapi_json or "{}\n"
    return files
