"""generator/validate.py: every openapi-spec-validator error, with pointer and line."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from portkey_codegen.load import load_spec
from portkey_codegen.overlay import apply_overlay, load_overlay
from portkey_codegen.validate import validate
from project_paths import SHARED_SPEC

ROOT = Path(__file__).resolve().parents[1]
SPEC = SHARED_SPEC
OVERLAY = ROOT / "spec/overlay.yaml"
DATA = Path(__file__).resolve().parent / "data/front"


@pytest.fixture(scope="module")
def real_spec():
    return load_spec(SPEC)


def spec(**extra) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        **extra,
    }


def ok_response(schema: dict | None = None) -> dict:
    response: dict = {"description": "ok"}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    return {"200": response}


def found(diagnostics) -> list[tuple[str | None, str]]:
    return [(d.pointer, d.message) for d in diagnostics]


# --- the real spec ---------------------------------------------------------------------------


def test_real_spec_has_exactly_the_four_upstream_errors(real_spec):
    diagnostics = validate(real_spec.document, source=real_spec)
    base = "#/components/schemas/UsageLimits/properties"
    assert sorted(found(diagnostics)) == [
        (f"{base}/alert_threshold/default", "None for not nullable"),
        (f"{base}/alert_threshold/default", "None is not of type 'integer'"),
        (f"{base}/credit_limit/default", "None for not nullable"),
        (f"{base}/credit_limit/default", "None is not of type 'integer'"),
    ]
    lines = real_spec.text.splitlines()
    for diag in diagnostics:
        assert diag.severity == "error" and diag.file == str(SPEC)
        assert lines[diag.line - 1].strip() == "default: null"
        name = diag.pointer.split("/")[-2]
        assert f"{name}:" in "\n".join(lines[diag.line - 8 : diag.line])


def test_real_spec_with_the_project_overlay_is_valid(real_spec):
    document = apply_overlay(real_spec.document, load_overlay(OVERLAY))
    assert validate(document, source=real_spec) == []


# --- locations -------------------------------------------------------------------------------


def test_small_spec_file_with_lines():
    loaded = load_spec(DATA / "minimal.yaml")
    diagnostics = validate(loaded.document, source=loaded)
    pointer = "#/components/schemas/Item/properties/limit/default"
    assert {d.pointer for d in diagnostics} == {pointer}
    assert {d.line for d in diagnostics} == {loaded.locate(pointer)[0]} == {32}
    assert all(
        d.format().startswith(f"{DATA / 'minimal.yaml'}:32:11: error:")
        for d in diagnostics
    )


def test_default_reached_through_a_ref_gets_its_physical_pointer():
    document = spec(
        paths={
            "/a": {
                "get": {"responses": ok_response({"$ref": "#/components/schemas/A"})}
            }
        },
        components={
            "schemas": {
                "A": {
                    "type": "object",
                    "properties": {
                        "n": {"type": "integer", "default": "x"},
                        "list": {
                            "type": "array",
                            "items": {"type": "integer"},
                            "default": [1, "two"],
                        },
                    },
                }
            }
        },
    )
    assert sorted(found(validate(document))) == [
        (
            "#/components/schemas/A/properties/list/default/1",
            "'two' is not of type 'integer'",
        ),
        ("#/components/schemas/A/properties/n/default", "'x' is not of type 'integer'"),
    ]


def test_spec_validator_own_checks_are_located():
    document = spec(
        paths={
            "/a/{id}": {"get": {"operationId": "same", "responses": ok_response()}},
            "/b": {
                "get": {
                    "operationId": "same",
                    "responses": ok_response(),
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                    ],
                }
            },
        },
        components={
            "schemas": {"E": {"allOf": [{"type": "object"}], "required": ["zz"]}}
        },
    )
    pointers = {
        message.split(" ")[0]: pointer
        for pointer, message in found(validate(document))
        if not message.startswith("[{")  # the meta-schema's own "non-unique elements"
    }
    assert pointers == {
        "Path": "#/paths/~1a~1{id}/get",
        "Operation": "#/paths/~1b/get/operationId",
        "Duplicate": "#/paths/~1b/get/parameters",
        "Required": "#/components/schemas/E/required",
    }


def test_meta_schema_errors_are_all_reported():
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t"},
        "paths": {"/a": {"get": {"responses": {"200": {}}}}},
        "components": {
            "schemas": {"A": {"type": "object", "properties": {"x": {"type": 5}}}}
        },
    }
    diagnostics = validate(document)
    pointers = [d.pointer for d in diagnostics]
    assert "#/info" in pointers and "#/paths/~1a/get/responses/200" in pointers
    assert "#/components/schemas/A/properties/x/type" in pointers
    assert len(pointers) == len(set(zip(pointers, (d.message for d in diagnostics))))
    assert all(len(d.message) <= 400 for d in diagnostics)


def test_dangling_refs_are_all_reported_with_their_holders():
    document = spec(
        paths={
            "/a": {
                "get": {"responses": ok_response({"$ref": "#/components/schemas/Nope"})}
            },
            "/b": {
                "get": {"responses": ok_response({"$ref": "#/components/schemas/Gone"})}
            },
        }
    )
    diagnostics = validate(document)
    assert [
        (d.pointer, d.message) for d in diagnostics if "points to nothing" in d.message
    ] == [
        (
            "#/paths/~1a/get/responses/200/content/application~1json/schema",
            "$ref '#/components/schemas/Nope' points to nothing",
        ),
        (
            "#/paths/~1b/get/responses/200/content/application~1json/schema",
            "$ref '#/components/schemas/Gone' points to nothing",
        ),
    ]


def test_remote_refs_are_never_fetched(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the validator tried to open a URL")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    document = spec(
        paths={
            "/a": {
                "get": {
                    "responses": ok_response(
                        {"$ref": "http://127.0.0.1:9/schemas.yaml#/A"}
                    )
                }
            }
        }
    )
    diagnostics = validate(document)
    assert len(diagnostics) == 1
    assert (
        diagnostics[0].pointer
        == "#/paths/~1a/get/responses/200/content/application~1json/schema"
    )
    assert "cannot resolve" in diagnostics[0].message


# --- versions and robustness -----------------------------------------------------------------


def test_openapi_31_is_validated_with_the_31_rules():
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Ok": {"type": ["integer", "null"], "default": None},
                "Bad": {"type": ["string", "null"], "default": 5},
            }
        },
    }
    assert found(validate(document)) == [
        ("#/components/schemas/Bad/default", "5 is not of type 'string', 'null'")
    ]
    # the same nullable-as-type-list is wrong in 3.0
    assert validate({**document, "openapi": "3.0.3"}) != []


@pytest.mark.parametrize(
    "document, fragment",
    [
        ({"swagger": "2.0", "info": {}}, "found swagger 2.0"),
        ({"info": {}}, "missing or bad 'openapi'"),
        ({"openapi": 3.0}, "missing or bad 'openapi'"),
        ({"openapi": "4.0.0"}, "unsupported OpenAPI version '4.0.0'"),
        ({"openapi": "2.0"}, "unsupported OpenAPI version"),
    ],
)
def test_unknown_or_missing_version(document, fragment):
    diagnostics = validate(document)
    assert len(diagnostics) == 1 and fragment in diagnostics[0].message
    assert diagnostics[0].hint


def test_too_deep_to_validate_is_a_diagnostic_not_a_crash():
    schema: dict = {}
    node = schema
    for _ in range(600):
        node["properties"] = {"x": {}}
        node = node["properties"]["x"]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # other tests' imports may have raised it
    try:
        diagnostics = validate(spec(components={"schemas": {"D": schema}}))
    finally:
        sys.setrecursionlimit(limit)
    assert [d.message for d in diagnostics] == [
        "the spec is nested too deeply to validate"
    ]


def test_validate_is_pure():
    document = spec(components={"schemas": {"A": {"type": "integer", "default": "x"}}})
    before = json.dumps(document, sort_keys=True)
    first = validate(document)
    second = validate(document)
    assert first == second and len(first) == 1
    assert json.dumps(document, sort_keys=True) == before


def test_valid_spec():
    assert (
        validate(
            spec(paths={"/a": {"get": {"responses": ok_response({"type": "string"})}}})
        )
        == []
    )


def test_openapi_31_default_mismatch_is_a_warning_30_an_error():
    schemas = {"Bad": {"type": "integer", "default": "ten"}, "Enum": {"type": "string", "enum": ["a"], "default": "b"}}
    doc31 = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}
    found31 = validate(doc31)
    assert [(d.pointer, d.severity) for d in found31] == [
        ("#/components/schemas/Bad/default", "warning"),
        ("#/components/schemas/Enum/default", "warning"),
    ]
    assert all("left out of the generated models" in (d.hint or "") for d in found31)
    found30 = validate({**doc31, "openapi": "3.0.3"})
    assert [d.severity for d in found30] == ["error", "error"]


def test_every_validation_error_says_how_to_fix_it():
    broken = [
        spec(
            paths={
                "/a/{id}": {"get": {"operationId": "same", "responses": ok_response()}},
                "/b": {
                    "get": {
                        "operationId": "same",
                        "responses": ok_response({"$ref": "#/components/schemas/Missing"}),
                        "parameters": [
                            {"name": "q", "in": "query", "schema": {"type": "string"}},
                            {"name": "q", "in": "query", "schema": {"type": "string"}},
                        ],
                    }
                },
            },
            components={"schemas": {"E": {"allOf": [{"type": "object"}], "required": ["zz", "zz"]}}},
        ),
        {
            "openapi": "3.0.3",
            "info": {"title": "t"},
            "paths": {"/a": {"get": {"responses": {"200": {}}, "bogus": 1}}},
            "components": {"schemas": {"A": {"type": "object", "properties": {"x": {"type": 5, "nope": 1}}}}},
        },
        {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {"responses": 5}}}},
        {"swagger": "2.0"},
    ]
    seen = 0
    for document in broken:
        for d in validate(document):
            seen += 1
            assert d.hint and len(d.hint) > 20, d.format()
    assert seen >= 8


def test_validator_dedupe_registries_are_set_backed():
    """openapi-spec-validator dedupes visited schemas with `id in list` (quadratic); ours answer
    `in` from a set, and the swap happens on the validator the pipeline builds."""
    from portkey_codegen.validate import _DEDUPE_LISTS, _IdList, _located_validator, _validator_class

    ids = _IdList([1, 2])
    ids.append(3)
    assert 3 in ids and 1 in ids and 4 not in ids and list(ids) == [1, 2, 3]
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    validator = _located_validator(_validator_class("3.0.3"))(document)
    schema_validator = validator.keyword_validators_registry["schema"]
    assert all(isinstance(getattr(schema_validator, name), _IdList) for name in _DEDUPE_LISTS)
