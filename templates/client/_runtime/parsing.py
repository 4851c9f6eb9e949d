"""Response parsing, cached per type.

Responses are forward-compatible by default, as in Stainless-generated SDKs: the body is first
validated strictly (the fast path, straight from the bytes); only when valid JSON does not fit
the declared shape is it built leniently (``_lenient``): every value that validates against
its annotation is typed, anything else (a new enum value, an unknown union member, a null
where none was declared, an id that is not a UUID) is kept as it arrived, and a missing
required field is None. The static types then describe what the spec promised, not what came:
code that must see only declared values passes ``strict_response_validation=True``.
"""

from __future__ import annotations

import functools
import json
import types
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

import httpx

from .common import _is_model, _is_model_class, _pydantic_error
from .errors import APIResponseValidationError, _decode_error_body, _request_id

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter


_Parser = Callable[[httpx.Response], Any]
_PARSERS: dict[tuple[object, bool], _Parser] = {}
_CHUNK_PARSERS: dict[tuple[object, bool], Callable[[bytes], Any]] = {}
_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(tp: Any) -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    try:
        return _ADAPTERS[tp]
    except KeyError:
        adapter = _ADAPTERS[tp] = TypeAdapter(tp)
        return adapter
    except TypeError:  # unhashable type expression
        return TypeAdapter(tp)


