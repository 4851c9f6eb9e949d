"""The generated client package: per-operation views with precomputed strings, one template for sync and async."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import typeref as tr
from .lower.params import param_name
from .ir import Api, Operation, Param, ParamKey, ParamType, Resource, TypeRef
from .textsafe import py_literal
from .render import render, static_files

NOT_GIVEN_TYPE = tr.name("NotGiven")
# The spec-independent client runtime under templates/, copied verbatim (files and folders).
CLIENT_RUNTIME = ("client/_runtime", "client/_pagination.py")
# The stream flag's type in each overload of a streaming operation, with its default.
_FLAG_VARIANTS = {
    "false": (TypeRef("union", args=(tr.literal([False]), tr.NONE, NOT_GIVEN_TYPE)), "NOT_GIVEN"),
    "true": (tr.literal([True]), None),
    "any": (TypeRef("union", args=(tr.BOOL, tr.NONE, NOT_GIVEN_TYPE)), "NOT_GIVEN"),
}


@dataclass(frozen=True)
class OperationView:
    op: Operation
    arguments: dict[str, tuple[str, ...]]  # overload variant ("false", "true", "any") -> argument lines
    response_hint: str  # the parsed (non-streamed) result
    stream_hint: str | None  # the overload with stream=True: "Stream[...]" (sync)
    async_stream_hint: str | None
    return_hint: str  # sync return annotation
    async_return_hint: str
    cast_expr: str
    chunk_cast: str | None
    doc: str
    overloads: bool  # a stream flag switches the return type
    query_items: tuple[tuple[str, str], ...]  # (wire name literal, value expression) of the query dict
    helper_forward: tuple[str, ...] = ()  # chat helpers: the arguments stream()/parse() pass on, by name


@dataclass(frozen=True)
class ModeView:
    is_async: bool
    prefix: str  # "" or "Async"
    resource_base: str
    client_base: str
    stream: str
    http_client: str
    raw_wrapper: str
    streaming_wrapper: str


MODES = (
    ModeView(
        False, "", "SyncResource", "SyncAPIClient", "Stream", "httpx.Client", "raw_response_wrapper", "streaming_response_wrapper"
    ),
    ModeView(
        True,
        "Async",
        "AsyncResource",
        "AsyncAPIClient",
        "AsyncStream",
        "httpx.AsyncClient",
        "async_raw_response_wrapper",
        "async_streaming_response_wrapper",
    ),
)


def operation_doc(op: Operation) -> str:
    lines = [op.docstring] if op.docstring else []
    lines.append(f"`{op.http_method.upper()} {op.path}`")
    args = []
    for p in op.path_params:
        if p.description:
            args.append((p.py_name, p.description))
    if op.body:
        for f in op.body.fields:
            if f.description:
                args.append((f.py_name, f.description))
    for p in op.query_params + op.header_params:
        if p.description:
            args.append((p.py_name, p.description))
    if op.pagination is not None:
        lines.append(
            "Returns the first page: iterate it for every item of every page (`async for` on\n"
            "the async client), or step with `has_next_page()` / `next_page()`."
        )
    if args:
        lines.append("Args:\n" + "\n".join(f"    {name}: {' '.join(text.split())}" for name, text in args))
    return "\n\n".join(lines)


def query_value(p: Param) -> str:
    """The expression a query parameter's value is sent as: the runtime encodes `Delimited`
    (`explode: false`, `spaceDelimited`, `pipeDelimited`) and `DeepObject` (`name[key]=value`);
    anything else repeats the key per item (the OpenAPI default)."""
    if p.style == "deepObject":
        return f"DeepObject({p.py_name})"
    if p.delimiter is not None:
        return f"Delimited({p.py_name}, {py_literal(p.delimiter)})"
    return p.py_name


def argument_type(t: TypeRef) -> TypeRef:
    """What an argument of type `t` accepts (model instances or their Params, see typeref)."""
    return tr.request_form(t, param_name)


def optional_argument(t: TypeRef) -> TypeRef:
    """An argument that may be left out: `t | NotGiven` (NotGiven last, after None)."""
    return TypeRef("union", args=(*tr.members(t), NOT_GIVEN_TYPE))


def argument_lines(
    op: Operation, shadowed: frozenset[str], flag: tuple[TypeRef, str | None] | None
) -> tuple[str, ...]:
    """The method's parameter lines after `self`, laid out (see `param`). `flag` None: the chat
    helpers' variant, without the stream flag and with a pydantic class allowed as response format."""

    def line(name: str, t: TypeRef, default: str | None = None) -> str:
        return param(name, tr.render(t, shadowed=shadowed), default)

    lines = [line(p.py_name, argument_type(p.type)) for p in op.path_params]
    lines.append("*")
    body = op.body
    if body is not None and body.fields:
        for f in body.fields:
            if op.streaming and op.streaming.flag_field == f.py_name:
                if flag is not None:
                    lines.append(line(f.py_name, *flag))
            elif flag is None and op.chat_helpers and op.chat_helpers.response_format_field == f.py_name:
                as_class = TypeRef("union", args=(tr.name("builtins.type[pydantic.BaseModel]"), *tr.members(f.type)))
                lines.append(line(f.py_name, optional_argument(argument_type(as_class)), "NOT_GIVEN"))
            elif f.required:
                lines.append(line(f.py_name, argument_type(f.type)))
            else:
                lines.append(line(f.py_name, optional_argument(argument_type(f.type)), "NOT_GIVEN"))
    elif body is not None:
        if body.required:
            lines.append(line("body", argument_type(body.type)))
        else:
            lines.append(line("body", optional_argument(argument_type(body.type)), "NOT_GIVEN"))
    for p in op.query_params + op.header_params:
        if p.required:
            lines.append(line(p.py_name, argument_type(p.type)))
        else:
            lines.append(line(p.py_name, optional_argument(argument_type(p.type)), "NOT_GIVEN"))
    return tuple(lines)


