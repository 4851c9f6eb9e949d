"""The one sanitiser: every Python name the generator writes comes from a function here.

All functions are pure and deterministic: the same text always gives the same name, so a spec
that does not change gives byte-identical output, and a name never depends on a counter
unless two different texts would otherwise collide.

Schema/class/enum/field naming (used by the models step):

* ``class_name("chat.completion-chunk") == "ChatCompletionChunk"``; already-valid PascalCase is
  kept exactly (``OpenAIFile`` stays ``OpenAIFile``).
* ``snake_name("maxTokens") == "max_tokens"``: field and parameter names;
  ``model_field_name("json") == "json_"`` for pydantic model fields.
* ``enum_member_name("C#") == "C_SHARP"``: enum members, UPPER_SNAKE.
* ``safe_identifier(name, reserved=...)``: append ``_`` until the name is no keyword and not in
  ``reserved`` (e.g. :data:`MODEL_FIELD_RESERVED` for pydantic model fields).
* ``unique_name(name, taken)``: deterministic de-duplication for the rare true collision.
* ``module_names(names, suffix=...)``: file names for modules named after identifiers (one
  client module per top-level resource), clear of :data:`MODULE_RESERVED`.

Client and server naming (used by generator/lower/): one :class:`Scope` per namespace of the
generated code (client module, client class, constructor, method, create_app, params module,
RequestContext) holding the names the templates use there (their own locals start with `_`, which
no spec-made name does: only public keywords and names a body reads need reserving); the suffixes of
derived names (``Input``, ``Service``, ``Param``, ``Resource``, ``Client``, ``_resource``); and
the functions that apply them (``input_class_name``, ``service_class_name``, ``app_keyword``,
``resource_class_name``, ``client_class_name``, ``MethodNames``, ``server_group_name``).
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable

__all__ = [
    "BASE_MODEL_ATTRIBUTES",
    "CLASS_RESERVED",
    "MODEL_FIELD_RESERVED",
    "class_name",
    "enum_member_name",
    "enum_member_names",
    "is_pascal_case",
    "model_field_name",
    "module_names",
    "MODULE_RESERVED",
    "safe_identifier",
    "snake_name",
    "unique_name",
    "user_agent_product",
    "words",
]

# --- reserved names --------------------------------------------------------------------------

#: Attributes of ``pydantic.BaseModel`` (v2, including the deprecated v1 API). A field with one
#: of these names shadows the attribute: pydantic refuses or misbehaves. Kept as a fixed list
#: (not ``dir(BaseModel)`` at run time) so the output does not depend on the installed pydantic;
#: a test checks it covers the installed version.
BASE_MODEL_ATTRIBUTES = frozenset(
    {
        "construct", "copy", "dict", "fields", "from_orm", "json", "parse_file", "parse_obj",
        "parse_raw", "schema", "schema_json", "update_forward_refs", "validate",
        "model_computed_fields", "model_config", "model_construct", "model_copy", "model_dump",
        "model_dump_json", "model_extra", "model_fields", "model_fields_set",
        "model_json_schema", "model_parametrized_name", "model_post_init", "model_rebuild",
        "model_validate", "model_validate_json", "model_validate_strings", "mro", "register",
        "__fields__", "__fields_set__",
    }
)  # fmt: skip

#: Names a field must not take in a generated models module: BaseModel attributes, plus names
#: the module's annotations use (a class attribute named ``str`` or ``list`` shadows the type
#: for later annotations in the same class body) and the names the module imports.
MODEL_FIELD_RESERVED = BASE_MODEL_ATTRIBUTES | frozenset(
    {
        # builtins used in annotations
        "bool", "bytes", "dict", "float", "frozenset", "int", "list", "set", "str", "tuple",
        # datetime / uuid / decimal types the models module may import
        "date", "datetime", "time", "timedelta", "timezone", "UUID", "Decimal",
        # typing / pydantic / enum names the models module may import
        "Annotated", "Any", "Literal", "Optional", "Union", "BaseModel", "ConfigDict", "Field",
        "RootModel", "AwareDatetime", "NaiveDatetime", "Enum", "IntEnum", "StrEnum",
        "annotations",
        # the methods of the generated bases (templates/package/_model_base.py)
        "to_dict", "to_json",
    }
)  # fmt: skip

#: Class names that would shadow something the models module (or a consumer importing it as
#: ``_models``) relies on. ``class_name`` appends ``Model`` to these.
CLASS_RESERVED = frozenset(
    {
        "Annotated", "Any", "Literal", "Optional", "Union", "BaseModel", "ConfigDict", "Field",
        "RootModel", "AwareDatetime", "NaiveDatetime", "Enum", "IntEnum", "StrEnum", "UUID",
        "Decimal", "None", "True", "False", "Ellipsis", "NotImplemented",
    }
    | {name for name in dir(builtins) if name[:1].isupper()}  # Exception, ValueError, ...
)  # fmt: skip

#: Module names a generated module named after the spec must not take: files Python or pytest
#: run on their own, and the runtime modules the generated client ships.
MODULE_RESERVED = frozenset(
    {"__init__", "__main__", "conftest", "sitecustomize", "usercustomize", "_runtime", "_pagination", "_client"}
)

# --- splitting text into words ---------------------------------------------------------------

# Symbols that carry meaning in enum values (C#, C++) and would otherwise vanish.
_SYMBOL_WORDS = {
    "#": "sharp",
    "+": "plus",
    "*": "star",
    "@": "at",
    "&": "and",
    "%": "percent",
    "=": "eq",
    "<": "lt",
    ">": "gt",
    "!": "not",
    "~": "tilde",
    "$": "dollar",
}
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
# lower→Upper boundary, ACRONYMWord boundary, letter↔digit is NOT a boundary (gpt4o, v2).
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")


def _ascii(text: str) -> str:
    """Transliterate to ASCII (é→e); characters without an ASCII form are dropped."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def words(text: str, *, symbols: bool = False, camel: bool = True) -> list[str]:
    """Split `text` into ASCII alphanumeric words, in order, case preserved.

    ``symbols=True`` turns ``#``/``+``/... into words (for enum values such as ``C#``).
    ``camel=False`` keeps ``fooBar`` as one word.
    """
    text = str(text)
    if symbols:
        text = "".join(f" {_SYMBOL_WORDS[c]} " if c in _SYMBOL_WORDS else c for c in text)
    parts = [p for p in _NON_ALNUM.split(_ascii(text)) if p]
    if camel:
        parts = [w for p in parts for w in _CAMEL.split(p) if w]
    return parts