def _strip_annotated(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _literal_mismatch(model: type[BaseModel], value: Mapping[str, Any]) -> bool:
    """True when `value` names another member: a one-value field (``type: "message"``) differs."""
    for name, info in model.model_fields.items():
        ann = _strip_annotated(info.annotation)
        if get_origin(ann) is not Literal:
            continue
        key = info.alias if info.alias is not None else name
        if key in value and value[key] not in get_args(ann):
            return True
    return False


def _overlap(model: type[BaseModel], value: Mapping[str, Any]) -> int:
    keys = {
        info.alias if info.alias is not None else name
        for name, info in model.model_fields.items()
    }
    return len(keys.intersection(value))


def _is_root_model(tp: Any) -> bool:
    return _is_model_class(tp) and bool(tp.__pydantic_root_model__)


def _lenient_union(members: tuple[Any, ...], value: Any) -> Any:
    plain = [_strip_annotated(m) for m in members]
    if isinstance(value, dict):
        models = [
            m
            for m in plain
            if _is_model_class(m)
            and not m.__pydantic_root_model__
            and not _literal_mismatch(m, value)
        ]
        if models:
            return _lenient(max(models, key=lambda m: _overlap(m, value)), value)
        shapes: tuple[Any, ...] = (dict, Mapping)
    elif isinstance(value, list):
        shapes = (list, Sequence)
    else:
        return value
    for m in plain:
        if get_origin(m) in shapes or _is_root_model(m):
            return _lenient(m, value)
    return value  # a member this client does not know: kept as it arrived


def _lenient(tp: Any, value: Any) -> Any:
    """`value` (parsed JSON) as `tp` as far as it fits; what does not fit is kept raw."""
    try:
        return _adapter(tp).validate_python(value)
    except (_pydantic_error(), TypeError):
        pass
    tp = _strip_annotated(tp)
    origin = get_origin(tp)
    if _is_model_class(tp):
        if tp.__pydantic_root_model__:
            root = tp.model_fields["root"].annotation
            return tp.model_construct(_lenient(root, value))
        if not isinstance(value, dict):
            return value
        fields: dict[str, Any] = {}
        present: set[str] = set()
        used: set[str] = set()
        for name, info in tp.model_fields.items():
            key = info.alias if info.alias is not None and info.alias in value else name
            if key in value:
                fields[name] = _lenient(info.annotation, value[key])
                present.add(name)
                used.add(key)
            elif info.is_required():
                fields[name] = None  # not sent: None, like a construct()ed model
        extra = {k: v for k, v in value.items() if k not in used and k not in fields}
        return tp.model_construct(_fields_set=present, **fields, **extra)
    if origin is Union or origin is types.UnionType:
        return _lenient_union(get_args(tp), value)
    if origin in (list, Sequence) and isinstance(value, list):
        args = get_args(tp)
        return [_lenient(args[0], v) for v in value] if args else value
    if origin in (dict, Mapping) and isinstance(value, dict):
        args = get_args(tp)
        return {k: _lenient(args[1], v) for k, v in value.items()} if args else value
    return value  # unknown enum value, null, bad uuid/date/int: as it arrived


def _strict_json_validator(tp: Any) -> Callable[[bytes], Any]:
    if _is_model_class(tp):
        return tp.model_validate_json
    if tp is bytes:
        return bytes
    if tp is str:
        return functools.partial(str, encoding="utf-8")
    return _adapter(tp).validate_json


def _fits_outline(tp: Any, value: Any) -> bool:
    """Whether a whole body can stand for `tp` at all: an object for a model, an array for a list."""
    tp = _strip_annotated(tp)
    if _is_model_class(tp):
        return tp.__pydantic_root_model__ or isinstance(value, dict)
    origin = get_origin(tp)
    if origin in (list, Sequence):
        return isinstance(value, list)
    if origin in (dict, Mapping):
        return isinstance(value, dict)
    return True


def _tolerant(tp: Any, strict: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def parse(data: bytes) -> Any:
        try:
            return strict(data)
        except _pydantic_error():
            try:
                value = json.loads(data)
            except ValueError:
                raise  # not JSON at all: the strict error says why
            if not _fits_outline(tp, value):
                raise  # not even an object where an object is due (null, a list...)
            return _lenient(tp, value)

    return parse


def _json_validator(tp: Any, strict: bool = False) -> Callable[[bytes], Any]:
    try:
        return _CHUNK_PARSERS[tp, strict]
    except KeyError:
        pass
    except TypeError:  # unhashable type expression: works, just uncached
        fn = _strict_json_validator(tp)
        return fn if strict else _tolerant(tp, fn)
    fn = _strict_json_validator(tp)
    if not strict and tp is not bytes and tp is not str:
        fn = _tolerant(tp, fn)
    _CHUNK_PARSERS[tp, strict] = fn
    return fn


def _parser(cast_to: Any, strict: bool = False) -> _Parser:
    try:
        return _PARSERS[cast_to, strict]
    except KeyError:
        pass
    except TypeError:
        validate = _json_validator(cast_to, strict)
        return lambda r: validate(r.content)
    fn: _Parser
    if cast_to is None or cast_to is type(None):
        fn = lambda r: None
    elif cast_to is bytes:
        fn = lambda r: r.content
    elif cast_to is str:
        fn = lambda r: r.text
    elif cast_to is httpx.Response:
        fn = lambda r: r
    else:
        validate = _json_validator(cast_to, strict)
        fn = lambda r: validate(r.content)
    _PARSERS[cast_to, strict] = fn
    return fn


def _validation_error(
    exc: Exception, response: httpx.Response, what: str, body: object = None
) -> APIResponseValidationError:
    ctype = response.headers.get("content-type", "?")
    detail = str(exc).strip().splitlines()
    first = "; ".join(detail[:6])[:1000]
    return APIResponseValidationError(
        f"Invalid {what} (HTTP {response.status_code}, content-type {ctype}): {first}",
        response=response,
        body=body,
    )


def _set_request_id(result: Any, response: httpx.Response) -> Any:
    # Instance __dict__, not a field: invisible to model_dump()/==, read by request_id().
    if _is_model(result):
        result.__dict__["_request_id"] = _request_id(response.headers)
    return result


def _parse_body(response: httpx.Response, cast_to: Any, strict: bool = False) -> Any:
    try:
        return _set_request_id(_parser(cast_to, strict)(response), response)
    except (_pydantic_error(), ValueError) as exc:
        raise _validation_error(
            exc, response, "response body", _decode_error_body(response)
        ) from exc
