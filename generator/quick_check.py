"""`check` on unchanged inputs without the pipeline: what a run produced, looked up by the bytes it read.

Why: CI runs `check` on every push, and the spec rarely changes. The whole-tree cache entry
(stages.tree_key) is keyed by the loaded, overlaid, bundled document, so finding it costs the YAML
load and $ref bundling (~0.2 s), and it holds every file's text and the IR (~0.5 s to read and
decode). This entry is keyed by the raw inputs instead, and holds only each generated file's sha256
and the run's diagnostics: `check` hashes the files on disk and compares.

Key (`Cache.key`, so the generator's fingerprint is in it): the spec's bytes (sha256) and path, the
bytes of the overlay, naming-rules and pin files, the config (stages.settings), the user templates
and the formatter. A run records an entry only when nothing else was read: no file bundled through
`$ref` (those files' bytes are not in the key), and no generated text holding a carriage return
(stale_diff reads files with universal newlines, so for those a byte hash is no proof).

It only ever says "up to date": any file whose hash differs, any missing file, any leftover file
from the manifest, any miss, and `check` runs the pipeline as before (which then shows the diff).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

from . import fetch
from .cache import Cache
from .config import Config
from .diagnostics import Diagnostic
from .output import read_manifest

KIND = "check"


def inputs(config: Config) -> tuple[bytes, ...]:
    """Key parts of everything a run reads besides the spec (read before the run starts)."""
    from .formatting import formatter_identity
    from .stages import settings, user_templates

    def content(path: Path | None) -> bytes:
        try:
            return b"+" + Path(path).read_bytes() if path is not None and Path(path).is_file() else b"-"
        except OSError:
            return b"?"

    return (
        content(config.overlay), content(config.names), content(config.pin), repr(settings(config)).encode(),
        user_templates(config).encode(), formatter_identity().encode(),
    )  # fmt: skip


def key(cache: Cache, spec_path: Path, spec_sha256: str, others: tuple[bytes, ...]) -> str | None:
    """The entry of a run on the spec at `spec_path` (its bytes' sha256) and `others` (`inputs`)."""
    return cache.key(KIND, spec_sha256, str(spec_path), *others) if cache.enabled else None


def _raw_key(cache: Cache, spec_path: Path, others: tuple[bytes, ...]) -> tuple[str, str | None] | None:
    """(the spec file's sha256, `key` of a run on it and `others`), or None if it cannot be read."""
    try:
        sha256 = hashlib.sha256(spec_path.read_bytes()).hexdigest()
    except OSError:
        return None
    return sha256, key(cache, spec_path, sha256, others)


def record(cache: Cache, key_: str | None, files: dict[str, str], diagnostics: list[Diagnostic], bundled: bool) -> None:
    """Store what the run produced under `key_` (see the module docstring for when it does not)."""
    if key_ is None or bundled or any("\r" in text for text in files.values()):
        return
    try:
        digests = {rel: hashlib.sha256(text.encode("utf-8")).hexdigest() for rel, text in files.items()}
    except UnicodeEncodeError:  # never written as such: leave it to the full comparison
        return
    entry = {"files": digests, "diagnostics": [asdict(d) for d in diagnostics]}
    if cache.get(KIND, key_) != entry:
        cache.put(KIND, key_, entry)


SEEN = "seen"


def seen(cache: Cache, spec_path: Path, others: tuple[bytes, ...]) -> bool:
    """Whether a run on these very inputs finished before (`mark_seen`), so its whole tree is likely
    cached: asked before the spec is loaded, to start the models child early only on a cold run."""
    found = _raw_key(cache, spec_path, others)
    return found is not None and found[1] is not None and cache.has(SEEN, found[1])


def mark_seen(cache: Cache, key_: str | None) -> None:
    """Note that a run on the inputs of `key_` finished (also one that bundled other files: this
    only steers when a child is forked, never what is written)."""
    if key_ is not None:
        cache.mark(SEEN, key_)


class Found(NamedTuple):
    spec_path: Path
    sha256: str
    files: dict[str, str]  # as on disk, which is what the recorded run produced
    diagnostics: list[Diagnostic]


def up_to_date(config: Config, cache: Cache, others: tuple[bytes, ...]) -> Found | None:
    """What the recorded run on these very inputs produced, when `config.out` holds exactly that;
    else None (no entry, or anything differs: the caller runs the pipeline)."""
    if not cache.enabled or (config.spec is not None and fetch.is_url(str(config.spec))):
        return None  # a URL would be downloaded twice on a miss
    spec_path = Path(fetch.resolve_spec(config))
    found = _raw_key(cache, spec_path, others)
    if found is None or found[1] is None:
        return None  # an unreadable spec: the pipeline says what is wrong with it
    sha256, key_ = found
    entry = cache.get(KIND, key_)
    try:
        digests: dict[str, str] = entry["files"]
        found = [Diagnostic(**d) for d in entry["diagnostics"]]
    except (KeyError, TypeError):
        return None
    if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
        return None
    files = _on_disk(Path(config.out), digests)
    return None if files is None else Found(spec_path, sha256, files, found)


def _on_disk(out: Path, digests: dict[str, str]) -> dict[str, str] | None:
    """The files under `out` when they are exactly those of `digests` (and no leftover of the
    last run's manifest is there), else None."""
    files: dict[str, str] = {}
    for rel in sorted(set(digests) | set(read_manifest(out, digests))):
        path = out / rel
        if rel not in digests:
            if path.is_file():  # a file the last run wrote and this one would remove
                return None
            continue
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != digests[rel]:
            return None
        files[rel] = data.decode("utf-8")  # hashes to a text that encoded strictly
    return files
