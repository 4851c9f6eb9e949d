"""``oneOf``/``anyOf``: members named after what tells them apart (class_names.member_candidates),
and a discriminator handed to datamodel-code-generator only when it is valid, with an explicit
mapping to our class names (else it is dropped with a warning and pydantic tries each member)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import pointer as jp
from ..schema import SCHEMAS, enum_values
from .class_names import member_candidates
from .shapes import as_mapping
from .state import PlanState

if TYPE_CHECKING:  # the rewriter owns this planner and is passed in: no import cycle at run time
    from .rewrite import SchemaRewriter


class UnionPlanner:
    def __init__(self, state: PlanState, rewriter: SchemaRewriter):
        self.state = state
        self.rewriter = rewriter

    def rewrite(self, node: Mapping[str, Any], key: str, ptr: str, ctx: str, out: dict[str, Any]) -> None:
        """The union under `key` of `node` into `out`, with its discriminator when it is valid."""
        members = node[key]
        disc = node.get("discriminator") if key == "oneOf" or not node.get("oneOf") else None
        tag_prop = disc.get("propertyName") if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str) else None
        candidates = member_candidates(self.state, members, ctx, tag_prop)
        out[key] = [self.rewriter.schema(m, jp.child(ptr, key, i), candidates[i], "member") for i, m in enumerate(members)]
        if "discriminator" in node and "discriminator" not in out:
            checked = self.discriminator(node, key, ptr, out[key])
            if checked is not None:
                out["discriminator"] = checked

    def discriminator(self, node: Mapping[str, Any], key: str, ptr: str, members_out: list[dict]) -> dict | None:
        """A discriminator dcg can trust, with an explicit mapping to our class names; else None + warning.

        Valid when every member is (a ref to) an object that declares the property as required,
        with a single enum/const value or a mapping entry naming it, the values being distinct.
        """
        disc = node.get("discriminator")
        members = node[key]
        reasons: list[str] = []
        new_mapping: dict[str, str] = {}
        if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
            reasons.append("it has no propertyName")
            disc = {}
        prop = disc.get("propertyName", "")
        by_target: dict[str, list[str]] = {}
        for value, target in as_mapping(disc.get("mapping")).items():
            if isinstance(target, str):
                by_target.setdefault(target if target.startswith("#") else SCHEMAS + target, []).append(str(value))
        first: dict[str, str] = {}  # value -> the member that declared it
        for i, (m, m_out) in enumerate(zip(members, members_out)):
            if reasons and not prop:
                break
            where = m["$ref"] if isinstance(m, dict) and isinstance(m.get("$ref"), str) else jp.child(ptr, key, i)
            mapped = by_target.get(where, []) if isinstance(m, dict) and "$ref" in m else []
            tag = self._member_value(m, m_out, where, prop, mapped, reasons)
            if tag is None:
                continue
            if tag in first:
                reasons.append(f"members {first[tag]} and {where} share the value {tag!r}")
                continue
            new_mapping[tag] = m_out["$ref"]
            first[tag] = where
        if reasons:
            self.state.warn(
                "discriminator dropped (the union is validated member by member instead): " + "; ".join(reasons),
                jp.child(ptr, "discriminator"),
                "fix the discriminator in the spec (an overlay can do it)",
            )
            return None
        return {"propertyName": prop, "mapping": new_mapping}

    def _member_value(
        self, m: Any, m_out: Mapping[str, Any], where: str, prop: str, mapped: list[str], reasons: list[str]
    ) -> str | None:
        """The tag value of one union member (its one-value enum, else its mapping entry); None
        (and a reason) when the member cannot be told apart by `prop`."""
        shape = self.state.object_shape(m)
        if shape is None or not isinstance(m_out.get("$ref"), str) or m_out.get("nullable"):
            reasons.append(f"member {where} is not an object schema")
            return None
        props, required = shape
        if prop not in props:
            reasons.append(f"member {where} has no property {prop!r}")
            return None
        if prop not in required:
            reasons.append(f"member {where} does not require {prop!r}")
        values = enum_values(self.state.deref(props[prop]) or {})
        tag = values[0] if values is not None and len(values) == 1 else None
        if tag is None and len(mapped) != 1:
            reasons.append(f"member {where} has no single value for {prop!r}")
            return None
        if tag is not None and mapped and mapped != [str(tag)]:
            reasons.append(f"member {where} declares {prop}={tag!r} but the mapping says {mapped}")
            return None
        return str(tag) if tag is not None else mapped[0]