def view(op: Operation, shadowed: frozenset[str] = frozenset()) -> OperationView:
    """Everything the template writes for `op`; `shadowed`: builtin names its resource class
    redefines (annotations there say `builtins.<name>`)."""
    success = op.success
    ret = success.type if success.kind != "empty" else tr.NONE
    if success.kind == "binary":
        # An object with read()/iter_bytes()/write_to_file(), as the openai SDK returns.
        ret = tr.name("BinaryResponse")
    if success.kind == "sse" and op.streaming:
        ret = op.streaming.chunk_type
    response = ret
    names = {p.py_name for p in op.params} | {f.py_name for f in (op.body.fields if op.body else ())}
    in_method = frozenset(names & tr.BUILTIN_NAMES)
    cast_expr = tr.cast_target(ret, in_method)
    chunk_cast = stream = async_stream = None
    overloads = False
    sync_ret = async_ret = ret
    if op.websocket:  # connect(): a context manager opening the WebSocket (_runtime/websocket.py)
        sync_ret, async_ret = tr.name("RealtimeConnectionManager"), tr.name("AsyncRealtimeConnectionManager")
    if op.pagination is not None:  # never with streaming (see lower/api.py)
        item = op.pagination.item_type
        sync_ret, async_ret = tr.generic("SyncPage", ret, item), tr.generic("AsyncPaginator", ret, item)
    if op.streaming:
        chunk = op.streaming.chunk_type
        chunk_cast = tr.cast_target(chunk, in_method)
        stream, async_stream = tr.generic("Stream", chunk), tr.generic("AsyncStream", chunk)
        if op.streaming.flag_field:
            overloads = True
            sync_ret, async_ret = tr.union(sync_ret, stream), tr.union(async_ret, async_stream)
        else:
            sync_ret, async_ret = stream, async_stream
    variants = _FLAG_VARIANTS if overloads else {"any": _FLAG_VARIANTS["any"]}
    arguments = {key: argument_lines(op, shadowed, flag) for key, flag in variants.items()}
    forward: tuple[str, ...] = ()
    if op.chat_helpers is not None:
        arguments["helper"] = argument_lines(op, shadowed, None)
        forward = tuple(p.py_name for p in op.params) + tuple(
            f.py_name for f in (op.body.fields if op.body else ()) if f.py_name != op.streaming.flag_field  # type: ignore[union-attr]
        )

    def text(t: TypeRef | None) -> str | None:
        return None if t is None else tr.render(t, shadowed=shadowed)

    return OperationView(
        op,
        arguments,
        tr.render(response, shadowed=shadowed),
        text(stream),
        text(async_stream),
        tr.render(sync_ret, shadowed=shadowed),
        tr.render(async_ret, shadowed=shadowed),
        cast_expr,
        chunk_cast,
        operation_doc(op),
        overloads,
        tuple((py_literal(p.wire_name), query_value(p)) for p in op.query_params),
        forward,
    )


def param(name: str, hint: str, default: str | None = None, indent: int = 8) -> str:
    """One parameter line, laid out as black would: a long annotation with a default is parenthesised.

    (ruff keeps parentheses it is given and black removes needless ones, so deciding here makes
    both formatters agree; see generator/formatting.py.)
    """
    line = f"{name}: {hint}" + (f" = {default}" if default is not None else "")
    if indent + len(line) + 1 > 88 and _has_top_level_union(hint):
        return f"{name}: ({hint})" + (f" = {default}" if default is not None else "")
    return line


def _has_top_level_union(hint: str) -> bool:
    depth = 0
    for ch in hint:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "|" and depth == 0:
            return True
    return False


