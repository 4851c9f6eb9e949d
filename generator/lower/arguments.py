"""Per-operation decisions the emitters lay out: client arguments and return types, query and
body encodings, stream mode, and the server's input fields and route path.

Everything here reads an operation whose Python names are final (lower/api.py names them first)
and returns IR values; nothing here renders text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from .. import typeref as tr
from ..ir import (
    Argument,
    BodyEncoding,
    ClientReturns,
    InputField,
    Operation,
    Parameter,
    QueryEncoding,
    RequestBody,
    ServerResponse,
    Streaming,
    TypeRef,
    WireDecoding,
)
from ..naming import request_type_name, safe_identifier

NOT_GIVEN_TYPE = tr.name("NotGiven")
# The stream flag's type when the method is not an overload variant (see emit_client's overloads).
STREAM_FLAG_TYPE = TypeRef("union", args=(tr.BOOL, tr.NONE, NOT_GIVEN_TYPE))
# Types FastAPI reads from a query/header/form value without help.
_SIMPLE_NAMES = frozenset({"str", "int", "float", "bool", "bytes", "None"})
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}


# -- encodings -----------------------------------------------------------------------------------
def query_encoding(location: str, node: Mapping[str, Any]) -> tuple[QueryEncoding, str]:
    """How a query parameter's value is sent, from its OpenAPI `style`/`explode`: `name[key]=value`
    (deepObject), items joined by a delimiter (`explode: false`, space/pipeDelimited), or the key
    repeated per item (the default). Other locations: ("", "")."""
    if location != "query":
        return "", ""
    style = str(node["style"]) if isinstance(node.get("style"), str) else "form"
    if style == "deepObject":
        return "deep", ""
    explode = node.get("explode", node.get("style") in (None, "form")) is not False
    delimiter = _DELIMITERS[style] if style in _DELIMITERS else None if explode else ","
    return ("delimited", delimiter) if delimiter is not None else ("", "")


def body_encoding(kind: str, has_fields: bool) -> BodyEncoding:
    """How the client sends a body of this kind (see ir.BodyEncoding)."""
    if kind in ("multipart", "form") and has_fields:
        return "form"
    if kind in ("binary", "text"):
        return "content"
    return "json_fields" if has_fields else "json"


# -- the client method ---------------------------------------------------------------------------
def request_form(t: TypeRef) -> TypeRef:
    """What an argument of type `t` accepts (model instances or their Params, see typeref)."""
    return tr.request_form(t, request_type_name)


def _optional_argument(t: TypeRef) -> TypeRef:
    """An argument that may be left out: `t | NotGiven` (NotGiven last, after None)."""
    return TypeRef("union", args=(*tr.members(t), NOT_GIVEN_TYPE))


def _argument(py: str, wire: str, location: Any, t: TypeRef, required: bool, desc: str | None, **kw: Any) -> Argument:
    form = request_form(t)
    return Argument(py, wire, location, form if required else _optional_argument(form), required, desc, **kw)


def client_arguments(op: Operation) -> tuple[Argument, ...]:
    """The client method's arguments: path parameters (positional), then the body (its fields, or
    the whole body as `body`), then query and header parameters. Cookies are the http client's."""
    args = [_argument(p.py_name, p.wire_name, "path", p.type, True, p.description) for p in op.path_params]
    body, flag = op.body, op.streaming.flag_field if op.streaming else None
    if body is not None and body.fields:
        for f in body.fields:
            if f.py_name == flag:
                args.append(Argument(f.py_name, f.wire_name, "field", STREAM_FLAG_TYPE, False, f.description, True))
            else:
                args.append(_argument(f.py_name, f.wire_name, "field", f.type, f.required, f.description))
    elif body is not None:
        args.append(_argument("body", "", "body", body.type, body.required, body.description))
    for p in op.query_params + op.header_params:
        extra = {"encoding": p.encoding, "delimiter": p.delimiter} if p.location == "query" else {}
        args.append(_argument(p.py_name, p.wire_name, p.location, p.type, p.required, p.description, **extra))
    return tuple(args)


