"""`portkey-codegen diff OLD NEW`: an API-level diff of two OpenAPI 3 specs, with every change
classified as breaking or not, separately for client users and for server implementers.

Works on the raw loaded documents (no models step): operations are keyed ``METHOD /path``;
parameters, request bodies and responses are compared per operation; a change inside a shared
component schema is reported once, at the component, with the operations that use it.

What breaks whom is decided in one table, `_EFFECTS` (documented in docs/diff.md): each fact
the walk finds has an *effect* (field added, value set widened, ...) and the table gives, per
direction of the data (request or response), (breaking for clients, breaking for servers,
notable). Component schemas used in both directions take the union.

The documents are never mutated (YAML aliases share objects between places).

Modules: diff_view.py reads one spec (through schema.SchemaIndex, the generator's own reader, so
the diff compares the operations and parameters the generated client has), diff_walk.py compares
two and records facts, this module classifies them into changes, diff_render.py writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .diagnostics import Diagnostic, GeneratorError
from .diff_render import render, render_json, render_markdown, render_text
from .diff_view import _code, _plural, _Spec
from .diff_walk import _Differ, _Fact
from .schema import HTTP_METHODS

Format = Literal["text", "markdown", "json"]
FailOn = Literal["breaking", "breaking-client", "breaking-server", "any", "never"]
FORMATS: tuple[str, ...] = ("text", "markdown", "json")
FAIL_ON: tuple[str, ...] = ("breaking", "breaking-client", "breaking-server", "any", "never")


# --- what breaks whom ---------------------------------------------------------------------------

_F, _T = False, True
Verdict = tuple[bool, bool, bool]  # (breaking for client users, for server implementers, notable)

#: effect -> direction -> verdict. "request": the client produces the data, the server consumes it;
#: "response": the other way round. "*": the same whatever the direction.
_EFFECTS: dict[str, dict[str, Verdict]] = {
    # a field/parameter/body appears
    "add-optional": {"request": (_F, _T, _F), "response": (_F, _F, _F)},
    "add-required": {"request": (_T, _T, _F), "response": (_F, _T, _F)},
    # a field/parameter/body disappears (required: the consumer relied on always getting it)
    "remove": {"request": (_T, _F, _F), "response": (_T, _F, _F)},
    "remove-required": {"request": (_T, _T, _F), "response": (_T, _F, _F)},
    # optional -> required / required -> optional
    "require": {"request": (_T, _F, _F), "response": (_F, _T, _F)},
    "unrequire": {"request": (_F, _T, _F), "response": (_T, _F, _F)},
    # the set of valid values grows / shrinks / neither contains the other
    "widen": {"request": (_F, _T, _F), "response": (_T, _F, _F)},
    "narrow": {"request": (_T, _F, _F), "response": (_F, _T, _F)},
    "change": {"request": (_T, _T, _F), "response": (_T, _T, _F)},
    # enum values added: consumers of responses are expected to tolerate unknown enum values
    "enum-add": {"request": (_F, _T, _F), "response": (_F, _F, _T)},
    # unknown properties allowed: response readers must ignore unknown fields anyway
    "open": {"request": (_F, _T, _F), "response": (_F, _F, _F)},
    # direction-independent
    "info": {"*": (_F, _F, _T)},
    "none": {"*": (_F, _F, _F)},
    "client": {"*": (_T, _F, _F)},
    "server": {"*": (_F, _T, _F)},
    "both": {"*": (_T, _T, _F)},
}


def classify(effect: str, directions: Iterable[str]) -> Verdict:
    """The verdict for a fact with `effect` in data flowing in `directions` (union)."""
    table = _EFFECTS[effect]
    if "*" in table:
        return table["*"]
    client = server = notable = False
    for direction in directions:
        c, s, n = table[direction]
        client, server, notable = client or c, server or s, notable or n
    return client, server, notable and not (client or server)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One reported change. `location` is a JSON pointer into the new spec, or into the old one
    (`spec == "old"`) for something that was removed."""

    kind: str
    location: str
    spec: Literal["old", "new"]
    breaking_client: bool
    breaking_server: bool
    notable: bool
    direction: str | None  # "request", "response", "request+response" or None
    operations: tuple[str, ...]
    message: str

    @property
    def breaking(self) -> bool:
        return self.breaking_client or self.breaking_server

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "location": self.location,
            "spec": self.spec,
            "breaking_client": self.breaking_client,
            "breaking_server": self.breaking_server,
            "notable": self.notable,
            "direction": self.direction,
            "operations": list(self.operations),
            "message": self.message,
        }


@dataclass(frozen=True)
class DiffResult:
    old_info: tuple[str, str]  # (title, version)
    new_info: tuple[str, str]
    changes: tuple[Change, ...]

    @property
    def breaking_client(self) -> list[Change]:
        return [c for c in self.changes if c.breaking_client]

    @property
    def breaking_server(self) -> list[Change]:
        return [c for c in self.changes if c.breaking_server]

    def summary(self) -> dict[str, int]:
        return {
            "changes": len(self.changes),
            "breaking_client": len(self.breaking_client),
            "breaking_server": len(self.breaking_server),
            "notable": sum(1 for c in self.changes if c.notable),
        }


# --- from facts to changes ----------------------------------------------------------------------