# --- public naming functions -----------------------------------------------------------------


def is_pascal_case(text: str) -> bool:
    """``True`` for ASCII PascalCase without separators (``OpenAIFile``, ``V2Model``)."""
    return bool(_PASCAL.fullmatch(text))  # fullmatch: "$" would accept a trailing newline


def class_name(text: str, *, reserved: Collection[str] = CLASS_RESERVED) -> str:
    """A PascalCase class name for `text`.

    Valid PascalCase is kept exactly (``CreateChatCompletionRequest``, ``OpenAIFile``); otherwise
    words are split on anything non-alphanumeric and camel-case humps and each gets an upper-case
    first letter, the rest unchanged (``chat.completion-chunk`` → ``ChatCompletionChunk``,
    ``tool_calls`` → ``ToolCalls``). A leading digit gets the prefix ``Schema``; names in
    `reserved` (``Field``, ``Any``, ``None``, builtins like ``Exception``) get the suffix ``Model``.
    """
    text = str(text)
    if is_pascal_case(text):
        name = text
    else:
        name = "".join(w[:1].upper() + w[1:] for w in words(text, camel=False))
        if not name:
            name = "Schema"
        elif name[0].isdigit():
            name = "Schema" + name
    if name in reserved:
        name += "Model"
    return name


def snake_name(text: str) -> str:
    """A snake_case identifier for `text` (not yet checked against keywords: see `safe_identifier`).

    ``maxTokens`` → ``max_tokens``, ``HTTPStatus`` → ``http_status``, ``X-Portkey-Api-Key`` →
    ``x_portkey_api_key``, ``$ref`` → ``ref``, ``_id`` → ``id``, ``2fa`` → ``field_2fa``,
    ``""`` → ``field``. Leading underscores are dropped (pydantic treats them as private).
    """
    parts = [w.lower() for w in words(str(text))]
    name = "_".join(parts)
    if not name:
        return "field"
    if name[0].isdigit():
        name = "field_" + name
    return name


