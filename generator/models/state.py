"""What the planning has decided so far (`PlanState`): the classes made, where each came from,
the warnings. One instance is shared by the concern modules of one `plan_models` call; the input
document is only read through it, never mutated (YAML anchors make loaded dicts share objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic
from ..schema import SchemaIndex
from .shapes import as_mapping


@dataclass
class PlanState:
    index: SchemaIndex
    operation_names: Mapping[str, str]  # operation pointer -> PascalCase name for its inline bodies
    out: dict[str, dict] = field(default_factory=dict)  # class name -> rewritten schema (None while being built)
    origin: dict[str, Any] = field(default_factory=dict)  # class name -> the original node it came from
    origin_ptr: dict[str, str] = field(default_factory=dict)  # class name -> its original pointer
    class_for_pointer: dict[str, str] = field(default_factory=dict)
    component_class: dict[str, str] = field(default_factory=dict)  # component key -> class name
    warnings: list[Diagnostic] = field(default_factory=list)
    wrappers: set[str] = field(default_factory=set)  # see SchemaPlan.wrappers
    # allOf child property pointer -> (inherited property, its pointer, its class candidates)
    same_as: dict[str, tuple[Any, str, list[str]]] = field(default_factory=dict)
    visiting: set[str] = field(default_factory=set)  # refs into schemas being planned (loop guard)
    owner: str = ""  # the component (or operation) whose schemas are being walked

    @property
    def doc(self) -> Mapping[str, Any]:
        return self.index.document

    @property
    def src(self) -> Mapping[str, Any]:
        """The original ``components/schemas``."""
        return as_mapping(as_mapping(self.doc.get("components")).get("schemas"))

    def reserve(self, name: str, node: Any, ptr: str) -> None:
        """Claim class `name` for the schema `node` at `ptr` before its children are visited (a
        recursive schema then refers to it instead of hoisting itself again)."""
        self.class_for_pointer[ptr] = name
        self.origin[name] = node
        self.origin_ptr[name] = ptr
        self.out[name] = None  # type: ignore[assignment]

    def warn(self, message: str, pointer: str, hint: str, code: str = "models") -> None:
        self.warnings.append(Diagnostic("warning", message, pointer=pointer, hint=hint, code=code))

    def deref(self, node: Any) -> Any:
        return self.index.target(node)

    def object_shape(self, node: Any) -> tuple[dict[str, Any], set[str]] | None:
        """Properties and required names of an object schema, through refs and allOf; None if not an object."""
        shape = self.index.object_shape(node)
        return None if shape is None else ({k: v for k, (v, _) in shape[0].items()}, shape[1])
