"""The generated client package: per-operation views with precomputed strings, one template for sync and async."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import typeref as tr
from .ir import Api, Argument, Operation, RequestKey, RequestType, TypeRef
from .lower.arguments import NOT_GIVEN_TYPE
from .naming import CALL_OPTIONS
from .textsafe import py_literal
from .render import render, static_files

# The spec-independent client runtime under templates/, copied verbatim (files and folders).
CLIENT_RUNTIME = ("client/_runtime", "client/_pagination.py")
# The stream flag's type and default in the `stream=False` and `stream=True` overloads of a
# method whose flag switches the return type (the implementation takes the flag's own type).
_FLAG_OVERLOADS = {
    "false": (TypeRef("union", args=(tr.literal([False]), tr.NONE, NOT_GIVEN_TYPE)), "NOT_GIVEN"),
    "true": (tr.literal([True]), None),
}


@dataclass(frozen=True)
class ClientMethodView:
    """One operation's client method, its annotations rendered for the class it is defined in."""

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
    http_client: str
    raw_wrapper: str
    streaming_wrapper: str


MODES = (
    ModeView(
        False, "", "SyncResource", "SyncAPIClient", "httpx.Client", "raw_response_wrapper", "streaming_response_wrapper"
    ),
    ModeView(
        True,
        "Async",
        "AsyncResource",
        "AsyncAPIClient",
        "httpx.AsyncClient",
        "async_raw_response_wrapper",
        "async_streaming_response_wrapper",
    ),
)


def operation_doc(op: Operation) -> str:
    lines = [op.docstring] if op.docstring else []
    lines.append(f"`{op.http_method.upper()} {op.path}`")
    args = [(a.py_name, a.description) for a in op.arguments if a.description and a.location != "body"]
    if op.pagination is not None:
        lines.append(
            "Returns the first page: iterate it for every item of every page (`async for` on\n"
            "the async client), or step with `has_next_page()` / `next_page()`."
        )
    if args:
        lines.append("Args:\n" + "\n".join(f"    {name}: {' '.join(str(text).split())}" for name, text in args))
    return "\n\n".join(lines)


def query_value(a: Argument) -> str:
    """The expression a query argument's value is sent as (the runtime encodes `Delimited` and
    `DeepObject`, see ir.QueryEncoding)."""
    if a.encoding == "deep":
        return f"DeepObject({a.py_name})"
    if a.encoding == "delimited":
        return f"Delimited({a.py_name}, {py_literal(a.delimiter)})"
    return a.py_name


def argument_lines(op: Operation, shadowed: frozenset[str], variant: str) -> tuple[str, ...]:
    """The method's parameter lines after `self`, laid out (see `parameter_line`)."""

    def line(a: Argument, t: TypeRef, default: str | None) -> str:
        return parameter_line(a.py_name, tr.render(t, shadowed=shadowed), default)

    # "helper": the chat helpers' stream()/parse() (IR ChatHelpers.arguments)
    arguments = op.chat_helpers.arguments if variant == "helper" and op.chat_helpers else op.arguments
    lines = [line(a, a.type, None) for a in arguments if a.location == "path"]
    lines.append("*")
    for a in arguments:
        if a.location == "path":
            continue
        if a.stream_flag:
            t, default = _FLAG_OVERLOADS.get(variant, (a.type, "NOT_GIVEN"))
        else:
            t, default = a.type, None if a.required else "NOT_GIVEN"
        lines.append(line(a, t, default))
    return tuple(lines)


