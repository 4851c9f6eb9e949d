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

import enum
import functools
import json
import types
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, cast, get_args, get_origin

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
    tp_plain = _strip_annotated(tp)
    if isinstance(tp_plain, enum.EnumMeta):
        return _enum_value(tp_plain, value)
    try:
        return _adapter(tp).validate_python(value)
    except TypeError:
        error = None
    except _pydantic_error() as exc:
        error = exc
    tp = tp_plain
    origin = get_origin(tp)
    if _is_model_class(tp):
        if tp.__pydantic_root_model__:
            root = tp.model_fields["root"].annotation
            return tp.model_construct(_lenient(root, value))
        if not isinstance(value, dict):
            return value
        return _lenient_model(tp, value, error)
    if origin is Union or origin is types.UnionType:
        return _lenient_union(get_args(tp), value)
    if origin in (list, Sequence) and isinstance(value, list):
        args = get_args(tp)
        return [_lenient(args[0], v) for v in value] if args else value
    if origin in (dict, Mapping) and isinstance(value, dict):
        args = get_args(tp)
        return {k: _lenient(args[1], v) for k, v in value.items()} if args else value
    return value  # null, bad uuid/date/int: as it arrived


# --------------------------------------------------------------------------------------------
# Lenient models: one validation of a "twin" whose failing fields take any value


def _lenient_model(tp: type[BaseModel], value: dict[str, Any], error: Any) -> Any:
    """`value` as `tp`, the fields the strict validation failed on built by :func:`_lenient`.

    A cached subclass of `tp` (its twin for these fields) validates the whole object in one
    call: every other field is typed as declared, no field is re-validated one by one.
    """
    bad = _failing_fields(tp, error)
    if bad:
        try:
            return _twin(tp, bad).model_validate(value)
        except _pydantic_error():
            pass  # a model-level check failed: build it field by field below
    return _construct(tp, value)


def _wire_names(tp: type[BaseModel]) -> dict[str, str]:
    try:
        return _WIRE_NAMES[tp]
    except KeyError:
        names = {}
        for name, info in tp.model_fields.items():
            names[name] = name
            if info.alias is not None:
                names[info.alias] = name
        _WIRE_NAMES[tp] = names
        return names


def _failing_fields(tp: type[BaseModel], error: Any) -> frozenset[str]:
    if error is None:
        return frozenset()
    names = _wire_names(tp)
    found = set()
    for err in error.errors(include_url=False, include_context=False, include_input=False):
        loc = err["loc"]
        if not loc or loc[0] not in names:
            return frozenset()  # not a field's error (a model check): no twin can help
        found.add(names[loc[0]])
    return frozenset(found)


def _twin(tp: type[BaseModel], bad: frozenset[str]) -> type[BaseModel]:
    """A subclass of `tp` whose fields `bad` accept any value, built by :func:`_lenient` from
    the declared annotation (typed where it fits, else kept as it arrived; a missing required
    field is None). Their type ``Any`` dumps a kept value as what it is: no serializer warning.
    """
    key = (tp, bad)
    try:
        return _TWINS[key]
    except KeyError:
        pass
    from pydantic import AfterValidator, Field, create_model

    fields: dict[str, Any] = {}
    for name in bad:
        info = tp.model_fields[name]
        build = AfterValidator(functools.partial(_lenient, info.annotation))
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        fields[name] = (Annotated[Any, build], Field(default, alias=info.alias))
    twin: type[BaseModel] = create_model(
        tp.__name__, __base__=tp, __module__=tp.__module__, **fields
    )
    twin.__qualname__ = tp.__qualname__
    _TWINS[key] = twin
    return twin


def _construct(tp: type[BaseModel], value: dict[str, Any]) -> Any:
    """Field by field (slow, rare): when a model-level check fails even on the twin."""
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


