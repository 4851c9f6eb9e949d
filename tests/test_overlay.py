"""generator/overlay.py: OpenAPI Overlay 1.0 with a JSONPath subset, copy-on-write."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.load import load_spec, load_yaml_text
from portkey_codegen.overlay import (
    JsonPathError,
    apply_overlay,
    check_overlay,
    load_overlay,
    parse_jsonpath,
    select,
)
from project_paths import SHARED_SPEC

ROOT = Path(__file__).resolve().parents[1]
SPEC = SHARED_SPEC
OVERLAY = ROOT / "spec/overlay.yaml"
DATA = Path(__file__).resolve().parent / "data/front"


def overlay_of(*actions: dict) -> dict:
    return {
        "overlay": "1.0.0",
        "info": {"title": "t", "version": "1"},
        "actions": list(actions),
    }


def snapshot(document) -> str:
    return json.dumps(document, sort_keys=True)


DOC_TEXT = """\
openapi: 3.0.3
servers: &srv
  - url: https://a.example
paths:
  /chat/completions:
    servers: *srv
    post:
      tags: [Chat]
      responses:
        "200":
          description: OK
          content:
            application/json: {schema: {$ref: '#/components/schemas/R'}}
  /files/{id}:
    servers: *srv
    get: {responses: {"200": {description: OK}}}
components:
  schemas:
    R: {type: object, properties: {a: {type: string}, b: {type: integer}}, required: [a]}
    S: {type: string}
