"""Spec -> ir.Api: servers, security schemes, operations with final Python names."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from typing import Any, Mapping

from .. import typeref as tr
from .. import pointer as jp
from ..diagnostics import Diagnostic, GeneratorError, Report
from ..ir import Api, BodyField, HeaderOption, Operation, Param, SecurityScheme, ServerGroup, Streaming
from ..naming import snake_name, user_agent_product
from .header_options import build_header_options, fixed_arguments
from .helpers import attach_chat_helpers, mark_websockets
from .pagination import check_overrides, detect
from .operations import (
    CLIENT_ATTRIBUTES,
    CLIENT_MODULE_NAMES,
    RESERVED_PARAMS,
    NamingRules,
    OperationBuilder,
    TypeHinter,
    assign_names,
    build_resource_tree,
    docstring_for,
    function_names,
    iter_operations,
    py_name,
)

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_VARIABLE = re.compile(r"\{([^{}]+)\}")


def _server_url(server: Mapping[str, Any]) -> str:
    url = str(server.get("url", ""))
    variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}

    def sub(m: re.Match[str]) -> str:
        var = variables.get(m.group(1))
        return str(var.get("default", "")) if isinstance(var, dict) else m.group(0)

    return _VARIABLE.sub(sub, url)


def _url_key(servers: Any) -> tuple[str, ...]:
    if not isinstance(servers, list):
        return ()
    return tuple(_SCHEME.sub("", _server_url(s)).rstrip("/") for s in servers if isinstance(s, dict))


def build_servers(document: Mapping[str, Any], rules: NamingRules, env_prefix: str | None):
    """Server groups, and a function mapping a path item/operation to its group's name."""
    groups: dict[str, ServerGroup] = {}
    by_key: dict[tuple[str, ...], str] = {}

    def add(py_name: str, servers: list, description: str | None) -> None:
        first = next((s for s in servers if isinstance(s, dict)), {})
        url = _server_url(first) or "/"
        env = f"{env_prefix}_{py_name.upper()}_URL" if env_prefix and py_name != "default" else None
        if env_prefix and py_name == "default":
            env = f"{env_prefix}_BASE_URL"
        groups[py_name] = ServerGroup(py_name, url, description, env)

    add("default", document.get("servers") or [{"url": "/"}], "servers of the spec")
    by_key[_url_key(document.get("servers") or [{"url": "/"}])] = "default"
    for key, servers in (document.get("x-server-groups") or {}).items():
        if not isinstance(servers, list):
            continue
        name = rules.servers.get(str(key)) or snake_name(re.sub(r"Servers?$", "", str(key)) or str(key))
        name = _free_group_name(name, groups)
        add(name, servers, f"x-server-groups: {key}")
        by_key.setdefault(_url_key(servers), name)

    def group_for(*holders: Mapping[str, Any]) -> str:
        for holder in holders:
            servers = holder.get("servers")
            if isinstance(servers, list) and servers:
                key = _url_key(servers)
                if key not in by_key:
                    name = snake_name(key[0].split("/")[0].replace(".", "_")) if key and key[0] else "server"
                    name = _free_group_name(name, groups)  # two unnamed groups on one host: both reachable
                    add(name, servers, None)
                    by_key[key] = name
                return by_key[key]
        return "default"

    return groups, group_for


# A group's client argument is `<name>_url`: "base" would clash with the default group's
# `base_url`, and "default" is the spec's own `servers`, which no extension may replace.
_RESERVED_GROUP_NAMES = frozenset({"default", "base"})


def _free_group_name(name: str, groups: Mapping[str, Any]) -> str:
    base, n = name, 2
    if base in _RESERVED_GROUP_NAMES:
        base = name = f"{base}_servers"
    while name in groups:
        name, n = f"{base}_{n}", n + 1
    return name


