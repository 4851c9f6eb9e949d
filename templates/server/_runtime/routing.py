"""GuardedRoute: security, media type, JSON syntax and the spec checked before FastAPI reads a body."""

from __future__ import annotations

from collections.abc import (
    Callable,
    Coroutine,
    Iterable,
    Mapping,
)
from typing import Any

from fastapi import Request, params
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.responses import Response

from .contract import NO_BODY, Contract, OperationContract, contract_response
from .errors import HTTPError
from .limits import (
    check_json_body,
    request_has_body,
    request_media_type,
    unsupported_media,
)
from .paths import RouteDoc, with_segment_convertor
from .schema import Invalid
from .security import SECURITY_MARK


class GuardedRoute(APIRoute):
    """The generated routes' class. Before FastAPI reads the body it runs, in this order:

    the route's security check (401, so nothing is parsed for a caller without credentials), the
    body's media type (415: JSON bodies need application/json or */*+json, form bodies
    multipart/form-data or application/x-www-form-urlencoded), for JSON a parse whose errors
    (syntax, not UTF-8, nested too deeply, oversized numbers) answer 400 with a precise message,
    then the spec itself (`contract`, set by install_contract): every parameter and the body
    against their schemas, 400 naming the first value that breaks them.

    Path variables match one segment, which may hold an encoded slash (`%2F`, see EncodedSlashes).
    """

    contract: tuple[Contract, OperationContract, Mapping[str, str]] | None = None

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(with_segment_convertor(path), endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        checks = tuple(
            dep.call
            for dep in self.dependant.dependencies
            if dep.call is not None and getattr(dep.call, SECURITY_MARK, False)
        )
        body: str | None = None
        if self.body_field is not None:
            form = isinstance(getattr(self.body_field, "field_info", None), params.Form)
            body = "form" if form else "json"

        async def guarded(request: Request) -> Response:
            try:
                for check in checks:
                    await check(request)
            except HTTPError as exc:
                return exc.response()
            value: Any = NO_BODY
            if body == "json":
                problem = await check_json_body(request)
                if problem is not None:
                    return problem
                if await request.body():
                    value = await request.json()
            elif body == "form" and request_has_body(request):
                media = request_media_type(request)
                if media not in (
                    "multipart/form-data",
                    "application/x-www-form-urlencoded",
                ):
                    return unsupported_media(media, "multipart/form-data")
                value = await _keep_empty_fields(request)
            if self.contract is not None:
                contract, operation, renames = self.contract
                try:
                    nulls = contract.check_request(operation, request, renames, value)
                except Invalid as exc:
                    return contract_response(exc)
                if nulls and isinstance(value, FormData):
                    request._form = FormData(
                        [(k, v) for k, v in value.multi_items() if k not in nulls]
                    )
            return await handler(request)

        return guarded


class _EmptyText(str):
    """A form field sent empty. FastAPI takes `value == ""` in a form for a missing field (an HTML
    form's untouched input); an API client that sends `prompt=` did send a value, which the spec
    then judges (minLength, enum...)."""

    def __eq__(self, other: object) -> bool:
        return False if other == "" else str.__eq__(self, other)

    __hash__ = str.__hash__


async def _keep_empty_fields(request: Request) -> Any:
    form = await request.form()
    if any(value == "" for _, value in form.multi_items()):
        kept = FormData(
            [(k, _EmptyText() if v == "" else v) for k, v in form.multi_items()]
        )
        request._form = kept  # Starlette's parsed-form cache, which FastAPI reads next
        return kept
    return form


def install_contract(owner: Any, contract: Contract, docs: Iterable[RouteDoc]) -> None:
    """Attach the spec's operation to each generated route of `owner` (an app or a router)."""
    by_route = {(d.method.upper(), d.route_path): d for d in docs}
    for route in getattr(owner, "routes", ()):
        if not isinstance(route, GuardedRoute):
            continue
        for method in route.methods or ():
            doc = by_route.get((method, route.path_format))
            if doc is None:
                continue
            operation = contract.operation(doc.method, doc.spec_path[len(doc.prefix) :])
            if operation is not None:
                route.contract = (contract, operation, dict(doc.renames))
