"""Spec-independent runtime of the generated client: transport, retries, errors, SSE streams.

This file is copied verbatim into the generated package and imported relatively by the generated
resources. It imports only the standard library, httpx and pydantic. Every public name is listed
in ``__all__``; everything starting with ``_`` may change without notice.

How generated code uses it (the sync and async call are identical; async adds ``await``)::

    class ChatCompletions(SyncResource):
        def create(self, *, model: str, stream: bool | NotGiven = NOT_GIVEN, ...,
                   extra_headers=None, extra_query=None, extra_body=None,
                   timeout=NOT_GIVEN, max_retries=NOT_GIVEN):
            return self._client.request(
                "post", "/chat/completions", server="gateway",
                json_body={"model": model, "stream": stream, ...},   # NOT_GIVEN values dropped
                cast_to=_models.CreateChatCompletionResponse,
                stream=stream, stream_cast_to=_models.CreateChatCompletionStreamResponse,
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body,
                timeout=timeout, max_retries=max_retries)

``cast_to`` is a class or a type expression (``list[X]``, ``dict[str, Any]``); a union needs
``cast("type[X | Y]", X | Y)`` for mypy. ``type(None)`` ignores the body, ``bytes``/``str`` return
it as is, ``BinaryResponse`` wraps it (unread under ``streaming_response_wrapper``). ``stream=True`` (with
``stream_cast_to``) returns ``Stream``/``AsyncStream``. ``.with_raw_response`` is
``raw_response_wrapper(resource.method)`` (``async_raw_response_wrapper`` for async).

Responses are tolerant by default (see "Response parsing" below): valid JSON of another shape
than declared is returned with the unknown parts kept raw; ``strict_response_validation=True``
on the client makes any mismatch an ``APIResponseValidationError``.

Design notes (why it looks the way it does):
- The per-call path avoids work it can precompute: header dicts are built once per client, the
  base URL of each server group is joined once, response parsers and pydantic ``TypeAdapter`` s are
  cached per type, and models are parsed with ``model_validate_json`` straight from the bytes.
- Server-sent events are split into lines by hand over ``iter_bytes()`` in bytes (``\\r`` and
  ``\\n`` never occur inside a multi-byte UTF-8 sequence, so no incremental decoder is needed).
- ``with_raw_response`` is a typed ``ParamSpec`` wrapper that sets a context variable the client
  reads, so the generated methods need no hidden parameter.
- ``data: [DONE]`` always ends a stream. A stream that ends without it ends cleanly (the
  ``/responses`` event stream has no terminator), unless the operation declares its terminator
  (``stream_terminator``, from the spec's ``x-stream-terminator``): then the missing terminator
  is an ``APIStreamIncompleteError``, so a cut stream is not mistaken for a finished one. Only the
  request is retried, never a stream that has started.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as _dt
import enum
import functools
import io
import json
import logging
import os
import platform
import random
import sys
import threading
import time
import types
import uuid
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from decimal import Decimal
from email.utils import parsedate_to_datetime
from itertools import chain
from types import TracebackType
from typing import (
    IO,
    TYPE_CHECKING,
    Annotated,
    Any,
    Generic,
    Literal,
    NoReturn,
    ParamSpec,
    TypeGuard,
    TypeVar,
    Union,
    get_args,
    get_origin,
    overload,
)
from urllib.parse import quote

import httpx

if (
    TYPE_CHECKING
):  # type-only: typing.Self needs 3.11, and nothing is imported at run time
    from pydantic import BaseModel, TypeAdapter, ValidationError
    from typing_extensions import Self

# pydantic is imported when a response is first parsed, not with the client (~50 ms of its
# start-up). Until then no model class or instance can exist, so these checks need not import it.


def _is_model(value: object) -> TypeGuard[BaseModel]:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def _is_model_class(tp: object) -> TypeGuard[type[BaseModel]]:
    pydantic = sys.modules.get("pydantic")
    return (
        pydantic is not None
        and isinstance(tp, type)
        and issubclass(tp, pydantic.BaseModel)
    )


def _pydantic_error() -> type[ValidationError]:
    """pydantic's ValidationError (an `except` clause evaluates this only for an exception)."""
    from pydantic import ValidationError

    return ValidationError


__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "REQUEST_ID_HEADERS",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APIStreamIncompleteError",
    "APITimeoutError",
    "AsyncAPIClient",
    "AsyncResource",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BinaryResponse",
    "ConflictError",
    "DeepObject",
    "Delimited",
    "FileContent",
    "FileTypes",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "Stream",
    "SyncAPIClient",
    "SyncResource",
    "UnprocessableEntityError",
    "async_raw_response_wrapper",
    "is_given",
    "lazy_module",
    "async_streaming_response_wrapper",
    "raw_response_wrapper",
    "request_id",
    "streaming_response_wrapper",
    "strip_not_given",
]

_log = logging.getLogger(__name__)

T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")
P = ParamSpec("P")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5  # seconds; doubles per retry
MAX_RETRY_DELAY = 8.0  # cap of the exponential backoff
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is ignored in favour of the backoff


# --------------------------------------------------------------------------------------------
# NOT_GIVEN: "the caller did not pass this", distinct from an explicit None (sent as null)


class NotGiven:
    """Type of ``NOT_GIVEN``: falsy, a singleton, never sent over the wire."""

    __slots__ = ()
    _instance: Self | None = None

    def __new__(cls) -> Self:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


def is_given(value: T | NotGiven) -> TypeGuard[T]:
    return value is not NOT_GIVEN


