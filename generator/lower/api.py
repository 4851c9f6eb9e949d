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
from ..ir import Api, BodyField, HeaderOption, Operation, Parameter, SecurityScheme, ServerGroup, Streaming
from ..naming import (
    CONSTRUCTOR_SCOPE,
    METHOD_SCOPE,
    MethodNames,
    class_name,
    client_class_name,
    client_name_from_title,
    common_dash_prefix,
    input_class_name,
    py_name,
    server_group_name,
    snake_name,
    user_agent_product,
)
from .arguments import finish
from .header_options import build_header_options
from .helpers import attach_chat_helpers, mark_websockets, with_parsed_types
from .pagination import check_overrides, detect
from .services import plan_services, tracing_headers
from .operations import (
    NamingRules,
    Overrides,
    OperationBuilder,
    TypeHinter,
    assign_names,
    build_resource_tree,
    docstring_for,
    function_names,
    iter_operations,
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

    def add(py_name: str, servers: list) -> None:
        first = next((s for s in servers if isinstance(s, dict)), {})
        url = _server_url(first) or "/"
        env = f"{env_prefix}_{py_name.upper()}_URL" if env_prefix and py_name != "default" else None
        if env_prefix and py_name == "default":
            env = f"{env_prefix}_BASE_URL"
        groups[py_name] = ServerGroup(py_name, url, env)

    add("default", document.get("servers") or [{"url": "/"}])
    by_key[_url_key(document.get("servers") or [{"url": "/"}])] = "default"
    for key, servers in (document.get("x-server-groups") or {}).items():
        if not isinstance(servers, list):
            continue
        name = snake_name(rules.servers.get(str(key)) or re.sub(r"Servers?$", "", str(key)) or str(key))
        name = server_group_name(name, groups)
        add(name, servers)
        by_key.setdefault(_url_key(servers), name)

    def group_for(*holders: Mapping[str, Any]) -> str:
        for holder in holders:
            servers = holder.get("servers")
            if isinstance(servers, list) and servers:
                key = _url_key(servers)
                if key not in by_key:
                    name = snake_name(key[0].split("/")[0].replace(".", "_")) if key and key[0] else "server"
                    name = server_group_name(name, groups)  # two unnamed groups on one host: both reachable
                    add(name, servers)
                    by_key[key] = name
                return by_key[key]
        return "default"

    return groups, group_for


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
    document: Mapping[str, Any],
    rules: NamingRules,
    env_prefix: str | None,
    report: Report | None = None,
    json_security: frozenset[str] = frozenset(),
) -> dict[str, SecurityScheme]:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    header_names = [
        str(s.get("name", "")).lower()
        for s in schemes.values()
        if isinstance(s, dict) and s.get("type") == "apiKey"
    ]
    prefix = common_dash_prefix(header_names) if len(header_names) >= 2 else ""
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
            str(key), py, kind, wire, desc, env, str(key) in json_security  # type: ignore[arg-type]
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
        if s.py_name in used or s.py_name in CONSTRUCTOR_SCOPE:
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


def _method_reserved(success: Any, whole_body: bool) -> frozenset[str]:
    """Names a method's parameters may not take: the method scope's, `type` when `type(None)` is
    the cast target (no response body), `body` when the whole body is the `body` argument."""
    extra = {"type"} if success.kind == "empty" or success.type == tr.NONE else set()
    return METHOD_SCOPE | extra | ({"body"} if whole_body else set())


