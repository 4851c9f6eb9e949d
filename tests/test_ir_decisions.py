"""The IR carries every per-operation decision the emitters lay out (generator/lower/arguments.py,
generator/lower/services.py): client arguments with their request-form types, defaults and query
encodings, body encoding, stream mode, server input fields, names and route order."""

from __future__ import annotations

import json

import pytest

from portkey_codegen import Config, render_tree
from portkey_codegen import typeref as tr
from portkey_codegen.lower.arguments import body_encoding, query_encoding

STRING = {"type": "string"}
OK = {"200": {"description": "ok", "content": {"application/json": {"schema": STRING}}}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Decisions", "version": "1"},
    "paths": {
        "/notes": {
            "get": {
                "operationId": "listNotes",
                "parameters": [
                    {"name": "tags", "in": "query", "explode": False, "schema": {"type": "array", "items": STRING}},
                    {"name": "ids", "in": "query", "style": "pipeDelimited", "schema": {"type": "array", "items": STRING}},
                    {"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
                    {"name": "q", "in": "query", "required": True, "schema": STRING},
                    {"name": "X-Trace", "in": "header", "schema": STRING},
                ],
                "responses": OK,
            },
            "post": {
                "operationId": "createNote",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["text"],
                                "properties": {"text": STRING, "stream": {"type": "boolean"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": STRING}, "text/event-stream": {"schema": STRING}},
                    }
                },
            },
        },
        "/notes/{note-id}": {
            "get": {
                "operationId": "getNote",
                "parameters": [{"name": "note-id", "in": "path", "required": True, "schema": STRING}],
                "responses": OK,
            }
        },
        "/notes/latest": {"get": {"operationId": "latestNote", "responses": OK}},
        "/blobs": {"put": {"requestBody": {"content": {"application/octet-stream": {}}}, "responses": OK}},
    },
}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    root = tmp_path_factory.mktemp("decisions")
    (root / "spec.json").write_text(json.dumps(SPEC), "utf-8")
    config = Config(spec=root / "spec.json", out=root / "out", package_name="decisions", root=root, no_cache=True)
    return render_tree(config).api


def _op(api, key):
    return next(op for op in api.operations if op.key == key)


def test_query_encoding_follows_style_and_explode():
    assert query_encoding("query", {}) == ("", "")
    assert query_encoding("query", {"explode": False}) == ("delimited", ",")
    assert query_encoding("query", {"style": "spaceDelimited"}) == ("delimited", " ")
    assert query_encoding("query", {"style": "pipeDelimited", "explode": True}) == ("delimited", "|")
    assert query_encoding("query", {"style": "deepObject"}) == ("deep", "")
    assert query_encoding("header", {"explode": False}) == ("", "")


def test_body_encoding_by_kind():
    assert [body_encoding(k, f) for k, f in [("multipart", True), ("form", False), ("text", False), ("json", True), ("json", False)]] == [
        "form", "json", "content", "json_fields", "json"
    ]


def test_client_arguments_carry_types_defaults_and_encodings(api):
    args = {a.py_name: a for a in _op(api, "GET /notes").arguments}
    assert [a.location for a in args.values()] == ["query"] * 4 + ["header"]
    assert (args["tags"].encoding, args["tags"].delimiter) == ("delimited", ",")
    assert (args["ids"].encoding, args["ids"].delimiter) == ("delimited", "|")
    assert args["filter"].encoding == "deep"
    assert args["q"].required and args["q"].type == tr.STR
    assert not args["tags"].required and tr.members(args["tags"].type)[-1] == tr.name("NotGiven")
    assert args["tags"].type.args[0] == tr.generic("Sequence", tr.STR)  # request form of list[str]


def test_stream_flag_body_encoding_and_returns(api):
    op = _op(api, "POST /notes")
    assert op.body.encoding == "json_fields"
    flag = next(a for a in op.arguments if a.stream_flag)
    assert (flag.py_name, flag.location, flag.required) == ("stream", "field", False)
    assert (op.streaming.mode, op.streaming.flag) == ("json_flag", "stream")
    assert op.returns.overloads and op.returns.stream == tr.generic("Stream", tr.STR)
    assert op.returns.sync == tr.union(tr.STR, tr.generic("Stream", tr.STR))
    assert _op(api, "PUT /blobs").body.encoding == "content"


def test_server_inputs_names_and_route_order(api):
    listing = _op(api, "GET /notes")
    decode = {f.name: f.decode for f in listing.inputs}
    assert decode == {"tags": "delimited", "ids": "delimited", "filter": "deep", "q": "", "x_trace": ""}
    get = _op(api, "GET /notes/{note-id}")
    assert get.route_path == "/notes/{note_id}" and get.route_renames == (("note_id", "note-id"),)
    assert get.input_class == "GetNoteInput"
    (notes,) = [s for s in api.services if s.resource == "notes"]
    assert (notes.keyword, notes.class_name) == ("notes", "NotesService")
    # a static segment before a parameter at the same depth: /notes/latest before /notes/{note-id}
    assert notes.routes.index("GET /notes/latest") < notes.routes.index("GET /notes/{note-id}")
    assert _op(api, "PUT /blobs").inputs[-1].source == "raw"


def test_chat_helper_arguments_and_websocket_returns_decided_at_lowering(api):
    from dataclasses import replace

    from portkey_codegen.ir import ChatHelpers
    from portkey_codegen.lower.arguments import finish

    op = _op(api, "POST /notes")
    helped = finish(replace(op, chat_helpers=ChatHelpers(response_format_field="text")))
    args = {a.py_name: a for a in helped.chat_helpers.arguments}
    assert "stream" not in args and set(args) == {a.py_name for a in op.arguments if not a.stream_flag}
    assert tr.members(args["text"].type)[0] == tr.name("builtins.type[ResponseFormatT]")
    assert tr.members(args["text"].type)[1:] == tr.members(next(a for a in op.arguments if a.py_name == "text").type)
    assert finish(op).chat_helpers is None
    ws = finish(replace(_op(api, "GET /notes/latest"), websocket=True))
    assert (ws.returns.sync, ws.returns.async_) == (tr.name("RealtimeConnectionManager"), tr.name("AsyncRealtimeConnectionManager"))
    assert _op(api, "GET /notes/latest").returns.sync == tr.STR


def test_header_options_clear_of_the_constructor_scope(api):
    from portkey_codegen.diagnostics import GeneratorError
    from portkey_codegen.lower.api import _header_options
    from portkey_codegen.lower.operations import Overrides
    from portkey_codegen.naming import CONSTRUCTOR_SCOPE

    for name in sorted(n for n in CONSTRUCTOR_SCOPE.reserved if n.isidentifier() and n.islower())[:5] + ["isinstance"]:
        rules = Overrides.from_mapping({"header_options": {"options": {name: "str"}}})
        with pytest.raises(GeneratorError, match="constructor argument, attribute or a name its body reads"):
            _header_options(rules, api.root, {}, {})
    rules = Overrides.from_mapping({"header_options": {"prefix": "x-p-", "options": {"trace_id": "str"}}})
    (option,) = _header_options(rules, api.root, {}, {})
    assert (option.py_name, option.wire_name, option.kind) == ("trace_id", "x-p-trace-id", "str")


def _chat_spec(completion: dict) -> dict:
    """A chat-like operation (JSON body with a stream flag and response_format) answering `completion`."""
    body = {
        "type": "object",
        "required": ["model"],
        "properties": {"model": STRING, "stream": {"type": "boolean"}, "response_format": {"type": "object"}},
    }
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Completion"}},
               "text/event-stream": {"schema": STRING}}
    op = {"operationId": "createChat", "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
          "responses": {"200": {"description": "ok", "content": content}}}
    schemas = {
        "Completion": completion,
        "Choice": {"type": "object", "properties": {"index": {"type": "integer"}, "message": {"$ref": "#/components/schemas/Msg"}}},
        "Msg": {"type": "object", "properties": {"content": STRING}},
    }
    return {"openapi": "3.0.3", "info": {"title": "Chat", "version": "1"}, "paths": {"/chat": {"post": op}},
            "components": {"schemas": schemas}}


