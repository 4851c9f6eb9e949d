"""Spec -> IR: operations, their resource path and method name, parameters, bodies, responses.

Method names come from a rule over the path and HTTP method, never from a counter:
  GET /configs            -> configs.list          GET /configs/{slug}    -> configs.retrieve
  POST /configs           -> configs.create        PUT|PATCH /configs/{x} -> configs.update
  DELETE /configs/{slug}  -> configs.delete        POST /assistants/{id}  -> assistants.update
  POST /batches/{id}/cancel -> batches.cancel      (an "action": see spec/names.yaml)
When the rule gives two operations one name, each is named after its operationId instead
(PUT /pet and POST /pet/{petId}: pet.update_pet, pet.update_pet_with_form); operations without
one whose paths differ only in punctuation get it spelled out (/a-b: a_dash_b.list).
With `naming = "operation-id"` (the default unless the names file says otherwise: the Portkey
preset's says "path"; resolved in portkey_codegen.naming_settings) an operation with an
operationId is <first static path segment>.<operationId in snake_case> (GET /user/login
loginUser: user.login_user); the rule above names the others, and those whose operationIds give
one name or hide a sub-resource, each with a warning naming the rule.
Both rules skip a version or API prefix all paths share (/v1/customers: customers.list; the
rule and its setting `path-prefix` are in lower/path_prefix.py).
spec/names.yaml overrides any of them by "METHOD /path".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping

from .. import typeref as tr
from .. import pointer as jp
from ..diagnostics import Diagnostic, GeneratorError, Report, error
from ..ir import BodyField, Operation, Parameter, RequestBody, Response, Resource, Streaming, TypeRef
from ..naming import (
    ASYNC_PREFIX,
    CLIENT_CLASS_SCOPE,
    CLIENT_MODULE_SCOPE,
    MODULE_SUFFIX,
    module_names,
    py_name,
    resource_class_name,
    snake_name,
)
from ..schema import SchemaIndex, SpecOperation
from . import path_prefix
from .arguments import body_encoding, query_encoding

# The spec's operations, as every stage reads them (generator/schema.py).
RawOperation = SpecOperation
_PARAM_IN_PATH = re.compile(r"^\{([^{}]+)\}$")

TypeHinter = Callable[[dict, str], TypeRef]  # (schema, pointer) -> type


@dataclass(frozen=True)
class NamingRules:
    """How spec/names.yaml names things: operations (`actions`, `operations`), server groups,
    security schemes' constructor arguments, and the client class."""

    actions: frozenset[str] = frozenset()
    operations: Mapping[str, str] = field(default_factory=dict)  # "POST /x" -> "a.b.method"
    servers: Mapping[str, str] = field(default_factory=dict)
    security: Mapping[str, str] = field(default_factory=dict)
    client_name: str | None = None
    mode: str = "path"  # "operation-id": methods named after operationIds (config `naming`)
    # The path prefix names skip (/v1): "auto" (lower/path_prefix.py), None (none), or "/v1"
    path_prefix: str | None = path_prefix.AUTO


