"""Error answers: the OpenAI-style error body, HTTPError, and the app's exception handlers."""

from __future__ import annotations

import logging
from collections.abc import (
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, TypedDict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from .paths import allowed_methods

if TYPE_CHECKING:
    from typing_extensions import Unpack

logger = logging.getLogger(__package__ or __name__)


class ErrorDetails(TypedDict, total=False):
    """What an error answer may carry besides its status and message; `type` defaults to the
    status's (ERROR_TYPES), and `headers` are sent with the answer."""

    type: str | None
    param: str | None
    code: str | None
    headers: Mapping[str, str] | None


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


def error_schema(openapi_31: bool) -> dict[str, Any]:
    """The JSON schema of the error body, in the keywords of the OpenAPI version it goes into
    (3.0 spells an optional null `nullable: true`; 3.1 has JSON Schema's type null)."""
    text_or_null: dict[str, Any] = (
        {"type": ["string", "null"]}
        if openapi_31
        else {"type": "string", "nullable": True}
    )
    return {
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
                    "param": text_or_null,
                    "code": text_or_null,
                },
            }
        },
    }


# -- errors -------------------------------------------------------------------------------------
class HTTPError(Exception):
    """Raise from a service method to answer `status` with an OpenAI-style error body; the
    details (`type`, `param`, `code`, `headers`) are those of :class:`ErrorDetails`."""

    def __init__(
        self, status: int, message: str, **details: Unpack[ErrorDetails]
    ) -> None:
        unknown = details.keys() - ErrorDetails.__annotations__.keys()
        if unknown:  # as a mistyped keyword argument would be
            raise TypeError(
                f"unknown error details {sorted(unknown)}; known: {list(ErrorDetails.__annotations__)}"
            )
        super().__init__(message)
        self.status = int(status)
        self.message = message
        self.type = details.get("type") or ERROR_TYPES.get(self.status, "api_error")
        self.param = details.get("param")
        self.code = details.get("code")
        self.headers = dict(details.get("headers") or {})

    def response(self) -> JSONResponse:
        body = error_body(
            self.message, type=self.type, param=self.param, code=self.code
        )
        return JSONResponse(body, status_code=self.status, headers=self.headers or None)


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
    status: int, message: str, **details: Unpack[ErrorDetails]
) -> JSONResponse:
    """The error answer :class:`HTTPError` with these arguments gives."""
    return HTTPError(status, message, **details).response()


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
