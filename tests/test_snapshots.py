"""Golden output for small fixture specs, one feature each.

Update after an intended change with:  UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_snapshots.py
then review `git diff tests/snapshots`.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portkey_codegen import render_tree
from portkey_codegen.config import Config
from portkey_codegen.output import write_tree
from project_paths import RUNTIME_FILES

HERE = Path(__file__).parent
FIXTURES = sorted((HERE / "fixtures").glob("*.yaml"))
SNAPSHOTS = HERE / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def fixture_config(spec: Path, out: Path) -> Config:
    return Config(spec=spec, out=out, package_name="fixture_api", root=HERE)


@pytest.fixture(scope="module", params=FIXTURES, ids=[f.stem for f in FIXTURES])
def rendered(request, tmp_path_factory):
    spec = request.param
    return spec.stem, render_tree(fixture_config(spec, tmp_path_factory.mktemp(spec.stem)))


def output_suffix(name: str) -> str:
    """Where a runtime file lands, at the end of its output path (package/ is the package root)."""
    return "/" + name.removeprefix("package/")


def is_static(rel: str) -> bool:
    """Runtime files are copied verbatim from templates/ (checked below), not snapshotted."""
    return rel.endswith(tuple(output_suffix(name) for name in RUNTIME_FILES))


def test_static_runtime_files_are_verbatim(rendered):
    name, result = rendered
    statics = [rel for rel in result.files if is_static(rel)]
    assert statics
    for rel in statics:
        (name,) = [name for name in RUNTIME_FILES if rel.endswith(output_suffix(name))]
        source = (HERE.parent / "templates" / name).read_text("utf-8")
        assert result.files[rel].endswith(source), rel


def test_matches_snapshot(rendered):
    name, result = rendered
    golden = SNAPSHOTS / name
    files = {rel: text for rel, text in result.files.items() if not is_static(rel)}
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        write_tree(golden, files)
        for manifest in golden.rglob(".portkey-codegen-manifest.json"):
            manifest.unlink()
    problems = []
    on_disk = {p.relative_to(golden).as_posix() for p in golden.rglob("*") if p.is_file()} if golden.is_dir() else set()
    for rel in sorted(set(files) | on_disk):
        want = (golden / rel).read_text("utf-8") if rel in on_disk else None
        got = files.get(rel)
        if want == got:
            continue
        problems.extend(
            difflib.unified_diff(
                (want or "").splitlines(keepends=True),
                (got or "").splitlines(keepends=True),
                f"snapshot/{name}/{rel}",
                f"generated/{name}/{rel}",
                n=2,
            )
        )
    assert not problems, (
        "generated output differs from tests/snapshots (UPDATE_SNAPSHOTS=1 to accept):\n" + "".join(problems[:200])
    )


# Imports every part, then evaluates every annotation of the request types and client methods at
# run time (what pydantic or typing.get_type_hints would do): aliases must come after what they use.
RESOLVE_ANNOTATIONS = """
import inspect, typing
import fixture_api.models, fixture_api.client, fixture_api.server
from fixture_api.client import params
import fixture_api.client.resources as resources, pkgutil, importlib
for name in params.__all__:
    value = getattr(params, name)
    if isinstance(value, type):
        typing.get_type_hints(value)
for info in pkgutil.iter_modules(resources.__path__):
    module = importlib.import_module(f"{resources.__name__}.{info.name}")
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ == module.__name__:
            for _, method in inspect.getmembers(cls, inspect.isfunction):
                typing.get_type_hints(method)
"""


def test_generated_package_imports(rendered, tmp_path):
    name, result = rendered
    write_tree(tmp_path, result.files)
    proc = subprocess.run(
        [sys.executable, "-c", RESOLVE_ANNOTATIONS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
