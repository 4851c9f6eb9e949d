"""Jinja2 environment and file planning: templates only lay out what the IR decided."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from . import textsafe

BUILTIN_TEMPLATES = "portkey_codegen.templates"


def builtin_template_dir() -> Path:
    return Path(str(resources.files(BUILTIN_TEMPLATES)))


def make_env(user_templates: Path | None = None) -> jinja2.Environment:
    """User templates (by file name) win over the built-in ones."""
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_templates)))
    loaders.append(jinja2.FileSystemLoader(str(builtin_template_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        # Spec text is passed as data, never as template source, so Jinja syntax in it stays literal.
    )
    env.filters["py"] = textsafe.py_literal
    env.filters["docstring"] = textsafe.docstring_body
    env.filters["comment"] = textsafe.comment
    env.filters["md"] = textsafe.markdown_cell
    return env


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    return env.get_template(name).render(**context)


def static_file(name: str, user_templates: Path | None = None) -> str:
    """A runtime .py file copied as-is (user override by the same file name wins)."""
    if user_templates is not None and (user_templates / name).is_file():
        return (user_templates / name).read_text("utf-8")
    return (builtin_template_dir() / name).read_text("utf-8")


def static_files(names: tuple[str, ...], user_templates: Path | None = None) -> dict[str, str]:
    """Runtime files and folders copied as-is, by their name under the templates folder: a
    `.py` file, or a folder whose `.py` files (all levels) are copied with their relative paths.
    Returns template-relative path -> text; a user override of one file by its path wins."""
    root = builtin_template_dir()
    out: dict[str, str] = {}
    for name in names:
        if not (root / name).is_dir():
            out[name] = static_file(name, user_templates)
            continue
        for path in sorted((root / name).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            out[rel] = static_file(rel, user_templates)
    return out
