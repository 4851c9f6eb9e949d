"""Settings: [tool.portkey-codegen] in pyproject.toml, then command-line flags on top."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .diagnostics import error

PARTS = ("models", "client", "server")
NAMING_MODES = ("path", "operation-id")


@dataclass(frozen=True)
class Config:
    spec: Path | str | None = None  # None: the pinned spec (fetch.py); a str is an https URL
    pin: Path | None = None  # spec/pin.yaml
    overlay: Path | None = None
    names: Path | None = None  # naming overrides
    out: Path = Path("generated")
    package_name: str = "portkey_api"
    parts: tuple[str, ...] = PARTS
    templates: Path | None = None  # user templates overriding built-in ones by file name
    spec_changed: bool = False  # accept a spec whose sha256 differs from the pin
    lenient: bool = False  # validation errors become warnings
    # method names: "path" (the path rule) or "operation-id" (see README); None: the names file's
    # `naming` (the Portkey preset's says "path"), else "operation-id" (naming_settings.resolve_naming)
    naming: str | None = None
    # names skip a version/API path prefix: "auto", False (never) or "/v1"; None: the names file's
    # `path_prefix`, else "auto" (generator/lower/path_prefix.py, naming_settings.resolve_path_prefix)
    path_prefix: str | bool | None = None
    allow_remote_refs: bool = False
    verbose: bool = False
    no_cache: bool = False  # skip the stage cache (see generator/cache.py)
    root: Path = Path(".")  # folder relative paths in the config file are taken from
    # What only steers the run, not the output: left out of repr(), which the stage cache keys on.
    preset: str | None = field(default=None, repr=False)  # "portkey": pin/overlay/names are the shipped preset's
    warnings_as_errors: bool = field(default=False, repr=False)  # any warning is an error (exit 2, nothing written)
    quiet: bool = field(default=False, repr=False)  # print errors only


KEYS = {
    "spec": "spec",
    "pin": "pin",
    "overlay": "overlay",
    "names": "names",
    "out": "out",
    "package-name": "package_name",
    "parts": "parts",
    "templates": "templates",
    "lenient": "lenient",
    "naming": "naming",
    "path-prefix": "path_prefix",
    "allow-remote-refs": "allow_remote_refs",
    "preset": "preset",
    "warnings-as-errors": "warnings_as_errors",
}
PRESETS = ("portkey", "none")
PRESET_FILES = ("pin", "overlay", "names")  # spec/pin.yaml etc., shipped as portkey_codegen.preset
PATH_KEYS = {"spec", "pin", "overlay", "names", "out", "templates"}


def find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                table = tomllib.loads(candidate.read_text("utf-8")).get("tool", {})
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "portkey-codegen" in table:
                return candidate
    return None


def _path_value(name: str, value: Any, root: Path) -> Any:
    from .fetch import is_url

    if name == "spec" and is_url(str(value)):
        return str(value)  # downloaded when used (generator/fetch.py); never a path
    value = Path(value)
    return value if value.is_absolute() else (root / value).resolve()


def load_config(pyproject: Path | None = None, *, without: tuple[str, ...] = (), **overrides: Any) -> Config:
    """Read the config table (if any) and apply `overrides` (flags; None means "not given").

    `without` names settings to clear whatever the table says (``--no-overlay`` -> "overlay").
    An overlay or names file that does not exist is an error naming where it was set.
    """
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    root = Path.cwd()
    if pyproject is None:
        pyproject = find_pyproject(Path.cwd())
    if pyproject is not None:
        root = pyproject.parent
        try:
            table = tomllib.loads(pyproject.read_text("utf-8")).get("tool", {}).get("portkey-codegen", {})
        except tomllib.TOMLDecodeError as exc:
            raise error(f"invalid TOML: {exc}", file=str(pyproject)) from None
        for key, value in table.items():
            if key not in KEYS:
                raise error(
                    f"unknown key {key!r} in [tool.portkey-codegen]",
                    file=str(pyproject),
                    hint="known keys: " + ", ".join(sorted(KEYS)),
                )
            name = KEYS[key]
            if name in PATH_KEYS:
                value = _path_value(name, value, root)
            if name == "parts":
                value = tuple(value)
            values[name] = value
            origin[name] = f"`{key}` in {pyproject}"
    for name, value in overrides.items():
        if value is None:
            continue
        if name in PATH_KEYS:
            value = _path_value(name, value, Path.cwd())
        origin[name] = "--" + name.replace("_", "-")
        values[name] = value
    for name in without:
        values.pop(name, None)
    _apply_preset(values, origin, without)
    for name in ("overlay", "names"):
        if name in values and not Path(values[name]).is_file():
            raise error(
                f"{name} file {values[name]} (from {origin.get(name, name)}) does not exist",
                hint=f"fix the path, or pass --no-{name} to run without one",
            )
    values.setdefault("root", root)
    if "out" not in values:
        values["out"] = (root / "generated").resolve()
    if "package_name" in values:
        check_package_name(str(values["package_name"]))
    known = {f.name for f in fields(Config)}
    cfg = Config(**{k: v for k, v in values.items() if k in known})
    if cfg.naming is not None and cfg.naming not in NAMING_MODES:
        raise error(
            f"invalid naming {cfg.naming!r} (from {origin.get('naming', 'naming')})",
            hint="naming is one of: " + ", ".join(NAMING_MODES),
        )
    if cfg.path_prefix is not None:
        from .lower.path_prefix import check_setting

        check_setting(cfg.path_prefix, f"from {origin.get('path_prefix', 'path_prefix')}")
    bad = [p for p in cfg.parts if p not in PARTS]
    if bad or "models" not in cfg.parts:
        raise error(
            f"invalid parts {list(cfg.parts)!r}",
            hint="parts are chosen from models, client, server; models is always needed",
        )
    return cfg


def preset_file(name: str) -> Path:
    """The shipped Portkey preset's `pin`, `overlay` or `names` file (package data)."""
    from importlib import resources

    return Path(str(resources.files("portkey_codegen.preset"))) / f"{name}.yaml"


