"""The server side of the API: one service per top-level resource, its routes in the order
Starlette must try them, and the routers in create_app order. Name clashes are errors here,
while the IR is built, not while the server is rendered."""

from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Diagnostic, GeneratorError
from ..ir import Operation, Resource, SecurityScheme, Service, TracingHeader
from ..naming import CONTEXT_SCOPE, app_keyword, module_names, safe_identifier, service_class_name, snake_name

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


def _fail(message: str, pointer: str | None = None, hint: str | None = None) -> GeneratorError:
    return GeneratorError(Diagnostic("error", message, pointer=pointer, hint=hint, code="server"))


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _route_order(op: Operation) -> tuple[object, ...]:
    # Starlette tries routes in order: a static segment must come before a parameter at the same
    # depth, or `/prompts/{promptId}` would answer `/prompts/partials`.
    key = tuple((1, "") if "{" in seg else (0, seg) for seg in _segments(op.route_path))
    return (key, op.http_method, op.function_name)


def _shadows(general: str, specific: str) -> bool:
    """Whether route `general` matches the literal path of route `specific` (a param where it has text)."""
    a, b = _segments(general), _segments(specific)
    if len(a) != len(b) or a == b:
        return False
    pairs = list(zip(a, b))
    return all(x == y or "{" in x for x, y in pairs) and any("{" in x and "{" not in y for x, y in pairs)


def plan_services(root: Resource) -> tuple[Service, ...]:
    """A Service per top-level resource with operations, in create_app order."""
    services: list[tuple[Service, list[Operation]]] = []
    classes: dict[str, str] = {}
    keywords: dict[str, str] = {}
    for res in root.children:
        ops = sorted((o for r in res.walk() for o in r.operations), key=_route_order)
        if not ops:
            continue
        keyword, cls = app_keyword(res.name), service_class_name(res.name)
        if cls in classes:
            raise _fail(f"resources {classes[cls]!r} and {res.name!r} both give service class {cls}")
        classes[cls] = res.name
        if keyword in keywords:
            raise _fail(f"resources {keywords[keyword]!r} and {res.name!r} both give create_app keyword {keyword!r}")
        keywords[keyword] = res.name
        # A Resource built by hand (tests) may leave `module` unset: the same rule for this name alone.
        module = res.module or module_names([keyword], suffix="_resource")[keyword]
        services.append((Service(res.name, keyword, cls, module, tuple(op.key for op in ops)), ops))
    ordered = _order(services)
    inputs: dict[str, str] = {}
    for _, ops in ordered:
        for op in ops:
            if op.input_class in inputs or op.input_class in classes:
                raise _fail(
                    f"operations {inputs.get(op.input_class, op.input_class)!r} and {op.key!r} both give "
                    f"input class {op.input_class}",
                    op.pointer,
                    "give one of them a distinct operationId",
                )
            inputs[op.input_class] = op.key
    return tuple(s for s, _ in ordered)


def _order(services: list[tuple[Service, list[Operation]]]) -> list[tuple[Service, list[Operation]]]:
    """Routers in create_app order: one whose route would swallow another router's path comes later."""
    after: dict[str, set[str]] = {s.keyword: set() for s, _ in services}  # keyword -> must come after these
    for s, s_ops in services:
        for t, t_ops in services:
            if s is not t and any(
                a.http_method == b.http_method and _shadows(a.route_path, b.route_path) for a in s_ops for b in t_ops
            ):
                after[s.keyword].add(t.keyword)
    ordered: list[tuple[Service, list[Operation]]] = []
    pending = list(services)
    while pending:
        ready = [p for p in pending if after[p[0].keyword] <= {o.keyword for o, _ in ordered}]
        if not ready:
            names = ", ".join(s.resource for s, _ in pending)
            raise _fail(
                f"the routes of resources {names} shadow each other whatever their order",
                hint="move the operations under one resource with overrides in spec/names.yaml",
            )
        ordered.append(ready[0])
        pending.remove(ready[0])
    return ordered


def tracing_headers(schemes: Iterable[SecurityScheme], operations: Iterable[Operation]) -> tuple[TracingHeader, ...]:
    """RequestContext's tracing fields: the Portkey tracing headers and every `x-portkey-*`
    header an operation declares, except credentials; named without the prefix when free."""
    schemes = tuple(schemes)
    taken = set(CONTEXT_SCOPE.reserved) | {s.py_name for s in schemes}
    secured_wires = {s.wire_name.lower() for s in schemes}
    wires: dict[str, str | None] = {w: None for w in TRACING_HEADERS}
    for op in operations:
        for p in op.header_params:
            w = p.wire_name.lower()
            if w.startswith(TRACING_PREFIX) and w not in secured_wires:
                wires.setdefault(w, p.description)
                wires[w] = wires[w] or p.description
    out = []
    for wire, desc in wires.items():
        if wire in secured_wires:
            continue
        name = safe_identifier(snake_name(wire[len(TRACING_PREFIX) :] if wire.startswith(TRACING_PREFIX) else wire))
        if name in taken:
            name = safe_identifier(snake_name(wire), reserved=taken)
        taken.add(name)
        out.append(TracingHeader(name, wire, desc))
    return tuple(out)
