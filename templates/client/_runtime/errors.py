"""The errors the client raises, and how a failed response or transport error becomes one.

``APIError`` is the base; ``APIStatusError`` (one subclass per common status) for a non-2xx
answer, ``APIConnectionError``/``APITimeoutError`` for no answer, ``APIResponseValidationError``
for a 2xx body that is not what the API promised, ``APIStreamError`` for an error inside an event
stream. Fields come from OpenAI/Portkey/FastAPI-style error bodies and the request-id headers.
"""

from __future__ import annotations

import json

import httpx

# Response headers that carry the server's id of a request, most specific first.
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-portkey-trace-id")


def _request_id(headers: httpx.Headers) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value: str | None = headers.get(name)
        if value:
            return value
    return None


def _error_field(body: object, name: str) -> str | None:
    """``error.<name>`` (OpenAI/Portkey error bodies), else a top-level ``<name>``, as text."""
    if not isinstance(body, dict):
        return None
    err = body.get("error")
    value: object = err.get(name) if isinstance(err, dict) else body.get(name)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


class APIError(Exception):
    """Base of every error the client raises.

    ``code``, ``type`` and ``param`` come from the error body (``{"error": {...}}``) when the
    server sent one; ``request_id`` from the response headers; ``body`` is the decoded body
    (JSON, else text) whenever one arrived.
    """

    message: str
    request: httpx.Request | None
    body: object
    code: str | None
    type: str | None
    param: str | None
    request_id: str | None

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, body: object = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.code = _error_field(body, "code")
        self.type = _error_field(body, "type")
        self.param = _error_field(body, "param")
        self.request_id = None


class APIStatusError(APIError):
    """The server answered with a non-2xx status."""

    response: httpx.Response
    status_code: int

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response.headers)

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


class APIConnectionError(APIError):
    """The request did not get a response (DNS, refused, reset, protocol error...)."""

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request
    ) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request
    ) -> None:
        super().__init__(message, request=request)


class APIResponseValidationError(APIError):
    """A 2xx response whose body is not what the API promised (bad JSON, wrong shape/type)."""

    response: httpx.Response
    status_code: int

    def __init__(
        self, message: str, *, response: httpx.Response, body: object = None
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response.headers)


class APIStreamError(APIError):
    """An error reported inside an event stream (``event: error`` or ``{"error": ...}``)."""

    response: httpx.Response
    event: str | None

    def __init__(
        self, message: str, *, response: httpx.Response, body: object, event: str | None
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.event = event
        self.request_id = _request_id(response.headers)


class APIStreamIncompleteError(APIStreamError):
    """An event stream that must end with a terminator (``data: [DONE]``) ended without it."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _error_message(body: object) -> str | None:
    """The server's own message from OpenAI/Portkey/FastAPI-style error bodies."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
            if isinstance(msg, str) and msg:
                return msg
        elif isinstance(err, str) and err:
            return err
        for key in ("message", "detail"):
            msg = body.get(key)
            if isinstance(msg, str) and msg:
                return msg
        return (
            json.dumps(body, separators=(",", ":"), default=str)[:1000]
            if body
            else None
        )
    if isinstance(body, str) and body.strip():
        return body.strip()[:1000]
    if body:
        return json.dumps(body, default=str)[:1000]
    return None


def _decode_error_body(response: httpx.Response) -> object:
    content = response.content
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return response.text


def _status_error(response: httpx.Response) -> APIStatusError:
    body = _decode_error_body(response)
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (
        InternalServerError if status >= 500 else APIStatusError
    )
    msg = _error_message(body) or response.reason_phrase or "no details"
    return cls(f"Error code: {status} - {msg}", response=response, body=body)


def _transport_error(
    exc: httpx.RequestError, request: httpx.Request
) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(request=request)
    return APIConnectionError(
        f"Connection error: {exc}" if str(exc) else "Connection error.", request=request
    )


class _TransportErrors:
    """``with _TransportErrors(request):`` — an httpx transport error inside the block is
    raised as the client's ``APIConnectionError``/``APITimeoutError`` (sync and async alike).
    """

    __slots__ = ("_request",)

    def __init__(self, request: httpx.Request) -> None:
        self._request = request

    def __enter__(self) -> None:
        return None

    def __exit__(self, t: object, e: object, tb: object) -> None:
        if isinstance(e, httpx.RequestError):
            raise _transport_error(e, self._request) from e