def _changes(facts: Iterable[_Fact]) -> list[Change]:
    """Each fact classified by `_EFFECTS` and worded, in report order."""
    changes = []
    for fact in facts:
        client, server, notable = classify(fact.effect, fact.directions)
        subject = fact.subject
        if fact.merge and len(fact.ops) > 1:
            subject = {"#/servers": "root servers", "#/security": "root security"}.get(
                fact.location, f"{len(fact.ops)} operations"
            )
        message = f"{_subject_text(subject)}: {fact.text}"
        if fact.shared:
            message += " — " + _usage_text(fact.ops, fact.directions)
        direction = "+".join(d for d in ("request", "response") if d in fact.directions) or None
        changes.append(
            Change(fact.kind, fact.location, fact.spec, client, server, notable, direction,
                   tuple(sorted(fact.ops)), message)
        )
    changes.sort(key=lambda c: (_section(c.location), c.location, c.kind, c.message))
    return changes


def _subject_text(subject: str) -> str:
    if subject.split(" ", 1)[0] in (m.upper() for m in HTTP_METHODS):
        return _code(subject)
    return subject


def _usage_text(ops: set[str], directions: set[str]) -> str:
    if not ops:
        return "not used by any operation"
    where = " and ".join(f"{d}s" for d in ("request", "response") if d in directions)
    users = _code(next(iter(ops))) if len(ops) == 1 else _plural(len(ops), "operation")
    return f"used by {users} in {where}"


def _section(location: str) -> int:
    if location == "#/servers" or location.endswith("/servers") and location.startswith("#/paths/"):
        return 0
    if location.startswith(("#/security", "#/components/securitySchemes")):
        return 1
    if location.startswith("#/paths/"):
        return 2
    if location.startswith("#/components/parameters/"):
        return 3
    if location.startswith("#/components/schemas/"):
        return 4
    return 5


# --- entry points -------------------------------------------------------------------------------


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any], *, old_label: str = "old",
                   new_label: str = "new") -> DiffResult:
    """Compare two loaded OpenAPI 3 documents. Raises GeneratorError on malformed input."""
    old_spec, new_spec = _Spec(old, old_label, "old"), _Spec(new, new_label, "new")
    facts = _Differ(old_spec, new_spec).run()
    return DiffResult(old_spec.info, new_spec.info, tuple(_changes(facts)))


def load_for_diff(path: Path, overlay: Path | None = None) -> dict[str, Any]:
    """Load a spec (and apply an overlay) the way the generator does, without validating it."""
    from .load import load_spec

    loaded = load_spec(Path(path))
    document = loaded.document
    if overlay is not None:
        from . import overlay as overlay_mod

        document = overlay_mod.apply_overlay(document, overlay_mod.load_overlay(Path(overlay)),
                                             overlay_path=Path(overlay))
    from . import refs

    # file refs are bundled into components, so the walk below only meets internal pointers
    return refs.resolve_refs(document, base_dir=Path(path).parent, spec_file=Path(path), source=loaded)


def diff_specs(old: Path, new: Path, *, overlay: Path | None = None) -> DiffResult:
    old_doc, new_doc = load_for_diff(old, overlay), load_for_diff(new, overlay)
    try:
        return diff_documents(old_doc, new_doc, old_label=str(old), new_label=str(new))
    except GeneratorError as exc:
        raise GeneratorError(_with_lines(exc.diagnostics, {str(old): Path(old), str(new): Path(new)})) from None


def _with_lines(diagnostics: list[Diagnostic], files: Mapping[str, Path]) -> list[Diagnostic]:
    """Add line:column to diagnostics that only carry a pointer (best effort)."""
    out = []
    for d in diagnostics:
        if d.line is None and d.pointer and d.file is not None and d.file in files:
            try:
                from .sourcemap import locate

                position = locate(files[d.file].read_text(encoding="utf-8", errors="replace"), d.pointer,
                                  nearest=True)
            except Exception:  # noqa: BLE001 - locating is a nicety; never hide the real error
                position = None
            if position:
                d = Diagnostic(d.severity, d.message, d.pointer, d.file, position[0], position[1], d.hint, d.code)
        out.append(d)
    return out


def main_diff(old: Path, new: Path, *, fmt: Format = "text", fail_on: FailOn = "never",
              overlay: Path | None = None) -> tuple[str, int]:
    """What `portkey-codegen diff` runs: (report text, exit code 0 or 1). Bad input: GeneratorError."""
    if fmt not in FORMATS:
        raise GeneratorError(Diagnostic("error", f"unknown diff format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}"))
    if fail_on not in FAIL_ON:
        raise GeneratorError(Diagnostic("error", f"unknown --fail-on value {fail_on!r}",
                                        hint=f"use one of {', '.join(FAIL_ON)}"))
    result = diff_specs(Path(old), Path(new), overlay=overlay)
    text = render(result, fmt)
    return text, exit_code(result, fail_on)


def exit_code(result: DiffResult, fail_on: str) -> int:
    failing = {
        "breaking": any(c.breaking for c in result.changes),
        "breaking-client": any(c.breaking_client for c in result.changes),
        "breaking-server": any(c.breaking_server for c in result.changes),
        "any": bool(result.changes),
        "never": False,
    }[fail_on]
    return 1 if failing else 0


__all__ = [
    "Change", "DiffResult", "classify", "diff_documents", "diff_specs", "exit_code", "load_for_diff",
    "main_diff", "render", "render_json", "render_markdown", "render_text",
]
