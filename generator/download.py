"""Downloading a spec: bounded, https only (fetch.py decides what to download and keeps it).

Bounds: `MAX_BYTES` (the loader's own limit), `TIMEOUT` seconds per network operation and
`DEADLINE` for the whole transfer; only https, never ``file:`` or another scheme, redirects only to
https. Plain http is accepted in exactly one case: a mirror on a loopback address (127.0.0.0/8,
::1, localhost), which never leaves the machine.

Its own module because the network stack (http.client, email, urllib.request) costs ~30 ms to
import, and most runs (`check` above all) never download anything.
"""

from __future__ import annotations

import http.client
import ipaddress
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["DownloadError", "download"]

TIMEOUT = 30.0  # seconds, per connect / read
DEADLINE = 300.0  # seconds for a whole download: a server trickling bytes cannot hold us forever
CHUNK = 64 * 1024


def _max_bytes() -> int:
    from .load import MAX_BYTES

    return MAX_BYTES


class DownloadError(Exception):
    """Why a download failed, in words (the caller adds what and where)."""


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_url(url: str, *, allow_loopback_http: bool) -> urllib.parse.SplitResult:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise DownloadError(f"not a valid URL ({exc})") from None
    if parts.scheme == "https" and parts.hostname:
        return parts
    if parts.scheme == "http" and allow_loopback_http and _loopback(parts.hostname):
        return parts
    if parts.scheme == "http" and allow_loopback_http:
        raise DownloadError("plain http is accepted only for a mirror on a loopback address; use https")
    raise DownloadError(f"only https URLs are fetched (got {parts.scheme or 'no'} scheme)")


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def __init__(self, allow_loopback_http: bool) -> None:
        self.allow_loopback_http = allow_loopback_http

    def http_error_302(self, req, fp, code, msg, headers):  # type: ignore[no-untyped-def]
        # Checked before urllib's own handling, so every refused target gets the same message.
        location = headers.get("location") or headers.get("uri")
        if location:
            newurl = urllib.parse.urljoin(req.full_url, location)
            try:
                target = _check_url(newurl, allow_loopback_http=self.allow_loopback_http)
            except DownloadError as exc:
                raise DownloadError(f"redirected to {newurl}: {exc}") from None
            if urllib.parse.urlsplit(req.full_url).scheme == "https" and target.scheme != "https":
                raise DownloadError(f"redirected to {newurl}: from https to {target.scheme}")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(url: urllib.parse.SplitResult, allow_loopback_http: bool) -> urllib.request.OpenerDirector:
    # Built by hand, not build_opener(): no file:, ftp: or data: handler can ever be reached.
    opener = urllib.request.OpenerDirector()
    proxies = {} if _loopback(url.hostname) else None  # loopback never goes through a proxy
    for handler in (
        urllib.request.ProxyHandler(proxies),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        _Redirects(allow_loopback_http),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.HTTPDefaultErrorHandler(),
    ):
        opener.add_handler(handler)
    return opener


def download(
    url: str,
    *,
    max_bytes: int | None = None,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
    allow_loopback_http: bool = False,
) -> bytes:
    """The body of `url` (status 200 only). DownloadError says why not, in one phrase."""
    limit = _max_bytes() if max_bytes is None else max_bytes
    parts = _check_url(url, allow_loopback_http=allow_loopback_http)
    request = urllib.request.Request(url, headers={"User-Agent": "portkey-codegen", "Accept-Encoding": "identity"})
    started = time.monotonic()
    try:
        with _opener(parts, allow_loopback_http).open(request, timeout=timeout) as response:
            if response.status != 200:
                raise DownloadError(f"HTTP {response.status}")
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise DownloadError(f"{int(length)} bytes is over the {limit}-byte limit")
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise DownloadError(f"more than the {limit}-byte limit")
                if time.monotonic() - started > deadline:
                    raise DownloadError(f"not complete after {deadline:.0f} s")
                chunks.append(chunk)
            if length is not None and length.isdigit() and size != int(length):
                raise DownloadError(f"cut short: {size} of {length} bytes")
            return b"".join(chunks)
    except DownloadError:
        raise
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, DownloadError):
            raise reason from None
        raise DownloadError(f"{getattr(reason, 'strerror', None) or reason}") from None
    except TimeoutError:
        raise DownloadError(f"no answer within {timeout:.0f} s") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, TLS, cut or malformed answers
        raise DownloadError(str(exc) or type(exc).__name__) from None