# Words that say only "this is an API" and do not name the product (dropped from a title).
_GENERIC_TITLE_WORDS = frozenset({"api", "apis", "rest", "openapi", "http", "spec", "specification"})


def user_agent_product(title: str, fallback: str) -> str:
    """The product token of a generated client's User-Agent (``<product>/<version>``), from the
    spec's ``info.title``: its ASCII words, lower case, joined by ``-``, generic words (``API``,
    ``REST``...) left out, first four, with ``-python`` (``"Swagger Petstore"`` →
    ``swagger-petstore-python``, ``"Portkey API"`` → ``portkey-python``). `fallback` (e.g. the
    package name) is used the same way when the title has no such word. Only RFC 9110 token
    characters remain, so the header is always valid.
    """
    for text in (title, fallback):
        kept = [w.lower() for w in words(text, camel=False) if w.lower() not in _GENERIC_TITLE_WORDS]
        if kept:
            return "-".join(kept[:4])[:60].rstrip("-") + "-python"
    return "openapi-client-python"


def safe_identifier(name: str, *, reserved: Collection[str] = ()) -> str:
    """`name` with ``_`` appended while it is a Python keyword (soft keywords too) or in `reserved`.

    ``safe_identifier("from") == "from_"``; ``safe_identifier("json", reserved=MODEL_FIELD_RESERVED)
    == "json_"``. `name` must already be an identifier (use `snake_name`/`class_name` first).
    """
    if not name.isidentifier():
        raise ValueError(f"not an identifier: {name!r}")
    while keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in reserved:
        name += "_"
    return name


def py_name(text: str) -> str:
    """An attribute, method, parameter or resource name for `text`: snake_case, never a keyword."""
    return safe_identifier(snake_name(text))


#: Prefixes pydantic (>= 2.10) protects: a field starting with one of these triggers a warning.
PROTECTED_FIELD_PREFIXES = ("model_dump", "model_validate")


def model_field_name(text: str) -> str:
    """The Python name of a pydantic model field whose wire name is `text`.

    ``snake_name``, then ``_`` appended for keywords and :data:`MODEL_FIELD_RESERVED`
    (``json`` → ``json_``, ``str`` → ``str_``); names in pydantic's protected namespaces get a
    ``field_`` prefix (``model_dump`` → ``field_model_dump``).
    """
    name = snake_name(text)
    if name.startswith(PROTECTED_FIELD_PREFIXES):
        name = "field_" + name
    return safe_identifier(name, reserved=MODEL_FIELD_RESERVED)


def unique_name(name: str, taken: Callable[[str], bool] | Collection[str], *, sep: str = "") -> str:
    """`name`, or ``name{sep}2``, ``name{sep}3``... : the first that is not `taken`.

    The last resort for true collisions; callers try meaningful alternatives first.
    """
    is_taken = taken if callable(taken) else taken.__contains__
    if not is_taken(name):
        return name
    n = 2
    while is_taken(f"{name}{sep}{n}"):
        n += 1
    return f"{name}{sep}{n}"


