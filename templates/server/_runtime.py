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
import types
import typing
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
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, TypeGuard, TypeVar

import anyio
from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaMode
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData
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
        if exc.status_code == 405:
            # Starlette names the methods of the first route matching the path only.
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
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
    multipart/form-data or application/x-www-form-urlencoded), for JSON a parse whose errors
    (syntax, not UTF-8, nested too deeply, oversized numbers) answer 400 with a precise message,
    then the spec itself (`contract`, set by install_contract): every parameter and the body
    against their schemas, 400 naming the first value that breaks them.

    Path variables match one segment, which may hold an encoded slash (`%2F`, see EncodedSlashes).
    """

    contract: tuple[Contract, OperationContract, Mapping[str, str]] | None = None

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(_with_segment_convertor(path), endpoint, **kwargs)

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
            value: Any = _NO_BODY
            if body == "json":
                problem = await check_json_body(request)
                if problem is not None:
                    return problem
                if await request.body():
                    value = await request.json()
            elif body == "form" and _has_body(request):
                media = _media_type(request)
                if media not in (
                    "multipart/form-data",
                    "application/x-www-form-urlencoded",
                ):
                    return _unsupported(media, "multipart/form-data")
                value = await _keep_empty_fields(request)
            if self.contract is not None:
                contract, operation, renames = self.contract
                try:
                    nulls = contract.check_request(operation, request, renames, value)
                except Invalid as exc:
                    return contract_response(exc)
                if nulls and isinstance(value, FormData):
                    request._form = FormData(
                        [(k, v) for k, v in value.multi_items() if k not in nulls]
                    )
            return await handler(request)

        return guarded


class _EmptyText(str):
    """A form field sent empty. FastAPI takes `value == ""` in a form for a missing field (an HTML
    form's untouched input); an API client that sends `prompt=` did send a value, which the spec
    then judges (minLength, enum...)."""

    def __eq__(self, other: object) -> bool:
        return False if other == "" else str.__eq__(self, other)

    __hash__ = str.__hash__


async def _keep_empty_fields(request: Request) -> Any:
    form = await request.form()
    if any(value == "" for _, value in form.multi_items()):
        kept = FormData(
            [(k, _EmptyText() if v == "" else v) for k, v in form.multi_items()]
        )
        request._form = kept  # Starlette's parsed-form cache, which FastAPI reads next
        return kept
    return form


# Path variables hold one segment, which may contain "/" sent as %2F: EncodedSlashes turns such a
# slash into this character before routing, the convertor turns it back in the value.
_SLASH_STAND_IN = "\x00"
_SEGMENT = "portkey_segment"
_PLACEHOLDER = re.compile(r"\{([^{}:]+)\}")


class _SegmentConvertor(Convertor[str]):
    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return value.replace(_SLASH_STAND_IN, "/")

    def to_string(self, value: str) -> str:
        return str(value).replace("/", _SLASH_STAND_IN)


register_url_convertor(_SEGMENT, _SegmentConvertor())


def _with_segment_convertor(path: str) -> str:
    return _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + ":" + _SEGMENT + "}", path)


class EncodedSlashes:
    """ASGI middleware: a `%2F` inside a path segment stays inside that segment.

    Servers decode the path before routing, so `/models/%40openai%2Fgpt-4o` would become three
    segments and miss `/models/{model}`; from the raw path, each segment is decoded on its own.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") if scope["type"] == "http" else None
        if isinstance(raw, bytes) and b"%2f" in raw.lower() and b"%00" not in raw:
            from urllib.parse import unquote

            path = raw.split(b"?", 1)[0].decode("latin-1")
            segments = [
                unquote(part).replace("/", _SLASH_STAND_IN) for part in path.split("/")
            ]
            scope = {**scope, "path": "/".join(segments)}
        await self.app(scope, receive, send)


def allowed_methods(request: Request) -> list[str]:
    """The methods of the spec path the request's path is (for a 405's Allow).

    Of the route templates matching the path, the most literal one is that path: `/users/invites`
    is `/users/invites`, not `/users/{userId}`, though a DELETE there would reach the latter.
    """
    docs: Sequence[RouteDoc] = getattr(request.app.state, "route_docs", ())
    path = request.scope.get("path", "")
    matching = [d for d in docs if _path_pattern(d.route_path).fullmatch(path)]
    if not matching:
        return []
    best = max(_literal_segments(d.route_path) for d in matching)
    methods = {
        d.method.upper() for d in matching if _literal_segments(d.route_path) == best
    }
    if "GET" in methods:
        methods.add("HEAD")  # Starlette answers HEAD wherever it answers GET
    return sorted(methods)


def _literal_segments(route_path: str) -> tuple[bool, ...]:
    return tuple("{" not in part for part in route_path.split("/"))


@lru_cache(maxsize=4096)
def _path_pattern(route_path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^{}]+\})", route_path)
    return re.compile(
        "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    )


def install_contract(owner: Any, contract: Contract, docs: Iterable[RouteDoc]) -> None:
    """Attach the spec's operation to each generated route of `owner` (an app or a router)."""
    by_route = {(d.method.upper(), d.route_path): d for d in docs}
    for route in getattr(owner, "routes", ()):
        if not isinstance(route, GuardedRoute):
            continue
        for method in route.methods or ():
            doc = by_route.get((method, route.path_format))
            if doc is None:
                continue
            operation = contract.operation(doc.method, doc.spec_path[len(doc.prefix) :])
            if operation is not None:
                route.contract = (contract, operation, dict(doc.renames))


# -- request helpers ----------------------------------------------------------------------------
def json_param(raw: Any, tp: Any, name: str, location: str) -> Any:
    """A parameter that carries JSON text (an object in a header, say), validated into `tp`."""
    if raw is None:
        return None
    try:
        if location in ("header", "path") and not str(raw).lstrip().startswith("{"):
            plain = simple_object(str(raw), explode=False)
            if plain is not None:
                return _adapter(tp).validate_python(plain)
        if _nests_deeper(str(raw).encode("utf-8", "surrogatepass"), MAX_JSON_DEPTH):
            raise HTTPError(
                400,
                f"Invalid {location} parameter {name!r}: JSON nested deeper than {MAX_JSON_DEPTH} levels",
                param=name,
                code="json_too_deep",
            )
        return _adapter(tp).validate_json(raw)
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


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """An object schema's `properties` (empty when absent or not a mapping)."""
    props = schema.get("properties")
    return props if isinstance(props, Mapping) else {}


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
        return _adapter(tp).validate_python(value)
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
        if _nests_deeper(text.encode("utf-8", "surrogatepass"), MAX_JSON_DEPTH):
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
            return mock_result(spec, stream, _route_of(ctx))
        return exc.response()
    except StarletteHTTPException:
        raise  # fastapi.HTTPException from user code: the installed handler shapes it
    except NotImplementedError:
        if mock:
            return mock_result(spec, stream, _route_of(ctx))
        return not_implemented(spec.name).response()
    except Exception:
        logger.exception("unhandled error in operation %s", spec.name)
        return internal_error()
    return shape_result(spec, result, stream)


def _route_of(ctx: Any) -> Any:
    request = getattr(ctx, "request", None)
    return request.scope.get("route") if request is not None else None


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
def mock_result(spec: OperationSpec, stream: bool, route: Any = None) -> Any:
    """A response for `spec` that validates against its response type (mock mode).

    With the route's contract (the spec), the operation's own example comes first when it is
    valid; otherwise a value generated from the spec's schema (every property, formats honoured),
    then one from the response model alone. A stream sends a few chunks.
    """
    found = getattr(route, "contract", None)
    if spec.chunk_type is not None and (stream or spec.kind == "sse"):
        chunk = None
        if found is not None:
            chunk = _from_contract(
                found[0], found[1], spec, "text/event-stream", spec.chunk_type
            )
        if chunk is None:
            chunk = synthesise(spec.chunk_type)
        events = [chunk] * _MOCK_CHUNKS

        async def chunks() -> AsyncIterator[Any]:
            for event in events:
                yield event

        return EventStreamResponse(
            chunks(), spec.chunk_type, spec.terminator, operation=spec.name
        )
    if spec.kind == "binary":
        return Response(b"mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "text":
        return Response("mock", status_code=spec.status, media_type=spec.media_type)
    if spec.kind == "empty" or spec.response_type is None:
        return Response(status_code=spec.status) if spec.kind == "empty" else {}
    if found is not None:
        value = _from_contract(
            found[0], found[1], spec, "application/json", spec.response_type
        )
        if value is not None:
            return value
    return synthesise(spec.response_type)


_MOCK_CHUNKS = 3


def _from_contract(
    contract: Contract,
    operation: OperationContract,
    spec: OperationSpec,
    media: str,
    tp: Any,
) -> Any:
    key = (id(contract), operation.method, operation.path, media)
    if key not in _MOCKS:
        _MOCKS[key] = _mock_from_spec(contract, operation, spec, media, tp)
    return _MOCKS[key]


_MOCKS: dict[tuple[Any, ...], Any] = {}


def _mock_from_spec(
    contract: Contract,
    operation: OperationContract,
    spec: OperationSpec,
    media: str,
    tp: Any,
) -> Any:
    responses = operation.operation.get("responses") or {}
    response = contract.checker.resolve(responses.get(str(spec.status)) or {})
    content = (response.get("content") or {}) if isinstance(response, Mapping) else {}
    entry = content.get(media)
    if not isinstance(entry, Mapping):
        return None
    schema = entry.get("schema") or {}
    checker = SchemaChecker(contract.document, request=False)
    candidates: list[Any] = []
    if "example" in entry:
        candidates.append(entry["example"])
    for example in (entry.get("examples") or {}).values():
        example = contract.checker.resolve(example)
        if isinstance(example, Mapping) and "value" in example:
            candidates.append(example["value"])
    for strategy in _MOCK_STRATEGIES:
        candidates.append(_Synth(contract.document, strategy).value(schema, 0))
    adapter = _adapter(tp)
    for candidate in candidates:
        try:
            checker.check(candidate, schema, "response")
            adapter.validate_python(candidate)
        except (Invalid, ValidationError, RecursionError):
            continue
        return candidate
    return None


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
    full: bool = (
        False  # optional properties too, and one item in arrays that may be empty
    )


_STRATEGIES = (
    _Strategy(examples=True, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=False, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=False),
    _Strategy(examples=False, prefer_null=True, last_member=True),
    _Strategy(examples=False, prefer_null=False, last_member=True),
)

# The mock answers with every property first (`full`), then as the checks do; never null-first.
_MOCK_BASE = (_STRATEGIES[0], _STRATEGIES[1], _STRATEGIES[4])
_MOCK_STRATEGIES = tuple(replace(s, full=True) for s in _MOCK_BASE) + _MOCK_BASE

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
        props = _properties(schema)
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        out: dict[str, Any] = {}
        names = list(props) if self.strategy.full and depth < 8 else required
        for name in names:
            if name not in required and isinstance(props[name], Mapping):
                if self.resolve(props[name]).get("writeOnly") is True:
                    continue
            out[name] = self.value(props.get(name, {}), depth + 1)
        return out

    def array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            return [self.value(item, depth + 1) for item in prefix]
        count = int(schema.get("minItems") or 0)
        if (
            count == 0
            and self.strategy.full
            and depth < 8
            and schema.get("maxItems") != 0
        ):
            count = 1
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
    prefix: str = ""  # what with_prefix put in front of both paths


def with_prefix(docs: Iterable[RouteDoc], prefix: str) -> list[RouteDoc]:
    """The route docs of an app mounted under `prefix` ("" or "/v1")."""
    return [
        replace(
            d,
            route_path=prefix + d.route_path,
            spec_path=prefix + d.spec_path,
            prefix=prefix + d.prefix,
        )
        for d in docs
    ]


def normalise_prefix(prefix: str) -> str:
    prefix = prefix.strip()
    if not prefix or prefix == "/":
        return ""
    return "/" + prefix.strip("/")


def install_openapi(
    app: FastAPI,
    docs: Iterable[RouteDoc],
    security_schemes: Mapping[str, Any],
    contract: Contract | None = None,
) -> None:
    """Make `app.openapi()` the spec itself (after the overlay), with what the server adds.

    Everything of the spec stays as written (operationIds, tags, servers, examples, schemas); the
    server adds only the error answers it can give on top of the documented ones (400, 401 when
    secured, 413/415 when there is a body, 500, 501), and the prefix it is mounted under. Without
    a contract (a package generated before the spec was shipped) FastAPI's own schema is patched.
    """
    docs = tuple(docs)
    app.state.route_docs = docs  # for the Allow header of 405 answers
    if contract is None or not contract.document.get("paths"):
        _install_patched_openapi(app, docs, security_schemes)
        return
    cached: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not cached:
            cached.append(_served_spec(contract.document, docs))
        return cached[0]

    app.openapi = openapi  # type: ignore[method-assign]


def _served_spec(
    document: Mapping[str, Any], docs: Sequence[RouteDoc]
) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(
        json.dumps(document)
    )  # a copy: the contract keeps the original
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    name = "ErrorResponse"
    while name in schemas and schemas[name] != ERROR_SCHEMA:
        name = "Server" + name  # the spec has its own ErrorResponse
    schemas[name] = ERROR_SCHEMA
    error_ref = {"$ref": f"#/components/schemas/{name}"}
    answers = {
        "400": "Invalid request",
        "401": "Missing credentials",
        "413": "Request body too large",
        "415": "Unsupported media type",
        "500": "Server error",
        "501": "Not implemented by this server",
    }
    paths = spec.get("paths") or {}
    for doc in docs:
        item = paths.get(doc.spec_path[len(doc.prefix) :])
        if not isinstance(item, dict) or not isinstance(item.get(doc.method), dict):
            continue
        responses = item[doc.method].setdefault("responses", {})
        has_body = "requestBody" in item[doc.method]
        for status, description in answers.items():
            if status == "401" and not doc.secured:
                continue
            if status in ("413", "415") and not has_body:
                continue
            responses.setdefault(
                status,
                {
                    "description": description,
                    "content": {"application/json": {"schema": error_ref}},
                },
            )
        for response in responses.values():
            stream = (response.get("content") or {}).get("text/event-stream")
            if isinstance(stream, dict) and isinstance(stream.get("schema"), dict):
                stream["schema"] = _event_of(
                    stream["schema"], stream.get("x-stream-terminator")
                )
    # This server first (relative to where the document is served), then the spec's own.
    prefix = next((d.prefix for d in docs if d.prefix), "")
    here = {"url": prefix or "/", "description": "This server"}
    spec["servers"] = [here] + list(spec.get("servers") or [])
    # Path- and operation-level servers override the top level: this server comes first there too.
    for item in paths.values():
        for node in [item, *(v for v in item.values() if isinstance(v, dict))]:
            if isinstance(node, dict) and isinstance(node.get("servers"), list):
                node["servers"] = [here] + node["servers"]
    return spec


def _event_of(data_schema: dict[str, Any], terminator: Any) -> dict[str, Any]:
    """The schema of one server-sent event whose `data` is JSON of `data_schema` (OpenAPI < 3.2:
    the `text/event-stream` schema describes each event, so the spec's chunk schema moves into
    `data`), or the terminator."""
    if data_schema.get("required") == ["data"]:
        return data_schema  # already an event
    return _event_envelope(
        data_schema, terminator if isinstance(terminator, str) else None
    )


def _event_envelope(
    data_schema: dict[str, Any], terminator: str | None
) -> dict[str, Any]:
    """An event whose `data` is JSON of `data_schema`, or the terminator when there is one."""
    content = {"contentMediaType": "application/json", "contentSchema": data_schema}
    data: dict[str, Any] = {"type": "string", **content}
    if terminator is not None:
        data = {"type": "string", "if": {"const": terminator}, "else": content}
    return {"type": "object", "required": ["data"], "properties": {"data": data}}


def _install_patched_openapi(
    app: FastAPI, docs: Sequence[RouteDoc], security_schemes: Mapping[str, Any]
) -> None:
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
    return _event_envelope(
        _json_schema(doc.chunk_type, components, "serialization"), doc.terminator
    )


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


# -- the contract: the spec itself, enforced on requests ---------------------------------------
# OpenAPI 3.0 schema keywords are checked here, on the raw wire values, before the pydantic
# models see them: the models are lenient on purpose (they coerce "3" to 3.0, accept null for any
# optional field, ignore formats) because the client reads responses with them; a server must
# hold requests to the letter of the spec.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")
_QUERY_DELIMITERS = {
    "spaceDelimited": " ",
    "pipeDelimited": "|",
}  # OpenAPI styles of one-value arrays
_INTEGER_TEXT = re.compile(r"^-?\d+$")
_NUMBER_TEXT = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def _valid_date(text: str) -> bool:
    import datetime

    try:
        datetime.date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _format_ok(fmt: str, text: str) -> bool:
    if fmt == "date-time":
        return bool(_DATE_TIME.match(text)) and _valid_date(text)
    if fmt == "date":
        return bool(_DATE.match(text)) and _valid_date(text)
    if fmt == "uuid":
        return bool(_UUID.match(text))
    if fmt == "email":
        return bool(_EMAIL.match(text))
    if fmt in ("uri", "url"):
        return bool(_URI.match(text))
    if fmt in ("ipv4", "ipv6"):
        import ipaddress

        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return False
        return address.version == (4 if fmt == "ipv4" else 6)
    return True  # formats the spec only uses as documentation (binary, password, ...)


class Invalid(Exception):
    """A value that breaks the contract: `where` is its path ("body.messages.0.role")."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class SchemaChecker:
    """Validates JSON values against OpenAPI 3.0 schemas of one document (local $refs)."""

    def __init__(self, document: Mapping[str, Any], *, request: bool = True) -> None:
        self.document = document
        self.request = request  # readOnly properties are not required in requests

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if not ref.startswith("#/") or seen > 64:
                return {}
            node: Any = self.document
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                node = node.get(part) if isinstance(node, Mapping) else None
            schema, seen = node if isinstance(node, Mapping) else {}, seen + 1
        return schema

    def check(self, value: Any, schema: Any, where: str, depth: int = 0) -> None:
        # `nullable` next to a $ref counts (as tools read it), though 3.0 ignores $ref siblings.
        beside_ref = isinstance(schema, Mapping) and "$ref" in schema
        if value is None and beside_ref and schema.get("nullable") is True:
            return
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping) or depth > 200:
            return
        nullable = schema.get("nullable") is True
        if value is None:
            enum = schema.get("enum")
            if isinstance(enum, list):
                # OpenAPI 3.0.3: an enum must list null for null to be allowed.
                if None in enum:
                    return
                raise Invalid(where, "null is not allowed here")
            if nullable or not _constrains_type(schema):
                return
            if "type" in schema or "properties" in schema:
                raise Invalid(where, "null is not allowed here")
            # A composition: its members decide (one of them may be nullable).
        if "enum" in schema and isinstance(schema["enum"], list):
            if not any(_same(value, option) for option in schema["enum"]):
                options = ", ".join(json.dumps(o) for o in schema["enum"][:8])
                raise Invalid(where, f"must be one of {options}")
        typ = schema.get("type")
        if isinstance(typ, str):
            self._type(value, typ, where)
        for part in schema.get("allOf") or ():
            self.check(value, part, where, depth + 1)
        if isinstance(schema.get("anyOf"), list) and schema["anyOf"]:
            self._any(value, schema["anyOf"], where, depth)
        if isinstance(schema.get("oneOf"), list) and schema["oneOf"]:
            self._one(value, schema, where, depth)
        if isinstance(schema.get("not"), Mapping):
            try:
                self.check(value, schema["not"], where, depth + 1)
            except Invalid:
                pass
            else:
                raise Invalid(where, "matches a schema it must not match")
        if isinstance(value, str):
            self._string(value, schema, where)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._number(value, schema, where)
        elif isinstance(value, list):
            self._array(value, schema, where, depth)
        elif isinstance(value, dict):
            self._object(value, schema, where, depth)

    def _type(self, value: Any, typ: str, where: str) -> None:
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int)
            and not isinstance(value, bool)
            or isinstance(value, float)
            and value.is_integer(),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }.get(typ, True)
        if not ok:
            raise Invalid(where, f"must be of type {typ}, not {_json_type(value)}")

    def _any(self, value: Any, members: list[Any], where: str, depth: int) -> None:
        first: Invalid | None = None
        for member in members:
            try:
                self.check(value, member, where, depth + 1)
                return
            except Invalid as exc:
                first = first or exc
        raise Invalid(
            where,
            _none_matched(first),
        )

    def _one(
        self, value: Any, schema: Mapping[str, Any], where: str, depth: int
    ) -> None:
        members = schema["oneOf"]
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, Mapping) and isinstance(value, dict):
            prop = discriminator.get("propertyName")
            mapping = discriminator.get("mapping")
            tag = value.get(prop) if isinstance(prop, str) else None
            if isinstance(tag, str) and isinstance(mapping, Mapping) and tag in mapping:
                target = mapping[tag]
                chosen = [
                    m
                    for m in members
                    if isinstance(m, Mapping) and m.get("$ref") == target
                ]
                if len(chosen) == 1:
                    self.check(value, chosen[0], where, depth + 1)
                    return
        matched = 0
        first: Invalid | None = None
        for member in members:
            try:
                self.check(value, member, where, depth + 1)
                matched += 1
            except Invalid as exc:
                first = first or exc
        if matched == 0:
            raise Invalid(
                where,
                _none_matched(first),
            )
        if matched > 1:
            raise Invalid(
                where, f"matches {matched} of the schemas where exactly one must match"
            )

    def _string(self, value: str, schema: Mapping[str, Any], where: str) -> None:
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(low, int) and len(value) < low:
            raise Invalid(where, f"must be at least {low} characters long")
        if isinstance(high, int) and len(value) > high:
            raise Invalid(where, f"must be at most {high} characters long")
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not _matches(pattern, value):
            raise Invalid(where, f"must match the pattern {pattern!r}")
        fmt = schema.get("format")
        if isinstance(fmt, str) and not _format_ok(fmt, value):
            raise Invalid(where, f"is not a valid {fmt}")

    def _number(self, value: float, schema: Mapping[str, Any], where: str) -> None:
        low, high = schema.get("minimum"), schema.get("maximum")
        exclusive_low, exclusive_high = (
            schema.get("exclusiveMinimum"),
            schema.get("exclusiveMaximum"),
        )
        if _is_number(low):
            if exclusive_low is True and value <= low:
                raise Invalid(where, f"must be greater than {low}")
            if value < low:
                raise Invalid(where, f"must be at least {low}")
        if _is_number(high):
            if exclusive_high is True and value >= high:
                raise Invalid(where, f"must be less than {high}")
            if value > high:
                raise Invalid(where, f"must be at most {high}")
        if _is_number(exclusive_low) and value <= exclusive_low:
            raise Invalid(where, f"must be greater than {exclusive_low}")
        if _is_number(exclusive_high) and value >= exclusive_high:
            raise Invalid(where, f"must be less than {exclusive_high}")
        step = schema.get("multipleOf")
        if _is_number(step) and step > 0:
            quotient = value / step
            if abs(quotient - round(quotient)) > 1e-9:
                raise Invalid(where, f"must be a multiple of {step}")

    def _array(
        self, value: list[Any], schema: Mapping[str, Any], where: str, depth: int
    ) -> None:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) and len(value) < low:
            raise Invalid(where, f"must have at least {low} items")
        if isinstance(high, int) and len(value) > high:
            raise Invalid(where, f"must have at most {high} items")
        if schema.get("uniqueItems") is True:
            seen = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(seen)) != len(seen):
                raise Invalid(where, "must not repeat items")
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                self.check(item, items, f"{where}.{i}", depth + 1)

    def _object(
        self, value: dict[str, Any], schema: Mapping[str, Any], where: str, depth: int
    ) -> None:
        props = _properties(schema)
        for name in schema.get("required") or ():
            if name not in value:
                if (
                    self.request
                    and self.resolve(props.get(name, {})).get("readOnly") is True
                ):
                    continue
                raise Invalid(f"{where}.{name}", "is required")
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if isinstance(low, int) and len(value) < low:
            raise Invalid(where, f"must have at least {low} properties")
        if isinstance(high, int) and len(value) > high:
            raise Invalid(where, f"must have at most {high} properties")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                self.check(item, props[name], f"{where}.{name}", depth + 1)
            elif extra is False and name not in (schema.get("required") or ()):
                # A name `required` lists is known even where `properties` forgets it (the
                # spec's CreateRunRequest requires thread_id under additionalProperties: false).
                raise Invalid(f"{where}.{name}", "is not a known property")
            elif isinstance(extra, Mapping):
                self.check(item, extra, f"{where}.{name}", depth + 1)


def _none_matched(first: Invalid | None) -> str:
    detail = f" (the first: {first.where} {first.message})" if first else ""
    return "matches none of the allowed schemas" + detail


def _constrains_type(schema: Mapping[str, Any]) -> bool:
    # OpenAPI 3.0: null is a value only where `nullable: true` says so; a schema with no type
    # (and no composition) accepts anything.
    return any(
        k in schema for k in ("type", "allOf", "anyOf", "oneOf", "enum", "properties")
    )


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return (
            None  # an ECMA-only construct: not checked rather than refusing everything
        )


def _matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is None or compiled.search(value) is not None


@dataclass(frozen=True)
class OperationContract:
    """One operation of the spec: its parameters (path-level merged in) and request body."""

    method: str
    path: str
    operation: Mapping[str, Any]
    parameters: tuple[Mapping[str, Any], ...]
    body: Mapping[str, Any] | None


class Contract:
    """The spec document the server was generated from: served as /openapi.json, enforced on requests."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.checker = SchemaChecker(document)

    @classmethod
    def load(cls, path: Any) -> "Contract":
        from pathlib import Path

        file = Path(path)
        return cls(json.loads(file.read_text("utf-8")) if file.is_file() else {})

    def operation(self, method: str, path: str) -> OperationContract | None:
        item = (self.document.get("paths") or {}).get(path)
        item = self.checker.resolve(item)
        if not isinstance(item, Mapping) or not isinstance(item.get(method), Mapping):
            return None
        op = item[method]
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in list(item.get("parameters") or []) + list(
            op.get("parameters") or []
        ):
            param = self.checker.resolve(raw)
            if isinstance(param, Mapping) and isinstance(param.get("name"), str):
                merged[(str(param.get("in")), param["name"])] = param
        body = self.checker.resolve(op.get("requestBody"))
        return OperationContract(
            method,
            path,
            op,
            tuple(merged.values()),
            body if isinstance(body, Mapping) else None,
        )

    def check_request(
        self,
        contract: OperationContract,
        request: Request,
        renames: Mapping[str, str],
        body: Any,
    ) -> set[str]:
        """Raise Invalid for the first parameter or body value that breaks the spec; return the
        form fields sent as `null`, which the route then drops (FastAPI would parse "null").
        """
        path_values = {renames.get(k, k): v for k, v in request.path_params.items()}
        for param in contract.parameters:
            where, name = str(param.get("in")), str(param["name"])
            schema = param.get("schema")
            if where == "path":
                raw: Any = path_values.get(name)
                values = [] if raw is None else [str(raw)]
            elif where == "query":
                values = request.query_params.getlist(name)
                if not values and param.get("style") == "deepObject":
                    deep = deep_object_pairs(request.query_params.multi_items(), name)
                    if deep is not None:
                        label = f"{where}.{name}"
                        value = self._deep_object(
                            deep, self.checker.resolve(schema), label
                        )
                        self.checker.check(value, schema, label)
                        continue
            elif where == "header":
                values = request.headers.getlist(name)
            elif where == "cookie":
                values = [request.cookies[name]] if name in request.cookies else []
            else:
                continue
            label = f"{where}.{name}"
            if not values:
                if param.get("required") is True or where == "path":
                    raise Invalid(label, "is required")
                continue
            if schema is None:
                continue
            value = self._from_text(values, self.checker.resolve(schema), param, label)
            self.checker.check(value, schema, label)
        if contract.body is not None and body is not _NO_BODY:
            content = contract.body.get("content") or {}
            media = _media_type(request)
            entry = content.get(media) or next(
                (v for k, v in content.items() if _media_matches(k, media)), None
            )
            schema = entry.get("schema") if isinstance(entry, Mapping) else None
            if schema is not None:
                if media in (
                    "multipart/form-data",
                    "application/x-www-form-urlencoded",
                ):
                    return self._check_form(body, schema)
                self.checker.check(body, schema, "body")
        return set()

    def _from_text(
        self, values: list[str], schema: Any, param: Mapping[str, Any], label: str
    ) -> Any:
        schema = schema if isinstance(schema, Mapping) else {}
        typ = schema.get("type")
        if typ == "array":
            items = self.checker.resolve(schema.get("items") or {})
            delimiter = _QUERY_DELIMITERS.get(str(param.get("style")), ",")
            if (
                param.get("explode") is False
                or param.get("in") in ("path", "header")
                or param.get("style") in _QUERY_DELIMITERS
            ):
                values = [part for v in values for part in v.split(delimiter)]
            return [self._scalar(v, items, label) for v in values]
        if typ == "object":
            value = simple_object(values[-1], explode=param.get("explode") is True)
            if value is None:
                raise Invalid(label, "must be a JSON object (or key,value pairs)")
            return value
        return self._scalar(values[-1], schema, label)

    def _deep_object(self, pairs: Mapping[str, Any], schema: Any, label: str) -> Any:
        """A deepObject's `name[key]` texts, each read as its property's type."""
        props = _properties(schema) if isinstance(schema, Mapping) else {}
        out: dict[str, Any] = {}
        for key, text in pairs.items():
            prop = self.checker.resolve(props.get(key) or {})
            prop = prop if isinstance(prop, Mapping) else {}
            where = f"{label}.{key}"
            if prop.get("type") == "array":
                item = self.checker.resolve(prop.get("items") or {})
                texts = text if isinstance(text, list) else [text]
                out[key] = [self._scalar(t, item, where) for t in texts]
            elif isinstance(text, list):
                raise Invalid(where, "is given more than once")
            else:
                out[key] = self._scalar(text, prop, where)
        return out

    def _scalar(self, text: str, schema: Mapping[str, Any], label: str) -> Any:
        typ = schema.get("type")
        if typ == "integer":
            if not _INTEGER_TEXT.match(text):
                raise Invalid(label, f"must be an integer, not {text!r}")
            return int(text)
        if typ == "number":
            if not _NUMBER_TEXT.match(text):
                raise Invalid(label, f"must be a number, not {text!r}")
            return float(text)
        if typ == "boolean":
            if text not in ("true", "false"):
                raise Invalid(label, f"must be true or false, not {text!r}")
            return text == "true"
        return text

    def _check_form(self, form: Any, schema: Any) -> set[str]:
        """Check the form's fields; the names of those sent as `null` (nullable, not strings)."""
        nulls: set[str] = set()
        schema = self.checker.resolve(schema)
        if not isinstance(schema, Mapping) or not hasattr(form, "getlist"):
            return nulls
        props = _properties(schema)
        for name in schema.get("required") or ():
            if name not in form:
                raise Invalid(f"body.{name}", "is required")
        if schema.get("additionalProperties") is False:
            for name in form:
                if name not in props:
                    raise Invalid(f"body.{name}", "is not a known field")
        for name, prop in props.items():
            values = [v for v in form.getlist(name) if isinstance(v, str)]
            if not values:
                continue
            resolved = self.checker.resolve(prop)
            if not isinstance(resolved, Mapping) or resolved.get("format") in (
                "binary",
                "byte",
            ):
                continue
            label = f"body.{name}"
            typ = resolved.get("type")
            nullable = resolved.get("nullable") is True or (
                isinstance(prop, Mapping) and prop.get("nullable") is True
            )
            value: Any
            if values == ["null"] and typ != "string" and nullable:
                value = None
                nulls.add(name)
            elif typ in ("object", "array", None) and values[0][:1] in ("[", "{"):
                # Structured fields travel as JSON text (as the generated client sends them).
                try:
                    value = json.loads(values[0])
                except ValueError:
                    value = values[0]
                if typ == "array" and not isinstance(value, list):
                    value = self._from_text(values, resolved, {"in": "query"}, label)
            else:
                value = self._from_text(values, resolved, {"in": "query"}, label)
            self.checker.check(value, prop, label)
        return nulls


_NO_BODY = object()


@lru_cache(maxsize=None)
def load_contract(module_file: str) -> Contract:
    """The Contract of the spec shipped beside `module_file` (the package's openapi.json), read once."""
    from pathlib import Path

    return Contract.load(Path(module_file).with_name("openapi.json"))


def _media_matches(declared: str, media: str) -> bool:
    declared = declared.lower()
    if declared in ("*/*", media):
        return True
    if declared.endswith("/*"):
        return media.startswith(declared[:-1])
    return declared == "application/json" and media.endswith("+json")


def contract_response(exc: Invalid) -> JSONResponse:
    where, _, name = exc.where.partition(".")
    place = {"body": "body field", "query": "query parameter", "path": "path parameter",
             "header": "header", "cookie": "cookie"}.get(where, "value")  # fmt: skip
    param = name or exc.where
    return error_response(
        400,
        (
            f"Invalid {place} {param!r}: {exc.message}."
            if name
            else f"Invalid request body: {exc.message}."
        ),
        param=param,
        code="invalid_value",
    )


def install_docs(app: FastAPI, url: str) -> None:
    """`url` answers an HTML page listing every operation of app.openapi(): no script, no
    stylesheet from elsewhere, so it works offline (Swagger UI would load its assets from a CDN).
    """
    from html import escape

    from starlette.responses import HTMLResponse

    async def docs(request: Request) -> Response:
        spec = app.openapi()
        info = spec.get("info") or {}
        rows = []
        for path, item in (spec.get("paths") or {}).items():
            for method, op in item.items():
                if not isinstance(op, dict) or method not in _HTTP_METHODS:
                    continue
                rows.append(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>".format(
                        escape(method.upper()),
                        escape(path),
                        escape(str(op.get("operationId") or "")),
                        escape(str(op.get("summary") or "")),
                    )
                )
        openapi_url = escape(app.openapi_url or "")
        page = (
            "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            "<h1>{title} {version}</h1><p>{description}</p><p>The contract: <a href='{url}'>{url}</a></p>"
            "<table><tr><th>method</th><th>path</th><th>operationId</th><th>summary</th></tr>{rows}</table>"
            "</body></html>"
        ).format(
            title=escape(str(info.get("title") or "")),
            version=escape(str(info.get("version") or "")),
            description=escape(str(info.get("description") or "")),
            url=openapi_url,
            rows="".join(rows),
        )
        return HTMLResponse(page)

    app.add_route(url, docs, include_in_schema=False)


_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
