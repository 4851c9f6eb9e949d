"""Resource paths and method names come from a rule over path + HTTP method, with overrides."""

import pytest

from portkey_codegen.lower.operations import (
    NamingRules,
    RawOperation,
    assign_names,
    build_resource_tree,
    derive_name,
    function_names,
    iter_operations,
)
from portkey_codegen.diagnostics import GeneratorError
from project_paths import spec_operation_keys

ACTIONS = frozenset({"cancel", "content", "makeDefault"})


@pytest.mark.parametrize(
    "method,path,methods,expected",
    [
        ("post", "/chat/completions", {"post"}, (("chat", "completions"), "create")),
        ("get", "/configs", {"get", "post"}, (("configs",), "list")),
        ("get", "/configs/{slug}", {"get", "put", "delete"}, (("configs",), "retrieve")),
        ("put", "/configs/{slug}", {"get", "put"}, (("configs",), "update")),
        ("patch", "/configs/{slug}", {"patch"}, (("configs",), "update")),
        ("delete", "/configs/{slug}", {"delete"}, (("configs",), "delete")),
        ("post", "/assistants/{id}", {"get", "post", "delete"}, (("assistants",), "update")),
        ("post", "/api-keys/{type}/{sub-type}", {"post"}, (("api_keys",), "create")),
        ("get", "/virtual-keys", {"get"}, (("virtual_keys",), "list")),
        ("post", "/batches/{id}/cancel", {"post"}, (("batches",), "cancel")),
        ("put", "/prompts/{id}/makeDefault", {"put"}, (("prompts",), "make_default")),
        ("get", "/threads/{id}/messages", {"get", "post"}, (("threads", "messages"), "list")),
        ("get", "/analytics/graphs/cache/hit-rate", {"get"}, (("analytics", "graphs", "cache", "hit_rate"), "list")),
    ],
)
def test_rule(method, path, methods, expected):
    all_paths = frozenset({path.rstrip("/")})
    assert derive_name(method, path, ACTIONS, all_paths, frozenset(methods)) == expected


def test_action_only_when_terminal():
    # /files/{id}/content/{part} exists: "content" is a sub-resource there, not an action
    paths = frozenset({"/files/{id}/content", "/files/{id}/content/{part}"})
    assert derive_name("get", "/files/{id}/content", ACTIONS, paths, frozenset({"get"})) == (
        ("files", "content"),
        "list",
    )


def _raws(*keys):
    doc = {"paths": {}}
    for key in keys:
        method, path = key.split(" ")
        doc["paths"].setdefault(path, {})[method.lower()] = {"responses": {}}
    return iter_operations(doc)


def test_collision_is_an_error_with_a_hint():
    raws = _raws("POST /threads/runs", "POST /threads/{id}/runs")
    with pytest.raises(GeneratorError) as exc:
        assign_names(raws, NamingRules())
    assert "both map to client.threads.runs.create()" in str(exc.value)
    assert "override" in str(exc.value)


def test_override_resolves_collision():
    raws = _raws("POST /threads/runs", "POST /threads/{id}/runs")
    rules = NamingRules(operations={"POST /threads/runs": "threads.create_and_run"})
    names = assign_names(raws, rules)
    assert names["POST /threads/runs"] == (("threads",), "create_and_run")
    assert names["POST /threads/{id}/runs"] == (("threads", "runs"), "create")


def test_method_and_subresource_clash_is_an_error():
    raws = _raws("POST /a/{id}/b", "GET /a/b")
    rules = NamingRules(operations={"POST /a/{id}/b": "a.b"})
    with pytest.raises(GeneratorError, match="both a method and a sub-resource"):
        assign_names(raws, rules)


