"""Route paths: one-segment path variables (%2F inside), the spec's path per route, prefixes."""

from __future__ import annotations

import re
from collections.abc import (
    Iterable,
    Sequence,
)
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from fastapi import Request
from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Receive, Scope, Send

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


def with_segment_convertor(path: str) -> str:
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
