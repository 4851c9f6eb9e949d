"""Format generated Python so it is black-clean."""

from __future__ import annotations

from typing import Mapping

import black

MODE = black.Mode(target_versions={black.TargetVersion.PY310})


def format_python(source: str, name: str = "<generated>") -> str:
    try:
        return black.format_str(source, mode=MODE)
    except black.InvalidInput as exc:  # a template bug, not bad input: say which file
        raise RuntimeError(f"generated {name} is not valid Python: {exc}") from None


def format_tree(files: Mapping[str, str]) -> dict[str, str]:
    return {rel: format_python(text, rel) if rel.endswith(".py") else text for rel, text in files.items()}