def enum_member_name(value: object) -> str:
    """An UPPER_SNAKE enum member name for an enum value.

    ``"[DONE]"`` → ``DONE``, ``"C#"`` → ``C_SHARP``, ``"C++"`` → ``C_PLUS_PLUS``,
    ``"chat.completion"`` → ``CHAT_COMPLETION``, ``"inProgress"`` → ``IN_PROGRESS``,
    ``"gpt-4o"`` → ``GPT_4O``, ``""`` → ``EMPTY``, ``1`` → ``VALUE_1``, ``-1`` → ``VALUE_MINUS_1``,
    ``True`` → ``TRUE``, ``None`` → ``NONE``. Upper case cannot clash with keywords, ``str``
    methods (``str``-based enums) or ``Enum`` attributes (``name``, ``value``, ``mro``).
    """
    if value is None or isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        text = ("MINUS_" if value < 0 else "") + str(abs(value)).replace(".", "_").replace("+", "")
        return "VALUE_" + text.upper()
    parts = words(str(value), symbols=True)
    name = "_".join(p.upper() for p in parts)
    if not name:
        return "EMPTY"
    if name[0].isdigit():
        name = "VALUE_" + name
    return name


def enum_member_names(values: Iterable[object]) -> list[str]:
    """Distinct member names for all `values`, in order (see `enum_member_name`).

    On a collision (``"auto"`` and ``"AUTO"``) the later value tries its own text when that is
    a valid identifier not yet taken, then ``NAME_2``, ``NAME_3``...: deterministic and stable
    for the earlier values.
    """
    result: list[str] = []
    taken: set[str] = set()
    for value in values:
        name = enum_member_name(value)
        if name in taken:
            raw = str(value)
            if (
                isinstance(value, str)
                and raw.isidentifier()
                and raw.isascii()
                and not keyword.iskeyword(raw)
                and not raw.startswith("_")
                and raw not in taken
                and not hasattr(str, raw)  # members of str-based enums must not shadow str methods
                and raw not in {"name", "value", "mro"}
            ):
                name = raw
            else:
                name = unique_name(name, taken, sep="_")
        taken.add(name)
        result.append(name)
    return result


def module_names(names: Iterable[str], *, suffix: str) -> dict[str, str]:
    """A module (file) name for each identifier of `names`: the name itself, or `name + suffix`
    when it is in :data:`MODULE_RESERVED` (``conftest`` → ``conftest_resource``).

    The results are distinct even on a case-insensitive file system; a name kept as it is wins
    over a suffixed one, and the rare remaining clash is numbered. Deterministic: the result
    depends on the set of names, not on their order.
    """
    ordered = sorted(set(names))
    for name in ordered:
        if not name.isidentifier():
            raise ValueError(f"not an identifier: {name!r}")
    result: dict[str, str] = {}
    used: set[str] = set()
    for name in ordered:
        if name not in MODULE_RESERVED and name.casefold() not in used:
            result[name] = name
            used.add(name.casefold())
    for name in ordered:
        if name in result:
            continue
        module = unique_name(name + suffix, lambda m: m.casefold() in used or m in MODULE_RESERVED, sep="_")
        result[name] = module
        used.add(module.casefold())
    return result


# --- scopes: where a generated name lives and what it must not take there ----------------------
#
# Every reserved list of the client and server templates is here, one per scope, with the
# suffixes that move a clashing name aside. tests/test_template_locals.py renders a probe spec
# whose names are every name the templates use and checks with `ast` that none is shadowed.


class Scope:
    """A namespace of generated code (a module, a class, a method's locals) and the names the
    templates themselves use in it."""

    def __init__(self, where: str, reserved: Iterable[str]):
        self.where = where
        self.reserved = frozenset(reserved)

    def __contains__(self, name: object) -> bool:
        return name in self.reserved

    def __or__(self, other: Iterable[str]) -> frozenset[str]:
        return self.reserved | frozenset(other)

    def identifier(self, text: str) -> str:
        """A snake_case identifier for `text`, clear of keywords and of this scope's names."""
        return safe_identifier(snake_name(text), reserved=self.reserved)


