"""Plan the FastAPI server stubs: `<pkg>/server/...` from the IR.

Every decision is made here, in plain Python, into small view objects (precomputed names, type
annotations and defaults); the templates in templates/server/ only lay them out. Spec strings
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

from .diagnostics import Diagnostic, GeneratorError
from . import typeref as tr
from .ir import Api, Operation, Param, Resource, TypeRef
from .naming import class_name, module_names, safe_identifier, snake_name
from .render import render, static_folder

__all__ = ["emit_server", "plan_server", "ServerPlan"]

# Portkey tracing headers always offered on RequestContext (the spec declares them on a few
# operations only; a gateway reads them on every request).
TRACING_HEADERS = (
    "x-portkey-trace-id",
    "x-portkey-span-id",
    "x-portkey-parent-span-id",
    "x-portkey-span-name",
    "x-portkey-metadata",
    "x-portkey-cache-namespace",
    "x-portkey-cache-force-refresh",
)
TRACING_PREFIX = "x-portkey-"

# Names the route module's endpoint functions use for themselves: parameters must not take them.
ENDPOINT_LOCALS = frozenset({"_ctx", "_body", "_request", "_service", "_mock", "_router", "_input"})
# create_app keywords that are not resources.
APP_KEYWORDS = frozenset({"mock", "prefix", "title", "version"})
_SIMPLE_NAMES = frozenset({"str", "int", "float", "bool", "bytes", "None"})


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
    extra: str  # extra marker arguments (already Python source, no spec text)
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
class OperationView:
    op: Operation
    input_class: str
    route_path: str  # FastAPI path: identifiers for path variables (raw: template applies `py`)
    renames: tuple[tuple[str, str], ...]  # (route variable, spec name) where they differ
    status_code: int
    response_model: str | None  # Python source of the response model, or None
    response_class: str | None  # "Response" for non-JSON successes
    extra_content: tuple[tuple[str, str], ...]  # (media type, schema kind) for the responses= argument
    return_hint: str  # service method return annotation
    args: tuple[ArgView, ...]
    raw_body: str | None  # "bytes" | "str" | "form" when the body is read from the request
    stream_mode: str  # never | always | json_flag | form_flag: how the route learns a stream was asked
    stream_flag: str | None  # wire name (json_flag) or endpoint local (form_flag) of the flag
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


@dataclass(frozen=True)
class ServiceView:
    resource: Resource
    keyword: str  # create_app keyword
    class_name: str  # "ChatService"
    operations: tuple[OperationView, ...]

    @property
    def module(self) -> str:
        """Module name in routes/, inputs/ and services/: the client's (`Resource.module`, from
        `naming.module_names`), so one resource has one module name on both sides."""
        # An IR built by hand (tests) may leave it unset: the same rule for this name alone.
        return self.resource.module or module_names([self.keyword], suffix="_resource")[self.keyword]


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
def _is_simple(t: TypeRef) -> bool:
    """A type FastAPI reads from a query/header/form value without help (scalars, literals, enums,
    a list of them). Not an object model: FastAPI would read a model in `Query` from the whole
    query string."""
    if _is_list(t):
        t = t.args[0]
    return all(
        m.kind == "literal" or (m.kind == "model" and m.enum) or (m.kind == "name" and m.name in _SIMPLE_NAMES)
        for m in tr.members(t)
    )


def _is_list(t: TypeRef) -> bool:
    return t.kind == "generic" and t.name == "list"


def _has_list(t: TypeRef) -> bool:
    return any(_is_list(n) for n in tr.walk(t))


def _optional(t: TypeRef) -> str:
    return tr.render(tr.optional(t))


def _status(status: str) -> int:
    return int(status) if status.isdigit() else 200


def _fail(message: str, op: Operation | None = None, hint: str | None = None) -> GeneratorError:
    return GeneratorError(Diagnostic("error", message, pointer=op.pointer if op else None, hint=hint, code="server"))


def _param_arg(p: Param, local: str) -> ArgView:
    marker = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}[p.location]
    required = p.required or p.location == "path"
    simple = _is_simple(p.type) and not (p.location != "query" and _has_list(p.type))
    # Objects (and lists outside the query string) travel as JSON text: read a string, then
    # validate it into the declared type (a 400 names the parameter when it does not parse).
    # Query arrays in one value (`explode: false`, space/pipe-delimited) are split; a deepObject
    # is gathered from its `name[key]` pairs.
    decode, delimiter = ("" if simple else "json"), ""
    if p.location == "query" and p.style == "deepObject":
        simple, decode = False, "deep"
    elif p.location == "query" and _has_list(p.type) and p.delimiter is not None:
        simple, decode, delimiter = False, "delimited", p.delimiter
    wire_type = p.type if simple else tr.STR
    alias: str | None = p.wire_name
    if p.location == "path":
        # The route variable is the wire name when that is an identifier (FastAPI matches it through
        # the alias), else the local name itself (no alias; the OpenAPI output renames it back).
        alias = p.wire_name if p.wire_name.isidentifier() and p.wire_name != local else None
    return ArgView(
        local=local,
        field=p.py_name,
        field_annotation=p.type_hint if required else _optional(p.type),
        field_default=None if required else "None",
        annotation=tr.render(wire_type) if required else _optional(wire_type),
        marker=marker,
        alias=alias,
        extra=", convert_underscores=False" if p.location == "header" else "",
        default=None if required else "None",
        json_type=None if simple else p.type_hint,
        location=p.location,
        description=p.description,
        field_type=p.type,
        decode=decode,
        delimiter=delimiter,
    )


def _local(name: str) -> str:
    return f"{name}_" if name in ENDPOINT_LOCALS else name


def _body_args(op: Operation, taken_fields: set[str]) -> tuple[list[ArgView], str | None]:
    """Endpoint arguments for the request body, and how the runtime reads it when FastAPI cannot."""
    body = op.body
    if body is None:
        return [], None
    if body.kind == "json":
        field = safe_identifier("body", reserved=taken_fields)
        hint = body.type_hint if body.required else _optional(body.type)
        default = None if body.required else "None"
        arg = ArgView("_body", field, hint, default, hint, "Body", None, "", default, None, "body", body.description, body.type)
        return [arg], None
    if body.kind in ("multipart", "form") and body.fields:
        args = []
        for f in body.fields:
            local = _local(f.py_name)
            if f.is_file:
                upload = tr.name("UploadFile")
                t = tr.list_of(upload) if any(_is_list(m) for m in tr.members(f.type)) else upload
                marker, wire_type, json_type = "File", t, None
            else:
                t, marker = f.type, "Form"
                wire_type, json_type = (t, None) if _is_simple(t) else (tr.STR, f.type_hint)
            default = None if f.required else "None"
            args.append(
                ArgView(
                    local=local,
                    field=f.py_name,
                    field_annotation=tr.render(t) if f.required else _optional(t),
                    field_default=default,
                    annotation=tr.render(wire_type) if f.required else _optional(wire_type),
                    marker=marker,
                    alias=f.wire_name,
                    extra="",
                    default=default,
                    json_type=json_type,
                    location="body",
                    description=f.description,
                    field_type=t,
                )
            )
        return args, None
    # Binary, text, or a form without a field list: read from the request as it is.
    field = safe_identifier("body", reserved=taken_fields)
    raw = {"binary": "bytes", "text": "str"}.get(body.kind, "form")
    t = {"bytes": tr.BYTES, "str": tr.STR, "form": tr.dict_of(tr.ANY)}[raw]
    hint = tr.render(t)
    return [ArgView("_body", field, hint, None, hint, "Raw", None, "", None, None, "body", body.description, t)], raw


def _stream_mode(op: Operation, args: list[ArgView]) -> tuple[str, str | None]:
    streaming, body = op.streaming, op.body
    if streaming is None:
        return "never", None
    if streaming.flag_field is None:
        return "always", None
    flag = next((f for f in body.fields if f.py_name == streaming.flag_field), None) if body else None
    if flag is None or body is None:
        return "never", None
    if body.kind == "json":
        return "json_flag", flag.wire_name
    local = next((a.local for a in args if a.field == flag.py_name), None)
    return ("form_flag", local) if local else ("never", None)


def _success(op: Operation) -> tuple[str, str | None, str | None, list[tuple[str, str]], TypeRef]:
    """(kind, response_model, response_class, extra response content, service return type)."""
    success, streaming = op.success, op.streaming
    kind = success.kind
    chunk_iter = tr.generic("AsyncIterator", streaming.chunk_type) if streaming else None
    if streaming is not None and kind not in ("json", "sse"):
        kind = "json"
    if kind == "json":
        model = None if success.type in (tr.ANY, tr.NONE) else success.type_hint
        if chunk_iter:
            return kind, model, None, [("text/event-stream", "string")], tr.union(success.type, chunk_iter)
        return kind, model, None, [], success.type
    if kind == "sse":
        iterator = chunk_iter or tr.generic("AsyncIterator", tr.ANY)
        return kind, None, "Response", [("text/event-stream", "string")], iterator
    if kind == "binary":
        media = success.media_type or "application/octet-stream"
        return kind, None, "Response", [(media, "binary")], tr.union(tr.BYTES, tr.generic("AsyncIterator", tr.BYTES))
    if kind == "text":
        return kind, None, "Response", [(success.media_type or "text/plain", "string")], tr.STR
    return "empty", None, "Response", [], tr.NONE


def _operation_view(op: Operation, scheme_keys: dict[str, str]) -> OperationView:
    args: list[ArgView] = []
    route_path = op.path
    renames: list[tuple[str, str]] = []
    for p in op.path_params:
        local = _local(p.py_name)
        var = p.wire_name if p.wire_name.isidentifier() else local
        route_path = route_path.replace("{" + p.wire_name + "}", "{" + var + "}")
        if var != p.wire_name:
            renames.append((var, p.wire_name))
        args.append(_param_arg(p, local))
    for p in op.query_params + op.header_params + op.cookie_params:
        args.append(_param_arg(p, _local(p.py_name)))
    body_args, raw_body = _body_args(op, {p.py_name for p in op.params})
    args += body_args
    stream_mode, stream_flag = _stream_mode(op, args)
    kind, response_model, response_class, extra_content, return_type = _success(op)
    chunk_hint = op.streaming.chunk_type_hint if op.streaming else None
    return OperationView(
        op=op,
        input_class=class_name(op.function_name) + "Input",
        route_path=route_path,
        renames=tuple(renames),
        status_code=_status(op.success.status),
        response_model=response_model,
        response_class=response_class,
        extra_content=tuple(extra_content),
        return_hint=tr.render(return_type),
        args=tuple(args),
        raw_body=raw_body,
        stream_mode=stream_mode,
        stream_flag=stream_flag,
        security=op.security,
        openapi_security=[{scheme_keys[n]: [] for n in alt if n in scheme_keys} for alt in op.security],
        request_body_doc=(op.body.media_type, op.body.required) if raw_body and op.body else None,
        spec_kind=kind,
        chunk_hint=None if chunk_hint == "Any" else chunk_hint,
        return_type=return_type,
    )


def _context_fields(api: Api) -> tuple[tuple[ContextField, ...], tuple[ContextField, ...]]:
    credentials = tuple(ContextField(s.py_name, s.wire_name, s.kind, s.description) for s in api.security_schemes)
    taken = {"request"} | {c.name for c in credentials}
    secured_wires = {s.wire_name.lower() for s in api.security_schemes}
    wires: dict[str, str | None] = {w: None for w in TRACING_HEADERS}
    for op in api.operations:
        for p in op.header_params:
            w = p.wire_name.lower()
            if w.startswith(TRACING_PREFIX) and w not in secured_wires:
                wires.setdefault(w, p.description)
                wires[w] = wires[w] or p.description
    tracing = []
    for wire, desc in wires.items():
        if wire in secured_wires:
            continue
        name = safe_identifier(snake_name(wire[len(TRACING_PREFIX) :] if wire.startswith(TRACING_PREFIX) else wire))
        if name in taken:
            name = safe_identifier(snake_name(wire), reserved=taken)
        taken.add(name)
        tracing.append(ContextField(name, wire, "tracing", desc))
    return credentials, tuple(tracing)


def _openapi_schemes(api: Api) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for s in api.security_schemes:
        if s.kind in ("bearer", "basic"):
            out[s.key] = {"type": "http", "scheme": s.kind}
        else:
            out[s.key] = {"type": "apiKey", "in": s.kind, "name": s.wire_name}
    return out


def plan_server(api: Api) -> ServerPlan:
    scheme_keys = {s.py_name: s.key for s in api.security_schemes}
    services: list[ServiceView] = []
    classes: dict[str, str] = {}
    keywords: dict[str, str] = {}
    for res in api.root.children:
        ops = [o for r in res.walk() for o in r.operations]
        if not ops:
            continue
        views = sorted((_operation_view(op, scheme_keys) for op in ops), key=_route_order)
        keyword = safe_identifier(snake_name(res.name), reserved=APP_KEYWORDS)
        cls = class_name(res.name) + "Service"
        if cls in classes:
            raise _fail(f"resources {classes[cls]!r} and {res.name!r} both give service class {cls}")
        classes[cls] = res.name
        if keyword in keywords:
            raise _fail(f"resources {keywords[keyword]!r} and {res.name!r} both give create_app keyword {keyword!r}")
        keywords[keyword] = res.name
        services.append(ServiceView(res, keyword, cls, tuple(views)))
    services = _order_services(services)
    inputs: dict[str, str] = {}
    for svc in services:
        for v in svc.operations:
            if v.input_class in inputs or v.input_class in classes:
                raise _fail(
                    f"operations {inputs.get(v.input_class, v.input_class)!r} and {v.op.key!r} both give "
                    f"input class {v.input_class}",
                    v.op,
                    "give one of them a distinct operationId",
                )
            inputs[v.input_class] = v.op.key
    credentials, tracing = _context_fields(api)
    return ServerPlan(tuple(services), credentials, tracing, _openapi_schemes(api))


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _route_order(view: OperationView) -> tuple[object, ...]:
    # Starlette tries routes in order: a static segment must come before a parameter at the same
    # depth, or `/prompts/{promptId}` would answer `/prompts/partials`.
    key = tuple((1, "") if "{" in seg else (0, seg) for seg in _segments(view.route_path))
    return (key, view.op.http_method, view.op.function_name)


def _shadows(general: str, specific: str) -> bool:
    """Whether route `general` matches the literal path of route `specific` (a param where it has text)."""
    a, b = _segments(general), _segments(specific)
    if len(a) != len(b) or a == b:
        return False
    pairs = list(zip(a, b))
    return all(x == y or "{" in x for x, y in pairs) and any("{" in x and "{" not in y for x, y in pairs)


def _order_services(services: list[ServiceView]) -> list[ServiceView]:
    """Routers in create_app order: one whose route would swallow another router's path comes later."""
    after: dict[str, set[str]] = {s.keyword: set() for s in services}  # keyword -> must come after these
    for s in services:
        for t in services:
            if s is t:
                continue
            if any(
                a.op.http_method == b.op.http_method and _shadows(a.route_path, b.route_path)
                for a in s.operations
                for b in t.operations
            ):
                after[s.keyword].add(t.keyword)
    ordered: list[ServiceView] = []
    pending = list(services)
    while pending:
        ready = [s for s in pending if after[s.keyword] <= {o.keyword for o in ordered}]
        if not ready:
            names = ", ".join(s.resource.name for s in pending)
            raise _fail(
                f"the routes of resources {names} shadow each other whatever their order",
                hint="move the operations under one resource with overrides in spec/names.yaml",
            )
        ordered.append(ready[0])
        pending.remove(ready[0])
    return ordered


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
    for name, text in static_folder("server/_runtime", user_templates).items():
        files[f"{base}/_runtime/{name}"] = header + "\n" + text
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
