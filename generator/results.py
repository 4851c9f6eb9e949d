"""What the pipeline hands back: `Result` (the files a run generates, its IR and diagnostics) and
`Prepared` (the spec after load, overlay, $ref bundling and validation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic


@dataclass
class Result:
    files: dict[str, str]  # relative path -> content, everything the run generates
    _api: Any = field(repr=False)  # ir.Api, or a function returning it (see `api`)
    spec_path: Path
    spec_sha256: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    stale: list[str] = field(default_factory=list)  # unified diff lines (check mode)
    cache: dict[str, str] = field(default_factory=dict)  # stage -> "hit"/"miss"/... (empty: cache off)
    bundled: bool = False  # the spec's $refs bundled other files into it

    @property
    def api(self) -> Any:
        """The IR (ir.Api). An up-to-date `check` answered by quick_check has none: it is made on
        first use."""
        if callable(self._api):
            self._api = self._api()
        return self._api


@dataclass(frozen=True)
class Prepared:
    """The spec after load, overlay and ref bundling (and, from `prepare`, validation)."""

    document: dict
    spec_path: Path
    sha256: str
    diagnostics: tuple[Diagnostic, ...]
    document_json: str | None = None  # its JSON (key order kept), when the cache needed it
    bundled: bool = False  # its $refs bundled other files into it