@dataclass(frozen=True)
class CommonHeaders:
    """components/parameters added to every operation of the listed server groups that lacks them."""

    parameters: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Overrides:
    """Everything spec/names.yaml says: names, credentials, common headers and pagination."""

    naming: NamingRules = field(default_factory=NamingRules)
    env_prefix: str | None = None  # PORTKEY: credentials and URLs fall back to PORTKEY_* variables
    json_security: frozenset[str] = frozenset()  # schemes whose credential may be an object sent as JSON
    common_headers: CommonHeaders = field(default_factory=CommonHeaders)
    # "METHOD /path" -> pagination override (a mapping, or false); checked in lower/pagination.py
    pagination: Mapping[str, Any] = field(default_factory=dict)
    # "METHOD /path" of operations that get openai's chat helpers (stream/parse); lower/helpers.py
    chat_helpers: tuple[str, ...] = ()
    # `header_options:` as written (checked in lower/header_options.py)
    header_options: Mapping[str, Any] = field(default_factory=dict)
    # "GET /path" of operations whose method opens a WebSocket (lower/helpers.py)
    websockets: tuple[str, ...] = ()

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | None, naming: str = "path", prefix: str | None = path_prefix.AUTO
    ) -> "Overrides":
        data = data or {}
        common = data.get("common_headers") or {}
        naming_rules = NamingRules(
            mode=naming,
            path_prefix=prefix,
            actions=frozenset(str(a) for a in data.get("actions") or ()),
            operations={str(k): str(v) for k, v in (data.get("operations") or {}).items()},
            servers={str(k): str(v) for k, v in (data.get("servers") or {}).items()},
            security={str(k): str(v) for k, v in (data.get("security") or {}).items()},
            client_name=data.get("client_name"),
        )
        return cls(
            naming=naming_rules,
            env_prefix=data.get("env_prefix"),
            json_security=frozenset(str(x) for x in data.get("json_security") or ()),
            common_headers=CommonHeaders(
                tuple(str(x) for x in common.get("parameters") or ()), tuple(str(x) for x in common.get("servers") or ())
            ),
            pagination=data.get("pagination") or {},
            chat_helpers=tuple(str(x) for x in data.get("chat_helpers") or ()),
            header_options=data.get("header_options") or {},
            websockets=tuple(str(x) for x in data.get("websockets") or ()),
        )


def iter_operations(document: Mapping[str, Any] | SchemaIndex) -> list[RawOperation]:
    """The document's operations (`SchemaIndex.operations`): pass the index to share its reading."""
    index = document if isinstance(document, SchemaIndex) else SchemaIndex(document)
    return list(index.operations)


def _segments(path: str) -> list[tuple[str, bool]]:
    """`/a/{b}/c` -> [("a", False), ("b", True), ("c", False)]."""
    result = []
    for seg in path.strip("/").split("/"):
        if not seg:
            continue
        m = _PARAM_IN_PATH.match(seg)
        result.append((m.group(1), True) if m else (seg, False))
    return result


def derive_name(
    method: str,
    path: str,
    actions: frozenset[str],
    all_paths: frozenset[str],
    methods_on_path: frozenset[str] = frozenset(),
) -> tuple[tuple[str, ...], str]:
    """(resource path, method name) for an operation by the rule in this module's docstring.

    POST to a path ending in a parameter updates the item only when the path is an item (it also
    has GET or DELETE); otherwise it creates (POST /api-keys/{type}/{sub-type}).
    """
    segs = _segments(path)
    statics = [s for s, is_param in segs if not is_param]
    ends_with_param = bool(segs) and segs[-1][1]
    # An action: a terminal static segment right after a parameter, named in `actions`.
    if (
        len(segs) >= 2
        and not segs[-1][1]
        and segs[-2][1]
        and segs[-1][0] in actions
        and not any(p.startswith(path.rstrip("/") + "/") for p in all_paths)
    ):
        resource = tuple(py_name(s) for s in statics[:-1])
        return resource, py_name(segs[-1][0])
    resource = tuple(py_name(s) for s in statics)
    if method == "get":
        verb = "retrieve" if ends_with_param else "list"
    elif method == "post":
        is_item = ends_with_param and bool(methods_on_path & {"get", "delete"})
        verb = "update" if is_item else "create"
    elif method in ("put", "patch"):
        verb = "update"
    elif method == "delete":
        verb = "delete"
    else:
        verb = method
    return resource, verb


def assign_names(
    raws: list[RawOperation], rules: NamingRules, report: Report | None = None
) -> dict[str, tuple[tuple[str, ...], str]]:
    """Resource path + method name for every operation; all unique, or an error naming the clash.
    Names skip the path prefix of `rules.path_prefix` (lower/path_prefix.py); with "auto", only
    when the names it gives are all distinct. `report` receives the warnings naming the rules used."""
    prefix = rules.path_prefix
    if prefix == path_prefix.AUTO:
        prefix = path_prefix.detect(raw.path for raw in raws)
        if prefix is not None:
            quiet = Report()
            names, problems = _assign(raws, rules, quiet, prefix)
            kept = bool(problems) or any(res[0] in CLIENT_CLASS_SCOPE for res, _ in names.values())
            if report is not None:
                example = "" if kept else _listed(raws, names, most=2)
                path_prefix.warn(report, prefix, example, pointer=raws[0].pointer)
            if not kept:
                if report is not None:
                    report.items.extend(quiet.items)
                return names
            prefix = None
    elif prefix is not None and all(path_prefix.strip(raw.path, prefix) == raw.path for raw in raws):
        raise error(
            f"path prefix {prefix!r} starts no operation's path",
            hint="fix `path-prefix` in [tool.portkey-codegen] or `path_prefix:` in the names file",
        )
    names, problems = _assign(raws, rules, report, prefix)
    if problems:
        raise GeneratorError(problems)
    return names


