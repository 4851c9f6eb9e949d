"""Downstream CI: the pre-commit hook, the GitHub Actions example, and template overrides."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from project_paths import REPO

FIXTURE = REPO / "tests" / "fixtures" / "streaming.yaml"
BIN = Path(sys.executable).parent


def make_project(tmp_path: Path, spec_name: str = "spec/openapi.yaml") -> Path:
    proj = tmp_path / "proj"
    (proj / "spec").mkdir(parents=True)
    shutil.copy(FIXTURE, proj / spec_name)
    (proj / "pyproject.toml").write_text(
        f'[tool.portkey-codegen]\nspec = "{spec_name}"\nout = "generated"\npackage-name = "fx"\n'
        'parts = ["models", "client"]\n'
    )
    return proj


def run_shell(command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300
    )


def test_pre_commit_hook_runs_check(tmp_path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "portkey-codegen-check"]
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    proj = make_project(tmp_path)
    stale = run_shell(hook["entry"], proj)  # nothing generated yet: stale
    assert stale.returncode == 1, stale.stderr
    assert run_shell("portkey-codegen generate", proj).returncode == 0
    fresh = run_shell(hook["entry"], proj)
    assert fresh.returncode == 0, fresh.stderr
    (proj / "generated" / "fx" / "models.py").write_text("# tampered\n")
    assert run_shell(hook["entry"], proj).returncode == 1


def test_workflow_example_is_what_init_writes():
    from portkey_codegen.config import PARTS
    from portkey_codegen.scaffold import Plan, workflow_text

    assert (REPO / "docs" / "github-actions.yml").read_text() == workflow_text(Plan("generated", "portkey_api", PARTS, False))


def test_action_steps_on_a_project_with_its_own_spec_file(tmp_path):
    """The action on a project whose spec is a file in the repository: check, then the API diff
    of that file against the base branch's, posted through `gh` (the pinned-spec flow is played
    from an installed wheel in tests/test_wheel_install.py)."""
    from action_steps import fake_gh, git, run_step

    proj = make_project(tmp_path)
    assert run_shell("portkey-codegen generate", proj).returncode == 0
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "base")
    git(proj, "update-ref", "refs/remotes/origin/main", "HEAD")
    spec = proj / "spec" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("        delta: {type: string}\n", ""))  # a breaking change
    assert run_shell("portkey-codegen generate", proj).returncode == 0
    fake_bin, body = fake_gh(tmp_path / "bin")
    env = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}"}
    expressions = {
        "inputs.base-ref": "main", "inputs.comment": "true", "github.event.pull_request.number": "7",
        "runner.temp": str(tmp_path), "github.token": "t",
    }  # fmt: skip
    check = run_step("Generated code is up to date", proj, expressions, env)
    assert check.returncode == 0, check.stderr
    diff = run_step("API diff against the base branch", proj, expressions, env)
    assert diff.returncode == 0, diff.stderr
    assert (tmp_path / "bin" / "gh-args.txt").read_text().startswith("pr comment 7")
    assert "## API diff" in body.read_text() and "delta" in body.read_text()
    assert (tmp_path / "portkey-codegen-api-diff.md").is_file()  # under runner.temp, not the system temp


def test_template_override_adds_a_header_to_every_method(tmp_path, monkeypatch):
    """The worked example of README 'Custom templates'."""
    import httpx

    user = tmp_path / "my-templates" / "client"
    user.mkdir(parents=True)
    (user / "method_prologue.py.j2").write_text(
        '        extra_headers = {"x-team": "search", **(extra_headers or {})}\n'
    )
    proj = make_project(tmp_path)
    proc = run_shell(f"portkey-codegen generate --templates {tmp_path / 'my-templates'}", proj)
    assert proc.returncode == 0, proc.stderr
    monkeypatch.syspath_prepend(str(proj / "generated"))
    for name in [m for m in sys.modules if m == "fx" or m.startswith("fx.")]:
        monkeypatch.delitem(sys.modules, name)
    client_mod = importlib.import_module("fx.client")
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "c1", "text": "hi"})

    client = client_mod.StreamingFixture(
        example_api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    result = client.chat.create_chat_completion(model="m", messages=[])
    assert result.id == "c1"
    assert seen[0].headers["x-team"] == "search"
    assert seen[0].headers["x-example-api-key"] == "k"
    # the default template adds nothing
    proc = run_shell("portkey-codegen check", proj)
    assert proc.returncode == 1  # check without the override sees the difference
