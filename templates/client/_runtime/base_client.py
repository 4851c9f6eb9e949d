"""What the sync and async clients share: settings, copies, the connection pool, building the
``httpx.Request`` of a call and turning its response into the result.

The per-call path avoids work it can precompute: header dicts are built once per client (and
again only when a copy changes them), the base URL of each server group is joined once.
"""

from __future__ import annotations

import functools
import os
import platform
import threading
import time
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from .common import NOT_GIVEN, NotGiven
from .encoding import (
    _encode_files,
    _encode_form,
    _encode_json_body,
    _encode_query,
    _HttpxFile,
    _merge_headers,
    _to_str,
    _to_timeout,
)
from .logs import _setup_logging
from .options import RequestOptions
from .parsing import _parse_body
from .responses import _RAW_MODE, _STREAMING_MODE, BinaryResponse, RawResponse
from .retries import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_POLICY,
    Attempts,
    RetryPolicy,
)

if TYPE_CHECKING:
    from typing_extensions import Self

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)
_S = TypeVar("_S")

# A request body as httpx takes it: raw content, form fields, file parts, content type.
_Body = tuple[
    bytes | str | IO[bytes] | None,
    dict[str, str | list[str]] | None,
    list[tuple[str, _HttpxFile]] | None,
    str | None,
]


class _Pool(Generic[_H]):
    """The httpx client that a client and its copies share, made on first use: making one
    loads the TLS certificates (~50 ms), which a client that sends nothing should not pay.
    """

    def __init__(self, http: _H | None, make: Callable[[], _H] | None = None) -> None:
        self._made: _H | None = http  # given by the user, else made on first use
        self._make: Callable[[], _H] | None = make
        self._lock = threading.Lock()

    @property
    def made(self) -> _H | None:
        return self._made

    def get(self) -> _H:
        http = self._made
        if http is None:
            with self._lock:  # two threads' first requests must not make two pools
                if self._made is None and self._make is not None:
                    self._made = self._make()
                http = self._made
            if http is None:
                raise RuntimeError("no HTTP client given and none to make")
        return http


def _encode_body(opts: RequestOptions, opened: list[IO[bytes]]) -> _Body:
    """The body of a call: files (multipart), else form data, else raw content, else JSON."""
    if opts.files:
        files = _encode_files(opts.files, opened)
        return None, _encode_form(opts.data, opts.extra_body), files, None
    if opts.data is not None:
        return None, _encode_form(opts.data, opts.extra_body), None, None
    if opts.content is not None:
        return opts.content, None, None, opts.content_type
    if opts.json_body is not None or opts.extra_body:
        body = _encode_json_body(opts.json_body, opts.extra_body)
        return body, None, None, "application/json"
    return None, None, None, None


class _Call:
    """One call ready to send: its options, its ``httpx.Request``, whether the body is left
    unread, its retry state; ``with`` it around the sending to close the files it opened.
    """

    __slots__ = ("attempts", "opened", "opts", "request", "stream")
    request: httpx.Request
    attempts: Attempts

    def __init__(self, opts: RequestOptions, stream: bool) -> None:
        self.opts = opts
        self.stream = stream
        self.opened: list[IO[bytes]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: object, e: object, tb: object) -> None:
        self.close_files()

    def close_files(self) -> None:
        for handle in self.opened:
            handle.close()


