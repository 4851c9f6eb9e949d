"""The intermediate representation: plain frozen data carrying every final decision.

Templates only lay this out. Types are `TypeRef` trees (generator/typeref.py builds, transforms
and renders them); model classes render as ``_models.ClassName`` and request TypedDicts as
``_params.ClassNameParam`` (generated modules import those modules under these aliases, so a spec
name can never shadow a runtime name).
"""

from __future__ import annotations

from dataclasses import dataclass
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
# How the client sends a request body: `data=`/`files=` form fields, `content=` raw bytes or
# text, `json_body=` built from the fields, or `json_body=` the whole `body` argument.
BodyEncoding = Literal["form", "content", "json_fields", "json"]
# How a value travels in the query string: each item repeats the key (""), items joined by a
# delimiter ("delimited": `explode: false`, space/pipeDelimited), `name[key]=value` ("deep").
QueryEncoding = Literal["", "delimited", "deep"]
# How the server turns the wire text into the declared type: FastAPI itself (""), JSON text
# ("json"), items joined by a delimiter ("delimited"), `name[key]` query pairs ("deep").
WireDecoding = Literal["", "json", "delimited", "deep"]
# How a route learns that a stream was asked for: never, always, the JSON body's flag, a form field.
StreamMode = Literal["never", "always", "json_flag", "form_flag"]


@dataclass(frozen=True)
class Parameter:
    """A path/query/header/cookie parameter of an operation, as the spec declares it."""

    wire_name: str
    py_name: str
    location: ParamLocation
    required: bool
    type: TypeRef  # without "| None" for optional-ness
    description: str | None = None
    pointer: str = ""
    encoding: QueryEncoding = ""  # query parameters only
    delimiter: str = ""  # with encoding "delimited"

    @property
    def type_hint(self) -> str:
        return _render(self.type)


@dataclass(frozen=True)
class BodyField:
    wire_name: str
    py_name: str
    type: TypeRef
    required: bool
    description: str | None = None
    is_file: bool = False

    @property
    def type_hint(self) -> str:
        return _render(self.type)


@dataclass(frozen=True)
class RequestBody:
    media_type: str
    kind: BodyKind
    type: TypeRef  # the whole body, e.g. _models.CreateChatCompletionRequest
    required: bool
    fields: tuple[BodyField, ...] = ()  # top-level properties when the body is an object
    description: str | None = None
    encoding: BodyEncoding = "json"

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

    flag_field: str | None  # body field (Python name) that switches to SSE ("stream"); None: always streams
    chunk_type: TypeRef
    terminator: str | None = None  # `data:` payload that must end the stream (x-stream-terminator)
    # How the server's route learns a stream was asked for, and the flag's wire name (json_flag)
    # or endpoint parameter (form_flag).
    mode: StreamMode = "always"
    flag: str | None = None

    @property
    def chunk_type_hint(self) -> str:
        return _render(self.chunk_type)


@dataclass(frozen=True)
class ChatHelpers:
    """openai's chat helpers beside the operation's method: `stream(...)` (a context manager of
    content/tool-call events, `get_final_completion()`) and `parse(...)` (the completion with
    `.choices[i].message.parsed`). Chosen by spec/names.yaml `chat_helpers:` (lower/helpers.py)."""

    response_format_field: str | None  # body field (Python name) that also takes a pydantic class
    # stream()/parse()'s keyword arguments: the method's without the stream flag, the response
    # format field also taking a pydantic class (lower/arguments.py `finish`)
    arguments: tuple["Argument", ...] = ()
    # parse()'s typed result; None when the completion is not openai's shape (choices[i].message)
    parsed: "ParsedTypes | None" = None


@dataclass(frozen=True)
class ParsedTypes:
    """What parse() returns, for type checkers: generic subclasses (`Name[T]`) of the completion,
    choice and message models, whose `choices[i].message.parsed` is `T | None`, T the response
    format class. Each pair: (model class, generic class name)."""

    completion: tuple[str, str]
    choice: tuple[str, str]
    message: tuple[str, str]


@dataclass(frozen=True)
class Pagination:
    """How a list operation pages: the client returns a page object that iterates every item.

    Field names are wire names (the runtime reads them from the parsed response by alias). Chosen
    by generator/lower/pagination.py from the spec; spec/names.yaml `pagination:` overrides.
    """

    style: Literal["cursor", "page", "single"]  # single: one page, no next (param "" then)
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
class Argument:
    """One keyword argument of the client method (after the positional path parameters)."""

    py_name: str
    wire_name: str  # "" for the whole body
    location: Literal["path", "query", "header", "field", "body"]  # field: one body property
    type: TypeRef  # in request form (models also take their Param); `| NotGiven` when optional
    required: bool  # else defaults to NOT_GIVEN
    description: str | None = None
    stream_flag: bool = False  # the body field that switches the response to a stream
    encoding: QueryEncoding = ""  # query arguments: how the runtime encodes the value
    delimiter: str = ""


@dataclass(frozen=True)
class ClientReturns:
    """What the client method returns, decided once for sync and async."""

    result: TypeRef  # the parsed result of a call that does not stream (`cast_to`)
    sync: TypeRef  # the method's return annotation (a page, a stream, or a union of both kinds)
    async_: TypeRef
    stream: TypeRef | None = None  # the `stream=True` overload (with `overloads`), or the stream type
    async_stream: TypeRef | None = None
    overloads: bool = False  # a stream flag switches the return type: three overloads
    # Builtin names the method's parameters redefine: its cast targets say `builtins.<name>`.
    shadowed: frozenset[str] = frozenset()


InputSource = Literal["param", "json", "form", "file", "raw"]