def _distinct_scheme_names(
    schemes: dict[str, SecurityScheme], named: Mapping[str, str], env_prefix: str | None
) -> dict[str, SecurityScheme]:
    """Schemes whose rule-made argument names coincide (Stripe's basic and bearer are both
    `authorization`) are named after their keys instead (`basic_auth`, `bearer_auth`); a name
    given in spec/names.yaml (`named`) stays."""
    count = Counter(s.py_name for s in schemes.values())
    out = {}
    for key, s in schemes.items():
        if count[s.py_name] > 1 and key not in named:
            s = dataclasses.replace(s, py_name=py_name(key), env_var=_env_var(env_prefix, py_name(key), s.kind))
        out[key] = s
    return out


def _env_var(env_prefix: str | None, name: str, kind: str) -> str | None:
    """The environment variable a header credential falls back to (PORTKEY_API_KEY)."""
    return f"{env_prefix}_{name.upper()}" if env_prefix and kind == "header" else None


def build_security(
    document: Mapping[str, Any], rules: NamingRules, env_prefix: str | None, report: Report | None = None
) -> dict[str, SecurityScheme]:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    header_names = [
        str(s.get("name", "")).lower()
        for s in schemes.values()
        if isinstance(s, dict) and s.get("type") == "apiKey"
    ]
    prefix = _common_dash_prefix(header_names) if len(header_names) >= 2 else ""
    result: dict[str, SecurityScheme] = {}
    unsupported: dict[str, str] = {}
    for key, scheme in schemes.items():
        if not isinstance(scheme, dict):
            continue
        kind_in = scheme.get("in")
        typ = scheme.get("type")
        if typ == "apiKey" and kind_in in ("header", "query", "cookie"):
            wire = str(scheme.get("name", key))
            kind = kind_in
            base = wire.lower()[len(prefix) :] if prefix and wire.lower().startswith(prefix) else wire
            base = re.sub(r"^x-", "", base, flags=re.I)
        elif typ == "http" and str(scheme.get("scheme", "")).lower() in ("bearer", "basic"):
            wire = "Authorization"
            kind = str(scheme.get("scheme")).lower()
            base = "authorization"
        elif typ in ("oauth2", "openIdConnect"):
            # The client takes the access token (getting one is the user's business) and sends it
            # as a bearer token, which is how both schemes present it to the API.
            wire, kind, base = "Authorization", "bearer", "access_token"
        else:
            unsupported[str(key)] = str(typ)
            continue  # mutualTLS, or an unknown type: the user configures it on the http client
        py = py_name(rules.security.get(str(key)) or base)
        env = _env_var(env_prefix, py, kind)
        desc = scheme.get("description") if isinstance(scheme.get("description"), str) else None
        result[str(key)] = SecurityScheme(
            str(key), py, kind, wire, desc, env, str(key) in rules.json_security  # type: ignore[arg-type]
        )
    result = _distinct_scheme_names(result, rules.security, env_prefix)
    if report is not None:
        for key, typ in unsupported.items():
            report.warn(
                f"security scheme {key!r} of type {typ!r} has no constructor argument; operations that "
                "require it get no credentials from the client",
                pointer=jp.join("components", "securitySchemes", key),
                hint="pass what it needs yourself (http_client=, default_headers=), or describe it as an "
                "apiKey/http scheme (an overlay can do it)",
            )
    used: dict[str, str] = {}
    for s in result.values():
        if s.py_name in used or s.py_name in RESERVED_CLIENT_ARGS:
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"security schemes {used[s.py_name]!r} and {s.key!r} both become constructor argument "
                    f"{s.py_name!r}"
                    if s.py_name in used
                    else f"security scheme {s.key!r} becomes constructor argument {s.py_name!r}, a name the "
                    "client itself uses",
                    pointer=jp.join("components", "securitySchemes", s.key),
                    hint="name one of them under `security:` in spec/names.yaml",
                )
            )
        used[s.py_name] = s.key
    return result


