"""The suite's own probes can fail: the AST check flags code, the oracle flags changed values,
the runtime-copy check flags tampering, and the CLI runs do not pick up the repository's
pyproject.toml. Plus unit checks of the escaping fixes this suite brought (textsafe, models)."""

from __future__ import annotations

import ast
import copy
import subprocess
from pathlib import Path

import pytest
from adv_astcheck import check_runtime_copy, check_source, check_tree
from adv_harness import PYTHON, REPO, RUNTIME_FILES, RUNTIME_TEMPLATES
from adv_oracle import expected_plan, round_trip_problems

BENIGN = '''"""Docstring."""
from __future__ import annotations
from enum import Enum
from typing import Annotated
from pydantic import BaseModel, ConfigDict, Field
from . import _runtime as _rt

X = "literal"
N: int = -1


class E(str, Enum):
    A = "a"
    NAN = float("nan")


class M(BaseModel):
    """Doc."""

    model_config = ConfigDict(extra="allow")
    a: Annotated[str | None, Field(alias="a-b", pattern="^x$")] = None
    b: list[E] = ["a"]


M.model_rebuild()


def f(x: int = 1, *, y: str | None = None) -> dict[str, int]:
    return {"x": x}
'''

MALICIOUS = {
    "module call": "print('PWNED')\n",
    "exec in a function": "def f():\n    exec('1')\n",
    "eval at module level": "X = eval('1')\n",
    "__import__ in a default": "def f(a=__import__('os')):\n    pass\n",
    "call in a class body": "class A:\n    x = print('PWNED')\n",
    "call in an annotation": "class A:\n    x: print('PWNED') = 1\n",
    "decorator call": "@print\ndef f():\n    pass\n",
    "base class call": "class A(print('x')):\n    pass\n",
    "import subprocess": "import subprocess\n",
    "os.system in a body": "import os\ndef f():\n    os.system('id')\n",
    "open in a body": "def f():\n    return open('/etc/passwd')\n",
    "dunder globals": "def f():\n    return f.__globals__\n",
    "if at module level": "if True:\n    X = 1\n",
    "float of a non-literal": "X = float(input())\n",
    "duplicate argument": "def f(a, a):\n    pass\n",
    "raw bidi control": 'X = "a\u202eb"\n',
    "raw line separator": 'X = "a\u2028b"\n',
    "lambda default": "X = lambda: 1\n",
    "walrus in a class": "class A:\n    x = (y := 1)\n",
}


def test_ast_check_accepts_the_generated_shapes() -> None:
    assert check_source("pkg/models.py", BENIGN) == []


@pytest.mark.parametrize("snippet", list(MALICIOUS.values()), ids=list(MALICIOUS))
def test_ast_check_flags_code(snippet: str) -> None:
    assert check_source("pkg/models.py", snippet), snippet


def test_runtime_copy_check(spec_runs) -> None:
    files = spec_runs["inj_descriptions"].files()
    runtimes = [rel for rel in files if rel.split("/", 1)[-1] in RUNTIME_FILES]
    assert sorted(r.split("/", 1)[1] for r in runtimes) == sorted(RUNTIME_FILES)
    for rel in runtimes:
        template = (REPO / "templates" / RUNTIME_TEMPLATES[rel.split("/", 1)[1]]).read_text("utf-8")
        assert files[rel].endswith(template)  # byte-identical after the header comment
        assert check_runtime_copy(rel, files[rel], template) == []
        tampered = files[rel].replace("import ", "import  ", 1)  # every runtime file imports
        assert check_runtime_copy(rel, tampered, template)
        assert check_runtime_copy(rel, "print(1)\n" + template, template)
    # the whole-tree check skips the AST rules for runtime files only
    assert check_tree({"pkg/client/_runtime/errors.py": "import subprocess\n"})  # not the template: flagged


