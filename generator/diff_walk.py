"""The diff's walk: compares two specs (`_Spec`) and records every difference as a `_Fact` with
its effect (see diff.py `_EFFECTS`), where it is, and which operations and directions it touches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import pointer as jp
from .diff_view import (
    MAX_DEPTH,
    SCHEMAS,
    _additional,
    _alt_text,
    _as_schema,
    _child_path,
    _code,
    _component,
    _covers,
    _describe,
    _member_label,
    _nullable,
    _Op,
    _Param,
    _param_schema,
    _plural,
    _ref,
    _schema_label,
    _shape,
    _Spec,
    _style,
    _type_text,
    _types,
    _value_key,
    _values,
)


# --- facts and the walk -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """Where the walk is: which report area, whose change it is, and who is affected."""

    area: str  # parameter | request-body | response | schema
    subject: str  # "POST /rerank", "schema `Foo`"
    prefix: str  # "request body", "query parameter `x`", "" at a component's top
    ops: frozenset[str]
    directions: frozenset[str]
    shared: bool = False  # a component: append "used by ..." to the message


@dataclass
class _Fact:
    kind: str
    effect: str
    location: str
    spec: Literal["old", "new"]
    subject: str
    text: str
    ops: set[str] = field(default_factory=set)
    directions: set[str] = field(default_factory=set)
    shared: bool = False
    merge: bool = False  # same location + text from several operations: one change


_LOWER = ("minimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "maxLength", "maxItems", "maxProperties")
_OTHER = ("pattern", "multipleOf", "exclusiveMinimum", "exclusiveMaximum", "uniqueItems")
_MISSING = object()


class _Differ:
    def __init__(self, old: _Spec, new: _Spec):
        self.old, self.new = old, new
        self.facts: list[_Fact] = []
        self.renames: dict[str, str] = {}
        self.old_usage = old.usage()
        self.new_usage = new.usage()

    # emitting

    def emit(self, ctx: _Ctx, name: str, effect: str, location: str, spec: Literal["old", "new"], text: str) -> None:
        self.facts.append(
            _Fact(
                f"{ctx.area}.{name}", effect, location, spec, ctx.subject, text,
                set(ctx.ops), set(ctx.directions), ctx.shared,
            )
        )

    def emit_op(self, op: str, kind: str, effect: str, location: str, spec: Literal["old", "new"], text: str,
                directions: Iterable[str] = (), merge: bool = False) -> None:
        self.facts.append(_Fact(kind, effect, location, spec, op, text, {op}, set(directions), merge=merge))

    # the whole comparison

    def run(self) -> list[_Fact]:
        self.renames = self._detect_renames()
        self._servers()
        self._security_schemes()
        self._operations()
        self._parameter_components()
        self._schema_components()
        return self.grouped()

    # servers and security

    def _servers(self) -> None:
        def canonical_locations(spec: _Spec) -> dict[int, str]:
            # A list shared through a YAML alias is one declaration: name it by its first pointer.
            first: dict[int, str] = {}
            for op in spec.ops.values():
                servers, pointer = spec.servers(op)
                if servers is not None and (id(servers) not in first or pointer < first[id(servers)]):
                    first[id(servers)] = pointer
            return first

        first_old, first_new = canonical_locations(self.old), canonical_locations(self.new)
        for key in sorted(self.old.ops.keys() & self.new.ops.keys()):
            s0, p0 = self.old.servers(self.old.ops[key])
            s1, p1 = self.new.servers(self.new.ops[key])
            urls0, urls1 = self.old.server_urls(s0, p0), self.new.server_urls(s1, p1)
            loc0, loc1 = first_old.get(id(s0), p0), first_new.get(id(s1), p1)
            for url in sorted(urls1 - urls0):
                self.emit_op(key, "server.added", "info", loc1, "new", f"server {_code(url)} added", merge=True)
            for url in sorted(urls0 - urls1):
                self.emit_op(key, "server.removed", "client", loc0, "old", f"server {_code(url)} removed", merge=True)

    def _security_schemes(self) -> None:
        old, new = self.old.security_schemes, self.new.security_schemes
        for name in sorted(set(map(str, old)) | set(map(str, new))):
            pointer = jp.join("components", "securitySchemes", name)
            subject = f"security scheme {_code(name)}"
            if name not in old:
                self.facts.append(_Fact("security-scheme.added", "none", pointer, "new", subject, "added"))
            elif name not in new:
                self.facts.append(_Fact("security-scheme.removed", "info", pointer, "old", subject, "removed"))
            else:
                s0, _ = self.old.index.deref(old[name], pointer)
                s1, _ = self.new.index.deref(new[name], pointer)
                s0, s1 = self.old.mapping(s0, pointer), self.new.mapping(s1, pointer)
                for key in ("type", "in", "name", "scheme", "bearerFormat", "openIdConnectUrl", "flows"):
                    v0, v1 = s0.get(key), s1.get(key)
                    if key in ("in", "scheme") and isinstance(v0, str) and isinstance(v1, str):
                        v0, v1 = v0.lower(), v1.lower()
                    if _value_key(v0) != _value_key(v1):
                        self.facts.append(
                            _Fact("security-scheme.changed", "both", jp.child(pointer, key), "new", subject,
                                  f"{_code(key)} changed from {_code(v0)} to {_code(v1)}")
                        )

    def _security(self, key: str, op0: _Op, op1: _Op) -> None:
        alts0, p0 = self.old.security(op0)
        alts1, p1 = self.new.security(op1)
        for alt in sorted(alts1 - alts0, key=_alt_text):
            self.emit_op(key, "security.requirement-added", "server", p1, "new",
                         f"now also accepts {_alt_text(alt)}", merge=True)
        for alt in sorted(alts0 - alts1, key=_alt_text):
            self.emit_op(key, "security.requirement-removed", "client", p0, "old",
                         f"no longer accepts {_alt_text(alt)}", merge=True)

    # operations

    def _operations(self) -> None:
        old, new = self.old.ops, self.new.ops
        for key in sorted(old.keys() | new.keys()):
            if key not in old:
                self.emit_op(key, "operation.added", "server", new[key].pointer, "new", "operation added")
            elif key not in new:
                self.emit_op(key, "operation.removed", "client", old[key].pointer, "old", "operation removed")
            else:
                self._operation(key, old[key], new[key])

    def _operation(self, key: str, op0: _Op, op1: _Op) -> None:
        id0, id1 = op0.op.get("operationId"), op1.op.get("operationId")
        if id0 != id1:
            text = _change_text("operationId", id0, id1)
            self.emit_op(key, "operation.id-changed", "info", jp.child(op1.pointer, "operationId")
                         if id1 is not None else jp.child(op0.pointer, "operationId"),
                         "new" if id1 is not None else "old", text)
        if op1.op.get("deprecated") is True and op0.op.get("deprecated") is not True:
            self.emit_op(key, "operation.deprecated", "info", jp.child(op1.pointer, "deprecated"), "new",
                         "operation deprecated")
        self._params(key, op0, op1)
        self._body(key, op0, op1)
        self._responses(key, op0, op1)
        self._security(key, op0, op1)

    def _params(self, key: str, op0: _Op, op1: _Op) -> None:
        params0, params1 = self.old.params(op0), self.new.params(op1)
        ctx = _Ctx("parameter", key, "", frozenset({key}), frozenset({"request"}))
        for pkey in sorted(params0.keys() | params1.keys()):
            p0, p1 = params0.get(pkey), params1.get(pkey)
            if p0 is None:
                assert p1 is not None
                required = p1.node.get("required") is True or p1.location == "path"
                self.emit(ctx, "added", "add-required" if required else "add-optional", p1.pointer, "new",
                          f"{p1.location} parameter {_code(p1.name)} added ({'required' if required else 'optional'})")
            elif p1 is None:
                required = p0.node.get("required") is True or p0.location == "path"
                self.emit(ctx, "removed", "remove-required" if required else "remove", p0.pointer, "old",
                          f"{p0.location} parameter {_code(p0.name)} removed")
            elif p0.component is not None and p0.component == p1.component:
                continue  # reported once, at the component
            else:
                self._param_pair(p0, p1, ctx)

    def _param_pair(self, p0: _Param, p1: _Param, ctx: _Ctx) -> None:
        label = f"{p1.location} parameter {_code(p1.name)}"
        ctx = _Ctx(ctx.area, ctx.subject, label, ctx.ops, ctx.directions, ctx.shared)
        r0 = p0.node.get("required") is True or p0.location == "path"
        r1 = p1.node.get("required") is True or p1.location == "path"
        if r1 and not r0:
            self.emit(ctx, "required", "require", jp.child(p1.pointer, "required"), "new", f"{label} is now required")
        if r0 and not r1:
            self.emit(ctx, "optional", "unrequire", p1.pointer, "new", f"{label} is now optional")
        if _style(p0) != _style(p1):
            self.emit(ctx, "style-changed", "change", p1.pointer, "new",
                      f"{label} serialisation changed from {_code(_style(p0))} to {_code(_style(p1))}")
        if p1.node.get("deprecated") is True and p0.node.get("deprecated") is not True:
            self.emit(ctx, "deprecated", "info", jp.child(p1.pointer, "deprecated"), "new", f"{label} deprecated")
        s0, sp0 = _param_schema(self.old, p0)
        s1, sp1 = _param_schema(self.new, p1)
        self.schema(s0, sp0, s1, sp1, "", ctx, frozenset(), 0)

    def _body(self, key: str, op0: _Op, op1: _Op) -> None:
        b0, b1 = self.old.body(op0), self.new.body(op1)
        ctx = _Ctx("request-body", key, "request body", frozenset({key}), frozenset({"request"}))
        if b0 is None and b1 is None:
            return
        if b0 is None:
            assert b1 is not None
            required = b1[0].get("required") is True
            self.emit(ctx, "added", "add-required" if required else "add-optional", b1[1], "new",
                      f"request body added ({'required' if required else 'optional'})")
            return
        if b1 is None:
            self.emit(ctx, "removed", "remove-required" if b0[0].get("required") is True else "remove", b0[1],
                      "old", "request body removed")
            return
        (n0, p0), (n1, p1) = b0, b1
        if n1.get("required") is True and n0.get("required") is not True:
            self.emit(ctx, "required", "require", jp.child(p1, "required"), "new", "request body is now required")
        if n0.get("required") is True and n1.get("required") is not True:
            self.emit(ctx, "optional", "unrequire", p1, "new", "request body is now optional")
        self._content(ctx, self.old.content(n0, p0), self.new.content(n1, p1), p0, p1, "add-optional", "remove")

    def _content(self, ctx: _Ctx, c0: dict[str, tuple[Any, str]], c1: dict[str, tuple[Any, str]],
                 p0: str, p1: str, added: str, removed: str) -> None:
        several = len(c0) > 1 or len(c1) > 1
        for media_type in sorted(c0.keys() | c1.keys()):
            if media_type not in c0:
                self.emit(ctx, "media-type-added", added, jp.child(p1, "content", media_type), "new",
                          f"{ctx.prefix} media type {_code(media_type)} added")
            elif media_type not in c1:
                self.emit(ctx, "media-type-removed", removed, jp.child(p0, "content", media_type), "old",
                          f"{ctx.prefix} media type {_code(media_type)} removed")
            else:
                prefix = f"{ctx.prefix} ({_code(media_type)})" if several else ctx.prefix
                inner = _Ctx(ctx.area, ctx.subject, prefix, ctx.ops, ctx.directions, ctx.shared)
                (s0, sp0), (s1, sp1) = c0[media_type], c1[media_type]
                self.schema(s0, sp0, s1, sp1, "", inner, frozenset(), 0)

    def _responses(self, key: str, op0: _Op, op1: _Op) -> None:
        r0, r1 = self.old.responses(op0), self.new.responses(op1)
        base = _Ctx("response", key, "", frozenset({key}), frozenset({"response"}))
        for code in sorted(r0.keys() | r1.keys()):
            if code not in r0:
                self.emit(base, "status-added", "info", r1[code][1], "new", f"response {_code(code)} added")
            elif code not in r1:
                # a success response gone changes what clients get and what servers may send;
                # an error status dropped from the documentation is worth a look, no more
                effect = "both" if code.startswith("2") else "info"
                self.emit(base, "status-removed", effect, r0[code][1], "old", f"response {_code(code)} removed")
            else:
                (n0, p0), (n1, p1) = r0[code], r1[code]
                ctx = _Ctx("response", key, f"response {_code(code)}", base.ops, base.directions)
                self._content(ctx, self.old.content(n0, p0), self.new.content(n1, p1), p0, p1, "info", "both")

    # shared components

    def _parameter_components(self) -> None:
        use0, use1 = self.old_usage[1], self.new_usage[1]
        for name in sorted(set(map(str, self.old.parameters)) & set(map(str, self.new.parameters))):
            pointer = jp.join("components", "parameters", name)
            n0, q0 = self.old.index.deref(self.old.parameters[name], pointer)
            n1, q1 = self.new.index.deref(self.new.parameters[name], pointer)
            n0, n1 = self.old.mapping(n0, q0), self.new.mapping(n1, q1)
            p0 = _Param(str(n0.get("name")), str(n0.get("in")), n0, q0, name)
            p1 = _Param(str(n1.get("name")), str(n1.get("in")), n1, q1, name)
            ops = frozenset(use0.get(name, set()) | use1.get(name, set()))
            ctx = _Ctx("parameter", f"parameter component {_code(name)}", "", ops,
                       frozenset({"request"}) if ops else frozenset(), shared=True)
            self._param_pair(p0, p1, ctx)

    def _schema_components(self) -> None:
        old_names, new_names = set(map(str, self.old.schemas)), set(map(str, self.new.schemas))
        renamed_to = set(self.renames.values())
        for name in sorted(new_names - old_names - renamed_to):
            self.facts.append(_Fact("schema.added", "none", jp.join("components", "schemas", name), "new",
                                    f"schema {_code(name)}", "added"))
        for name in sorted(old_names - new_names - self.renames.keys()):
            self.facts.append(_Fact("schema.removed", "info", jp.join("components", "schemas", name), "old",
                                    f"schema {_code(name)}", "removed"))
        for old_name, new_name in sorted(self.renames.items()):
            self.facts.append(_Fact("schema.renamed", "info", jp.join("components", "schemas", new_name), "new",
                                    f"schema {_code(new_name)}", f"renamed from {_code(old_name)} (same shape)"))
        pairs = [(n, n) for n in sorted(old_names & new_names)] + sorted(self.renames.items())
        use0, use1 = self.old_usage[0], self.new_usage[0]
        for old_name, new_name in pairs:
            uses = use0.get(old_name, set()) | use1.get(new_name, set())
            ctx = _Ctx("schema", f"schema {_code(new_name)}", "", frozenset(op for op, _ in uses),
                       frozenset(d for _, d in uses), shared=True)
            self.schema(self.old.schemas[old_name], jp.join("components", "schemas", old_name),
                        self.new.schemas[new_name], jp.join("components", "schemas", new_name),
                        "", ctx, frozenset(), 0)

    def _detect_renames(self) -> dict[str, str]:
        """old name -> new name for a schema that vanished while one of the same shape appeared and
        at least one `$ref` that named the old one names the new one at the same place."""
        old_names, new_names = set(map(str, self.old.schemas)), set(map(str, self.new.schemas))
        gone, came = sorted(old_names - new_names), sorted(new_names - old_names)
        if not gone or not came:
            return {}
        by_shape: dict[str, list[str]] = {}
        for name in came:
            by_shape.setdefault(_shape(self.new.schemas[name], name), []).append(name)
        candidates = {o: by_shape.get(_shape(self.old.schemas[o], o), []) for o in gone}
        if not any(candidates.values()):
            return {}
        sites0, sites1 = self.old.ref_sites(), self.new.ref_sites()
        renames: dict[str, str] = {}
        for old_name in gone:
            old_ref = SCHEMAS + jp.escape(old_name)
            moved_from = {p for p, r in sites0.items() if r == old_ref}
            for new_name in candidates[old_name]:
                new_ref = SCHEMAS + jp.escape(new_name)
                if new_name not in renames.values() and any(sites1.get(p) == new_ref for p in moved_from):
                    renames[old_name] = new_name
                    break
        return renames

    # the schema walk

    def same_schema(self, old_name: str, new_name: str) -> bool:
        if self.renames.get(old_name) == new_name:
            return True
        return old_name == new_name and old_name in self.old.schemas and new_name in self.new.schemas

    def schema(self, s0: Any, p0: str, s1: Any, p1: str, path: str, ctx: _Ctx,
               seen: frozenset[tuple[str, str]], depth: int) -> None:
        """Compare two schemas (old at p0, new at p1); `path` is the field path shown to users."""
        if s0 == s1:
            # Equal text, equal meaning: a `$ref` in it names the same component on both sides and
            # that component is compared on its own. (Most of a spec is unchanged: this is the
            # fast path.)
            return
        if depth > MAX_DEPTH:
            raise self.new.fail("schema nesting too deep to compare", p1)
        r0, r1 = _ref(s0), _ref(s1)
        if r0 is not None or r1 is not None:
            n0, n1 = _component(r0, SCHEMAS), _component(r1, SCHEMAS)
            if n0 is not None and n1 is not None and self.same_schema(n0, n1):
                return  # the component itself is compared once, in _schema_components
            if r0 != r1:
                self.emit(ctx, "ref-changed", "info", p1, "new",
                          f"{_where(ctx, path)} schema changed from {_schema_label(r0)} to {_schema_label(r1)}".strip())
            pair = (r0 or p0, r1 or p1)
            if pair in seen:
                return
            seen = seen | {pair}
            s0, p0 = self.old.index.deref(s0, p0)
            s1, p1 = self.new.index.deref(s1, p1)
        s0, s1 = _as_schema(self.old, s0, p0), _as_schema(self.new, s1, p1)
        where = _where(ctx, path)
        self._types(s0, p0, s1, p1, where, ctx)
        self._enum(s0, p0, s1, p1, where, ctx)
        self._constraints(s0, s1, p1, where, ctx)
        self._properties(s0, p0, s1, p1, path, ctx, seen, depth)
        self._additional(s0, p0, s1, p1, path, ctx, seen, depth)
        if "items" in s0 or "items" in s1:
            self.schema(s0.get("items", {}), jp.child(p0, "items"), s1.get("items", {}), jp.child(p1, "items"),
                        f"{path}[]", ctx, seen, depth + 1)
        for keyword in ("oneOf", "anyOf", "allOf"):
            self._composition(keyword, s0, p0, s1, p1, path, ctx, seen, depth)
        d0, d1 = s0.get("default", _MISSING), s1.get("default", _MISSING)
        if (d0 is _MISSING) != (d1 is _MISSING) or (d0 is not _MISSING and _value_key(d0) != _value_key(d1)):
            text = _change_text("default", d0, d1, missing=_MISSING)
            self.emit(ctx, "default-changed", "info", p1 if d1 is _MISSING else jp.child(p1, "default"), "new",
                      f"{where} {text}".strip())
        if s1.get("deprecated") is True and s0.get("deprecated") is not True:
            self.emit(ctx, "deprecated", "info", jp.child(p1, "deprecated"), "new", f"{where} deprecated".strip())

    def _types(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, where: str,
               ctx: _Ctx) -> None:
        t0, t1 = _types(self.old, s0, p0), _types(self.new, s1, p1)
        if t0 != t1:
            if t0 is None:
                effect, text = "narrow", f"type restricted to {_type_text(t1)}"
            elif t1 is None:
                effect, text = "widen", f"type restriction {_type_text(t0)} removed"
            else:
                wider, narrower = _covers(t1, t0), _covers(t0, t1)
                effect = "widen" if wider else "narrow" if narrower else "change"
                text = f"type changed from {_type_text(t0)} to {_type_text(t1)}"
            self.emit(ctx, "type-changed", effect, jp.child(p1, "type"), "new", f"{where} {text}".strip())
        f0, f1 = s0.get("format"), s1.get("format")
        if f0 != f1:
            # string formats constrain values (uuid, date-time); numeric ones are only a width hint
            stringy = "string" in (t1 or t0 or frozenset())
            if not stringy:
                effect = "info"
            else:
                effect = "narrow" if f0 is None else "widen" if f1 is None else "change"
            text = _change_text("format", f0, f1)
            self.emit(ctx, "format-changed", effect, jp.child(p1, "format"), "new", f"{where} {text}".strip())
        null0, null1 = _nullable(s0), _nullable(s1)
        if null1 and not null0:
            self.emit(ctx, "nullable-added", "widen", jp.child(p1, "nullable"), "new", f"{where} is now nullable".strip())
        elif null0 and not null1:
            self.emit(ctx, "nullable-removed", "narrow", p1, "new", f"{where} is no longer nullable".strip())

    def _enum(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, where: str,
              ctx: _Ctx) -> None:
        e0, e1 = s0.get("enum"), s1.get("enum")
        if e0 is None and e1 is None:
            return
        pointer = jp.child(p1, "enum")
        if e0 is None:
            values = self.new.sequence(e1, pointer)
            self.emit(ctx, "enum-restriction-added", "narrow", pointer, "new",
                      f"{where} restricted to the values {_values(values)}".strip())
            return
        if e1 is None:
            self.emit(ctx, "enum-restriction-removed", "widen", p1, "new", f"{where} enum restriction removed".strip())
            return
        v0 = {_value_key(v): v for v in self.old.sequence(e0, jp.child(p0, "enum"))}
        v1 = {_value_key(v): v for v in self.new.sequence(e1, pointer)}
        added = [v1[k] for k in v1.keys() - v0.keys()]
        removed = [v0[k] for k in v0.keys() - v1.keys()]
        if added:
            self.emit(ctx, "enum-values-added", "enum-add", pointer, "new",
                      f"{where} enum {'value' if len(added) == 1 else 'values'} {_values(added)} added".strip())
        if removed:
            self.emit(ctx, "enum-values-removed", "narrow", pointer, "new",
                      f"{where} enum {'value' if len(removed) == 1 else 'values'} {_values(removed)} removed".strip())

    def _constraints(self, s0: Mapping[str, Any], s1: Mapping[str, Any], p1: str, where: str, ctx: _Ctx) -> None:
        for key in _LOWER + _UPPER + _OTHER:
            v0, v1 = s0.get(key), s1.get(key)
            if key in ("uniqueItems", "exclusiveMinimum", "exclusiveMaximum"):
                v0, v1 = (None if v is False else v for v in (v0, v1))
            if v0 == v1:
                continue
            text = _change_text(key, v0, v1)
            if v0 is None:
                effect = "narrow"
            elif v1 is None:
                effect = "widen"
            else:
                numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (v0, v1))
                if numeric and key in _LOWER:
                    effect = "narrow" if v1 > v0 else "widen"
                elif numeric and key in _UPPER:
                    effect = "widen" if v1 > v0 else "narrow"
                else:
                    effect = "change"
            self.emit(ctx, "constraint-changed", effect, jp.child(p1, key) if v1 is not None else p1, "new",
                      f"{where} {text}".strip())

    def _properties(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, path: str, ctx: _Ctx,
                    seen: frozenset[tuple[str, str]], depth: int) -> None:
        props0 = self.old.mapping(s0.get("properties") or {}, jp.child(p0, "properties"))
        props1 = self.new.mapping(s1.get("properties") or {}, jp.child(p1, "properties"))
        req0 = set(map(str, self.old.sequence(s0.get("required") or [], jp.child(p0, "required"))))
        req1 = set(map(str, self.new.sequence(s1.get("required") or [], jp.child(p1, "required"))))
        names0, names1 = set(map(str, props0)) | req0, set(map(str, props1)) | req1
        for name in sorted(names0 | names1):
            label = _child_path(path, name)
            where = _where(ctx, label)
            at1 = jp.child(p1, "properties", name) if name in props1 else jp.child(p1, "required")
            at0 = jp.child(p0, "properties", name) if name in props0 else jp.child(p0, "required")
            if name not in names0:
                required = name in req1
                shape = _describe(props1.get(name, {}))
                self.emit(ctx, "property-added", "add-required" if required else "add-optional", at1, "new",
                          f"{where} added ({'required' if required else 'optional'}{', ' + shape if shape else ''})")
            elif name not in names1:
                self.emit(ctx, "property-removed", "remove-required" if name in req0 else "remove", at0, "old",
                          f"{where} removed")
            else:
                if name in req1 and name not in req0:
                    self.emit(ctx, "property-required", "require", jp.child(p1, "required"), "new",
                              f"{where} is now required")
                elif name in req0 and name not in req1:
                    self.emit(ctx, "property-optional", "unrequire", at1, "new", f"{where} is now optional")
                if name in props0 or name in props1:
                    self.schema(props0.get(name, {}), jp.child(p0, "properties", name),
                                props1.get(name, {}), jp.child(p1, "properties", name), label, ctx, seen, depth + 1)

    def _additional(self, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str, path: str, ctx: _Ctx,
                    seen: frozenset[tuple[str, str]], depth: int) -> None:
        a0, a1 = _additional(s0), _additional(s1)
        if a0 is True and a1 is True or a0 is False and a1 is False:
            return
        where = _where(ctx, path)
        pointer = jp.child(p1, "additionalProperties")
        if isinstance(a0, Mapping) and isinstance(a1, Mapping):
            self.schema(a0, jp.child(p0, "additionalProperties"), a1, pointer, f"{path}.*" if path else "*",
                        ctx, seen, depth + 1)
            return
        if a1 is False:
            effect, text = "narrow", "no longer allows additional properties"
        elif a1 is True:
            effect, text = "open", "now allows any additional properties"
        elif a0 is True:
            effect, text = "narrow", f"additional properties restricted to {_describe(a1) or 'a schema'}"
        else:
            effect, text = "open", f"now allows additional properties ({_describe(a1) or 'a schema'})"
        self.emit(ctx, "additional-properties-changed", effect, pointer if a1 is not True else p1, "new",
                  f"{where} {text}".strip())

    def _composition(self, keyword: str, s0: Mapping[str, Any], p0: str, s1: Mapping[str, Any], p1: str,
                     path: str, ctx: _Ctx, seen: frozenset[tuple[str, str]], depth: int) -> None:
        l0 = self.old.sequence(s0.get(keyword) or [], jp.child(p0, keyword))
        l1 = self.new.sequence(s1.get(keyword) or [], jp.child(p1, keyword))
        if not l0 and not l1:
            return
        where = _where(ctx, path)
        if not l0 or not l1:
            # gaining a oneOf/anyOf/allOf adds a constraint; losing one lifts it
            added = not l0
            self.emit(ctx, "composition-changed", "narrow" if added else "widen",
                      jp.child(p1, keyword) if added else p1, "new",
                      f"{where} {keyword} {'added' if added else 'removed'} "
                      f"({_plural(len(l1 or l0), 'member')})".strip())
            return
        pairs, added_members, removed_members = self._match_members(l0, l1)
        union = keyword != "allOf"
        for index in added_members:
            self.emit(ctx, "variant-added", "widen" if union else "narrow", jp.child(p1, keyword, index), "new",
                      f"{where} {keyword} member {_member_label(l1[index], index)} added".strip())
        for index in removed_members:
            self.emit(ctx, "variant-removed", "narrow" if union else "widen", jp.child(p0, keyword, index), "old",
                      f"{where} {keyword} member {_member_label(l0[index], index)} removed".strip())
        for i0, i1 in pairs:
            # allOf members are parts of one object: show their fields as the object's own
            label = f"{keyword}[{_member_label(l1[i1], i1, code=False)}]"
            inner = path if keyword == "allOf" else f"{path}.{label}" if path else label
            self.schema(l0[i0], jp.child(p0, keyword, i0), l1[i1], jp.child(p1, keyword, i1), inner, ctx, seen,
                        depth + 1)

    def _match_members(self, l0: list[Any], l1: list[Any]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Pair union/intersection members: by component (rename-aware), then title, then position."""

        def key(node: Any, renames: Mapping[str, str]) -> str | None:
            name = _component(_ref(node), SCHEMAS)
            if name is not None:
                return "ref:" + renames.get(name, name)
            if _ref(node) is not None:
                return "ref:" + str(_ref(node))
            if isinstance(node, Mapping) and isinstance(node.get("title"), str):
                return "title:" + node["title"]
            return None

        keys0 = [key(m, self.renames) for m in l0]
        keys1 = [key(m, {}) for m in l1]
        pairs: list[tuple[int, int]] = []
        used0: set[int] = set()
        used1: set[int] = set()
        for i1, k1 in enumerate(keys1):
            if k1 is None:
                continue
            for i0, k0 in enumerate(keys0):
                if i0 not in used0 and k0 == k1:
                    pairs.append((i0, i1))
                    used0.add(i0)
                    used1.add(i1)
                    break
        rest0 = [i for i, k in enumerate(keys0) if i not in used0 and (k is None or k.startswith("title:"))]
        rest1 = [i for i, k in enumerate(keys1) if i not in used1 and (k is None or k.startswith("title:"))]
        # inline members without a matching title: pair by position among themselves
        for i0, i1 in zip(rest0, rest1):
            if keys0[i0] is None and keys1[i1] is None:
                pairs.append((i0, i1))
                used0.add(i0)
                used1.add(i1)
        added = [i for i in range(len(l1)) if i not in used1]
        removed = [i for i in range(len(l0)) if i not in used0]
        return sorted(pairs, key=lambda p: p[1]), added, removed

    # grouping and ordering

    def grouped(self) -> list[_Fact]:
        """The facts, one per change: the same finding from several operations is merged."""
        groups: dict[tuple[Any, ...], _Fact] = {}
        for fact in self.facts:
            key = (fact.kind, fact.effect, fact.location, fact.spec, fact.text,
                   None if fact.merge else fact.subject)
            if key in groups:
                groups[key].ops |= fact.ops
                groups[key].directions |= fact.directions
            else:
                groups[key] = _Fact(fact.kind, fact.effect, fact.location, fact.spec, fact.subject, fact.text,
                                    set(fact.ops), set(fact.directions), fact.shared, fact.merge)
        return list(groups.values())


def _where(ctx: _Ctx, path: str) -> str:
    parts = [ctx.prefix] if ctx.prefix else []
    if path:
        parts.append(("property " if not path.startswith(("[", "*")) else "") + _code(path))
    return " ".join(parts)


def _change_text(what: str, old: Any, new: Any, missing: Any = None) -> str:
    """"`what` NEW added", "`what` OLD removed" or "`what` changed from OLD to NEW" (`missing`
    stands for an absent value)."""
    if old is missing:
        return f"{what} {_code(new)} added"
    if new is missing:
        return f"{what} {_code(old)} removed"
    return f"{what} changed from {_code(old)} to {_code(new)}"