def _unique_py_names(
    params: list[Parameter],
    fields: list[BodyField],
    header_prefix: str = "",
    reserved: frozenset[str] = frozenset(),
) -> tuple[list[Parameter], list[BodyField]]:
    """Python names for parameters and body fields, unique within one method (clear of `reserved`)."""
    claim = MethodNames(reserved).claim
    out_params: list[Parameter] = []
    # Path parameters first (positional), then body fields, then query/header/cookie.
    ordered = sorted(params, key=lambda p: 0 if p.location == "path" else 2)

    path_params = [p for p in ordered if p.location == "path"]
    other_params = [p for p in ordered if p.location != "path"]
    for p in path_params:
        out_params.append(dataclasses.replace(p, py_name=claim(p.wire_name, "path")))
    out_fields = []
    for f in fields:
        out_fields.append(dataclasses.replace(f, py_name=claim(f.wire_name, "body")))
    for p in other_params:
        wire = p.wire_name
        if p.location == "header" and header_prefix and wire.lower().startswith(header_prefix):
            wire = wire[len(header_prefix):]  # x-portkey-trace-id -> trace_id, like the constructor's api_key
        out_params.append(dataclasses.replace(p, py_name=claim(wire, p.location)))
    return out_params, out_fields


def operation_class_names(document: Mapping[str, Any], overrides: Overrides) -> dict[str, str]:
    """Operation pointer -> PascalCase name, for naming inline request/response schemas."""
    raws = iter_operations(document)
    names = assign_names(raws, overrides.naming)
    fnames = function_names(raws, names)
    return {raw.pointer: class_name(fnames[raw.key]) for raw in raws}


def build_api(
    document: Mapping[str, Any],
    *,
    type_hint: TypeHinter,
    class_for_pointer: Mapping[str, str],
    rules: Overrides,
    spec_sha256: str,
    package_name: str,
    generator_version: str,
    report: Report | None = None,
) -> Api:
    report = report or Report()
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    naming, env_prefix = rules.naming, rules.env_prefix
    groups, group_for = build_servers(document, naming, env_prefix)
    schemes = build_security(document, naming, env_prefix, report, rules.json_security)
    known_params = ((document.get("components") or {}).get("parameters") or {})
    common = tuple(n for n in rules.common_headers.parameters if n in known_params)
    for n in rules.common_headers.parameters:
        if n not in known_params:
            report.warn(f"common header parameter {n!r} is not in components/parameters", file="spec/names.yaml")
    raws = iter_operations(document)
    lowering = _Lowering(
        document=document,
        builder=OperationBuilder(document, type_hint, class_for_pointer),
        names=assign_names(raws, naming, report),
        schemes=schemes,
        header_prefix=_security_header_prefix(document),
        page_overrides=check_overrides(rules.pagination, {raw.key for raw in raws}, report),
        report=report,
    )
    fnames = function_names(raws, lowering.names)
    ops = []
    for raw in raws:
        group = group_for(raw.op, raw.path_item)
        ops.append(lowering.operation(raw, fnames[raw.key], group, common if group in rules.common_headers.servers else ()))
    ops = mark_websockets(attach_chat_helpers(ops, rules.chat_helpers, report), rules.websockets, report)
    ops = with_parsed_types(ops, lowering.builder.index, type_hint, class_for_pointer)
    ops = [finish(op) for op in ops]
    ops.sort(key=lambda o: (o.resource, o.method_name))
    named = class_name(naming.client_name) if naming.client_name else None  # names.yaml text: sanitised too
    client_name = client_class_name(named or client_name_from_title(str(info.get("title") or "")))
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
        client_name=client_name,
        user_agent_product=user_agent_product(str(info.get("title") or ""), package_name.rpartition(".")[2]),
        # ASCII: spec text (bidi controls, lone surrogates) reaches the file only as \u escapes.
        openapi_json=json.dumps(document, indent=1, ensure_ascii=True) + "\n",
        services=plan_services(root),
        tracing_headers=tracing_headers(schemes.values(), ops),
        header_options=_header_options(rules, root, groups, schemes),
    )