def client_returns(op: Operation) -> ClientReturns:
    success = op.success
    result = success.type if success.kind != "empty" else tr.NONE
    if success.kind == "binary":
        # An object with read()/iter_bytes()/write_to_file(), as the openai SDK returns.
        result = tr.name("BinaryResponse")
    if success.kind == "sse" and op.streaming:
        result = op.streaming.chunk_type
    names = {p.py_name for p in op.parameters} | {f.py_name for f in (op.body.fields if op.body else ())}
    shadowed = frozenset(names & tr.BUILTIN_NAMES)
    sync_ret = async_ret = result
    if op.websocket:  # connect(): a context manager opening the WebSocket (_runtime/websocket.py)
        ws = tr.name("RealtimeConnectionManager"), tr.name("AsyncRealtimeConnectionManager")
        return ClientReturns(result, *ws, shadowed=shadowed)
    if op.pagination is not None:  # never with streaming (see lower/api.py)
        item = op.pagination.item_type
        sync_ret, async_ret = tr.generic("SyncPage", result, item), tr.generic("AsyncPaginator", result, item)
    if op.streaming is None:
        return ClientReturns(result, sync_ret, async_ret, shadowed=shadowed)
    chunk = op.streaming.chunk_type
    stream, async_stream = tr.generic("Stream", chunk), tr.generic("AsyncStream", chunk)
    if op.streaming.flag_field:
        return ClientReturns(
            result, tr.union(sync_ret, stream), tr.union(async_ret, async_stream), stream, async_stream, True, shadowed
        )
    return ClientReturns(result, stream, async_stream, stream, async_stream, shadowed=shadowed)


def helper_arguments(op: Operation, arguments: tuple[Argument, ...]) -> tuple[Argument, ...]:
    """The chat helpers' keyword arguments (stream()/parse()): the method's `arguments` without the
    stream flag, the response format field also taking a pydantic class (`type[ResponseFormatT]`:
    parse()'s result is generic over it)."""
    helpers = op.chat_helpers
    if helpers is None:
        return ()
    out = []
    for a in arguments:
        if a.stream_flag:
            continue
        if a.py_name == helpers.response_format_field and a.location == "field":
            as_class = TypeRef("union", args=(tr.name("builtins.type[ResponseFormatT]"), *tr.members(a.type)))
            a = replace(a, type=as_class)
        out.append(a)
    return tuple(out)


# -- the server route ----------------------------------------------------------------------------
def _is_list(t: TypeRef) -> bool:
    return t.kind == "generic" and t.name == "list"


def _has_list(t: TypeRef) -> bool:
    return any(_is_list(n) for n in tr.walk(t))


def _is_simple(t: TypeRef) -> bool:
    """A type FastAPI reads from a query/header/form value without help (scalars, literals, enums,
    a list of them). Not an object model: FastAPI would read a model in `Query` from the whole
    query string."""
    if _is_list(t):
        t = t.args[0]
    return all(
        m.kind == "literal" or (m.kind == "model" and m.enum) or (m.kind == "name" and m.name in _SIMPLE_NAMES)
        for m in tr.members(t)
    )


def _parameter_input(p: Parameter) -> InputField:
    simple = _is_simple(p.type) and not (p.location != "query" and _has_list(p.type))
    # Objects (and lists outside the query string) travel as JSON text: read a string, then
    # validate it into the declared type (a 400 names the parameter when it does not parse).
    # Query arrays in one value are split; a deepObject is gathered from its `name[key]` pairs.
    decode: WireDecoding = "" if simple else "json"
    delimiter = ""
    if p.encoding == "deep":
        simple, decode = False, "deep"
    elif p.encoding == "delimited" and _has_list(p.type):
        simple, decode, delimiter = False, "delimited", p.delimiter
    alias: str | None = p.wire_name
    if p.location == "path":
        # The route variable is the wire name when that is an identifier (FastAPI matches it through
        # the alias), else the local name itself (no alias; the OpenAPI output renames it back).
        alias = p.wire_name if p.wire_name.isidentifier() and p.wire_name != p.py_name else None
    wire_type = p.type if simple else tr.STR
    required = p.required or p.location == "path"
    return InputField(p.py_name, p.py_name, alias, p.location, "param", p.type, wire_type, required, decode, delimiter, p.description)


