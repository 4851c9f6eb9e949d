"""Credentials: reading each security scheme from the request, and the 401 when none is complete."""

from __future__ import annotations

from collections.abc import (
    Callable,
    Mapping,
    Sequence,
)
from typing import Any, TypeVar

from fastapi import Request

from .errors import HTTPError


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


SECURITY_MARK = "__portkey_security_check__"
_D = TypeVar("_D", bound=Callable[..., Any])


def security_check(dependency: _D) -> _D:
    """Mark a route dependency that checks credentials: GuardedRoute runs it before reading the body."""
    setattr(dependency, SECURITY_MARK, True)
    return dependency
