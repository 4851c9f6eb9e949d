"""How failures reach the user: --lenient warnings survive a later failure, internal errors
(a generator bug) exit 3 naming the schema involved, never 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from portkey_codegen import Config, GeneratorError, render_tree
from portkey_codegen.cli import main
from portkey_codegen.diagnostics import Diagnostic, InternalError
from portkey_codegen.models.check import check_rendered
from portkey_codegen.models.plan import plan_models

LENIENT_THEN_FAILS = """\
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    P:
      type: object
      required: [a, a]
      properties:
        a: {type: string}
        portkey-codegen-empty-property-name: {type: string}
"""


def test_lenient_validation_warnings_come_with_a_later_error(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(LENIENT_THEN_FAILS)
    with pytest.raises(GeneratorError) as exc:
        render_tree(Config(spec=spec, out=tmp_path / "out", lenient=True, no_cache=True))
    kinds = [(d.severity, d.message.split(" ")[0]) for d in exc.value.diagnostics]
    assert ("warning", "['a',") in kinds, kinds  # the validation finding, as a warning
    assert any(d.severity == "error" and "reserved by the generator" in d.message for d in exc.value.diagnostics)
    assert all(d.file == str(spec) and d.line for d in exc.value.diagnostics)
    # without --lenient the validation error alone stops the run
    with pytest.raises(GeneratorError) as strict:
        render_tree(Config(spec=spec, out=tmp_path / "out", no_cache=True))
    assert [d.severity for d in strict.value.diagnostics] == ["error"]


def test_planned_names_not_kept_is_an_internal_error_naming_the_schema() -> None:
    document = {
        "openapi": "3.0.3",
        "components": {"schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}},
    }
    plan = plan_models(document)
    invented = "class Pet(BaseModel):\n    name: str | None = None\n\n\nclass Pet1(BaseModel):\n    pass\n"
    with pytest.raises(InternalError) as exc:
        check_rendered(plan, invented)
    (diag,) = exc.value.diagnostics
    assert "Pet1" in diag.message and diag.pointer == "#/components/schemas/Pet" and diag.hint
    check_rendered(plan, invented.split("\n\n\n")[0] + "\n")  # what was planned passes


def test_internal_error_exits_3_and_bad_input_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(LENIENT_THEN_FAILS.replace("        portkey-codegen-empty-property-name: {type: string}\n", ""))
    monkeypatch.chdir(tmp_path)  # no pyproject.toml: no pin
    args = ["generate", "--spec", str(spec), "--out", str(tmp_path / "out"), "--no-cache"]
    assert main(args) == 2  # `required: [a, a]`
    assert "hint: remove the duplicate entries" in capsys.readouterr().err

    def broken(*_a: object, **_k: object) -> str:
        raise InternalError(Diagnostic("error", "internal error: boom", pointer="#/components/schemas/P"))

    monkeypatch.setattr("portkey_codegen.models.render.render_models", broken)
    assert main([*args, "--lenient"]) == 3
    err = capsys.readouterr().err
    assert "internal error: boom" in err and f"{spec}:6:" in err and "please report it" in err
    assert not (tmp_path / "out").exists()  # nothing half-written


# --- a refused spec does not wait for its models -------------------------------------------------

REFUSAL = """
import sys, time
from pathlib import Path
from portkey_codegen.models import render as dcg
from portkey_codegen.cli import main

spec, marker = Path(sys.argv[1]), Path(sys.argv[2])

def never_finishes(*args, **kwargs):  # datamodel-code-generator that hangs, in whichever process runs it
    marker.write_text("models rendering started")
    time.sleep(600)

dcg.render_models = never_finishes
sys.exit(main(["generate", "--spec", str(spec), "--out", str(spec.parent / "out"), "--no-cache"]))
"""


@pytest.mark.parametrize("parallel", [False, True])
def test_validation_errors_stop_the_run_before_the_models(tmp_path: Path, parallel: bool) -> None:
    """The models are never waited for when validation fails: sequentially they are not even
    started; on a spec big enough for the forked children (validation beside datamodel-code-
    generator) the refusal comes when validation ends and the models child is killed."""
    import json
    import os
    import subprocess
    import sys

    from portkey_codegen import fork

    spec = tmp_path / "spec.json"
    document = {
        "openapi": "3.0.3",
        "info": {"title": "refused", "version": "1", "description": "padding " * (fork.MIN_BYTES // 8 + 1)},
        "paths": {"/pets": {"get": {"operationId": "listPets", "responses": {}}}},  # 3.0: responses not empty
        "components": {"schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}},
    }
    spec.write_text(json.dumps(document))
    assert spec.stat().st_size > fork.MIN_BYTES
    marker = tmp_path / "models-started"
    env = {**os.environ, fork.ENV_PARALLEL: "1" if parallel else "0"}
    proc = subprocess.run(
        [sys.executable, "-c", REFUSAL, str(spec), str(marker)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,  # no pyproject.toml: no pin
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr  # bad input, not a hang (timeout) or an internal error
    assert f"{spec}:1:" in proc.stderr and "error:" in proc.stderr and "/responses" in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()
    if not parallel:
        assert not marker.exists()  # never started
