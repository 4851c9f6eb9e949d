"""Runtime support for the generated FastAPI server: errors, security, dispatch, SSE, mock data.

This file is static (copied verbatim by portkey-codegen, not rendered): everything that does not
depend on the spec lives here, so the generated modules stay declarations. It imports only
fastapi/starlette/pydantic (and anyio, which starlette depends on) and nothing from the package
it is copied into, so it can be vendored under any import path.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaMode
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "HTTPError",
    "DEFAULT_MAX_BODY_SIZE",
    "BodySizeLimit",
    "GuardedRoute",
    "RequestBodyTooLarge",
    "install_body_limit",
    "security_check",
    "OperationSpec",
    "RouteDoc",
    "EventStreamResponse",
    "error_body",
    "error_response",
    "install_error_handlers",
    "install_openapi",
    "credential",
    "check_security",
    "dispatch",
    "flag_set",
    "json_param",
    "read_body",
    "with_prefix",
    "normalise_prefix",
    "given_or",
    "synthesise",
    "serve",
]

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

# OpenAI/Portkey-style error `type` per status, used when the raiser does not name one.
ERROR_TYPES: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    501: "not_implemented_error",
    503: "service_unavailable_error",
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ErrorResponse",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "code": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            },
        }
    },
}


# -- errors -------------------------------------------------------------------------------------
class HTTPError(Exception):
    """Raise from a service method to answer `status` with an OpenAI-style error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = int(status)
        self.message = message
        self.type = type or ERROR_TYPES.get(self.status, "api_error")
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return error_response(
            self.status,
            self.message,
            type=self.type,
            param=self.param,
            code=self.code,
            headers=self.headers,
        )


def not_implemented(operation: str) -> HTTPError:
    """What an un-overridden service method raises: the route answers 501."""
    return HTTPError(
        501,
        f"operation {operation!r} is not implemented by this server",
        type="not_implemented_error",
        code="not_implemented",
    )


