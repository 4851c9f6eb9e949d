"""The IR as JSON, for the whole-tree cache entry: a hit still returns a real `ir.Api`.

Only dataclasses defined in portkey_codegen.ir are rebuilt (by name, from that module), plus
tuples, frozensets, lists, string-keyed dicts and JSON scalars; anything else is refused. A
dataclass is ``{"$ir": [name, value, value...]}`` (positional: the payload is half the size and
decodes twice as fast), and an object met again is ``{"$r": n}`` (see `encode_ir`); `encode_ir`
also returns each class's field names, which `decode_ir` checks against the classes it finds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import ir

# Stored as they are: exact types only (a str or int subclass would come back as its base).
_PLAIN = frozenset({str, bool, int, type(None)})


def encode_ir(value: Any) -> dict[str, Any]:
    """`value` as JSON data; TypeError/ValueError for anything `decode_ir` would not give back equal.

    Only exact types are accepted (no subclasses) and only IR dataclasses that compare by value
    and whose constructor keeps what it is given, so the round trip is exact by construction and
    the caller need not decode to check it.
    """
    layouts: dict[str, list[str]] = {}
    names_of: dict[type, tuple[str, ...]] = {}  # per IR class: its field names, checked once

    def field_names(cls: type) -> tuple[str, ...]:
        if getattr(ir, cls.__name__, None) is not cls:
            raise TypeError(f"not an IR class: {cls!r}")
        fields = dataclasses.fields(cls)
        if any(not f.init for f in fields):
            raise TypeError(f"{cls.__name__} has fields outside __init__")
        if hasattr(cls, "__post_init__") or not cls.__dataclass_params__.eq:  # type: ignore[attr-defined]
            raise TypeError(f"{cls.__name__} would not come back equal")
        layouts[cls.__name__] = [f.name for f in fields]
        return tuple(f.name for f in fields)

    # The IR shares its parts (~40,000 type references, ~5,000 distinct objects on the Portkey
    # spec): each object is written once; again, it is {"$r": n}, the n-th object completed
    # (children first), the order decode_ir builds them in. `value` keeps them alive meanwhile.
    done: dict[int, int] = {}

    def enc(value: Any) -> Any:
        cls = type(value)
        if cls in _PLAIN:
            return value
        if cls is float:
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError("non-finite float")
            return value
        seen = done.get(id(value))
        if seen is not None:
            return {"$r": seen}
        encoded = encode_one(cls, value)
        done[id(value)] = len(done)
        return encoded

    def encode_one(cls: type, value: Any) -> Any:
        names = names_of.get(cls)
        if names is not None:
            return {"$ir": [cls.__name__, *[enc(getattr(value, name)) for name in names]]}
        if cls is tuple:
            return {"$t": [enc(v) for v in value]}
        if cls is list:
            return [enc(v) for v in value]
        if cls is frozenset:
            return {"$fs": [enc(v) for v in value]}
        if cls is dict and all(type(k) is str for k in value):
            return {"$d": {k: enc(v) for k, v in value.items()}}
        if dataclasses.is_dataclass(cls):
            names_of[cls] = field_names(cls)
            return encode_one(cls, value)
        raise TypeError(f"cannot store {cls.__name__} in the IR cache")

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

    built: list[Any] = []  # every object in the order it was completed: what {"$r": n} names

    def dec(data: Any) -> Any:
        if data is None or isinstance(data, (str, bool, int, float)):
            return data
        if isinstance(data, dict) and len(data) == 1 and "$r" in data:
            n = data["$r"]
            if type(n) is not int or not 0 <= n < len(built):
                raise ValueError(f"bad IR reference {n!r}")
            return built[n]
        built.append(made := make(data))
        return made

    def make(data: Any) -> Any:
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