def strip_not_given(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``NOT_GIVEN`` entries (top level only); ``None`` stays and is sent as JSON null."""
    return {k: v for k, v in values.items() if v is not NOT_GIVEN}


# --------------------------------------------------------------------------------------------
# Errors


# Response headers that carry the server's id of a request, most specific first.
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-portkey-trace-id")


def _request_id(headers: httpx.Headers) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    return None


def request_id(result: object) -> str | None:
    """The server's request id (``x-request-id``...) of a parsed response, if it sent one.

    Also ``result._request_id`` on models, as in the openai SDK (this function type-checks).
    """
    if isinstance(result, (BinaryResponse, RawResponse)):
        return result.request_id
    value = getattr(result, "__dict__", {}).get("_request_id")
    return value if isinstance(value, str) else None


def _error_field(body: object, name: str) -> str | None:
    """``error.<name>`` (OpenAI/Portkey error bodies), else a top-level ``<name>``, as text."""
    if not isinstance(body, dict):
        return None
    err = body.get("error")
    value: object = err.get(name) if isinstance(err, dict) else body.get(name)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


class APIError(Exception):
    """Base of every error the client raises.

    ``code``, ``type`` and ``param`` come from the error body (``{"error": {...}}``) when the
    server sent one; ``request_id`` from the response headers; ``body`` is the decoded body
    (JSON, else text) whenever one arrived.
    """

    message: str
    request: httpx.Request | None
    body: object
    code: str | None
    type: str | None
    param: str | None
    request_id: str | None

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, body: object = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.code = _error_field(body, "code")
        self.type = _error_field(body, "type")
        self.param = _error_field(body, "param")
        self.request_id = None


class APIStatusError(APIError):
    """The server answered with a non-2xx status."""

    response: httpx.Response
    status_code: int

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response.headers)

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


class APIConnectionError(APIError):
    """The request did not get a response (DNS, refused, reset, protocol error...)."""

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request
    ) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request
    ) -> None:
        super().__init__(message, request=request)


class APIResponseValidationError(APIError):
    """A 2xx response whose body is not what the API promised (bad JSON, wrong shape/type)."""

    response: httpx.Response
    status_code: int

    def __init__(
        self, message: str, *, response: httpx.Response, body: object = None
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response.headers)


class APIStreamError(APIError):
    """An error reported inside an event stream (``event: error`` or ``{"error": ...}``)."""

    response: httpx.Response
    event: str | None

    def __init__(
        self, message: str, *, response: httpx.Response, body: object, event: str | None
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.event = event
        self.request_id = _request_id(response.headers)


class APIStreamIncompleteError(APIStreamError):
    """An event stream that must end with a terminator (``data: [DONE]``) ended without it."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _error_message(body: object) -> str | None:
    """The server's own message from OpenAI/Portkey/FastAPI-style error bodies."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
            if isinstance(msg, str) and msg:
                return msg
        elif isinstance(err, str) and err:
            return err
        for key in ("message", "detail"):
            msg = body.get(key)
            if isinstance(msg, str) and msg:
                return msg
        return (
            json.dumps(body, separators=(",", ":"), default=str)[:1000]
            if body
            else None
        )
    if isinstance(body, str) and body.strip():
        return body.strip()[:1000]
    if body:
        return json.dumps(body, default=str)[:1000]
    return None


def _decode_error_body(response: httpx.Response) -> object:
    content = response.content
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return response.text


def _status_error(response: httpx.Response) -> APIStatusError:
    body = _decode_error_body(response)
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (
        InternalServerError if status >= 500 else APIStatusError
    )
    msg = _error_message(body) or response.reason_phrase or "no details"
    return cls(f"Error code: {status} - {msg}", response=response, body=body)


# Errors a new attempt can fix; a bad URL scheme or a local protocol misuse will not change.
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def _transport_error(
    exc: httpx.RequestError, request: httpx.Request
) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(request=request)
    return APIConnectionError(
        f"Connection error: {exc}" if str(exc) else "Connection error.", request=request
    )


# --------------------------------------------------------------------------------------------
# Encoding of path, query, header, form and JSON values


def _json_default(value: Any) -> Any:
    if _is_model(value):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    if value is NOT_GIVEN:
        raise TypeError(
            "NOT_GIVEN can only be used as a top-level argument, not inside a value"
        )
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# One encoder, built once: json.dumps() with keyword arguments builds a new one per call.
_JSON = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default
)
_JSON_ASCII = json.JSONEncoder(
    separators=(",", ":"), allow_nan=False, default=_json_default
)


def _to_str(value: object) -> str:
    """A scalar for a path, query or form value: bools as true/false, enums by value."""
    if type(value) is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, enum.Enum):
        return _to_str(value.value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)) or _is_model(value):
        return _JSON.encode(value)
    return str(value)


def _header_value(value: object) -> str | None:
    """Header text; dicts/lists/models as compact ASCII JSON (x-portkey-config/metadata)."""
    if value is None or value is NOT_GIVEN:
        return None
    if type(value) is str:
        return value
    if isinstance(value, (dict, list, tuple)) or _is_model(value):
        return _JSON_ASCII.encode(value)
    return _to_str(value)


def _merge_headers(target: dict[str, str], source: Mapping[str, object]) -> None:
    # NOT_GIVEN leaves a default alone; an explicit None removes it.
    for key, value in source.items():
        if value is NOT_GIVEN:
            continue
        text = _header_value(value)
        if text is None:
            target.pop(key.lower(), None)
        else:
            target[key.lower()] = text


class Delimited:
    """A query value sent as one `key=a,b,c` pair: an array's items (or an object's keys
    and values) joined by `delimiter` (`explode: false`, space/pipe-delimited)."""

    __slots__ = ("value", "delimiter")

    def __init__(self, value: object, delimiter: str) -> None:
        self.value, self.delimiter = value, delimiter


class DeepObject:
    """An object sent as `key[name]=value` pairs (OpenAPI `style: deepObject`)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _object_items(value: object) -> list[tuple[str, object]] | None:
    """A dict's or model's (wire name, value) pairs, leaving out None and NOT_GIVEN; else None."""
    if _is_model(value):
        value = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if not isinstance(value, Mapping):
        return None
    return [
        (str(k), v) for k, v in value.items() if v is not None and v is not NOT_GIVEN
    ]


def _styled_query(key: str, value: Delimited | DeepObject, out: list[str]) -> None:
    items = _object_items(value.value)
    if isinstance(value, DeepObject) and items is not None:
        for name, item in items:
            for one in item if isinstance(item, (list, tuple)) else (item,):
                out.append(
                    quote(f"{key}[{name}]", safe="")
                    + "="
                    + quote(_to_str(one), safe="")
                )
        return
    inner = value.value
    if items is not None:
        parts = [text for name, item in items for text in (name, _to_str(item))]
    elif isinstance(inner, (list, tuple, set, frozenset)):
        parts = [_to_str(item) for item in inner]
    else:
        parts = [_to_str(inner)]
    delimiter = value.delimiter if isinstance(value, Delimited) else ","
    out.append(quote(key, safe="") + "=" + quote(delimiter.join(parts), safe=""))


def _encode_query(*parts: Mapping[str, object] | None) -> str:
    merged: dict[str, object] = {}
    for part in parts:
        if part:
            merged.update(part)
    out: list[str] = []
    for key, value in merged.items():
        if isinstance(value, (Delimited, DeepObject)):
            if value.value is not None and value.value is not NOT_GIVEN:
                _styled_query(key, value, out)
            continue
        if value is None or value is NOT_GIVEN:
            continue
        k = quote(key, safe="")
        if isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                out.append(k + "=" + quote(_to_str(item), safe=""))
        else:
            out.append(k + "=" + quote(_to_str(value), safe=""))
    return "&".join(out)


