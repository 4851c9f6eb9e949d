"""Small specs of our own making in the shapes public APIs use (tests/realworld/specs/): each
generates, imports and passes `mypy --strict` with no configuration, and the shapes that used to
fail come out as the specs mean them."""

from __future__ import annotations

import base64
import shutil
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realworld_support import Generated, generate_package, import_all, load_client, mypy_strict, refused  # noqa: E402

SPECS = Path(__file__).resolve().parent / "specs"
NAMES = [
    "pet_shop", "music_catalog", "chat_platform", "file_storage", "task_tracker",
    "model_api", "museum", "code_host", "payments", "cloud",
]  # fmt: skip


def spec_path(name: str) -> Path:
    return SPECS / "cloud" / "cloud.yaml" if name == "cloud" else SPECS / f"{name}.yaml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """One generation per spec, each its own package (`rw_<name>`) in its own folder."""
    return {
        name: generate_package(spec_path(name), f"rw_{name}", tmp_path_factory.mktemp(name)) for name in NAMES
    }


def test_every_spec_has_a_test_here() -> None:
    on_disk = {p.stem for p in SPECS.glob("*.yaml")} | {"cloud"}
    assert on_disk == set(NAMES)


def test_all_packages_import_and_pass_mypy_strict(generated: dict[str, Generated], tmp_path: Path) -> None:
    for g in generated.values():
        import_all(g)
    errors = mypy_strict(list(generated.values()), tmp_path)
    assert not errors, "\n".join(errors)


def test_models_modules_import_only_what_they_use(generated: dict[str, Generated]) -> None:
    """ruff F401/F811 on every models.py (its bases come from ._model_base, only those used)."""
    from unused_imports import unused_imports

    found = {name: unused_imports(g.text("models.py")) for name, g in generated.items()}
    assert not any(found.values()), found


def test_no_unknown_scheme_warnings(generated: dict[str, Generated]) -> None:
    for name, g in generated.items():
        assert not [m for m in g.messages() if "scheme" in m], name


def _methods(g: Generated) -> dict[str, tuple[tuple[str, ...], str]]:
    return {op.key: (op.resource, op.method_name) for op in g.api.operations}  # type: ignore[attr-defined]


def _path_methods(name: str) -> dict[str, tuple[tuple[str, ...], str]]:
    """The names `naming = "path"` gives the spec's operations (the default names them after operationIds)."""
    from portkey_codegen.load import load_spec
    from portkey_codegen.lower.operations import NamingRules, assign_names, iter_operations

    return assign_names(iter_operations(load_spec(spec_path(name)).document), NamingRules(mode="path"))


def test_operation_ids_name_the_methods_by_default(generated: dict[str, Generated]) -> None:
    pets = _methods(generated["pet_shop"])
    assert pets["GET /pet/findByStatus"] == (("pet",), "find_pets_by_status")
    assert pets["GET /store/inventory"] == (("store",), "get_inventory")
    assert _methods(generated["chat_platform"])["GET /channels/{channel_id}/messages"] == (("channels",), "list_messages")


def test_path_rule_collisions_fall_back_to_operation_ids() -> None:
    pets = _path_methods("pet_shop")
    assert pets["PUT /pet"] == (("pet",), "update_pet")
    assert pets["POST /pet/{petId}"] == (("pet",), "update_pet_with_form")
    assert pets["POST /pet"] == (("pet",), "create")  # no collision: the rule's name stays
    members = _path_methods("chat_platform")
    assert members["PUT /guilds/{guild_id}/members/{user_id}"][1] == "add_guild_member"
    assert members["PATCH /guilds/{guild_id}/members/{user_id}"][1] == "update_guild_member"
    assert members["GET /guilds/{guild_id}/members/{user_id}"][1] == "retrieve"
    files = _path_methods("file_storage")
    assert files["POST /files/{file_id}"][1] == "post_files_id"
    comments = _path_methods("code_host")
    assert comments["GET /repos/{owner}/{repo}/issues/comments"] == (
        ("repos", "issues", "comments"),
        "issues_list_comments_for_repo",
    )


DELETED = {"deleted": True, "id": "cus_1", "object": "customer"}


