"""Format generated Python so it is black-clean.

black takes 30-40 s on the ~50,000 lines generated for the Portkey spec; `ruff format` takes
0.2 s and, on the code our templates and datamodel-code-generator produce, gives black's output
(tests/test_pipeline.py runs `black --check` on the generated tree to hold us to that). So ruff
formats when it is installed; black is the fallback and can be forced with
PORTKEY_CODEGEN_FORMATTER=black.

With a `cache.Cache`, each file's formatted text is looked up by the hash of its unformatted
text (and the formatter's identity), and only the files that miss are formatted: an unchanged
file is never formatted twice. black is imported only when it formats (0.1 s of imports).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from .cache import Cache

RUFF_ARGS = ["format", "--isolated", "--line-length", "88", "--target-version", "py310", "--quiet"]
LINE_LENGTH = 88


class FormattingError(RuntimeError):
    """Generated code that does not parse: a generator bug (spec text never reaches code unescaped)."""


@lru_cache(maxsize=1)
def _black_mode() -> Any:
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310}, line_length=LINE_LENGTH)


def format_python(source: str, name: str = "<generated>") -> str:
    rel = name if name.endswith(".py") else name + ".py"
    return format_tree({rel: source})[rel]


def _black(files: Mapping[str, str]) -> dict[str, str]:
    import black

    out = {}
    for rel, text in files.items():
        try:
            out[rel] = black.format_str(text, mode=_black_mode())
        except black.InvalidInput as exc:
            raise FormattingError(f"generated {rel} is not valid Python: {exc}") from None
    return out


def ruff_binary() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-not-found]

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def _ruff(files: Mapping[str, str], ruff: str, threads: int | None = None) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="portkey-codegen-fmt-") as tmp:
        root = Path(tmp)
        names = {}
        for i, (rel, text) in enumerate(sorted(files.items())):
            path = root / f"f{i}.py"  # flat, generator-chosen names: nothing from the spec touches the disk here
            path.write_text(text, "utf-8")
            names[rel] = path
        proc = subprocess.run(
            [ruff, *RUFF_ARGS, "--no-cache", *[str(p) for p in names.values()]],
            capture_output=True,
            text=True,
            cwd=tmp,
            timeout=300,
            env={**os.environ, "RAYON_NUM_THREADS": str(threads)} if threads else None,
        )
        if proc.returncode != 0:
            raise FormattingError(f"generated code is not valid Python:\n{proc.stderr.strip()[:2000]}")
        return {rel: path.read_text("utf-8") for rel, path in names.items()}


def _formatter() -> tuple[str, str | None]:
    """("ruff", binary) or ("black", None)."""
    ruff = None if os.environ.get("PORTKEY_CODEGEN_FORMATTER") == "black" else ruff_binary()
    return ("ruff", ruff) if ruff else ("black", None)


def formatter_identity() -> str:
    """What decides the formatted text besides the input: the tool, its version and arguments.
    (The installed ruff/black versions are also in cache.fingerprint(); a ruff found on PATH is
    identified by its path, size and mtime.)"""
    kind, binary = _formatter()
    ident = f"{kind} {' '.join(RUFF_ARGS) if kind == 'ruff' else LINE_LENGTH}"
    if binary:
        try:
            st = os.stat(binary)
            ident += f" {binary} {st.st_size} {st.st_mtime_ns}"
        except OSError:
            ident += f" {binary}"
    return ident


def format_tree(
    files: Mapping[str, str],
    cache: "Cache | None" = None,
    skip: Iterable[str] = (),
    threads: int | None = None,
) -> dict[str, str]:
    """Format every .py file of the tree but those in `skip`; other files pass through.

    With `cache`, formatted texts are looked up per file, by the formatter and the text.
    `threads`: how many threads ruff may use (default: one per core).
    """
    skipped = set(skip)
    py = {rel: text for rel, text in files.items() if rel.endswith(".py") and rel not in skipped}
    kind, ruff = _formatter()
    formatted: dict[str, str] = {}
    keys: dict[str, str] = {}
    if cache is not None and cache.enabled and py:
        ident = formatter_identity()
        for rel, text in py.items():
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            keys[rel] = cache.key("format", ident, digest)
            hit = cache.get("format", keys[rel])
            if isinstance(hit, str):
                formatted[rel] = hit
    todo = {rel: text for rel, text in py.items() if rel not in formatted}
    if todo:
        done = _ruff(todo, ruff, threads) if ruff else _black(todo)
        formatted.update(done)
        for rel, text in done.items():
            if rel in keys:
                cache.put("format", keys[rel], text)  # type: ignore[union-attr]
    return {rel: formatted.get(rel, text) for rel, text in files.items()}


if __name__ == "__main__":  # pragma: no cover - debugging aid: format stdin
    sys.stdout.write(format_python(sys.stdin.read()))