#: Client modules (`_client.py`, `resources/<module>.py`): what they define or import. A resource
#: class or the client class must not take one.
CLIENT_MODULE_SCOPE = Scope(
    "client module",
    {
        "Any", "Literal", "Mapping", "Sequence", "TYPE_CHECKING", "lazy_module", "cast", "overload", "os", "httpx", "cached_property",
        "NotGiven", "Stream", "AsyncStream", "FileTypes", "SyncAPIClient", "AsyncAPIClient",
        "SyncResource", "AsyncResource", "Root", "SyncPage", "AsyncPaginator", "PageRule",
        "Self", "BinaryResponse", "NOT_GIVEN", "DEFAULT_MAX_RETRIES", "DeepObject", "Delimited",
        "RetryPolicy",
    },
)  # fmt: skip
#: What client/__init__.py re-exports besides the client classes: the client class must not take one.
CLIENT_PACKAGE_SCOPE = Scope(
    "client package",
    CLIENT_MODULE_SCOPE
    | {
        "raw_response_wrapper", "async_raw_response_wrapper",
        "streaming_response_wrapper", "async_streaming_response_wrapper", "request_id",
        "APIConnectionError", "APIError", "APIResponseValidationError", "APIStatusError",
        "APIStreamError", "APITimeoutError", "AuthenticationError", "BadRequestError",
        "ConflictError", "InternalServerError", "NotFoundError", "PermissionDeniedError",
        "RateLimitError", "RawResponse", "UnprocessableEntityError",
    },
)  # fmt: skip
#: Attributes of the generated client classes: a top-level resource must not take one.
CLIENT_CLASS_SCOPE = Scope(
    "client class",
    {
        "request", "close", "aclose", "copy", "with_options", "base_urls", "auth_headers",
        "default_headers", "default_query", "timeout", "max_retries", "retry_policy", "sleep", "clock",
        "with_raw_response",
    },
)  # fmt: skip
#: The per-call options every client method takes after its own arguments: (keyword, annotation,
#: default). templates/client/resource.py.j2 writes the signature and the forwarding from this
#: tuple (the chat helpers forward them too), and METHOD_SCOPE reserves the keywords.
CALL_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("extra_headers", "Mapping[str, object] | None", "None"),
    ("extra_query", "Mapping[str, object] | None", "None"),
    ("extra_body", "Mapping[str, object] | None", "None"),
    ("timeout", "float | httpx.Timeout | None | NotGiven", "NOT_GIVEN"),
    ("max_retries", "int | NotGiven", "NOT_GIVEN"),
)

# The scopes below hold only names a spec-made name can take: the templates' own locals all start
# with `_` (no spec-made name does), so what remains is public keywords and the module-level and
# builtin names a body reads. tests/test_template_locals.py checks both directions with `ast`.

#: The client constructor and copy(): their fixed keywords, the client attributes (each scheme is
#: stored as `self.<name>`), and the builtins and imports their bodies read.
CONSTRUCTOR_SCOPE = Scope(
    "client constructor",
    CLIENT_CLASS_SCOPE
    | {"self", "base_url", "timeout", "max_retries", "retry_policy", "default_headers", "default_query"}
    | {"http_client", "strict_response_validation", "base_urls", "auth_headers"}
    | {"os", "base64", "isinstance", "super", "str", "frozenset"},
)
#: A client method: `self`, its per-call options, and what its body reads (`cast(...)`,
#: `bool(stream)`, `isinstance(body, NotGiven)`, `builtins.<name>` when a parameter shadows one).
METHOD_SCOPE = Scope(
    "client method",
    {"self", *(keyword for keyword, _, _ in CALL_OPTIONS), "cast", "bool", "isinstance", "builtins"},
)
#: create_app(): its keywords that are not resources, and what its body calls.
APP_SCOPE = Scope(
    "create_app",
    {"mock", "prefix", "max_body_size", "title", "version", "lifespan", "dependencies", "docs_url", "list"},
)
#: The server's RequestContext: its own field (credentials and tracing headers are the others).
CONTEXT_SCOPE = Scope("RequestContext", {"request"})
#: The params module's own names: a TypedDict key with one of these takes the functional form.
PARAMS_MODULE_SCOPE = Scope(
    "params module", {"Any", "Literal", "Mapping", "Sequence", "Required", "TypeAlias", "TypedDict", "_models", "annotations"}
)
#: Server group names a group may not take: its client argument is `<name>_url` ("base" would be
#: `base_url`) and "default" is the spec's own `servers`.
SERVER_GROUP_RESERVED = frozenset({"default", "base"})

