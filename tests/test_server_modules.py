"""The server package is split by top-level resource like the client: `server/routes/<res>.py`,
`server/inputs/<res>.py` and `server/services/<res>.py` share one module name per resource, and
`server/inputs/__init__.py` / `server/services/__init__.py` re-export the names. A spec change
therefore rewrites only the server modules of the resources it concerns (plus openapi.json, the
spec itself), and the old import paths keep working.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from portkey_codegen import Config, render_tree
from portkey_codegen.output import write_tree

PKG = "srvmods"
SERVER = f"{PKG}/server"

SPEC = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Server modules, version: "1"}
    paths:
      /alpha/items:
        post:
          operationId: createItem
          summary: Make an item.
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/Item"}
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Item"}
      /alpha/items/{id}/notes:
        get:
          operationId: listNotes
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema: {type: array, items: {type: string}}
      /beta/things:
        get:
          operationId: listThings
          summary: BETA_SUMMARY
          parameters: [BETA_PARAMS]
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema: {type: object, properties: {n: {type: integer}}}
      /conftest:
        get:
          operationId: touchConftest
          summary: A resource named like pytest's start-up file.
          responses:
            "204": {description: done}
    components:
      schemas:
        Item:
          type: object
          required: [name]
          properties:
            name: {type: string}
    """
)


def spec_text(beta_summary: str = "Things.", beta_params: str = "") -> str:
    return SPEC.replace("BETA_SUMMARY", beta_summary).replace("BETA_PARAMS", beta_params)


def generate(tmp: Path, name: str, text: str) -> tuple[Path, dict[str, str]]:
    spec = tmp / f"{name}.yaml"
    spec.write_text(text)
    out = tmp / name
    result = render_tree(Config(spec=spec, out=out, package_name=PKG, no_cache=True))
    write_tree(out, result.files)
    return out, result.files


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return generate(tmp_path_factory.mktemp("srvmods"), "before", spec_text())


def classes(source: str) -> list[str]:
    return [node.name for node in ast.parse(source).body if isinstance(node, ast.ClassDef)]


def test_inputs_and_services_have_one_module_per_resource_named_like_routes(
    before: tuple[Path, dict[str, str]],
) -> None:
    _, files = before
    for part in ("server/routes", "server/inputs", "server/services", "client/resources"):
        modules = sorted(rel.rsplit("/", 1)[1] for rel in files if rel.startswith(f"{PKG}/{part}/"))
        # conftest.py would be run by pytest: the server packages rename it as the client does
        assert modules == ["__init__.py", "alpha.py", "beta.py", "conftest_resource.py"], part
    assert f"{SERVER}/inputs.py" not in files and f"{SERVER}/services.py" not in files
    assert classes(files[f"{SERVER}/inputs/alpha.py"]) == ["CreateItemInput", "ListNotesInput"]
    assert classes(files[f"{SERVER}/inputs/beta.py"]) == ["ListThingsInput"]
    assert classes(files[f"{SERVER}/services/alpha.py"]) == ["AlphaService"]
    assert classes(files[f"{SERVER}/services/conftest_resource.py"]) == ["ConftestService"]
    # a module imports only its own resource's inputs
    assert "from ..inputs import beta as _inputs" in files[f"{SERVER}/services/beta.py"]
    assert "from ..services.beta import BetaService as _Service" in files[f"{SERVER}/routes/beta.py"]


def test_spec_change_rewrites_only_the_server_modules_it_concerns(
    before: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, old = before
    _, new = generate(
        tmp_path, "after", spec_text("Things, newest first.", "{name: order, in: query, schema: {type: string}}")
    )
    changed = {rel for rel in old.keys() | new.keys() if old.get(rel) != new.get(rel) and rel.startswith(SERVER)}
    assert changed == {
        f"{SERVER}/inputs/beta.py",  # the new field
        f"{SERVER}/services/beta.py",  # the new summary
        f"{SERVER}/routes/beta.py",  # both
        f"{SERVER}/openapi.json",  # the spec itself
    }
    assert "order: str | None = None" in new[f"{SERVER}/inputs/beta.py"]


def test_old_import_paths_and_a_service_still_work(before: tuple[Path, dict[str, str]]) -> None:
    out, _ = before
    script = textwrap.dedent(
        f"""\
        from fastapi.testclient import TestClient

        from {PKG}.server import AlphaService, CreateItemInput, RequestContext, create_app
        from {PKG}.server.inputs import ListThingsInput
        from {PKG}.server.inputs.alpha import CreateItemInput as Direct
        from {PKG}.server.services import BetaService, ConftestService

        assert Direct is CreateItemInput and ListThingsInput.__module__ == "{PKG}.server.inputs.beta"
        assert ConftestService.__module__ == "{PKG}.server.services.conftest_resource"

        class Alpha(AlphaService):
            async def create_item(self, request: CreateItemInput, ctx: RequestContext):
                return {{"name": request.body.name.upper()}}

        client = TestClient(create_app(alpha=Alpha()))
        print(client.post("/alpha/items", json={{"name": "x"}}).json())
        print(client.get("/beta/things").status_code)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=out, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["{'name':", "'X'}", "501"]
