import json
import os

import pytest

from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.output import MANIFEST, check_relpath, stale_diff, write_tree


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
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["pkg/a.py", "pkg/c.py"]
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


def test_stale_diff(tmp_path):
    write_tree(tmp_path, {"a.py": "x = 1\n"})
    assert stale_diff(tmp_path, {"a.py": "x = 1\n"}) == []
    lines = stale_diff(tmp_path, {"a.py": "x = 2\n", "b.py": "y\n"})
    text = "\n".join(lines)
    assert "-x = 1" in text and "+x = 2" in text and "b/b.py" in text
    lines = stale_diff(tmp_path, {})
    assert any("no longer generated" in line for line in lines)
