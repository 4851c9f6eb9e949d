"""The intermediate representation: plain frozen data carrying every final decision.

Templates only lay this out. Types are `TypeRef` trees (generator/typeref.py builds, transforms
and renders them); model classes render as ``_models.ClassName`` and request TypedDicts as
``_params.ClassNameParam`` (generated modules import those modules under these aliases, so a spec
name can never shadow a runtime name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TypeKind = Literal["name", "model", "param", "literal", "generic", "union"]


@dataclass(frozen=True)
class TypeRef:
    """A Python type as a tree, rendered once (generator/typeref.py); never patched as text.

    - ``name``: a builtin, typing or runtime name (``str``, ``Any``, ``None``, ``FileTypes``);
    - ``model``: a class of the models module (``enum``: an Enum class);
    - ``param``: a request type of the params module (TypedDict or alias, ``...Param``);
    - ``literal``: ``Literal[values]``;
    - ``generic``: ``name[args]`` (``list``, ``dict``, ``Sequence``, ``Mapping``, ``Stream``...);
    - ``union``: ``args`` joined by ``|``: flat, no member twice, ``None`` last (typeref.union).
    """

    kind: TypeKind
    name: str = ""
    args: tuple["TypeRef", ...] = ()
    values: tuple[str | int | float | bool, ...] = ()
    enum: bool = False


ParamLocation = Literal["path", "query", "header", "cookie"]
BodyKind = Literal["json", "multipart", "form", "binary", "text"]
ResponseKind = Literal["json", "binary", "text", "empty", "sse"]


@dataclass(frozen=True)
class Param:
    wire_name: str
    py_name: str
    location: ParamLocation
    required: bool
    type: TypeRef  # without "| None" for optional-ness; the template decides the default
    description: str | None = None
    deprecated: bool = False
    explode: bool = True
    pointer: str = ""
    # OpenAPI serialisation style: "form" (query/cookie default), "simple" (path/header default),
    # "deepObject", "spaceDelimited", "pipeDelimited"...
    style: str = ""

    @property
    def type_hint(self) -> str:
        return _render(self.type)

    @property
    def delimiter(self) -> str | None:
        """What joins the items of this query value into one (`explode: false`, spaceDelimited,
        pipeDelimited); None when each item repeats the key (the default)."""
        return {"spaceDelimited": " ", "pipeDelimited": "|"}.get(self.style, None if self.explode else ",")


@dataclass(frozen=True)
class BodyField:
    wire_name: str
    py_name: str
    type: TypeRef
    required: bool
    description: str | None = None
    is_file: bool = False
    nullable: bool = False

    @property
    def type_hint(self) -> str:
        return _render(self.type)


@dataclass(frozen=True)
class RequestBody:
    media_type: str
    kind: BodyKind
    type: TypeRef  # the whole body, e.g. _models.CreateChatCompletionRequest
    model: str | None  # class name when the body is a generated model
    required: bool
    fields: tuple[BodyField, ...] = ()  # top-level properties when the body is an object
    description: str | None = None

    @property
    def type_hint(self) -> str:
        return _render(self.type)


@dataclass(frozen=True)
class Response:
    status: str  # "200", "2XX", "default"
    media_type: str | None
    kind: ResponseKind
    type: TypeRef  # None, bytes, str, _models.X, dict[str, Any]
    model: str | None
    description: str | None = None

    @property
    def type_hint(self) -> str:
        return _render(self.type)


@dataclass(frozen=True)
class Streaming:
    """How an operation streams server-sent events."""

    flag_field: str | None  # body field that switches to SSE ("stream"); None: always streams
    chunk_type: TypeRef
    chunk_model: str | None
    terminator: str | None = None  # `data:` payload that must end the stream (x-stream-terminator)

    @property
    def chunk_type_hint(self) -> str:
        return _render(self.chunk_type)


@dataclass(frozen=True)
class ChatHelpers:
    """openai's chat helpers beside the operation's method: `stream(...)` (a context manager of
    content/tool-call events, `get_final_completion()`) and `parse(...)` (the completion with
    `.choices[i].message.parsed`). Chosen by spec/names.yaml `chat_helpers:` (lower/helpers.py)."""

    response_format_field: str | None  # body field (Python name) that also takes a pydantic class


@dataclass(frozen=True)
class Pagination:
    """How a list operation pages: the client returns a page object that iterates every item.

    Field names are wire names (the runtime reads them from the parsed response by alias). Chosen
    by generator/lower/pagination.py from the spec; spec/names.yaml `pagination:` overrides.
    """

    style: Literal["cursor", "page"]
    items_field: str  # the response's list ("data")
    item_type: TypeRef  # one element of that list
    param: str  # query parameter that selects the page: cursor ("after") or page number ("current_page")
    param_py: str  # that parameter's Python name in the method
    has_more_field: str | None = None  # boolean "more pages follow"
    cursor_field: str | None = None  # response field with the next cursor ("last_id"); else the last item's item_id_field
    item_id_field: str | None = None  # "id"
    total_field: str | None = None  # item count over all pages (page style)
    first_page: int = 0  # page number the server starts from when the parameter is left out

    @property
    def item_type_hint(self) -> str:
        return _render(self.item_type)


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
    chat_helpers: ChatHelpers | None = None
    # The method opens a WebSocket on the operation's URL (spec/names.yaml `websockets`)
    websocket: bool = False

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
class HeaderOption:
    """A client option sent as a header on every request (portkey-ai's `trace_id`, `aws_region`,
    ...): a constructor and `with_options()` argument. From spec/names.yaml `header_options`."""

    py_name: str  # "aws_region"
    wire_name: str  # "x-portkey-aws-region"
    kind: Literal["str", "bool", "json", "csv"]  # json: a mapping as JSON; csv: a list joined by commas


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
    # The client's User-Agent product token (`<this>/<generator version>`), from info.title.
    user_agent_product: str = "openapi-client-python"
    # The spec after overlay, as JSON text: the generated server serves it and enforces it.
    openapi_json: str = ""
    # The request types (TypedDicts and aliases) of the params module, in definition order.
    params: tuple["ParamType", ...] = ()
    # Client options sent as headers on every request (constructor and with_options()).
    header_options: tuple[HeaderOption, ...] = ()


@dataclass(frozen=True)
class ParamKey:
    """One key of a request TypedDict."""

    wire_name: str
    type: TypeRef  # in request form: models also accept their Param
    required: bool
    forward: bool = False  # names a Param defined later (or its own): written as a string


@dataclass(frozen=True)
class ParamType:
    """What a request may pass for one model class: ``<Class>Param`` in the params module.

    A TypedDict (``keys``) for an object class, so mypy checks dict literals key by key;
    otherwise an alias (``alias``) of the class's type in request form (an enum's Literal, a
    union of member Params...). ``functional``: keys that cannot be class-body names use the
    ``TypedDict("Name", {...})`` form. The module evaluates its annotations (so that ``Required``
    is seen at run time, by pydantic too): a type naming a Param not defined before it is written
    as a string (``ParamKey.forward``; ``quoted`` for an alias).
    """

    name: str  # "ChatCompletionRequestUserMessageParam"
    model: str  # "ChatCompletionRequestUserMessage"
    description: str | None = None
    keys: tuple[ParamKey, ...] = ()
    alias: TypeRef | None = None
    functional: bool = False
    quoted: bool = False


def _render(t: TypeRef) -> str:
    from .typeref import render

    return render(t)
