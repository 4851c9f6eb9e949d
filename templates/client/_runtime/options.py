"""``RequestOptions``: everything one call asks of the client, in one object.

A generated method passes these as keyword arguments to ``client.request(method, path, ...)``;
the client gathers them here once, and request building, sending and result parsing read them
from this object (no long positional parameter lists between the steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

import httpx

from .common import NOT_GIVEN, NotGiven

if TYPE_CHECKING:  # for the type checker only: request()'s overloads share these
    from typing_extensions import TypedDict

    class RequestArgs(TypedDict, total=False):
        """``request()``'s keyword arguments besides ``cast_to`` and ``stream*``: see below."""

        server: str
        path_params: Mapping[str, object] | None
        query: Mapping[str, object] | None
        headers: Mapping[str, object] | None
        json_body: object
        data: Mapping[str, object] | None
        files: Mapping[str, object] | None
        content: bytes | str | IO[bytes] | None
        content_type: str | None
        stream_terminator: str | None
        extra_headers: Mapping[str, object] | None
        extra_query: Mapping[str, object] | None
        extra_body: Mapping[str, object] | None
        timeout: float | httpx.Timeout | None | NotGiven
        max_retries: int | NotGiven


class RequestOptions:
    """One call's request: where it goes, what it sends, and what it returns.

    ``cast_to`` is the type of the parsed result; ``stream`` with ``stream_cast_to`` (the chunk
    type) asks for an event stream, ``stream_terminator`` the data line that must end it. The
    ``extra_*`` values are merged over the generated ones; ``timeout``/``max_retries`` left
    ``NOT_GIVEN`` take the client's.
    """

    __slots__ = (
        "method",
        "path",
        "cast_to",
        "server",
        "path_params",
        "query",
        "headers",
        "json_body",
        "data",
        "files",
        "content",
        "content_type",
        "stream",
        "stream_cast_to",
        "stream_terminator",
        "extra_headers",
        "extra_query",
        "extra_body",
        "timeout",
        "max_retries",
    )

    def __init__(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        server: str = "default",
        path_params: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        json_body: object = None,
        data: Mapping[str, object] | None = None,
        files: Mapping[str, object] | None = None,
        content: bytes | str | IO[bytes] | None = None,
        content_type: str | None = None,
        stream: bool | NotGiven = False,
        stream_cast_to: Any = None,
        stream_terminator: str | None = None,
        extra_headers: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> None:
        self.stream = bool(stream)
        if self.stream and stream_cast_to is None:
            raise ValueError("stream=True needs stream_cast_to (the chunk type)")
        self.method, self.path, self.server = method, path, server
        self.cast_to, self.stream_cast_to = cast_to, stream_cast_to
        self.stream_terminator = stream_terminator
        self.path_params, self.query, self.headers = path_params, query, headers
        self.json_body, self.data, self.files = json_body, data, files
        self.content, self.content_type = content, content_type
        self.extra_headers, self.extra_query = extra_headers, extra_query
        self.extra_body = extra_body
        self.timeout, self.max_retries = timeout, max_retries
