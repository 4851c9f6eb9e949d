"""`portkey-codegen update --spec NEW`: validate, diff, regenerate, re-pin — or change nothing."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from project_paths import REPO

FIXTURE = REPO / "tests" / "fixtures" / "allof.yaml"


def make_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "spec").mkdir(parents=True)
    (proj / "upstream").mkdir()
    v1 = proj / "upstream" / "v1.yaml"
    v1.write_bytes(FIXTURE.read_bytes())
    sha = hashlib.sha256(v1.read_bytes()).hexdigest()
    (proj / "spec" / "pin.yaml").write_text(
        f"source:\n  repository: example/api\n  path: openapi.yaml\n  commit: aaaa\nsha256: {sha}\n"
    )
    (proj / "pyproject.toml").write_text(
        '[tool.portkey-codegen]\nspec = "upstream/v1.yaml"\npin = "spec/pin.yaml"\nout = "generated"\n'
        'package-name = "pets"\nparts = ["models", "client"]\n'
    )
    return proj


def cli(proj: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portkey_codegen", *args], cwd=proj, capture_output=True, text=True, timeout=300
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_update_adopts_a_new_spec(tmp_path):
    proj = make_project(tmp_path)
    assert cli(proj, "generate").returncode == 0
    v2 = proj / "upstream" / "v2.yaml"
    v2.write_text(
        FIXTURE.read_text().replace(
            "        age: {type: integer, minimum: 0}",
            "        age: {type: integer, minimum: 0}\n        color: {type: string, description: Fur colour.}",
        )
    )
    # Without --spec-changed a changed spec is refused by the pin.
    refused = cli(proj, "generate", "--spec", str(v2))
    assert refused.returncode == 2 and "differs from the pin" in refused.stderr
    proc = cli(proj, "update", "--spec", str(v2), "--commit", "bbbb")
    assert proc.returncode == 0, proc.stderr
    assert "color" in proc.stdout  # the diff is shown
    assert "changed  pets/models.py" in proc.stdout
    pin = (proj / "spec" / "pin.yaml").read_text()
    assert hashlib.sha256(v2.read_bytes()).hexdigest() in pin and "commit: bbbb" in pin
    assert 'spec = "upstream/v2.yaml"' in (proj / "pyproject.toml").read_text()
    assert "color" in (proj / "generated" / "pets" / "models.py").read_text()
    check = cli(proj, "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_update_with_an_invalid_spec_changes_nothing(tmp_path):
    proj = make_project(tmp_path)
    assert cli(proj, "generate").returncode == 0
    before = snapshot(proj)
    bad = proj / "upstream" / "v3.yaml"
    bad.write_text(FIXTURE.read_text().replace("type: integer, minimum: 0", "type: integr, minimum: 0"))
    before = snapshot(proj)
    proc = cli(proj, "update", "--spec", str(bad))
    assert proc.returncode == 2
    assert "error" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(proj) == before


def test_update_to_the_later_upstream_spec_keeps_the_spec_tests_green(tmp_path, next_spec_path):
    """`update` a copy of this repository to the later upstream revision (tests/data/pins/next.yaml),
    then run there the tests that read the pinned spec, and the snapshot tests: none hard-codes
    the old spec's size."""
    import shutil

    import yaml

    from project_paths import NEXT_PIN

    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    for folder in ("spec", "tests", "templates"):
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    commit = yaml.safe_load(NEXT_PIN.read_text())["source"]["commit"]
    done = cli(copy, "update", "--spec", str(next_spec_path), "--commit", commit)
    assert done.returncode == 0, done.stderr
    pin = (copy / "spec" / "pin.yaml").read_text()
    assert hashlib.sha256(next_spec_path.read_bytes()).hexdigest() in pin and f"commit: {commit}" in pin
    selected = [
        "tests/test_pipeline.py::test_real_spec_generates_without_errors",
        "tests/test_pipeline.py::test_api_md_lists_every_operation",
        "tests/test_operation_names.py::test_real_spec_all_operations_named",
        "tests/test_client_pagination.py::test_detection_on_the_portkey_spec",
        "tests/test_snapshots.py",
    ]
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", *selected],
        cwd=copy, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    assert " passed" in suite.stdout and "skipped" not in suite.stdout