class _BaseClient(Generic[_H, _S]):
    """Configuration, copies and request building shared by the sync and async clients: all
    they do but sending (`_H`: their httpx client; `_S`: what their `sleep` returns).
    """

    base_urls: dict[str, str]
    auth_headers: dict[str, object]
    default_headers: dict[str, object]
    default_query: dict[str, object]
    timeout: httpx.Timeout
    max_retries: int
    retry_policy: RetryPolicy
    sleep: Callable[[float], _S]
    clock: Callable[[], float]
    strict_response_validation: bool
    _make_http: Callable[[httpx.Timeout], _H]  # made on first use (see _Pool)
    _default_sleep: Callable[[float], _S]
    _pool: _Pool[_H]
    _owns_http: bool
    _stream_cls: Callable[[httpx.Response, Any, str | None, bool], Any]
    _streamed_cls: Callable[[httpx.Response, Callable[[], Any], bool], Any]
    # Set by the generated client: its User-Agent product and the variable enabling logging.
    client_name: str = "openapi-client"
    client_version: str = "0"
    log_env: str | None = None

    def __init__(
        self,
        *,
        base_urls: Mapping[str, str],
        auth_headers: Mapping[str, object] | None = None,
        default_headers: Mapping[str, object] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        http_client: _H | None = None,
        sleep: Callable[[float], _S] | None = None,
        clock: Callable[[], float] | None = None,
        strict_response_validation: bool = False,
    ) -> None:
        if self.log_env:
            _setup_logging(os.environ.get(self.log_env))
        if not base_urls:
            raise ValueError(
                "base_urls needs at least one server group, e.g. {'default': url}"
            )
        self.base_urls = dict(base_urls)
        self.auth_headers = dict(auth_headers or {})
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        if isinstance(timeout, NotGiven):
            timeout = (
                http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
            )
        self.timeout = _to_timeout(timeout)
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.max_retries = max_retries
        self.retry_policy = retry_policy or DEFAULT_RETRY_POLICY
        self.sleep = sleep or self._default_sleep
        self.clock = clock or time.time
        self.strict_response_validation = strict_response_validation
        self._owns_http = http_client is None
        make, timeout_ = self._make_http, self.timeout
        self._pool = _Pool(http_client, lambda: make(timeout_))
        self._configure()

    @property
    def _http(self) -> _H:
        return self._pool.get()

    @property
    def user_agent(self) -> str:
        return (
            f"{self.client_name}/{self.client_version} "
            f"python/{platform.python_version()} httpx/{httpx.__version__}"
        )

    def _configure(self) -> None:
        """Precompute what every request needs (call again after changing the settings)."""
        self._base_urls = {k: v.rstrip("/") for k, v in self.base_urls.items()}
        headers: dict[str, str] = {"user-agent": self.user_agent}
        _merge_headers(headers, self.default_headers)
        _merge_headers(headers, self.auth_headers)
        headers.pop("content-type", None)  # set per request from the body
        self._headers = headers
        self._json_headers = {**headers, "content-type": "application/json"}

    def copy(
        self,
        *,
        base_urls: Mapping[str, str] | None = None,
        auth_headers: Mapping[str, object] | None = None,
        default_headers: Mapping[str, object] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        http_client: _H | None = None,
        strict_response_validation: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A new client sharing the connection pool, with these settings merged over ours.

        Mappings are merged over the current ones (a None value removes a header).
        """
        new = object.__new__(type(self))
        new._copy_fields(self)
        new.base_urls = {**self.base_urls, **(base_urls or {})}
        new.auth_headers = {**self.auth_headers, **(auth_headers or {})}
        new.default_headers = {**self.default_headers, **(default_headers or {})}
        new.default_query = {**self.default_query, **(default_query or {})}
        if not isinstance(timeout, NotGiven):
            new.timeout = _to_timeout(timeout)
        if not isinstance(max_retries, NotGiven):
            new.max_retries = max_retries
        if retry_policy is not None:
            new.retry_policy = retry_policy
        if not isinstance(strict_response_validation, NotGiven):
            new.strict_response_validation = strict_response_validation
        if http_client is not None:
            new._pool = _Pool(http_client)
        new._owns_http = False  # the pool belongs to the client that created it
        new._configure()
        return new

    with_options = copy

    def _copy_fields(self, source: _BaseClient[_H, _S]) -> None:
        # Everything but lazily created resources (cached_property values bound to `source`).
        lazy = {
            name
            for klass in type(source).__mro__
            for name, attr in vars(klass).items()
            if isinstance(attr, functools.cached_property)
        }
        self.__dict__.update(
            {k: v for k, v in source.__dict__.items() if k not in lazy}
        )

    def _url(self, opts: RequestOptions) -> str:
        try:
            url = self._base_urls[opts.server]
        except KeyError:
            raise ValueError(
                f"unknown server group {opts.server!r}; configured: {sorted(self._base_urls)}"
            ) from None
        path = opts.path
        if opts.path_params:
            for name, value in opts.path_params.items():
                text = _to_str(value)
                if not text:
                    raise ValueError(f"path parameter {name!r} must not be empty")
                path = path.replace("{" + name + "}", quote(text, safe=""))
        url += path
        if opts.query or opts.extra_query or self.default_query:
            qs = _encode_query(self.default_query, opts.query, opts.extra_query)
            if qs:
                url += "?" + qs
        return url

    def _build(self, opts: RequestOptions, opened: list[IO[bytes]]) -> httpx.Request:
        """The ``httpx.Request`` of a call; files it opens are added to ``opened``."""
        url = self._url(opts)
        content, form, file_list, ctype = _encode_body(opts, opened)
        headers, extra_headers = opts.headers, opts.extra_headers
        keyed = self.retry_policy.idempotency_header_for(
            opts.method, self._retries(opts)
        )
        if (
            headers
            or extra_headers
            or opts.stream
            or keyed
            or (ctype and ctype != "application/json")
        ):
            hdrs = dict(self._headers)
            if ctype:
                hdrs["content-type"] = ctype
            if opts.stream:
                hdrs["accept"] = "text/event-stream"
            if keyed:  # a key in default_headers or in the call's headers wins
                hdrs.setdefault(*keyed)
            if headers:
                _merge_headers(hdrs, headers)
            if extra_headers:
                _merge_headers(hdrs, extra_headers)
        else:
            hdrs = self._json_headers if ctype else self._headers
        timeout = opts.timeout
        return self._http.build_request(
            opts.method,
            url,
            headers=hdrs,
            content=content,
            data=form,
            files=file_list,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
        )

    def _call(self, method: str, path: str, options: dict[str, Any]) -> _Call:
        """What sending one call needs, built before any I/O (``with`` it: see _Call)."""
        opts = RequestOptions(method, path, **options)
        call = _Call(opts, self._stream_body(opts))
        try:
            call.request = request = self._build(opts, call.opened)
        except BaseException:
            call.close_files()  # those opened before the failure
            raise
        retries = self._retries(opts)
        call.attempts = Attempts(self.retry_policy, request, retries, self.clock)
        return call

    def _retries(self, opts: RequestOptions) -> int:
        retries = opts.max_retries
        return self.max_retries if isinstance(retries, NotGiven) else retries

    @staticmethod
    def _stream_body(opts: RequestOptions) -> bool:
        """Whether the body is left unread for the result to stream."""
        return opts.stream or _STREAMING_MODE.get()

    def _finish(self, response: httpx.Response, opts: RequestOptions) -> Any:
        if _RAW_MODE.get():
            return RawResponse(response, lambda: self._result(response, opts))
        if _STREAMING_MODE.get():  # body unread: read first unless streamed
            read_first = not opts.stream and opts.cast_to is not BinaryResponse
            parse = lambda: self._result(response, opts)
            return self._streamed_cls(response, parse, read_first)
        return self._result(response, opts)

    def _result(self, response: httpx.Response, opts: RequestOptions) -> Any:
        strict = self.strict_response_validation
        if opts.stream:
            return self._stream_cls(
                response, opts.stream_cast_to, opts.stream_terminator, strict
            )
        if opts.cast_to is BinaryResponse:
            return BinaryResponse(response)
        return _parse_body(response, opts.cast_to, strict)