def _encode_json_body(body: object, extra: Mapping[str, object] | None) -> bytes:
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if v is not NOT_GIVEN}
    elif extra and _is_model(body):
        body = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if extra:
        extra = {k: v for k, v in extra.items() if v is not NOT_GIVEN}
        if body is None:
            body = extra
        elif isinstance(body, dict):
            body.update(extra)
        else:
            raise TypeError(
                f"extra_body needs a JSON object body, not {type(body).__name__}"
            )
    return _JSON.encode(body).encode()


def _encode_form(
    data: Mapping[str, object] | None, extra: Mapping[str, object] | None
) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for source in (data, extra):
        if not source:
            continue
        for key, value in source.items():
            if value is None or value is NOT_GIVEN:
                continue
            if isinstance(value, (list, tuple, set, frozenset)):
                out[key] = [_to_str(v) for v in value]
            else:
                out[key] = _to_str(value)
    return out


# Type aliases for generated signatures (runtime expressions, so no string forward refs here).
FileContent = IO[bytes] | bytes | os.PathLike[str]
FileTypes = (
    FileContent
    | tuple[str | None, FileContent]
    | tuple[str | None, FileContent, str | None]
)
_HttpxFile = tuple[str | None, IO[bytes] | bytes, str | None]


def _file_part(value: object, opened: list[IO[bytes]]) -> _HttpxFile:
    content_type: str | None = None
    if isinstance(value, tuple):
        if len(value) not in (2, 3):
            raise TypeError(
                "a file tuple is (filename, content) or (filename, content, type)"
            )
        filename: str | None = value[0]
        content: object = value[1]
        content_type = value[2] if len(value) == 3 else None
    else:
        filename, content = None, value
    if isinstance(content, os.PathLike):
        path = os.fspath(content)
        # Closed by the client once the request is sent.
        handle = open(path, "rb")  # noqa: SIM115
        opened.append(handle)
        return (filename or os.path.basename(str(path)), handle, content_type)
    if isinstance(content, (bytes, bytearray, memoryview)):
        return (filename or "upload", bytes(content), content_type)
    if isinstance(content, io.TextIOBase):
        raise TypeError(
            "file uploads need a binary file (open(..., 'rb')), not a text file"
        )
    if hasattr(content, "read"):
        if filename is None:
            name = getattr(content, "name", None)
            filename = os.path.basename(name) if isinstance(name, str) else "upload"
        return (filename, content, content_type)  # type: ignore[return-value]
    raise TypeError(
        f"cannot upload a {type(content).__name__}; pass bytes, a path or a file"
    )


def _encode_files(
    files: Mapping[str, object], opened: list[IO[bytes]]
) -> list[tuple[str, _HttpxFile]]:
    out: list[tuple[str, _HttpxFile]] = []
    for key, value in files.items():
        if value is None or value is NOT_GIVEN:
            continue
        if isinstance(value, list):  # a tuple is one file; a list is a repeated field
            out.extend((key, _file_part(item, opened)) for item in value)
        else:
            out.append((key, _file_part(value, opened)))
    return out


def _to_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)


# --------------------------------------------------------------------------------------------
# Response parsing, cached per type
#
# Responses are forward-compatible by default, as in Stainless-generated SDKs: the body is first
# validated strictly (the fast path, straight from the bytes); only when valid JSON does not fit
# the declared shape is it built leniently (``_lenient``): every value that validates against
# its annotation is typed, anything else (a new enum value, an unknown union member, a null
# where none was declared, an id that is not a UUID) is kept as it arrived, and a missing
# required field is None. The static types then describe what the spec promised, not what came:
# code that must see only declared values passes ``strict_response_validation=True``.

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


# --------------------------------------------------------------------------------------------
# Server-sent events

_DONE = b"[DONE]"


class _SSEDecoder:
    """Incremental text/event-stream parser over raw bytes (WHATWG rules, bytes in and out)."""

    __slots__ = (
        "_data",
        "_event",
        "_skip_lf",
        "_started",
        "_tail",
        "last_event_id",
        "retry",
    )

    def __init__(self) -> None:
        self._tail = b""
        self._skip_lf = (
            False  # the previous chunk ended in \r: a leading \n completes a CRLF
        )
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._started = False
        self.last_event_id: bytes | None = None
        self.retry: int | None = None

    def feed(self, chunk: bytes | None) -> list[tuple[bytes | None, bytes]]:
        """Events completed by this chunk as (event name or None, data); None means EOF."""
        if chunk is None:
            return self._flush()
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[0] == 10:
                chunk = chunk[1:]
        if not self._started:
            self._started = True
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
        if self._tail:
            chunk = self._tail + chunk
        if b"\r" in chunk:
            if chunk[-1] == 13:
                self._skip_lf = True
                chunk = chunk[:-1].replace(b"\r\n", b"\n").replace(b"\r", b"\n") + b"\n"
            else:
                chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        self._tail = lines.pop()
        out: list[tuple[bytes | None, bytes]] = []
        for line in lines:
            if line:
                if line.startswith(b"data: "):
                    self._data.append(line[6:])
                elif line[0] != 58:  # ":" starts a comment
                    self._field(line)
            elif self._data:
                data = self._data
                out.append(
                    (self._event, data[0] if len(data) == 1 else b"\n".join(data))
                )
                self._data = []
                self._event = None
            else:
                self._event = None
        return out

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = value
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)

    def _flush(self) -> list[tuple[bytes | None, bytes]]:
        # Lenient: a last event without its blank line is still delivered (a truncated one then
        # fails validation instead of vanishing).
        self._skip_lf = False
        out = self.feed(b"\n\n") if self._tail or self._data else []
        self._tail = b""
        return out


class _Skip:
    pass


_SKIP = _Skip()


def _sse_item(
    event: bytes | None,
    data: bytes,
    parse: Callable[[bytes], Any],
    response: httpx.Response,
) -> Any:
    """The parsed chunk of one event, _SKIP for keep-alives; raises stream errors."""
    if not data:
        return _SKIP
    is_error_event = event == b"error"
    if (
        is_error_event or b'"error"' in data[:16]
    ):  # cheap pre-check: most chunks skip this
        body: object
        try:
            body = json.loads(data)
        except ValueError:
            if not is_error_event:
                raise
            body = data.decode("utf-8", "replace")
        if is_error_event or (
            isinstance(body, dict)
            and (body.get("error") or body.get("type") == "error")
        ):
            msg = _error_message(body) or "unknown error"
            name = event.decode("utf-8", "replace") if event is not None else None
            raise APIStreamError(
                f"Error in event stream: {msg}",
                response=response,
                body=body,
                event=name,
            )
    return parse(data)


