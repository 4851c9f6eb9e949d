"""Retries: which failed attempts are tried again, and how long to wait before the next one.

The rules live here once and do no I/O: ``RetryPolicy`` decides, ``Attempts`` follows one
request through its attempts. The sync and async clients' send loops only send, close, sleep
and raise as ``Attempts`` tells them, so both retry alike by construction.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from .errors import _transport_error
from .logs import _log, _log_response, _log_retry

DEFAULT_MAX_RETRIES = 2

# Errors a new attempt can fix; a bad URL scheme or a local protocol misuse will not change.
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class RetryPolicy:
    """Which failures are retried, and the wait before each retry.

    Retried: timeouts and network errors, and the statuses 408, 409, 429 and 5xx, unless the
    server says otherwise in ``x-should-retry: true|false``. The wait is the server's
    ``retry-after-ms``/``retry-after`` (seconds or an HTTP date) when that is at most
    ``max_retry_after`` seconds, else an exponential backoff from ``initial_delay`` doubling
    up to ``max_delay``, with up to 25% jitter off. How many retries: the client's
    ``max_retries``.

    A retry carries ``retry_count_header`` (``x-retry-count: 1``, ``2``...), so the server can
    tell it from a first attempt. A POST or PATCH that may be retried carries an
    ``idempotency_header`` (``idempotency-key``, 128 random bits in hex, new per call and the same
    on every attempt of it)
    unless the call sets one, so a server that supports it applies the request once even when
    a retry follows a lost response. ``None`` sends no such header.

    Pass one as ``retry_policy=`` to a client or to ``with_options``; subclass it and override
    ``retry_error``/``retry_response``/``delay`` for other rules. It keeps no state and does no
    I/O, so one instance serves any number of clients, sync and async.
    """

    __slots__ = (
        "initial_delay",
        "max_delay",
        "max_retry_after",
        "retry_count_header",
        "idempotency_header",
    )

    # Methods that are not idempotent by definition (RFC 9110): the ones given a key.
    keyed_methods = frozenset({"POST", "PATCH"})

    def __init__(
        self,
        *,
        initial_delay: float = 0.5,
        max_delay: float = 8.0,
        max_retry_after: float = 60.0,
        retry_count_header: str | None = "x-retry-count",
        idempotency_header: str | None = "idempotency-key",
    ) -> None:
        if initial_delay < 0 or max_delay < 0 or max_retry_after < 0:
            raise ValueError("retry delays must be >= 0")
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.retry_count_header = retry_count_header
        self.idempotency_header = idempotency_header

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def idempotency_key(self) -> str:
        """A new key for one call (all its attempts)."""
        return os.urandom(16).hex()  # as unique as a UUID4, a fifth of the time to make

    def idempotency_header_for(
        self, method: str, retries: int
    ) -> tuple[str, str] | None:
        """(header, new key) for a call of ``method`` that may be retried ``retries`` times, or
        None when it needs none. The client sets it before a key the call itself gives.
        """
        name = self.idempotency_header
        if name and retries and method.upper() in self.keyed_methods:
            return name.lower(), self.idempotency_key()
        return None

    def retry_error(self, error: httpx.RequestError) -> bool:
        """Whether an attempt that got no response is worth another."""
        return isinstance(error, _RETRYABLE)

    def retry_response(self, response: httpx.Response) -> bool:
        """Whether a non-2xx response is worth another attempt."""
        override = response.headers.get("x-should-retry")
        if override == "true":
            return True
        if override == "false":
            return False
        status = response.status_code
        return status == 408 or status == 409 or status == 429 or status >= 500

    def delay(
        self, response: httpx.Response | None, retries_done: int, now: float
    ) -> float:
        """Seconds to wait before retry number ``retries_done + 1``; ``now`` is the clock's
        time (for a ``retry-after`` given as a date); ``response`` is None after an error.
        """
        wait = self._server_wait(response, now) if response is not None else None
        if wait is not None and 0.0 <= wait <= self.max_retry_after:
            return wait
        backoff = min(self.initial_delay * 2.0**retries_done, self.max_delay)
        return backoff * (1.0 - 0.25 * random.random())

    @staticmethod
    def _server_wait(response: httpx.Response, now: float) -> float | None:
        headers = response.headers
        ms = headers.get("retry-after-ms")
        if ms:
            try:
                return float(ms) / 1000.0
            except ValueError:
                pass
        ra = headers.get("retry-after")
        if not ra:
            return None
        try:
            return float(ra)
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(ra).timestamp() - now)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None


DEFAULT_RETRY_POLICY = RetryPolicy()


class Attempts:
    """One request's course through its attempts, as a send loop reports their outcomes.

    After each attempt the loop calls ``after_error`` or ``after_response``: they answer with
    the seconds to wait before the next attempt, or say that this outcome is final. A retry's
    count header (see :class:`RetryPolicy`) is set here; the idempotency key, which the first
    attempt carries too, when the client builds the request.
    """

    __slots__ = ("_policy", "_request", "_retries", "_clock", "done")

    def __init__(
        self,
        policy: RetryPolicy,
        request: httpx.Request,
        retries: int,
        clock: Callable[[], float],
    ) -> None:
        self._policy = policy
        self._request = request
        self._retries = retries
        self._clock = clock
        self.done = 0  # retries made so far

    def after_error(self, error: httpx.RequestError) -> float:
        """The wait before the next attempt; raises the client's connection error instead when
        ``error`` is not worth a retry or no retry is left (call it in the ``except`` block).
        """
        if self.done >= self._retries or not self._policy.retry_error(error):
            raise _transport_error(error, self._request) from error
        return self._next(None, repr(error))

    def after_response(self, response: httpx.Response) -> float | None:
        """None when ``response`` is the outcome (2xx, or an error not to retry or with no
        retry left); else the wait before the next attempt (the loop closes ``response``).
        """
        if _log.isEnabledFor(logging.INFO):
            _log_response(self._request, response)
        if response.is_success:
            return None
        if self.done >= self._retries or not self._policy.retry_response(response):
            return None
        return self._next(response, response.status_code)

    def _next(self, response: httpx.Response | None, what: object) -> float:
        delay = self._policy.delay(response, self.done, self._clock())
        _log_retry(self._request, what, delay, self._retries - self.done)
        self.done += 1
        if self._policy.retry_count_header:
            self._request.headers[self._policy.retry_count_header] = str(self.done)
        return delay