RESERVED_CLIENT_ARGS = frozenset(
    {"base_url", "timeout", "max_retries", "default_headers", "default_query", "http_client", "self"}
    # the constructor stores each scheme as `self.<name>`: it must not replace a client attribute
    | CLIENT_ATTRIBUTES
    # ...and its body calls these (a parameter of the same name would shadow them)
    | {"os", "isinstance", "super", "base_url_given", "str", "frozenset"}
    # ...and so does copy() (`headers`, `urls`... hold what changes; base_urls/auth_headers are its own arguments)
    | {"headers", "urls", "follows", "new", "base_urls", "auth_headers"}
)


def _check_scheme_names(schemes: Mapping[str, SecurityScheme], root: Any, groups: Mapping[str, ServerGroup]) -> None:
    """A scheme's constructor argument is also `self.<name>`: it must not take the name of a
    top-level resource (a cached property) or of a server-group argument."""
    taken = {child.name: "resource client." + child.name for child in root.children}
    taken.update({g.py_name + "_url": "server-group argument" for g in groups.values() if g.py_name != "default"})
    for s in schemes.values():
        if s.py_name in taken:
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"security scheme {s.key!r} becomes constructor argument {s.py_name!r}, "
                    f"which is already the {taken[s.py_name]}",
                    pointer=jp.join("components", "securitySchemes", s.key),
                    hint="name it under `security:` in spec/names.yaml",
                )
            )


def _common_dash_prefix(names: list[str]) -> str:
    parts = [n.split("-") for n in names]
    common: list[str] = []
    for tokens in zip(*parts):
        if len(set(tokens)) != 1:
            break
        common.append(tokens[0])
    # keep at least one token of every name
    if any(len(p) <= len(common) for p in parts):
        common = common[:-1]
    return "-".join(common) + "-" if common else ""


# Builtins and module names the generated method bodies call (`cast(...)`, `bool(stream)`,
# `isinstance(body, NotGiven)`, a list method's `lambda page_query: ...` and its page classes): a
# parameter of that name would shadow them inside the method.
_METHOD_BODY_NAMES = frozenset({"cast", "bool", "isinstance", "page_query", "SyncPage", "AsyncPaginator", "PageRule"})


def _body_builtins(success: Any) -> frozenset[str]:
    """Names the method body of an operation with this success response uses: `type(None)` is
    the cast target of an operation without a response body."""
    if success.kind == "empty" or success.type == tr.NONE:
        return _METHOD_BODY_NAMES | {"type"}
    return _METHOD_BODY_NAMES


def _unique_py_names(
    params: list[Param],
    fields: list[BodyField],
    header_prefix: str = "",
    reserved: frozenset[str] = frozenset(),
) -> tuple[list[Param], list[BodyField]]:
    """Python names for parameters and body fields, unique within one method."""
    taken = set(RESERVED_PARAMS) | set(reserved)
    out_params: list[Param] = []
    # Path parameters first (positional), then body fields, then query/header/cookie.
    ordered = sorted(params, key=lambda p: 0 if p.location == "path" else 2)
    body_names: dict[str, str] = {}

    def claim(wire: str, suffix: str) -> str:
        name = py_name(wire)
        if name in taken:
            name = py_name(f"{wire}_{suffix}")
        base, n = name, 2
        while name in taken:  # still taken: same wire name twice in one location (spec error) — keep both usable
            name, n = f"{base}_{suffix}{n}", n + 1
        taken.add(name)
        return name

    path_params = [p for p in ordered if p.location == "path"]
    other_params = [p for p in ordered if p.location != "path"]
    for p in path_params:
        out_params.append(dataclasses.replace(p, py_name=claim(p.wire_name, "path")))
    out_fields = []
    for f in fields:
        name = claim(f.wire_name, "body")
        body_names[f.wire_name] = name
        out_fields.append(dataclasses.replace(f, py_name=name))
    for p in other_params:
        wire = p.wire_name
        if p.location == "header" and header_prefix and wire.lower().startswith(header_prefix):
            wire = wire[len(header_prefix):]  # x-portkey-trace-id -> trace_id, like the constructor's api_key
        out_params.append(dataclasses.replace(p, py_name=claim(wire, p.location)))
    return out_params, out_fields