def error_body(
    message: str, *, type: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def error_response(
    status: int,
    message: str,
    *,
    type: str | None = None,
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = error_body(
        message,
        type=type or ERROR_TYPES.get(status, "api_error"),
        param=param,
        code=code,
    )
    return JSONResponse(
        body, status_code=status, headers=dict(headers) if headers else None
    )


def internal_error() -> JSONResponse:
    # Never the exception text: it may carry secrets or internals. The log has the details.
    return error_response(
        500,
        "The server had an error while processing your request.",
        code="internal_error",
    )


def _loc_param(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_response(errors: Sequence[Any]) -> JSONResponse:
    """400 naming the first offending field (FastAPI's 422 would not be what OpenAI SDKs expect)."""
    first = errors[0] if errors else {}
    loc = first.get("loc", ()) if isinstance(first, Mapping) else ()
    param = _loc_param(loc) if loc else None
    where = (
        f"{loc[0]} "
        if loc and str(loc[0]) in ("query", "path", "header", "cookie")
        else ""
    )
    msg = (
        str(first.get("msg", "invalid request"))
        if isinstance(first, Mapping)
        else "invalid request"
    )
    if isinstance(first, Mapping) and first.get("type") == "json_invalid":
        message, param = f"The request body is not valid JSON: {msg}", None
    else:
        message = f"Invalid {where}parameter {param!r}: {msg}" if param else msg
    if len(errors) > 1:
        message += (
            f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
        )
    code = (
        str(first.get("type"))
        if isinstance(first, Mapping) and first.get("type")
        else "invalid_value"
    )
    return error_response(
        400, message, type="invalid_request_error", param=param, code=code
    )


def install_error_handlers(app: FastAPI) -> None:
    """Every error the app produces has the body {"error": {"message", "type", "param", "code"}}."""

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPError)
        return exc.response()

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return validation_response(list(exc.errors()))

    async def on_starlette(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc, RequestBodyTooLarge):
            return exc.response()
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, str(exc.detail), headers=headers)

    async def on_bad_response(request: Request, exc: Exception) -> Response:
        # The service returned something that is not a valid response: a server bug.
        logger.error(
            "response validation failed for %s %s: %s",
            request.method,
            request.url.path,
            exc,
        )
        return internal_error()

    app.add_exception_handler(HTTPError, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_starlette)
    app.add_exception_handler(ResponseValidationError, on_bad_response)


# -- request context and security ----------------------------------------------------------------
def credential(request: Request, kind: str, wire_name: str) -> str | None:
    """The value of one security scheme in the request, or None when absent/empty."""
    if kind in ("bearer", "basic"):
        raw = request.headers.get(wire_name)
        if not raw:
            return None
        scheme, _, token = raw.strip().partition(" ")
        token = token.strip()
        return token if scheme.lower() == kind and token else None
    if kind == "query":
        value = request.query_params.get(wire_name)
    elif kind == "cookie":
        value = request.cookies.get(wire_name)
    else:
        value = request.headers.get(wire_name)
    return value or None


def check_security(
    ctx: Any, alternatives: Sequence[Sequence[str]], wire_names: Mapping[str, str]
) -> None:
    """Raise 401 unless one alternative (a set of scheme field names on `ctx`) is fully present.

    No alternatives, or an empty one, means the operation is open.
    """
    if not alternatives or any(not alt for alt in alternatives):
        return
    for alt in alternatives:
        if all(getattr(ctx, name, None) for name in alt):
            return
    options = [" + ".join(wire_names.get(n, n) for n in alt) for alt in alternatives]
    raise HTTPError(
        401,
        "Missing credentials: send " + " or ".join(options),
        type="authentication_error",
        param=wire_names.get(alternatives[0][0], alternatives[0][0]),
        code="missing_credentials",
        headers={
            "WWW-Authenticate": (
                "Bearer"
                if any("authorization" in a for a in alternatives)
                else "ApiKey"
            )
        },
    )


# -- abuse guards: body size, security first, media type, JSON syntax ----------------------------
# 64 MiB: above the largest single request an OpenAI-style API documents (50 MB of images in one
# chat request, 64 MB upload parts), far below what would hurt a server buffering a JSON body.
DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024


class RequestBodyTooLarge(StarletteHTTPException):
    """The request body passed the app's limit (raised from `receive` while the body streams in)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The request body is larger than the limit of {limit} bytes.",
            headers={"Connection": "close"},
        )
        self.limit = limit

    def response(self) -> JSONResponse:
        return error_response(
            413, str(self.detail), code="request_too_large", headers=self.headers
        )


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


class BodySizeLimit:
    """ASGI middleware answering 413 to a request body over `max_body_size` bytes (None: no limit).

    A declared Content-Length over the limit is refused before any of the body is read; a body
    without one (chunked) is counted as the app reads it, and reading past the limit raises
    RequestBodyTooLarge, so at most the limit plus one chunk is ever buffered. When the app answers
    before reading the whole body (a 401, say), up to 256 KiB of what is left is read and dropped so
    the connection stays usable; a longer (or endless) rest gets `Connection: close` instead.
    """

    def __init__(
        self, app: ASGIApp, max_body_size: int | None = DEFAULT_MAX_BODY_SIZE
    ) -> None:
        self.app = app
        self.max_body_size = _checked_limit(max_body_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_size
        declared = _header(scope, b"content-length")
        length: int | None = None
        if declared is not None:
            text = declared.decode("latin-1").strip()
            if not text.isdigit():
                response = error_response(
                    400,
                    "The Content-Length header is not a number.",
                    code="invalid_content_length",
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
            length = int(text)
            if limit is not None and length > limit:
                await RequestBodyTooLarge(limit).response()(scope, receive, send)
                return
        chunked = _header(scope, b"transfer-encoding") is not None
        body_done = not chunked and not length
        received = 0
        over = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, body_done, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if limit is not None and received > limit:
                    over = True
                    raise RequestBodyTooLarge(limit)
                if not message.get("more_body", False):
                    body_done = True
            elif message["type"] == "http.disconnect":
                body_done = True
            return message

        async def drained() -> bool:
            # The app answers without having read the whole body: read (and drop) what is left when
            # that is little, so the connection stays usable and a client still sending is not reset.
            nonlocal received, body_done
            if over or (length is not None and length - received > _DRAIN_LIMIT):
                return False
            dropped = 0
            while dropped <= _DRAIN_LIMIT:
                message = await receive()
                if message["type"] != "http.request":
                    return False
                dropped += len(message.get("body", b""))
                if not message.get("more_body", False):
                    body_done = True
                    return True
            return False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if not body_done and not await drained():
                    headers = list(message.get("headers", ()))
                    if not any(k.lower() == b"connection" for k, _ in headers):
                        headers.append((b"connection", b"close"))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except RequestBodyTooLarge as exc:
            if started:
                # Answered before reading the body, then read too much: nothing left to say.
                raise
            await exc.response()(scope, receive, send)


# At most this much of a request body the app did not read is read and dropped to keep the
# connection open (the rule of Go's net/http); beyond it the connection closes after the response.
_DRAIN_LIMIT = 256 * 1024


def _checked_limit(max_body_size: int | None) -> int | None:
    if max_body_size is None:
        return None
    if (
        isinstance(max_body_size, bool)
        or not isinstance(max_body_size, int)
        or max_body_size < 0
    ):
        raise ValueError(
            f"max_body_size must be a non-negative int or None, not {max_body_size!r}"
        )
    return max_body_size


def install_body_limit(app: FastAPI, max_body_size: int | None) -> None:
    """Add BodySizeLimit to `app` (a bad `max_body_size` is a ValueError here, not at first request)."""
    app.add_middleware(BodySizeLimit, max_body_size=_checked_limit(max_body_size))


_SECURITY_MARK = "__portkey_security_check__"
_D = TypeVar("_D", bound=Callable[..., Any])


def security_check(dependency: _D) -> _D:
    """Mark a route dependency that checks credentials: GuardedRoute runs it before reading the body."""
    setattr(dependency, _SECURITY_MARK, True)
    return dependency


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length", "").strip()
    return "transfer-encoding" in request.headers or (
        length.isdigit() and int(length) > 0
    )


def _unsupported(media: str, wanted: str) -> JSONResponse:
    got = f"Content-Type {media!r}" if media else "no Content-Type"
    return error_response(
        415,
        f"The request body was sent with {got}; this operation takes {wanted}.",
        param="Content-Type",
        code="unsupported_media_type",
    )


def _bad_json(message: str, code: str = "json_invalid") -> JSONResponse:
    return error_response(
        400, f"The request body is not valid JSON: {message}", code=code
    )


async def check_json_body(request: Request) -> Response | None:
    """None when the request's body is absent or is parseable JSON sent as JSON, else the error.

    The parsed value stays cached on the request, so FastAPI does not parse it again.
    """
    body = await request.body()  # bounded by BodySizeLimit
    if not body:
        return None  # FastAPI answers "field required" when the body is required
    media = _media_type(request)
    if not (
        media == "application/json"
        or (media.startswith("application/") and media.endswith("+json"))
    ):
        return _unsupported(media, "application/json")
    if _nests_deeper(body, MAX_JSON_DEPTH):
        return _bad_json(
            f"it nests arrays and objects deeper than {MAX_JSON_DEPTH} levels.",
            code="json_too_deep",
        )
    try:
        await request.json()
    except RecursionError:
        # Only when the stack is already deep: the depth limit above comes first.
        return _bad_json("it is nested too deeply.", code="json_too_deep")
    except UnicodeDecodeError as exc:
        return _bad_json(
            f"it is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})."
        )
    except json.JSONDecodeError as exc:
        return _bad_json(f"{exc.msg} at line {exc.lineno} column {exc.colno}.")
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        return _bad_json(str(exc).partition(";")[0] + ".")
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(await request.json()):
        # Valid JSON text, but no Unicode string: it would fail later, when echoed back as UTF-8.
        return _bad_json(
            "it contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff), which"
            " I-JSON (RFC 7493) forbids."
        )
    return None


# Deeper bodies are refused before parsing. The parser's own limit is the interpreter's recursion
# limit, which any library may raise (mypy sets 16384): then a deep body would reach validation,
# serialisation or a C stack overflow instead of a 400.
MAX_JSON_DEPTH = 256
# A JSON string (skipped whole, so brackets inside it do not count) or one bracket.
_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _nests_deeper(body: bytes, limit: int) -> bool:
    if body.count(b"[") + body.count(b"{") <= limit:  # the common case, at C speed
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(body):
        first = match.group()[0]
        if first == 0x5B or first == 0x7B:  # [ {
            depth += 1
            if depth > limit:
                return True
        elif first != 0x22:  # ] }
            depth -= 1
    return False


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]  # iterative: the value may nest as deep as the parser allows
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class GuardedRoute(APIRoute):
    """The generated routes' class. Before FastAPI reads the body it runs, in this order:

    the route's security check (401, so nothing is parsed for a caller without credentials), the
    body's media type (415: JSON bodies need application/json or */*+json, form bodies
    multipart/form-data or application/x-www-form-urlencoded), and for JSON a parse whose errors
    (syntax, not UTF-8, nested too deeply, oversized numbers) answer 400 with a precise message.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        checks = tuple(
            dep.call
            for dep in self.dependant.dependencies
            if dep.call is not None and getattr(dep.call, _SECURITY_MARK, False)
        )
        body: str | None = None
        if self.body_field is not None:
            form = isinstance(getattr(self.body_field, "field_info", None), params.Form)
            body = "form" if form else "json"

        async def guarded(request: Request) -> Response:
            try:
                for check in checks:
                    await check(request)
            except HTTPError as exc:
                return exc.response()
            if body == "json":
                problem = await check_json_body(request)
                if problem is not None:
                    return problem
            elif body == "form" and _has_body(request):
                media = _media_type(request)
                if media not in (
                    "multipart/form-data",
                    "application/x-www-form-urlencoded",
                ):
                    return _unsupported(media, "multipart/form-data")
            return await handler(request)

        return guarded


