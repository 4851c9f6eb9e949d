"""Write the rendered tree: path checks, skip unchanged files, near-atomic replace, manifest, staleness diff.

The manifest (the files a run wrote, and the spec they came from) lives in the generated package's
own folder, never loose in the user's output root (``--out src/``); an older tree's manifest at the
root is still read, and removed once the new one is written.
"""

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


def package_dir(files: Mapping[str, str]) -> str:
    """The deepest folder holding every generated file (the package's, ``myapp/_vendor/portkey``);
    "" when the files share none."""
    folders = [PurePosixPath(rel).parent.parts for rel in files]
    common: list[str] = []
    for parts in zip(*folders) if folders else ():
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common)


def manifest_path(out: Path, files: Mapping[str, str]) -> Path:
    folder = package_dir(files)
    return out / folder / MANIFEST if folder else out / MANIFEST


def read_manifest_data(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_manifest(out: Path, files: Mapping[str, str] | None = None) -> dict[str, str]:
    """The files the previous run wrote: from the package folder's manifest, and an older tree's at
    the root of `out`."""
    found: dict[str, str] = {}
    paths = [out / MANIFEST] + ([manifest_path(out, files)] if files else [])
    for path in dict.fromkeys(paths):
        listed = read_manifest_data(path).get("files", {})
        if isinstance(listed, dict):
            found.update({k: v for k, v in listed.items() if isinstance(k, str) and isinstance(v, str)})
    return found


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def write_tree(out: Path, files: Mapping[str, str], spec: Mapping[str, str] | None = None) -> WriteResult:
    """Write `files` (relative posix path -> text) under `out`.

    Everything was rendered and formatted before this runs, so a failing run never gets here.
    New contents go to temporary files first; only when all of them are on disk are they renamed
    into place. Files listed in the previous manifest and no longer generated are removed; nothing
    else in `out` is touched. `spec` (fetch.spec_record) goes into the manifest.
    """
    staging = Staging(out)
    try:
        return staging.commit(files, spec)
    finally:
        staging.discard()


class Staging:
    """write_tree in two steps, so that most files can be put on disk while the run still works on
    the rest: `stage` writes files beside their targets under temporary names (none is in place
    yet), `commit` stages what is left and renames them all into place; `discard` removes the
    temporary files of a run that failed (after a commit there are none)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._staged: dict[str, tuple[bytes, Path]] = {}  # rel -> (contents, temporary file)
        self._unchanged: dict[str, bytes] = {}  # rel -> contents already on disk
        self._made: list[Path] = []  # folders staging created: a failed run removes them again

    def stage(self, files: Mapping[str, str]) -> None:
        check_tree(files)
        try:
            for rel, text in sorted(files.items()):
                self._stage_one(rel, text.encode("utf-8"))
        except BaseException:
            self.discard()
            raise

    def _stage_one(self, rel: str, data: bytes) -> None:
        known = self._staged.get(rel)
        if (known is not None and known[0] == data) or self._unchanged.get(rel) == data:
            return
        self._forget(rel)
        target = self.out / rel
        try:
            if target.is_file() and target.read_bytes() == data:
                self._unchanged[rel] = data
                return
        except OSError:
            pass
        self._make_folder(target.parent)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        self._staged[rel] = (data, tmp)

    def _make_folder(self, folder: Path) -> None:
        missing = []
        while not folder.is_dir() and folder not in missing:
            missing.append(folder)
            folder = folder.parent
        for made in reversed(missing):
            made.mkdir(exist_ok=True)
            self._made.append(made)

    def _forget(self, rel: str) -> None:
        self._unchanged.pop(rel, None)
        known = self._staged.pop(rel, None)
        if known is not None:
            known[1].unlink(missing_ok=True)

    def commit(self, files: Mapping[str, str], spec: Mapping[str, str] | None = None) -> WriteResult:
        """Stage `files` (the whole tree: a staged file it does not list is dropped), then put them in place."""
        check_tree(files)
        self.out.mkdir(parents=True, exist_ok=True)
        for rel in [rel for rel in (*self._staged, *self._unchanged) if rel not in files]:
            self._forget(rel)
        self.stage(files)
        old = read_manifest(self.out, files)
        staged = sorted(self._staged.items())
        for rel, (_, tmp) in staged:
            os.replace(tmp, self.out / rel)
        self._staged.clear()
        self._made.clear()  # they hold the tree now
        removed = []
        for rel in sorted(set(old) - set(files)):
            try:
                check_relpath(rel)
            except Exception:
                continue  # a tampered manifest cannot make us delete outside `out`
            path = self.out / rel
            if path.is_file():
                path.unlink()
                removed.append(rel)
                _prune_empty_dirs(path.parent, self.out)
        _write_manifest(self.out, files, spec)
        return WriteResult(tuple(rel for rel, _ in staged), tuple(sorted(self._unchanged)), tuple(removed))

    def discard(self) -> None:
        for _, tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()
        for folder in reversed(self._made):  # deepest first
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty: something else was put there meanwhile
        self._made.clear()


def _write_manifest(out: Path, files: Mapping[str, str], spec: Mapping[str, str] | None) -> None:
    manifest: dict = {"generator": "portkey-codegen", "files": {rel: _digest(t) for rel, t in sorted(files.items())}}
    if spec:
        manifest["spec"] = dict(spec)
    manifest_text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    mpath = manifest_path(out, files)
    mpath.parent.mkdir(parents=True, exist_ok=True)
    if not mpath.is_file() or mpath.read_text("utf-8") != manifest_text:
        tmp = mpath.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_text(manifest_text, "utf-8")
        os.replace(tmp, mpath)
    if mpath != out / MANIFEST:
        (out / MANIFEST).unlink(missing_ok=True)  # an older tree's, at the root of `out`


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def repository_root(folder: Path) -> Path:
    """The nearest folder at or above `folder` holding `.git`: check's diff names files from there,
    so that ``git apply -R`` takes it from the repository root. Outside a repository: the working
    directory when `folder` is inside it, else `folder` itself."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd().resolve()
    return cwd if folder.is_relative_to(cwd) else folder


def stale_diff(out: Path, files: Mapping[str, str], max_lines: int = 60) -> list[str]:
    """Unified diff lines from what would be generated to what is on disk (the hand edits, as
    ``git diff`` shows them: ``git apply -R`` undoes them); empty when up to date."""
    lines: list[str] = []
    old = read_manifest(out, files)
    prefix = PurePosixPath(os.path.relpath(out.resolve(), repository_root(out)).replace(os.sep, "/"))
    for rel in sorted(set(files) | set(old)):
        path = out / rel
        try:
            current = path.read_text("utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            current = None
        wanted = files.get(rel)
        if current == wanted:
            continue
        shown = (prefix / rel).as_posix()
        diff = difflib.unified_diff(
            (wanted or "").splitlines(keepends=True),
            (current or "").splitlines(keepends=True),
            fromfile=f"a/{shown}" if wanted is not None else "/dev/null",
            tofile=f"b/{shown}" if current is not None else "/dev/null",
            n=1,
        )
        lines.extend(_no_newline_marked(diff))
    if len(lines) > max_lines:
        more = len(lines) - max_lines
        lines = lines[:max_lines] + [f"... ({more} more diff lines)"]
    return lines


def _no_newline_marked(diff) -> list[str]:
    """The diff's lines without their newlines; a last line lacking one gets git's marker."""
    out: list[str] = []
    for line in diff:
        out.append(line.rstrip("\n"))
        if not line.endswith("\n"):
            out.append("\\ No newline at end of file")
    return out


def file_header(version: str) -> str:
    """The first lines of every generated file. Nothing from the spec: a new spec then rewrites
    only the files whose code changes (its sha256 is `SPEC_SHA256` in the package __init__)."""
    return (
        f"# Generated by portkey-codegen {version} (the spec: SPEC_SHA256 in __init__.py).\n"
        "# Do not edit: regenerate with `portkey-codegen generate`.\n"
    )
