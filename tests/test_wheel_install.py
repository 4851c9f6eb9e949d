"""Done-when of the install story: the built wheel alone, in a fresh venv, in a new git repository
that is not this one. `init`, generate, check, the pre-commit hook's entry and the action's steps
run there as a user's would, the spec downloaded through a loopback mirror (no network).

One module-scoped run plays the whole story and records every command with its exit code (the
transcript is printed with `-s`); the tests below assert on it.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from action_steps import action_steps, fake_gh, run_step
from project_paths import NEXT_PIN, PIN, REPO, RUNTIME_FILES

pytestmark = pytest.mark.timeout(900)
PACKAGE = "myapp._vendor.portkey"
PACKAGE_DIR = "src/myapp/_vendor/portkey"
SOURCES = ("pyproject.toml", "README.md", "CHANGELOG.md", "generator", "templates", "spec")


class Story:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.repo = root / "user-repo"
        self.transcript: list[tuple[str, int]] = []
        self.outputs: dict[str, subprocess.CompletedProcess[str]] = {}

    def sh(self, command: str, key: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["bash", "-c", command], cwd=cwd or self.repo, env=self.env, capture_output=True, text=True, timeout=600
        )
        self.transcript.append((command, done.returncode))
        self.outputs[key or command] = done
        return done


def build(root: Path) -> tuple[Path, Path]:
    """sdist, then the wheel from it (`python -m build`), from a copy of the sources."""
    src = root / "source"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / name, src / name)
    dist = root / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="module")
def story(tmp_path_factory, portkey_spec_path, next_spec_path) -> Story:
    from fakes.spec_mirror import serve_pins

    root = tmp_path_factory.mktemp("wheel-install")
    wheel, sdist = build(root)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    mirror = serve_pins([(PIN, portkey_spec_path), (NEXT_PIN, next_spec_path)])
    fake_bin, _ = fake_gh(root / "bin")
    (root / "home").mkdir()
    env = {
        "PATH": os.pathsep.join([str(fake_bin), str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(root / "home"), "LANG": "C.UTF-8", "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "u", "GIT_AUTHOR_EMAIL": "u@example.test",
        "GIT_COMMITTER_NAME": "u", "GIT_COMMITTER_EMAIL": "u@example.test",
        "PORTKEY_CODEGEN_SPEC_MIRROR": mirror.url, "PORTKEY_CODEGEN_CACHE_DIR": str(root / "cache"),
    }  # fmt: skip
    s = Story(root, env)
    s.wheel, s.sdist = wheel, sdist
    s.repo.mkdir()
    try:
        play(s, root)
    finally:
        mirror.stop()
    print("\n".join(f"$ {command}   # exit {code}" for command, code in s.transcript))
    return s


def play(s: Story, root: Path) -> None:
    s.sh("git init -q -b main")
    s.sh("python -c 'import portkey_codegen; print(portkey_codegen.__file__)'", "where")
    s.sh(f"portkey-codegen init --out src --package-name {PACKAGE}", "init")
    s.init_files = {p.relative_to(s.repo).as_posix(): p.read_text() for p in s.repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    s.sh(f"portkey-codegen init --out src --package-name {PACKAGE}", "init again")
    s.sh("portkey-codegen generate", "generate")
    s.sh("portkey-codegen check", "check")
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    s.sh(hook["entry"], "hook")
    s.sh("git add -A && git commit -qm base && git update-ref refs/remotes/origin/main HEAD")
    exprs = {
        "inputs.base-ref": "main", "inputs.comment": "true", "github.event.pull_request.number": "7",
        "runner.temp": str(root), "github.token": "t",
    }  # fmt: skip
    for name in ("Generated code is up to date", "API diff against the base branch"):
        s.outputs[f"action base: {name}"] = run_step(name, s.repo, exprs, s.env)
        s.transcript.append((f"[action step] {name}", s.outputs[f"action base: {name}"].returncode))
    s.sh(f"printf '\\n# edited by hand\\n' >> {PACKAGE_DIR}/models.py")
    s.sh(f"portkey-codegen check > {root / 'stale.diff'}", "stale")
    s.sh(f"git apply -R {root / 'stale.diff'}", "apply")
    s.sh("portkey-codegen check && git status --porcelain", "after apply")
    # A pin bump: eject the preset, point the pin at the later upstream revision, regenerate.
    s.sh("git checkout -qb bump")
    s.sh(f"portkey-codegen init --eject --force --out src --package-name {PACKAGE}", "eject")
    next_pin = yaml.safe_load(NEXT_PIN.read_text())
    pin = s.repo / "portkey-codegen" / "pin.yaml"
    text = pin.read_text()
    text = re.sub(r"(?m)^  commit: .*$", f"  commit: {next_pin['source']['commit']}", text)
    pin.write_text(re.sub(r"(?m)^sha256: .*$", f"sha256: {next_pin['sha256']}", text))
    s.sh("portkey-codegen generate", "generate bumped")
    s.sh("git add -A && git commit -qm 'bump the pin'")
    for name in ("Generated code is up to date", "API diff against the base branch"):
        s.outputs[f"action bump: {name}"] = run_step(name, s.repo, exprs, s.env)
        s.transcript.append((f"[action step] {name}", s.outputs[f"action bump: {name}"].returncode))
    s.sh("portkey-codegen serve --mock --port 0", "serve")


def test_wheel_holds_everything_and_installs_alone(story):
    names = zipfile.ZipFile(story.wheel).namelist()
    runtime = tuple(f"portkey_codegen/templates/{name}" for name in RUNTIME_FILES)
    for needed in ("portkey_codegen/cli.py", "portkey_codegen/lower/api.py", *runtime,
                   "portkey_codegen/preset/pin.yaml", "portkey_codegen/preset/overlay.yaml", "portkey_codegen/preset/names.yaml"):  # fmt: skip
        assert needed in names
    assert not [n for n in names if n.split("/")[0] in ("generator", "spec", "templates", "tests")]
    print(f"wheel {story.wheel.name}: {story.wheel.stat().st_size} bytes, {len(names)} files")
    where = story.outputs["where"]
    assert where.returncode == 0 and "site-packages" in where.stdout and str(REPO) not in where.stdout


def test_init_writes_config_hook_and_workflow_and_refuses_to_overwrite(story):
    init = story.outputs["init"]
    assert init.returncode == 0, init.stderr
    assert "portkey-codegen generate" in init.stdout and "git add" in init.stdout
    assert sorted(story.init_files) == [".github/workflows/portkey-codegen.yml", ".pre-commit-config.yaml", "pyproject.toml"]
    table = story.init_files["pyproject.toml"]
    assert 'preset = "portkey"' in table and 'out = "src"' in table and f'package-name = "{PACKAGE}"' in table
    again = story.outputs["init again"]
    assert again.returncode == 2 and "--force" in again.stderr


def test_generate_uses_the_preset_and_keeps_api_md_and_manifest_in_the_package(story):
    assert story.outputs["generate"].returncode == 0, story.outputs["generate"].stderr
    assert story.outputs["generate"].stderr == ""  # the preset's overlay leaves no warning
    assert story.outputs["check"].returncode == 0 and story.outputs["hook"].returncode == 0
    assert sorted(p.name for p in (story.repo / "src").iterdir()) == ["myapp"]
    package = story.repo / PACKAGE_DIR
    assert (package / "API.md").is_file() and (package / ".portkey-codegen-manifest.json").is_file()


def test_hook_and_workflow_fire_on_the_configured_folder(story):
    edited = f"{PACKAGE_DIR}/models.py"
    config = yaml.safe_load((story.repo / ".pre-commit-config.yaml").read_text())
    (hook,) = [h for r in config["repos"] for h in r["hooks"] if h["id"] == "portkey-codegen-check"]
    assert re.search(hook["files"], edited) and re.search(hook["files"], "pyproject.toml")
    assert not re.search(hook["files"], "src/myapp/other.py")
    workflow = yaml.safe_load((story.repo / ".github/workflows/portkey-codegen.yml").read_text())
    paths = workflow[True]["pull_request"]["paths"]  # YAML 1.1 reads the key `on` as True
    assert any(fnmatch.fnmatch(edited, p) for p in paths)
    assert any("portkey-codegen@v" in str(step.get("uses")) for step in workflow["jobs"]["portkey-codegen"]["steps"])


def test_hand_edit_fails_check_with_a_diff_git_apply_R_reverts(story):
    stale = story.outputs["stale"]
    assert stale.returncode == 1
    patch = (story.root / "stale.diff").read_text()
    assert f"--- a/{PACKAGE_DIR}/models.py" in patch and "+# edited by hand" in patch
    assert story.outputs["apply"].returncode == 0, story.outputs["apply"].stderr
    after = story.outputs["after apply"]
    assert after.returncode == 0 and "is up to date" in after.stdout and "models.py" not in after.stdout


def test_action_steps_pass_and_comment_the_api_diff_of_a_pin_bump(story, portkey_spec_path, next_spec_path):
    from portkey_codegen.diff import main_diff

    assert set(action_steps()) >= {"Generated code is up to date", "API diff against the base branch"}
    for phase in ("base", "bump"):
        for name in ("Generated code is up to date", "API diff against the base branch"):
            done = story.outputs[f"action {phase}: {name}"]
            assert done.returncode == 0, (phase, name, done.stderr)
    assert "unchanged" in story.outputs["action base: API diff against the base branch"].stderr
    assert story.outputs["generate bumped"].returncode == 0, story.outputs["generate bumped"].stderr
    body = (story.root / "bin" / "gh-body.md").read_text()
    summary = json.loads(main_diff(portkey_spec_path, next_spec_path, fmt="json")[0])["summary"]
    assert summary["breaking_client"] > 0
    assert f"**{summary['breaking_client']}** breaking for client users" in body


def test_serve_without_the_extra_exits_2_with_the_hint(story):
    serve = story.outputs["serve"]
    assert serve.returncode == 2
    assert serve.stderr.strip().splitlines() == [serve.stderr.strip()]  # one line
    assert "pip install 'portkey-codegen[serve]'" in serve.stderr
