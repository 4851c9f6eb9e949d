"""A content-addressed cache of the pipeline's expensive stages, in a per-user folder.

Why: a CI run on an unchanged spec spends >90% of its time re-deriving what it derived last time
(openapi-spec-validator ~1.5 s, datamodel-code-generator ~4 s, ruff ~0.2 s). Each of those stages
is a pure function of its input, so its output can be looked up by a hash of that input.

Where: ``$PORTKEY_CODEGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/portkey-codegen``, else
``~/.cache/portkey-codegen``. ``PORTKEY_CODEGEN_NO_CACHE=1`` (or ``Config.no_cache``, the CLI's
``--no-cache``) turns it off.

Keys: sha256 over `fingerprint()` (generator version, every file of the generator package and
its built-in templates, the versions of the tools whose output we store, the Python version),
the stage name and the stage's own input (the caller adds options and user templates).

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
    from . import __version__

    h = hashlib.sha256()
    h.update(f"portkey-codegen {__version__}\0format {FORMAT_VERSION}\0".encode())
    h.update(f"python {sys.version_info[:3]}\0".encode())
    package = Path(__file__).resolve().parent
    h.update(tree_digest(package).encode())
    try:  # editable installs map portkey_codegen.templates to templates/ outside the package folder
        from importlib import resources

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

    def put(self, kind: str, key: str, value: Any) -> bool:
        """Store `value` (JSON data). False (and nothing raised) when it cannot be stored."""
        if self.root is None:
            return False
        try:
            blob = _encode(key, value)
        except (TypeError, ValueError):
            return False
        path = self._path(kind, key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
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
        self._note(kind, "store")
        if not self._pruned:
            self._pruned = True
            self.prune()
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


def _encode(key: str, value: Any) -> bytes:
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8", "surrogatepass"
    )
    digest = hashlib.sha256(payload).hexdigest()
    return MAGIC + key.encode() + b"\n" + digest.encode() + b"\n" + payload


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


# --- keys that ignore prose ----------------------------------------------------------------------

# A description/summary directly inside one of these maps is a map *entry* (a property called
# "description", a discriminator mapping value, an OAuth scope...), not prose: never blanked.
_MAP_KEYS = frozenset({
    "properties", "patternProperties", "mapping", "scopes", "variables", "headers", "links",
    "content", "encoding", "callbacks", "responses", "paths", "schemas", "parameters",
    "requestBodies", "securitySchemes", "examples", "definitions", "$defs", "dependentSchemas",
    "webhooks", "pathItems",
})  # fmt: skip
# Free-form JSON values: checked against schemas (defaults) or not at all; left verbatim.
_VERBATIM_KEYS = frozenset({"default", "example", "examples", "enum", "const"})
# Arrays the OpenAPI 3.x meta-schemas declare uniqueItems (of objects): blanking prose could make
# two distinct items equal or equal items distinct, so such a collision disables the skeleton.
_UNIQUE_ARRAYS = frozenset({"tags", "parameters"})
_PROSE = ("description", "summary")
_BLANK = "\x00prose"


class _Abstain(Exception):
    pass


def prose_skeleton(document: Any) -> str | None:
    """JSON of `document` with every prose string (``description``/``summary`` of an OpenAPI or
    Schema object) replaced by one placeholder, or None when that would not be sound.

    Used as a second key for "this document validates clean": the OpenAPI 3.0/3.1 meta-schemas
    constrain these fields only to be strings, so two documents with the same skeleton are
    either both valid or both invalid — except through ``uniqueItems`` arrays (tags,
    parameters), which is why two items of such an array that become equal here make this
    return None. Values under ``default``/``example``/``enum``/``x-*`` are never touched (defaults
    are validated against their schema), nor are map entries that happen to be called
    ``description`` (see `_MAP_KEYS`).
    """
    try:
        skeleton = _skeleton(document, None, 0)
        return json.dumps(skeleton, ensure_ascii=False, separators=(",", ":"))
    except (_Abstain, TypeError, ValueError, RecursionError):
        return None


def _skeleton(node: Any, parent_key: str | None, depth: int) -> Any:
    if depth > 400:
        raise _Abstain
    if isinstance(node, dict):
        blank = parent_key not in _MAP_KEYS
        out = {}
        for key, value in node.items():
            if not isinstance(key, str):
                raise _Abstain
            if blank and key in _PROSE and isinstance(value, str):
                out[key] = _BLANK
            elif key in _VERBATIM_KEYS or key.startswith("x-"):
                out[key] = value
            else:
                out[key] = _skeleton(value, key, depth + 1)
        return out
    if isinstance(node, list):
        items = [_skeleton(v, None, depth + 1) for v in node]
        if parent_key in _UNIQUE_ARRAYS and len(items) > 1 and any(isinstance(i, dict) for i in items):
            seen = set()
            for item in items:
                text = json.dumps(item, sort_keys=False, ensure_ascii=False)
                if text in seen:
                    raise _Abstain
                seen.add(text)
        return items
    return node


# --- models: docstrings filled in after datamodel-code-generator ---------------------------------
#
# dcg writes every schema/property description as a docstring (``use_schema_description`` /
# ``use_field_description``) and uses it nowhere else. So dcg runs on a copy of the spec in which
# each description is a token numbered by its position (so the copy does not change when a text
# does, even one that another schema shares), its output is cached under that copy, and the real texts are put in afterwards exactly as
# dcg would write them. A change of wording then costs a string substitution instead of a dcg run
# (~4 s). Anything unexpected (a token outside a docstring, a text dcg would not render as a
# docstring) makes `fill_docstrings` return None and the caller runs dcg on the real spec.
# tests/test_cache.py holds this to byte-identity with plain dcg on the Portkey spec and on
# adversarial descriptions.

_TOKEN_PREFIXES = ("Zq9Pkcg", "Zq8Pkcg", "Zq7Pkcg", "Zq6Pkcg")  # 7 characters each


def template_descriptions(spec: Any) -> tuple[Any, dict[str, str]] | None:
    """(`spec` with each description replaced by a token, token -> text), or None when no
    token prefix is free (the spec already contains all of them) or nothing is described."""
    import re

    try:
        flat = json.dumps(spec, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None
    prefix = next((p for p in _TOKEN_PREFIXES if p not in flat), None)
    if prefix is None:
        return None
    texts: dict[str, str] = {}  # token -> text
    pattern = re.compile(re.escape(prefix) + r"[0-9]{6}X")

    def walk(node: Any, parent_key: str | None) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "description" and isinstance(value, str) and parent_key not in _MAP_KEYS:
                    token = f"{prefix}{len(texts):06d}X"
                    texts[token] = value
                    out[key] = token
                elif key in _VERBATIM_KEYS or (isinstance(key, str) and key.startswith("x-")):
                    out[key] = value
                else:
                    out[key] = walk(value, key)
            return out
        if isinstance(node, list):
            return [walk(v, None) for v in node]
        return node

    try:
        templated = walk(spec, None)
    except RecursionError:
        return None
    if not texts or len(texts) >= 1_000_000:
        return None
    assert all(pattern.fullmatch(t) for t in texts)
    return templated, texts


def _docstring(text: str, indent: str) -> str | None:
    """The docstring literal dcg writes for `text` at `indent` (multi-line form), or None when
    dcg would write none (blank text) or the text is not plain enough to be sure."""
    from .models import _RAW_UNSAFE

    if not text.strip() or "\r" in text or _RAW_UNSAFE.search(text):
        return None  # escaped by render_models: take the full path rather than re-implement it
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\0", "\\x00")
    if indent:
        escaped = "\n".join(f"{indent}{line}" if line else "" for line in escaped.split("\n"))
    return f'"""\n{escaped}\n{indent}"""'


def fill_docstrings(source: str, texts: dict[str, str]) -> str | None:
    """`source` (dcg output for the templated spec) with each token's docstring replaced by the
    docstring of its text; None if any token appears other than as a whole docstring."""
    import re

    if not texts:
        return source
    prefix = next(iter(texts))[:7]
    block = re.compile(r'"""\n( *)(' + re.escape(prefix) + r'[0-9]{6}X)\n\1"""')
    failed = False

    def replace(match: "re.Match[str]") -> str:
        nonlocal failed
        text = texts.get(match.group(2))
        literal = None if text is None else _docstring(text, match.group(1))
        if literal is None:
            failed = True
            return match.group(0)
        return literal

    filled = block.sub(replace, source)
    if failed or prefix in block.sub("", source):
        return None
    return filled


# --- the IR as JSON -------------------------------------------------------------------------------------
#
# The whole-tree entry (see generator/__init__.py) stores the IR so that a hit can still return a
# real `ir.Api`. Only dataclasses defined in portkey_codegen.ir are rebuilt (by name, from that module),
# plus tuples, frozensets, lists, string-keyed dicts and JSON scalars; anything else is refused.
# A dataclass is ``{"$ir": [name, value, value...]}`` (positional: the payload is half the size
# and decodes twice as fast); `encode_ir` also returns each class's field names, which
# `decode_ir` checks against the classes it finds.


def encode_ir(value: Any) -> dict[str, Any]:
    import dataclasses

    from . import ir

    layouts: dict[str, list[str]] = {}

    def enc(value: Any) -> Any:
        if value is None or isinstance(value, (str, bool, int)):
            return value
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError("non-finite float")
            return value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = type(value)
            if getattr(ir, cls.__name__, None) is not cls:
                raise TypeError(f"not an IR class: {cls!r}")
            fields = dataclasses.fields(value)
            if any(not f.init for f in fields):
                raise TypeError(f"{cls.__name__} has fields outside __init__")
            layouts.setdefault(cls.__name__, [f.name for f in fields])
            return {"$ir": [cls.__name__, *(enc(getattr(value, f.name)) for f in fields)]}
        if isinstance(value, tuple):
            return {"$t": [enc(v) for v in value]}
        if isinstance(value, frozenset):
            return {"$fs": [enc(v) for v in value]}
        if isinstance(value, list):
            return [enc(v) for v in value]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"$d": {k: enc(v) for k, v in value.items()}}
        raise TypeError(f"cannot store {type(value).__name__} in the IR cache")

    encoded = enc(value)
    return {"layouts": layouts, "value": encoded}


def decode_ir(data: dict[str, Any]) -> Any:
    """The value `encode_ir` encoded; ValueError if anything does not fit the IR classes of now."""
    import dataclasses

    from . import ir

    classes: dict[str, type] = {}
    for name, stored in data["layouts"].items():
        cls = getattr(ir, str(name), None)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == ir.__name__):
            raise ValueError(f"unknown IR class {name!r}")
        if [f.name for f in dataclasses.fields(cls) if f.init] != stored:
            raise ValueError(f"fields of {name} changed")
        classes[name] = cls

    def dec(data: Any) -> Any:
        if data is None or isinstance(data, (str, bool, int, float)):
            return data
        if isinstance(data, list):
            return [dec(v) for v in data]
        if isinstance(data, dict) and len(data) == 1:
            if "$ir" in data:
                name, *values = data["$ir"]
                cls = classes[name]  # KeyError: a class the layouts do not list
                return cls(*[dec(v) for v in values])
            if "$t" in data:
                return tuple([dec(v) for v in data["$t"]])
            if "$fs" in data:
                return frozenset([dec(v) for v in data["$fs"]])
            if "$d" in data and isinstance(data["$d"], dict):
                return {k: dec(v) for k, v in data["$d"].items()}
        raise ValueError("not an encoded IR value")

    try:
        return dec(data["value"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"bad IR entry: {exc}") from None