# -- request helpers ----------------------------------------------------------------------------
def json_param(raw: Any, tp: Any, name: str, location: str) -> Any:
    """A parameter that carries JSON text (an object in a header, say), validated into `tp`."""
    if raw is None:
        return None
    try:
        return _adapter(tp).validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        detail = errors[0]["msg"] if errors else "invalid value"
        raise HTTPError(
            400,
            f"Invalid {location} parameter {name!r}: {detail}",
            param=name,
            code=errors[0]["type"] if errors else "invalid_value",
        ) from None


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


# -- dispatch -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OperationSpec:
    """What the runtime needs to know about one operation's success response."""

    name: str
    status: int = 200
    kind: str = "json"  # json | binary | text | empty | sse
    media_type: str | None = "application/json"
    response_type: Any = None  # the success model/type (json) or None
    chunk_type: Any = None  # SSE chunk type when the operation can stream
    terminator: str | None = "[DONE]"


def flag_set(body: Any, wire_name: str) -> bool:
    """Whether the body's boolean flag (e.g. "stream") is true, for a model or a mapping."""
    if body is None:
        return False
    if isinstance(body, Mapping):
        return body.get(wire_name) is True
    if isinstance(body, BaseModel):
        for name, info in type(body).model_fields.items():
            if name == wire_name or info.alias == wire_name:
                return getattr(body, name, None) is True
        extra = body.model_extra or {}
        return extra.get(wire_name) is True
    root = getattr(body, "root", None)  # RootModel around an object
    return flag_set(root, wire_name) if root is not None and root is not body else False


