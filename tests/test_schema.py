"""generator/schema.py: the one reader of the spec (references, object shapes, operations and
their parameters), and that the IR builder and the diff read the same parameter list."""

from __future__ import annotations

import copy

import pytest

from portkey_codegen import typeref as tr
from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.diff import diff_documents
from portkey_codegen.diff_view import _Spec
from portkey_codegen.lower.operations import OperationBuilder
from portkey_codegen.schema import (
    HTTP_METHODS,
    SchemaIndex,
    enum_values,
    ignored_header,
    union_members,
)


def _doc(**components: dict) -> dict:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": components}


# --- references ---------------------------------------------------------------------------------


def test_deref_follows_a_chain_and_gives_the_last_pointer():
    index = SchemaIndex(_doc(schemas={"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"}}))
    node, pointer = index.deref({"$ref": "#/components/schemas/A"}, "#/x")
    assert node == {"type": "string"} and pointer == "#/components/schemas/B"
    assert index.deref({"type": "integer"}, "#/y") == ({"type": "integer"}, "#/y")


def test_a_property_named_ref_is_not_a_reference():
    index = SchemaIndex(_doc())
    node = {"$ref": {"type": "string"}}  # a property called "$ref" inside `properties`
    assert index.deref(node, "#/p") == (node, "#/p")


def test_deref_cycle_is_an_error_not_a_hang():
    index = SchemaIndex(_doc(schemas={"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}))
    with pytest.raises(GeneratorError, match="does not end"):
        index.deref({"$ref": "#/components/schemas/A"}, "#/x")
    assert index.target({"$ref": "#/components/schemas/A"}) is None


def test_dangling_and_external_refs_name_where():
    index = SchemaIndex(_doc())
    with pytest.raises(GeneratorError) as info:
        index.deref({"$ref": "#/components/schemas/Nope"}, "#/paths/~1a/get")
    [d] = info.value.diagnostics
    assert "points to nothing" in d.message and d.pointer == "#/paths/~1a/get/$ref" and d.hint
    with pytest.raises(GeneratorError, match="internal references"):
        index.deref({"$ref": "other.yaml#/A"}, "#/b")


# --- object shapes ------------------------------------------------------------------------------

SHAPES = _doc(
    schemas={
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "kind": {"type": "string"}}},
        "Child": {
            "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"description": "only words"},  # annotation-only: adds no type
                {"type": "object", "required": ["size"], "properties": {"size": {"type": "integer"}, "kind": {"enum": ["c"]}}},
            ]
        },
        "Grandchild": {"allOf": [{"$ref": "#/components/schemas/Child"}], "properties": {"extra": {"type": "boolean"}}},
        "Union": {"oneOf": [{"$ref": "#/components/schemas/Base"}]},
        "WithUnionPart": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/Union"}]},
        "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}]},
        "Scalar": {"type": "string"},
    }
)


def test_object_shape_merges_all_of_parts_later_parts_win():
    index = SchemaIndex(SHAPES)
    props, required = index.object_shape({"$ref": "#/components/schemas/Child"}, "#/here")
    assert list(props) == ["id", "kind", "size"]
    assert required == {"id", "size"}
    assert props["kind"] == ({"enum": ["c"]}, "#/components/schemas/Child/allOf/2/properties/kind")
    assert props["id"][1] == "#/components/schemas/Base/properties/id"


def test_object_shape_goes_through_nested_refs_and_own_properties():
    props, required = SchemaIndex(SHAPES).object_shape({"$ref": "#/components/schemas/Grandchild"})
    assert list(props) == ["id", "kind", "size", "extra"] and required == {"id", "size"}


@pytest.mark.parametrize("name", ["Union", "WithUnionPart", "Loop", "Scalar"])
def test_object_shape_is_none_for_what_is_no_single_object(name):
    assert SchemaIndex(SHAPES).object_shape({"$ref": f"#/components/schemas/{name}"}) is None


