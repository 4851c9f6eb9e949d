"""Spec-independent runtime of the generated client: transport, retries, errors, SSE streams.

This folder is copied verbatim into the generated package and imported relatively by the
generated modules, which import from this package only (the names in ``__all__``); what its
modules keep starting with ``_`` may change without notice. It imports only the standard
library, httpx and pydantic (pydantic with the first parsed response, not with the client).

Modules, each one concern:

- ``common``: ``NOT_GIVEN``, type variables, lazy pydantic checks, ``lazy_module``
- ``errors``: the ``APIError`` tree; a failed response or transport error as one of them
- ``encoding``: path, query (OpenAPI styles), header, JSON, form and file encoding
- ``parsing``: response bodies as the declared type, tolerant or strict, parsers cached per type
- ``streaming``: the server-sent-events decoder, ``Stream`` and ``AsyncStream``
- ``responses``: ``BinaryResponse``, ``RawResponse``, ``request_id``, the response-view wrappers
- ``retries``: ``RetryPolicy`` (what is retried, how long to wait) and ``Attempts``, no I/O
- ``logs``: request/response/retry logging switched on by ``<CLIENT>_LOG``
- ``options``: ``RequestOptions``, one call's arguments in one object
- ``base_client``: settings, copies, connection pool, request building, result parsing
- ``sync_client``/``async_client``: the clients' I/O (send loop, close) and resource bases

How generated code uses it (the sync and async call are identical; async adds ``await``)::

    class ChatCompletions(SyncResource):
        def create(self, *, model: str, stream: bool | NotGiven = NOT_GIVEN, ...,
                   extra_headers=None, extra_query=None, extra_body=None,
                   timeout=NOT_GIVEN, max_retries=NOT_GIVEN):
            return self._client.request(
                "post", "/chat/completions", server="gateway",
                json_body={"model": model, "stream": stream, ...},   # NOT_GIVEN values dropped
                cast_to=_models.CreateChatCompletionResponse,
                stream=stream, stream_cast_to=_models.CreateChatCompletionStreamResponse,
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body,
                timeout=timeout, max_retries=max_retries)

``cast_to`` is a class or a type expression (``list[X]``, ``dict[str, Any]``); a union needs
``cast("type[X | Y]", X | Y)`` for mypy. ``type(None)`` ignores the body, ``bytes``/``str`` return
it as is, ``BinaryResponse`` wraps it (unread under ``streaming_response_wrapper``, which returns a ``StreamedResponse`` for every
kind of body). ``stream=True``
(with ``stream_cast_to``) returns ``Stream``/``AsyncStream``. ``.with_raw_response`` is
``raw_response_wrapper(resource.method)`` (``async_raw_response_wrapper`` for async).

Responses are tolerant by default (see ``parsing``): valid JSON of another shape than declared
is returned with the unknown parts kept raw; ``strict_response_validation=True`` on the client
makes any mismatch an ``APIResponseValidationError``. Only the request is retried, never a
stream that has started.
"""

from .async_client import AsyncAPIClient, AsyncResource
from .base_client import DEFAULT_TIMEOUT
from .common import NOT_GIVEN, NotGiven, is_given, lazy_module, strip_not_given
from .encoding import DeepObject, Delimited, FileContent, FileTypes
from .errors import (
    REQUEST_ID_HEADERS,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APIStreamIncompleteError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from .options import RequestOptions
from .responses import (
    AsyncStreamedCall,
    AsyncStreamedResponse,
    BinaryResponse,
    RawResponse,
    StreamedResponse,
    async_raw_response_wrapper,
    async_streaming_response_wrapper,
    raw_response_wrapper,
    request_id,
    streaming_response_wrapper,
)
from .retries import DEFAULT_MAX_RETRIES, RetryPolicy
from .streaming import AsyncStream, Stream
from .sync_client import SyncAPIClient, SyncResource

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "REQUEST_ID_HEADERS",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APIStreamIncompleteError",
    "APITimeoutError",
    "AsyncAPIClient",
    "AsyncResource",
    "AsyncStream",
    "AsyncStreamedCall",
    "AsyncStreamedResponse",
    "AuthenticationError",
    "BadRequestError",
    "BinaryResponse",
    "ConflictError",
    "DeepObject",
    "Delimited",
    "FileContent",
    "FileTypes",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestOptions",
    "RetryPolicy",
    "Stream",
    "StreamedResponse",
    "SyncAPIClient",
    "SyncResource",
    "UnprocessableEntityError",
    "async_raw_response_wrapper",
    "async_streaming_response_wrapper",
    "is_given",
    "lazy_module",
    "raw_response_wrapper",
    "request_id",
    "streaming_response_wrapper",
    "strip_not_given",
]
