"""The tool in a folder that is not this repository: the shipped Portkey preset, `fetch --from`,
`--quiet`, `--warnings-as-errors`. (tests/test_wheel_install.py plays the same from a wheel.)"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from project_paths import FIXTURES

WARNS = FIXTURES / "allof.yaml"  # a small spec of our own; see below for the one warning it gets


def cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portkey_codegen", *args],
        cwd=cwd, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_empty_folder_generates_the_pinned_portkey_spec_with_no_file_copied(tmp_path, portkey_spec_path):
    """No pyproject.toml, no spec/: the preset's pin, overlay and names (package data) apply; the
    pinned spec comes from the cache the session filled (conftest)."""
    done = cli(tmp_path, "generate", "--out", "src", "--package-name", "myapp._vendor.portkey")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the preset's overlay fixes what used to warn
    package = tmp_path / "src" / "myapp" / "_vendor" / "portkey"
    sha = hashlib.sha256(portkey_spec_path.read_bytes()).hexdigest()
    assert f'SPEC_SHA256 = "{sha}"' in (package / "__init__.py").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"] and sorted(os.listdir(tmp_path / "src")) == ["myapp"]
    assert (package / "API.md").is_file() and (package / ".portkey-codegen-manifest.json").is_file()
    # A pin the project does not own cannot be re-pinned by `update`.
    refused = cli(tmp_path, "update", "--spec", str(portkey_spec_path), "--out", "src", "--package-name", "myapp._vendor.portkey")
    assert refused.returncode == 2 and "init --eject" in refused.stderr


def test_fetch_from_a_local_copy_checks_the_sha256_and_fills_the_cache(tmp_path, portkey_spec_path):
    cache = tmp_path / "cache"
    env = {"PORTKEY_CODEGEN_CACHE_DIR": str(cache), "PORTKEY_CODEGEN_SPEC_MIRROR": "http://127.0.0.1:9"}
    wrong = tmp_path / "wrong.yaml"
    wrong.write_bytes(portkey_spec_path.read_bytes() + b"\n# changed\n")
    refused = cli(tmp_path, "fetch", "--from", str(wrong), env=env)
    assert refused.returncode == 2 and "not the pinned" in refused.stderr and not cache.exists()
    stored = cli(tmp_path, "fetch", "--from", str(portkey_spec_path), env=env)
    assert stored.returncode == 0, stored.stderr
    sha = hashlib.sha256(portkey_spec_path.read_bytes()).hexdigest()
    assert Path(stored.stdout.strip()) == cache / "spec" / f"{sha}.yaml"
    # offline (the mirror refuses connections), every command now finds it
    assert cli(tmp_path, "validate", env=env).returncode == 0


def warning_project(tmp_path: Path, strict: bool = False) -> Path:
    """allof.yaml with a `required` name no property defines: one warning."""
    proj = tmp_path / "proj"
    proj.mkdir()
    text = WARNS.read_text()
    marker = "required: ["
    assert marker in text
    (proj / "openapi.yaml").write_text(text.replace(marker, "required: [no_such_property, ", 1))
    (proj / "pyproject.toml").write_text(
        '[tool.portkey-codegen]\nspec = "openapi.yaml"\npackage-name = "fx"\nparts = ["models"]\n'
        + ("warnings-as-errors = true\n" if strict else "")
    )
    return proj


def test_warnings_are_one_line_quiet_prints_none_and_strict_exits_2_writing_nothing(tmp_path):
    proj = warning_project(tmp_path)
    default = cli(proj, "generate")
    assert default.returncode == 0 and default.stderr == "1 warning, -v to list\n"
    verbose = cli(proj, "check", "-v")
    assert verbose.returncode == 0 and "no_such_property" in verbose.stderr and "warning:" in verbose.stderr
    quiet = cli(proj, "check", "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    strict = cli(tmp_path / "proj", "generate", "--out", "strict-out", "--warnings-as-errors")
    assert strict.returncode == 2 and "error:" in strict.stderr and "no_such_property" in strict.stderr
    assert not (proj / "strict-out").exists()


def test_warnings_as_errors_config_key(tmp_path):
    proj = warning_project(tmp_path, strict=True)
    strict = cli(proj, "generate")
    assert strict.returncode == 2 and "no_such_property" in strict.stderr
    assert not (proj / "generated").exists()
