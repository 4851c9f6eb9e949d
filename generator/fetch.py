"""Spec acquisition: the pinned upstream spec, downloaded once and kept in the user cache.

The Portkey YAML is upstream data and is not committed. `spec/pin.yaml` says where it lives
(repository, commit, path) and what it is (sha256); this module turns that into a local file:

* the URL is ``https://raw.githubusercontent.com/<repository>/<commit>/<path>``;
  ``$PORTKEY_CODEGEN_SPEC_MIRROR`` replaces the ``https://raw.githubusercontent.com`` part (a
  mirror laid out the same way; tests and this repository's CI serve a local copy on loopback);
* the file is kept as ``<cache>/spec/<sha256>.yaml``, where ``<cache>`` is the stage cache's
  folder (``$PORTKEY_CODEGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/portkey-codegen``, else
  ``~/.cache/portkey-codegen``; see cache.py). ``--no-cache`` concerns the stage cache only: the
  spec has to live somewhere;
* every read of the cached file checks its sha256; a damaged entry is deleted and downloaded
  again, and a download whose sha256 differs from the pin is refused (nothing is stored).

The download itself (bounded, https only) is download.py, imported only when one is needed.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import GeneratorError, error

if TYPE_CHECKING:
    from .config import Config

__all__ = [
    "ENV_MIRROR",
    "UPSTREAM",
    "PinnedSource",
    "cached_spec_path",
    "fetch_pinned",
    "fetch_source",
    "fetch_url",
    "import_file",
    "read_pinned_source",
    "resolve_spec",
    "spec_folder",
    "store",
]

ENV_MIRROR = "PORTKEY_CODEGEN_SPEC_MIRROR"
UPSTREAM = "https://raw.githubusercontent.com"

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_COMMIT = re.compile(r"[0-9a-f]{7,40}")  # GitHub resolves an abbreviated commit too; the sha256 fixes the bytes
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PinnedSource:
    """What spec/pin.yaml says about the upstream file."""

    pin: Path
    repository: str  # owner/name
    path: str  # inside the repository
    commit: str  # 40 hex digits
    sha256: str | None  # None: not known yet (``fetch --commit`` of another revision)

    def url(self, base: str | None = None) -> str:
        base = (base if base is not None else mirror_base()).rstrip("/")
        quoted = "/".join(urllib.parse.quote(part) for part in self.path.split("/"))
        return f"{base}/{self.repository}/{self.commit}/{quoted}"

    def describe(self) -> str:
        known = f", sha256 {self.sha256}" if self.sha256 else ""
        return f"pin {self.pin}: {self.repository}@{self.commit} {self.path}{known}"


def mirror_base() -> str:
    return os.environ.get(ENV_MIRROR, "").strip() or UPSTREAM


def read_pinned_source(pin: Path) -> PinnedSource | None:
    """The pin's `source` (None when the pin has no source block). GeneratorError when malformed."""
    from .load import load_spec

    document = load_spec(Path(pin)).document
    source = document.get("source")
    if source is None:
        return None
    where = {"file": str(pin)}

    def field(name: str, pattern: re.Pattern[str] | None, value: object) -> str:
        if not isinstance(value, str) or not value or (pattern is not None and not pattern.fullmatch(value)):
            raise error(
                f"bad {name} {value!r} in the pin's source",
                **where,
                hint={
                    "repository": "owner/name on GitHub, e.g. Portkey-AI/openapi",
                    "commit": "the full 40-hex-digit commit the spec was taken from",
                    "path": "the file's path inside the repository, e.g. openapi.yaml",
                    "sha256": "64 lowercase hex digits",
                }[name],
            )
        return value

    if not isinstance(source, dict):
        raise error("`source` in the pin must be a mapping (repository, path, commit)", **where)
    path = field("path", None, source.get("path"))
    if path.startswith("/") or any(p in ("", ".", "..") for p in path.split("/")) or "\\" in path:
        raise error(f"bad path {path!r} in the pin's source", **where, hint="a relative path without '..'")
    sha = document.get("sha256")
    return PinnedSource(
        pin=Path(pin),
        repository=field("repository", _REPOSITORY, source.get("repository")),
        path=path,
        commit=field("commit", _COMMIT, source.get("commit")),
        sha256=field("sha256", _SHA256, sha) if sha not in (None, "") else None,
    )


def spec_folder() -> Path:
    from .cache import default_dir

    return default_dir() / "spec"


def cached_spec_path(sha256: str) -> Path:
    return spec_folder() / f"{sha256}.yaml"