def _apply_preset(values: dict[str, Any], origin: dict[str, str], without: tuple[str, ...]) -> None:
    """The Portkey preset fills pin, overlay and names when the project pins nothing of its own and
    gives no spec (an explicit ``preset = "portkey"`` applies it to a `--spec` file as well: the
    pin then checks that file). ``preset = "none"`` turns it off."""
    preset = values.get("preset", "portkey")
    if preset not in PRESETS:
        raise error(
            f"unknown preset {preset!r} (from {origin.get('preset', 'preset')})",
            hint="known presets: " + ", ".join(PRESETS),
        )
    explicit = "preset" in values
    values.pop("preset", None)
    if preset == "none" or "pin" in values or (values.get("spec") is not None and not explicit):
        return
    for name in PRESET_FILES:
        if name not in values and name not in without:
            values[name] = preset_file(name)
            origin[name] = f"the {preset} preset"
    values["preset"] = preset


# Top-level modules the generated code imports at run time: a package of that name would shadow them.
RUNTIME_IMPORTS = frozenset(
    {
        "pydantic", "pydantic_core", "httpx", "httpcore", "fastapi", "starlette", "anyio", "multipart",
        "python_multipart", "typing_extensions", "annotated_types", "uvicorn", "h11", "idna", "sniffio",
    }
)  # fmt: skip


def check_package_name(name: str) -> None:
    """A dotted Python package path we can create under the output folder, shadowing nothing."""
    import keyword

    parts = name.split(".")
    bad = (
        not name
        or any(not p.isidentifier() or keyword.iskeyword(p) or not p.isascii() for p in parts)
        or parts[0] in sys.stdlib_module_names
        or parts[0] in ("portkey_codegen", "sitecustomize", "usercustomize", "conftest", "__init__", "__main__")
        or parts[0] in RUNTIME_IMPORTS
    )
    if bad:
        raise error(
            f"invalid package name {name!r}",
            hint="use a dotted path of ASCII identifiers that shadows no standard-library module or "
            "run-time dependency (pydantic, httpx, fastapi...), "
            "e.g. portkey_api or myapp._vendor.portkey",
        )

