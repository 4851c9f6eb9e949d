"""The generated client package: per-operation views with precomputed strings, one template for sync and async."""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .ir import Api, Operation, Resource
from .render import render, static_file

# Type-hint text -> runtime expression for `cast_to` when the hint is not a plain class.
_SIMPLE_CASTS = {"None": "type(None)", "bytes": "bytes", "str": "str", "BinaryResponse": "BinaryResponse"}


@dataclass(frozen=True)
class OperationView:
    op: Operation
    response_hint: str  # the parsed (non-streamed) result
    return_hint: str  # sync return annotation
    async_return_hint: str
    cast_expr: str
    chunk_cast: str | None
    stream_return: str | None  # "Stream[...]" (sync); the template swaps in AsyncStream
    doc: str
    overloads: bool  # a stream flag switches the return type


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


def cast_expression(hint: str, shadowed: frozenset[str] = frozenset()) -> str:
    """A runtime value for `cast_to` that mypy types as `type[hint]`.

    `shadowed`: builtin names the method's own parameters take (a query parameter `type`): the
    expression, evaluated in the method body, says `builtins.type` for those.
    """
    if hint in _SIMPLE_CASTS:
        return qualify(_SIMPLE_CASTS[hint], shadowed)
    if hint.startswith("_models.") and hint.replace("_models.", "", 1).isidentifier():
        return hint
    hint = qualify(hint, shadowed)
    # mypy already types a `list[X]` expression as `type[list[X]]` (a cast would be redundant);
    # not so `dict[...]` nor a union
    if re.match(r"(builtins\.)?list\[", hint) and hint.endswith("]") and not _has_top_level_union(hint):
        return hint
    return f'cast("{qualify("type", shadowed)}[{hint}]", {hint})'


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


def view(op: Operation) -> OperationView:
    success = op.success
    ret = success.type_hint if success.kind != "empty" else "None"
    if success.kind == "binary":
        # An object with read()/iter_bytes()/write_to_file(), as the openai SDK returns.
        ret = "BinaryResponse"
    if success.kind == "sse" and op.streaming:
        ret = op.streaming.chunk_type_hint
    response = ret
    names = {p.py_name for p in op.params} | {f.py_name for f in (op.body.fields if op.body else ())}
    shadowed = frozenset(names & _BUILTIN_NAMES)
    cast_expr = cast_expression(ret, shadowed)
    chunk_cast = stream_return = None
    overloads = False
    async_ret = ret
    if op.pagination is not None:  # never with streaming (see build/api.py)
        item = op.pagination.item_type_hint
        ret, async_ret = f"SyncPage[{ret}, {item}]", f"AsyncPaginator[{ret}, {item}]"
    if op.streaming:
        chunk_cast = cast_expression(op.streaming.chunk_type_hint, shadowed)
        stream_return = f"Stream[{op.streaming.chunk_type_hint}]"
        if op.streaming.flag_field:
            overloads = True
            ret, async_ret = f"{ret} | {stream_return}", f"{ret} | Async{stream_return}"
        else:
            ret, async_ret = stream_return, f"Async{stream_return}"
    return OperationView(op, response, ret, async_ret, cast_expr, chunk_cast, stream_return, operation_doc(op), overloads)


def _has_top_level_union(hint: str) -> bool:
    depth = 0
    for ch in hint:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "|" and depth == 0:
            return True
    return False


def param(name: str, hint: str, default: str | None = None, indent: int = 8) -> str:
    """One parameter line, laid out as black would: a long annotation with a default is parenthesised.

    (ruff keeps parentheses it is given and black removes needless ones, so deciding here makes
    both formatters agree; see generator/formatting.py.)
    """
    line = f"{name}: {hint}" + (f" = {default}" if default is not None else "")
    if indent + len(line) + 1 > 88 and _has_top_level_union(hint):
        return f"{name}: ({hint})" + (f" = {default}" if default is not None else "")
    return line


_BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))


_MODEL_REF = re.compile(r"\b_models\.([A-Za-z_][A-Za-z0-9_]*)")


