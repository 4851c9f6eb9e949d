import json
import os

import pytest

from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.output import MANIFEST, Staging, check_relpath, stale_diff, write_tree


@pytest.mark.parametrize(
    "rel",
    [
        "../evil.py",
        "/etc/passwd",
        "a/../../b.py",
        "a\\b.py",
        "nul\x00.py",
        "~/x.py",
        "pkg/evil.pth",
        "sitecustomize.py",
        "pkg/conftest.py",
        "",
        "a/./b.py",
        "CON",
    ],
)
def test_unsafe_paths_are_refused(rel):
    with pytest.raises(GeneratorError):
        check_relpath(rel)


def test_case_only_collision_refused(tmp_path):
    with pytest.raises(GeneratorError, match="differ only by case"):
        write_tree(tmp_path, {"pkg/Models.py": "", "pkg/models.py": ""})
    assert not any(tmp_path.iterdir())  # nothing written


def test_write_skips_unchanged_and_removes_only_manifest_files(tmp_path):
    first = write_tree(tmp_path, {"pkg/a.py": "A = 1\n", "pkg/b.py": "B = 1\n"})
    assert set(first.written) == {"pkg/a.py", "pkg/b.py"}
    (tmp_path / "user_file.txt").write_text("mine")
    before = os.stat(tmp_path / "pkg/a.py").st_mtime_ns
    second = write_tree(tmp_path, {"pkg/a.py": "A = 1\n", "pkg/c.py": "C = 1\n"})
    assert second.unchanged == ("pkg/a.py",)
    assert second.written == ("pkg/c.py",)
    assert second.removed == ("pkg/b.py",)
    assert os.stat(tmp_path / "pkg/a.py").st_mtime_ns == before
    assert (tmp_path / "user_file.txt").read_text() == "mine"
    manifest = json.loads((tmp_path / "pkg" / MANIFEST).read_text())  # in the package folder
    assert sorted(manifest["files"]) == ["pkg/a.py", "pkg/c.py"]
    assert not (tmp_path / MANIFEST).exists()
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_tampered_manifest_cannot_delete_outside(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"files": {"../outside.txt": "x", "/etc/hosts": "y"}}))
    write_tree(out, {"a.py": "x = 1\n"})
    assert outside.read_text() == "keep"


def test_failed_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    write_tree(tmp_path, {"a.py": "old\n", "b.py": "old\n"})
    import pathlib

    real = pathlib.Path.write_bytes
    calls = {"n": 0}

    def flaky(self, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", flaky)
    with pytest.raises(OSError):
        write_tree(tmp_path, {"a.py": "new\n", "b.py": "new\n"})
    monkeypatch.undo()
    assert (tmp_path / "a.py").read_text() == "old\n"
    assert (tmp_path / "b.py").read_text() == "old\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_staged_files_take_their_place_only_on_commit(tmp_path):
    write_tree(tmp_path, {"pkg/a.py": "old\n", "pkg/gone.py": "old\n"})
    staging = Staging(tmp_path)
    staging.stage({"pkg/a.py": "new\n", "pkg/dropped.py": "x\n", "pkg/sub/b.py": "b\n"})
    assert (tmp_path / "pkg/a.py").read_text() == "old\n"  # staged under a temporary name only
    assert not (tmp_path / "pkg/sub/b.py").exists()
    assert len(list(tmp_path.rglob(".*.tmp"))) == 3
    # the commit lists the whole tree: a staged file it leaves out is dropped, a new one is written
    result = staging.commit({"pkg/a.py": "new\n", "pkg/sub/b.py": "b\n", "pkg/c.py": "c\n"})
    assert result.written == ("pkg/a.py", "pkg/c.py", "pkg/sub/b.py") and result.removed == ("pkg/gone.py",)
    assert (tmp_path / "pkg/a.py").read_text() == "new\n" and (tmp_path / "pkg/sub/b.py").read_text() == "b\n"
    assert not (tmp_path / "pkg/dropped.py").exists() and not list(tmp_path.rglob(".*.tmp"))
    assert staging.commit({"pkg/a.py": "new\n", "pkg/sub/b.py": "b\n", "pkg/c.py": "c\n"}).unchanged == (
        "pkg/a.py", "pkg/c.py", "pkg/sub/b.py",
    )  # fmt: skip


def test_discarded_staging_leaves_no_trace(tmp_path):
    out = tmp_path / "out"
    staging = Staging(out)
    staging.stage({"pkg/deep/a.py": "a\n", "b.py": "b\n"})
    assert (out / "pkg" / "deep").is_dir()
    staging.discard()
    assert not out.exists()  # the folders it made go too
    write_tree(tmp_path, {"keep.py": "old\n"})
    staging = Staging(tmp_path)
    staging.stage({"keep.py": "new\n", "pkg/a.py": "a\n"})
    staging.discard()
    assert (tmp_path / "keep.py").read_text() == "old\n" and not (tmp_path / "pkg").exists()
    assert not list(tmp_path.rglob(".*.tmp"))


def test_stale_diff(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {"a.py": "x = 1\n"})
    assert stale_diff(tmp_path, {"a.py": "x = 1\n"}) == []
    lines = stale_diff(tmp_path, {"a.py": "x = 2\n", "b.py": "y\n"})
    text = "\n".join(lines)
    # from what would be generated to what is on disk, as `git diff` shows a hand edit
    assert "-x = 2" in text and "+x = 1" in text and "--- a/b.py\n+++ /dev/null" in text
    lines = stale_diff(tmp_path, {})
    assert "--- /dev/null\n+++ b/a.py" in "\n".join(lines)  # no longer generated: `git apply -R` removes it


def test_manifest_of_an_older_tree_at_the_root_is_read_and_replaced(tmp_path):
    (tmp_path / "API.md").write_text("old\n")
    (tmp_path / MANIFEST).write_text(json.dumps({"files": {"API.md": "x", "pkg/a.py": "y"}}))
    done = write_tree(tmp_path, {"pkg/a.py": "A = 1\n", "pkg/API.md": "new\n"})
    assert done.removed == ("API.md",) and not (tmp_path / "API.md").exists()
    assert not (tmp_path / MANIFEST).exists() and (tmp_path / "pkg" / MANIFEST).is_file()


def test_check_diff_names_paths_from_the_repository_root_and_git_apply_R_reverts_it(tmp_path, monkeypatch):
    import subprocess

    repo = tmp_path / "repo"
    out = repo / "src" / "deep"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    files = {"pkg/a.py": "one = 1\ntwo = 2\nthree = 3\n", "pkg/b.py": "b = 1\n"}
    write_tree(out, files)
    (out / "pkg" / "a.py").write_text("one = 1\ntwo = 22\nthree = 3\n")  # hand edits
    (out / "pkg" / "b.py").unlink()
    monkeypatch.chdir(out / "pkg")  # wherever check runs, the paths start at the repository root
    lines = stale_diff(out, files)
    assert "--- a/src/deep/pkg/a.py" in lines and "+++ b/src/deep/pkg/a.py" in lines
    patch = tmp_path / "stale.diff"
    patch.write_text("\n".join(lines) + "\n")
    applied = subprocess.run(["git", "apply", "-R", str(patch)], cwd=repo, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert stale_diff(out, files) == []
