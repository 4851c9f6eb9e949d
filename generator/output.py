"""Write the rendered tree: path checks, skip unchanged files, near-atomic replace, manifest, staleness diff."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping

from .diagnostics import error

MANIFEST = ".portkey-codegen-manifest.json"
_SAFE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_RESERVED = {"con", "prn", "aux", "nul"}  # names some filesystems refuse


def check_relpath(rel: str) -> PurePosixPath:
    """A generated file name must stay inside the output folder, whatever the spec says."""
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or "\\" in rel or "\x00" in rel:
        raise error(f"refusing to write unsafe path {rel!r}", hint="generated file names must be relative")
    for part in rel.split("/"):
        if part in ("..", ".") or not _SAFE_PART.match(part) or part.lower() in _RESERVED:
            raise error(f"refusing to write unsafe path {rel!r}", hint=f"bad path component {part!r}")
        if part.endswith(".pth") or part in ("sitecustomize.py", "usercustomize.py", "conftest.py"):
            raise error(f"refusing to write {rel!r}: Python would run it at start-up or under pytest")
    return p


def check_tree(files: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for rel in files:
        check_relpath(rel)
        folded = rel.casefold()
        if folded in seen and seen[folded] != rel:
            raise error(
                f"generated files {seen[folded]!r} and {rel!r} differ only by case",
                hint="they would overwrite each other on macOS and Windows; rename one in spec/names.yaml",
            )
        seen[folded] = rel


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_manifest(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
        files = data.get("files", {})
        return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}
    except (OSError, ValueError, AttributeError):
        return {}


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def write_tree(out: Path, files: Mapping[str, str]) -> WriteResult:
    """Write `files` (relative posix path -> text) under `out`.

    Everything was rendered and formatted before this runs, so a failing run never gets here.
    New contents go to temporary files first; only when all of them are on disk are they renamed
    into place. Files listed in the previous manifest and no longer generated are removed; nothing
    else in `out` is touched.
    """
    check_tree(files)
    out.mkdir(parents=True, exist_ok=True)
    old = read_manifest(out)
    staged: list[tuple[Path, Path]] = []
    unchanged: list[str] = []
    try:
        for rel, text in sorted(files.items()):
            target = out / rel
            data = text.encode("utf-8")
            try:
                if target.is_file() and target.read_bytes() == data:
                    unchanged.append(rel)
                    continue
            except OSError:
                pass
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            staged.append((tmp, target))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    removed = []
    for rel in sorted(set(old) - set(files)):
        try:
            check_relpath(rel)
        except Exception:
            continue  # a tampered manifest cannot make us delete outside `out`
        path = out / rel
        if path.is_file():
            path.unlink()
            removed.append(rel)
            _prune_empty_dirs(path.parent, out)
    manifest = {"generator": "portkey-codegen", "files": {rel: _digest(t) for rel, t in sorted(files.items())}}
    manifest_text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    mpath = out / MANIFEST
    if not mpath.is_file() or mpath.read_text("utf-8") != manifest_text:
        tmp = out / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(manifest_text, "utf-8")
        os.replace(tmp, mpath)
    return WriteResult(tuple(t.relative_to(out).as_posix() for _, t in staged), tuple(unchanged), tuple(removed))


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def stale_diff(out: Path, files: Mapping[str, str], max_lines: int = 60) -> list[str]:
    """Unified diff lines between what is on disk and what would be generated; empty when up to date."""
    lines: list[str] = []
    old = read_manifest(out)
    for rel in sorted(set(files) | set(old)):
        path = out / rel
        try:
            current = path.read_text("utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            current = None
        wanted = files.get(rel)
        if current == wanted:
            continue
        if wanted is None:
            lines.append(f"--- {rel} is no longer generated (would be removed)")
            continue
        diff = difflib.unified_diff(
            (current or "").splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            fromfile=f"a/{rel}" if current is not None else "/dev/null",
            tofile=f"b/{rel}",
            n=1,
        )
        lines.extend(line.rstrip("\n") for line in diff)
    if len(lines) > max_lines:
        more = len(lines) - max_lines
        lines = lines[:max_lines] + [f"... ({more} more diff lines)"]
    return lines