def _body_inputs(body: RequestBody | None, taken: set[str]) -> list[InputField]:
    """Input fields for the request body: the whole JSON body, form fields, or the raw body."""
    if body is None:
        return []
    if body.kind == "json":
        name = safe_identifier("body", reserved=taken)
        return [InputField(name, "_body", None, "body", "json", body.type, body.type, body.required, description=body.description)]
    if body.kind in ("multipart", "form") and body.fields:
        out = []
        for f in body.fields:
            local = f.py_name  # the endpoint's own names start with `_`, which no spec-made name does
            if f.is_file:
                upload = tr.name("UploadFile")
                t = tr.list_of(upload) if any(_is_list(m) for m in tr.members(f.type)) else upload
                out.append(InputField(f.py_name, local, f.wire_name, "body", "file", t, t, f.required, description=f.description))
            else:
                decode: WireDecoding = "" if _is_simple(f.type) else "json"
                wire_type = tr.STR if decode else f.type
                out.append(
                    InputField(f.py_name, local, f.wire_name, "body", "form", f.type, wire_type, f.required, decode, description=f.description)
                )
        return out
    # Binary, text, or a form without a field list: read from the request as it is.
    t = {"binary": tr.BYTES, "text": tr.STR}.get(body.kind, tr.dict_of(tr.ANY))
    name = safe_identifier("body", reserved=taken)
    return [InputField(name, "_body", None, "body", "raw", t, t, True, description=body.description)]


def server_route(op: Operation) -> dict[str, Any]:
    """The operation's input fields, FastAPI path and path renames (Operation fields)."""
    inputs: list[InputField] = []
    route_path, renames = op.path, []
    for p in op.path_params:
        var = p.wire_name if p.wire_name.isidentifier() else p.py_name
        route_path = route_path.replace("{" + p.wire_name + "}", "{" + var + "}")
        if var != p.wire_name:
            renames.append((var, p.wire_name))
        inputs.append(_parameter_input(p))
    for p in op.query_params + op.header_params + op.cookie_params:
        inputs.append(_parameter_input(p))
    inputs += _body_inputs(op.body, {p.py_name for p in op.parameters})
    return {"inputs": tuple(inputs), "route_path": route_path, "route_renames": tuple(renames)}


def stream_mode(streaming: Streaming | None, body: RequestBody | None, inputs: tuple[InputField, ...]) -> Streaming | None:
    """`streaming` with how the route learns a stream was asked for (see ir.StreamMode)."""
    if streaming is None or streaming.flag_field is None:
        return streaming
    flag = next((f for f in body.fields if f.py_name == streaming.flag_field), None) if body else None
    if flag is None or body is None:
        return replace(streaming, mode="never")
    if body.kind == "json":
        return replace(streaming, mode="json_flag", flag=flag.wire_name)
    local = next((i.local for i in inputs if i.name == flag.py_name), None)
    return replace(streaming, mode="form_flag", flag=local) if local else replace(streaming, mode="never")


def server_response(op: Operation) -> ServerResponse:
    """How the route answers: a JSON model (or a stream when asked), SSE, bytes, text or nothing."""
    success, streaming = op.success, op.streaming
    kind = success.kind
    chunk_iter = tr.generic("AsyncIterator", streaming.chunk_type) if streaming else None
    if streaming is not None and kind not in ("json", "sse"):
        kind = "json"
    if kind == "json":
        model = None if success.type in (tr.ANY, tr.NONE) else success.type
        if chunk_iter:
            return ServerResponse(kind, model, False, (("text/event-stream", "string"),), tr.union(success.type, chunk_iter))
        return ServerResponse(kind, model, False, (), success.type)
    if kind == "sse":
        iterator = chunk_iter or tr.generic("AsyncIterator", tr.ANY)
        return ServerResponse(kind, None, True, (("text/event-stream", "string"),), iterator)
    if kind == "binary":
        media = success.media_type or "application/octet-stream"
        return ServerResponse(kind, None, True, ((media, "binary"),), tr.union(tr.BYTES, tr.generic("AsyncIterator", tr.BYTES)))
    if kind == "text":
        return ServerResponse(kind, None, True, ((success.media_type or "text/plain", "string"),), tr.STR)
    return ServerResponse("empty", None, True, (), tr.NONE)


def finish(op: Operation) -> Operation:
    """`op` with the client's and the server's decisions filled in."""
    route = server_route(op)
    op = replace(op, **route, streaming=stream_mode(op.streaming, op.body, route["inputs"]))
    arguments = client_arguments(op)
    helpers = op.chat_helpers and replace(op.chat_helpers, arguments=helper_arguments(op, arguments))
    return replace(
        op, arguments=arguments, returns=client_returns(op), server_response=server_response(op), chat_helpers=helpers
    )