async def dispatch(
    spec: OperationSpec,
    handler: Callable[[Any, Any], Awaitable[Any]],
    request_obj: Any,
    ctx: Any,
    *,
    stream: bool = False,
    mock: bool = False,
) -> Any:
    """Call the service method and turn its result into what the route returns.

    NotImplementedError/501 becomes the mock answer when `mock`; any unexpected exception becomes a
    generic 500 (logged with its traceback, never sent to the caller).
    """
    try:
        result = await handler(request_obj, ctx)
    except HTTPError as exc:
        if mock and exc.status == 501 and exc.code == "not_implemented":
            return mock_result(spec, stream)
        return exc.response()
    except StarletteHTTPException:
        raise  # fastapi.HTTPException from user code: the installed handler shapes it
    except NotImplementedError:
        if mock:
            return mock_result(spec, stream)
        return not_implemented(spec.name).response()
    except Exception:
        logger.exception("unhandled error in operation %s", spec.name)
        return internal_error()
    return shape_result(spec, result, stream)


def shape_result(spec: OperationSpec, result: Any, stream: bool) -> Any:
    if isinstance(result, Response):
        return result  # full control for the implementer
    if (
        isinstance(result, AsyncIterable)
        and spec.kind in ("json", "sse")
        and (stream or spec.kind == "sse")
    ):
        return EventStreamResponse(
            result, spec.chunk_type, spec.terminator, operation=spec.name
        )
    if spec.kind == "binary":
        if isinstance(result, AsyncIterable):
            return _BytesStreamResponse(
                result, status_code=spec.status, media_type=spec.media_type
            )
        return Response(
            bytes(result or b""), status_code=spec.status, media_type=spec.media_type
        )
    if spec.kind == "text":
        return Response(
            "" if result is None else str(result),
            status_code=spec.status,
            media_type=spec.media_type,
        )
    if spec.kind == "empty":
        return Response(status_code=spec.status)
    return result  # FastAPI validates and serialises it with the route's response_model


