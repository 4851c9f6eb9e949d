"""Which of a schema's own keywords reach datamodel-code-generator, and in which form: type,
format, nullable, description (through textsafe's cleaning), constraints (valid patterns only),
default and example. Subschemas are the rewriter's (rewrite.py); enums are enums.py's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import pointer as jp
from ..diagnostics import Diagnostic
from ..schema import DROP, jsonable
from ..textsafe import clean_text
from .defaults import kept_default
from .shapes import CONSTRAINTS, KEPT_FORMATS, TYPES


def own_keywords(node: Mapping[str, Any], ptr: str, site: str, warnings: list[Diagnostic]) -> dict[str, Any]:
    """The keywords of `node` that are not subschemas, as dcg is handed them."""
    out: dict[str, Any] = {}
    t = node.get("type")
    if isinstance(t, str) and t in TYPES:
        out["type"] = t
    elif isinstance(t, list) and all(isinstance(x, str) and x in TYPES for x in t):
        out["type"] = list(t)
    fmt = node.get("format")
    if isinstance(fmt, str) and fmt in KEPT_FORMATS:
        out["format"] = fmt
    if node.get("nullable") is True:
        out["nullable"] = True
    if (desc := clean_text(node.get("description"))) is not None:
        out["description"] = desc
    _constraints(node, ptr, out, warnings)
    if (default := kept_default(node, node)) is not DROP:
        out["default"] = default
    if "example" in node and site in ("root", "property") and (example := jsonable(node["example"])) is not DROP:
        out["example"] = example
    return out


def _constraints(node: Mapping[str, Any], ptr: str, out: dict[str, Any], warnings: list[Diagnostic]) -> None:
    """The constraint keywords of `node` dcg can write, into `out`."""
    for key in CONSTRAINTS:
        if key in node:
            value = node[key]
            if key == "pattern":
                if not isinstance(value, str) or not _pattern_ok(value, ptr, warnings):
                    continue
            elif key == "uniqueItems":
                # dcg would make a set; JSON arrays stay lists (items may be unhashable models)
                continue
            elif not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            out[key] = value
    for bound in ("Minimum", "Maximum"):  # OpenAPI 3.0's boolean form (3.1 takes it under --lenient)
        limit = node.get(bound.lower())
        if node.get("exclusive" + bound) is True and isinstance(limit, (int, float)) and not isinstance(limit, bool):
            out.pop(bound.lower(), None)
            out["exclusive" + bound] = limit


def _pattern_ok(pattern: str, ptr: str, warnings: list[Diagnostic]) -> bool:
    try:
        re.compile(pattern)
    except re.error as exc:
        warnings.append(
            Diagnostic(
                "warning",
                f"pattern {pattern!r} is not a valid regular expression ({exc}); it is not checked",
                pointer=jp.child(ptr, "pattern"),
                hint="fix the pattern in the spec (an overlay can do it)",
                code="models",
            )
        )
        return False
    return True