def operation_class_names(document: Mapping[str, Any], rules: NamingRules) -> dict[str, str]:
    """Operation pointer -> PascalCase name, for naming inline request/response schemas."""
    from ..naming import class_name

    raws = iter_operations(document)
    names = assign_names(raws, rules)
    fnames = function_names(raws, names)
    return {raw.pointer: class_name(fnames[raw.key]) for raw in raws}


def build_api(
    document: Mapping[str, Any],
    *,
    type_hint: TypeHinter,
    class_for_pointer: Mapping[str, str],
    rules: NamingRules,
    spec_sha256: str,
    package_name: str,
    generator_version: str,
    model_names: tuple[str, ...] = (),
    report: Report | None = None,
) -> Api:
    report = report or Report()
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    env_prefix = rules.env_prefix
    groups, group_for = build_servers(document, rules, env_prefix)
    schemes = build_security(document, rules, env_prefix, report)
    header_prefix = _security_header_prefix(document)
    known_params = ((document.get("components") or {}).get("parameters") or {})
    common = tuple(n for n in rules.common_headers if n in known_params)
    for n in rules.common_headers:
        if n not in known_params:
            report.warn(f"common header parameter {n!r} is not in components/parameters", file="spec/names.yaml")
    raws = iter_operations(document)
    names = assign_names(raws, rules)
    fnames = function_names(raws, names)
    builder = OperationBuilder(document, type_hint, class_for_pointer)
    page_overrides = check_overrides(rules.pagination, {raw.key for raw in raws}, report)
    top_security = document.get("security")
    known_schemes = set((document.get("components") or {}).get("securitySchemes") or {})
    ops: list[Operation] = []
    for raw in raws:
        group = group_for(raw.op, raw.path_item)
        params = builder.params(raw, common if group in rules.common_headers_servers else ())
        body = builder.body(raw)
        responses, success, streaming = builder.responses(raw)
        reserved = _body_builtins(success)
        if body is not None and not body.fields:
            reserved |= {"body"}  # the whole body is the method's `body` argument
        params, fields = _unique_py_names(params, list(body.fields) if body else [], header_prefix, reserved)
        if body is not None:
            body = dataclasses.replace(body, fields=tuple(fields))
        if streaming is not None and body is not None:
            flag = next((f for f in body.fields if f.wire_name == "stream" and tr.BOOL in tr.members(f.type)), None)
            streaming = dataclasses.replace(streaming, flag_field=flag.py_name if flag else None)
        security_src = raw.op.get("security", top_security)
        security = []
        for alt in security_src or []:
            if isinstance(alt, dict):
                security.append(tuple(schemes[k].py_name for k in alt if k in schemes))
            for k in alt if isinstance(alt, dict) else ():
                if k not in schemes and k not in known_schemes:  # a known one unsupported: warned once
                    report.warn(f"security requirement names unknown scheme {k!r}", pointer=jp.child(raw.pointer, "security"))
        query_params = tuple(p for p in params if p.location == "query")
        pagination = (
            detect(builder, raw, query_params, page_overrides.get(raw.key, True))
            if streaming is None and success.kind == "json"
            else None
        )
        resource, method_name = names[raw.key]
        tags = tuple(str(t) for t in raw.op.get("tags") or () if isinstance(t, (str, int)))
        ops.append(
            Operation(
                key=raw.key,
                operation_id=raw.op.get("operationId") if isinstance(raw.op.get("operationId"), str) else None,
                http_method=raw.method,
                path=raw.path,
                resource=resource,
                method_name=method_name,
                function_name=fnames[raw.key],
                summary=raw.op.get("summary") if isinstance(raw.op.get("summary"), str) else None,
                description=raw.op.get("description") if isinstance(raw.op.get("description"), str) else None,
                docstring=docstring_for(raw.op),
                deprecated=bool(raw.op.get("deprecated")),
                tags=tags,
                path_params=tuple(p for p in params if p.location == "path"),
                query_params=query_params,
                header_params=tuple(p for p in params if p.location == "header"),
                cookie_params=tuple(p for p in params if p.location == "cookie"),
                body=body,
                success=success,
                responses=tuple(responses),
                streaming=streaming,
                server_group=group,
                security=tuple(security),
                pointer=raw.pointer,
                pagination=pagination,
            )
        )
    ops = mark_websockets(attach_chat_helpers(ops, rules.chat_helpers, report), rules.websockets, report)
    ops.sort(key=lambda o: (o.resource, o.method_name))
    client_name = _unshadowed(rules.client_name or _client_name(str(info.get("title") or "")))
    root = build_resource_tree(ops, client_name)
    _check_scheme_names(schemes, root, groups)
    return Api(
        title=str(info.get("title") or "API"),
        version=str(info.get("version") or ""),
        description=info.get("description") if isinstance(info.get("description"), str) else None,
        spec_sha256=spec_sha256,
        package_name=package_name,
        generator_version=generator_version,
        servers=tuple(sorted(groups.values(), key=lambda g: (g.py_name != "default", g.py_name))),
        security_schemes=tuple(schemes.values()),
        operations=tuple(ops),
        root=root,
        model_names=model_names,
        client_name=client_name,
        user_agent_product=user_agent_product(str(info.get("title") or ""), package_name.rpartition(".")[2]),
        # ASCII: spec text (bidi controls, lone surrogates) reaches the file only as \u escapes.
        openapi_json=json.dumps(document, indent=1, ensure_ascii=True) + "\n",
        header_options=_header_options(rules, root, groups, schemes),
    )