# -- server-sent events -------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def encode_event(chunk: Any, chunk_type: Any) -> bytes:
    if isinstance(chunk, (bytes, bytearray)):
        data = bytes(chunk).decode("utf-8")
    elif isinstance(chunk, str):
        data = chunk
    else:
        if chunk_type is not None and not isinstance(chunk, BaseModel):
            chunk = _adapter(chunk_type).validate_python(chunk)
        if isinstance(chunk, BaseModel):
            data = chunk.model_dump_json(by_alias=True, exclude_unset=True)
        else:
            data = _adapter(Any).dump_json(chunk, by_alias=True).decode("utf-8")
    # One event per chunk; a newline inside the data would split it, so every line gets "data: ".
    return ("".join(f"data: {line}\n" for line in data.split("\n")) + "\n").encode(
        "utf-8"
    )


async def _aclose(iterator: Any) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is None:
        return
    with anyio.CancelScope(
        shield=True
    ):  # the close must run even while being cancelled
        try:
            await aclose()
        except Exception:
            logger.exception("error while closing a response stream")


class EventStreamResponse(Response):
    """`text/event-stream` from an async iterator of chunks: `data: <json>` events, then the terminator.

    A client disconnect cancels the stream and closes (`aclose`) the iterator; an error raised by the
    iterator after the response started is logged and sent as a final error event.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        source: AsyncIterable[Any],
        chunk_type: Any = None,
        terminator: str | None = "[DONE]",
        *,
        operation: str = "",
        status_code: int = 200,
    ) -> None:
        super().__init__(
            content=None, status_code=status_code, media_type=self.media_type
        )
        del self.headers["content-length"]  # streamed: the length is not known
        self.headers["Cache-Control"] = "no-cache"
        self.headers["X-Accel-Buffering"] = "no"
        self.source = source
        self.chunk_type = chunk_type
        self.terminator = terminator
        self.operation = operation

    async def _events(self) -> AsyncIterator[bytes]:
        iterator = aiter(self.source)
        try:
            async for chunk in iterator:
                yield encode_event(chunk, self.chunk_type)
        except Exception as exc:
            logger.exception("error while streaming operation %s", self.operation)
            message = (
                exc.message
                if isinstance(exc, HTTPError)
                else "The server had an error while streaming."
            )
            yield encode_event(
                error_body(message, type="server_error", code="stream_error"), None
            )
            return
        finally:
            await _aclose(iterator)
        if self.terminator is not None:
            yield f"data: {self.terminator}\n\n".encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events = self._events()
        try:
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": self.status_code,
                            "headers": self.raw_headers,
                        }
                    )
                    async for event in events:
                        await send(
                            {
                                "type": "http.response.body",
                                "body": event,
                                "more_body": True,
                            }
                        )
                    await send(
                        {"type": "http.response.body", "body": b"", "more_body": False}
                    )
                    group.cancel_scope.cancel()

                async def watch() -> None:
                    while True:
                        message = await receive()
                        if message["type"] == "http.disconnect":
                            group.cancel_scope.cancel()  # stops stream(); finally below closes the source
                            return

                group.start_soon(stream)
                await watch()
        except OSError:
            pass  # the client went away while we were sending
        finally:
            await _aclose(events)
            await _aclose(self.source)


class _BytesStreamResponse(Response):
    """Binary body from an async iterator of bytes, closing the iterator however the response ends."""

    def __init__(
        self, source: AsyncIterable[bytes], *, status_code: int, media_type: str | None
    ) -> None:
        super().__init__(content=None, status_code=status_code, media_type=media_type)
        del self.headers["content-length"]  # streamed: the length is not known
        self.source = source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async for part in self.source:
                await send(
                    {
                        "type": "http.response.body",
                        "body": bytes(part),
                        "more_body": True,
                    }
                )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass
        finally:
            await _aclose(self.source)


# -- mock mode ----------------------------------------------------------------------------------
def mock_result(spec: OperationSpec, stream: bool) -> Any:
    """A response for `spec` that validates against its response type (mock mode)."""
    if spec.chunk_type is not None and (stream or spec.kind == "sse"):
        chunk = synthesise(spec.chunk_type)

        async def chunks() -> AsyncIterator[Any]:
            yield chunk

        return EventStreamResponse(
            chunks(), spec.chunk_type, spec.terminator, operation=spec.name
        )
    if spec.kind == "binary":
        return Response(b"mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "text":
        return Response("mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "empty" or spec.response_type is None:
        return Response(status_code=spec.status) if spec.kind == "empty" else {}
    return synthesise(spec.response_type)


@lru_cache(maxsize=None)
def synthesise(tp: Any) -> Any:
    """A minimal valid instance of `tp` (a pydantic model or any type pydantic can validate).

    Built from the type's JSON schema: examples carried by the schema first, otherwise required
    fields only, the first enum value/const, the smallest value allowed by numeric bounds, and so on.
    Several strategies are tried until pydantic accepts the candidate.
    """
    adapter = _adapter(tp)
    schema = adapter.json_schema(mode="validation")
    last: Exception | None = None
    for strategy in _STRATEGIES:
        candidate = _Synth(schema, strategy).value(schema, 0)
        try:
            return adapter.validate_python(candidate)
        except ValidationError as exc:
            last = exc
    raise RuntimeError(f"cannot synthesise a mock value for {tp!r}: {last}")


@dataclass(frozen=True)
class _Strategy:
    examples: bool  # use "examples"/"example"/"default" found in the schema
    prefer_null: bool  # for unions allowing null, pick null
    last_member: bool  # for unions, pick the last member rather than the first


_STRATEGIES = (
    _Strategy(examples=True, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=True),
    _Strategy(examples=False, prefer_null=False, last_member=True),
)

_MAX_DEPTH = 24
_FORMATS: Mapping[str, Any] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "duration": "P1D",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "hostname": "example.com",
    "binary": "",
    "byte": "",
}
_STRING_CANDIDATES = ("string", "a", "0", "example", "A", "a-0", "")


@dataclass
class _Synth:
    root: Mapping[str, Any]
    strategy: _Strategy
    _active: set[str] = field(default_factory=set)

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = (
                node.get(part.replace("~1", "/").replace("~0", "~"), {})
                if isinstance(node, Mapping)
                else {}
            )
        merged = dict(node) if isinstance(node, Mapping) else {}
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        return merged

    def value(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, Mapping):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in self._active and depth > 2 or depth > _MAX_DEPTH:
                return None  # a cycle: stop here (works when the recursive field is nullable/optional)
            self._active.add(ref)
            try:
                return self.value(self.resolve(schema), depth + 1)
            finally:
                self._active.discard(ref)
        if "const" in schema:
            return schema["const"]
        if self.strategy.examples:
            for key in ("examples", "example"):
                found = schema.get(key)
                if key == "examples" and isinstance(found, list) and found:
                    return found[0]
                if key == "example" and found is not None:
                    return found
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            members = schema.get(key)
            if isinstance(members, list) and members:
                return self.union(schema, members, depth)
        if isinstance(schema.get("allOf"), list):
            result: Any = None
            for part in schema["allOf"]:
                got = self.value(part, depth + 1)
                result = (
                    {**result, **got}
                    if isinstance(result, dict) and isinstance(got, dict)
                    else got
                )
            return result
        typ = schema.get("type")
        if isinstance(typ, list):
            typ = next((t for t in typ if t != "null"), "null")
        if typ == "object" or (typ is None and "properties" in schema):
            return self.object(schema, depth)
        if typ == "array":
            return self.array(schema, depth)
        if typ == "string":
            return self.string(schema)
        if typ == "integer":
            return int(self.number(schema, integer=True))
        if typ == "number":
            return self.number(schema, integer=False)
        if typ == "boolean":
            return False
        return None

    def union(self, schema: Mapping[str, Any], members: list[Any], depth: int) -> Any:
        resolved = [self.resolve(m) if isinstance(m, Mapping) else {} for m in members]
        nullable = [i for i, m in enumerate(resolved) if m.get("type") == "null"]
        if nullable and self.strategy.prefer_null:
            return None
        order = [i for i in range(len(members)) if i not in nullable] or nullable
        if self.strategy.last_member:
            order.reverse()
        discriminator = schema.get("discriminator")
        value = self.value(members[order[0]], depth + 1)
        if isinstance(discriminator, Mapping) and isinstance(value, dict):
            prop = discriminator.get("propertyName")
            mapping = discriminator.get("mapping")
            ref = (
                members[order[0]].get("$ref")
                if isinstance(members[order[0]], Mapping)
                else None
            )
            if (
                isinstance(prop, str)
                and isinstance(mapping, Mapping)
                and prop not in value
            ):
                tag = next((k for k, v in mapping.items() if v == ref), None)
                if tag is not None:
                    value[prop] = tag
        return value

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        props = (
            schema.get("properties")
            if isinstance(schema.get("properties"), Mapping)
            else {}
        )
        assert isinstance(props, Mapping)
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        out: dict[str, Any] = {}
        for name in required:
            out[name] = self.value(props.get(name, {}), depth + 1)
        return out

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            return [self.value(item, depth + 1) for item in prefix]
        count = int(schema.get("minItems") or 0)
        if count == 0:
            return []
        item = self.value(schema.get("items", {}), depth + 1)
        if schema.get("uniqueItems") and count > 1:
            return (
                [item]
                if not isinstance(item, (str, int))
                else [
                    f"{item}{i}" if isinstance(item, str) else item + i
                    for i in range(count)
                ]
            )
        return [item for _ in range(min(count, 16))]

    def string(self, schema: Mapping[str, Any]) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            return str(_FORMATS[fmt])
        low = int(schema.get("minLength") or 0)
        high = schema.get("maxLength")
        pattern = schema.get("pattern")
        for base in _STRING_CANDIDATES:
            text = base
            if len(text) < low:
                text = text + "a" * (low - len(text))
            if isinstance(high, int) and len(text) > high:
                text = text[:high]
            if not isinstance(pattern, str):
                return text
            try:
                if re.search(pattern, text):
                    return text
            except re.error:
                return text
        return "a" * low

    def number(self, schema: Mapping[str, Any], *, integer: bool) -> float:
        low: float | None = None
        high: float | None = None
        step = 1 if integer else 0.5
        if isinstance(schema.get("minimum"), (int, float)):
            low = float(schema["minimum"])
        if isinstance(schema.get("exclusiveMinimum"), (int, float)):
            low = float(schema["exclusiveMinimum"]) + step
        if isinstance(schema.get("maximum"), (int, float)):
            high = float(schema["maximum"])
        if isinstance(schema.get("exclusiveMaximum"), (int, float)):
            high = float(schema["exclusiveMaximum"]) - step
        value = 0.0
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and multiple > 0:
            value = multiple * -(-value // multiple)  # the next multiple at or above
        if integer:
            value = float(int(-(-value // 1)))
        return value


# -- app wiring ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RouteDoc:
    """How one route appears in the OpenAPI output: the spec's own path and parameter names."""

    method: str  # lower case
    route_path: str  # as registered with FastAPI (path parameters are identifiers)
    spec_path: str  # as written in the spec
    renames: tuple[
        tuple[str, str], ...
    ] = ()  # (route parameter name, spec parameter name)
    secured: bool = False
    streams: bool = False
    # (location, wire name, type) of parameters that carry JSON text (documented as such)
    json_params: tuple[tuple[str, str, Any], ...] = ()
    chunk_type: Any = (
        None  # type of one server-sent event's data, when the operation streams
    )
    terminator: str | None = None  # final event data ("[DONE]")


