"""ruff's unused-import checks on a generated module's text (shared by the models tests)."""

from __future__ import annotations

import subprocess

from portkey_codegen.formatting import ruff_binary


def unused_imports(source: str) -> str:
    """ruff's F401 (unused import) / F811 (redefined unused name) findings on `source`, '' if none."""
    ruff = ruff_binary()
    assert ruff, "ruff (a dependency of portkey-codegen) is not installed"
    proc = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "F401,F811", "--target-version", "py310",
         "--output-format", "concise", "--stdin-filename", "models.py", "-"],
        input=source, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr  # 2: ruff itself failed
    return "" if proc.returncode == 0 else proc.stdout