def test_enum_values_and_union_members():
    assert enum_values({"enum": ["a", None, "a", "b"]}) == ["a", "b"]
    assert enum_values({"const": 3}) == [3]
    assert enum_values({"type": "string"}) is None
    assert union_members({"anyOf": [{"type": "string"}]}) == ("anyOf", [{"type": "string"}])
    assert union_members({"oneOf": []}) is None


# --- operations and their parameters ------------------------------------------------------------

OPS = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/items/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                {"name": "Accept", "in": "header", "schema": {"type": "string"}},
            ],
            "x-note": {"get": "not an operation"},
            "get": {
                "parameters": [
                    {"name": "x-trace", "in": "header", "description": "mine", "schema": {"type": "string"}},
                    {"$ref": "#/components/parameters/Auth"},
                    {"name": "Content-Type", "in": "header", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": {"description": "ok"}},
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/alias": {"$ref": "#/paths/~1items~1{id}"},
    },
    "components": {
        "parameters": {
            "Auth": {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
            "Common": {"name": "x-common", "in": "header", "schema": {"type": "string"}},
        }
    },
}


def test_operations_in_document_order_with_path_item_refs_followed():
    ops = SchemaIndex(OPS).operations
    assert [op.key for op in ops] == ["GET /items/{id}", "DELETE /items/{id}", "GET /alias", "DELETE /alias"]
    assert ops[0].pointer == "#/paths/~1items~1{id}/get"
    assert ops[2].item_pointer == "#/paths/~1items~1{id}"  # the item the reference names
    assert set(HTTP_METHODS) >= {op.method for op in ops}


def test_parameters_merge_path_level_and_ignore_accept_content_type_authorization():
    index = SchemaIndex(OPS)
    get = index.operations[0]
    params = index.parameters(get, common=("Common",))
    assert [(p.location, p.name) for p in params] == [("header", "x-common"), ("path", "id"), ("header", "x-trace"), ("query", "limit")]
    # the operation's x-trace replaced the path item's X-Trace (header names ignore case) in place
    assert params[2].node["description"] == "mine" and params[2].pointer == "#/paths/~1items~1{id}/get/parameters/0"
    assert params[0].component == "Common"
    assert ignored_header({"name": "ACCEPT", "in": "header"}) and not ignored_header({"name": "Accept", "in": "query"})


def test_malformed_parameter_is_an_error():
    doc = copy.deepcopy(OPS)
    doc["paths"]["/items/{id}"]["get"]["parameters"].append({"name": "b", "in": "body"})
    index = SchemaIndex(doc)
    with pytest.raises(GeneratorError, match="`in`: query, header, path or cookie") as info:
        index.parameters(index.operations[0])
    assert info.value.diagnostics[0].pointer == "#/paths/~1items~1{id}/get/parameters/4"


def test_client_builder_and_diff_read_the_same_parameters():
    """The IR builder (what the client takes) and the diff (what it compares) agree, header
    parameters OpenAPI ignores included."""
    builder = OperationBuilder(OPS, lambda schema, pointer: tr.STR, {})
    spec = _Spec(OPS, "spec.yaml", "new")
    for op in SchemaIndex(OPS).operations:
        client = [(p.location, p.wire_name) for p in builder.params(op)]
        compared = [(p.location, p.name) for p in spec.params(spec.ops[op.key]).values()]
        assert client == compared
    assert not any(p.wire_name.lower() in ("accept", "content-type", "authorization") for p in builder.params(SchemaIndex(OPS).operations[0]))


def test_diff_does_not_report_an_ignored_header_parameter():
    new = copy.deepcopy(OPS)
    new["paths"]["/items/{id}"]["get"]["parameters"].append({"name": "ACCEPT", "in": "header", "required": True})
    new["paths"]["/items/{id}"]["get"]["parameters"].append({"name": "q", "in": "query", "required": True})
    changes = diff_documents(OPS, new).changes
    # GET /items/{id} and GET /alias (the same path item): `q` added, nothing about ACCEPT
    assert [c.kind for c in changes] == ["parameter.added"] * 2
    assert all("`q`" in c.message and "ACCEPT" not in c.message for c in changes)