def _assign(
    raws: list[RawOperation], rules: NamingRules, report: Report | None, prefix: str | None
) -> tuple[dict[str, tuple[tuple[str, ...], str]], list[Diagnostic]]:
    """Names from the paths without `prefix`, and what is wrong with them."""
    paths = {raw.key: path_prefix.strip(raw.path, prefix) for raw in raws}
    all_paths = frozenset(p.rstrip("/") for p in paths.values())
    methods: dict[str, set[str]] = {}
    for raw in raws:
        methods.setdefault(raw.path, set()).add(raw.method)
    names: dict[str, tuple[tuple[str, ...], str]] = {}
    for raw in raws:
        override = rules.operations.get(raw.key)
        if override:
            parts = [py_name(p) for p in override.split(".") if p]
            if not parts:
                raise GeneratorError(Diagnostic("error", f"empty name override for {raw.key}", file="spec/names.yaml"))
            names[raw.key] = (tuple(parts[:-1]), parts[-1])
        elif rules.mode == "operation-id" and _usable_id(raw):
            names[raw.key] = _operation_id_name(raw, paths[raw.key])
        else:
            names[raw.key] = _path_name(raw, paths[raw.key], rules, all_paths, methods)
    for key, name in names.items():
        if not name[0]:
            names[key] = (("root",), name[1])  # an override without a resource
    renamed = _operation_id_clashes(raws, paths, names, rules, all_paths, methods) if rules.mode == "operation-id" else []
    _fall_back_to_operation_ids(raws, names, rules)
    _spell_out_punctuation(raws, paths, names, rules, report, all_paths, methods)
    if rules.mode == "operation-id" and report is not None:
        _warn_path_rule_used(raws, names, rules, renamed, report)
    return names, _name_problems(raws, names)


def _name_problems(raws: list[RawOperation], names: Mapping[str, tuple[tuple[str, ...], str]]) -> list[Diagnostic]:
    """Two operations with one name; a method that is also a sub-resource of its parent."""
    owners: dict[tuple[tuple[str, ...], str], str] = {}
    problems = []
    pointers = {raw.key: raw.pointer for raw in raws}
    for key, name in names.items():
        if name in owners:
            problems.append(
                Diagnostic(
                    "error",
                    f"operations {owners[name]!r} and {key!r} both map to client.{'.'.join(name[0])}.{name[1]}()",
                    pointer=pointers.get(key),
                    hint=f'give both a distinct operationId, or add an override such as "{key}": '
                    f'{".".join(name[0])}.<other_name> under `operations:` in the naming overrides (spec/names.yaml)',
                )
            )
        owners[name] = key
    # A resource attribute must not clash with a method of the same parent.
    resources = {n[0][:i] for n in names.values() for i in range(1, len(n[0]) + 1)}
    for key, (res_path, method) in names.items():
        if res_path + (method,) in resources:
            problems.append(
                Diagnostic(
                    "error",
                    f"client.{'.'.join(res_path)}.{method} is both a method and a sub-resource",
                    pointer=pointers.get(key),
                    hint="rename the operation with an override under `operations:` in the naming "
                    "overrides (spec/names.yaml)",
                )
            )
    return problems


def _operation_id_name(raw: RawOperation, path: str) -> tuple[tuple[str, ...], str]:
    """client.<first static segment of `path`>.<operationId>: GET /user/login loginUser -> user.login_user."""
    first = next((py_name(seg) for seg, is_param in _segments(path) if not is_param), "root")
    return (first,), py_name(raw.op["operationId"])