def _verified(path: Path, sha256: str) -> bool:
    """`path` exists and hashes to `sha256`; a damaged copy is deleted (and reported)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if hashlib.sha256(data).hexdigest() == sha256:
        return True
    print(f"note: cached spec {path} does not match its sha256 (damaged): downloading it again", file=sys.stderr)
    try:
        path.unlink()
    except OSError:
        pass
    return False


def store(data: bytes, sha256: str | None = None) -> Path:
    """Keep `data` as ``<cache>/spec/<sha256>.yaml`` (temporary file + rename: never half a file)."""
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and digest != sha256:
        raise ValueError("sha256 mismatch")  # callers check first; this guards the cache itself
    target = cached_spec_path(digest)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{digest[:12]}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise error(
            f"cannot store the downloaded spec in {target.parent}: {exc.strerror or exc}",
            hint="set PORTKEY_CODEGEN_CACHE_DIR to a writable folder, or pass --spec FILE",
        ) from None
    return target


def fetch_pinned(pin: Path, *, commit: str | None = None, refresh: bool = False) -> Path:
    """The local file of the pinned spec: from the cache, else downloaded, verified and cached.

    With `commit` other than the pin's, that revision is downloaded and cached under its own
    sha256, which is not checked against the pin (it is a different spec: adopt it with
    `portkey-codegen update`).
    """
    source = read_pinned_source(pin)
    if source is None:
        raise error(
            "the pin records no source to download the spec from",
            file=str(pin),
            hint="add `source: {repository: owner/name, path: file.yaml, commit: <sha>}`, or pass --spec FILE",
        )
    if commit is not None and commit != source.commit:
        if not _COMMIT.fullmatch(commit):
            raise error(f"bad commit {commit!r}", hint="pass the full 40-hex-digit commit")
        source = PinnedSource(source.pin, source.repository, source.path, commit, None)
    return fetch_source(source, refresh=refresh)


def fetch_source(source: PinnedSource, *, refresh: bool = False) -> Path:
    """The local file of `source`: from the cache, else downloaded (through the mirror when set),
    checked against `source.sha256` when it has one, and cached."""
    if source.sha256 is not None and not refresh:
        cached = cached_spec_path(source.sha256)
        if _verified(cached, source.sha256):
            return cached
    from .download import DownloadError, download  # the network stack: only for a download

    url = source.url()
    mirrored = mirror_base() != UPSTREAM
    try:
        data = download(url, allow_loopback_http=mirrored)
    except DownloadError as exc:
        hint = f" (mirror from {ENV_MIRROR})" if mirrored else f" (or set {ENV_MIRROR} to a mirror)"
        raise error(
            f"cannot download the pinned spec {url}: {exc}; {source.describe()}; "
            f"pass --spec FILE to use a local copy{hint}"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if source.sha256 is not None and digest != source.sha256:
        raise error(
            f"the spec downloaded from {url} has sha256 {digest}, not the pinned {source.sha256} "
            f"({source.pin}): nothing was stored; check the mirror, or pass --spec FILE"
        )
    return store(data)


def import_file(pin: Path, file: Path) -> Path:
    """`fetch --from FILE`: a local copy of the pinned spec, checked against the pin's sha256 and
    stored in the cache, where every command (and the tests) then find it offline."""
    source = read_pinned_source(pin)
    wanted = source.sha256 if source is not None else None
    if not wanted:
        raise error("the pin records no sha256 to check the file against", file=str(pin), hint="add `sha256: <hex>`")
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        raise error(f"cannot read {file}: {exc.strerror or exc}", hint="pass the path of a copy of the pinned spec") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != wanted:
        raise error(
            f"{file} has sha256 {digest}, not the pinned {wanted} ({pin}): nothing was stored",
            hint="pass a copy of the pinned revision; to adopt another spec, run `portkey-codegen update --spec FILE`",
        )
    return store(data)


def spec_record(config: "Config", sha256: str, commit: str | None = None) -> dict[str, str]:
    """What the manifest records about the spec a tree was generated from, so that CI can fetch the
    base branch's spec again by commit (generator/apidiff.py): its sha256 and, when the pin says
    where it comes from and the pin's sha256 is this spec's (or `update` names the new `commit`),
    the upstream source."""
    record = {"sha256": sha256}
    if config.pin is not None:
        try:
            source = read_pinned_source(Path(config.pin))
        except GeneratorError:
            return record  # a pin used only for its sha256 (`spec` set) need not say where to download
        if source is not None and (source.sha256 == sha256 or commit):
            record.update(repository=source.repository, path=source.path, commit=commit or source.commit)
    return record


def fetch_url(url: str) -> Path:
    """`--spec https://...`: download (bounded, https only), cache by sha256, return the file."""
    from .download import DownloadError, download

    try:
        data = download(url)
    except DownloadError as exc:
        raise error(f"cannot download the spec {url}: {exc}; pass --spec FILE to use a local copy") from None
    return store(data)


def is_url(value: object) -> bool:
    return isinstance(value, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value) is not None


def resolve_spec(config: "Config") -> Path:
    """The local file `config` means: `spec` itself, `spec` downloaded (an https URL), or, with
    no `spec`, the pinned spec from the cache or its upstream."""
    if config.spec is not None:
        if is_url(str(config.spec)):
            return fetch_url(str(config.spec))
        return Path(config.spec)
    if config.pin is not None:
        return fetch_pinned(Path(config.pin))
    raise error(
        "no spec given",
        hint="pass --spec FILE (or an https URL), or set `spec` or `pin` under [tool.portkey-codegen] in pyproject.toml",
    )