def method_view(op: Operation, shadowed: frozenset[str] = frozenset()) -> ClientMethodView:
    """Everything the template writes for `op`, in a class that redefines the builtins `shadowed`."""
    returns = op.returns
    assert returns is not None, op.key  # lower/arguments.py `finish` sets it

    def text(t: TypeRef | None) -> str | None:
        return None if t is None else tr.render(t, shadowed=shadowed)

    variants: tuple[str, ...] = ("false", "true", "any") if returns.overloads else ("any",)
    variants += ("helper",) if op.chat_helpers else ()
    return ClientMethodView(
        op,
        {key: argument_lines(op, shadowed, key) for key in variants},
        tr.render(returns.result, shadowed=shadowed),
        text(returns.stream),
        text(returns.async_stream),
        tr.render(returns.sync, shadowed=shadowed),
        tr.render(returns.async_, shadowed=shadowed),
        tr.cast_target(returns.result, returns.shadowed),
        tr.cast_target(op.streaming.chunk_type, returns.shadowed) if op.streaming else None,
        operation_doc(op),
        returns.overloads,
        tuple((py_literal(a.wire_name), query_value(a)) for a in op.arguments if a.location == "query"),
        tuple(a.py_name for a in op.chat_helpers.arguments) if op.chat_helpers else (),
    )


def parameter_line(name: str, hint: str, default: str | None = None, indent: int = 8) -> str:
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


def _uses_builtins(v: ClientMethodView) -> bool:
    """Whether the method's annotations or cast targets name a builtin as `builtins.<name>`."""
    texts = [*(line for lines in v.arguments.values() for line in lines), v.response_hint, v.return_hint]
    texts += [v.async_return_hint, v.cast_expr, v.chunk_cast or "", v.stream_hint or "", v.async_stream_hint or ""]
    return any("builtins." in t for t in texts)


@dataclass(frozen=True)
class RequestTypeView:
    name: str
    doc: str  # the model's description, else a line naming the model
    typed_dict: bool
    functional: bool
    keys: tuple[tuple[str, str], ...]  # (key, annotation source): `Required[...]` for required keys
    alias: str  # the alias's value, as source


def request_type_view(p: RequestType) -> RequestTypeView:
    def text(t: TypeRef) -> str:
        return tr.render(t, params="")  # inside the params module its own names are bare

    def annotation(k: RequestKey) -> str:
        t = py_literal(text(k.type)) if k.forward else text(k.type)
        return f"Required[{t}]" if k.required else t

    doc = p.description or f"What a request may pass for `models.{p.model}`."
    keys = tuple((k.wire_name, annotation(k)) for k in p.keys)
    alias = "" if p.alias is None else py_literal(text(p.alias)) if p.quoted else text(p.alias)
    return RequestTypeView(p.name, doc, p.alias is None, p.functional, keys, alias)


def emit_client(api: Api, env: jinja2.Environment, header: str, user_templates: Path | None) -> dict[str, str]:
    """The client package: `_client.py` (the client classes), one module per top-level resource
    under `resources/` (imported on first use, so a spec change rewrites only the modules of the
    resources it concerns), and the static runtime copied as it is under the header."""
    pkg = api.package_name.replace(".", "/")
    views = {op.key: method_view(op, res.shadowed) for res in api.root.walk() for op in res.operations}
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
        "call_options": CALL_OPTIONS,  # every method's per-call keywords, reserved in naming.METHOD_SCOPE
    }
    files = {
        f"{pkg}/client/__init__.py": render(env, "client/__init__.py.j2", **ctx),
        f"{pkg}/client/_client.py": render(env, "client/client.py.j2", **ctx),
        f"{pkg}/client/resources/__init__.py": render(env, "client/resources_init.py.j2", **ctx),
        f"{pkg}/client/params.py": render(
            env, "client/params.py.j2", **ctx, params=[request_type_view(p) for p in api.params]
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
            uses_builtins=any(_uses_builtins(views[op.key]) for res in resources for op in res.operations),
            helpers=any(op.chat_helpers is not None for res in resources for op in res.operations),
            parsed_types=list(
                dict.fromkeys(
                    op.chat_helpers.parsed for res in resources for op in res.operations if op.chat_helpers and op.chat_helpers.parsed
                )
            ),
            websocket=any(op.websocket for res in resources for op in res.operations),
        )
        files[f"{pkg}/client/resources/{top.module}.py"] = module
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
        value = f'({n} if {n} is None or isinstance({n}, str) else ",".join({n}))' if o.kind == "csv" else n
        views.append((n, _OPTION_HINTS[o.kind], o.wire_name, value))
    return views