def _path_name(
    raw: RawOperation, path: str, rules: NamingRules, all_paths: frozenset[str], methods: Mapping[str, set[str]]
) -> tuple[tuple[str, ...], str]:
    """The path rule's name for `path` (raw's, maybe without a prefix); "/" gets the resource `root`."""
    resource, method = derive_name(raw.method, path, rules.actions, all_paths, frozenset(methods[raw.path]))
    return resource or ("root",), method


def _operation_id_clashes(
    raws: list[RawOperation],
    paths: Mapping[str, str],
    names: dict[str, tuple[tuple[str, ...], str]],
    rules: NamingRules,
    all_paths: frozenset[str],
    methods: Mapping[str, set[str]],
) -> list[RawOperation]:
    """`naming = "operation-id"`: operations whose operationIds give one name (``getPet`` and
    ``get_pet`` under /pet, or an operationId equal to another operation's path-rule name) or
    whose method would hide a sub-resource (``user.logout`` beside ``user.logout.list``) are named
    by the path rule instead, all of them: which one would deserve the name is a guess.
    Overrides are never changed. Returns the renamed operations (for the warning)."""
    by_id = {r.key for r in raws if r.key not in rules.operations and _usable_id(r)}
    clashing = [raw for _, group in _clashes(raws, names) for raw in group]
    resources = {n[0][:i] for n in names.values() for i in range(1, len(n[0]) + 1)}
    clashing += [r for r in raws if names[r.key][0] + (names[r.key][1],) in resources]  # method = sub-resource
    renamed = []
    for raw in clashing:
        if raw.key in by_id and names[raw.key] == _operation_id_name(raw, paths[raw.key]):
            names[raw.key] = _path_name(raw, paths[raw.key], rules, all_paths, methods)
            renamed.append(raw)
    return renamed


def _warn_path_rule_used(
    raws: list[RawOperation],
    names: Mapping[str, tuple[tuple[str, ...], str]],
    rules: NamingRules,
    renamed: list[RawOperation],
    report: Report,
) -> None:
    """With `naming = "operation-id"`, a warning for each group of operations the path rule named."""
    if renamed:
        report.warn(
            f'with naming "operation-id", operations {", ".join(r.key for r in renamed)} got one name from '
            f"their operationIds; the path rule names them instead: {_listed(renamed, names)}",
            pointer=renamed[0].pointer,
            code="naming",
            hint="give them distinct operationIds, or name them under `operations:` in the naming overrides (spec/names.yaml)",
        )
    without = [r for r in raws if r.key not in rules.operations and not _usable_id(r)]
    if without:
        count = f"{len(without)} operation{'s' if len(without) != 1 else ''}"
        report.warn(
            f'with naming "operation-id", {count} without operationId: the path rule names '
            f"{'them' if len(without) != 1 else 'it'}: {_listed(without, names)}",
            pointer=without[0].pointer,
            code="naming",
            hint="give them operationIds, name them under `operations:` in the naming overrides (spec/names.yaml), "
            'or set naming = "path" for path names throughout',
        )


def _listed(raws: list[RawOperation], names: Mapping[str, tuple[tuple[str, ...], str]], most: int = 5) -> str:
    """``GET /a → client.a.list(); ...`` for the first `most` operations, then how many more."""
    shown = "; ".join(f"{r.key} → client.{'.'.join(names[r.key][0])}.{names[r.key][1]}()" for r in raws[:most])
    return shown + (f"; and {len(raws) - most} more" if len(raws) > most else "")


def _clashes(
    raws: list[RawOperation], names: Mapping[str, tuple[tuple[str, ...], str]]
) -> list[tuple[tuple[tuple[str, ...], str], list[RawOperation]]]:
    """(name, operations) for each name more than one operation has, in document order."""
    by_name: dict[tuple[tuple[str, ...], str], list[RawOperation]] = {}
    for raw in raws:
        by_name.setdefault(names[raw.key], []).append(raw)
    return [(name, group) for name, group in by_name.items() if len(group) > 1]


