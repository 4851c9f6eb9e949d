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
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Literal,
    Union,
    cast,
    get_args,
    get_origin,
)

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


def _lenient(tp: Any, value: Any, error: Any = None) -> Any:
    """`value` (parsed JSON) as `tp` as far as it fits; what does not fit is kept raw.
    `error`: the ValidationError `value` already failed `tp` with (saves validating again).
    """
    tp_plain = _strip_annotated(tp)
    if isinstance(tp_plain, enum.EnumMeta):
        return _enum_value(tp_plain, value)
    if error is None or _unreadable(error):  # the JSON reader's error tells no shape
        error = None
        try:
            return _adapter(tp).validate_python(value)
        except TypeError:
            pass
        except _pydantic_error() as exc:
            error = exc
    if error is not None:
        found = _from_error(tp, value, error)
        if found is not _NO_FIT:
            return found
    tp = tp_plain
    origin = get_origin(tp)
    if _is_model_class(tp):
        if tp.__pydantic_root_model__:
            # a twin whose root is Any (built by _lenient): dumps without serializer warnings
            root = tp.model_fields["root"].annotation
            twin = _twin(tp, {"root": _kept(root)})
            return twin.model_construct(_lenient(root, value))
        return _construct(tp, value) if isinstance(value, dict) else value
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
# One validation with a lenient twin of the type, shaped by where the strict one failed

_NO_FIT = object()
# Subscripted with types made at run time (mypy takes no variable there).
_LIST: Any = list
_DICT: Any = dict


def _from_error(tp: Any, value: Any, error: Any) -> Any:
    """`value` validated once by the lenient type of `tp` for `error`'s locations, or _NO_FIT
    when that type is `tp` kept whole (no structure to go by: a union, a model-level check).
    """
    paths = frozenset(
        tuple(-1 if type(part) is int else part for part in err["loc"])
        for err in error.errors(
            include_url=False, include_context=False, include_input=False
        )
    )
    try:
        lenient = _lenient_type(tp, paths)
    except TypeError:  # an unhashable type expression
        return _NO_FIT
    if lenient is _KEPT.get(tp):
        return _NO_FIT
    try:
        return _adapter(lenient).validate_python(value)
    except _pydantic_error():
        return _NO_FIT


def _lenient_type(tp: Any, paths: frozenset[tuple[Any, ...]]) -> Any:
    """A type reading what `tp` reads, where at each failing location (an error's ``loc``,
    list indices as -1) any value is taken and built by :func:`_lenient`. Models become twins:
    cached subclasses whose failing fields are such values; lists and dicts of them follow.
    """
    key = (tp, paths)
    try:
        return _LENIENT_TYPES[key]
    except KeyError:
        pass
    if len(_LENIENT_TYPES) > 2048:  # keys hold dict keys and paths: bounded
        _LENIENT_TYPES.clear()
    found = _LENIENT_TYPES[key] = _make_lenient_type(tp, paths)
    return found


def _make_lenient_type(tp: Any, paths: frozenset[tuple[Any, ...]]) -> Any:
    plain = _strip_annotated(tp)
    if () in paths:
        return _kept(tp)
    args = get_args(plain)
    origin = get_origin(plain)
    rest = frozenset(p[1:] for p in paths)
    if _is_model_class(plain) and plain.__pydantic_root_model__:
        # its errors' locations are those of its root value (no "root" step)
        root = plain.model_fields["root"].annotation
        return _twin(plain, {"root": _lenient_type(root, paths)})
    if _is_model_class(plain):
        names = _wire_names(plain)
        groups: dict[str, set[tuple[Any, ...]]] = {}
        for path in paths:
            name = names.get(path[0]) if isinstance(path[0], str) else None
            if name is None:
                return _kept(tp)  # not a field's error (an extra key, a model check)
            if len(path) == 1 and _is_literal(plain.model_fields[name].annotation):
                return _kept(tp)  # its tag names another member: not this model at all
            groups.setdefault(name, set()).add(path[1:])
        return _twin(
            plain,
            {
                name: _lenient_type(plain.model_fields[name].annotation, frozenset(sub))
                for name, sub in sorted(groups.items())
            },
        )
    if origin in (list, Sequence) and args and all(p[0] == -1 for p in paths):
        return _LIST[_lenient_type(args[0], rest)]
    if origin in (dict, Mapping) and len(args) == 2:
        return _DICT[args[0], _lenient_type(args[1], rest)]
    if origin is Union or origin is types.UnionType:
        members = [m for m in args if m is not type(None)]
        # Optional[X]: pydantic's error locations skip the None
        if len(members) == 1 < len(args):
            inner = _lenient_type(members[0], paths)
            # not the member at all: the whole union is kept (an unknown member stays as sent)
            return _kept(tp) if inner is _KEPT.get(members[0]) else inner | None
    return _kept(tp)


