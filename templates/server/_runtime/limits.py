"""Abuse guards run before a body is parsed: body size, media type, JSON syntax and depth."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import RequestBodyTooLarge, error_response

# -- abuse guards: body size, security first, media type, JSON syntax ----------------------------
# 64 MiB: above the largest single request an OpenAI-style API documents (50 MB of images in one
# chat request, 64 MB upload parts), far below what would hurt a server buffering a JSON body.
DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024


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


def request_media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def request_has_body(request: Request) -> bool:
    length = request.headers.get("content-length", "").strip()
    return "transfer-encoding" in request.headers or (
        length.isdigit() and int(length) > 0
    )


def unsupported_media(media: str, wanted: str) -> JSONResponse:
    got = f"Content-Type {media!r}" if media else "no Content-Type"
    return error_response(
        415,
        f"The request body was sent with {got}; this operation takes {wanted}.",
        param="Content-Type",
        code="unsupported_media_type",
    )


def bad_json(message: str, code: str = "json_invalid") -> JSONResponse:
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
    media = request_media_type(request)
    if not (
        media == "application/json"
        or (media.startswith("application/") and media.endswith("+json"))
    ):
        return unsupported_media(media, "application/json")
    if nests_deeper(body, MAX_JSON_DEPTH):
        return bad_json(
            f"it nests arrays and objects deeper than {MAX_JSON_DEPTH} levels.",
            code="json_too_deep",
        )
    try:
        await request.json()
    except RecursionError:
        # Only when the stack is already deep: the depth limit above comes first.
        return bad_json("it is nested too deeply.", code="json_too_deep")
    except UnicodeDecodeError as exc:
        return bad_json(
            f"it is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})."
        )
    except json.JSONDecodeError as exc:
        return bad_json(f"{exc.msg} at line {exc.lineno} column {exc.colno}.")
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        return bad_json(str(exc).partition(";")[0] + ".")
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(await request.json()):
        # Valid JSON text, but no Unicode string: it would fail later, when echoed back as UTF-8.
        return bad_json(
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


def nests_deeper(body: bytes, limit: int) -> bool:
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
