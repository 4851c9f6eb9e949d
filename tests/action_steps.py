"""Run the composite action's (action.yml) shell steps as a script, as GitHub would, with the
`${{ ... }}` expressions given by the test (tests/test_ci_integration.py, tests/test_wheel_install.py)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

from project_paths import REPO


def action_steps() -> dict[str, dict]:
    action = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    return {step["name"]: step for step in action["runs"]["steps"] if "name" in step}


def fake_gh(folder: Path) -> tuple[Path, Path]:
    """A `gh` that records its arguments and the --body-file it is given; returns (bin, body file)."""
    folder.mkdir(parents=True, exist_ok=True)
    body = folder / "gh-body.md"
    gh = folder / "gh"
    gh.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$@" > {folder / "gh-args.txt"}\n'
        f'while [ $# -gt 0 ]; do if [ "$1" = --body-file ]; then cp "$2" {body}; fi; shift; done\n'
    )
    gh.chmod(0o755)
    return folder, body


def run_step(name: str, cwd: Path, expressions: dict[str, str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The step's `run`, in bash -eo pipefail (GitHub's `shell: bash`), its `env` with each
    `${{ expr }}` replaced from `expressions` (an expression not given is an error)."""
    step = action_steps()[name]
    assert step["shell"] == "bash"

    def value(text: str) -> str:
        return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: expressions[m.group(1)], str(text))

    step_env = {key: value(v) for key, v in (step.get("env") or {}).items()}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd, env={**env, **step_env}, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.test", "-c", "user.name=t", *args], cwd=cwd, check=True,
                   capture_output=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})  # fmt: skip
