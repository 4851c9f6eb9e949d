"""`portkey-codegen api-diff --base REF`: the API diff between the spec a base revision's generated
code came from and the current one, for a pull-request comment (action.yml runs it).

The generated package's manifest records its spec (sha256 and, for a pinned spec, the upstream
repository, path and commit: output.py, fetch.spec_record). The base revision's manifest is read
with `git show`; when the sha256 differs, both specs are fetched by commit like the pinned spec
(cache, mirror, sha256-checked) and compared. A spec kept as a file in the repository (`spec` in
the config) is read from the base revision instead. Same spec: nothing is printed, exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .diagnostics import error

__all__ = ["add_api_diff_parser", "main_api_diff"]


def add_api_diff_parser(sub) -> None:
    p = sub.add_parser("api-diff", help="API diff of the spec against a base git revision's (for CI comments)")
    p.add_argument("--base", required=True, metavar="REF", help="git revision to compare with, e.g. origin/main")
    p.add_argument("--config", type=Path, help="pyproject.toml holding [tool.portkey-codegen]")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="markdown")
    p.add_argument(
        "--fail-on", choices=("breaking", "breaking-client", "breaking-server", "any", "never"), default="never"
    )


def _git_show(root: Path, ref: str, rel: str) -> bytes | None:
    done = subprocess.run(["git", "show", f"{ref}:{rel}"], cwd=root, capture_output=True, check=False)
    return done.stdout if done.returncode == 0 else None


def _spec_of(record: dict, where: str) -> Path:
    """The local file of a manifest's spec record: fetched by commit, sha256-checked."""
    from .fetch import PinnedSource, fetch_source

    if not all(isinstance(record.get(k), str) for k in ("sha256", "repository", "path", "commit")):
        raise error(
            f"the manifest {where} records no upstream source for spec sha256 {record.get('sha256')}",
            hint="regenerate that revision with portkey-codegen >= 0.2.0 and a pinned spec, or compare "
            "two files with `portkey-codegen diff OLD NEW`",
        )
    return fetch_source(PinnedSource(Path(where), record["repository"], record["path"], record["commit"], record["sha256"]))


def _manifest_record(data: bytes | str | None) -> dict:
    try:
        spec = json.loads(data or "{}").get("spec")
    except (ValueError, AttributeError):
        return {}
    return spec if isinstance(spec, dict) else {}


def main_api_diff(args: argparse.Namespace) -> int:
    from .config import load_config
    from .diff import main_diff
    from .output import MANIFEST, repository_root

    config = load_config(args.config)
    folder = Path(config.out) / str(config.package_name).replace(".", "/")
    root = repository_root(folder)
    rel = Path(os.path.relpath((folder / MANIFEST).resolve(), root)).as_posix()
    current = _manifest_record((folder / MANIFEST).read_text("utf-8") if (folder / MANIFEST).is_file() else None)
    if not current:
        raise error(f"{folder / MANIFEST} records no spec", hint="run `portkey-codegen generate` first")
    base = _manifest_record(_git_show(root, args.base, rel))
    if not base:
        print(f"note: {args.base}:{rel} records no spec: nothing to compare", file=sys.stderr)
        return 0
    if base.get("sha256") == current.get("sha256"):
        print(f"note: the spec is unchanged since {args.base} (sha256 {current['sha256']})", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="portkey-codegen-api-diff-") as tmp:
        if "commit" not in current and config.spec is not None and Path(config.spec).is_file():
            new = Path(config.spec)  # a spec file of the repository: the base revision has its own
            spec_rel = Path(os.path.relpath(new.resolve(), root)).as_posix()
            old = Path(tmp) / "base-spec.yaml"
            old.write_bytes(_git_show(root, args.base, spec_rel) or b"")
        else:
            new = _spec_of(current, str(folder / MANIFEST))
            old = _spec_of(base, f"{args.base}:{rel}")
        text, code = main_diff(old, new, fmt=args.format, fail_on=args.fail_on)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return code