@dataclass(frozen=True)
class InputField:
    """One field of an operation's server input object, and the endpoint parameter reading it."""

    name: str  # attribute on the input object
    local: str  # endpoint parameter ("_body" for a whole body)
    alias: str | None  # wire name FastAPI matches, when it is not `local`
    location: Literal["path", "query", "header", "cookie", "body"]
    source: InputSource  # param: path/query/header/cookie; json: the whole JSON body; raw: read by the runtime
    type: TypeRef  # the field's type
    wire_type: TypeRef  # what FastAPI validates the wire value into (`str` for JSON-carrying text)
    required: bool  # else defaults to None
    decode: WireDecoding = ""
    delimiter: str = ""
    description: str | None = None


@dataclass(frozen=True)
class ServerResponse:
    """How a server route answers the operation's success."""

    kind: ResponseKind  # what the runtime sends: json (a stream too when asked), sse, binary, text, empty
    model: TypeRef | None  # FastAPI's response_model (a JSON success with a type)
    plain: bool  # sent as a plain `Response` (FastAPI does not encode it)
    content: tuple[tuple[str, str], ...]  # (media type, "string" | "binary") documented besides JSON
    returns: TypeRef  # the service method's return type


@dataclass(frozen=True)
class Operation:
    key: str  # "POST /chat/completions": unique, used in API.md and tests
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
    path_params: tuple[Parameter, ...]
    query_params: tuple[Parameter, ...]
    header_params: tuple[Parameter, ...]
    cookie_params: tuple[Parameter, ...]
    body: RequestBody | None
    success: Response
    streaming: Streaming | None
    server_group: str  # ServerGroup.py_name
    security: tuple[tuple[str, ...], ...]  # alternatives; each a tuple of SecurityScheme.py_name
    pointer: str  # "#/paths/~1chat~1completions/post"
    pagination: Pagination | None = None
    chat_helpers: ChatHelpers | None = None
    # The method opens a WebSocket on the operation's URL (spec/names.yaml `websockets`)
    websocket: bool = False
    # The client method: its keyword arguments in order (path parameters are positional) and returns.
    arguments: tuple[Argument, ...] = ()
    returns: ClientReturns | None = None
    # The server route: the input class, its fields in endpoint order, the FastAPI path (path
    # variables that are not identifiers renamed) and the renames (route variable, spec name).
    input_class: str = ""
    server_response: ServerResponse | None = None
    inputs: tuple[InputField, ...] = ()
    route_path: str = ""
    route_renames: tuple[tuple[str, str], ...] = ()

    @property
    def parameters(self) -> tuple[Parameter, ...]:
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
    env_var: str | None = None


@dataclass(frozen=True)
class Resource:
    name: str  # attribute on the parent ("completions"); "" for the root
    path: tuple[str, ...]  # ("chat", "completions")
    class_name: str  # "ChatCompletions"; unique
    operations: tuple[Operation, ...] = ()
    children: tuple["Resource", ...] = ()
    module: str = ""  # top-level resources: the client module that holds them (client/resources/<module>.py)
    # Builtin names the class redefines (a `list` method, a `type` child): type checkers read
    # annotation names in class scope, so its annotations say `builtins.<name>`.
    shadowed: frozenset[str] = frozenset()

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class Service:
    """The server side of one top-level resource: its service class, create_app keyword and routes."""

    resource: str  # Resource.name of the top-level resource
    keyword: str  # create_app keyword
    class_name: str  # "ChatService"
    module: str  # module name in server/routes, inputs and services (the client's Resource.module)
    routes: tuple[str, ...]  # Operation.key of its operations, in route order


@dataclass(frozen=True)
class TracingHeader:
    """A tracing header the server's RequestContext offers as a field."""

    name: str  # RequestContext field ("trace_id")
    wire_name: str  # lower case ("x-portkey-trace-id")
    description: str | None = None


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
    client_name: str = "Client"  # sync client class; the async one is "Async" + this
    # The client's User-Agent product token (`<this>/<generator version>`), from info.title.
    user_agent_product: str = "openapi-client-python"
    # The spec after overlay, as JSON text: the generated server serves it and enforces it.
    openapi_json: str = ""
    # The request types (TypedDicts and aliases) of the params module, in definition order.
    params: tuple["RequestType", ...] = ()
    # Server services in create_app order (a router whose route would swallow another's path comes later).
    services: tuple[Service, ...] = ()
    tracing_headers: tuple[TracingHeader, ...] = ()
    # Client options sent as headers on every request (constructor and with_options()).
    header_options: tuple[HeaderOption, ...] = ()


@dataclass(frozen=True)
class RequestKey:
    """One key of a request TypedDict."""

    wire_name: str
    type: TypeRef  # in request form: models also accept their Param
    required: bool
    forward: bool = False  # names a Param defined later (or its own): written as a string


@dataclass(frozen=True)
class RequestType:
    """What a request may pass for one model class: ``<Class>Param`` in the params module.

    A TypedDict (``keys``) for an object class, so mypy checks dict literals key by key;
    otherwise an alias (``alias``) of the class's type in request form (an enum's Literal, a
    union of member Params...). ``functional``: keys that cannot be class-body names use the
    ``TypedDict("Name", {...})`` form. The module evaluates its annotations (so that ``Required``
    is seen at run time, by pydantic too): a type naming a Param not defined before it is written
    as a string (``RequestKey.forward``; ``quoted`` for an alias).
    """

    name: str  # "ChatCompletionRequestUserMessageParam"
    model: str  # "ChatCompletionRequestUserMessage"
    description: str | None = None
    keys: tuple[RequestKey, ...] = ()
    alias: TypeRef | None = None
    functional: bool = False
    quoted: bool = False


def _render(t: TypeRef) -> str:
    from .typeref import render

    return render(t)
