"""``allOf`` normalised into what datamodel-code-generator names predictably: annotation-only
parts fold into the class, references become base classes, a union part is distributed over
combined classes, a base whose property an inline part redefines is copied in instead of
inherited, and a child's property declared exactly as the inherited one reuses the base's class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import pointer as jp
from ..naming import class_name, unique_name
from ..schema import ANNOTATIONS, SCHEMAS
from ..textsafe import clean_text
from .class_names import member_candidates, needs_class
from .shapes import allof_annotations, allof_core, as_mapping, ref_of
from .state import PlanState

if TYPE_CHECKING:  # the rewriter owns this planner and is passed in: no import cycle at run time
    from .rewrite import SchemaRewriter


class AllOfPlanner:
    def __init__(self, state: PlanState, rewriter: SchemaRewriter):
        self.state = state
        self.rewriter = rewriter

    def rewrite(self, node: Mapping[str, Any], ptr: str, ctx: str, out: dict[str, Any]) -> None:
        """``allOf`` of `node` into `out`: parts as dcg merges them (refs become base classes).

        Annotation-only parts are folded into `out`; an ``allOf`` holding one union and objects
        becomes a union of combined classes (`distribute`); a reference whose properties an inline
        part redefines with another schema is copied in instead of inherited (a subclass may not
        change a field's type).
        """
        notes = allof_annotations(node)
        if "description" not in out and (desc := clean_text(notes.get("description"))) is not None:
            out["description"] = desc
        if notes.get("nullable") is True:
            out["nullable"] = True
        core = allof_core(node)
        if self.distribute(node, ptr, ctx, core, out):
            return
        shape = self.state.object_shape(node)
        known = frozenset(shape[0]) if shape is not None else None
        inline_props: dict[str, Any] = dict(as_mapping(node.get("properties")))
        for _, part in core:
            if isinstance(part, dict) and "$ref" not in part:
                inline_props.update({str(k): v for k, v in as_mapping(part.get("properties")).items()})
        parts: list[dict] = []
        for i, part in core:
            part_ptr = jp.child(ptr, "allOf", i)
            conflicts = self.redefined(part, inline_props)
            if not conflicts:
                parts.append(self.rewriter.allof_part(part, part_ptr, ctx, known))
                continue
            target = part["$ref"]
            base = self.state.component_class.get(jp.unescape(target[len(SCHEMAS) :])) or target
            self.state.warn(
                f"{ctx} redefines {', '.join(repr(c) for c in conflicts)} of {base} with another schema; "
                f"{ctx} copies the properties of {base} instead of inheriting from it",
                part_ptr,
                "give the property the same schema in both (an overlay can do it) to keep the subclass",
            )
            copied = self.rewriter.rewrite(self.state.deref(part), target, ctx, "allof", known)
            props = {k: v for k, v in as_mapping(copied.get("properties")).items() if k not in conflicts}
            copied["properties"] = props  # `required` stays: allOf requires the name whichever part defines it
            parts.append(copied)
        out["allOf"] = parts

    def redefined(self, part: Any, inline_props: Mapping[str, Any]) -> list[str]:
        """Properties of the referenced object `part` that `inline_props` give another schema."""
        if not isinstance(part, dict) or not isinstance(part.get("$ref"), str) or not inline_props:
            return []
        shape = self.state.object_shape(part)
        if shape is None:
            return []

        def differs(schema: Any, base: Any) -> bool:
            if self.essence(schema) != self.essence(base):
                return True
            # the same values through another class (a $ref to a named enum where the base has
            # an inline one): two classes, so the subclass field's type would not match
            ref = ref_of(schema)
            return ref is not None and ref != ref_of(base)

        return [
            name
            for name, schema in inline_props.items()
            if name in shape[0] and schema is not shape[0][name] and differs(schema, shape[0][name])
        ]

    def essence(self, schema: Any) -> Any:
        """A property's schema without annotations, through $refs: what decides its type."""
        schema = self.state.deref(schema) if isinstance(schema, dict) and "$ref" in schema else schema
        if isinstance(schema, dict):
            return {k: v for k, v in schema.items() if k not in ANNOTATIONS}
        return schema

    def note_inherited(self, node: Mapping[str, Any], ptr: str) -> None:
        """Mark the inline properties of an allOf child that repeat an inherited property's schema
        (`SchemaRewriter.inherited_use` plans them as the base's class)."""
        bases = [part for _, part in allof_core(node) if ref_of(part) is not None]
        if not bases:
            return
        own = [(jp.child(ptr, "properties", k), v, str(k)) for k, v in as_mapping(node.get("properties")).items()]
        for i, part in allof_core(node):
            if isinstance(part, dict) and "$ref" not in part:
                own += [(jp.child(ptr, "allOf", i, "properties", k), v, str(k)) for k, v in as_mapping(part.get("properties")).items()]
        for child_ptr, child, name in own:
            if not isinstance(child, dict) or ref_of(child) is not None:
                continue
            for part in bases:
                site = self.property_site(part, name, 0)
                if site is not None and site[0] is not child and self.essence(site[0]) == self.essence(child):
                    if needs_class(child, "property") or ref_of(site[0]) is not None:
                        self.state.same_as.setdefault(child_ptr, site)
                    break

    def property_site(self, part: Any, name: str, depth: int) -> tuple[Any, str, list[str]] | None:
        """(schema, pointer, class name candidates) of property `name` in the component `part`
        refers to (through its allOf), as planning that component names it; None if not found."""
        target = ref_of(part)
        if target is None or not target.startswith(SCHEMAS) or depth > 16:
            return None
        key = jp.unescape(target[len(SCHEMAS) :])
        cls = self.state.component_class.get(key)
        if cls is None:
            return None
        stack: list[tuple[Any, str]] = [(self.state.src[key], target)]
        while stack:
            node, node_ptr = stack.pop(0)
            if not isinstance(node, dict):
                continue
            props = {str(k): v for k, v in as_mapping(node.get("properties")).items()}
            if name in props:
                return props[name], jp.child(node_ptr, "properties", name), [cls + class_name(name)]
            for i, sub in enumerate(node.get("allOf") or []):
                if ref_of(sub) is not None:
                    if (found := self.property_site(sub, name, depth + 1)) is not None:
                        return found
                else:
                    stack.append((sub, jp.child(node_ptr, "allOf", i)))
        return None

    def distribute(
        self, node: Mapping[str, Any], ptr: str, ctx: str, core: list[tuple[int, Any]], out: dict[str, Any]
    ) -> bool:
        """``allOf: [anyOf: [A, B], {f}]`` → ``anyOf: [<ctx>A, <ctx>B]`` with ``class <ctx>A(A, <ctx>Common)``.

        Only when exactly one part is a union (inline, or a reference to a union schema) whose
        members are all objects, the other parts are objects, and `node` has no properties or
        union of its own; otherwise False and nothing is planned.
        """
        union = self._sole_union(node, core)
        if union is None:
            return False
        u_index, u_part, u_node = union
        key = "oneOf" if u_node.get("oneOf") else "anyOf"
        members = u_node[key]
        u_ptr = u_part["$ref"] if isinstance(u_part, dict) and "$ref" in u_part else jp.child(ptr, "allOf", u_index)
        others = [(i, part) for i, part in core if i != u_index]
        if not isinstance(members, list) or not all(self.state.object_shape(m) is not None for m in members):
            return False
        if not all(self.state.object_shape(part) is not None for _, part in others):
            return False
        commons: list[dict] = []
        for i, part in others:
            part_ptr = jp.child(ptr, "allOf", i)
            if isinstance(part, dict) and "$ref" in part:
                commons.append(self.rewriter.schema(part, part_ptr, [ctx + "Base"], "allof"))
            else:
                commons.append({"$ref": SCHEMAS + self.rewriter.hoist(part, part_ptr, [ctx + "Common", ctx + "Shared"], "Object")})
        labels = member_candidates(self.state, members, ctx, None)
        combined: list[dict] = []
        for i, member in enumerate(members):
            m_ptr = jp.child(u_ptr, key, i)
            if isinstance(member, dict) and isinstance(member.get("$ref"), str):
                target = member["$ref"]
                ref_name = self.state.component_class.get(jp.unescape(target[len(SCHEMAS) :])) if target.startswith(SCHEMAS) else None
                cands = ([ctx + ref_name] if ref_name else []) + labels[i]
            else:
                cands = labels[i]
            member_out = self.rewriter.schema(member, m_ptr, [c + "Member" for c in cands[:1]] + cands, "allof")
            taken = self.state.out
            name = next((c for c in dict.fromkeys(cands) if c not in taken), None) or unique_name(cands[0], taken)
            self.state.origin[name] = {"allOf": [member, *[p for _, p in others]]}
            self.state.origin_ptr[name] = m_ptr
            self.state.out[name] = {"allOf": [member_out, *commons]}
            combined.append({"$ref": SCHEMAS + name})
        out.pop("type", None)
        out[key] = combined
        return True

    def _sole_union(self, node: Mapping[str, Any], core: list[tuple[int, Any]]) -> tuple[int, Any, dict] | None:
        """(index, part, the union schema) of the one union part a distributable allOf has."""
        if node.get("properties") or node.get("oneOf") or node.get("anyOf") or len(core) < 2:
            return None
        unions = []
        for i, part in core:
            target = self.state.deref(part)
            if isinstance(target, dict) and (target.get("oneOf") or target.get("anyOf")) and not target.get("properties"):
                unions.append((i, part, target))
        return unions[0] if len(unions) == 1 else None