def _is_literal(tp: Any) -> bool:
    return get_origin(_strip_annotated(tp)) is Literal


def _kept(tp: Any) -> Any:
    """Any value, built by :func:`_lenient` as `tp`: typed where it fits, else as it arrived.
    Dumped as what it is (``Any``), so a kept value causes no serializer warning."""
    try:
        return _KEPT[tp]
    except KeyError:
        pass
    from pydantic import AfterValidator

    kept = _KEPT[tp] = Annotated[Any, AfterValidator(functools.partial(_lenient, tp))]
    return kept


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


def _twin(tp: type[BaseModel], changed: dict[str, Any]) -> type[BaseModel]:
    """A subclass of `tp` (same name) whose `changed` fields have these lenient types; a
    missing required one is None. Cached: the types in `changed` come from a cache too.
    """
    key = (tp, tuple(changed.items()))
    try:
        return _TWINS[key]
    except KeyError:
        pass
    from pydantic import Field, create_model

    fields: dict[str, Any] = {}
    for name, annotation in changed.items():
        info = tp.model_fields[name]
        default = (
            None if info.is_required() else info.get_default(call_default_factory=True)
        )
        fields[name] = (annotation, Field(default, alias=info.alias))
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
        return tp._value2member_map_[value]
    except (KeyError, TypeError):  # TypeError: an unhashable value (a list, an object)
        pass
    base: Any = getattr(tp, "_member_type_", object)
    if base is object or type(value) is not base:
        return value
    key = (tp, value)
    member = _UNKNOWN_MEMBERS.get(key)
    if member is None:
        if len(_UNKNOWN_MEMBERS) > 4096:  # bounded: a server may invent values
            _UNKNOWN_MEMBERS.clear()
        member = cast(Any, base).__new__(tp, value)  # bypasses the Enum lookup
        member._value_ = value
        member._name_ = str(value)
        _UNKNOWN_MEMBERS[key] = member
    return member


_TWINS: dict[tuple[type, tuple[tuple[str, Any], ...]], type[BaseModel]] = {}
_LENIENT_TYPES: dict[tuple[Any, frozenset[tuple[Any, ...]]], Any] = {}
_KEPT: dict[Any, Any] = {}
_WIRE_NAMES: dict[type, dict[str, str]] = {}
_UNKNOWN_MEMBERS: dict[tuple[type, Any], Any] = {}


# --------------------------------------------------------------------------------------------
# Strict mode: no lax coercion, and valid JSON always read


def _strict_mode(tp: Any) -> Callable[[bytes], Any]:
    """pydantic's strict JSON mode (``"7"`` is no integer, an epoch no date-time); JSON its
    reader refuses (a UTF-8 BOM, a lone surrogate escape, nesting past its limit) is read with
    ``json.loads``, checked strictly on a copy its reader takes, then validated as read.
    """
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
            if not _unreadable(exc):
                raise
            # Not JSON at all: this raises, as the strict check did.
            value = json.loads(data)
        check(json.dumps(_readable(value, 0)).encode(), strict=True)
        return validate(value)

    return parse


def _unreadable(error: Any) -> bool:
    """Whether pydantic's JSON reader refused the body (not its shape that failed)."""
    return any(e["type"] == "json_invalid" for e in error.errors())


_MAX_DEPTH = 200  # below pydantic-core's JSON nesting limit


def _readable(value: Any, depth: int) -> Any:
    """`value` with what pydantic's JSON reader refuses replaced: lone surrogates by U+FFFD,
    containers nested past ``_MAX_DEPTH`` by empty ones (never a declared shape that deep).
    """
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
        except _pydantic_error() as exc:
            try:
                value = json.loads(data)
            except ValueError:
                raise  # not JSON at all: the strict error says why
            if not _fits_outline(tp, value):
                raise  # not even an object where an object is due (null, a list...)
            return _lenient(tp, value, exc)

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


def _text_or_json_string(response: httpx.Response, strict: bool = False) -> str:
    """A ``str`` result: the text, decoded when it is a JSON string (``"tok"`` is ``tok``).
    JSON that is no string is the text as it came (tolerant), a validation error (strict).
    """
    ctype = response.headers.get("content-type", "")
    if "json" not in ctype.lower():
        return response.text
    try:
        value = json.loads(response.content)
    except ValueError:
        if strict:
            raise
        return response.text
    if isinstance(value, str):
        return value
    if strict:
        what = type(value).__name__  # a ValueError: reported as a validation error
        raise ValueError(f"expected a JSON string, got {what}")
    return response.text


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
        fn = functools.partial(_text_or_json_string, strict=strict)
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
