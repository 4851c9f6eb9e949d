"""`check` on unchanged inputs (generator/quick_check.py): answered from the hashes a run recorded,
never fooled: every hand edit, every changed input, and every file a bundled $ref read still goes
through the pipeline and gets the same answer as without the cache."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import portkey_codegen
from portkey_codegen import Config, GeneratorError, generate
from portkey_codegen.output import MANIFEST

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "allof.yaml"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PORTKEY_CODEGEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("PORTKEY_CODEGEN_NO_CACHE", raising=False)  # these tests are about the cache
    return folder


def config_for(tmp_path: Path, spec: Path, **kw) -> Config:
    return Config(spec=spec, out=tmp_path / "out", package_name="quickpkg", root=tmp_path, **kw)


def copy_spec(tmp_path: Path, text: str | None = None) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(FIXTURE.read_text("utf-8") if text is None else text, "utf-8")
    return spec


def ran_pipeline(result) -> bool:
    return "load" in [name for name, _ in result.timings]


def without_cache(config: Config) -> list[str]:
    """What `check` says with the cache off: the reference answer."""
    return generate(replace(config, no_cache=True), check=True).stale


def test_up_to_date_check_runs_no_pipeline_and_answers_as_the_pipeline_does(tmp_path, cache_dir, monkeypatch):
    config = config_for(tmp_path, copy_spec(tmp_path))
    made = generate(config)
    reference = generate(replace(config, no_cache=True), check=True)

    def no_pipeline(*args, **kwargs):
        raise AssertionError("the pipeline ran")

    with monkeypatch.context() as patched:
        patched.setattr(portkey_codegen, "render_tree", no_pipeline)
        quick = generate(config, check=True)
    assert quick.cache == {"check": "hit"} and quick.stale == []
    assert [name for name, _ in quick.timings] == ["quick-check", "compare"]
    assert quick.files == made.files == reference.files
    assert quick.spec_sha256 == made.spec_sha256 and quick.spec_path == made.spec_path
    assert [d.format() for d in quick.diagnostics] == [d.format() for d in reference.diagnostics]
    assert quick.api == made.api  # made on first use, by the pipeline


def package_file(config: Config, name: str) -> Path:
    return Path(config.out) / config.package_name / name


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: p.write_text(p.read_text("utf-8") + "# edited by hand\n", "utf-8"),
        lambda p: p.write_text(p.read_text("utf-8").replace("class ", "class  ", 1), "utf-8"),
        lambda p: p.unlink(),
        lambda p: p.write_bytes(p.read_bytes()[:-1]),  # the last newline gone
        lambda p: p.write_bytes(b"\xff\xfe not utf-8"),
    ],
    ids=["appended", "changed", "deleted", "truncated", "undecodable"],
)
def test_every_hand_edit_still_fails_check_with_the_same_diff(tmp_path, cache_dir, edit):
    config = config_for(tmp_path, copy_spec(tmp_path))
    generate(config)
    assert generate(config, check=True).cache == {"check": "hit"}
    edit(package_file(config, "models.py"))
    checked = generate(config, check=True)
    assert checked.stale and checked.stale == without_cache(config)
    assert ran_pipeline(checked)


def test_a_file_left_over_from_the_last_run_fails_check(tmp_path, cache_dir):
    config = config_for(tmp_path, copy_spec(tmp_path))
    generate(config)
    manifest = package_file(config, MANIFEST)
    listed = json.loads(manifest.read_text("utf-8"))
    listed["files"]["quickpkg/old_module.py"] = "0" * 64  # as if the last run generated it
    manifest.write_text(json.dumps(listed), "utf-8")
    package_file(config, "old_module.py").write_text("stale = True\n", "utf-8")
    checked = generate(config, check=True)
    assert any("old_module.py" in line for line in checked.stale)
    assert checked.stale == without_cache(config)


def test_carriage_returns_are_judged_by_the_pipeline(tmp_path, cache_dir):
    """A CRLF copy hashes differently, and stale_diff reads with universal newlines: the answer is
    the pipeline's, whatever it is."""
    config = config_for(tmp_path, copy_spec(tmp_path))
    generate(config)
    models = package_file(config, "models.py")
    models.write_bytes(models.read_bytes().replace(b"\n", b"\r\n"))
    checked = generate(config, check=True)
    assert ran_pipeline(checked) and checked.stale == without_cache(config)


def test_any_changed_input_misses_and_the_pipeline_decides(tmp_path, cache_dir):
    spec = copy_spec(tmp_path)
    names, overlay, templates = tmp_path / "names.yaml", tmp_path / "overlay.yaml", tmp_path / "templates"
    names.write_text("client_name: Quick\n", "utf-8")
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: o, version: '1'}\nactions:\n  - {target: $.info, update: {x-note: 1}}\n",
        "utf-8",
    )
    templates.mkdir()
    config = config_for(tmp_path, spec, names=names, overlay=overlay, templates=templates)
    generate(config)
    assert generate(config, check=True).cache == {"check": "hit"}
    changes = [
        lambda: spec.write_text(spec.read_text("utf-8") + "# a comment\n", "utf-8"),  # same document
        lambda: names.write_text("# a comment\nclient_name: Quick\n", "utf-8"),
        lambda: overlay.write_text(overlay.read_text("utf-8") + "# a comment\n", "utf-8"),
        lambda: (templates / "API.md.j2").write_text("# custom {{ api.title }}\n", "utf-8"),  # output changes
    ]
    for change in changes:
        change()
        first = generate(config, check=True)
        assert ran_pipeline(first) and first.cache.get("check") == "miss"
        assert first.stale == without_cache(config)
        generate(config)
        assert generate(config, check=True).cache == {"check": "hit"}
    other = replace(config, package_name="otherpkg")  # another option: another key
    assert ran_pipeline(generate(other, check=True))


def test_a_spec_bundling_other_files_is_never_answered_quickly(tmp_path, cache_dir):
    (tmp_path / "pet.yaml").write_text(
        "type: object\nproperties:\n  name: {type: string}\n", "utf-8"
    )
    text = FIXTURE.read_text("utf-8").replace("$ref: '#/components/schemas/Pet'", "$ref: 'pet.yaml'")
    config = config_for(tmp_path, copy_spec(tmp_path, text))
    generate(config)
    assert ran_pipeline(generate(config, check=True))
    # the bundled file's bytes are not in the key: its change must still show
    (tmp_path / "pet.yaml").write_text("type: object\nproperties:\n  nickname: {type: string}\n", "utf-8")
    checked = generate(config, check=True)
    assert checked.stale and checked.stale == without_cache(config)


def test_warnings_come_back_and_warnings_as_errors_still_refuses(tmp_path, cache_dir):
    text = FIXTURE.read_text("utf-8").replace('        "200":\n', '        "2XX0":\n', 1)  # not a status code
    config = config_for(tmp_path, copy_spec(tmp_path, text), lenient=True)
    made = generate(config)
    assert any(d.severity == "warning" for d in made.diagnostics)
    quick = generate(config, check=True)
    assert quick.cache == {"check": "hit"}
    assert [d.format() for d in quick.diagnostics] == [d.format() for d in made.diagnostics]
    with pytest.raises(GeneratorError):
        generate(replace(config, warnings_as_errors=True), check=True)


def test_no_cache_means_no_quick_answer(tmp_path, cache_dir):
    config = config_for(tmp_path, copy_spec(tmp_path))
    generate(config)
    assert generate(replace(config, no_cache=True), check=True).cache == {}
