"""Every annotation the generator writes is a union without repeated members.

Annotations come from `ir.TypeRef` trees rendered once (generator/typeref.py); `typeref.union`
flattens and deduplicates. This reads the generated Python back with `ast` — parameters,
returns, annotated assignments, type aliases, quoted annotations and functional TypedDicts —
and checks each union, at any depth, member by member.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from portkey_codegen import typeref as tr
from portkey_codegen.ir import TypeRef
from project_paths import REPO

GENERATED = REPO / "generated"
PACKAGE = GENERATED / "portkey_api"
UNION_NAMES = {"Union", "Optional"}


def _parse_annotation(node: ast.expr) -> ast.expr:
    """A quoted annotation ("A | B") parsed as the expression it holds."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ast.parse(node.value, mode="eval").body
    return node


def _members(node: ast.expr) -> list[ast.expr]:
    """The flat members of a union node (`a | b`, `Union[a, b]`, `Optional[a]`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _members(node.left) + _members(node.right)
    if isinstance(node, ast.Subscript) and _name(node.value) in UNION_NAMES:
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        flat = [m for a in args for m in _members(a)]
        return flat + [ast.Constant(None)] if _name(node.value) == "Optional" else flat
    return [node]


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def repeated_members(annotation: ast.expr) -> list[str]:
    """Every union inside `annotation` that names a member twice, as source text."""
    annotation = _parse_annotation(annotation)
    found = []
    for node in ast.walk(annotation):
        is_union = (isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)) or (
            isinstance(node, ast.Subscript) and _name(node.value) in UNION_NAMES
        )
        if not is_union:
            continue
        texts = [ast.unparse(m) for m in _members(node)]
        if len(texts) != len(set(texts)):
            found.append(ast.unparse(node))
        for m in _members(node):  # quoted members inside (`Required["A | A"]` never, but cheap)
            if isinstance(m, ast.Constant) and isinstance(m.value, str):
                found.extend(repeated_members(m))
    return found


def annotations(tree: ast.AST) -> Iterator[tuple[int, ast.expr]]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])]:
                if arg.annotation is not None:
                    yield arg.lineno, arg.annotation
            if node.returns is not None:
                yield node.lineno, node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.lineno, node.annotation
            if _name(node.annotation) == "TypeAlias" and node.value is not None:
                yield node.lineno, node.value
        elif isinstance(node, ast.Call) and _name(node.func) == "TypedDict" and len(node.args) > 1:
            fields = node.args[1]
            if isinstance(fields, ast.Dict):
                for value in fields.values:
                    yield value.lineno, value


def test_no_generated_annotation_repeats_a_union_member() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert any(f.name == "params.py" for f in files) and len(files) > 40
    problems, count = [], 0
    for path in files:
        for line, annotation in annotations(ast.parse(path.read_text("utf-8"))):
            count += 1
            problems.extend(f"{path.relative_to(GENERATED)}:{line}: {u}" for u in repeated_members(annotation))
    assert count > 6000  # the whole client, server and models were read
    assert not problems, f"{len(problems)} unions repeat a member:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize(
    ("source", "repeats"),
    [
        ("str | _models.Enum | str", True),
        ("Sequence[_models.A | Mapping[str, Any] | Mapping[str, Any]]", True),
        ("Optional[int | None]", True),
        ("'A | B | A'", True),
        ("Union[int, str] | int", True),
        ("str | _models.Enum | _params.EnumParam", False),
        ("Mapping[str, int | str] | int | None", False),
    ],
)
def test_the_check_itself(source: str, repeats: bool) -> None:
    assert bool(repeated_members(ast.parse(source, mode="eval").body)) is repeats


def test_union_flattens_and_keeps_each_member_once() -> None:
    a, b = tr.model("A"), tr.model("B", enum=True)
    u = tr.union(tr.STR, tr.union(a, tr.NONE), a, tr.STR, tr.union(b, a))
    assert u == TypeRef("union", args=(tr.STR, a, b, tr.NONE))
    assert tr.render(u) == "str | _models.A | _models.B | None"
    assert tr.union(a, tr.ANY) == tr.ANY and tr.union(a) == a and tr.union(tr.NONE, tr.NONE) == tr.NONE


def test_request_form_of_a_widened_union_has_no_repeats() -> None:
    """The old regex widening wrote `str | _models.Enum | str`: request form works on the tree."""
    enum, obj = tr.model("ModelEnum", enum=True), tr.model("Message")
    t = tr.union(tr.STR, enum, tr.list_of(tr.union(obj, tr.dict_of(tr.ANY), obj)), tr.dict_of(tr.ANY))
    text = tr.render(tr.request_form(t, lambda name: name + "Param"))
    assert text == (
        "str | _models.ModelEnum | _params.ModelEnumParam"
        " | Sequence[_models.Message | _params.MessageParam | Mapping[str, Any]] | Mapping[str, Any]"
    )
    assert not repeated_members(ast.parse(text, mode="eval").body)


def test_shadowed_builtins_are_qualified_structurally() -> None:
    t = tr.union(tr.list_of(tr.literal(["list", "type"])), tr.name("type"), tr.STR)
    assert tr.render(t, shadowed=frozenset({"list", "type"})) == (
        "builtins.list[Literal['list', 'type']] | builtins.type | str"
    )