@pytest.mark.parametrize(
    "completion, expected",
    [
        ({"type": "object", "properties": {"choices": {"type": "array", "items": {"$ref": "#/components/schemas/Choice"}}}},
         ("Completion", "Choice", "Msg")),
        ({"type": "object", "properties": {"id": STRING}}, None),  # not openai's shape: parse() keeps the plain type
    ],
)
def test_parse_result_types_decided_at_lowering(tmp_path, completion, expected):
    (tmp_path / "spec.json").write_text(json.dumps(_chat_spec(completion)), "utf-8")
    (tmp_path / "names.json").write_text(json.dumps({"chat_helpers": ["POST /chat"]}), "utf-8")
    config = Config(spec=tmp_path / "spec.json", out=tmp_path / "out", package_name="chatty", root=tmp_path,
                    names=tmp_path / "names.json", no_cache=True)
    result = render_tree(config)
    (op,) = result.api.operations
    assert op.chat_helpers is not None
    parsed = op.chat_helpers.parsed
    resource = result.files["chatty/client/resources/chat.py"]
    if expected is None:
        assert parsed is None
        assert ") -> _models.Completion:" in resource.replace("\n", "")
        return
    assert (parsed.completion[0], parsed.choice[0], parsed.message[0]) == expected
    names = (parsed.completion[1], parsed.choice[1], parsed.message[1])
    assert names == ("ParsedCompletion", "ParsedChoice", "ParsedMsg")
    assert resource.count(f") -> {names[0]}[ResponseFormatT]:") == 2  # sync and async parse()
    assert f"class {names[2]}(_models.Msg, Generic[ResponseFormatT]):" in resource