def _wire(g: Generated, body: object = (), **credentials: str) -> tuple[object, list[httpx.Request]]:
    """A generated client answering `body` to everything, and the list of requests it sends."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=list(body) if isinstance(body, tuple) else body)

    module = load_client(g)
    client_cls = getattr(module, g.api.client_name)  # type: ignore[attr-defined]
    client = client_cls(**credentials, http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    return client, seen


def test_oauth2_takes_an_access_token_sent_as_bearer(generated: dict[str, Generated]) -> None:
    client, seen = _wire(generated["pet_shop"], access_token="tok-1", api_key="k")
    client.pet.find_pets_by_status()
    assert seen[0].headers["authorization"] == "Bearer tok-1"
    assert seen[0].headers["api_key"] == "k"


def test_basic_and_bearer_on_one_header_get_two_arguments(generated: dict[str, Generated]) -> None:
    g = generated["payments"]
    assert [(s.py_name, s.kind) for s in g.api.security_schemes] == [("basic_auth", "basic"), ("bearer_auth", "bearer")]  # type: ignore[attr-defined]
    client, seen = _wire(g, DELETED, basic_auth="sk_test_1:")
    client.customers.get_customers_customer("cus_1")
    assert seen[-1].headers["authorization"] == "Basic " + base64.b64encode(b"sk_test_1:").decode()
    client, seen = _wire(g, DELETED, bearer_auth="sk_test_2")
    client.customers.get_customers_customer("cus_1")
    assert seen[-1].headers["authorization"] == "Bearer sk_test_2"
    # with_options() encodes a new credential the way the constructor does
    client.with_options(basic_auth="sk_test_3:").customers.get_customers_customer("cus_1")
    assert seen[-1].headers["authorization"] == "Basic " + base64.b64encode(b"sk_test_3:").decode()
    client.with_options(bearer_auth="sk_test_4").customers.get_customers_customer("cus_1")
    assert seen[-1].headers["authorization"] == "Bearer sk_test_4"
    # Every path starts with /v1: names skip it (client.customers, not client.v1), the wire keeps it
    assert {seen_request.url.path for seen_request in seen} == {"/v1/customers/cus_1"}
    assert _methods(g)["GET /v1/customers"] == (("customers",), "get_customers")
    assert _methods(generated["cloud"])["GET /v2/droplets"] == (("droplets",), "droplets_list")


def test_api_key_and_oauth2_on_authorization(generated: dict[str, Generated]) -> None:
    g = generated["chat_platform"]
    assert {s.py_name: s.kind for s in g.api.security_schemes} == {"authorization": "header", "access_token": "bearer"}  # type: ignore[attr-defined]
    assert '"Authorization": authorization or access_token,' in g.text("client/_client.py")
    client, seen = _wire(g, authorization="Bot abc")
    client.channels.list_messages("1")
    assert seen[0].headers["authorization"] == "Bot abc"


def test_parameter_named_type_beside_an_array_response(generated: dict[str, Generated]) -> None:
    client_source = generated["music_catalog"].resource_modules()
    assert "        type: Literal[" in client_source
    assert "cast_to=list[bool]," in client_source


def test_union_inside_allof_becomes_combined_classes(generated: dict[str, Generated]) -> None:
    models = generated["model_api"].text("models.py")
    assert "class CreateCompletionRequestPromptInput(PromptInput, CreateCompletionRequestCommon):" in models
    assert "class CreateCompletionRequestMessagesInput(\n    MessagesInput, CreateCompletionRequestCommon\n):" in models
    assert "root: CreateCompletionRequestPromptInput | CreateCompletionRequestMessagesInput" in models


def test_redefined_property_copies_the_base(generated: dict[str, Generated]) -> None:
    g = generated["music_catalog"]
    models = g.text("models.py")
    assert "class PagingAlbumObject(BaseModel):" in models
    assert "    items: list[AlbumObject]\n" in models
    assert any("PagingAlbumObject redefines 'items' of PagingObject" in m for m in g.messages())


def test_described_references_keep_their_type(generated: dict[str, Generated]) -> None:
    models = generated["code_host"].text("models.py")
    assert "author_association: AuthorAssociation | None = None" in models
    assert "performed_via: AppOrUser | None = None" in models
    assert "user: NullableSimpleUser | None = None" in models


def test_required_names_without_property_are_warned_and_dropped(generated: dict[str, Generated]) -> None:
    g = generated["code_host"]
    warning = next(d for d in g.diagnostics if "spdx_id" in d.message)
    assert warning.severity == "warning" and warning.line and warning.file and warning.hint
    assert "spdx_id" not in g.text("models.py")


def test_openapi_31_defaults_of_the_wrong_type_are_warnings(generated: dict[str, Generated]) -> None:
    g = generated["museum"]
    defaults = [d for d in g.diagnostics if d.pointer and d.pointer.endswith("/default")]
    assert len(defaults) == 4
    assert all(d.severity == "warning" and d.line and d.hint for d in defaults)
    models = g.text("models.py")
    for kept_out in ('"free"', '"unlimited"', '"archived"'):
        assert kept_out not in models


def test_multi_file_spec_reports_errors_in_the_file_they_come_from(tmp_path: Path) -> None:
    copy = tmp_path / "cloud"
    shutil.copytree(SPECS / "cloud", copy)
    size = copy / "resources" / "models" / "size.yml"
    size.write_text(size.read_text().replace("vcpus: {type: integer}", "vcpus: {type: integer, default: many}"))
    exc = refused(copy / "cloud.yaml")
    (diag,) = exc.diagnostics
    assert diag.file == str(size.resolve()) and diag.line == 5, diag.format()
    assert diag.hint
