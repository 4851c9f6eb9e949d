"""How an enum reaches the models: an Enum class of its own with member names we choose
(``x-enum-varnames``), or a ``Literal`` for a single value (``x-enum-field-as-literal``).
(An argument's type hint for an enum is hints.py's: its ``Literal``, or the Enum class.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..naming import enum_member_names
from ..schema import enum_values


def enum_gets_class(values: list[Any], site: str) -> bool:
    """Whether an inline enum is hoisted into an Enum class: several values, anywhere but a
    parameter (whose enum only ever becomes the argument's ``Literal`` type hint)."""
    return len(values) > 1 and site != "param"


def enum_keywords(node: Mapping[str, Any], site: str, out: dict[str, Any]) -> bool:
    """The enum keywords of `node` into `out`; True when `node` is an enum (nothing else of it
    is rewritten). A one-value enum is a Literal except as a class's own schema (``root``)."""
    values = enum_values(node)
    if isinstance(node.get("enum"), list) and None in node["enum"]:
        out["nullable"] = True  # ``enum: [a, null]`` means nullable
    if not values:
        return False
    out["enum"] = values
    if len(values) == 1 and site != "root":
        out["x-enum-field-as-literal"] = True
    else:
        out["x-enum-varnames"] = enum_member_names(values)
    if "type" not in out:
        first = values[0]
        out["type"] = (
            "boolean" if isinstance(first, bool)
            else "integer" if isinstance(first, int)
            else "number" if isinstance(first, float)
            else "string"
        )  # fmt: skip
    return True