def _header_options(
    rules: NamingRules, root: Any, groups: Mapping[str, ServerGroup], schemes: Mapping[str, SecurityScheme]
) -> tuple[HeaderOption, ...]:
    """names.yaml `header_options`, checked against the constructor's other argument names."""
    taken = {
        **fixed_arguments(CLIENT_ARGUMENTS),
        **{child.name: "resource client." + child.name for child in root.children},
        **{g.py_name + "_url": "server-group argument" for g in groups.values()},
        **{s.py_name: f"security scheme {s.key!r}" for s in schemes.values()},
    }
    return build_header_options(rules.header_options, taken)


# The client constructor's own arguments (templates/client/client.py.j2), besides schemes and URLs.
CLIENT_ARGUMENTS = (
    "base_url", "timeout", "max_retries", "retry_policy", "default_headers", "default_query",
    "http_client", "strict_response_validation", "base_urls", "auth_headers", "copy", "with_options",
)  # fmt: skip


# What the client modules import or re-export besides the client classes. A client class named
# like one of these (title "Stream", "Not Given"...) would shadow the runtime's class in
# _client.py and be shadowed by it in client/__init__.py.
_CLIENT_TAKEN = CLIENT_MODULE_NAMES | {
    "raw_response_wrapper", "async_raw_response_wrapper",
    "streaming_response_wrapper", "async_streaming_response_wrapper", "request_id",
    "APIConnectionError", "APIError", "APIResponseValidationError", "APIStatusError",
    "APIStreamError", "APITimeoutError", "AuthenticationError", "BadRequestError",
    "ConflictError", "InternalServerError", "NotFoundError", "PermissionDeniedError",
    "RateLimitError", "RawResponse", "UnprocessableEntityError",
}  # fmt: skip


def _unshadowed(name: str) -> str:
    """`name`, or `name + "Client"` when it or its Async twin is taken in the client modules."""
    while name in _CLIENT_TAKEN or "Async" + name in _CLIENT_TAKEN:
        name += "Client"
    return name


def _client_name(title: str) -> str:
    from ..naming import class_name

    words = [w for w in re.split(r"[^A-Za-z0-9]+", title) if w and w.lower() not in ("api", "rest", "openapi")]
    return class_name(" ".join(words[:2])) if words else "Client"


def _security_header_prefix(document: Mapping[str, Any]) -> str:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    names = [str(s.get("name", "")).lower() for s in schemes.values() if isinstance(s, dict) and s.get("in") == "header"]
    return _common_dash_prefix(names) if len(names) >= 2 else ""


__all__ = ["build_api", "NamingRules", "Streaming"]
