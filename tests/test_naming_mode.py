"""Config `naming`: "path" (the path rule) or "operation-id" (methods named after operationIds,
under the first path segment). "operation-id" is the default, except where the names file says
otherwise: the Portkey preset's (spec/names.yaml) says "path". Specs of our own: a small one with
the shapes that need a rule, and the pet store's 19 operations (tests/data/naming/petstore.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from portkey_codegen import Config, GeneratorError, render_tree
from portkey_codegen.naming_settings import resolve_naming
from portkey_codegen.cli import main
from portkey_codegen.config import load_config, preset_file
from project_paths import REPO

PETSTORE = REPO / "tests" / "data" / "naming" / "petstore.yaml"
SPEC = """\
openapi: 3.0.3
info: {title: pets, version: '1'}
paths:
  /pet:
    put: {operationId: updatePet, responses: {'204': {description: ok}}}
  /pet/{petId}:
    parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
    get: {operationId: getPetById, responses: {'204': {description: ok}}}
  /store/inventory:
    get: {operationId: getInventory, responses: {'204': {description: ok}}}
  /user/login:
    get: {operationId: loginUser, responses: {'204': {description: ok}}}
  /user/logout:
    get: {responses: {'204': {description: ok}}}
"""
OPERATION_ID_NAMES = {
    "PUT /pet": (("pet",), "update_pet"),
    "GET /pet/{petId}": (("pet",), "get_pet_by_id"),
    "GET /store/inventory": (("store",), "get_inventory"),
    "GET /user/login": (("user",), "login_user"),
    "GET /user/logout": (("user", "logout"), "list"),  # no operationId: the path rule
}


def _render(tmp_path: Path, text: str = SPEC, **config: object):
    spec = tmp_path / "pets.yaml"
    spec.write_text(text)
    return render_tree(Config(spec=spec, out=tmp_path / "out", no_cache=True, **config))  # type: ignore[arg-type]


def _names(result) -> dict[str, tuple[tuple[str, ...], str]]:
    return {op.key: (op.resource, op.method_name) for op in result.api.operations}


def _calls(spec: Path, tmp_path: Path, **config: object) -> dict[str, str]:
    result = render_tree(Config(spec=spec, out=tmp_path / "out", no_cache=True, **config))  # type: ignore[arg-type]
    return {
        op.key: f"client.{'.'.join(op.resource)}.{op.method_name}({', '.join(p.py_name for p in op.path_params)})"
        for op in result.api.operations
    }


def _readme_table() -> dict[str, tuple[str, str]]:
    """README "Method names": "METHOD /path" -> (path name, operation-id name)."""
    section = (REPO / "README.md").read_text("utf-8").split("## Method names\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `(\w+ /\S*)` \(`\w+`\) \| `([^`]+)` \| `([^`]+)` \|$", line)
        if found:
            rows[found.group(1)] = (found.group(2), found.group(3))
    return rows


def test_operation_id_is_the_default_for_a_spec_of_ones_own(tmp_path: Path) -> None:
    result = _render(tmp_path)
    assert _names(result) == OPERATION_ID_NAMES
    assert resolve_naming(Config(spec=tmp_path / "pets.yaml"))[0] == "operation-id"
    # The operation without operationId is named by the path rule, and a warning says so.
    (warning,) = [d for d in result.diagnostics if "without operationId" in d.message]
    assert warning.severity == "warning"
    assert "the path rule" in warning.message and "GET /user/logout → client.user.logout.list()" in warning.message
    assert warning.pointer == "#/paths/~1user~1logout/get"


def test_explicit_path_naming(tmp_path: Path) -> None:
    result = _render(tmp_path, naming="path")
    names = _names(result)
    assert names["GET /user/login"] == (("user", "login"), "list")
    assert names["GET /store/inventory"] == (("store", "inventory"), "list")
    assert not [d for d in result.diagnostics if "operationId" in d.message]  # no operation-id warnings


def test_petstore_names_under_both_modes_are_the_readme_table(tmp_path: Path) -> None:
    default, path = _calls(PETSTORE, tmp_path), _calls(PETSTORE, tmp_path, naming="path")
    assert default == _calls(PETSTORE, tmp_path, naming="operation-id")
    assert default["GET /user/login"] == "client.user.login_user()"
    assert default["GET /store/inventory"] == "client.store.get_inventory()"
    assert path["GET /user/login"] == "client.user.login.list()"
    assert _readme_table() == {key: (path[key], default[key]) for key in default}


def test_names_file_override_wins_in_operation_id_mode(tmp_path: Path) -> None:
    names = tmp_path / "names.yaml"
    names.write_text('operations:\n  "GET /user/login": session.sign_in\n')
    result = _names(_render(tmp_path, names=names))
    assert result["GET /user/login"] == (("session",), "sign_in")
    assert result["GET /store/inventory"] == (("store",), "get_inventory")


def test_operation_ids_that_collide_fall_back_to_the_path_rule(tmp_path: Path) -> None:
    spec = """\
