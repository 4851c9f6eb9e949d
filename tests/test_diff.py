"""`portkey-codegen diff`: fixture pairs (one per kind of change), output formats, exit codes, bad
input, and the real Portkey pair against its checked-in, hand-checked report."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.diff import (
    FAIL_ON,
    classify,
    diff_documents,
    diff_specs,
    exit_code,
    main_diff,
    render,
)
from project_paths import NEXT_SPEC, SHARED_SPEC

DATA = Path(__file__).resolve().parent / "data" / "diff"
OLD_SPEC = SHARED_SPEC
EXPECTED_REPORT = DATA / "portkey_expected.json"

T, F = True, False

# case -> every change expected: (kind, location, breaking_client, breaking_server, notable).
# Each set is the whole report for the pair, so a missed or an extra change fails too.
EXPECTED: dict[str, set[tuple[str, str, bool, bool, bool]]] = {
    "composition": {
        ("request-body.variant-removed", "#/paths/~1messages/post/requestBody/content/application~1json/schema/properties/content/oneOf/1", T, F, F),
        ("response.property-required", "#/paths/~1messages/post/responses/200/content/application~1json/schema/properties/merged/allOf/1/required", F, T, F),
        ("response.variant-added", "#/paths/~1messages/post/responses/200/content/application~1json/schema/properties/part/anyOf/1", T, F, F),
        ("response.type-changed", "#/paths/~1messages/post/responses/200/content/application~1json/schema/properties/value/anyOf/1/type", T, F, F),
    },
    "enums": {
        ("request-body.enum-restriction-added", "#/paths/~1orders/post/requestBody/content/application~1json/schema/properties/gift/enum", T, F, F),
        ("request-body.enum-values-removed", "#/paths/~1orders/post/requestBody/content/application~1json/schema/properties/size/enum", T, F, F),
        ("request-body.enum-values-added", "#/paths/~1orders/post/requestBody/content/application~1json/schema/properties/speed/enum", F, T, F),
        ("response.enum-values-removed", "#/paths/~1orders/post/responses/200/content/application~1json/schema/properties/kind/enum", F, T, F),
        ("response.enum-values-added", "#/paths/~1orders/post/responses/200/content/application~1json/schema/properties/state/enum", F, F, T),
    },
    "identical": set(),
    "operations": {
        ("operation.deprecated", "#/paths/~1owners/get/deprecated", F, F, T),
        ("operation.id-changed", "#/paths/~1pets/get/operationId", F, F, T),
        ("operation.added", "#/paths/~1pets/post", F, T, F),
        ("operation.removed", "#/paths/~1pets~1{id}/delete", T, F, F),
    },
    "parameters": {
        ("parameter.required", "#/paths/~1items/get/parameters/0/required", T, F, F),
        ("parameter.optional", "#/paths/~1items/get/parameters/1", F, T, F),
        ("parameter.removed", "#/paths/~1items/get/parameters/2", T, F, F),
        ("parameter.type-changed", "#/paths/~1items/get/parameters/2/schema/type", T, T, F),
        ("parameter.type-changed", "#/paths/~1items/get/parameters/3/schema/type", F, T, F),
        ("parameter.added", "#/paths/~1items/get/parameters/4", F, T, F),
        ("parameter.added", "#/paths/~1items/get/parameters/5", T, T, F),
        ("parameter.required", "#/components/parameters/Tenant/required", T, F, F),
        ("parameter.enum-values-added", "#/components/parameters/Tenant/schema/enum", F, T, F),
    },
    "recursive": {
        ("response.ref-changed", "#/paths/~1graph/get/responses/200/content/application~1json/schema", F, F, T),
        ("schema.added", "#/components/schemas/GraphB", F, F, F),
        ("response.type-changed", "#/components/schemas/GraphB/properties/id/type", T, T, F),
        ("response.ref-changed", "#/components/schemas/GraphB/properties/next", F, F, T),
        ("schema.type-changed", "#/components/schemas/Node/properties/value/type", T, T, F),
    },
    "rename": {
        ("schema.removed", "#/components/schemas/Color", F, F, T),
        ("schema.added", "#/components/schemas/Colour", F, F, F),
        ("schema.renamed", "#/components/schemas/Pet", F, F, T),
    },
    "request_body": {
        ("request-body.added", "#/paths/~1import/post/requestBody", T, T, F),
        ("request-body.removed", "#/paths/~1legacy/post/requestBody", T, F, F),
        ("request-body.media-type-added", "#/paths/~1upload/post/requestBody/content/multipart~1form-data", F, T, F),
        ("request-body.media-type-removed", "#/paths/~1upload/post/requestBody/content/text~1plain", T, F, F),
        ("request-body.required", "#/paths/~1upload/post/requestBody/required", T, F, F),
    },
    "request_fields": {
        ("request-body.property-optional", "#/paths/~1pets/post/requestBody/content/application~1json/schema/properties/age", F, T, F),
        ("request-body.property-removed", "#/paths/~1pets/post/requestBody/content/application~1json/schema/properties/color", T, F, F),
        ("request-body.property-added", "#/paths/~1pets/post/requestBody/content/application~1json/schema/properties/nickname", F, T, F),
        ("request-body.type-changed", "#/paths/~1pets/post/requestBody/content/application~1json/schema/properties/owner/properties/id/type", T, T, F),
        ("request-body.property-added", "#/paths/~1pets/post/requestBody/content/application~1json/schema/properties/species", T, T, F),
        ("request-body.property-required", "#/paths/~1pets/post/requestBody/content/application~1json/schema/required", T, F, F),
    },
    "response_fields": {
        ("response.type-changed", "#/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/id/type", T, T, F),
        ("response.property-removed", "#/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/legacy", T, F, F),
        ("response.property-optional", "#/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/name", T, F, F),
        ("response.property-added", "#/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/notes", F, F, F),
        ("response.property-added", "#/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/properties/status", F, T, F),
        ("response.property-required", "#/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/required", F, T, F),
    },
    "responses": {
        ("response.media-type-removed", "#/paths/~1files~1{id}/get/responses/200/content/application~1octet-stream", T, T, F),
        ("response.media-type-added", "#/paths/~1files~1{id}/get/responses/200/content/text~1csv", F, F, T),
        ("response.status-removed", "#/paths/~1tasks/post/responses/200", T, T, F),
        ("response.status-added", "#/paths/~1tasks/post/responses/202", F, F, T),
        ("response.status-removed", "#/paths/~1tasks/post/responses/404", F, F, T),
    },
    "schemas": {
        ("response.ref-changed", "#/paths/~1report/get/responses/200/content/application~1json/schema", F, F, T),
        ("schema.removed", "#/components/schemas/ReportV1", F, F, T),
        ("response.property-removed", "#/components/schemas/ReportV1/properties/rows", T, F, F),
        ("schema.added", "#/components/schemas/ReportV2", F, F, F),
        ("response.property-added", "#/components/schemas/ReportV2/properties/pages", F, F, F),
        ("schema.removed", "#/components/schemas/Unused", F, F, T),
    },
    "security": {
        ("security-scheme.changed", "#/components/securitySchemes/ApiKey/name", T, T, F),
        ("security-scheme.removed", "#/components/securitySchemes/Basic", F, F, T),
        ("security-scheme.added", "#/components/securitySchemes/Bearer", F, F, F),
        ("security.requirement-added", "#/security", F, T, F),
        ("security.requirement-added", "#/paths/~1a/get/security", F, T, F),
        ("security.requirement-removed", "#/paths/~1b/get/security", T, F, F),
        ("security.requirement-removed", "#/paths/~1c/get/security", T, F, F),
    },
    "servers": {
        ("server.added", "#/paths/~1chat/servers", F, F, T),
        ("server.added", "#/servers", F, F, T),
        ("server.removed", "#/servers", T, F, F),
    },
    "shared_schema": {
        ("schema.property-removed", "#/components/schemas/Owner/properties/email", T, F, F),
        ("schema.property-added", "#/components/schemas/Pet/properties/breed", F, T, F),
    },
    "types_constraints": {
        ("schema.constraint-changed", "#/components/schemas/Job/properties/attempts/minimum", F, T, F),
        ("schema.nullable-added", "#/components/schemas/Job/properties/finished_at/nullable", T, F, F),
        ("schema.type-changed", "#/components/schemas/Job/properties/payload/type", T, T, F),
        ("schema.type-changed", "#/components/schemas/Job/properties/score/type", T, F, F),
        ("schema.type-changed", "#/components/schemas/JobRequest/properties/labels/additionalProperties/type", T, T, F),
        ("schema.constraint-changed", "#/components/schemas/JobRequest/properties/name/maxLength", T, F, F),
        ("schema.additional-properties-changed", "#/components/schemas/JobRequest/properties/options/additionalProperties", T, F, F),
        ("schema.format-changed", "#/components/schemas/JobRequest/properties/owner_id/format", T, F, F),
        ("schema.type-changed", "#/components/schemas/JobRequest/properties/priority/type", F, T, F),
    },
}


def pair(case: str):
    return diff_specs(DATA / case / "old.yaml", DATA / case / "new.yaml")


def load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_fixture_pair_classification(case):
    result = pair(case)
    found = {(c.kind, c.location, c.breaking_client, c.breaking_server, c.notable) for c in result.changes}
    assert found == EXPECTED[case]
    assert len(found) == len(result.changes), "a change is reported twice"


def test_every_fixture_pair_has_expectations():
    cases = {p.name for p in DATA.iterdir() if (p / "old.yaml").is_file()}
    assert cases == set(EXPECTED)
    assert len(cases) >= 10


def messages(case: str) -> list[str]:
    return [c.message for c in pair(case).changes]


def test_messages_name_the_operation_and_the_field():
    text = "\n".join(messages("parameters"))
    assert "`GET /items`: query parameter `limit` is now required" in text
    assert "`GET /items`: query parameter `page` type changed from `integer` to `string`" in text
    assert "header parameter `X-Trace` added (required)" in text
    assert "Accept" not in text  # OpenAPI ignores Accept/Content-Type/Authorization header parameters
    text = "\n".join(messages("request_fields"))
    assert "`POST /pets`: request body property `owner.id` type changed from `string` to `integer`" in text
    assert "request body property `species` added (required, `string`)" in text


def test_shared_schema_change_is_reported_once_with_its_operations():
    changes = {c.location: c for c in pair("shared_schema").changes}
    breed = changes["#/components/schemas/Pet/properties/breed"]
    assert breed.operations == ("GET /pets", "POST /pets")
    assert breed.direction == "request+response"
    assert "used by 2 operations in requests and responses" in breed.message
    email = changes["#/components/schemas/Owner/properties/email"]
    # Owner is reached through Pet.owner too, so the Pet operations use it
    assert email.operations == ("GET /owners/{id}", "GET /pets", "POST /pets")
    assert email.spec == "old"


def test_shared_parameter_component_is_reported_once():
    [tenant] = [c for c in pair("parameters").changes if c.kind == "parameter.required"
                and c.location.startswith("#/components/")]
    assert tenant.operations == ("GET /items", "GET /things")


def test_rename_needs_the_same_shape_and_moved_refs():
    by_kind = {c.kind: c for c in pair("rename").changes}
    assert "renamed from `Animal`" in by_kind["schema.renamed"].message
    # Color -> Colour has the same shape but nothing referred to it: not called a rename
    assert by_kind["schema.removed"].location == "#/components/schemas/Color"
    assert by_kind["schema.added"].location == "#/components/schemas/Colour"


def test_servers_shared_through_a_yaml_alias_are_one_change():
    [added] = [c for c in pair("servers").changes if c.location == "#/paths/~1chat/servers"]
    assert added.operations == ("POST /chat", "POST /embed")
    [removed] = [c for c in pair("servers").changes if c.kind == "server.removed"]
    assert removed.operations == ("GET /ping", "GET /status")
    assert "root servers: server `https://api.example.com/v1` removed" == removed.message


def test_security_requirements_per_operation():
    text = "\n".join(messages("security"))
    assert "`GET /c`: no longer accepts no authentication" in text
    assert "`GET /b`: no longer accepts `Basic`" in text
    assert "`GET /a`: now also accepts `Bearer`" in text


@pytest.mark.parametrize(
    ("effect", "directions", "verdict"),
    [
        ("add-optional", ["request"], (F, T, F)),
        ("add-optional", ["response"], (F, F, F)),
        ("add-required", ["response"], (F, T, F)),
        ("remove", ["response"], (T, F, F)),
        ("enum-add", ["response"], (F, F, T)),
        ("enum-add", ["request", "response"], (F, T, F)),  # notable only when nothing breaks
        ("widen", ["request", "response"], (T, T, F)),
        ("narrow", [], (F, F, F)),  # a component no operation uses breaks nobody
        ("info", [], (F, F, T)),
    ],
)
def test_classification_rules(effect, directions, verdict):
    assert classify(effect, directions) == verdict


def test_the_input_documents_are_not_mutated():
    old, new = load(DATA / "servers" / "old.yaml"), load(DATA / "servers" / "new.yaml")
    before = copy.deepcopy((old, new))
    diff_documents(old, new)
    assert (old, new) == before


def _reversed(node):
    if isinstance(node, dict):
        return {k: _reversed(v) for k, v in reversed(list(node.items()))}
    if isinstance(node, list):
        return [_reversed(v) for v in node]
    return node


@pytest.mark.parametrize("case", ["parameters", "security", "types_constraints", "composition"])
def test_output_does_not_depend_on_key_order(case):
    old, new = load(DATA / case / "old.yaml"), load(DATA / case / "new.yaml")
    a = render(diff_documents(old, new), "json")
    b = render(diff_documents(_reversed(old), _reversed(new)), "json")
    assert a == b


def test_json_output_shape():
    text, code = main_diff(DATA / "enums" / "old.yaml", DATA / "enums" / "new.yaml", fmt="json", fail_on="never")
    assert code == 0
    data = json.loads(text)
    assert list(data) == ["old", "new", "summary", "changes"]
    assert data["summary"] == {"changes": 5, "breaking_client": 2, "breaking_server": 2, "notable": 1}
    keys = ["kind", "location", "spec", "breaking_client", "breaking_server", "notable", "direction",
            "operations", "message"]
    assert all(list(c) == keys for c in data["changes"])
    assert text.endswith("\n")


def test_text_output():
    text, _ = main_diff(DATA / "enums" / "old.yaml", DATA / "enums" / "new.yaml", fmt="text", fail_on="never")
    lines = text.splitlines()
    assert lines[0] == "API diff: Fixture 1 → 2"
    assert lines[1] == "5 changes: 2 breaking for client users, 2 breaking for server implementers, 1 notable"
    assert any(line.startswith("  BREAKING client ") and "`size` enum value `l` removed" in line for line in lines)
    assert any(line.lstrip().startswith("notable") and "`archived` added" in line for line in lines)
    assert any("at #/paths/~1orders/post/requestBody" in line for line in lines)


def test_markdown_output():
    text, _ = main_diff(DATA / "shared_schema" / "old.yaml", DATA / "shared_schema" / "new.yaml",
                        fmt="markdown", fail_on="never")
    assert text.startswith("## API diff: Fixture 1 → 2\n")
    assert "| Component schemas | 2 | 1 | 1 | 0 |" in text
    assert "| **Total** | **2** | **1** | **1** | **0** |" in text
    client = text.index("### Breaking for client users (1)")
    server = text.index("### Breaking for server implementers (1)")
    assert client < text.index("property `email` removed") < server < text.index("property `breed` added")
    assert "operations: `GET /owners/{id}`, `GET /pets`, `POST /pets`" in text


def test_no_changes_in_every_format():
    for fmt in ("text", "markdown", "json"):
        text, code = main_diff(DATA / "identical" / "old.yaml", DATA / "identical" / "new.yaml", fmt=fmt,
                               fail_on="any")
        assert code == 0
    assert json.loads(text)["changes"] == []


def test_spec_strings_cannot_break_the_markdown(tmp_path):
    old = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"a`b\n## injected": {"type": "string"}}}}}}}}}}}
    new = copy.deepcopy(old)
    new["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"] = {}
    result = diff_documents(old, new)
    [change] = result.changes
    assert "\n" not in change.message and change.message.count("`") % 2 == 0
    assert "\n## injected" not in render(result, "markdown")


@pytest.mark.parametrize(
    ("case", "fail_on", "code"),
    [
        ("enums", "breaking", 1),
        ("enums", "never", 0),
        ("enums", "any", 1),
        ("shared_schema", "breaking-client", 1),
        ("rename", "breaking", 0),  # notable only
        ("rename", "any", 1),
        ("servers", "breaking-server", 0),
        ("servers", "breaking-client", 1),
        ("identical", "breaking", 0),
    ],
)
def test_fail_on_exit_codes(case, fail_on, code):
    assert exit_code(pair(case), fail_on) == code
    assert main_diff(DATA / case / "old.yaml", DATA / case / "new.yaml", fmt="text", fail_on=fail_on)[1] == code


def test_overlay_applies_to_both_specs():
    text, code = main_diff(DATA / "shared_schema" / "old.yaml", DATA / "shared_schema" / "new.yaml", fmt="json",
                           fail_on="breaking-client", overlay=DATA / "overlay" / "overlay.yaml")
    kinds = [c["location"] for c in json.loads(text)["changes"]]
    assert kinds == ["#/components/schemas/Pet/properties/breed"]  # Owner.email restored on both sides
    assert code == 0


# --- bad input ---------------------------------------------------------------------------------

GOOD = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}


def test_not_openapi_3():
    with pytest.raises(GeneratorError) as info:
        diff_documents({"swagger": "2.0", "paths": {}}, GOOD, old_label="old.yaml")
    [d] = info.value.diagnostics
    assert "not an OpenAPI 3 document" in d.message and d.file == "old.yaml" and d.pointer == "#/openapi"
    assert d.hint


def test_dangling_ref_names_where():
    new = copy.deepcopy(GOOD)
    new["paths"] = {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}], "responses": {}}}}
    with pytest.raises(GeneratorError) as info:
        diff_documents(GOOD, new, new_label="new.yaml")
    [d] = info.value.diagnostics
    assert "points to nothing" in d.message
    assert d.pointer == "#/paths/~1a/get/parameters/0/$ref" and d.file == "new.yaml"


def test_malformed_parameter():
    new = copy.deepcopy(GOOD)
    new["paths"] = {"/a": {"get": {"parameters": [{"name": "x", "in": "body"}], "responses": {}}}}
    with pytest.raises(GeneratorError, match="`in`: query, header, path or cookie"):
        diff_documents(GOOD, new)


def test_wrong_shapes_are_errors_not_tracebacks():
    new = copy.deepcopy(GOOD)
    new["paths"] = {"/a": {"get": {"responses": {"200": {"description": "x", "content": {
        "application/json": {"schema": {"type": 5}}}}}}}}
    old = copy.deepcopy(new)
    old["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "string"}
    with pytest.raises(GeneratorError, match="`type` must be a string"):
        diff_documents(old, new)
    with pytest.raises(GeneratorError, match="expected a mapping"):
        diff_documents(GOOD, {**GOOD, "paths": ["/a"]})


def test_bad_file_and_flags(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.0\npaths: [\n", encoding="utf-8")
    ok = DATA / "enums" / "old.yaml"
    with pytest.raises(GeneratorError) as info:
        main_diff(broken, ok, fmt="text", fail_on="never")
    assert info.value.diagnostics[0].line is not None
    with pytest.raises(GeneratorError):
        main_diff(tmp_path / "missing.yaml", ok, fmt="text", fail_on="never")
    with pytest.raises(GeneratorError, match="unknown diff format"):
        main_diff(ok, ok, fmt="html", fail_on="never")  # type: ignore[arg-type]
    with pytest.raises(GeneratorError, match="--fail-on"):
        main_diff(ok, ok, fmt="text", fail_on="sometimes")  # type: ignore[arg-type]
    assert set(FAIL_ON) >= {"breaking", "any", "never"}


def test_diagnostics_carry_the_line(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
                   "      parameters:\n        - {name: x, in: body}\n      responses: {}\n", encoding="utf-8")
    with pytest.raises(GeneratorError) as info:
        main_diff(old, DATA / "enums" / "old.yaml", fmt="text", fail_on="never")
    [d] = info.value.diagnostics
    assert d.file == str(old) and d.line == 7


# --- the real Portkey pair ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def portkey_docs(portkey_spec_path, next_spec_path):
    # The later upstream revision is pinned (tests/data/pins/next.yaml) and fetched like the main one.
    from portkey_codegen.diff import load_for_diff

    return load_for_diff(OLD_SPEC), load_for_diff(NEXT_SPEC)


def test_portkey_pair_matches_the_checked_report(portkey_docs):
    result = diff_documents(*portkey_docs, old_label=str(OLD_SPEC), new_label=str(NEXT_SPEC))
    expected = json.loads(EXPECTED_REPORT.read_text(encoding="utf-8"))
    actual = json.loads(render(result, "json"))
    # compare entry by entry first for a readable failure, then the whole document
    assert [c["location"] + " " + c["kind"] for c in actual["changes"]] == [
        c["location"] + " " + c["kind"] for c in expected["changes"]
    ]
    assert actual == expected


def test_portkey_pair_facts(portkey_docs):
    """Counts read off the two specs by hand, independent of the checked-in report."""
    changes = diff_documents(*portkey_docs).changes
    added_ops = sorted(c.operations[0] for c in changes if c.kind == "operation.added")
    assert added_ops == [
        "DELETE /mcp-servers/{mcpServerId}/connections",
        "DELETE /scim/workspaces/{scimWorkspaceGroupId}",
        "GET /mcp-servers/{mcpServerId}/connections",
        "GET /scim/workspaces",
        "POST /api-keys/{id}/rotate",
        "POST /rerank",
        "POST /scim/workspaces",
    ]
    assert len({op.split(" ", 1)[1] for op in added_ops}) == 5
    assert len([c for c in changes if c.kind == "schema.added"]) == 14
    assert not [c for c in changes if c.kind in ("operation.removed", "schema.removed", "schema.renamed")]
    # UsageLimits is shared by 19 operations: one change per fact, not one per operation
    periodic = [c for c in changes if c.location == "#/components/schemas/UsageLimits/properties/periodic_reset/nullable"]
    assert len(periodic) == 1 and len(periodic[0].operations) == 19
    assert periodic[0].breaking_client and periodic[0].breaking_server


def test_portkey_spec_against_itself_has_no_changes(portkey_docs):
    old, _ = portkey_docs
    assert diff_documents(old, old).changes == ()
