"""Which naming rules a run uses: the names file (spec/names.yaml, or the project's own) read
into `Overrides`, with the method naming mode and the path prefix each resolved from the
config (or its --flags) first, then the names file."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from .config import Config
from .diagnostics import GeneratorError, error
from .load import load_spec


def naming_rules(config: Config) -> Any:
    """The naming rules of `config.names` (spec/names.yaml), or the defaults."""
    from .lower.operations import Overrides  # with the IR builder: not on the unchanged-spec path

    data = _names_data(config)
    prefix = resolve_path_prefix(config, data)
    return Overrides.from_mapping(data, naming=resolve_naming(config, data)[0], prefix=prefix)


def _names_data(config: Config) -> Any:
    if config.names is not None and Path(config.names).is_file():
        return load_spec(Path(config.names)).document
    return None


def resolve_naming(config: Config, names_data: Any = ...) -> tuple[str, str]:
    """(method naming mode, why): `naming` from the config or --naming; else `naming:` in the names
    file (the Portkey preset's says "path", so Portkey's output keeps its names); else
    "operation-id", the default for every other spec."""
    from .config import NAMING_MODES

    if config.naming is not None:
        return config.naming, "set by `naming` in [tool.portkey-codegen] or --naming"
    data = _names_data(config) if names_data is ... else names_data
    value = data.get("naming") if isinstance(data, dict) else None
    if value is None:
        return "operation-id", 'the default for a spec whose names file sets no `naming`; `naming = "path"` for path names'
    if value not in NAMING_MODES:
        names = Path(str(config.names))
        raise error(
            f"invalid naming {value!r} in the names file",
            **load_spec(names).where("#/naming"),
            hint="naming is one of: " + ", ".join(NAMING_MODES),
        )
    return str(value), f"from `naming:` in {config.names}"


def resolve_path_prefix(config: Config, names_data: Any) -> str | None:
    """The path prefix names skip: "auto", None (none) or "/v1", from `path-prefix` in the config,
    else `path_prefix:` in the names file, else "auto" (generator/lower/path_prefix.py)."""
    from .lower.path_prefix import AUTO, check_setting

    if config.path_prefix is not None:
        return check_setting(config.path_prefix, "`path-prefix` in [tool.portkey-codegen]")
    if not isinstance(names_data, dict) or "path_prefix" not in names_data:
        return AUTO
    try:
        return check_setting(names_data["path_prefix"], f"`path_prefix:` in {config.names}")
    except GeneratorError as exc:
        where = load_spec(Path(str(config.names))).where("#/path_prefix")
        raise GeneratorError([dataclasses.replace(d, **where) for d in exc.diagnostics]) from None
