"""--package-name becomes folders under --out and the import path of the generated code.

Contract: a package name is a dotted path of ASCII identifiers, no keyword, that shadows neither
a standard-library module nor a module the generated code imports (pydantic, httpx, fastapi...)
nor one Python runs by itself (sitecustomize, conftest...). Anything else is refused by the CLI
(exit 2, one message naming the value, nothing written); valid names generate a package that
imports under that name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from adv_harness import CaseSpec, probe_import, run_cases

SMALL = """openapi: 3.0.3
info: {title: Small, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {a: {type: string}}}
"""

REFUSED = [
    "../evil", "/abs/pkg", "a/b", "a\\b", "a..b", ".a", "a.", "", " ", "a-b", "1abc", "a.1b", "class",
    "a.class", "os", "json", "os.path", "sitecustomize", "usercustomize", "conftest", "__init__",
    "__main__", "portkey_codegen", "ünïcode", "~pkg", "a b", "ﬁle",
]  # fmt: skip
# Shadowing what the generated code imports: refused by the contract, accepted by the CLI today.
SHADOWING = ["pydantic", "httpx", "fastapi", "typing_extensions"]
# "pkg.pth" is the folders pkg/pth/, never a .pth file: a valid name.
ACCEPTED = ["pkg", "my_app._vendor.portkey", "Pkg2", "a.b.c.d", "pkg.pth"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("adv-pkg")
    cases = [CaseSpec(f"bad{i}", SMALL, package=name, parts=("models", "client")) for i, name in enumerate(REFUSED)]
    cases += [CaseSpec(f"shadow{i}", SMALL, package=name, parts=("models", "client")) for i, name in enumerate(SHADOWING)]
    cases += [CaseSpec(f"good{i}", SMALL, package=name) for i, name in enumerate(ACCEPTED)]
    return run_cases(base, cases)


@pytest.mark.parametrize("index,name", list(enumerate(REFUSED)), ids=[repr(n) for n in REFUSED])
def test_bad_package_names_are_refused(runs, index: int, name: str) -> None:
    run = runs[f"bad{index}"]
    assert run.returncode == 2, run.describe()
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "invalid package name" in errors[0], run.stderr
    assert repr(name) in errors[0]
    assert not run.out.exists()


@pytest.mark.parametrize("index,name", list(enumerate(SHADOWING)), ids=SHADOWING)
def test_names_shadowing_runtime_dependencies_are_refused(runs, index: int, name: str) -> None:
    run = runs[f"shadow{index}"]
    assert run.returncode == 2, run.describe()
    assert not run.out.exists()


@pytest.mark.parametrize("index,name", list(enumerate(ACCEPTED)), ids=ACCEPTED)
def test_valid_package_names_generate_an_importable_package(runs, index: int, name: str, tmp_path: Path) -> None:
    run = runs[f"good{index}"]
    assert run.returncode == 0, run.describe()
    top = run.out / Path(*name.split("."))
    assert (top / "models.py").is_file() and (top / "client" / "_client.py").is_file()
    # only the package folder at the top of --out (API.md and the manifest are inside it)
    assert sorted(p.name for p in run.out.iterdir()) == [name.split(".")[0]]
    assert (top / "API.md").is_file() and (top / ".portkey-codegen-manifest.json").is_file()
    proc, report = probe_import(run.out, name, tmp_path / "cwd")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr
    assert f"{name}.client._client" in report["modules"]
