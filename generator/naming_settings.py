"""Which naming rules a run uses: the names file (spec/names.yaml, or the project's own) read
into `Overrides`, with the method naming mode and the path prefix each resolved from the
config (or its --flags) first, then the names file."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import EllipsisType
from typing import Any

from .config import Config
from .diagnostics import GeneratorError, error
from .load import LoadedSpec, load_spec


def naming_rules(config: Config) -> Any:
    """The naming rules of `config.names` (spec/names.yaml), or the defaults."""
    from .lower.operations import Overrides  # with the IR builder: not on the unchanged-spec path

    names = _names_file(config)
    prefix = resolve_path_prefix(config, names)
    data = names.document if names is not None else None
    return Overrides.from_mapping(data, naming=resolve_naming(config, names)[0], prefix=prefix)


def _names_file(config: Config) -> LoadedSpec | None:
    """The names file, loaded (its errors then point at file:line), or None without one."""
    if config.names is not None and Path(config.names).is_file():
        return load_spec(Path(config.names))
    return None


def resolve_naming(config: Config, names: LoadedSpec | None | EllipsisType = ...) -> tuple[str, str]:
    """(method naming mode, why): `naming` from the config or --naming; else `naming:` in the names
    file (the Portkey preset's says "path", so Portkey's output keeps its names); else
    "operation-id", the default for every other spec."""
    from .config import NAMING_MODES

    if config.naming is not None:
        return config.naming, "set by `naming` in [tool.portkey-codegen] or --naming"
    names = _names_file(config) if isinstance(names, EllipsisType) else names
    data = names.document if names is not None else None
    value = data.get("naming") if isinstance(data, dict) else None
    if value is None:
        return "operation-id", 'the default for a spec whose names file sets no `naming`; `naming = "path"` for path names'
    if value not in NAMING_MODES:
        assert names is not None  # the value came from it
        raise error(
            f"invalid naming {value!r} in the names file",
            **names.where("#/naming"),
            hint="naming is one of: " + ", ".join(NAMING_MODES),
        )
    return str(value), f"from `naming:` in {config.names}"


def resolve_path_prefix(config: Config, names: LoadedSpec | None) -> str | None:
    """The path prefix names skip: "auto", None (none) or "/v1", from `path-prefix` in the config,
    else `path_prefix:` in the names file, else "auto" (generator/lower/path_prefix.py)."""
    from .lower.path_prefix import AUTO, check_setting

    if config.path_prefix is not None:
        return check_setting(config.path_prefix, "`path-prefix` in [tool.portkey-codegen]")
    if names is None or not isinstance(names.document, dict) or "path_prefix" not in names.document:
        return AUTO
    try:
        return check_setting(names.document["path_prefix"], f"`path_prefix:` in {config.names}")
    except GeneratorError as exc:
        where = names.where("#/path_prefix")
        raise GeneratorError([dataclasses.replace(d, **where) for d in exc.diagnostics]) from None