def _header_options(
    rules: Overrides, root: Any, groups: Mapping[str, ServerGroup], schemes: Mapping[str, SecurityScheme]
) -> tuple[HeaderOption, ...]:
    """names.yaml `header_options`, clear of the constructor's other argument names and of what its body reads."""
    taken = {
        **{n: "constructor argument, attribute or a name its body reads" for n in CONSTRUCTOR_SCOPE.reserved},
        **{child.name: "resource client." + child.name for child in root.children},
        **{g.py_name + "_url": "server-group argument" for g in groups.values()},
        **{s.py_name: f"security scheme {s.key!r}" for s in schemes.values()},
    }
    return build_header_options(rules.header_options, taken)


@dataclasses.dataclass
class _Lowering:
    """What turning one raw operation into an ir.Operation needs from the whole document."""

    document: Mapping[str, Any]
    builder: OperationBuilder
    names: Mapping[str, tuple[tuple[str, ...], str]]
    schemes: Mapping[str, SecurityScheme]
    header_prefix: str
    page_overrides: Mapping[str, Any]
    report: Report

    def operation(self, raw: Any, function_name: str, group: str, common: tuple[str, ...]) -> Operation:
        builder = self.builder
        params = builder.params(raw, common)
        body = builder.body(raw)
        _, success, streaming = builder.responses(raw)
        reserved = _method_reserved(success, body is not None and not body.fields)
        params, fields = _unique_py_names(params, list(body.fields) if body else [], self.header_prefix, reserved)
        if body is not None:
            body = dataclasses.replace(body, fields=tuple(fields))
        if streaming is not None and body is not None:
            flag = next((f for f in body.fields if f.wire_name == "stream" and tr.BOOL in tr.members(f.type)), None)
            streaming = dataclasses.replace(streaming, flag_field=flag.py_name if flag else None)
        security = self.security(raw)  # (warns before pagination detection does)
        query_params = tuple(p for p in params if p.location == "query")
        pagination = (
            detect(builder, raw, query_params, self.page_overrides.get(raw.key, True))
            if streaming is None and success.kind == "json"
            else None
        )
        resource, method_name = self.names[raw.key]
        op = raw.op
        return Operation(
            key=raw.key,
            http_method=raw.method,
            path=raw.path,
            resource=resource,
            method_name=method_name,
            function_name=function_name,
            summary=op.get("summary") if isinstance(op.get("summary"), str) else None,
            description=op.get("description") if isinstance(op.get("description"), str) else None,
            docstring=docstring_for(op),
            deprecated=bool(op.get("deprecated")),
            tags=tuple(str(t) for t in op.get("tags") or () if isinstance(t, (str, int))),
            path_params=tuple(p for p in params if p.location == "path"),
            query_params=query_params,
            header_params=tuple(p for p in params if p.location == "header"),
            cookie_params=tuple(p for p in params if p.location == "cookie"),
            body=body,
            success=success,
            streaming=streaming,
            server_group=group,
            security=security,
            pointer=raw.pointer,
            pagination=pagination,
            input_class=input_class_name(function_name),
        )

    def security(self, raw: Any) -> tuple[tuple[str, ...], ...]:
        """The operation's security alternatives, as constructor argument names."""
        schemes = self.schemes
        known = set((self.document.get("components") or {}).get("securitySchemes") or {})
        security = []
        for alt in raw.op.get("security", self.document.get("security")) or []:
            if isinstance(alt, dict):
                security.append(tuple(schemes[k].py_name for k in alt if k in schemes))
            for k in alt if isinstance(alt, dict) else ():
                if k not in schemes and k not in known:  # a known one unsupported: warned once
                    self.report.warn(f"security requirement names unknown scheme {k!r}", pointer=jp.child(raw.pointer, "security"))
        return tuple(security)


def _security_header_prefix(document: Mapping[str, Any]) -> str:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    names = [str(s.get("name", "")).lower() for s in schemes.values() if isinstance(s, dict) and s.get("in") == "header"]
    return common_dash_prefix(names) if len(names) >= 2 else ""


__all__ = ["build_api", "NamingRules", "Overrides", "Streaming"]
