"""The IR as JSON, for the whole-tree cache entry: a hit still returns a real `ir.Api`.

Only dataclasses defined in portkey_codegen.ir are rebuilt (by name, from that module), plus
tuples, frozensets, lists, string-keyed dicts and JSON scalars; anything else is refused. A
dataclass is ``{"$ir": [name, value, value...]}`` (positional: the payload is half the size and
decodes twice as fast); `encode_ir` also returns each class's field names, which `decode_ir`
checks against the classes it finds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import ir

def encode_ir(value: Any) -> dict[str, Any]:
    layouts: dict[str, list[str]] = {}
    names_of: dict[type, tuple[str, ...]] = {}  # per IR class: its field names, checked once

    def field_names(cls: type) -> tuple[str, ...]:
        if getattr(ir, cls.__name__, None) is not cls:
            raise TypeError(f"not an IR class: {cls!r}")
        fields = dataclasses.fields(cls)
        if any(not f.init for f in fields):
            raise TypeError(f"{cls.__name__} has fields outside __init__")
        layouts[cls.__name__] = [f.name for f in fields]
        return tuple(f.name for f in fields)

    def enc(value: Any) -> Any:
        if value is None or isinstance(value, (str, bool, int)):
            return value
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError("non-finite float")
            return value
        cls = type(value)
        names = names_of.get(cls)
        if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = names_of[cls] = field_names(cls)
        if names is not None:
            return {"$ir": [cls.__name__] + [enc(getattr(value, name)) for name in names]}
        if isinstance(value, tuple):
            return {"$t": [enc(v) for v in value]}
        if isinstance(value, frozenset):
            return {"$fs": [enc(v) for v in value]}
        if isinstance(value, list):
            return [enc(v) for v in value]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"$d": {k: enc(v) for k, v in value.items()}}
        raise TypeError(f"cannot store {type(value).__name__} in the IR cache")

    encoded = enc(value)
    return {"layouts": layouts, "value": encoded}


def decode_ir(data: dict[str, Any]) -> Any:
    """The value `encode_ir` encoded; ValueError if anything does not fit the IR classes of now."""
    classes: dict[str, type] = {}
    for name, stored in data["layouts"].items():
        cls = getattr(ir, str(name), None)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == ir.__name__):
            raise ValueError(f"unknown IR class {name!r}")
        if [f.name for f in dataclasses.fields(cls) if f.init] != stored:
            raise ValueError(f"fields of {name} changed")
        classes[name] = cls

    def dec(data: Any) -> Any:
        if data is None or isinstance(data, (str, bool, int, float)):
            return data
        if isinstance(data, list):
            return [dec(v) for v in data]
        if isinstance(data, dict) and len(data) == 1:
            if "$ir" in data:
                name, *values = data["$ir"]
                cls = classes[name]  # KeyError: a class the layouts do not list
                return cls(*[dec(v) for v in values])
            if "$t" in data:
                return tuple([dec(v) for v in data["$t"]])
            if "$fs" in data:
                return frozenset([dec(v) for v in data["$fs"]])
            if "$d" in data and isinstance(data["$d"], dict):
                return {k: dec(v) for k, v in data["$d"].items()}
        raise ValueError("not an encoded IR value")

    try:
        return dec(data["value"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"bad IR entry: {exc}") from None