# Suffixes and prefixes of derived names, in one place.
ASYNC_PREFIX = "Async"  # the async twin of every client class
RESOURCE_SUFFIX = "Resource"  # a resource class clear of its module's names
CLIENT_SUFFIX = "Client"  # a client class clear of its package's names
MODULE_SUFFIX = "_resource"  # a resource module clear of MODULE_RESERVED
REQUEST_TYPE_SUFFIX = "Param"  # the request form of a model class
INPUT_SUFFIX = "Input"  # a server operation's input class
SERVICE_SUFFIX = "Service"  # a server resource's service class


def request_type_name(model_class: str) -> str:
    """`ChatMessage` -> `ChatMessageParam`: what a request may pass for that model class."""
    return model_class + REQUEST_TYPE_SUFFIX


def input_class_name(function_name: str) -> str:
    """`create_chat_completion` -> `CreateChatCompletionInput`."""
    return class_name(function_name) + INPUT_SUFFIX


def service_class_name(resource: str) -> str:
    """`chat` -> `ChatService`."""
    return class_name(resource) + SERVICE_SUFFIX


def app_keyword(resource: str) -> str:
    """The create_app keyword that takes a resource's service."""
    return APP_SCOPE.identifier(resource)


def resource_class_name(path: tuple[str, ...], taken: Collection[str], made: Collection[str] = ()) -> str:
    """PascalCase of the whole resource path, moved aside from `taken`, from the async twins and
    from the casefolded class names already `made` (client.a_b and client.a.b are both AB: the
    later one in path order is ABResource)."""
    name = class_name("_".join(path)) if path else "Root"
    if path and (name in taken or name.startswith(ASYNC_PREFIX) or name.casefold() in made):
        name += RESOURCE_SUFFIX
    return name


def client_class_name(name: str) -> str:
    """`name`, or `name + "Client"` while it or its Async twin is taken in the client modules."""
    while name in CLIENT_PACKAGE_SCOPE or ASYNC_PREFIX + name in CLIENT_PACKAGE_SCOPE:
        name += CLIENT_SUFFIX
    return name


class MethodNames:
    """Claims the Python names of one method's arguments, in order: the name of the wire text,
    else ``<text>_<location>`` (``metadata_header``), else numbered; never a `reserved` name."""

    def __init__(self, reserved: Iterable[str]):
        self.taken = set(reserved)

    def claim(self, wire: str, location: str) -> str:
        name = py_name(wire)
        if name in self.taken:
            name = py_name(f"{wire}_{location}")
        base, n = name, 2
        while name in self.taken:  # still taken: same wire name twice in one location (spec error) - keep both usable
            name, n = f"{base}_{location}{n}", n + 1
        self.taken.add(name)
        return name


def server_group_name(name: str, taken: Collection[str]) -> str:
    """`name` for a server group, clear of SERVER_GROUP_RESERVED (``base`` -> ``base_servers``)
    and of `taken` (numbered: two unnamed groups on one host stay reachable)."""
    base, n = name, 2
    if base in SERVER_GROUP_RESERVED:
        base = name = f"{base}_servers"
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def client_name_from_title(title: str) -> str:
    """The client class for an API title: its first two words that are not API/REST/OpenAPI."""
    kept = [w for w in re.split(r"[^A-Za-z0-9]+", title) if w and w.lower() not in ("api", "rest", "openapi")]
    return class_name(" ".join(kept[:2])) if kept else "Client"


def common_dash_prefix(names: list[str]) -> str:
    """The dash-separated words all `names` start with (``x-portkey-``), keeping at least one word
    of each: header credentials and parameters are named without it (``api_key``, ``trace_id``)."""
    parts = [n.split("-") for n in names]
    common: list[str] = []
    for tokens in zip(*parts):
        if len(set(tokens)) != 1:
            break
        common.append(tokens[0])
    if any(len(p) <= len(common) for p in parts):
        common = common[:-1]
    return "-".join(common) + "-" if common else ""