def _not_an_event_stream(response: httpx.Response) -> NoReturn:
    """A streaming request answered with another content type (read): raise what it says."""
    body = _decode_error_body(response)
    msg = _error_message(body) or "(empty body)"
    if isinstance(body, dict) and body.get("error"):
        raise APIStreamError(
            f"Error in event stream: {msg}", response=response, body=body, event=None
        )
    raise APIResponseValidationError(
        f"Expected a text/event-stream response, got {response.headers.get('content-type')}: {msg}",
        response=response,
        body=body,
    )


def _is_event_stream(response: httpx.Response) -> bool:
    # No content type at all is read as events: some proxies drop the header.
    ctype = response.headers.get("content-type")
    return not ctype or "event-stream" in ctype.lower()


def _incomplete_stream(
    response: httpx.Response, terminator: bytes
) -> APIStreamIncompleteError:
    return APIStreamIncompleteError(
        f"The event stream ended before its terminator "
        f"{terminator.decode('utf-8', 'replace')!r}: the response is incomplete (the server "
        f"or a proxy closed it early); chunks received so far may be partial",
        response=response,
        body=None,
        event=None,
    )


class Stream(Generic[T]):
    """Iterate parsed chunks of a ``text/event-stream`` response.

    The response is closed when the stream ends (``[DONE]`` or end of body), on an error, on
    ``close()``/leaving ``with stream:``, and when a ``for`` loop over it is left early (the loop's
    generator is dropped at once in CPython). After that, iteration yields nothing more.
    """

    response: httpx.Response

    def __init__(
        self,
        response: httpx.Response,
        cast_to: type[T],
        terminator: str | None = None,
        strict: bool = False,
    ) -> None:
        self.response = response
        self._parse: Callable[[bytes], T] = _json_validator(cast_to, strict)
        self._decoder = _SSEDecoder()
        self._end = terminator.encode("utf-8") if terminator is not None else None
        self._chunks: Iterator[bytes | None] | None = None
        self._iterator: Iterator[T] | None = None
        self._closed = False

    def __iter__(self) -> Iterator[T]:
        return self._iterator if self._iterator is not None else self._run()

    def __next__(self) -> T:
        if self._iterator is None:
            self._iterator = self._run()
        return next(self._iterator)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.response.close()

    def _run(self) -> Iterator[T]:
        if self._closed:
            return
        response = self.response
        if self._chunks is None:
            if not _is_event_stream(response):
                try:
                    response.read()
                    _not_an_event_stream(response)
                finally:
                    self.close()
            self._chunks = chain(response.iter_bytes(), (None,))
        data = b""
        feed, parse, chunks, end = (
            self._decoder.feed,
            self._parse,
            self._chunks,
            self._end,
        )
        try:
            for chunk in chunks:
                for event, data in feed(chunk):
                    if data == _DONE or data == end:
                        for _ in chunks:  # drain so the connection can be reused
                            pass
                        return
                    item = _sse_item(event, data, parse, response)
                    if item is not _SKIP:
                        yield item
            if end is not None:
                raise _incomplete_stream(response, end)
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        except (_pydantic_error(), ValueError) as exc:
            raise _validation_error(
                exc, response, "stream chunk", data.decode("utf-8", "replace")
            ) from exc
        finally:
            self.close()


class AsyncStream(Generic[T]):
    """Async twin of :class:`Stream`; use ``async with stream:`` to close it early."""

    response: httpx.Response

    def __init__(
        self,
        response: httpx.Response,
        cast_to: type[T],
        terminator: str | None = None,
        strict: bool = False,
    ) -> None:
        self.response = response
        self._parse: Callable[[bytes], T] = _json_validator(cast_to, strict)
        self._decoder = _SSEDecoder()
        self._end = terminator.encode("utf-8") if terminator is not None else None
        self._chunks: AsyncIterator[bytes] | None = None
        self._iterator: AsyncIterator[T] | None = None
        self._closed = False

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator if self._iterator is not None else self._run()

    async def __anext__(self) -> T:
        if self._iterator is None:
            self._iterator = self._run()
        return await self._iterator.__anext__()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self.response.aclose()

    aclose = close

    async def _run(self) -> AsyncIterator[T]:
        if self._closed:
            return
        response = self.response
        if self._chunks is None:
            if not _is_event_stream(response):
                try:
                    await response.aread()
                    _not_an_event_stream(response)
                finally:
                    await self.close()
            self._chunks = response.aiter_bytes()
        data = b""
        feed, parse, chunks, end = (
            self._decoder.feed,
            self._parse,
            self._chunks,
            self._end,
        )
        try:
            eof = False
            while not eof:
                try:
                    chunk: bytes | None = await chunks.__anext__()
                except StopAsyncIteration:
                    chunk, eof = None, True
                for event, data in feed(chunk):
                    if data == _DONE or data == end:
                        async for _ in chunks:
                            pass
                        return
                    item = _sse_item(event, data, parse, response)
                    if item is not _SKIP:
                        yield item
            if end is not None:
                raise _incomplete_stream(response, end)
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        except (_pydantic_error(), ValueError) as exc:
            raise _validation_error(
                exc, response, "stream chunk", data.decode("utf-8", "replace")
            ) from exc
        finally:
            await self.close()


