"""The rewriting walk: a copy of each schema in which every subschema that needs a class is
hoisted into ``components/schemas`` under its final name and referred to by ``$ref``, so that
datamodel-code-generator's own naming is the identity on ours. `SchemaRewriter` walks
properties, items, maps and references; ``allOf`` is allof.py's and unions are unions.py's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import pointer as jp
from ..diagnostics import Diagnostic, GeneratorError
from ..naming import class_name
from ..schema import DROP, SCHEMAS
from ..textsafe import clean_text
from .allof import AllOfPlanner
from .class_names import free_name, kind_suffix, needs_class
from .defaults import kept_default, null_union
from .enums import enum_keywords
from .fields import EMPTY_WIRE
from .keywords import own_keywords
from .shapes import (
    NO_VALUE,
    as_mapping,
    as_ref_use,
    has_properties,
    may_be_array,
    requirement_only,
    single_ref_allof,
)
from .state import PlanState
from .unions import UnionPlanner


class SchemaRewriter:
    def __init__(self, state: PlanState):
        self.state = state
        self.all_of = AllOfPlanner(state, self)
        self.unions = UnionPlanner(state, self)

    def schema(self, node: Any, ptr: str, candidates: list[str], site: str) -> dict:
        """Rewrite an inline schema found at `ptr`; hoist it when it needs a class.

        `site` says where it stands (``root``, ``property``, ``item``, ``value``, ``member``,
        ``allof``, ``param``, ``body``): it decides whether dcg would make it a class.
        """
        if node is True or node is None:
            return {}
        if node is False:
            return self.schema(dict(NO_VALUE), ptr, candidates, site)
        if not isinstance(node, dict):
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"expected a schema object, found {type(node).__name__}",
                    pointer=ptr,
                    hint="a schema must be a mapping (or a $ref)",
                )
            )
        if ptr in self.state.same_as:
            return self.inherited_use(node, ptr)
        if isinstance(node.get("$ref"), str):
            return self.ref(node, ptr, candidates, site)
        if (nullable := null_union(node, ptr)) is not None:
            return self.schema(nullable[0], nullable[1], candidates, site)
        if single_ref_allof(node) and site != "root":
            return self.ref(as_ref_use(node), ptr, candidates, site)
        if needs_class(node, site):
            name = self.hoist(node, ptr, candidates, kind_suffix(node))
            return self.use_site(name, node)
        return self.rewrite(node, ptr, candidates[0], site)

    def hoist(self, node: Mapping[str, Any], ptr: str, candidates: list[str], kind: str) -> str:
        """Give the inline schema at `ptr` a class (named by class_names.free_name) and plan it."""
        if ptr in self.state.class_for_pointer:
            return self.state.class_for_pointer[ptr]
        name, shared = free_name(self.state, node, ptr, candidates, kind)
        if shared:
            return name
        self.state.reserve(name, node, ptr)
        if kind not in ("Enum", "Object"):
            self.state.wrappers.add(name)
        self.state.out[name] = self.rewrite_root(node, ptr, name)
        return name

    def inherited_use(self, node: Mapping[str, Any], ptr: str) -> dict:
        """An allOf child's property declared exactly as the inherited one: the base's class (a
        class of its own would make the subclass field's type incompatible with the base's)."""
        base, base_ptr, candidates = self.state.same_as[ptr]
        inner = self.schema(base, base_ptr, candidates, "property")
        if not isinstance(inner.get("$ref"), str):
            return self.rewrite(node, ptr, candidates[0], "property")
        name = inner["$ref"][len(SCHEMAS) :]
        self.state.class_for_pointer.setdefault(ptr, name)
        return self.use_site(name, node)

    def use_site(self, name: str, node: Mapping[str, Any]) -> dict:
        """``$ref`` to a class, keeping what belongs to the place of use (nullable, description, default)."""
        out: dict[str, Any] = {"$ref": SCHEMAS + name}
        if node.get("nullable") is True:
            out["nullable"] = True
        if (desc := clean_text(node.get("description"))) is not None:
            out["description"] = desc
        if "default" in node:
            target = self.state.deref(node) if isinstance(node.get("$ref"), str) else node
            if (default := kept_default(node, target)) is not DROP:
                out["default"] = default
        return out

    def ref(self, node: Mapping[str, Any], ptr: str, candidates: list[str], site: str) -> dict:
        """A ``$ref`` use: the class of a component or of an already planned location, else the
        referenced location planned under its own pointer."""
        target = node["$ref"]
        if not target.startswith("#"):
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"external $ref {target!r} reached the models step",
                    pointer=ptr,
                    hint="resolve external references before planning models",
                )
            )
        state = self.state
        if target.startswith(SCHEMAS) and jp.unescape(target[len(SCHEMAS) :]) in state.component_class:
            return self.use_site(state.component_class[jp.unescape(target[len(SCHEMAS) :])], node)
        if target in state.class_for_pointer:
            return self.use_site(state.class_for_pointer[target], node)
        # A reference into the middle of some schema: plan that location under its own pointer.
        if target in state.visiting:
            raise GeneratorError(
                Diagnostic(
                    "error",
                    f"$ref {target!r} refers to itself without passing through a component schema",
                    pointer=ptr,
                    hint="move the recursive schema to components/schemas",
                )
            )
        resolved = state.index.resolve(target, ptr)
        state.visiting.add(target)
        try:
            tokens = [t for t in jp.split(target) if t not in ("components", "schemas", "properties", "paths")]
            inner = self.schema(resolved, target, [class_name("".join(class_name(t) for t in tokens))], site)
        finally:
            state.visiting.discard(target)
        if isinstance(inner.get("$ref"), str):
            return {**inner, **self.use_site(inner["$ref"][len(SCHEMAS) :], node)}
        return inner

    def rewrite_root(self, node: Any, ptr: str, name: str) -> dict:
        """A class's own schema (component or hoisted)."""
        if not isinstance(node, dict):
            return self.schema(node, ptr, [name], "root")
        if isinstance(node.get("$ref"), str):
            return self.ref(node, ptr, [name], "root")  # an alias: a RootModel around the target
        return self.rewrite(node, ptr, name, "root")

    def rewrite(
        self, node: Mapping[str, Any], ptr: str, ctx: str, site: str, known: frozenset[str] | None = None
    ) -> dict:
        """Copy the known keywords of `node`, rewriting subschemas (which may hoist classes named
        after `ctx`). `known`: property names the enclosing ``allOf`` defines (for an ``allOf`` part).
        """
        if isinstance(node.get("allOf"), list):
            self.all_of.note_inherited(node, ptr)
        out = own_keywords(node, ptr, site, self.state.warnings)
        if enum_keywords(node, site, out):
            return out
        if isinstance(node.get("properties"), dict):
            out["properties"] = self.properties(node["properties"], ptr, ctx)
        if isinstance(node.get("required"), list):
            req = self.required_names(node, ptr, known)
            if req:
                out["required"] = req
        if "items" in node and may_be_array(node):
            items = node["items"]
            if isinstance(items, dict):
                out["items"] = self.schema(items, jp.child(ptr, "items"), [ctx + "Item"], "item")
        ap = node.get("additionalProperties")
        if isinstance(ap, bool):
            out["additionalProperties"] = ap
        elif isinstance(ap, dict):
            out["additionalProperties"] = self.schema(ap, jp.child(ptr, "additionalProperties"), [ctx + "Value"], "value")
        if isinstance(node.get("allOf"), list):
            self.all_of.rewrite(node, ptr, ctx, out)
        for key in ("oneOf", "anyOf"):
            # ``oneOf: [{required: [a]}, {required: [b]}]`` beside properties: "a or b must be
            # set". Pydantic cannot say it; dcg would invent one merged class per member.
            if isinstance(node.get(key), list) and node[key] and not requirement_only(node[key]):
                self.unions.rewrite(node, key, ptr, ctx, out)
        return out

    def properties(self, props: Mapping[Any, Any], ptr: str, ctx: str) -> dict[str, dict]:
        """Each property rewritten; the inline schemas are named ``<ctx><Property>``."""
        out = {}
        for pname, pnode in props.items():
            pname = str(pname)
            if pname == EMPTY_WIRE:
                raise GeneratorError(
                    Diagnostic(
                        "error",
                        f"property name {EMPTY_WIRE!r} is reserved by the generator",
                        pointer=jp.child(ptr, "properties", pname),
                        hint="rename the property (an overlay can do it)",
                        code="models",
                    )
                )
            out[pname or EMPTY_WIRE] = self.schema(pnode, jp.child(ptr, "properties", pname), [ctx + class_name(pname)], "property")
        return out

    def allof_part(self, part: Any, ptr: str, ctx: str, known: frozenset[str] | None = None) -> dict:
        """An ``allOf`` part: refs stay refs; inline parts are merged by dcg into the class itself,
        so their inner schemas are named after the class (``ctx``)."""
        if isinstance(part, dict) and not isinstance(part.get("$ref"), str):
            return self.rewrite(part, ptr, ctx, "allof", known)
        return self.schema(part, ptr, [ctx + "Base"], "allof")

    def required_names(self, node: Mapping[str, Any], ptr: str, known: frozenset[str] | None) -> list[str]:
        """`required` without the names no property defines (dcg would invent an ``Any`` field for
        each, and a typo such as ``accessed`` for ``access`` would then reject every response)."""
        req = list(dict.fromkeys(str(r) or EMPTY_WIRE for r in node["required"] if isinstance(r, str)))
        shape = self.state.object_shape(node)
        if (shape is None and known is None and not has_properties(node)) or node.get("oneOf") or node.get("anyOf"):
            return req  # nothing to compare with (a map, or a union's requirement)
        defined = set(known or ()) | set(shape[0] if shape is not None else ()) | set(as_mapping(node.get("properties")))
        defined = {name or EMPTY_WIRE for name in defined}
        missing = [r for r in req if r not in defined]
        if missing:
            shown = ", ".join(repr("" if r == EMPTY_WIRE else r) for r in missing)
            self.state.warn(
                f"required names {shown}, which no property of this schema defines; the models do not require it",
                jp.child(ptr, "required"),
                "add the property, or remove the name from `required` (an overlay can do it)",
            )
        return [r for r in req if r in defined]