def with_prefix(docs: Iterable[RouteDoc], prefix: str) -> list[RouteDoc]:
    """The route docs of an app mounted under `prefix` ("" or "/v1")."""
    return [
        RouteDoc(
            d.method,
            prefix + d.route_path,
            prefix + d.spec_path,
            d.renames,
            d.secured,
            d.streams,
            d.json_params,
            d.chunk_type,
            d.terminator,
        )
        for d in docs
    ]


def normalise_prefix(prefix: str) -> str:
    prefix = prefix.strip()
    if not prefix or prefix == "/":
        return ""
    return "/" + prefix.strip("/")


def install_openapi(
    app: FastAPI, docs: Iterable[RouteDoc], security_schemes: Mapping[str, Any]
) -> None:
    """Make `app.openapi()` show the spec's paths, security schemes and error responses."""
    docs = tuple(docs)
    done: set[int] = set()
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        if id(schema) not in done:
            _patch_openapi(schema, docs, security_schemes)
            done.add(id(schema))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _patch_openapi(
    schema: dict[str, Any],
    docs: Sequence[RouteDoc],
    security_schemes: Mapping[str, Any],
) -> None:
    paths: dict[str, Any] = schema.setdefault("paths", {})
    components: dict[str, Any] = schema.setdefault("components", {})
    components.setdefault("schemas", {})["ErrorResponse"] = ERROR_SCHEMA
    if security_schemes:
        components["securitySchemes"] = dict(security_schemes)
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}

    def error(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": error_ref}},
        }

    moved: dict[str, dict[str, Any]] = {}
    for doc in docs:
        item = paths.get(doc.route_path)
        if not isinstance(item, dict) or doc.method not in item:
            continue
        operation = item.pop(doc.method)
        if not item:
            del paths[doc.route_path]
        renames = dict(doc.renames)
        as_json = {(where, name): tp for where, name, tp in doc.json_params}
        for param in operation.get("parameters", []):
            if param.get("in") == "path" and param.get("name") in renames:
                param["name"] = renames[param["name"]]
            _drop_null(param)
            tp = as_json.get((param.get("in"), param.get("name")), None)
            if tp is not None:
                param.pop("schema", None)
                json_schema = _json_schema(tp, components)
                param["content"] = {"application/json": {"schema": json_schema}}
        responses = operation.setdefault("responses", {})
        if doc.chunk_type is not None:
            for response in responses.values():
                stream = response.get("content", {}).get("text/event-stream")
                if isinstance(stream, dict):
                    stream["schema"] = _event_schema(doc, components)
        responses.pop("422", None)
        responses["400"] = error("Invalid request")
        if doc.secured:
            responses["401"] = error("Missing credentials")
        responses["500"] = error("Server error")
        responses["501"] = error("Not implemented by this server")
        moved.setdefault(doc.spec_path, {})[doc.method] = operation
    for path, operations in moved.items():
        paths.setdefault(path, {}).update(operations)
    validation = components.get("schemas", {})
    if not any(
        "HTTPValidationError" in str(op)
        for item in paths.values()
        for op in item.values()
    ):
        validation.pop("HTTPValidationError", None)
        validation.pop("ValidationError", None)


