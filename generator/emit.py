"""Plan the output tree: which file comes from which template, with which IR."""

from __future__ import annotations

from typing import Any

from .config import Config
from .ir import Api
from .render import make_env, render


def emit_files(api: Api, models_source: str, config: Config) -> dict[str, str]:
    """Relative path (under the output folder) -> file text, unformatted."""
    env = make_env(config.templates)
    pkg = api.package_name.replace(".", "/")
    ctx: dict[str, Any] = {"api": api, "header": header_lines(api), "parts": config.parts}
    files: dict[str, str] = {
        f"{pkg}/__init__.py": render(env, "package/__init__.py.j2", **ctx),
        f"{pkg}/models.py": models_source,
        f"{pkg}/py.typed": "",
        "API.md": render(env, "API.md.j2", **ctx),
    }
    header = header_lines(api)
    if "client" in config.parts:
        from .emit_client import emit_client

        files.update(emit_client(api, env, header, config.templates))
    if "server" in config.parts:
        from .emit_server import emit_server

        files.update(emit_server(api, env, header, config.templates))
    return files


def header_lines(api: Api) -> str:
    from . import file_header

    return file_header(api)