def _usable_id(raw: RawOperation) -> bool:
    op_id = raw.op.get("operationId")
    return isinstance(op_id, str) and bool(snake_name(op_id).strip("_"))


def _fall_back_to_operation_ids(
    raws: list[RawOperation], names: dict[str, tuple[tuple[str, ...], str]], rules: NamingRules
) -> None:
    """Operations the path rule gives one name (``PUT /pet`` and ``POST /pet/{petId}`` are both
    ``pet.update``) are named after their operationId instead (``pet.update_pet``,
    ``pet.update_pet_with_form``), all of them: which one would deserve the plain name is a guess.
    Overrides are never changed; what still collides is reported by the caller."""
    for name, group in _clashes(raws, names):
        for raw in group:
            op_id = raw.op.get("operationId")
            if raw.key in rules.operations or not isinstance(op_id, str) or not snake_name(op_id).strip("_"):
                continue
            names[raw.key] = (name[0], py_name(op_id))


# How a character of a path segment is spelled when it alone tells two names apart.
_SPELLED = {
    "-": "dash", ".": "dot", "~": "tilde", "+": "plus", ":": "colon", "@": "at", "!": "bang", "$": "dollar",
    ",": "comma", ";": "semicolon", "=": "equals", "*": "star", "'": "quote", "&": "and", "%": "percent",
}  # fmt: skip


def _spelled(segment: str) -> str:
    """``a-b`` → ``a_dash_b``, ``a.b`` → ``a_dot_b``: the segment with its punctuation as words."""
    import unicodedata

    words = [
        ch if ch.isalnum() or ch == "_" else f"_{_SPELLED.get(ch) or unicodedata.name(ch, f'u{ord(ch):04x}')}_"
        for ch in segment
    ]
    return py_name("".join(words))


def _spell_out_punctuation(
    raws: list[RawOperation],
    paths: Mapping[str, str],
    names: dict[str, tuple[tuple[str, ...], str]],
    rules: NamingRules,
    report: Report | None,
    all_paths: frozenset[str],
    methods: Mapping[str, set[str]],
) -> None:
    """Operations without operationId that the path rule gives one name because their paths differ
    only in punctuation (``/a-b``, ``/a_b``, ``/a.b``: ``client.a_b.list()``) are named from their
    paths with that punctuation spelled out (``client.a_dash_b.list()``, ``client.a_dot_b.list()``;
    ``/a_b`` keeps ``a_b``). A warning names the rule; names.yaml overrides still win.
    `all_paths` and `methods` are those the names were first made with (see `_assign`)."""
    for name, group in _clashes(raws, names):
        renamed = []
        for raw in group:
            if raw.key in rules.operations or isinstance(raw.op.get("operationId"), str):
                continue
            spelled_path = "/".join(
                seg if not seg or _PARAM_IN_PATH.match(seg) else _spelled(seg) for seg in paths[raw.key].split("/")
            )
            new = _path_name(raw, spelled_path, rules, all_paths, methods)
            if new != name:
                names[raw.key] = new
                renamed.append(raw)
        if renamed and report is not None:
            report.warn(
                f"operations {', '.join(r.key for r in group)} have no operationId and the path rule names them all "
                f"client.{'.'.join(name[0])}.{name[1]}(); the punctuation that tells their paths apart is spelled "
                f"out: {_listed(renamed, names, most=len(renamed))}",
                pointer=group[0].pointer,
                hint="give them operationIds, or name them under `operations:` in the naming overrides (spec/names.yaml)",
            )


def function_names(raws: list[RawOperation], names: Mapping[str, tuple[tuple[str, ...], str]]) -> dict[str, str]:
    """A unique snake_case name per operation (server interfaces, API.md anchors).

    From the operationId when there is one, else from the resource path and method.
    """
    result: dict[str, str] = {}
    used: dict[str, str] = {}
    for raw in raws:
        res, meth = names[raw.key]
        op_id = raw.op.get("operationId")
        base = py_name(str(op_id)) if isinstance(op_id, str) and op_id.strip() else py_name("_".join((meth,) + res))
        candidate = base
        if candidate in used:
            candidate = py_name("_".join((meth,) + res))
        if candidate in used:
            candidate = py_name(f"{raw.method}_{raw.path}")
        if candidate in used:  # only when two paths differ only by punctuation
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"operations {used[candidate]!r} and {raw.key!r} get the same function name {candidate!r}",
                    pointer=raw.pointer,
                    hint="give one of them a distinct operationId",
                )
            )
        used[candidate] = raw.key
        result[raw.key] = candidate
    return result


