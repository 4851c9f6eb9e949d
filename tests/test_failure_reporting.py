"""How failures reach the user: --lenient warnings survive a later failure, internal errors
(a generator bug) exit 3 naming the schema involved, never 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from portkey_codegen import Config, GeneratorError, render_tree
from portkey_codegen.cli import main
from portkey_codegen.diagnostics import Diagnostic, InternalError
from portkey_codegen.models import check_rendered, plan_models

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

    monkeypatch.setattr("portkey_codegen.models.render_models", broken)
    assert main([*args, "--lenient"]) == 3
    err = capsys.readouterr().err
    assert "internal error: boom" in err and f"{spec}:6:" in err and "please report it" in err
    assert not (tmp_path / "out").exists()  # nothing half-written