class BinaryResponse:
    """A binary body (``cast_to=BinaryResponse``: audio, file contents), sync and async alike.

    The body is read before the call returns, unless the call went through
    ``.with_streaming_response``: then it is left unread and ``iter_bytes()``/``write_to_file()``
    stream it in chunks. Iterating, reading or writing it to a file closes the response at the
    end; so do ``close()``/``aclose()`` and the (async) context manager.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.http_response = response

    @property
    def content(self) -> bytes:
        """The whole body (not for ``with_streaming_response`` calls: use ``read()``)."""
        return self.http_response.content

    @property
    def request_id(self) -> str | None:
        return _request_id(self.http_response.headers)

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    def _from_memory(self, chunk_size: int | None) -> Iterator[bytes]:
        content = self.http_response.content
        step = chunk_size or len(content) or 1
        for start in range(0, len(content), step):
            yield content[start : start + step]

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        response = self.http_response
        if response.is_closed:  # read in full (not a with_streaming_response call)
            yield from self._from_memory(chunk_size)
            return
        try:
            yield from response.iter_bytes(chunk_size)
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        finally:
            response.close()

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        response = self.http_response
        if response.is_closed:
            for chunk in self._from_memory(chunk_size):
                yield chunk
            return
        try:
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.RequestError as exc:
            raise _transport_error(exc, response.request) from exc
        finally:
            await response.aclose()

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    async def aread(self) -> bytes:
        return b"".join([chunk async for chunk in self.aiter_bytes()])

    def write_to_file(self, path: str | os.PathLike[str]) -> None:
        with open(path, "wb") as f:
            f.writelines(self.iter_bytes())

    async def awrite_to_file(self, path: str | os.PathLike[str]) -> None:
        # Local disk writes are short; not worth a thread hop per chunk.
        with open(path, "wb") as f:  # noqa: ASYNC230
            async for chunk in self.aiter_bytes():
                f.write(chunk)

    def close(self) -> None:
        if not self.http_response.is_closed:
            self.http_response.close()

    async def aclose(self) -> None:
        if not self.http_response.is_closed:
            await self.http_response.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


# --------------------------------------------------------------------------------------------
# Raw responses (``.with_raw_response``)

_RAW_MODE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "_RAW_MODE", default=False
)


_STREAMING_MODE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "_STREAMING_MODE", default=False
)


def streaming_response_wrapper(func: Callable[P, R]) -> Callable[P, R]:
    """Same call, but a binary body (:class:`BinaryResponse`) is left unread for streaming."""

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _STREAMING_MODE.set(True)
        try:
            return func(*args, **kwargs)
        finally:
            _STREAMING_MODE.reset(token)

    return wrapped


def async_streaming_response_wrapper(
    func: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R]]:
    @functools.wraps(func)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _STREAMING_MODE.set(True)
        try:
            return await func(*args, **kwargs)
        finally:
            _STREAMING_MODE.reset(token)

    return wrapped


class RawResponse(Generic[R]):
    """The HTTP response of a call; ``parse()`` gives what the method would have returned."""

    def __init__(self, response: httpx.Response, parse: Callable[[], R]) -> None:
        self.http_response = response
        self._parse = parse
        self._parsed: R | NotGiven = NOT_GIVEN

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def text(self) -> str:
        return self.http_response.text

    @property
    def request_id(self) -> str | None:
        return _request_id(self.http_response.headers)

    def parse(self) -> R:
        if isinstance(self._parsed, NotGiven):
            self._parsed = self._parse()
        return self._parsed


class _LazyModule:
    """A module imported on first attribute access (keeps `import <pkg>.client` fast)."""

    def __init__(self, name: str, package: str | None) -> None:
        self._name = name
        self._package = package
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            import importlib

            self._module = importlib.import_module(self._name, self._package)
        return getattr(self._module, attr)


def lazy_module(name: str, package: str | None = None) -> Any:
    """`importlib.import_module(name, package)`, done on first attribute access."""
    return _LazyModule(name, package)


def raw_response_wrapper(func: Callable[P, R]) -> Callable[P, RawResponse[R]]:
    """Same signature as ``func``, returning the :class:`RawResponse` of the call instead."""

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        token = _RAW_MODE.set(True)
        try:
            result: Any = func(*args, **kwargs)
        finally:
            _RAW_MODE.reset(token)
        return result  # type: ignore[no-any-return]

    return wrapped


def async_raw_response_wrapper(
    func: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[RawResponse[R]]]:
    @functools.wraps(func)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        token = _RAW_MODE.set(True)
        try:
            result: Any = await func(*args, **kwargs)
        finally:
            _RAW_MODE.reset(token)
        return result  # type: ignore[no-any-return]

    return wrapped


# --------------------------------------------------------------------------------------------
# Clients


_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)


class _Pool(Generic[_H]):
    """The httpx client that a client and its copies share, made on first use: making one
    loads the TLS certificates (~50 ms), which a client that sends nothing should not pay.
    """

    def __init__(self, http: _H | None, make: Callable[[], _H] | None = None) -> None:
        self._made: _H | None = http  # given by the user, else made on first use
        self._make: Callable[[], _H] | None = make
        self._lock = threading.Lock()

    @property
    def made(self) -> _H | None:
        return self._made

    def get(self) -> _H:
        http = self._made
        if http is None:
            with self._lock:  # two threads' first requests must not make two pools
                if self._made is None and self._make is not None:
                    self._made = self._make()
                http = self._made
            if http is None:
                raise RuntimeError("no HTTP client given and none to make")
        return http


class _BaseClient:
    """Configuration and request building shared by the sync and async clients."""

    base_urls: dict[str, str]
    auth_headers: dict[str, object]
    default_headers: dict[str, object]
    default_query: dict[str, object]
    timeout: httpx.Timeout
    max_retries: int
    clock: Callable[[], float]
    strict_response_validation: bool
    _pool: _Pool[httpx.Client] | _Pool[httpx.AsyncClient]
    _owns_http: bool
    # Set by the generated client: its User-Agent product and the variable enabling logging.
    client_name: str = "openapi-client"
    client_version: str = "0"
    log_env: str | None = None

    def _init_base(
        self,
        base_urls: Mapping[str, str],
        auth_headers: Mapping[str, object] | None,
        default_headers: Mapping[str, object] | None,
        default_query: Mapping[str, object] | None,
        timeout: float | httpx.Timeout | None | NotGiven,
        max_retries: int,
        http_client: httpx.Client | httpx.AsyncClient | None,
        clock: Callable[[], float] | None,
        strict_response_validation: bool = False,
    ) -> None:
        if self.log_env:
            _setup_logging(os.environ.get(self.log_env))
        if not base_urls:
            raise ValueError(
                "base_urls needs at least one server group, e.g. {'default': url}"
            )
        self.base_urls = dict(base_urls)
        self.auth_headers = dict(auth_headers or {})
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        if isinstance(timeout, NotGiven):
            timeout = (
                http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
            )
        self.timeout = _to_timeout(timeout)
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.max_retries = max_retries
        self.clock = clock or time.time
        self.strict_response_validation = strict_response_validation
        self._configure()

    @property
    def _http(self) -> httpx.Client | httpx.AsyncClient:
        return self._pool.get()

    @property
    def user_agent(self) -> str:
        return (
            f"{self.client_name}/{self.client_version} "
            f"python/{platform.python_version()} httpx/{httpx.__version__}"
        )

    def _configure(self) -> None:
        """Precompute what every request needs (call again after changing the settings)."""
        self._base_urls = {k: v.rstrip("/") for k, v in self.base_urls.items()}
        headers: dict[str, str] = {"user-agent": self.user_agent}
        _merge_headers(headers, self.default_headers)
        _merge_headers(headers, self.auth_headers)
        headers.pop("content-type", None)  # set per request from the body
        self._headers = headers
        self._json_headers = {**headers, "content-type": "application/json"}

    def _copy_fields(self, source: _BaseClient) -> None:
        # Everything but lazily created resources (cached_property values bound to `source`).
        lazy = {
            name
            for klass in type(source).__mro__
            for name, attr in vars(klass).items()
            if isinstance(attr, functools.cached_property)
        }
        self.__dict__.update(
            {k: v for k, v in source.__dict__.items() if k not in lazy}
        )

    def _copy_settings(
        self,
        base_urls: Mapping[str, str] | None,
        auth_headers: Mapping[str, object] | None,
        default_headers: Mapping[str, object] | None,
        default_query: Mapping[str, object] | None,
        timeout: float | httpx.Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        http_client: httpx.Client | httpx.AsyncClient | None,
        strict_response_validation: bool | NotGiven,
    ) -> None:
        # Mappings are merged over the current ones (a None value removes a header).
        self.base_urls = {**self.base_urls, **(base_urls or {})}
        self.auth_headers = {**self.auth_headers, **(auth_headers or {})}
        self.default_headers = {**self.default_headers, **(default_headers or {})}
        self.default_query = {**self.default_query, **(default_query or {})}
        if not isinstance(timeout, NotGiven):
            self.timeout = _to_timeout(timeout)
        if not isinstance(max_retries, NotGiven):
            self.max_retries = max_retries
        if not isinstance(strict_response_validation, NotGiven):
            self.strict_response_validation = strict_response_validation
        # Two branches with one body: each narrows the union to one of _H's constraints for mypy.
        if isinstance(http_client, httpx.AsyncClient):
            self._pool = _Pool(http_client)
        elif http_client is not None:
            self._pool = _Pool(http_client)
        self._owns_http = False  # the pool belongs to the client that created it
        self._configure()

    def _build(
        self,
        method: str,
        path: str,
        server: str,
        path_params: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        headers: Mapping[str, object] | None,
        json_body: object,
        data: Mapping[str, object] | None,
        files: Mapping[str, object] | None,
        content: bytes | str | IO[bytes] | None,
        content_type: str | None,
        stream: bool,
        extra_headers: Mapping[str, object] | None,
        extra_query: Mapping[str, object] | None,
        extra_body: Mapping[str, object] | None,
        timeout: float | httpx.Timeout | None | NotGiven,
        opened: list[IO[bytes]],
    ) -> httpx.Request:
        try:
            url = self._base_urls[server]
        except KeyError:
            raise ValueError(
                f"unknown server group {server!r}; configured: {sorted(self._base_urls)}"
            ) from None
        if path_params:
            for name, value in path_params.items():
                text = _to_str(value)
                if not text:
                    raise ValueError(f"path parameter {name!r} must not be empty")
                path = path.replace("{" + name + "}", quote(text, safe=""))
        url += path
        if query or extra_query or self.default_query:
            qs = _encode_query(self.default_query, query, extra_query)
            if qs:
                url += "?" + qs
        body: bytes | None = None
        form: dict[str, str | list[str]] | None = None
        file_list: list[tuple[str, _HttpxFile]] | None = None
        ctype: str | None = None
        if files:
            file_list = _encode_files(files, opened)
            form = _encode_form(data, extra_body)
        elif data is not None:
            form = _encode_form(data, extra_body)
        elif content is not None:
            ctype = content_type
        elif json_body is not None or extra_body:
            body = _encode_json_body(json_body, extra_body)
            ctype = "application/json"
        if (
            headers
            or extra_headers
            or stream
            or (ctype and ctype != "application/json")
        ):
            hdrs = dict(self._headers)
            if ctype:
                hdrs["content-type"] = ctype
            if stream:
                hdrs["accept"] = "text/event-stream"
            if headers:
                _merge_headers(hdrs, headers)
            if extra_headers:
                _merge_headers(hdrs, extra_headers)
        else:
            hdrs = self._json_headers if ctype else self._headers
        return self._http.build_request(
            method,
            url,
            headers=hdrs,
            content=body if body is not None else content,
            data=form,
            files=file_list,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
        )

    def _retry_delay(self, response: httpx.Response | None, retries_done: int) -> float:
        if response is not None:
            delay: float | None = None
            headers = response.headers
            ms = headers.get("retry-after-ms")
            if ms:
                try:
                    delay = float(ms) / 1000.0
                except ValueError:
                    pass
            ra = headers.get("retry-after") if delay is None else None
            if ra:
                try:
                    delay = float(ra)
                except ValueError:
                    try:
                        delay = max(
                            0.0, parsedate_to_datetime(ra).timestamp() - self.clock()
                        )
                    except (TypeError, ValueError, IndexError, OverflowError):
                        delay = None
            if delay is not None and 0.0 <= delay <= MAX_RETRY_AFTER:
                return delay
        backoff = min(INITIAL_RETRY_DELAY * 2.0**retries_done, MAX_RETRY_DELAY)
        return backoff * (1.0 - 0.25 * random.random())

    def _finish(
        self,
        response: httpx.Response,
        cast_to: Any,
        stream: bool,
        stream_cast_to: Any,
        terminator: str | None,
    ) -> Any:
        if _RAW_MODE.get():
            return RawResponse(
                response,
                lambda: self._result(
                    response, cast_to, stream, stream_cast_to, terminator
                ),
            )
        return self._result(response, cast_to, stream, stream_cast_to, terminator)

    def _result(
        self,
        response: httpx.Response,
        cast_to: Any,
        stream: bool,
        stream_cast_to: Any,
        terminator: str | None,
    ) -> Any:
        if stream:
            return self._stream_cls(
                response, stream_cast_to, terminator, self.strict_response_validation
            )
        if cast_to is BinaryResponse:
            return BinaryResponse(response)
        return _parse_body(response, cast_to, self.strict_response_validation)

    _stream_cls: Callable[[httpx.Response, Any, str | None, bool], Any]


def _should_retry(response: httpx.Response) -> bool:
    override = response.headers.get("x-should-retry")
    if override == "true":
        return True
    if override == "false":
        return False
    status = response.status_code
    return status == 408 or status == 409 or status == 429 or status >= 500


_LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


def _setup_logging(level_name: str | None) -> None:
    """``<CLIENT>_LOG=debug|info``: log requests and retries to stderr (once per process)."""
    level = _LOG_LEVELS.get((level_name or "").strip().lower())
    if level is None:
        return
    if not _log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s")
        )
        _log.addHandler(handler)
    if _log.level == logging.NOTSET or _log.level > level:
        _log.setLevel(level)


def _log_response(request: httpx.Request, response: httpx.Response) -> None:
    _log.info(
        "%s %s -> %d (request id %s)",
        request.method,
        request.url,
        response.status_code,
        _request_id(response.headers),
    )
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug(
            "request headers: %s",
            {
                k: ("<redacted>" if _is_secret(k) else v)
                for k, v in request.headers.items()
            },
        )


def _is_secret(header: str) -> bool:
    # Credentials travel in authorization, cookies and *-key/-token/-secret headers.
    return any(word in header for word in ("auth", "cookie", "key", "token", "secret"))


def _log_retry(request: httpx.Request, what: object, delay: float, left: int) -> None:
    if _log.isEnabledFor(logging.INFO):
        _log.info(
            "%s %s: %s; retrying in %.2fs (%d left)",
            request.method,
            request.url,
            what,
            delay,
            left,
        )


class SyncAPIClient(_BaseClient):
    """Synchronous client over ``httpx.Client``; generated clients subclass it."""

    _pool: _Pool[httpx.Client]
    sleep: Callable[[float], None]
    _stream_cls = Stream

    def __init__(
        self,
        *,
        base_urls: Mapping[str, str],
        auth_headers: Mapping[str, object] | None = None,
        default_headers: Mapping[str, object] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        strict_response_validation: bool = False,
    ) -> None:
        self._init_base(
            base_urls,
            auth_headers,
            default_headers,
            default_query,
            timeout,
            max_retries,
            http_client,
            clock,
            strict_response_validation,
        )
        self.sleep = sleep or time.sleep
        self._owns_http = http_client is None
        timeout_ = self.timeout
        self._pool = _Pool(
            http_client, lambda: httpx.Client(timeout=timeout_, follow_redirects=True)
        )

    @property
    def _http(self) -> httpx.Client:
        return self._pool.get()

    def copy(
        self,
        *,
        base_urls: Mapping[str, str] | None = None,
        auth_headers: Mapping[str, object] | None = None,
        default_headers: Mapping[str, object] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        http_client: httpx.Client | None = None,
        strict_response_validation: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A new client sharing the connection pool, with these settings merged over ours."""
        new = object.__new__(type(self))
        new._copy_fields(self)
        new._copy_settings(
            base_urls,
            auth_headers,
            default_headers,
            default_query,
            timeout,
            max_retries,
            http_client,
            strict_response_validation,
        )
        return new

    with_options = copy

    def close(self) -> None:
        http = self._pool.made
        if self._owns_http and http is not None:
            http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        server: str = ...,
        path_params: Mapping[str, object] | None = ...,
        query: Mapping[str, object] | None = ...,
        headers: Mapping[str, object] | None = ...,
        json_body: object = ...,
        data: Mapping[str, object] | None = ...,
        files: Mapping[str, object] | None = ...,
        content: bytes | str | IO[bytes] | None = ...,
        content_type: str | None = ...,
        stream: Literal[False] | NotGiven = ...,
        stream_cast_to: None = ...,
        stream_terminator: str | None = ...,
        extra_headers: Mapping[str, object] | None = ...,
        extra_query: Mapping[str, object] | None = ...,
        extra_body: Mapping[str, object] | None = ...,
        timeout: float | httpx.Timeout | None | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> T: ...
    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[Any] | None = ...,
        server: str = ...,
        path_params: Mapping[str, object] | None = ...,
        query: Mapping[str, object] | None = ...,
        headers: Mapping[str, object] | None = ...,
        json_body: object = ...,
        data: Mapping[str, object] | None = ...,
        files: Mapping[str, object] | None = ...,
        content: bytes | str | IO[bytes] | None = ...,
        content_type: str | None = ...,
        stream: Literal[True],
        stream_cast_to: type[C],
        stream_terminator: str | None = ...,
        extra_headers: Mapping[str, object] | None = ...,
        extra_query: Mapping[str, object] | None = ...,
        extra_body: Mapping[str, object] | None = ...,
        timeout: float | httpx.Timeout | None | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> Stream[C]: ...
    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        server: str = ...,
        path_params: Mapping[str, object] | None = ...,
        query: Mapping[str, object] | None = ...,
        headers: Mapping[str, object] | None = ...,
        json_body: object = ...,
        data: Mapping[str, object] | None = ...,
        files: Mapping[str, object] | None = ...,
        content: bytes | str | IO[bytes] | None = ...,
        content_type: str | None = ...,
        stream: bool | NotGiven,
        stream_cast_to: type[C],
        stream_terminator: str | None = ...,
        extra_headers: Mapping[str, object] | None = ...,
        extra_query: Mapping[str, object] | None = ...,
        extra_body: Mapping[str, object] | None = ...,
        timeout: float | httpx.Timeout | None | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> T | Stream[C]: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        server: str = "default",
        path_params: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        json_body: object = None,
        data: Mapping[str, object] | None = None,
        files: Mapping[str, object] | None = None,
        content: bytes | str | IO[bytes] | None = None,
        content_type: str | None = None,
        stream: bool | NotGiven = False,
        stream_cast_to: Any = None,
        stream_terminator: str | None = None,
        extra_headers: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Any:
        """Send one API request with retries and return the parsed result (see module doc)."""
        streaming = bool(stream)
        if streaming and stream_cast_to is None:
            raise ValueError("stream=True needs stream_cast_to (the chunk type)")
        opened: list[IO[bytes]] = []
        try:
            request = self._build(
                method,
                path,
                server,
                path_params,
                query,
                headers,
                json_body,
                data,
                files,
                content,
                content_type,
                streaming,
                extra_headers,
                extra_query,
                extra_body,
                timeout,
                opened,
            )
            retries = (
                self.max_retries if isinstance(max_retries, NotGiven) else max_retries
            )
            response = self._send(
                request,
                streaming or (cast_to is BinaryResponse and _STREAMING_MODE.get()),
                retries,
            )
        finally:
            for handle in opened:
                handle.close()
        return self._finish(
            response, cast_to, streaming, stream_cast_to, stream_terminator
        )

    def _send(
        self, request: httpx.Request, stream: bool, retries: int
    ) -> httpx.Response:
        http = self._http
        done = 0
        while True:
            try:
                response = http.send(request, stream=stream)
            except httpx.RequestError as exc:
                if done >= retries or not isinstance(exc, _RETRYABLE):
                    raise _transport_error(exc, request) from exc
                delay = self._retry_delay(None, done)
                _log_retry(request, repr(exc), delay, retries - done)
            else:
                if _log.isEnabledFor(logging.INFO):
                    _log_response(request, response)
                if 200 <= response.status_code < 300:
                    return response
                if done >= retries or not _should_retry(response):
                    try:
                        if stream:
                            response.read()
                    except httpx.RequestError as exc:
                        raise _transport_error(exc, request) from exc
                    finally:
                        response.close()
                    raise _status_error(response)
                delay = self._retry_delay(response, done)
                response.close()
                _log_retry(request, response.status_code, delay, retries - done)
            self.sleep(delay)
            done += 1


