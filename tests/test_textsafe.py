import ast

import pytest

from portkey_codegen.textsafe import comment, docstring_body, markdown_cell, py_literal

HOSTILE = [
    'a """ b',
    "a ''' b",
    "ends with backslash \\",
    "carriage\rreturn",
    "nul\x00byte",
    "line\u2028separator\u2029para",
    '"quoted at end"',
    "{{ jinja }} {% raw %}",
    "\\x41\\u0041\\N{BULLET}",
    "__import__('os').system('touch /tmp/pwned')",
    "",
    "é ü 漢字 🚀",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_py_literal_round_trips(text):
    assert ast.literal_eval(py_literal(text)) == text


@pytest.mark.parametrize(
    "value", [None, True, False, 0, -7, 1.5, [1, "a", None], {"k": ["v", {"x": 1}]}, {"a'b": 'c"d'}]
)
def test_py_literal_data(value):
    assert ast.literal_eval(py_literal(value)) == value


def test_py_literal_special_floats():
    assert py_literal(float("inf")) == 'float("inf")'
    assert eval(py_literal(float("-inf"))) == float("-inf")  # noqa: S307 - our own literal
    nan = eval(py_literal(float("nan")))  # noqa: S307
    assert nan != nan


@pytest.mark.parametrize("text", HOSTILE)
def test_docstring_body_cannot_escape(text):
    source = f'def f():\n    """{docstring_body(text)}"""\n    return 1\n'
    tree = ast.parse(source)
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    assert len(func.body) == 2  # the docstring and the return: nothing injected
    doc = ast.get_docstring(func, clean=False) or ""
    # The visible words survive (control characters and line breaks are normalised).
    for word in ("jinja", "backslash", "quoted", "import"):
        if word in text:
            assert word in doc


@pytest.mark.parametrize("text", HOSTILE)
def test_comment_is_one_line(text):
    line = comment(text)
    assert "\n" not in line and "\r" not in line and "\u2028" not in line and "\x00" not in line
    tree = ast.parse(f"x = 1  # {line}\ny = 2\n")
    assert len(tree.body) == 2


def test_markdown_cell_escapes_pipes():
    assert "\\|" in markdown_cell("a|b")
    assert "\n" not in markdown_cell("a\nb")