def _enum_value(tp: enum.EnumMeta, value: Any) -> Any:
    """The member of `tp` for `value`; an unknown value of the members' type (a new enum value
    the spec does not list yet) becomes a pseudo-member: ``.value``, ``==``, ``str()`` work as
    on a member, and it dumps as its value. Other values are kept as they arrived."""
    try:
        return tp(value)
    except (ValueError, TypeError):
        pass
    base: Any = getattr(tp, "_member_type_", object)
    if base is object or type(value) is not base:
        return value
    key = (tp, value)
    member = _UNKNOWN_MEMBERS.get(key)
    if member is None:
        if len(_UNKNOWN_MEMBERS) > 4096:  # a server inventing values must not grow memory
            _UNKNOWN_MEMBERS.clear()
        member = cast(Any, base).__new__(tp, value)  # bypasses the Enum lookup
        member._value_ = value
        member._name_ = str(value)
        _UNKNOWN_MEMBERS[key] = member
    return member


_TWINS: dict[tuple[type, frozenset[str]], type[BaseModel]] = {}
_WIRE_NAMES: dict[type, dict[str, str]] = {}
_UNKNOWN_MEMBERS: dict[tuple[type, Any], Any] = {}


# --------------------------------------------------------------------------------------------
# Strict mode: no lax coercion, and valid JSON always read


def _strict_mode(tp: Any) -> Callable[[bytes], Any]:
    """pydantic's strict JSON mode (``"7"`` is no integer, an epoch no date-time); JSON its
    reader refuses (a UTF-8 BOM, a lone surrogate escape, nesting past its limit) is read with
    ``json.loads``, checked strictly on a copy its reader takes, then validated as read."""
    check: Callable[..., Any]
    validate: Callable[[Any], Any]
    if _is_model_class(tp):
        check, validate = tp.model_validate_json, tp.model_validate
    else:
        check, validate = _adapter(tp).validate_json, _adapter(tp).validate_python

    def parse(data: bytes) -> Any:
        try:
            return check(data, strict=True)
        except _pydantic_error() as exc:
            if not any(e["type"] == "json_invalid" for e in exc.errors()):
                raise
            value = json.loads(data)  # not JSON at all: this raises, as the strict error did
        check(json.dumps(_readable(value, 0)).encode(), strict=True)
        return validate(value)

    return parse


_MAX_DEPTH = 200  # below pydantic-core's JSON nesting limit


def _readable(value: Any, depth: int) -> Any:
    """`value` with what pydantic's JSON reader refuses replaced: lone surrogates by U+FFFD,
    containers nested past ``_MAX_DEPTH`` by empty ones (never a declared shape that deep)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_readable(v, depth + 1) for v in value] if depth < _MAX_DEPTH else []
    if isinstance(value, dict):
        if depth >= _MAX_DEPTH:
            return {}
        return {_readable(k, depth): _readable(v, depth + 1) for k, v in value.items()}
    return value


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


def _make_json_validator(tp: Any, strict: bool) -> Callable[[bytes], Any]:
    if tp is bytes or tp is str:
        return _strict_json_validator(tp)
    if strict:
        return _strict_mode(tp)
    return _tolerant(tp, _strict_json_validator(tp))


def _json_validator(tp: Any, strict: bool = False) -> Callable[[bytes], Any]:
    try:
        return _CHUNK_PARSERS[tp, strict]
    except KeyError:
        pass
    except TypeError:  # unhashable type expression: works, just uncached
        return _make_json_validator(tp, strict)
    fn = _CHUNK_PARSERS[tp, strict] = _make_json_validator(tp, strict)
    return fn


def _text_or_json_string(response: httpx.Response) -> str:
    """A ``str`` result: the text, decoded when it is a JSON string (``"tok"`` is ``tok``)."""
    ctype = response.headers.get("content-type", "")
    if "json" not in ctype.lower():
        return response.text
    value = json.loads(response.content)
    if not isinstance(value, str):
        raise ValueError(f"expected a JSON string, got {type(value).__name__}")
    return value


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
        fn = _text_or_json_string
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


_KEEP_EMPTY = (None, type(None), bytes, str, httpx.Response)


def _parse_body(response: httpx.Response, cast_to: Any, strict: bool = False) -> Any:
    if response.status_code == 204 and cast_to not in _KEEP_EMPTY:
        return ""  # No Content (a DELETE): falsy, as the openai SDK returns it
    try:
        return _set_request_id(_parser(cast_to, strict)(response), response)
    except (_pydantic_error(), ValueError) as exc:
        raise _validation_error(
            exc, response, "response body", _decode_error_body(response)
        ) from exc
