"""Runtime support for the generated FastAPI server, one module per concern.

This folder is static (copied verbatim by portkey-codegen, not rendered): everything that does not
depend on the spec lives here, so the generated modules stay declarations. It imports only
fastapi/starlette/pydantic (and anyio, which starlette depends on) and nothing from the package
it is copied into, so it can be vendored under any import path.

    errors     the OpenAI-style error body, HTTPError, exception handlers
    security   credentials per security scheme, the 401
    limits     body size, media type, JSON syntax and depth (before a body is parsed)
    paths      route paths: one-segment variables, spec paths, prefixes, Allow
    params     parameters FastAPI does not decode: JSON text, delimited, deepObject, raw bodies
    schema     OpenAPI 3.0 schema checking of raw values, and the one $ref resolver
    contract   the spec enforced on a request's parameters and body
    routing    GuardedRoute: the checks above, in order, before FastAPI reads the body
    dispatch   calling a service method and shaping its result
    sse        server-sent events and streamed bytes
    mock       answers generated from the spec or the response model
    openapi    the served /openapi.json
    docs       the /docs page

The generated modules use the names below (`from .. import _runtime as _rt`).
"""

from __future__ import annotations

from .contract import Contract, load_contract
from .dispatch import OperationSpec, dispatch, flag_set, given_or, serve
from .docs import install_docs
from .errors import (
    HTTPError,
    RequestBodyTooLarge,
    error_body,
    error_response,
    install_error_handlers,
    not_implemented,
)
from .limits import (
    DEFAULT_MAX_BODY_SIZE,
    MAX_JSON_DEPTH,
    BodySizeLimit,
    install_body_limit,
)
from .openapi import install_openapi
from .params import deep_object_param, delimited_param, json_param, read_body
from .paths import EncodedSlashes, RouteDoc, normalise_prefix, with_prefix
from .routing import GuardedRoute, install_contract
from .security import check_security, credential, security_check
from .sse import EventStreamResponse, encode_event
from .synth import synthesise

__all__ = [
    "HTTPError",
    "DEFAULT_MAX_BODY_SIZE",
    "MAX_JSON_DEPTH",
    "BodySizeLimit",
    "GuardedRoute",
    "RequestBodyTooLarge",
    "install_body_limit",
    "security_check",
    "OperationSpec",
    "RouteDoc",
    "EventStreamResponse",
    "encode_event",
    "error_body",
    "error_response",
    "install_error_handlers",
    "install_openapi",
    "install_docs",
    "install_contract",
    "credential",
    "check_security",
    "dispatch",
    "flag_set",
    "json_param",
    "delimited_param",
    "deep_object_param",
    "read_body",
    "with_prefix",
    "normalise_prefix",
    "given_or",
    "synthesise",
    "serve",
    "not_implemented",
    "EncodedSlashes",
    "Contract",
    "load_contract",
]
