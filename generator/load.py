"""Read the spec YAML safely and fast; map JSON pointers back to lines for error messages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, GeneratorError

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LoadedSpec:
    document: dict[str, Any]
    path: Path
    text: str
    sha256: str

    def locate(self, pointer: str) -> tuple[int, int] | None:
        """(line, column), 1-based, of the node at `pointer`, or None."""
        from .sourcemap import locate

        return locate(self.text, pointer)


def load_spec(path: Path) -> LoadedSpec:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise GeneratorError(
            Diagnostic("error", f"cannot read spec: {exc.strerror}", file=str(path))
        ) from None
    text = raw.decode("utf-8", errors="replace")
    try:
        document = yaml.load(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise GeneratorError(
            Diagnostic(
                "error",
                f"invalid YAML: {exc.problem}",
                file=str(path),
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
    if not isinstance(document, dict):
        raise GeneratorError(Diagnostic("error", "the spec is not a mapping", file=str(path)))
    return LoadedSpec(document, Path(path), text, hashlib.sha256(raw).hexdigest())
