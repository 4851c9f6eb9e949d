"""Config `naming`: "path" (the path rule, the default) or "operation-id" (methods named after
operationIds, under the first path segment), on a petstore-like spec of our own."""

from __future__ import annotations

from pathlib import Path

import pytest
from portkey_codegen import Config, GeneratorError, render_tree
from portkey_codegen.config import load_config

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


def _names(tmp_path: Path, **config: object) -> dict[str, tuple[tuple[str, ...], str]]:
    spec = tmp_path / "pets.yaml"
    spec.write_text(SPEC)
    result = render_tree(Config(spec=spec, out=tmp_path / "out", no_cache=True, **config))  # type: ignore[arg-type]
    return {op.key: (op.resource, op.method_name) for op in result.api.operations}


def test_operation_id_naming(tmp_path: Path) -> None:
    assert _names(tmp_path, naming="operation-id") == {
        "PUT /pet": (("pet",), "update_pet"),
        "GET /pet/{petId}": (("pet",), "get_pet_by_id"),
        "GET /store/inventory": (("store",), "get_inventory"),
        "GET /user/login": (("user",), "login_user"),
        "GET /user/logout": (("user", "logout"), "list"),  # no operationId: the path rule
    }


def test_path_naming_is_the_default(tmp_path: Path) -> None:
    names = _names(tmp_path)
    assert names["GET /user/login"] == (("user", "login"), "list")
    assert names["GET /store/inventory"] == (("store", "inventory"), "list")


def test_naming_key_in_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.portkey-codegen]\nnaming = "operation-id"\n')
    assert load_config(pyproject).naming == "operation-id"
    pyproject.write_text('[tool.portkey-codegen]\nnaming = "operationId"\n')
    with pytest.raises(GeneratorError) as exc:
        load_config(pyproject)
    assert "operation-id" in (exc.value.diagnostics[0].hint or "")
