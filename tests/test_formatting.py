"""format_tree: ruff's thread count (one thread while the models child has the other core)."""

from __future__ import annotations

import subprocess

import pytest

from portkey_codegen import formatting

SOURCE = {"a.py": "x = {'a':1}\n", "b.py": "def f( y ):\n  return y\n", "notes.md": "kept as is\n"}


def test_one_thread_formats_the_same_and_says_so_to_ruff(monkeypatch: pytest.MonkeyPatch) -> None:
    default = formatting.format_tree(SOURCE)
    seen: list[object] = []
    real = subprocess.run

    def recording(*args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("env"))
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(formatting.subprocess, "run", recording)
    assert formatting.format_tree(SOURCE, threads=1) == default
    assert default["a.py"] == 'x = {"a": 1}\n' and default["notes.md"] == "kept as is\n"
    formatting.format_tree(SOURCE)
    (one, unset) = seen
    assert isinstance(one, dict) and one["RAYON_NUM_THREADS"] == "1"
    assert unset is None  # ruff's default: a thread per core
