"""The client package is split by top-level resource: `client/resources/<resource>.py` holds the
sync, async, raw- and streaming-response classes of one resource and everything under it;
`client/_client.py` holds only the two client classes, which import a resource module on first
access. A spec change therefore rewrites only the modules of the resources it concerns, and no
file header names the spec's sha256 (the package __init__ does, once).
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from portkey_codegen import Config, render_tree
from portkey_codegen.output import write_tree
from project_paths import RUNTIME_FILES

REPO = Path(__file__).resolve().parents[1]
PKG = "modpkg"

SPEC = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Modules, version: "1"}
    paths:
      /alpha/items:
        get:
          summary: List the items.
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema: {type: array, items: {$ref: "#/components/schemas/Item"}}
        post:
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
          summary: Notes of an item.
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema: {type: array, items: {type: string}}
      /beta/things:
        get:
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


def generate(tmp: Path, name: str, text: str) -> dict[str, str]:
    spec = tmp / f"{name}.yaml"
    spec.write_text(text)
    out = tmp / name
    result = render_tree(Config(spec=spec, out=out, package_name=PKG, no_cache=True))
    write_tree(out, result.files)
    return result.files


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("modules")
    return tmp / "before", generate(tmp, "before", spec_text())


def classes(source: str) -> set[str]:
    return {node.name for node in ast.parse(source).body if isinstance(node, ast.ClassDef)}


def test_one_module_per_top_level_resource(before: tuple[Path, dict[str, str]]) -> None:
    _, files = before
    modules = sorted(rel for rel in files if rel.startswith(f"{PKG}/client/resources/"))
    assert modules == [
        f"{PKG}/client/resources/__init__.py",
        f"{PKG}/client/resources/alpha.py",
        f"{PKG}/client/resources/beta.py",
        f"{PKG}/client/resources/conftest_resource.py",  # never a file pytest would run
    ]
    alpha = classes(files[f"{PKG}/client/resources/alpha.py"])
    for name in ("Alpha", "AlphaItems", "AlphaItemsNotes"):  # the nested resources live with their top
        for prefix in ("", "Async"):
            for suffix in ("", "WithRawResponse", "WithStreamingResponse"):
                assert prefix + name + suffix in alpha
    assert not any("Beta" in name for name in alpha)
    assert classes(files[f"{PKG}/client/_client.py"]) == {"Modules", "AsyncModules"}  # client name from the title
    init = ast.parse(files[f"{PKG}/client/resources/__init__.py"]).body
    assert len(init) == 1 and isinstance(init[0], ast.Expr)  # a docstring: nothing loaded with the package


def test_resource_modules_load_on_first_access(before: tuple[Path, dict[str, str]]) -> None:
    root, _ = before
    code = textwrap.dedent(
        f"""\
        import json, sys
        import httpx
        from {PKG}.client import AsyncModules, Modules

        def loaded():
            return sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("{PKG}.client.resources."))

        seen = {{}}
        sent = []
        transport = httpx.MockTransport(lambda r: sent.append(r.url.path) or httpx.Response(200, json=["a"]))
        client = Modules(base_url="http://127.0.0.1:9", http_client=httpx.Client(transport=transport))
        seen["constructed"] = loaded()
        seen["models"] = "{PKG}.models" in sys.modules
        seen["pydantic"] = "pydantic" in sys.modules  # imported by the first parse, not before
        seen["notes"] = client.alpha.items.notes.list("i1")
        seen["after_alpha"] = loaded()
        seen["async_type"] = type(AsyncModules(base_url="http://127.0.0.1:9").with_options(max_retries=0).beta).__name__
        seen["conftest_type"] = type(client.conftest).__module__
        seen["after_all"] = loaded()
        seen["sent"] = sent
        print(json.dumps(seen))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["constructed"] == [] and seen["models"] is False and seen["pydantic"] is False
    assert seen["notes"] == ["a"] and seen["sent"] == ["/alpha/items/i1/notes"]
    assert seen["after_alpha"] == ["alpha"]
    assert seen["async_type"] == "AsyncBeta"
    assert seen["conftest_type"] == f"{PKG}.client.resources.conftest_resource"
    assert seen["after_all"] == ["alpha", "beta", "conftest_resource"]


def test_spec_change_rewrites_only_the_modules_it_concerns(
    before: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, old = before
    new_text = spec_text("Things, newest first.", "{name: order, in: query, schema: {type: string}}")
    new = generate(tmp_path, "after", new_text)
    changed = {rel for rel in old.keys() | new.keys() if old.get(rel) != new.get(rel)}
    # The server emitter has its own layout; the client and the shared files are held to this:
    assert {rel for rel in changed if not rel.startswith(f"{PKG}/server/")} == {
        f"{PKG}/__init__.py",  # SPEC_SHA256
        f"{PKG}/client/resources/beta.py",
        f"{PKG}/API.md",  # lists the new argument
    }
    assert "order: str | NotGiven = NOT_GIVEN" in new[f"{PKG}/client/resources/beta.py"]


def test_only_the_package_init_names_the_spec(before: tuple[Path, dict[str, str]]) -> None:
    _, files = before
    sha = hashlib.sha256(spec_text().encode()).hexdigest()
    holding = sorted(rel for rel, text in files.items() if sha in text)
    assert holding == [f"{PKG}/__init__.py"]
    assert f"SPEC_SHA256 = {sha!r}" in files[f"{PKG}/__init__.py"].replace('"', "'")
    for rel, text in files.items():
        if rel.endswith(".py") and text:
            assert "Do not edit" in text.split("\n\n", 1)[0] and "portkey-codegen" in text.split("\n", 1)[0], rel
    # the runtime copies: the template byte for byte, under a header of comment lines only
    client_runtime = [rel for rel in RUNTIME_FILES if rel.startswith("client/")]
    assert "client/_runtime/__init__.py" in client_runtime and "client/_pagination.py" in client_runtime
    for rel in client_runtime:
        text, template = files[f"{PKG}/{rel}"], (REPO / "templates" / rel).read_text("utf-8")
        assert text.endswith(template), rel
        assert all(line.startswith("#") for line in text[: -len(template)].splitlines() if line), rel


def test_runtime_folder_is_copied_whole_and_a_user_file_overrides_one(tmp_path: Path) -> None:
    from portkey_codegen.render import static_files

    user = tmp_path / "templates"
    (user / "client" / "_runtime").mkdir(parents=True)
    (user / "client" / "_runtime" / "retries.py").write_text("# mine\n")
    builtin = static_files(("client/_runtime", "client/_pagination.py"))
    assert sorted(builtin) == sorted(rel for rel in RUNTIME_FILES if rel.startswith("client/"))
    mine = static_files(("client/_runtime", "client/_pagination.py"), user)
    assert mine["client/_runtime/retries.py"] == "# mine\n"
    assert {k: v for k, v in mine.items() if k != "client/_runtime/retries.py"} == {
        k: v for k, v in builtin.items() if k != "client/_runtime/retries.py"
    }