def build_resource_tree(operations: Iterable[Operation], client_name: str = "Client") -> Resource:
    """Nest operations by resource path; class names are the PascalCase of the whole path."""
    taken = CLIENT_MODULE_SCOPE | {client_name, ASYNC_PREFIX + client_name}
    ops_by_path: dict[tuple[str, ...], list[Operation]] = {}
    for op in operations:
        ops_by_path.setdefault(op.resource, []).append(op)
        for i in range(1, len(op.resource)):
            ops_by_path.setdefault(op.resource[:i], [])

    classes: set[str] = set()

    def make(path: tuple[str, ...]) -> Resource:
        kids = sorted(p for p in ops_by_path if len(p) == len(path) + 1 and p[: len(path)] == path)
        ops = tuple(sorted(ops_by_path.get(path, []), key=lambda o: o.method_name))
        cls = resource_class_name(path, taken, classes)
        classes.add(cls.casefold())
        shadowed = frozenset(({op.method_name for op in ops} | {k[-1] for k in kids}) & tr.BUILTIN_NAMES)
        return Resource(path[-1] if path else "", path, cls, ops, tuple(make(k) for k in kids), shadowed=shadowed)

    root = make(())
    # One client module per top-level resource, named after its attribute.
    modules = module_names((top.name for top in root.children), suffix=MODULE_SUFFIX)
    root = replace(root, children=tuple(replace(top, module=modules[top.name]) for top in root.children))
    for top in root.children:
        if top.name in CLIENT_CLASS_SCOPE:
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"resource {top.name!r} would hide the client's own attribute of that name",
                    pointer=_first_pointer(top),
                    hint=f"rename its operations with overrides under `operations:` in the naming overrides "
                    f"(spec/names.yaml), e.g. {top.name}_api.<method>",
                )
            )
    seen: dict[str, tuple[str, ...]] = {}
    for res in root.walk():
        if res.class_name.casefold() in seen:
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"resources {'.'.join(seen[res.class_name.casefold()])} and {'.'.join(res.path)} "
                    f"would both be class {res.class_name}",
                    pointer=_first_pointer(res),
                    hint="rename one with an override under `operations:` in the naming overrides (spec/names.yaml)",
                )
            )
        seen[res.class_name.casefold()] = res.path
    return root


def _first_pointer(res: Resource) -> str | None:
    """Pointer of an operation under `res` (for diagnostics about the resource)."""
    return next((op.pointer for r in res.walk() for op in r.operations), None)


def docstring_for(op: Mapping[str, Any]) -> str:
    summary = op.get("summary") if isinstance(op.get("summary"), str) else None
    description = op.get("description") if isinstance(op.get("description"), str) else None
    parts = [p.strip() for p in (summary, description) if p and p.strip()]
    if len(parts) == 2 and parts[1].startswith(parts[0]):
        parts = parts[1:]
    return "\n\n".join(parts)


