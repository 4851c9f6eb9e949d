"""Logging of requests, responses and retries, switched on by ``<CLIENT>_LOG=info|debug``.

The logger is the runtime package's (``<package>.client._runtime``), whichever module logs.
"""

from __future__ import annotations

import logging

import httpx

from .errors import _request_id

_log = logging.getLogger(__package__ or __name__)

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
        from .log_bodies import log_bodies  # only when debugging: not with the client

        log_bodies(_log, request, response)


def _is_secret(header: str) -> bool:
    # Credentials travel in authorization, cookies, *-key/-token/-secret headers, Portkey's config
    # (it may carry provider keys) and provider credentials (x-portkey-vertex-service-account-json).
    words = (
        "auth",
        "cookie",
        "key",
        "token",
        "secret",
        "password",
        "credential",
        "config",
        "service-account",
    )
    return any(word in header.lower() for word in words)


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
