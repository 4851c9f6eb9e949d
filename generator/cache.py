"""A content-addressed cache of the pipeline's expensive stages, in a per-user folder.

Why: a CI run on an unchanged spec spends >90% of its time re-deriving what it derived last time
(openapi-spec-validator ~1.5 s, datamodel-code-generator ~4 s, ruff ~0.2 s). Each of those stages
is a pure function of its input, so its output can be looked up by a hash of that input.

Where: ``$PORTKEY_CODEGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/portkey-codegen``, else
``~/.cache/portkey-codegen``. ``PORTKEY_CODEGEN_NO_CACHE=1`` (or ``Config.no_cache``, the CLI's
``--no-cache``) turns it off.

Keys: sha256 over `fingerprint()` (generator version, every file of the generator package and
its built-in templates, the versions of the tools whose output we store, the Python version),
the stage name and the stage's own inputs (which ones, and what is stored: see stages.py).

Trust: an entry is a small header (magic, its own key, the sha256 of the payload) and a JSON
payload. Anything that does not verify (truncated, corrupt, edited, renamed, another format
version) is a miss and is deleted; JSON, never pickle, so a bad entry cannot run code while it
is read. The checksum catches damage, not an attacker who can write to your home folder (such
an attacker can edit the generated code, or the generator, directly).

Failure: the cache is an accelerator only. A folder that cannot be created, read or written is
skipped silently; writes are atomic (temporary file + rename), so concurrent runs never see half
an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Cache", "MISS", "default_dir", "disabled_by_env", "fingerprint", "tree_digest"]

ENV_DIR = "PORTKEY_CODEGEN_CACHE_DIR"
ENV_OFF = "PORTKEY_CODEGEN_NO_CACHE"
FORMAT_VERSION = "1"  # bump when the entry layout or any stage's payload shape changes
MAGIC = b"portkey-codegen-cache " + FORMAT_VERSION.encode() + b"\n"
MAX_BYTES = 512 * 1024 * 1024  # pruned (oldest first) past this, at most once per process
# Tools whose output is stored: a new version may write different code, so it is part of the key.
TOOLS = (
    "datamodel-code-generator",
    "openapi-spec-validator",
    "openapi-schema-validator",
    "jsonschema",
    "jsonschema-path",
    "pydantic",
    "pydantic-core",
    "ruff",
    "black",
    "pyyaml",
    "jinja2",
)


class _Miss:
    def __repr__(self) -> str:
        return "MISS"


MISS: Any = _Miss()  # `get` result for "not cached" (a cached value may itself be None)


def disabled_by_env() -> bool:
    return os.environ.get(ENV_OFF, "").strip().lower() not in ("", "0", "false", "no")


def default_dir() -> Path:
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "portkey-codegen"


def tree_digest(root: Path, *, suffixes: tuple[str, ...] | None = None) -> str:
    """sha256 over the relative paths and bytes of every file under `root` (sorted; caches and
    compiled files skipped). A missing folder digests to the hash of nothing."""
    h = hashlib.sha256()
    if not root.is_dir():
        return h.hexdigest()
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in files:
            if name.endswith((".pyc", ".pyo")) or (suffixes and not name.endswith(suffixes)):
                continue
            path = Path(folder, name)
            found.append((path.relative_to(root).as_posix(), path))
    for rel, path in sorted(found):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\xff<unreadable>"
        h.update(f"{rel}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        h.update(data)
    return h.hexdigest()


def _tool_versions() -> dict[str, str]:
    """Installed versions of `TOOLS`, read from the ``*.dist-info`` folder names on sys.path.

    importlib.metadata gives the same answer in ~40 ms; one listdir per path entry is ~1 ms.
    """
    wanted = {t.replace("-", "_").lower(): t for t in TOOLS}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            dist, _, version = name[: -len(".dist-info")].partition("-")
            key = dist.replace("-", "_").replace(".", "_").lower()
            if key in wanted and wanted[key] not in found:
                found[wanted[key]] = version
        if len(found) == len(wanted):
            break
    return found


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What the generator *is* in this process: any edit to its code or templates, or a new
    version of a tool it drives, changes every key. Computed once per process (~3 ms)."""
    from . import __version__  # the package imports this module: read at call time, not import time

    h = hashlib.sha256()
    h.update(f"portkey-codegen {__version__}\0format {FORMAT_VERSION}\0".encode())
    h.update(f"python {sys.version_info[:3]}\0".encode())
    package = Path(__file__).resolve().parent
    h.update(tree_digest(package).encode())
    try:  # editable installs map portkey_codegen.templates to templates/ outside the package folder
        templates = Path(str(resources.files("portkey_codegen.templates"))).resolve()
        if package not in templates.parents:
            h.update(tree_digest(templates).encode())
    except (ImportError, TypeError, OSError):
        h.update(b"no-templates")
    h.update(json.dumps(_tool_versions(), sort_keys=True).encode())
    return h.hexdigest()


def _as_bytes(part: str | bytes) -> bytes:
    return part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")


