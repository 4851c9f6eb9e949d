"""generator/refs.py: checking internal refs, bundling file refs, refusing the rest."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.load import load_spec
from portkey_codegen.refs import check_internal_refs, iter_refs, resolve_refs
from portkey_codegen.validate import validate
from project_paths import SHARED_SPEC

SPEC = SHARED_SPEC
REFS = Path(__file__).resolve().parent / "data/front/refs"


@pytest.fixture(scope="module")
def real_spec():
    return load_spec(SPEC)


def resolve(document: dict, folder: Path, **kwargs) -> dict:
    return resolve_refs(
        document, base_dir=folder, spec_file=folder / "spec.yaml", **kwargs
    )


def errors(document: dict, folder: Path, **kwargs) -> list:
    with pytest.raises(GeneratorError) as info:
        resolve(document, folder, **kwargs)
    return info.value.diagnostics


def schemas(**named) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": named},
    }


def ref(target: str) -> dict:
    return {"$ref": target}


# --- walking ---------------------------------------------------------------------------------


def test_iter_refs_pointers_and_order():
    document = {
        "paths": {"/a/{id}": {"get": {"parameters": [ref("#/p"), {"name": "x"}]}}},
        "x~y": {"items": ref("#/components/schemas/A")},
        "properties": {"$ref": {"type": "string"}},
    }
    assert list(iter_refs(document)) == [
        ("#/paths/~1a~1{id}/get/parameters/0", "#/p"),
        ("#/x~0y/items", "#/components/schemas/A"),
    ]


def test_iter_refs_on_a_300_deep_document_does_not_recurse():
    document: dict = {}
    node = document
    for _ in range(3000):
        node["a"] = {}
        node = node["a"]
    node["$ref"] = "#/"
    [(pointer, value)] = list(iter_refs(document))
    assert pointer == "#" + "/a" * 3000 and value == "#/"


def test_iter_refs_walks_shared_objects_once():
    shared = {"$ref": "#/x"}
    level = [shared, shared]
    for _ in range(40):  # 2**40 paths if shared objects were walked again
        level = [level, level]
    assert list(iter_refs({"x": {}, "tree": level})) == [("#/tree" + "/0" * 41, "#/x")]


# --- internal refs ---------------------------------------------------------------------------


def test_internal_refs_return_the_same_object(tmp_path):
    document = schemas(
        A={
            "type": "object",
            "properties": {
                "a": ref("#/components/schemas/A"),
                "b": ref("#/components/schemas/B"),
            },
        },
        B={"type": "array", "items": ref("#/components/schemas/A")},
        C={"allOf": [ref("#/components/schemas/C"), {"type": "object"}]},
        D={"type": "array", "items": ref("#/components/schemas/D")},
        Esc={"$ref": "#/components/schemas/a~1b~0c"},
        **{"a/b~c": {"type": "string"}},
    )
    before = json.dumps(document, sort_keys=True)
    assert resolve(document, tmp_path) is document
    assert json.dumps(document, sort_keys=True) == before


def test_dangling_ref_names_ref_and_holder(tmp_path):
    document = schemas(A={"properties": {"x": ref("#/components/schemas/Nope")}})
    [diag] = errors(document, tmp_path)
    assert diag.pointer == "#/components/schemas/A/properties/x"
    assert (
        "'#/components/schemas/Nope'" in diag.message
        and "points to nothing" in diag.message
    )


def test_dangling_ref_through_another_ref_gets_a_hint(tmp_path):
    document = schemas(
        A=ref("#/components/schemas/B"),
        B={"properties": {"x": {}}},
        C=ref("#/components/schemas/A/properties/x"),
    )
    [diag] = errors(document, tmp_path)
    assert "#/components/schemas/A" in diag.hint


@pytest.mark.parametrize("bad", ["#foo", "#/a/~2", "#/a~", "#components/schemas/A"])
def test_malformed_pointers(tmp_path, bad):
    [diag] = errors(schemas(A={"type": "string"}, B=ref(bad)), tmp_path)
    assert "malformed" in diag.message and diag.pointer == "#/components/schemas/B"


def test_percent_encoded_pointer(tmp_path):
    document = schemas(
        **{"A B": {"type": "string"}}, C=ref("#/components/schemas/A%20B")
    )
    assert resolve(document, tmp_path) is document


def test_every_bad_ref_is_reported(tmp_path):
    document = schemas(A=ref("#/nope"), B=ref("#bad"), C=ref(""), D={"$ref": 5})
    messages = [d.message for d in errors(document, tmp_path)]
    assert len(messages) == 4
    assert check_internal_refs(document)[0][1] == "#/components/schemas/A"


@pytest.mark.parametrize(
    "named, cycle",
    [
        (
            {"A": ref("#/components/schemas/B"), "B": ref("#/components/schemas/A")},
            "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
        ),
        (
            {"A": ref("#/components/schemas/A")},
            "#/components/schemas/A -> #/components/schemas/A",
        ),
        (
            {
                "A": ref("#/components/schemas/B"),
                "B": ref("#/components/schemas/C"),
                "C": ref("#/components/schemas/B"),
                "D": ref("#/components/schemas/A"),
            },
            "#/components/schemas/B -> #/components/schemas/C -> #/components/schemas/B",
        ),
    ],
)
def test_pure_ref_loops_are_errors(tmp_path, named, cycle):
    [diag] = errors(schemas(**named), tmp_path)
    assert "$ref cycle" in diag.message and cycle in diag.message


# --- file refs -------------------------------------------------------------------------------


def test_bundles_files_inside_the_folder():
    spec = load_spec(REFS / "main.yaml")
    before = json.dumps(spec.document, sort_keys=True)
    result = resolve_refs(spec.document, base_dir=REFS, spec_file=REFS / "main.yaml")
    assert json.dumps(spec.document, sort_keys=True) == before
    assert all(value.startswith("#/") for _, value in iter_refs(result))
    assert validate(result) == []

    components = result["components"]
    assert list(components["schemas"]) == [
        "Foo",
        "UsesOther",
        "Local",
        "pet",
        "other_Foo",
        "Owner",
        "tag",
        "Name",
    ]
    assert components["schemas"]["Foo"] == {
        "type": "string"
    }  # the spec's own, untouched
    assert components["schemas"]["other_Foo"] == {"type": "integer"}
    assert components["schemas"]["UsesOther"] == ref("#/components/schemas/other_Foo")
    assert components["schemas"]["Local"]["properties"]["again"] == ref(
        "#/components/schemas/other_Foo"
    )
    pet = components["schemas"]["pet"]["properties"]
    assert pet == {
        "owner": ref("#/components/schemas/Owner"),
        "tag": ref("#/components/schemas/tag"),
        "back": ref("#/components/schemas/Foo"),
    }  # back into the main spec
    owner = components["schemas"]["Owner"]["properties"]
    assert owner["pets"]["items"] == ref("#/components/schemas/Owner")  # recursion kept
    assert owner["name"] == ref("#/components/schemas/Name")
    assert components["parameters"] == {
        "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    }
    assert result["paths"]["/pets"]["get"]["parameters"] == [
        ref("#/components/parameters/Limit")
    ]
    # a path item cannot live in 3.0 components: it is inlined
    owners = result["paths"]["/owners"]["get"]["responses"]["200"]["content"]
    assert owners["application/json"]["schema"] == ref("#/components/schemas/Owner")


def test_bundling_is_deterministic():
    spec = load_spec(REFS / "main.yaml")
    first = resolve_refs(spec.document, base_dir=REFS, spec_file=REFS / "main.yaml")
    second = resolve_refs(
        load_spec(REFS / "main.yaml").document,
        base_dir=REFS,
        spec_file=REFS / "main.yaml",
    )
    assert json.dumps(first) == json.dumps(second)


def test_only_touched_containers_are_copied(tmp_path):
    (tmp_path / "x.yaml").write_text("type: string\n")
    untouched = {"type": "object"}
    document = schemas(A=untouched, B={"properties": {"x": ref("x.yaml")}})
    result = resolve(document, tmp_path)
    assert result["components"]["schemas"]["A"] is untouched
    assert result["paths"] is document["paths"]
    assert result["components"]["schemas"]["B"]["properties"]["x"] == ref(
        "#/components/schemas/x"
    )
    assert document["components"]["schemas"]["B"]["properties"]["x"] == ref("x.yaml")


def test_shared_holder_is_rewritten_everywhere(tmp_path):
    (tmp_path / "x.yaml").write_text("type: string\n")
    shared = ref("x.yaml")
    document = schemas(A={"items": shared}, B={"items": shared})
    result = resolve(document, tmp_path)
    a, b = (result["components"]["schemas"][k]["items"] for k in "AB")
    assert a == b == ref("#/components/schemas/x") and a is b


def test_name_collisions_get_distinct_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "m.yaml").write_text("Item: {type: string}\n")
    (tmp_path / "b" / "m.yaml").write_text("Item: {type: integer}\n")
    document = schemas(
        Item={"type": "boolean"},
        X=ref("a/m.yaml#/Item"),
        Y=ref("b/m.yaml#/Item"),
        Z=ref("a/m.yaml#/Item"),
    )
    result = resolve(document, tmp_path)["components"]["schemas"]
    assert result["X"] == result["Z"] == ref("#/components/schemas/m_Item")
    assert result["Y"] == ref("#/components/schemas/Item_2")
    assert result["m_Item"] == {"type": "string"} and result["Item_2"] == {
        "type": "integer"
    }
    assert result["Item"] == {"type": "boolean"}


def test_refs_in_files_are_relative_to_them_and_checked(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.yaml").write_text("A: {$ref: '#/Nope'}\n")
    [diag] = errors(schemas(X=ref("sub/a.yaml#/A")), tmp_path)
    assert diag.file == str((tmp_path / "sub" / "a.yaml").resolve())
    assert diag.line == 1 and "points to nothing" in diag.message


def test_missing_file_and_missing_fragment(tmp_path):
    (tmp_path / "a.yaml").write_text("A: {type: string}\n")
    messages = [
        d.message
        for d in errors(schemas(X=ref("nope.yaml"), Y=ref("a.yaml#/B")), tmp_path)
    ]
    assert "does not exist" in messages[0] and "points to nothing" in messages[1]


def test_bad_yaml_in_a_referenced_file(tmp_path):
    (tmp_path / "a.yaml").write_text("A: [1, 2\n")
    [diag] = errors(schemas(X=ref("a.yaml#/A")), tmp_path)
    assert diag.file.endswith("a.yaml") and "invalid YAML" in diag.message


# --- refused refs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, fragment",
    [
        ("http://127.0.0.1:9/x.yaml#/A", "never opens a URL"),
        ("https://example.invalid/x.yaml", "never opens a URL"),
        ("ftp://example.invalid/x.yaml", "never opens a URL"),
        ("file:///etc/passwd", "is a URL"),
        ("/etc/passwd", "absolute path"),
        ("../outside.yaml", "leaves the spec's folder"),
        ("sub/../../outside.yaml", "leaves the spec's folder"),
    ],
)
def test_refused_by_default(tmp_path, monkeypatch, target, fragment):
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *a, **k: pytest.fail("fetched")
    )
    folder = tmp_path / "spec"
    folder.mkdir()
    (tmp_path / "outside.yaml").write_text("type: string\n")
    [diag] = errors(schemas(X={"items": ref(target)}), folder)
    assert fragment in diag.message and repr(target) in diag.message
    assert diag.pointer == "#/components/schemas/X/items"


def test_symlink_leaving_the_folder_is_refused(tmp_path):
    folder = tmp_path / "spec"
    folder.mkdir()
    (tmp_path / "secret.yaml").write_text("type: string\n")
    os.symlink(tmp_path / "secret.yaml", folder / "link.yaml")
    [diag] = errors(schemas(X=ref("link.yaml")), folder)
    assert "leaves the spec's folder" in diag.message


def test_allow_remote_allows_local_files_but_never_urls(tmp_path):
    folder = tmp_path / "spec"
    folder.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text("type: string\n")
    document = schemas(
        A=ref("../outside.yaml"), B=ref(outside.as_uri()), C=ref(str(outside))
    )
    result = resolve(document, folder, allow_remote=True)["components"]["schemas"]
    assert (
        result["A"] == result["B"] == result["C"] == ref("#/components/schemas/outside")
    )
    [diag] = errors(
        schemas(A=ref("https://example.invalid/a.yaml")), folder, allow_remote=True
    )
    assert "never opens a URL" in diag.message


def test_errors_carry_lines_when_the_source_is_given(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "components:\n  schemas:\n    A:\n      $ref: '#/components/schemas/B'\n"
    )
    spec = load_spec(path)
    with pytest.raises(GeneratorError) as info:
        resolve_refs(spec.document, base_dir=tmp_path, spec_file=path, source=spec)
    diag = info.value.diagnostics[0]
    assert (diag.file, diag.line, diag.pointer) == (
        str(path),
        6,
        "#/components/schemas/A",
    )


# --- the real spec ---------------------------------------------------------------------------


def test_real_spec_refs_are_all_internal_and_resolve(real_spec):
    refs = list(iter_refs(real_spec.document))
    assert len(refs) > 1000 and all(value.startswith("#/") for _, value in refs)
    assert (
        resolve_refs(
            real_spec.document, base_dir=SPEC.parent, spec_file=SPEC, source=real_spec
        )
        is real_spec.document
    )


@pytest.mark.parametrize(
    "pointer, kind",
    [
        ("#/paths/~1x/get/responses/200/content/application~1json/schema/properties/a", "schema"),
        ("#/paths/~1x/get/responses/200/content/application~1json/schema/properties/x-a", "schema"),
        ("#/paths/~1x/get/responses/200/content/application~1json/example", "data"),
        ("#/paths/~1x/get/responses/200/content/application~1json/examples/one", "example"),
        ("#/paths/~1x/get/responses/200/content/application~1json/examples/one/value", "data"),
        ("#/paths/~1x/get/x-codeSamples/0", "data"),
        ("#/paths/~1x/get/parameters/0", "parameter"),
        ("#/paths/~1x/parameters/0/schema/items", "schema"),
        ("#/paths/~1x/get/requestBody", "requestbody"),
        ("#/paths/~1x/get/callbacks/done/{$request.body#~1url}/post/responses/200", "response"),
        ("#/paths/~1x", "pathitem"),
        ("#/paths/~1x/get", "operation"),
        ("#/paths/~1x/get/responses/200/content/application~1json", "mediatype"),
        ("#/tags/0/description", "other"),
        ("#/components/schemas/A/allOf/1/oneOf/0", "schema"),
        ("#/components/schemas/A/default", "data"),
        ("#/components/responses/R/headers/H", "header"),
        ("#/components/securitySchemes/S", "securityscheme"),
    ],
)
def test_what_a_ref_names_follows_where_it_sits(pointer, kind):
    from portkey_codegen.refs import _kind

    assert _kind("doc", pointer) == kind
