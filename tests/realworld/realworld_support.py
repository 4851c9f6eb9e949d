"""Generating small specs into one folder per package and checking them all with one mypy run."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portkey_codegen import Config, GeneratorError, render_tree
from portkey_codegen.diagnostics import Diagnostic
from portkey_codegen.output import write_tree


@dataclass
class Generated:
    spec: Path
    package: str
    root: Path  # the folder holding the package
    files: dict[str, str]
    diagnostics: list[Diagnostic]
    api: object

    def text(self, rel: str) -> str:
        return self.files[f"{self.package}/{rel}"]

    def resource_modules(self) -> str:
        """The client's resource modules (client/resources/*.py), one text."""
        prefix = f"{self.package}/client/resources/"
        return "".join(text for rel, text in sorted(self.files.items()) if rel.startswith(prefix))

    def messages(self) -> list[str]:
        return [d.format() for d in self.diagnostics]


def generate_package(spec: Path, package: str, out: Path, *, lenient: bool = False) -> Generated:
    """render_tree on `spec` (no pyproject: no pin, overlay or names) written to `out`."""
    config = Config(spec=spec, out=out, package_name=package, lenient=lenient, no_cache=True)
    result = render_tree(config)
    write_tree(out, result.files)
    return Generated(spec, package, out, result.files, list(result.diagnostics), result.api)


def generate_texts(texts: dict[str, str], prefix: str, tmp_path_factory: Any) -> dict[str, Generated]:
    """Each spec text written to a file and generated as its own package ``<prefix>_<name>``."""
    specs = tmp_path_factory.mktemp(f"{prefix}-specs")
    out = {}
    for name, text in texts.items():
        (specs / f"{name}.yaml").write_text(text)
        out[name] = generate_package(specs / f"{name}.yaml", f"{prefix}_{name}", tmp_path_factory.mktemp(name))
    return out


def assert_import_and_mypy_clean(packages: list[Generated], work: Path) -> None:
    """Every package imports, and `mypy --strict` over all of them finds nothing."""
    for g in packages:
        import_all(g)
    errors = mypy_strict(packages, work)
    assert not errors, "\n".join(errors)


def refused(spec: Path, **flags: object) -> GeneratorError:
    """The GeneratorError generating `spec` raises (AssertionError when it generates)."""
    try:
        render_tree(Config(spec=spec, out=Path("unused"), package_name="refused", no_cache=True, **flags))  # type: ignore[arg-type]
    except GeneratorError as exc:
        return exc
    raise AssertionError(f"{spec} generated; expected a refusal")


def import_all(generated: Generated) -> None:
    """Import the package's models, client and server modules (in a fresh interpreter: every
    package here may reuse module names)."""
    code = "; ".join(
        f"import {generated.package}.{part}" for part in ("models", "client", "server")
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=generated.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{generated.spec.name}: {proc.stderr[-2000:]}"


def mypy_strict(packages: list[Generated], work: Path) -> list[str]:
    """`mypy --strict` over every package at once; the error lines (empty: all pass)."""
    config = work / "mypy.ini"
    config.write_text(textwrap.dedent("[mypy]\nstrict = True\nwarn_unreachable = True\n"))
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(g.root) for g in packages)}
    args = [arg for g in packages for arg in ("-p", g.package)]
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(work / "cache"),
         "--no-error-summary", "--show-error-codes", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=600,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 2: mypy itself failed
    return [line for line in proc.stdout.splitlines() if ": error:" in line]


def load_client(generated: Generated):
    """The package's client module, imported in this process (for wire-level checks)."""
    sys.path.insert(0, str(generated.root))
    try:
        return importlib.import_module(f"{generated.package}.client")
    finally:
        sys.path.remove(str(generated.root))