def shadowed_builtins(res: Resource) -> frozenset[str]:
    """Builtin names a resource class redefines (a `list` method, a `type` child...).

    Type checkers resolve annotation names in class scope, so `list[...]` in the signatures of a
    class with a `list` method names the method: such annotations say `builtins.list[...]`.
    """
    names = {op.method_name for op in res.operations} | {child.name for child in res.children}
    return frozenset(names & tr.BUILTIN_NAMES)


def _drop_unused_builtins(source: str) -> str:
    # The template imports builtins for qualified hints; most APIs never need one.
    if "builtins." in source:
        return source
    return source.replace("import builtins\n", "", 1)


@dataclass(frozen=True)
class ParamTypeView:
    name: str
    doc: str  # the model's description, else a line naming the model
    typed_dict: bool
    functional: bool
    keys: tuple[tuple[str, str], ...]  # (key, annotation source): `Required[...]` for required keys
    alias: str  # the alias's value, as source


def param_type_view(p: ParamType) -> ParamTypeView:
    def text(t: TypeRef) -> str:
        return tr.render(t, params="")  # inside the params module its own names are bare

    def annotation(k: ParamKey) -> str:
        t = py_literal(text(k.type)) if k.forward else text(k.type)
        return f"Required[{t}]" if k.required else t

    doc = p.description or f"What a request may pass for `models.{p.model}`."
    keys = tuple((k.wire_name, annotation(k)) for k in p.keys)
    alias = "" if p.alias is None else py_literal(text(p.alias)) if p.quoted else text(p.alias)
    return ParamTypeView(p.name, doc, p.alias is None, p.functional, keys, alias)


def emit_client(api: Api, env: jinja2.Environment, header: str, user_templates: Path | None) -> dict[str, str]:
    """The client package: `_client.py` (the client classes), one module per top-level resource
    under `resources/` (imported on first use, so a spec change rewrites only the modules of the
    resources it concerns), and the static runtime copied as it is under the header."""
    pkg = api.package_name.replace(".", "/")
    views = {op.key: view(op, shadowed_builtins(res)) for res in api.root.walk() for op in res.operations}
    ctx = {
        "api": api,
        "header": header,
        "modes": MODES,
        "top": api.root.children,
        "views": views,
        "servers": api.servers,
        "schemes": api.security_schemes,
        "auth_headers": auth_header_items(api),
        "header_options": header_option_views(api),
    }
    env.globals["param"] = param
    files = {
        f"{pkg}/client/__init__.py": render(env, "client/__init__.py.j2", **ctx),
        f"{pkg}/client/_client.py": render(env, "client/client.py.j2", **ctx),
        f"{pkg}/client/resources/__init__.py": render(env, "client/resources_init.py.j2", **ctx),
        f"{pkg}/client/params.py": render(
            env, "client/params.py.j2", **ctx, params=[param_type_view(p) for p in api.params]
        ),
    }
    for rel, text in static_files(CLIENT_RUNTIME, user_templates).items():
        files[f"{pkg}/{rel}"] = header + "\n" + text
    for top in api.root.children:
        resources = list(top.walk())
        module = render(
            env,
            "client/resource.py.j2",
            **ctx,
            top_resource=top,
            resources=resources,
            paginated=any(op.pagination is not None for res in resources for op in res.operations),
            helpers=any(op.chat_helpers is not None for res in resources for op in res.operations),
            websocket=any(op.websocket for res in resources for op in res.operations),
        )
        files[f"{pkg}/client/resources/{top.module}.py"] = _drop_unused_builtins(module)
    return files


def auth_header_items(api: Api) -> list[tuple[str, str]]:
    """(header, constructor expression) for the auth headers, once per header: schemes sharing
    one (basic and bearer `Authorization`) send whichever argument was given."""
    by_wire: dict[str, list[str]] = {}
    for s in api.security_schemes:
        if s.kind in ("header", "bearer", "basic"):
            by_wire.setdefault(s.wire_name, []).append(s.py_name)
    return [(wire, " or ".join(names)) for wire, names in by_wire.items()]


_OPTION_HINTS = {
    "str": "str | None",
    "bool": "bool | None",
    "json": "str | Mapping[str, Any] | None",
    "csv": "str | Sequence[str] | None",
}


def header_option_views(api: Api) -> list[tuple[str, str, str, str]]:
    """(argument, type hint, header, value expression) of each header option (IR header_options):
    a csv option's list is joined here, the runtime sends bools as true/false and mappings as JSON."""
    views = []
    for o in api.header_options:
        n = o.py_name
        value = f'{n} if {n} is None or isinstance({n}, str) else ",".join({n})' if o.kind == "csv" else n
        views.append((n, _OPTION_HINTS[o.kind], o.wire_name, value))
    return views


def resource_label(res: Resource) -> str:
    return ".".join(res.path)