def test_oracle_notices_changed_values(spec_runs) -> None:
    run = spec_runs["inj_enums"]
    document, plan = expected_plan(run.spec)
    models = run.files()["pkg/models.py"]
    assert round_trip_problems(document, plan, run.import_report, models) == []
    changed = copy.deepcopy(run.import_report)
    hostile = changed["classes"]["Hostile"]
    first = next(iter(hostile["members"]))
    hostile["members"][first] += "x"
    assert any("Hostile" in p for p in round_trip_problems(document, plan, changed, models))

    run = spec_runs["inj_defaults"]
    document, plan = expected_plan(run.spec)
    models = run.files()["pkg/models.py"]
    assert round_trip_problems(document, plan, run.import_report, models) == []
    for field, key, value in [("triple", "default", "x"), ("triple", "examples", ["x"]), ("patterned", "patterns", [])]:
        changed = copy.deepcopy(run.import_report)
        changed["classes"]["Defaults"]["fields"][field][key] = value
        assert round_trip_problems(document, plan, changed, models), (field, key)
    changed = copy.deepcopy(run.import_report)
    changed["classes"]["Defaults"]["fields"]["triple"]["alias"] = "other"
    assert round_trip_problems(document, plan, changed, models)

    run = spec_runs["inj_descriptions"]
    document, plan = expected_plan(run.spec)
    models = run.files()["pkg/models.py"]
    changed = copy.deepcopy(run.import_report)
    changed["classes"]["TripleDouble"]["doc"] = "something else"
    assert any("docstring" in p for p in round_trip_problems(document, plan, changed, models))
    assert any(
        "field docstring" in p
        for p in round_trip_problems(document, plan, run.import_report, models.replace("Field \\\"\\\"\\\"", "Field"))
    )


def test_cli_runs_do_not_pick_up_the_repository_config(tmp_path: Path) -> None:
    """Run from a temp folder, the generator finds no pyproject.toml: with no spec the shipped
    Portkey preset applies (package data, not this repository's spec/ through its config), and with
    a spec of the case's own (as every case passes) no pin, overlay or names apply at all."""
    code = (
        "import sys; from pathlib import Path; from portkey_codegen.config import find_pyproject, load_config, preset_file; "
        "c = load_config(); print(find_pyproject(Path.cwd()), c.pin == preset_file('pin'), "
        "c.overlay == preset_file('overlay'), c.names == preset_file('names'), c.root); "
        "c = load_config(spec=Path('case.yaml')); print(c.pin, c.overlay, c.names)"
    )
    proc = subprocess.run(
        [PYTHON, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(REPO)}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["None", "True", "True", "True", str(tmp_path), "None", "None", "None"]


def test_cli_config_of_a_case_is_the_empty_table(spec_runs) -> None:
    run = spec_runs["inj_descriptions"]
    assert (run.work / "pyproject.toml").read_text("utf-8") == "[tool.portkey-codegen]\n"
    assert str(run.work / "pyproject.toml") in run.opened("r")
    assert not any(p == str(REPO / "pyproject.toml") for p in run.opened())


# --- the escaping fixes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ['Body """', 'x"', 'x\\"', '\\"""', 'x\\\\"', '"', '""', 'a\u202eb', '\u2066x\u2069"', 'end\\', '"""'],
)
def test_docstring_body_round_trips(text: str) -> None:
    from portkey_codegen.textsafe import docstring_body

    body = docstring_body(text)
    tree = ast.parse(f'def f():\n    """{body}"""\n    return 1\n')
    assert len(tree.body[0].body) == 2
    assert ast.get_docstring(tree.body[0], clean=False) == text
    assert "\u202e" not in body and "\u2066" not in body  # escaped, not raw


def test_comment_drops_bidi_controls() -> None:
    from portkey_codegen.textsafe import comment

    assert comment("a\u202eb\u2066c") == "abc"


@pytest.mark.parametrize(
    "source",
    [
        'X = "\u2028"\n',
        'X = "a\x0bb\x85c"\n',
        'class A:\n    """\n    x \u202e y\n    """\n',
        "X = r'\u2029'\n",
        "X = 1  # comment \u202e\n",
        'X = """multi\n\u2028line"""\n',
    ],
)
def test_models_escape_raw_characters_keeps_values(source: str) -> None:
    from adv_astcheck import BAD_CHARS
    from portkey_codegen.textsafe import escape_raw_characters

    out = escape_raw_characters(source)
    assert not BAD_CHARS.search(out)
    before, after = {}, {}
    exec(compile(source, "s", "exec"), before)  # noqa: S102 - our own test literals
    exec(compile(out, "s", "exec"), after)  # noqa: S102
    def values(ns: dict) -> dict:
        return {k: (v.__doc__ if isinstance(v, type) else v) for k, v in ns.items() if k != "__builtins__"}

    assert values(before) == values(after)