def test_function_names_unique_even_with_duplicate_operation_ids():
    doc = {
        "paths": {
            "/a": {"get": {"operationId": "dup", "responses": {}}},
            "/b": {"get": {"operationId": "dup", "responses": {}}},
            "/c": {"get": {"responses": {}}},
        }
    }
    raws = iter_operations(doc)
    names = assign_names(raws, NamingRules())
    fn = function_names(raws, names)
    assert fn["GET /a"] == "dup"
    assert fn["GET /b"] != "dup" and fn["GET /b"].isidentifier()
    assert fn["GET /c"] == "list_c"
    assert len(set(fn.values())) == 3


def test_names_are_identifiers_for_hostile_paths():
    raws = _raws("GET /class/{def}", "GET /1st-thing", "GET /__init__", "POST /ünïcode/ßtuff")
    names = assign_names(raws, NamingRules())
    import keyword

    for res, meth in names.values():
        for part in res + (meth,):
            assert part.isidentifier() and not keyword.iskeyword(part), part


def test_real_spec_all_operations_named(portkey_spec_path):
    import yaml

    from portkey_codegen.load import load_spec

    doc = load_spec(portkey_spec_path).document
    from project_paths import REPO

    from portkey_codegen.lower.operations import Overrides

    rules = Overrides.from_mapping(yaml.safe_load((REPO / "spec" / "names.yaml").read_text())).naming
    raws = iter_operations(doc)
    count = len(spec_operation_keys(portkey_spec_path))
    assert len(raws) == count
    names = assign_names(raws, rules)
    assert len(set(names.values())) == count
    assert names["POST /chat/completions"] == (("chat", "completions"), "create")
    assert names["GET /configs"] == (("configs",), "list")
    assert names["GET /configs/{slug}"] == (("configs",), "retrieve")
    assert names["GET /virtual-keys/{slug}"] == (("virtual_keys",), "retrieve")
    assert names["GET /integrations/{slug}/workspaces"] == (("integrations", "workspaces"), "list")
    fn = function_names(raws, names)
    assert len(set(fn.values())) == count
    assert fn["POST /chat/completions"] == "create_chat_completion"


def _raws_with_ids(**ops: str | None):
    """{"PUT /pet": "updatePet", ...} -> raw operations with those operationIds (None: none)."""
    doc: dict = {"paths": {}}
    for key, op_id in ops.items():
        method, path = key.split(" ")
        op = {"responses": {}}
        if op_id is not None:
            op["operationId"] = op_id
        doc["paths"].setdefault(path, {})[method.lower()] = op
    return iter_operations(doc)


def test_collision_falls_back_to_operation_ids():
    # PUT /pet and POST /pet/{petId} (an item: it has GET) are both pet.update by the rule
    raws = _raws_with_ids(
        **{"PUT /pet": "updatePet", "POST /pet/{petId}": "updatePetWithForm", "GET /pet/{petId}": "getPetById"}
    )
    names = assign_names(raws, NamingRules())
    assert names["PUT /pet"] == (("pet",), "update_pet")
    assert names["POST /pet/{petId}"] == (("pet",), "update_pet_with_form")
    assert names["GET /pet/{petId}"] == (("pet",), "retrieve")  # no collision: the rule's name


def test_fallback_leaves_overrides_alone_and_still_refuses_what_collides():
    raws = _raws_with_ids(**{"PUT /pet": "updatePet", "POST /pet/{petId}": "updatePetWithForm", "GET /pet/{petId}": None})
    rules = NamingRules(operations={"PUT /pet": "pet.update"})
    names = assign_names(raws, rules)
    assert names["PUT /pet"] == (("pet",), "update")
    assert names["POST /pet/{petId}"] == (("pet",), "update_pet_with_form")
    # one side has no operationId: its rule name still collides with the other's
    raws = _raws_with_ids(**{"POST /threads/runs": None, "POST /threads/{id}/runs": "create"})
    with pytest.raises(GeneratorError) as exc:
        assign_names(raws, NamingRules())
    assert "both map to client.threads.runs.create()" in str(exc.value)
    assert "operationId" in str(exc.value)
