"""The intermediate representation: plain frozen data carrying every final decision.

Templates only lay this out. Type hints are final Python source text: model classes are written
as ``_models.ClassName`` (generated modules import the models module under that alias, so a spec
name can never shadow a runtime name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ParamLocation = Literal["path", "query", "header", "cookie"]
BodyKind = Literal["json", "multipart", "form", "binary", "text"]
ResponseKind = Literal["json", "binary", "text", "empty", "sse"]


@dataclass(frozen=True)
class Param:
    wire_name: str
    py_name: str
    location: ParamLocation
    required: bool
    type_hint: str  # without "| None" for optional-ness; the template decides the default
    description: str | None = None
    deprecated: bool = False
    explode: bool = True
    pointer: str = ""


@dataclass(frozen=True)
class BodyField:
    wire_name: str
    py_name: str
    type_hint: str
    required: bool
    description: str | None = None
    is_file: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class RequestBody:
    media_type: str
    kind: BodyKind
    type_hint: str  # the whole body, e.g. "_models.CreateChatCompletionRequest"
    model: str | None  # class name when the body is a generated model
    required: bool
    fields: tuple[BodyField, ...] = ()  # top-level properties when the body is an object
    description: str | None = None


@dataclass(frozen=True)
class Response:
    status: str  # "200", "2XX", "default"
    media_type: str | None
    kind: ResponseKind
    type_hint: str  # "None", "bytes", "str", "_models.X", "dict[str, Any]"
    model: str | None
    description: str | None = None


@dataclass(frozen=True)
class Streaming:
    """How an operation streams server-sent events."""

    flag_field: str | None  # body field that switches to SSE ("stream"); None: always streams
    chunk_type_hint: str
    chunk_model: str | None
    terminator: str | None = None  # `data:` payload that must end the stream (x-stream-terminator)


@dataclass(frozen=True)
class Pagination:
    """How a list operation pages: the client returns a page object that iterates every item.

    Field names are wire names (the runtime reads them from the parsed response by alias). Chosen
    by generator/build/pagination.py from the spec; spec/names.yaml `pagination:` overrides.
    """

    style: Literal["cursor", "page"]
    items_field: str  # the response's list ("data")
    item_type_hint: str  # one element of that list
    param: str  # query parameter that selects the page: cursor ("after") or page number ("current_page")
    param_py: str  # that parameter's Python name in the method
    has_more_field: str | None = None  # boolean "more pages follow"
    cursor_field: str | None = None  # response field with the next cursor ("last_id"); else the last item's item_id_field
    item_id_field: str | None = None  # "id"
    total_field: str | None = None  # item count over all pages (page style)
    first_page: int = 0  # page number the server starts from when the parameter is left out


@dataclass(frozen=True)
class Operation:
    key: str  # "POST /chat/completions": unique, used in API.md and tests
    operation_id: str | None  # as in the spec (may be None)
    http_method: str  # lower case
    path: str
    resource: tuple[str, ...]  # python attribute path, ("chat", "completions")
    method_name: str  # "create"
    function_name: str  # unique across the API, snake_case: "create_chat_completion"
    summary: str | None
    description: str | None
    docstring: str  # final text (summary + description), not yet escaped
    deprecated: bool
    tags: tuple[str, ...]
    path_params: tuple[Param, ...]
    query_params: tuple[Param, ...]
    header_params: tuple[Param, ...]
    cookie_params: tuple[Param, ...]
    body: RequestBody | None
    success: Response
    responses: tuple[Response, ...]
    streaming: Streaming | None
    server_group: str  # ServerGroup.py_name
    security: tuple[tuple[str, ...], ...]  # alternatives; each a tuple of SecurityScheme.py_name
    pointer: str  # "#/paths/~1chat~1completions/post"
    pagination: Pagination | None = None

    @property
    def params(self) -> tuple[Param, ...]:
        return self.path_params + self.query_params + self.header_params + self.cookie_params


@dataclass(frozen=True)
class SecurityScheme:
    key: str  # name in components.securitySchemes ("Portkey-Key")
    py_name: str  # constructor argument ("api_key")
    kind: Literal["header", "bearer", "basic", "query", "cookie"]
    wire_name: str  # header/query/cookie name ("x-portkey-api-key", "Authorization")
    description: str | None = None
    env_var: str | None = None  # e.g. PORTKEY_API_KEY
    accepts_json: bool = False  # an object is sent as compact JSON (x-portkey-config)


@dataclass(frozen=True)
class ServerGroup:
    py_name: str  # "gateway", "control_plane", "public", "default"
    default_url: str
    description: str | None = None
    env_var: str | None = None


@dataclass(frozen=True)
class Resource:
    name: str  # attribute on the parent ("completions"); "" for the root
    path: tuple[str, ...]  # ("chat", "completions")
    class_name: str  # "ChatCompletions"; unique
    operations: tuple[Operation, ...] = ()
    children: tuple["Resource", ...] = ()
    module: str = ""  # top-level resources: the client module that holds them (client/resources/<module>.py)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class Api:
    title: str
    version: str
    description: str | None
    spec_sha256: str
    package_name: str
    generator_version: str
    servers: tuple[ServerGroup, ...]
    security_schemes: tuple[SecurityScheme, ...]
    operations: tuple[Operation, ...]
    root: Resource
    model_names: tuple[str, ...] = field(default=())
    client_name: str = "Client"  # sync client class; the async one is "Async" + this
    enum_models: frozenset[str] = frozenset()  # model classes that are Enums (accept their str values too)
    # The spec after overlay, as JSON text: the generated server serves it and enforces it.
    openapi_json: str = ""