def accept_plain_values(hint: str, enum_models: frozenset[str]) -> str:
    """Argument hints also take what the wire takes: a dict for a model, a str for an enum.

    `messages=[{"role": "user", "content": "hi"}]` then type-checks as it does with the openai SDK;
    the runtime sends dicts as they are and dumps models by alias.
    """

    def widen(m: re.Match[str]) -> str:
        name = m.group(1)
        return f"{m.group(0)} | str" if name in enum_models else f"{m.group(0)} | Mapping[str, Any]"

    # Sequence/Mapping are covariant: a list[Model] variable is accepted where a
    # Sequence[Model | Mapping[str, Any]] is expected (a list parameter would refuse it).
    hint = re.sub(r"(?<![\w.])list\[", "Sequence[", hint)
    hint = re.sub(r"(?<![\w.])dict\[", "Mapping[", hint)
    return _MODEL_REF.sub(widen, hint)


def shadowed_builtins(res: Resource) -> frozenset[str]:
    """Builtin names a resource class redefines (a `list` method, a `type` child...).

    Type checkers resolve annotation names in class scope, so `list[...]` in the signatures of a
    class with a `list` method names the method: such annotations say `builtins.list[...]`.
    """
    names = {op.method_name for op in res.operations} | {child.name for child in res.children}
    return frozenset(names & _BUILTIN_NAMES)


def qualify(hint: str, shadowed: frozenset[str]) -> str:
    """`hint` with every shadowed builtin name written as `builtins.<name>`."""
    if not shadowed:
        return hint
    name = re.compile(r"(?<![\w.])(" + "|".join(sorted(re.escape(n) for n in shadowed)) + r")\b")
    # Only outside string literals (`Literal['a list']`) and not after a dot (`_models.list`).
    pieces = re.split(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", hint)
    return "".join(p if i % 2 else name.sub(r"builtins.\1", p) for i, p in enumerate(pieces))


def _drop_unused_builtins(source: str) -> str:
    # The template imports builtins for qualified hints; most APIs never need one.
    if "builtins." in source:
        return source
    return source.replace("import builtins\n", "", 1)


def emit_client(api: Api, env: jinja2.Environment, header: str, user_templates: Path | None) -> dict[str, str]:
    """The client package: `_client.py` (the client classes), one module per top-level resource
    under `resources/` (imported on first use, so a spec change rewrites only the modules of the
    resources it concerns), and the static runtime copied as it is under the header."""
    pkg = api.package_name.replace(".", "/")
    views = {op.key: view(op) for op in api.operations}
    shadowed = {res.path: shadowed_builtins(res) for res in api.root.walk() if res.path}
    ctx = {
        "api": api,
        "header": header,
        "modes": MODES,
        "top": api.root.children,
        "views": views,
        "servers": api.servers,
        "schemes": api.security_schemes,
        "auth_headers": auth_header_items(api),
    }
    env.globals["param"] = param
    env.globals["hint"] = lambda text, op: qualify(text, shadowed.get(op.resource, frozenset()))
    env.globals["arg_hint"] = lambda text, op: qualify(
        accept_plain_values(text, api.enum_models), shadowed.get(op.resource, frozenset())
    )
    runtime = static_file("client/_runtime.py", user_templates)
    pagination = static_file("client/_pagination.py", user_templates)
    files = {
        f"{pkg}/client/__init__.py": render(env, "client/__init__.py.j2", **ctx),
        f"{pkg}/client/_client.py": render(env, "client/client.py.j2", **ctx),
        f"{pkg}/client/_runtime.py": header + "\n" + runtime,
        f"{pkg}/client/_pagination.py": header + "\n" + pagination,
        f"{pkg}/client/resources/__init__.py": render(env, "client/resources_init.py.j2", **ctx),
    }
    for top in api.root.children:
        resources = list(top.walk())
        module = render(
            env,
            "client/resource.py.j2",
            **ctx,
            top_resource=top,
            resources=resources,
            paginated=any(op.pagination is not None for res in resources for op in res.operations),
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


def resource_label(res: Resource) -> str:
    return ".".join(res.path)
