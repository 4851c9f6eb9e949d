"""Building, transforming and rendering `ir.TypeRef` trees.

Every type annotation the client writes comes from here: the IR keeps types as trees, the
request-side widening (`request_form`) is a tree transformation, and `render` is the only place
that turns a tree into source text. `union` keeps unions flat, without repeated members, with
``None`` last, so no rendered annotation repeats a member.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator

from .ir import TypeRef
from .textsafe import py_literal

ANY = TypeRef("name", "Any")
NONE = TypeRef("name", "None")
STR = TypeRef("name", "str")
BYTES = TypeRef("name", "bytes")
BOOL = TypeRef("name", "bool")
INT = TypeRef("name", "int")
FLOAT = TypeRef("name", "float")
FILE = TypeRef("name", "FileTypes")  # the runtime's upload type

BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))


def name(text: str) -> TypeRef:
    return TypeRef("name", text)


def model(class_name: str, *, enum: bool = False) -> TypeRef:
    return TypeRef("model", class_name, enum=enum)


def param(type_name: str) -> TypeRef:
    return TypeRef("param", type_name)


def literal(values: Iterable[str | int | float | bool]) -> TypeRef:
    # keyed by type too: 1 == True, yet Literal[1, True] has two values
    return TypeRef("literal", values=tuple({(type(v), v): v for v in values}.values()))


def generic(origin: str, *args: TypeRef) -> TypeRef:
    return TypeRef("generic", origin, tuple(args))


def list_of(item: TypeRef) -> TypeRef:
    return generic("list", item)


def dict_of(value: TypeRef) -> TypeRef:
    return generic("dict", STR, value)


def union(*members: TypeRef) -> TypeRef:
    """``a | b | ...``: nested unions flattened, each member once (first place kept), ``None``
    last, ``Any`` absorbing the rest; one member is that member itself."""
    flat: list[TypeRef] = []
    for m in members:
        flat.extend(m.args if m.kind == "union" else (m,))
    if ANY in flat:
        return ANY
    unique = list(dict.fromkeys(m for m in flat if m != NONE))
    if NONE in flat:
        unique.append(NONE)
    if not unique:
        return ANY
    return unique[0] if len(unique) == 1 else TypeRef("union", args=tuple(unique))


def members(t: TypeRef) -> tuple[TypeRef, ...]:
    return t.args if t.kind == "union" else (t,)


def optional(t: TypeRef) -> TypeRef:
    return union(t, NONE)


def walk(t: TypeRef) -> Iterator[TypeRef]:
    yield t
    for a in t.args:
        yield from walk(a)


def model_names(t: TypeRef) -> set[str]:
    return {n.name for n in walk(t) if n.kind == "model"}


def render(
    t: TypeRef,
    *,
    shadowed: frozenset[str] = frozenset(),
    models: str = "_models.",
    params: str = "_params.",
) -> str:
    """Source text of `t`. `shadowed`: builtin names the scope redefines (a `list` method), written
    ``builtins.<name>``; `models`/`params`: how the models and params modules are reached."""

    def go(t: TypeRef) -> str:
        if t.kind == "name":
            return f"builtins.{t.name}" if t.name in shadowed else t.name
        if t.kind == "model":
            return models + t.name
        if t.kind == "param":
            return params + t.name
        if t.kind == "literal":
            return "Literal[" + ", ".join(py_literal(v) for v in t.values) + "]"
        if t.kind == "generic":
            origin = f"builtins.{t.name}" if t.name in shadowed else t.name
            return origin + "[" + ", ".join(go(a) for a in t.args) + "]"
        return " | ".join(go(a) for a in t.args)

    return go(t)


def request_form(t: TypeRef, param_name: Callable[[str], str]) -> TypeRef:
    """What an argument of type `t` accepts: a model instance or its ``...Param`` (a TypedDict
    for an object, the Literal of an enum), read-only `Sequence`/`Mapping` for containers (they
    are covariant: a ``list[Model]`` variable is accepted where ``Sequence[Model | Param]`` is)."""
    if t.kind == "model":
        return union(t, param(param_name(t.name)))
    if t.kind == "generic" and t.name in ("list", "dict"):
        args = tuple(request_form(a, param_name) for a in t.args)
        return generic("Sequence" if t.name == "list" else "Mapping", *args)
    if t.kind == "union":
        return union(*(request_form(a, param_name) for a in t.args))
    return t


def cast_target(t: TypeRef, shadowed: frozenset[str] = frozenset()) -> str:
    """A runtime value for `cast_to` that mypy types as ``type[t]``."""
    type_name = render(name("type"), shadowed=shadowed)
    if t == NONE:
        return type_name + "(None)"
    if t.kind == "name" and t.name in ("str", "bytes", "BinaryResponse"):
        return render(t, shadowed=shadowed)
    if t.kind == "model":
        return render(t)
    text = render(t, shadowed=shadowed)
    # mypy already types a `list[X]` expression as `type[list[X]]` (a cast would be redundant);
    # not so `dict[...]` nor a union
    if t.kind == "generic" and t.name == "list":
        return text
    return f'cast("{type_name}[{text}]", {text})'
