"""The pin of the upstream spec (spec/pin.yaml) and its update after a spec change."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .config import Config
from .diagnostics import error
from .load import load_spec


def update_pin(config: Config, new_spec: Path, sha256: str, commit: str | None = None) -> list[str]:
    """Record `new_spec`'s sha256 (and commit) in the pin; point the config's `spec` at it.

    Returns human-readable lines describing what changed.
    """
    changed: list[str] = []
    pin = Path(config.pin) if config.pin else None
    if pin is not None:
        text = pin.read_text("utf-8") if pin.is_file() else "source: {}\nsha256: ''\n"
        new = re.sub(r"(?m)^sha256:.*$", f"sha256: {sha256}", text)
        if "sha256:" not in new:
            new += f"sha256: {sha256}\n"
        if commit:
            if re.search(r"(?m)^  commit:.*$", new):
                new = re.sub(r"(?m)^  commit:.*$", f"  commit: {commit}", new)
            else:
                new += f"# commit of the adopted spec\nsource_commit: {commit}\n"
        if new != text:
            _atomic_write(pin, new)
            changed.append(f"updated {pin.name}: sha256 {sha256}" + (f", commit {commit}" if commit else ""))
    pyproject = config.root / "pyproject.toml"
    if config.spec is not None and Path(config.spec).resolve() != new_spec and pyproject.is_file():
        text = pyproject.read_text("utf-8")
        rel = os.path.relpath(new_spec, config.root)
        table = re.search(r"(?ms)^\[tool\.portkey-codegen\]\n(.*?)(?=^\[|\Z)", text)
        if table and re.search(r'(?m)^spec\s*=.*$', table.group(1)):
            quoted = json.dumps(rel)  # a JSON string is a valid TOML basic string
            body = re.sub(r"(?m)^spec\s*=.*$", lambda _: f"spec = {quoted}", table.group(1), count=1)
            new = text[: table.start(1)] + body + text[table.end(1) :]
            _atomic_write(pyproject, new)
            changed.append(f"updated pyproject.toml: spec = {rel!r}")
    return changed


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def check_pin(config: Config, sha256: str, spec_path: Path) -> None:
    """Refuse a spec whose sha256 is not the pinned one (unless the run accepts a spec change)."""
    if config.pin is None or not Path(config.pin).is_file() or config.spec_changed:
        return
    pinned = str(load_spec(Path(config.pin)).document.get("sha256", ""))
    if pinned and pinned != sha256:
        raise error(
            f"spec sha256 {sha256} differs from the pin {pinned} in {config.pin}",
            file=str(spec_path),
            hint="the upstream spec changed: review it with `portkey-codegen diff`, then run with "
            "--spec-changed (or `portkey-codegen update --spec NEW`) to accept it; for another API "
            "than the pinned one, pass --no-pin --no-overlay --no-names",
        )
