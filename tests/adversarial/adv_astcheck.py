"""What generated code may contain: an AST check reusable on any generated tree.

The contract: importing a generated package runs no code that came from the spec. Spec text may
only appear as *data* (string/number literals, docstrings, comments). So, in every generated
Python file except the static runtime files (ours, copied verbatim from templates/):

* the source compiles (``compile``, which catches what a parser alone does not, e.g. a
  duplicate argument name), and holds no raw control / line-separator / bidi characters;
* module- and class-level statements are only imports (from an allow-list of modules),
  ``def``/``class``, docstrings, assignments and annotations, ``pass``, and calls from
  `ALLOWED_CALLS` (``X.model_rebuild()``);
* everything evaluated at import time - assigned values, annotations (pydantic evaluates them),
  decorators, base classes, default arguments - is a "safe expression": literals, names,
  attributes, subscripts, ``|`` unions, unary minus, and calls to `ALLOWED_CALLS` with safe
  arguments;
* nowhere (function bodies included) a call to ``exec``/``eval``/``open``/``__import__``...
  (`FORBIDDEN_CALLS`), ``os.system``/``os.popen``/``os.exec*`` (`FORBIDDEN_DOTTED`) or an
  interpreter-internals dunder (`FORBIDDEN_ATTRS`); ``subprocess``/``importlib``... cannot even
  be imported (`ALLOWED_IMPORTS`).

The allow-lists were built from the real output for the Portkey spec (models, client, server).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterable, Mapping

from adv_harness import REPO, RUNTIME_FILES, RUNTIME_TEMPLATES

TEMPLATES = REPO / "templates"

ALLOWED_IMPORTS = frozenset(
    {
        "__future__", "typing", "typing_extensions", "collections.abc", "dataclasses", "datetime",
        "decimal", "enum", "functools", "uuid", "os", "httpx", "pydantic", "fastapi",
        "fastapi.responses",
        # the client writes `builtins.list[...]` where a method named `list` shadows the builtin
        "builtins",
    }
)  # fmt: skip

# Callables allowed in import-time expressions, by dotted name ("*" matches one name part).
ALLOWED_CALLS = frozenset(
    {
        # models (datamodel-code-generator output)
        "Field", "ConfigDict", "TypeVar", "float", "*.model_rebuild",
        # client: the models module imported on first use
        "lazy_module",
        # server: per-module operation tables and dataclass inputs
        "_rt.OperationSpec", "_rt.RouteDoc", "dataclass",
        # server: FastAPI parameter markers and route decorators (inside build_router)
        "Depends", "_require", "Path", "Query", "Header", "Cookie", "Body", "Form", "File",
        "_router.get", "_router.put", "_router.post", "_router.delete", "_router.options",
        "_router.head", "_router.patch", "_router.trace",
    }
)  # fmt: skip
# A decorator is always called: bare names must be one of these (calls: see ALLOWED_CALLS).
ALLOWED_DECORATORS = frozenset({"cached_property", "overload", "property", "staticmethod", "classmethod", "dataclass"})
# float() only ever builds the special values a literal cannot spell.
_FLOAT_ARGS = frozenset({"nan", "inf", "-inf"})

# Builtins that execute or open things: flagged when *called* (a parameter may well be named
# `open` or `input`; passing it along is data).
FORBIDDEN_CALLS = frozenset(
    {
        "exec", "eval", "compile", "open", "__import__", "breakpoint", "globals", "locals", "vars",
        "getattr", "setattr", "delattr", "input",
    }
)  # fmt: skip
# Module functions that run programs or load code: flagged wherever they are referenced. (The
# modules themselves cannot be imported: see ALLOWED_IMPORTS.)
FORBIDDEN_DOTTED = re.compile(
    r"^(os\.(system|popen|exec\w*|spawn\w*|fork\w*|posix_spawn\w*|startfile)|sys\.modules"
    r"|builtins\.(" + "|".join(sorted(FORBIDDEN_CALLS)) + r"))$"
)
# Dunder attributes used to reach interpreter internals. Generated names never start with "_"
# followed by "_" (naming.snake_name drops leading underscores), so any use is suspect.
FORBIDDEN_ATTRS = frozenset(
    {"__globals__", "__builtins__", "__subclasses__", "__code__", "__import__", "__reduce__", "__loader__"}
)

# Characters that must not appear raw in generated source: controls other than \n and \t,
# Unicode line/paragraph separators, and bidirectional controls ("Trojan Source").
BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _call_allowed(name: str | None) -> bool:
    if name is None:
        return False
    if name in ALLOWED_CALLS:
        return True
    parts = name.split(".")
    return any(
        len(p := pattern.split(".")) == len(parts) and all(a == "*" or a == b for a, b in zip(p, parts))
        for pattern in ALLOWED_CALLS
        if "*" in pattern
    )


def safe_expr(node: ast.expr | None) -> str | None:
    """None when `node` may run at import time; else why not."""
    if node is None or isinstance(node, (ast.Constant, ast.Name)):
        return None
    if isinstance(node, ast.Attribute):
        return safe_expr(node.value)
    if isinstance(node, ast.Subscript):
        return safe_expr(node.value) or safe_expr(node.slice)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return next((why for e in node.elts if (why := safe_expr(e))), None)
    if isinstance(node, ast.Dict):
        return next((why for e in [*node.keys, *node.values] if (why := safe_expr(e))), None)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return safe_expr(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return safe_expr(node.left) or safe_expr(node.right)
    if isinstance(node, ast.Call):
        name = dotted(node.func)
        if not _call_allowed(name):
            return f"call to {ast.unparse(node.func)!r}"
        if name == "float" and not (
            len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in _FLOAT_ARGS
        ):
            return f"float() with other than a special-value literal: {ast.unparse(node)[:80]}"
        for part in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(part, ast.Starred):
                return "starred argument"
            if why := safe_expr(part):
                return why
        return None
    return f"{type(node).__name__} expression"


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def check_source(rel: str, source: str) -> list[str]:
    """Problems in one generated (non-runtime) Python file; empty when it follows the contract."""
    problems: list[str] = []
    if m := BAD_CHARS.search(source):
        line = source.count("\n", 0, m.start()) + 1
        problems.append(f"{rel}:{line}: raw character U+{ord(m.group()):04X} in the source")
    try:
        compile(source, rel, "exec", dont_inherit=True)
        tree = ast.parse(source, rel)
    except (SyntaxError, ValueError) as exc:
        return problems + [f"{rel}: does not compile: {exc}"]

    def where(node: ast.AST) -> str:
        return f"{rel}:{getattr(node, 'lineno', '?')}"

    def import_time(node: ast.expr | None, what: str) -> None:
        if why := safe_expr(node):
            problems.append(f"{where(node)}: {what} runs code at import time ({why})")

    def decorators(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call):
                import_time(deco, "decorator")
            elif dotted(deco) not in ALLOWED_DECORATORS:
                problems.append(f"{where(deco)}: decorator {ast.unparse(deco)!r} is not allowed")

    def signature(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorators(fn)
        args = fn.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            import_time(default, "default argument")
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                import_time(arg.annotation, "annotation")
        import_time(fn.returns, "return annotation")

    def body(stmts: list[ast.stmt], level: str) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if level != "module":
                    problems.append(f"{where(stmt)}: import inside a class")
                names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module]
                if not (isinstance(stmt, ast.ImportFrom) and stmt.level > 0):
                    bad = [n for n in names if n not in ALLOWED_IMPORTS]
                    if bad:
                        problems.append(f"{where(stmt)}: import of {bad}")
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                signature(stmt)
            elif isinstance(stmt, ast.ClassDef):
                decorators(stmt)
                for base in [*stmt.bases, *(k.value for k in stmt.keywords)]:
                    import_time(base, "base class")
                body(stmt.body, "class")
            elif _is_docstring(stmt) or isinstance(stmt, ast.Pass):
                pass
            elif (
                level == "module"
                and isinstance(stmt, ast.If)
                and isinstance(stmt.test, ast.Name)
                and stmt.test.id == "TYPE_CHECKING"
            ):
                # `if TYPE_CHECKING: <imports> else: <the same names, lazily>`: both arms are
                # held to the module-level rules.
                body(stmt.body, level)
                body(stmt.orelse, level)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if not isinstance(target, ast.Name):
                        problems.append(f"{where(stmt)}: assignment to {ast.unparse(target)!r}")
                import_time(stmt.value, "assigned value")
            elif isinstance(stmt, ast.AnnAssign):
                if not isinstance(stmt.target, ast.Name):
                    problems.append(f"{where(stmt)}: annotated assignment to {ast.unparse(stmt.target)!r}")
                import_time(stmt.annotation, "annotation")
                import_time(stmt.value, "assigned value")
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not stmt.value.args:
                import_time(stmt.value, "statement")
            else:
                problems.append(f"{where(stmt)}: {level}-level {type(stmt).__name__}: {ast.unparse(stmt)[:80]!r}")

    body(tree.body, "module")
    # Function bodies are template code; wherever they are, no dynamic execution or I/O.
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            signature(node)  # nested defs (FastAPI endpoints inside build_router) too
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            problems.append(f"{where(node)}: calls {node.func.id}()")
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            problems.append(f"{where(node)}: uses __builtins__")
        elif isinstance(node, ast.Attribute):
            if node.attr in FORBIDDEN_ATTRS:
                problems.append(f"{where(node)}: uses attribute {node.attr!r}")
            elif (name := dotted(node)) and FORBIDDEN_DOTTED.match(name):
                problems.append(f"{where(node)}: uses {name}")
    return sorted(set(problems))


def runtime_template(rel: str) -> str | None:
    """The template a static runtime file is copied from, or None for generated files."""
    for name in RUNTIME_FILES:
        if rel.endswith("/" + name):
            return (TEMPLATES / RUNTIME_TEMPLATES[name]).read_text("utf-8")
    return None


def check_runtime_copy(rel: str, source: str, template: str) -> list[str]:
    """A runtime file must be the template byte for byte, after a header of comment lines."""
    if not source.endswith(template):
        return [f"{rel}: differs from templates/{RUNTIME_TEMPLATES.get(rel.split('/', 1)[1], rel.split('/', 1)[1])}"]
    head = source[: len(source) - len(template)]
    odd = [line for line in head.splitlines() if line.strip() and not line.startswith("#")]
    return [f"{rel}: header holds code: {odd[:2]}"] if odd else []


def check_tree(files: Mapping[str, str]) -> list[str]:
    """Every problem in a generated tree (relative path -> text)."""
    problems: list[str] = []
    for rel, text in sorted(files.items()):
        if not rel.endswith(".py"):
            if BAD_CHARS.search(text) and rel.endswith((".md", ".txt")):
                problems.append(f"{rel}: raw control/bidi characters")
            continue
        template = runtime_template(rel)
        if template is not None:
            problems += check_runtime_copy(rel, text, template)
        else:
            problems += check_source(rel, text)
    return problems


def check_folder(out: Path, skip: Iterable[str] = ()) -> list[str]:
    files = {
        p.relative_to(out).as_posix(): p.read_text("utf-8")
        for p in out.rglob("*")
        if p.is_file() and p.suffix in (".py", ".md", ".txt")
    }
    return check_tree({k: v for k, v in files.items() if k not in set(skip)})
