"""Format generated Python so it is black-clean.

black takes 30-40 s on the ~50,000 lines generated for the Portkey spec; `ruff format` takes
0.2 s and, on the code our templates and datamodel-code-generator produce, gives black's output
(tests/test_formatting.py runs `black --check` on the generated tree to hold us to that). So ruff
formats when it is installed; black is the fallback and can be forced with
PORTKEY_CODEGEN_FORMATTER=black.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Mapping

import black

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=88)
RUFF_ARGS = ["format", "--isolated", "--line-length", "88", "--target-version", "py310", "--quiet"]


class FormattingError(RuntimeError):
    """Generated code that does not parse: a generator bug (spec text never reaches code unescaped)."""


def format_python(source: str, name: str = "<generated>") -> str:
    return format_tree({name if name.endswith(".py") else name + ".py": source})[
        name if name.endswith(".py") else name + ".py"
    ]


def _black(files: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for rel, text in files.items():
        try:
            out[rel] = black.format_str(text, mode=MODE)
        except black.InvalidInput as exc:
            raise FormattingError(f"generated {rel} is not valid Python: {exc}") from None
    return out


def ruff_binary() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-not-found]

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def _ruff(files: Mapping[str, str], ruff: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="portkey-codegen-fmt-") as tmp:
        root = Path(tmp)
        names = {}
        for i, (rel, text) in enumerate(sorted(files.items())):
            path = root / f"f{i}.py"  # flat, generator-chosen names: nothing from the spec touches the disk here
            path.write_text(text, "utf-8")
            names[rel] = path
        proc = subprocess.run(
            [ruff, *RUFF_ARGS, "--no-cache", *[str(p) for p in names.values()]],
            capture_output=True,
            text=True,
            cwd=tmp,
            timeout=300,
        )
        if proc.returncode != 0:
            raise FormattingError(f"generated code is not valid Python:\n{proc.stderr.strip()[:2000]}")
        return {rel: path.read_text("utf-8") for rel, path in names.items()}


def format_tree(files: Mapping[str, str]) -> dict[str, str]:
    """Format every .py file of the tree; other files pass through."""
    py = {rel: text for rel, text in files.items() if rel.endswith(".py")}
    ruff = None if os.environ.get("PORTKEY_CODEGEN_FORMATTER") == "black" else ruff_binary()
    formatted = _ruff(py, ruff) if (ruff and py) else _black(py)
    return {rel: formatted.get(rel, text) for rel, text in files.items()}


if __name__ == "__main__":  # pragma: no cover - debugging aid: format stdin
    sys.stdout.write(format_python(sys.stdin.read()))