"""


@pytest.fixture
def doc():
    return load_yaml_text(DOC_TEXT)


# --- JSONPath --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$", ()),
        ("$.paths", ("paths",)),
        ("$.components.schemas.UsageLimits", ("components", "schemas", "UsageLimits")),
        ("$.paths['/chat/completions'].post", ("paths", "/chat/completions", "post")),
        ('$.paths["/files/{id}"]', ("paths", "/files/{id}")),
        ("$['a b']['it\\'s']", ("a b", "it's")),
        ('$["q\\"uote\\\\\\u00e9"]', ('q"uote\\\u00e9',)),
        ("$.paths[*].post", ("paths", None, "post")),
        ("$.paths.*", ("paths", None)),
        ("$.tags[0]", ("tags", 0)),
        ("$.tags[-1]", ("tags", -1)),
        ("$[ 'spaced' ]", ("spaced",)),
        ("$.caf\u00e9_2", ("caf\u00e9_2",)),
    ],
)
def test_parse_jsonpath(text, expected):
    assert parse_jsonpath(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("paths", "starts with '$'"),
        ("$..paths", "descendants"),
        ("$.200", "needs ['...']"),
        ("$.x-foo", "unexpected '-'"),
        ("$.paths[?(@.x)]", "unsupported selector"),
        ("$.a[0:2]", "expected ']'"),
        ("$['a','b']", "expected ']'"),
        ("$['unterminated", "unterminated"),
        ("$['bad\\q']", "unknown escape"),
        ("$[", "unterminated"),
    ],
)
def test_parse_jsonpath_errors(text, fragment):
    with pytest.raises(JsonPathError, match=re.escape(fragment)):
        parse_jsonpath(text)


def test_select(doc):
    paths = [loc for loc, _ in select(doc, parse_jsonpath("$.paths[*].servers[0].url"))]
    assert paths == [
        ("paths", "/chat/completions", "servers", 0, "url"),
        ("paths", "/files/{id}", "servers", 0, "url"),
    ]
    assert select(doc, parse_jsonpath("$.paths.*.post.tags[-1]")) == [
        (("paths", "/chat/completions", "post", "tags", 0), "Chat")
    ]
    assert select(doc, parse_jsonpath("$.paths.nope")) == []
    assert select(doc, parse_jsonpath("$.servers[3]")) == []
    assert select(doc, parse_jsonpath("$.openapi.*")) == []


# --- applying --------------------------------------------------------------------------------


def test_update_deep_merges_and_never_mutates(doc):
    before = snapshot(doc)
    result = apply_overlay(
        doc,
        overlay_of(
            {
                "target": "$.components.schemas.R",
                "update": {
                    "properties": {"b": {"nullable": True}, "c": {"type": "boolean"}},
                    "required": ["b"],
                    "description": "new",
                },
            }
        ),
    )
    assert snapshot(doc) == before
    r = result["components"]["schemas"]["R"]
    assert r["properties"]["b"] == {"type": "integer", "nullable": True}
    assert r["properties"]["c"] == {"type": "boolean"}
    assert r["properties"]["a"] is doc["components"]["schemas"]["R"]["properties"]["a"]
    assert r["required"] == ["a", "b"]  # arrays inside a merge are extended
    assert r["description"] == "new"
    # untouched sub-trees are shared, touched ones copied
    assert result["paths"] is doc["paths"]
    assert result["components"]["schemas"]["S"] is doc["components"]["schemas"]["S"]
    assert result is not doc and result["components"] is not doc["components"]


def test_update_array_target_appends_one_item(doc):
    result = apply_overlay(
        doc,
        overlay_of(
            {"target": "$.paths['/chat/completions'].post.tags", "update": "Streaming"},
            {"target": "$.servers", "update": {"url": "https://b.example"}},
        ),
    )
    assert result["paths"]["/chat/completions"]["post"]["tags"] == ["Chat", "Streaming"]
    assert [s["url"] for s in result["servers"]] == [
        "https://a.example",
        "https://b.example",
    ]
    assert doc["paths"]["/chat/completions"]["post"]["tags"] == ["Chat"]
    assert len(doc["servers"]) == 1


def test_shared_alias_is_changed_only_where_targeted(doc):
    assert doc["servers"] is doc["paths"]["/files/{id}"]["servers"]
    result = apply_overlay(
        doc,
        overlay_of(
            {
                "target": "$.paths['/files/{id}'].servers[0]",
                "update": {"description": "files"},
            }
        ),
    )
    assert result["paths"]["/files/{id}"]["servers"][0]["description"] == "files"
    assert "description" not in result["servers"][0]
    assert "description" not in result["paths"]["/chat/completions"]["servers"][0]
    assert result["servers"] is doc["servers"]


def test_update_values_are_copied_not_shared(doc):
    overlay = overlay_of(
        {"target": "$.components.schemas.S", "update": {"enum": ["x"]}},
        {"target": "$.components.schemas.R", "update": {"enum": ["x"]}},
    )
    result = apply_overlay(doc, overlay)
    result["components"]["schemas"]["S"]["enum"].append("y")
    assert overlay["actions"][0]["update"]["enum"] == ["x"]
    assert result["components"]["schemas"]["R"]["enum"] == ["x"]


def test_remove(doc):
    result = apply_overlay(
        doc,
        overlay_of(
            {"target": "$.components.schemas.S", "remove": True},
            {"target": "$.paths[*].servers", "remove": True},
            {"target": "$.paths['/chat/completions'].post.tags[0]", "remove": True},
        ),
    )
    assert "S" not in result["components"]["schemas"]
    assert all("servers" not in item for item in result["paths"].values())
    assert result["paths"]["/chat/completions"]["post"]["tags"] == []
    assert (
        "S" in doc["components"]["schemas"] and "servers" in doc["paths"]["/files/{id}"]
    )


def test_remove_several_list_items(doc):
    document = {"list": [0, 1, 2, 3], "nested": [{"a": [1, 2]}, {"a": [3]}]}
    result = apply_overlay(
        document,
        overlay_of(
            {"target": "$.list[*]", "remove": True},
            {"target": "$.nested[*].a[0]", "remove": True},
        ),
    )
    assert result == {"list": [], "nested": [{"a": [2]}, {"a": []}]}
    assert document == {"list": [0, 1, 2, 3], "nested": [{"a": [1, 2]}, {"a": [3]}]}


def test_actions_apply_in_order(doc):
    result = apply_overlay(
        doc,
        overlay_of(
            {"target": "$.components.schemas", "update": {"New": {"type": "string"}}},
            {"target": "$.components.schemas.New", "update": {"format": "uuid"}},
        ),
    )
    assert result["components"]["schemas"]["New"] == {
        "type": "string",
        "format": "uuid",
    }


def test_target_matching_nothing_names_the_action(doc):
    with pytest.raises(GeneratorError) as info:
        apply_overlay(
            doc,
            overlay_of(
                {"target": "$.components.schemas.R", "update": {"x-ok": True}},
                {
                    "target": "$.components.schemas.Gone",
                    "description": "fix Gone",
                    "update": {"nullable": True},
                },
            ),
        )
    diag = info.value.diagnostics[0]
    assert "action 1" in diag.message and "$.components.schemas.Gone" in diag.message
    assert "fix Gone" in diag.message and diag.pointer == "#/actions/1/target"


def test_stale_overlay_file_reports_the_line(tmp_path, doc):
    path = tmp_path / "overlay.yaml"
    path.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: $.components.schemas.R\n    update: {x-a: 1}\n"
        "  - target: $.nope\n    remove: true\n"
    )
    with pytest.raises(GeneratorError) as info:
        apply_overlay(doc, load_overlay(path), overlay_path=path)
    diag = info.value.diagnostics[0]
    assert (diag.file, diag.line, diag.column) == (str(path), 6, 5)
    assert str(info.value).startswith(f"{path}:6:5: error: action 1")


def test_update_must_fit_the_target(doc):
    with pytest.raises(GeneratorError, match="must be an object"):
        apply_overlay(doc, overlay_of({"target": "$.components", "update": [1]}))
    with pytest.raises(GeneratorError, match="must be an object or an array"):
        apply_overlay(doc, overlay_of({"target": "$.openapi", "update": "3.1.0"}))
    with pytest.raises(GeneratorError, match="cannot remove the root"):
        apply_overlay(doc, overlay_of({"target": "$", "remove": True}))


def test_update_root(doc):
    result = apply_overlay(
        doc, overlay_of({"target": "$", "update": {"x-extra": {"a": 1}}})
    )
    assert result["x-extra"] == {"a": 1} and "x-extra" not in doc


# --- overlay documents -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "overlay, fragment",
    [
        ([], "is a mapping"),
        (
            {
                "info": {"title": "t", "version": "1"},
                "actions": [{"target": "$", "remove": True}],
            },
            "'overlay' must be the string '1.0.0'",
        ),
        (
            {**overlay_of({"target": "$", "update": {}}), "overlay": 1.0},
            "'overlay' must be",
        ),
        (
            {
                **overlay_of({"target": "$", "update": {}}),
                "info": {"title": "t", "version": 1.0},
            },
            "info.version must be a string",
        ),
        (overlay_of(), "non-empty list"),
        (overlay_of({"update": {}}), "'target' (a JSONPath string) is required"),
        (overlay_of({"target": "$..x", "update": {}}), "bad target"),
        (overlay_of({"target": "$.a"}), "neither 'update' nor 'remove: true'"),
        (
            overlay_of({"target": "$.a", "remove": True, "update": {}}),
            "both 'update' and 'remove",
        ),
        (
            overlay_of({"target": "$.a", "remove": "yes"}),
            "'remove' must be true or false",
        ),
        (
            overlay_of({"target": "$.a", "update": {}, "colour": 1}),
            "unknown field 'colour'",
        ),
        (
            {**overlay_of({"target": "$.a", "update": {}}), "extra": 1},
            "unknown overlay field",
        ),
    ],
)
def test_check_overlay(overlay, fragment):
    with pytest.raises(GeneratorError) as info:
        check_overlay(overlay)
    assert fragment in str(info.value)


def test_check_overlay_reports_every_problem_with_lines(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: nope\n    update: {}\n  - target: $.a\n"
    )
    with pytest.raises(GeneratorError) as info:
        load_overlay(path)
    found = {(d.line, d.pointer) for d in info.value.diagnostics}
    assert found == {(1, "#/overlay"), (4, "#/actions/0/target"), (6, "#/actions/1")}


def test_extensions_are_allowed():
    check_overlay(
        {**overlay_of({"target": "$", "update": {}, "x-note": 1}), "x-by": "me"}
    )


def test_small_overlay_file():
    result = apply_overlay(
        load_spec(DATA / "minimal.yaml").document,
        load_overlay(DATA / "minimal-overlay.yaml"),
    )
    assert (
        result["components"]["schemas"]["Item"]["properties"]["limit"]["nullable"]
        is True
    )


# --- the project's overlay on the real spec --------------------------------------------------


@pytest.fixture(scope="module")
def real_spec():
    return load_spec(SPEC)


def test_project_overlay_on_the_real_spec(real_spec):
    before = snapshot(real_spec.document)
    overlay = load_overlay(OVERLAY)
    assert all(action.get("description") for action in overlay["actions"])
    result = apply_overlay(real_spec.document, overlay, overlay_path=OVERLAY)
    assert snapshot(real_spec.document) == before

    limits = result["components"]["schemas"]["UsageLimits"]["properties"]
    assert limits["credit_limit"]["nullable"] is True
    assert limits["alert_threshold"]["nullable"] is True
    assert limits["credit_limit"]["default"] is None

    chat = result["paths"]["/chat/completions"]["post"]["responses"]["200"]["content"]
    assert chat["text/event-stream"]["schema"] == {
        "$ref": "#/components/schemas/CreateChatCompletionStreamResponse"
    }
    assert (
        chat["application/json"]
        == real_spec.document["paths"]["/chat/completions"]["post"]["responses"]["200"][
            "content"
        ]["application/json"]
    )
    completions = result["paths"]["/completions"]["post"]["responses"]["200"]["content"]
    assert completions["text/event-stream"]["schema"] == {
        "$ref": "#/components/schemas/CreateCompletionResponse"
    }
    for name in ("CreateChatCompletionStreamResponse", "CreateCompletionResponse"):
        assert name in result["components"]["schemas"]
    # like /responses, which the spec already declares this way
    responses = result["paths"]["/responses"]["post"]["responses"]["200"]["content"]
    assert set(responses) == set(chat) == {"application/json", "text/event-stream"}

    # oneOf of the two workspace-list shapes: each requires its own array, so exactly one matches
    schemas = result["components"]["schemas"]
    assert schemas["McpIntegrationWorkspacesListResponse"]["required"] == ["data"]
    assert schemas["McpIntegrationWorkspacesLegacyResponse"]["required"] == ["workspaces"]
    assert "required" not in real_spec.document["components"]["schemas"]["McpIntegrationWorkspacesListResponse"]


def test_real_spec_is_not_deep_copied(real_spec):
    result = apply_overlay(real_spec.document, load_overlay(OVERLAY))
    untouched = [
        k
        for k in real_spec.document["paths"]
        if k not in ("/chat/completions", "/completions", "/files/{file_id}/content")
    ]
    assert all(result["paths"][k] is real_spec.document["paths"][k] for k in untouched)
