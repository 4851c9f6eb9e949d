"""Request parameters FastAPI does not decode itself: JSON text, delimited arrays, deepObject,
OpenAPI's `simple` objects, and bodies read raw."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import (
    Iterable,
    Mapping,
)
from functools import lru_cache
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from .adapters import type_adapter
from .errors import HTTPError
from .limits import MAX_JSON_DEPTH, nests_deeper


# -- request helpers ----------------------------------------------------------------------------
def json_param(raw: Any, tp: Any, name: str, location: str) -> Any:
    """A parameter that carries JSON text (an object in a header, say), validated into `tp`."""
    if raw is None:
        return None
    try:
        if location in ("header", "path") and not str(raw).lstrip().startswith("{"):
            plain = simple_object(str(raw), explode=False)
            if plain is not None:
                return type_adapter(tp).validate_python(plain)
        if nests_deeper(str(raw).encode("utf-8", "surrogatepass"), MAX_JSON_DEPTH):
            raise HTTPError(
                400,
                f"Invalid {location} parameter {name!r}: JSON nested deeper than {MAX_JSON_DEPTH} levels",
                param=name,
                code="json_too_deep",
            )
        return type_adapter(tp).validate_json(raw)
    except ValidationError as exc:
        raise _invalid_param(exc, name, location) from None


def delimited_param(raw: str | None, tp: Any, name: str, delimiter: str) -> Any:
    """A query array sent as one value, its items joined by `delimiter` (`explode: false`,
    spaceDelimited, pipeDelimited), validated into `tp`."""
    if raw is None:
        return None
    parts = raw.split(delimiter) if raw != "" else []
    return _validated(parts, tp, name, "query")


def deep_object_param(request: Request, raw: str | None, tp: Any, name: str) -> Any:
    """A deepObject query parameter: its `name[key]=value` pairs (a key sent twice gives a
    list), or JSON text under `name`; validated into `tp`. None if neither was sent."""
    if raw is not None:
        return json_param(raw, tp, name, "query")
    found = deep_object_pairs(request.query_params.multi_items(), name)
    if found is None:
        return None
    # one `name[key]=v` pair for a list field is a list of one
    for key in _list_fields(tp):
        if isinstance(found.get(key), str):
            found[key] = [found[key]]
    return _validated(found, tp, name, "query")


@lru_cache(maxsize=None)
def _list_fields(tp: Any) -> frozenset[str]:
    """Wire names of the list-typed fields of the model(s) in `tp` (a model, or a union with one)."""
    out: set[str] = set()
    for member in typing.get_args(tp) or (tp,):
        fields = getattr(member, "model_fields", None)
        if not isinstance(fields, Mapping):
            continue
        for field_name, info in fields.items():
            annotation = info.annotation
            options = (
                typing.get_args(annotation) if _is_union(annotation) else (annotation,)
            )
            if any(typing.get_origin(o) in (list, set, tuple) for o in options):
                out.add(info.alias or field_name)
    return frozenset(out)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def deep_object_pairs(
    items: Iterable[tuple[str, str]], name: str
) -> dict[str, Any] | None:
    """The `name[key]=value` pairs among query `items` as a dict; None if there are none."""
    found: dict[str, Any] = {}
    prefix = name + "["
    for key, value in items:
        if not (key.startswith(prefix) and key.endswith("]")):
            continue
        sub = key[len(prefix) : -1]
        if sub in found:
            previous = found[sub]
            found[sub] = (
                [*previous, value] if isinstance(previous, list) else [previous, value]
            )
        else:
            found[sub] = value
    return found or None


def _validated(value: Any, tp: Any, name: str, location: str) -> Any:
    try:
        return type_adapter(tp).validate_python(value)
    except ValidationError as exc:
        raise _invalid_param(exc, name, location) from None


def _invalid_param(exc: ValidationError, name: str, location: str) -> HTTPError:
    """The 400 for a parameter that does not validate, naming it and pydantic's first error."""
    errors = exc.errors()
    detail = errors[0]["msg"] if errors else "invalid value"
    return HTTPError(
        400,
        f"Invalid {location} parameter {name!r}: {detail}",
        param=name,
        code=errors[0]["type"] if errors else "invalid_value",
    )


def simple_object(text: str, *, explode: bool) -> Any:
    """An object parameter's value: JSON text (what Portkey clients send), or OpenAPI's `simple`
    style, the spec's default for headers (`k1,v1,k2,v2`; exploded: `k1=v1,k2=v2`). None if neither.
    """
    if text.lstrip().startswith("{"):
        if nests_deeper(text.encode("utf-8", "surrogatepass"), MAX_JSON_DEPTH):
            return None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None
    if text == "":
        return {}
    parts = text.split(",")
    if explode or all("=" in part for part in parts):
        pairs = [part.partition("=") for part in parts]
        return {k: v for k, _, v in pairs} if all(sep for _, sep, _ in pairs) else None
    if len(parts) % 2:
        return None
    return dict(zip(parts[::2], parts[1::2]))


async def read_body(request: Request, kind: str) -> Any:
    """A request body FastAPI does not parse for us: raw bytes, text, or form fields."""
    if kind == "bytes":
        return await request.body()
    if kind == "str":
        return (await request.body()).decode("utf-8", errors="replace")
    form = await request.form()
    return {
        key: (values[0] if len(values) == 1 else values)
        for key, values in _group(form.multi_items())
    }


def _group(items: Iterable[tuple[str, Any]]) -> list[tuple[str, list[Any]]]:
    grouped: dict[str, list[Any]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return list(grouped.items())