@dataclass
class Cache:
    """One cache folder (`root`), or a disabled cache (`root` None) whose lookups all miss."""

    root: Path | None
    stats: dict[str, list[str]] = field(default_factory=dict)  # kind -> ["hit"|"miss"|"store", ...]
    _pruned: bool = False

    @classmethod
    def from_env(cls, *, disabled: bool = False) -> "Cache":
        if disabled or disabled_by_env():
            return cls(None)
        return cls(default_dir())

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def key(self, kind: str, *parts: str | bytes) -> str:
        """sha256 of the fingerprint, `kind` and each part (length-prefixed: no ambiguity)."""
        h = hashlib.sha256()
        for part in (fingerprint(), kind, *parts):
            data = _as_bytes(part)
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)
        return h.hexdigest()

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / f"v{FORMAT_VERSION}" / kind / key[:2] / key

    def _note(self, kind: str, what: str) -> None:
        self.stats.setdefault(kind, []).append(what)

    def get(self, kind: str, key: str) -> Any:
        """The stored value, or `MISS`. Never raises."""
        if self.root is None:
            return MISS
        path = self._path(kind, key)
        try:
            blob = path.read_bytes()
        except OSError:
            self._note(kind, "miss")
            return MISS
        value = _decode(blob, key)
        if value is MISS:
            self._note(kind, "miss")
            try:  # damaged: make room for a good one
                path.unlink()
            except OSError:
                pass
            return MISS
        self._note(kind, "hit")
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
        return value

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored (not read, not verified, not counted in `stats`)."""
        return self.root is not None and self._path(kind, key).is_file()

    def put(self, kind: str, key: str, value: Any) -> bool:
        """Store `value` (JSON data). False (and nothing raised) when it cannot be stored."""
        if self.root is None:
            return False
        try:
            payload = json_payload(value)
        except (TypeError, ValueError):
            return False
        return self.put_payload(kind, key, payload)

    def put_payload(self, kind: str, key: str, payload: bytes | Payload) -> bool:
        """Store a value already serialised by `json_payload`, or spliced from parts (Payload)."""
        if self.root is None:
            return False
        parts = payload if isinstance(payload, Payload) else Payload([payload])
        if not self._write(self._path(kind, key), _framed(key, parts)):
            return False
        self._note(kind, "store")
        if not self._pruned:
            self._pruned = True
            self.prune()
        return True

    def mark(self, kind: str, key: str) -> None:
        """Store an entry whose presence is all it says (`has`); not counted in `stats`."""
        if self.root is not None and not self.has(kind, key):
            self._write(self._path(kind, key), _framed(key, Payload([json_payload(True)])))

    def _write(self, path: Path, blob: list[bytes]) -> bool:
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.writelines(blob)
            os.replace(tmp, path)
            tmp = None
        except OSError:
            return False
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        return True

    def prune(self, max_bytes: int = MAX_BYTES) -> int:
        """Delete least recently used entries until the folder holds at most ~80% of
        `max_bytes`; returns how many were deleted. Best effort."""
        if self.root is None:
            return 0
        entries: list[tuple[float, int, str]] = []
        total = 0
        for folder, _, files in os.walk(self.root / f"v{FORMAT_VERSION}"):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                entries.append((st.st_mtime, st.st_size, path))
                total += st.st_size
        if total <= max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= max_bytes * 0.8:
                break
            try:
                os.unlink(path)
                total -= size
                removed += 1
            except OSError:
                pass
        return removed

    def summary(self) -> dict[str, str]:
        """kind -> "hit", "miss", "12 hit" or "3 hit / 2 miss", for --verbose output and tests."""
        out = {}
        for kind, events in self.stats.items():
            counts = [(events.count(w), w) for w in ("hit", "miss")]
            out[kind] = " / ".join(
                w if n == 1 and len([c for c in counts if c[0]]) == 1 else f"{n} {w}" for n, w in counts if n
            )
        return out


def json_payload(value: Any) -> bytes:
    """`value` (JSON data) as an entry stores it. Raises TypeError/ValueError for anything else."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8", "surrogatepass")


def _framed(key: str, payload: "Payload") -> list[bytes]:
    """An entry as stored: magic, its key, the payload's sha256, then the payload's parts."""
    return [MAGIC + key.encode() + b"\n" + payload.sha256().hexdigest().encode() + b"\n", *payload.parts]


class Payload:
    """A serialised value in consecutive parts, stored without joining them; the digest of the
    parts given first can be taken early (`hashed`), the rest is hashed when it is stored."""

    def __init__(self, parts: list[bytes], hashed: Any = None, hashed_parts: int = 0) -> None:
        self.parts, self._hashed, self._hashed_parts = parts, hashed, hashed_parts

    @classmethod
    def start(cls, first: bytes) -> "Payload":
        return cls([first], hashlib.sha256(first), 1)

    def then(self, *parts: bytes) -> "Payload":
        """This payload followed by `parts` (its early digest kept)."""
        return Payload([*self.parts, *parts], self._hashed, self._hashed_parts)

    def sha256(self) -> Any:
        digest = self._hashed.copy() if self._hashed is not None else hashlib.sha256()
        for part in self.parts[self._hashed_parts :]:
            digest.update(part)
        return digest


def _decode(blob: bytes, key: str) -> Any:
    """The payload of a verified entry for `key`, else MISS."""
    if not blob.startswith(MAGIC):
        return MISS
    rest = blob[len(MAGIC) :]
    head_key, sep1, rest = rest.partition(b"\n")
    digest, sep2, payload = rest.partition(b"\n")
    if not (sep1 and sep2) or head_key != key.encode() or len(digest) != 64:
        return MISS
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return MISS
    try:
        return json.loads(payload.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return MISS