class OperationBuilder:
    """Turns one raw operation into an ir.Operation, given the document and a type hinter."""

    def __init__(
        self,
        document: Mapping[str, Any] | SchemaIndex,
        type_hint: TypeHinter,
        class_for_pointer: Mapping[str, str],
    ):
        self.index = document if isinstance(document, SchemaIndex) else SchemaIndex(document)
        self.document = self.index.document
        self.type_hint = type_hint
        self.class_for_pointer = class_for_pointer

    # -- helpers -------------------------------------------------------------------------------
    def model_of(self, schema: Any, ptr: str) -> str | None:
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            return self.class_for_pointer.get(self.index.deref(schema, ptr)[1])
        return self.class_for_pointer.get(ptr)

    def hint(self, schema: Any, ptr: str) -> TypeRef:
        if not isinstance(schema, dict):
            return tr.ANY
        return self.type_hint(schema, ptr)

    # -- parameters ----------------------------------------------------------------------------
    def params(self, raw: RawOperation, common: tuple[str, ...] = ()) -> list[Parameter]:
        params = []
        for spec_param in self.index.parameters(raw, common):
            name, location, node, ptr = spec_param.name, spec_param.location, spec_param.node, spec_param.pointer
            schema = node.get("schema")
            if schema is None and isinstance(node.get("content"), dict) and node["content"]:
                media = next(iter(node["content"].values()))
                schema = media.get("schema") if isinstance(media, dict) else None
            hint = self.hint(schema, jp.child(ptr, "schema")) if schema is not None else tr.STR
            encoding, delimiter = query_encoding(location, node)
            params.append(
                Parameter(
                    wire_name=name,
                    py_name="",
                    location=location,  # type: ignore[arg-type]
                    required=bool(node.get("required")) or location == "path",
                    type=hint,
                    description=node.get("description") if isinstance(node.get("description"), str) else None,
                    pointer=ptr,
                    encoding=encoding,
                    delimiter=delimiter,
                )
            )
        # Path parameters in the order they appear in the path; then the rest as declared.
        order = [s for s, is_param in _segments(raw.path) if is_param]
        params.sort(key=lambda p: (0, order.index(p.wire_name)) if p.location == "path" and p.wire_name in order else (1, 0))
        missing = [s for s in order if s not in {p.wire_name for p in params if p.location == "path"}]
        for name in missing:  # a template variable nobody declared: still callable, typed as str
            params.insert(order.index(name), Parameter(name, "", "path", True, tr.STR, pointer=raw.pointer))
        return params

    # -- bodies ----------------------------------------------------------------------------------
    def body(self, raw: RawOperation) -> RequestBody | None:
        rb = raw.op.get("requestBody")
        if rb is None:
            return None
        rb, rb_ptr = self.index.deref(rb, jp.child(raw.pointer, "requestBody"))
        content = rb.get("content") if isinstance(rb, dict) else None
        if not isinstance(content, dict) or not content:
            return None
        media_type = _pick_media_type(content)
        media = content[media_type] if isinstance(content[media_type], dict) else {}
        kind = _body_kind(media_type)
        schema_ptr = jp.child(rb_ptr, "content", media_type, "schema")
        schema = media.get("schema")
        if schema is None:
            schema = {"type": "string", "format": "binary"} if kind == "binary" else {}
        if kind == "binary":
            hint = tr.BYTES
        elif kind == "text":
            hint = tr.STR
        else:
            hint = self.hint(schema, schema_ptr) if schema else tr.dict_of(tr.ANY)
        fields = self.body_fields(schema, schema_ptr, multipart=kind in ("multipart", "form"))
        return RequestBody(
            media_type=media_type,
            kind=kind,
            type=hint,
            required=bool(rb.get("required")),
            fields=tuple(fields),
            description=rb.get("description") if isinstance(rb.get("description"), str) else None,
            encoding=body_encoding(kind, bool(fields)),
        )

    def body_fields(self, schema: Any, ptr: str, multipart: bool) -> list[BodyField]:
        found = self.index.object_shape(schema, ptr)
        if found is None:
            return []
        props, required = found
        fields = []
        for name, (prop, pptr) in props.items():
            resolved, _ = self.index.deref(prop, pptr)
            is_file = multipart and _is_binary(resolved, self)
            hint = self.hint(prop, pptr)
            if is_file:
                hint = tr.FILE if not _is_array(resolved) else tr.list_of(tr.FILE)
            fields.append(
                BodyField(
                    wire_name=name,
                    py_name="",
                    type=hint,
                    required=name in required,
                    description=_description(resolved) or _description(prop),
                    is_file=is_file,
                )
            )
        return fields

    # -- responses -----------------------------------------------------------------------------
    def responses(self, raw: RawOperation) -> tuple[list[Response], Response, Streaming | None]:
        out: list[Response] = []
        streaming = None
        responses = raw.op.get("responses") or {}
        for status in sorted(responses, key=_status_order):
            resp, rptr = self.index.deref(responses[status], jp.child(raw.pointer, "responses", status))
            content = resp.get("content") if isinstance(resp, dict) else None
            desc = resp.get("description") if isinstance(resp, dict) and isinstance(resp.get("description"), str) else None
            if not isinstance(content, dict) or not content:
                out.append(Response(str(status), None, "empty", tr.NONE, None, desc))
                continue
            media_types = [m for m in content if m != "text/event-stream"] or list(content)
            media_type = _pick_media_type({m: content[m] for m in media_types})
            kind = _response_kind(media_type)
            media = content[media_type] if isinstance(content[media_type], dict) else {}
            sptr = jp.child(rptr, "content", media_type, "schema")
            schema = media.get("schema")
            if kind in ("sse", "binary"):
                hint, model = tr.BYTES, None
            elif kind == "text":
                hint, model = tr.STR, None
            else:
                hint = self.hint(schema, sptr) if schema else tr.ANY
                model = self.model_of(schema, sptr) if schema else None
            out.append(Response(str(status), media_type, kind, hint, model, desc))
            if "text/event-stream" in content and str(status).startswith("2") and streaming is None:
                sse = content["text/event-stream"] if isinstance(content["text/event-stream"], dict) else {}
                ssptr = jp.child(rptr, "content", "text/event-stream", "schema")
                chunk = sse.get("schema")
                streaming = Streaming(
                    flag_field=None,
                    chunk_type=self.hint(chunk, ssptr) if chunk else tr.ANY,
                    terminator=_stream_terminator(sse, jp.child(rptr, "content", "text/event-stream")),
                )
        success = next((r for r in out if r.status.startswith("2")), None)
        if success is None:
            success = next((r for r in out if r.status == "default"), Response("default", None, "empty", tr.NONE, None))
        return out, success, streaming