class AsyncAPIClient(_BaseClient):
    """Asynchronous client over ``httpx.AsyncClient``; call signatures match SyncAPIClient."""

    _pool: _Pool[httpx.AsyncClient]
    sleep: Callable[[float], Awaitable[None]]
    _stream_cls = AsyncStream

    def __init__(
        self,
        *,
        base_urls: Mapping[str, str],
        auth_headers: Mapping[str, object] | None = None,
        default_headers: Mapping[str, object] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        strict_response_validation: bool = False,
    ) -> None:
        self._init_base(
            base_urls,
            auth_headers,
            default_headers,
            default_query,
            timeout,
            max_retries,
            http_client,
            clock,
            strict_response_validation,
        )
        self.sleep = sleep or asyncio.sleep
        self._owns_http = http_client is None
        timeout_ = self.timeout
        self._pool = _Pool(
            http_client,
            lambda: httpx.AsyncClient(timeout=timeout_, follow_redirects=True),
        )

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._pool.get()

    def copy(
        self,
        *,
        base_urls: Mapping[str, str] | None = None,
        auth_headers: Mapping[str, object] | None = None,
        default_headers: Mapping[str, object] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        http_client: httpx.AsyncClient | None = None,
        strict_response_validation: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A new client sharing the connection pool, with these settings merged over ours."""
        new = object.__new__(type(self))
        new._copy_fields(self)
        new._copy_settings(
            base_urls,
            auth_headers,
            default_headers,
            default_query,
            timeout,
            max_retries,
            http_client,
            strict_response_validation,
        )
        return new

    with_options = copy

    async def close(self) -> None:
        http = self._pool.made
        if self._owns_http and http is not None:
            await http.aclose()

    aclose = close

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        server: str = ...,
        path_params: Mapping[str, object] | None = ...,
        query: Mapping[str, object] | None = ...,
        headers: Mapping[str, object] | None = ...,
        json_body: object = ...,
        data: Mapping[str, object] | None = ...,
        files: Mapping[str, object] | None = ...,
        content: bytes | str | IO[bytes] | None = ...,
        content_type: str | None = ...,
        stream: Literal[False] | NotGiven = ...,
        stream_cast_to: None = ...,
        stream_terminator: str | None = ...,
        extra_headers: Mapping[str, object] | None = ...,
        extra_query: Mapping[str, object] | None = ...,
        extra_body: Mapping[str, object] | None = ...,
        timeout: float | httpx.Timeout | None | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> T: ...
    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[Any] | None = ...,
        server: str = ...,
        path_params: Mapping[str, object] | None = ...,
        query: Mapping[str, object] | None = ...,
        headers: Mapping[str, object] | None = ...,
        json_body: object = ...,
        data: Mapping[str, object] | None = ...,
        files: Mapping[str, object] | None = ...,
        content: bytes | str | IO[bytes] | None = ...,
        content_type: str | None = ...,
        stream: Literal[True],
        stream_cast_to: type[C],
        stream_terminator: str | None = ...,
        extra_headers: Mapping[str, object] | None = ...,
        extra_query: Mapping[str, object] | None = ...,
        extra_body: Mapping[str, object] | None = ...,
        timeout: float | httpx.Timeout | None | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> AsyncStream[C]: ...
    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        server: str = ...,
        path_params: Mapping[str, object] | None = ...,
        query: Mapping[str, object] | None = ...,
        headers: Mapping[str, object] | None = ...,
        json_body: object = ...,
        data: Mapping[str, object] | None = ...,
        files: Mapping[str, object] | None = ...,
        content: bytes | str | IO[bytes] | None = ...,
        content_type: str | None = ...,
        stream: bool | NotGiven,
        stream_cast_to: type[C],
        stream_terminator: str | None = ...,
        extra_headers: Mapping[str, object] | None = ...,
        extra_query: Mapping[str, object] | None = ...,
        extra_body: Mapping[str, object] | None = ...,
        timeout: float | httpx.Timeout | None | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> T | AsyncStream[C]: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        server: str = "default",
        path_params: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        json_body: object = None,
        data: Mapping[str, object] | None = None,
        files: Mapping[str, object] | None = None,
        content: bytes | str | IO[bytes] | None = None,
        content_type: str | None = None,
        stream: bool | NotGiven = False,
        stream_cast_to: Any = None,
        stream_terminator: str | None = None,
        extra_headers: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Any:
        """Send one API request with retries and return the parsed result (see module doc)."""
        streaming = bool(stream)
        if streaming and stream_cast_to is None:
            raise ValueError("stream=True needs stream_cast_to (the chunk type)")
        opened: list[IO[bytes]] = []
        try:
            request = self._build(
                method,
                path,
                server,
                path_params,
                query,
                headers,
                json_body,
                data,
                files,
                content,
                content_type,
                streaming,
                extra_headers,
                extra_query,
                extra_body,
                timeout,
                opened,
            )
            retries = (
                self.max_retries if isinstance(max_retries, NotGiven) else max_retries
            )
            response = await self._send(
                request,
                streaming or (cast_to is BinaryResponse and _STREAMING_MODE.get()),
                retries,
            )
        finally:
            for handle in opened:
                handle.close()
        return self._finish(
            response, cast_to, streaming, stream_cast_to, stream_terminator
        )

    async def _send(
        self, request: httpx.Request, stream: bool, retries: int
    ) -> httpx.Response:
        http = self._http
        done = 0
        while True:
            try:
                response = await http.send(request, stream=stream)
            except httpx.RequestError as exc:
                if done >= retries or not isinstance(exc, _RETRYABLE):
                    raise _transport_error(exc, request) from exc
                delay = self._retry_delay(None, done)
                _log_retry(request, repr(exc), delay, retries - done)
            else:
                if _log.isEnabledFor(logging.INFO):
                    _log_response(request, response)
                if 200 <= response.status_code < 300:
                    return response
                if done >= retries or not _should_retry(response):
                    try:
                        if stream:
                            await response.aread()
                    except httpx.RequestError as exc:
                        raise _transport_error(exc, request) from exc
                    finally:
                        await response.aclose()
                    raise _status_error(response)
                delay = self._retry_delay(response, done)
                await response.aclose()
                _log_retry(request, response.status_code, delay, retries - done)
            await self.sleep(delay)
            done += 1


class SyncResource:
    """Base of generated sync resources: ``self._client.request(...)``."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncResource:
    """Base of generated async resources: ``await self._client.request(...)``."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client
