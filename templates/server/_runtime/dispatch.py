"""Calling a service method and turning its result (or its exception) into the route's answer."""

from __future__ import annotations

import logging
from collections.abc import (
    AsyncIterable,
    Awaitable,
    Callable,
    Mapping,
)
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from .errors import HTTPError, internal_error, not_implemented
from .mock import mock_result
from .sse import BytesStreamResponse, EventStreamResponse

logger = logging.getLogger(__package__ or __name__)
_T = TypeVar("_T")


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
            return mock_result(spec, stream, ctx, request_obj)
        return exc.response()
    except StarletteHTTPException:
        raise  # fastapi.HTTPException from user code: the installed handler shapes it
    except NotImplementedError:
        if mock:
            return mock_result(spec, stream, ctx, request_obj)
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
            return BytesStreamResponse(
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


def given_or(value: _T | None, default: Callable[[], _T]) -> _T:
    """`value`, or a fresh `default()` when it is None (create_app's unset services)."""
    return default() if value is None else value


def serve(
    app: FastAPI, host: str = "127.0.0.1", port: int = 8000, **options: Any
) -> None:
    """Run `app` with uvicorn (installed separately: `pip install uvicorn`)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, **options)