def _event_schema(doc: RouteDoc, components: dict[str, Any]) -> dict[str, Any]:
    """One server-sent event (OpenAPI < 3.2: `schema` describes each event): JSON chunk data,
    or the terminator."""
    content = {
        "contentMediaType": "application/json",
        "contentSchema": _json_schema(doc.chunk_type, components, "serialization"),
    }
    data: dict[str, Any] = {"type": "string", **content}
    if doc.terminator is not None:
        data = {"type": "string", "if": {"const": doc.terminator}, "else": content}
    return {"type": "object", "required": ["data"], "properties": {"data": data}}


def _drop_null(param: dict[str, Any]) -> None:
    # FastAPI documents an optional parameter as `anyOf: [T, null]`; on the wire None is spelled
    # by leaving the parameter out, so the documented type is T alone.
    schema = param.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("anyOf"), list):
        return
    members = [m for m in schema["anyOf"] if m != {"type": "null"}]
    if len(members) == len(schema["anyOf"]):
        return
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    param["schema"] = (
        {**members[0], **rest} if len(members) == 1 else {**rest, "anyOf": members}
    )


def _json_schema(
    tp: Any, components: dict[str, Any], mode: JsonSchemaMode = "validation"
) -> dict[str, Any]:
    schema = _adapter(tp).json_schema(
        ref_template="#/components/schemas/{model}", mode=mode
    )
    schemas = components.setdefault("schemas", {})
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    return schema


def given_or(value: _T | None, default: Callable[[], _T]) -> _T:
    """`value`, or a fresh `default()` when it is None (create_app's unset services)."""
    return default() if value is None else value


def serve(
    app: FastAPI, host: str = "127.0.0.1", port: int = 8000, **options: Any
) -> None:
    """Run `app` with uvicorn (installed separately: `pip install uvicorn`)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, **options)
