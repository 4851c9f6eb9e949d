"""The whole pipeline on the pinned Portkey spec, the CLI contract, and packaging."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from project_paths import REPO, SHARED_SPEC, spec_operation_keys
from portkey_codegen import generate, render_tree
from portkey_codegen.config import Config, load_config
from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.output import stale_diff

PKG = "portkey_api"
PY = sys.executable
CLI = [PY, "-m", "portkey_codegen"]


def run_cli(*args: str, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_real_spec_generates_without_errors(portkey_result, portkey_spec_path):
    errors = [d for d in portkey_result.diagnostics if d.severity == "error"]
    assert errors == []
    # The overlay fixes the upstream defects that used to cost warnings (spec/overlay.yaml).
    assert [d.format() for d in portkey_result.diagnostics] == []
    api = portkey_result.api
    keys = spec_operation_keys(portkey_spec_path)
    assert {o.key for o in api.operations} == keys
    assert len({(o.resource, o.method_name) for o in api.operations}) == len(keys)
    # Every operation is reachable in the resource tree.
    reachable = [op for res in api.root.walk() for op in res.operations]
    assert len(reachable) == len(keys)


def test_header_and_determinism(portkey_result):
    sha = portkey_result.spec_sha256
    for rel, text in portkey_result.files.items():
        if rel.endswith(".py"):
            head = "\n".join(text.splitlines()[:3])
            assert "Do not edit" in head and "portkey-codegen" in head, rel
        assert not re.search(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d", text[:2000]), f"timestamp in {rel}"
    # The spec's sha256 is written once (a new spec rewrites only the files whose code changes).
    assert [rel for rel, text in portkey_result.files.items() if sha in text] == [f"{PKG}/__init__.py"]
    # A second run with the cache off recomputes everything: byte-identical.
    again = render_tree(load_config(REPO / "pyproject.toml", no_cache=True))
    assert again.files == portkey_result.files


def test_every_component_schema_is_a_class(portkey_result, portkey_package):
    import importlib

    import yaml

    models = importlib.import_module(f"{portkey_package}.models")
    spec = yaml.load(SHARED_SPEC.read_text(), Loader=yaml.CSafeLoader)
    from portkey_codegen.naming import class_name

    missing = [n for n in spec["components"]["schemas"] if not hasattr(models, class_name(n))]
    assert missing == []
    tree = ast.parse(portkey_result.files[f"{PKG}/models.py"])
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    assert len(classes) >= 503
    schema_classes = {class_name(n) for n in spec["components"]["schemas"]}
    numbered = [
        c for c in classes if re.fullmatch(r"(Type|Model|Object|Enum|Field)\d*", c) and c not in schema_classes
    ]
    assert numbered == []


def test_api_md_lists_every_operation(portkey_result, portkey_spec_path):
    text = portkey_result.files[f"{portkey_result.api.package_name.replace('.', '/')}/API.md"]
    rows = [line for line in text.splitlines() if line.startswith("| `client.")]
    assert len(rows) == len(spec_operation_keys(portkey_spec_path))
    assert "| `client.chat.completions.create(...)` | `POST /chat/completions` |" in text
    # a path argument first; `...` when the method also takes keyword arguments (header options)
    assert re.search(r"`client\.configs\.retrieve\(slug(, \.\.\.)?\)` \| `GET /configs/\{slug\}`", text)
    # every paginated list says how it pages: a list that does not page is "one page", never "single"
    for op in (o for o in portkey_result.api.operations if o.pagination):
        row = next(r for r in rows if f"| `{op.http_method.upper()} {op.path}` |" in r)
        expected = "one page)" if op.pagination.style == "single" else f": {op.pagination.style}"
        assert expected in row, row


def test_committed_output_is_current(portkey_result):
    """generated/ in the repo is exactly what the generator produces (what `check` enforces)."""
    diff = stale_diff(REPO / "generated", portkey_result.files)
    assert diff == [], "generated/ is stale; run `portkey-codegen generate`:\n" + "\n".join(diff[:40])


def test_output_is_black_clean(portkey_result, tmp_path):
    from portkey_codegen.output import write_tree

    write_tree(tmp_path, portkey_result.files)
    proc = subprocess.run(
        [PY, "-m", "black", "--check", "--quiet", "--target-version", "py310", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_pin_refuses_a_changed_spec(tmp_path):
    changed = tmp_path / "spec.yaml"
    changed.write_bytes(SHARED_SPEC.read_bytes() + b"\n# one more line\n")
    config = load_config(REPO / "pyproject.toml", spec=changed, out=tmp_path / "out")
    with pytest.raises(GeneratorError) as exc:
        render_tree(config)
    assert "differs from the pin" in str(exc.value) and "--spec-changed" in str(exc.value)
    assert not (tmp_path / "out").exists()


def test_cli_validate_ok():
    proc = run_cli("validate", "-v")
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout
    assert "validate" in proc.stderr  # -v prints the stage times


def test_cli_validate_reports_upstream_errors_without_overlay(tmp_path):
    empty_overlay = tmp_path / "overlay.yaml"
    empty_overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: none, version: '1'}\n"
        "actions:\n  - target: $.info\n    update: {x-note: no fixes}\n"
    )
    proc = run_cli("validate", "--overlay", str(empty_overlay))
    assert proc.returncode == 2
    assert proc.stderr.count("error:") == 4
    assert "#/components/schemas/UsageLimits/properties/credit_limit" in proc.stderr
    assert "Traceback" not in proc.stderr
    lenient = run_cli("validate", "--overlay", str(empty_overlay), "--lenient")
    # warnings are one summary line; -v lists them
    assert lenient.returncode == 0 and "warning:" not in lenient.stderr
    summary = re.fullmatch(r"(\d+) warnings, -v to list\n", lenient.stderr)
    assert summary and int(summary.group(1)) >= 4, lenient.stderr
    listed = run_cli("validate", "--overlay", str(empty_overlay), "--lenient", "-v")
    assert listed.returncode == 0 and listed.stderr.count("warning:") == int(summary.group(1))


def test_cli_bad_yaml_is_exit_2_with_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.0\ninfo: {title: x\n  version: 1\n")
    proc = run_cli("generate", "--spec", str(bad), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert re.search(r"bad\.yaml:\d+:\d+: error", proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_cli_check_exit_codes(tmp_path):
    spec = REPO / "tests" / "fixtures" / "allof.yaml"
    out = tmp_path / "out"
    args = ["--spec", str(spec), "--out", str(out), "--package-name", "fx"]
    assert run_cli("generate", *args, cwd=tmp_path).returncode == 0
    ok = run_cli("check", *args, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    models = out / "fx" / "models.py"
    models.write_text(models.read_text() + "\n# edited by hand\n")
    stale = run_cli("check", *args, cwd=tmp_path)
    assert stale.returncode == 1
    assert "+# edited by hand" in stale.stdout  # generated -> on disk, as `git diff` shows an edit
    assert "--- a/out/fx/models.py" in stale.stdout  # from the working directory (no repository here)
    assert "stale" in stale.stderr


def test_failed_run_leaves_output_untouched(tmp_path):
    spec = REPO / "tests" / "fixtures" / "allof.yaml"
    out = tmp_path / "out"
    generate(Config(spec=spec, out=out, package_name="fx"))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "broken.yaml"
    broken.write_text(spec.read_text().replace("'#/components/schemas/Pet'", "'#/components/schemas/Nope'"))
    with pytest.raises(GeneratorError) as exc:
        generate(Config(spec=broken, out=out, package_name="fx"))
    assert "#/components/schemas/Nope" in str(exc.value)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_client_and_server_files_are_staged_while_the_models_are_made(tmp_path, monkeypatch):
    from portkey_codegen.models import render

    out, seen = tmp_path / "out", []
    real = render.render_models

    def watching(*args, **kwargs):  # in-process (a small spec is not forked): sees the output folder
        seen.extend(p.name for p in out.rglob(".*.tmp"))
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "render_models", watching)
    result = generate(Config(spec=REPO / "tests" / "fixtures" / "allof.yaml", out=out, package_name="fx", no_cache=True))
    assert ".sync_client.py." in " ".join(seen) and not any(".models.py." in name for name in seen)
    assert not list(out.rglob(".*.tmp")) and (out / "fx" / "models.py").is_file()
    assert sorted(result.written) == sorted(result.files)


@pytest.mark.parametrize("name", ["../evil", "os", "a..b", "class", "x.y-z"])
def test_bad_package_names_are_refused(name, tmp_path):
    proc = run_cli(
        "generate", "--spec", str(REPO / "tests/fixtures/allof.yaml"), "--out", str(tmp_path / "o"),
        "--package-name", name, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2 and "invalid package name" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_nested_package_name(tmp_path):
    spec = REPO / "tests" / "fixtures" / "allof.yaml"
    generate(Config(spec=spec, out=tmp_path, package_name="myapp._vendor.portkey", parts=("models", "client")))
    assert (tmp_path / "myapp/_vendor/portkey/models.py").is_file()
    assert (tmp_path / "myapp/_vendor/portkey/client/_client.py").is_file()


def test_templates_ship_in_a_non_editable_install(tmp_path):
    """Build the wheel, use it from a plain folder (not the repo): templates must come with it."""
    wheel_dir = tmp_path / "wheel"
    proc = subprocess.run(
        [PY, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheel_dir), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = wheel_dir.glob("portkey_codegen-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(site)
    assert "portkey_codegen/templates/client/client.py.j2" in names
    assert "portkey_codegen/templates/client/_runtime/__init__.py" in names
    assert "portkey_codegen/templates/client/_runtime/sync_client.py" in names
    env = {**os.environ, "PYTHONPATH": str(site)}
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        [PY, "-c", "import portkey_codegen, sys; print(portkey_codegen.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.stdout.strip().startswith(str(site)), proc.stdout + proc.stderr
    proc = subprocess.run(
        [PY, "-m", "portkey_codegen", "generate", "--spec", str(REPO / "tests/fixtures/streaming.yaml"),
         "--out", str(work / "out"), "--package-name", "fx", "--parts", "models,client"],
        cwd=work, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (work / "out/fx/client/_client.py").is_file()
