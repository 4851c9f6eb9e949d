"""Request and response bodies in the debug log (``<CLIENT>_LOG=debug``), secrets redacted.

Imported by ``logs`` only when a response is logged at debug level. A JSON body is logged with
the value of every credential-like key replaced (``api_key``, ``key``, ``secret``, ``password``,
``*_token``, ``authorization``...), at any depth; other bodies by size and type only, since a form
or a file may hold anything. Long bodies are cut at ``MAX_LOGGED``.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx

REDACTED = "<redacted>"
MAX_LOGGED = 65536  # characters of one body
# A key naming a credential: the whole key or its last word (max_tokens and cache_key_prefix are not).
_SECRET_KEY = re.compile(
    r"(?:^|[_\-.])(?:api[_\-]?key|key|secret|password|passwd|token|authorization|credentials?|"
    r"private[_\-]key|access[_\-]key(?:[_\-]id)?|session[_\-]token|service[_\-]account(?:[_\-]json)?)$",
    re.IGNORECASE,
)


def is_secret_key(name: str) -> bool:
    return bool(_SECRET_KEY.search(name))


def redact(value: Any) -> Any:
    """`value` (decoded JSON) with credential-like keys' values replaced, at any depth."""
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and is_secret_key(k) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def body_text(content: bytes, content_type: str) -> str:
    """What the log shows of one body."""
    if not content:
        return "<empty>"
    if "json" in content_type:
        try:
            text = json.dumps(redact(json.loads(content)), ensure_ascii=False)
        except ValueError:
            return f"<{len(content)} bytes, not valid JSON>"
        return (
            text
            if len(text) <= MAX_LOGGED
            else text[:MAX_LOGGED] + f"... <{len(text)} characters>"
        )
    return f"<{len(content)} bytes of {content_type or 'unknown type'}>"


def log_bodies(
    log: logging.Logger, request: httpx.Request, response: httpx.Response
) -> None:
    """Debug-log both bodies; a body not in memory (a file upload, a stream) is named, not read."""
    try:
        sent = body_text(request.content, request.headers.get("content-type", ""))
    except httpx.RequestNotRead:
        sent = "<streamed upload, not logged>"
    log.debug("request body: %s", sent)
    try:
        got = body_text(response.content, response.headers.get("content-type", ""))
    except httpx.ResponseNotRead:
        got = "<streamed response, not logged>"
    log.debug("response body: %s", got)
