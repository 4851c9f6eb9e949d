"""Diagnostics: every problem the generator reports, with where it is and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One finding. `pointer` is a JSON pointer into the spec (``#/paths/~1chat~1completions``)."""

    severity: Severity
    message: str
    pointer: str | None = None
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    hint: str | None = None
    code: str = "spec"

    def format(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = f"{where}{self.severity}: {self.message}"
        if self.pointer:
            text += f" (at {self.pointer})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class GeneratorError(Exception):
    """Bad input: the CLI prints the diagnostics and exits 2. Nothing has been written."""

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class InternalError(GeneratorError):
    """A generator bug (its own output is not what it planned), never the spec's fault: the CLI
    exits 3. The diagnostics still say where in the spec it happened, to report it with."""


def error(message: str, **where: object) -> GeneratorError:
    """Shorthand: ``raise error("...", pointer=..., hint=...)``."""
    return GeneratorError(Diagnostic("error", message, **where))  # type: ignore[arg-type]


@dataclass
class Report:
    """Diagnostics collected over a run (warnings mostly; errors abort)."""

    items: list[Diagnostic] = field(default_factory=list)

    def warn(self, message: str, **where: object) -> None:
        self.items.append(Diagnostic("warning", message, **where))  # type: ignore[arg-type]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]