openapi: 3.0.3
info: {title: pets, version: '1'}
paths:
  /pet:
    get: {operationId: getPet, responses: {'204': {description: ok}}}
  /pet/{petId}:
    parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
    get: {operationId: get_pet, responses: {'204': {description: ok}}}
  /user/logout:
    get: {operationId: logout, responses: {'204': {description: ok}}}
  /user/logout/all:
    post: {responses: {'204': {description: ok}}}
"""
    result = _render(tmp_path, spec)
    assert _names(result) == {
        "GET /pet": (("pet",), "list"),
        "GET /pet/{petId}": (("pet",), "retrieve"),
        "GET /user/logout": (("user", "logout"), "list"),  # user.logout() would hide user.logout.all
        "POST /user/logout/all": (("user", "logout", "all"), "create"),
    }
    (warning,) = [d for d in result.diagnostics if "got one name from their operationIds" in d.message]
    assert "GET /pet, GET /pet/{petId}, GET /user/logout" in warning.message
    assert "the path rule names them instead" in warning.message


def test_default_follows_the_names_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no pyproject: the Portkey preset
    preset = load_config()
    assert preset.names == preset_file("names")
    assert resolve_naming(preset)[0] == "path"
    assert resolve_naming(load_config(REPO / "pyproject.toml"))[0] == "path"  # this repository: Portkey
    # An explicit setting wins over the names file: flag, then the config key.
    assert resolve_naming(load_config(naming="operation-id"))[0] == "operation-id"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[tool.portkey-codegen]\nnames = "{preset_file("names")}"\nnaming = "operation-id"\n')
    assert resolve_naming(load_config(pyproject)) == ("operation-id", "set by `naming` in [tool.portkey-codegen] or --naming")
    assert resolve_naming(load_config(pyproject, naming="path"))[0] == "path"
    # A names file without `naming`: the default.
    own = tmp_path / "names.yaml"
    own.write_text("actions: [cancel]\n")
    assert resolve_naming(Config(names=own))[0] == "operation-id"


def test_bad_naming_values_are_errors(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.portkey-codegen]\nnaming = "operationId"\n')
    with pytest.raises(GeneratorError) as exc:
        load_config(pyproject)
    assert "operation-id" in (exc.value.diagnostics[0].hint or "")
    names = tmp_path / "names.yaml"
    names.write_text("actions: [cancel]\nnaming: paths\n")
    with pytest.raises(GeneratorError) as exc:
        _render(tmp_path, names=names)
    (d,) = exc.value.diagnostics
    assert "invalid naming 'paths'" in d.message and (d.file, d.line) == (str(names), 2)
    assert "path, operation-id" in (d.hint or "")


def test_cli_flag_and_verbose_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "pets.yaml"
    spec.write_text(SPEC)
    common = ["generate", "--spec", str(spec), "--no-pin", "--no-overlay", "--no-names", "--no-cache", "-v", "--parts", "client"]
    assert main([*common, "--out", str(tmp_path / "a"), "--package-name", "a"]) == 0
    err = capsys.readouterr().err
    assert "naming: operation-id (the default for a spec whose names file sets no `naming`" in err
    assert "without operationId: the path rule names it: GET /user/logout" in err
    assert "def login_user(" in (tmp_path / "a" / "a" / "client" / "resources" / "user.py").read_text()
    assert main([*common, "--naming", "path", "--out", str(tmp_path / "b"), "--package-name", "b"]) == 0
    assert "naming: path (set by `naming` in [tool.portkey-codegen] or --naming)" in capsys.readouterr().err
    assert "def login_user(" not in (tmp_path / "b" / "b" / "client" / "resources" / "user.py").read_text()