def _stream_terminator(media: dict[str, Any], pointer: str) -> str | None:
    """The `data:` payload that ends the stream (`x-stream-terminator`), or None: it ends with the body.

    A stream declared with one is incomplete without it, so clients can tell a cut stream from a
    finished one.
    """
    if "x-stream-terminator" not in media:
        return None
    value = media["x-stream-terminator"]
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > 64
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise GeneratorError(
            Diagnostic(
                "error",
                f"x-stream-terminator must be a short one-line string, got {value!r:.80}",
                pointer=jp.child(pointer, "x-stream-terminator"),
                hint='use the exact data payload of the last event, such as "[DONE]", or remove the key',
            )
        )
    return value


def _description(schema: Any) -> str | None:
    if isinstance(schema, dict) and isinstance(schema.get("description"), str):
        return schema["description"]
    return None


def _is_array(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "array"


def _is_binary(schema: Any, builder: OperationBuilder) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "array":
        items, _ = builder.index.deref(schema.get("items"), "")
        return _is_binary(items, builder)
    return schema.get("type") == "string" and schema.get("format") in ("binary", "byte") and schema.get("format") == "binary"


def _status_order(status: Any) -> tuple[int, str]:
    s = str(status)
    return (0 if s[:1] == "2" else 1 if s != "default" else 2, s)


def _pick_media_type(content: Mapping[str, Any]) -> str:
    for preferred in ("application/json", "multipart/form-data", "application/x-www-form-urlencoded"):
        if preferred in content:
            return preferred
    for m in content:
        if m.endswith("+json") or m == "*/*":
            return m
    return sorted(content)[0]


def _body_kind(media_type: str) -> str:
    if media_type == "application/json" or media_type.endswith("+json"):
        return "json"
    if media_type == "multipart/form-data":
        return "multipart"
    if media_type == "application/x-www-form-urlencoded":
        return "form"
    if media_type.startswith("text/"):
        return "text"
    return "binary"


def _response_kind(media_type: str) -> str:
    if media_type == "text/event-stream":
        return "sse"
    if media_type in ("application/json", "*/*") or media_type.endswith("+json"):
        return "json"
    if media_type.startswith("text/"):
        return "text"
    return "binary"
