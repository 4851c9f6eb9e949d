"""The only ways spec text reaches generated code: as a Python literal, a docstring or a comment.

Spec strings are untrusted. Each function here returns text that, placed where its name says,
cannot end the construct it sits in (no quote, backslash, CR, NUL or Unicode line break survives
unescaped) and cannot be read as anything but data. The models step hands text to
datamodel-code-generator (dcg), which escapes quotes itself: `clean_text` normalises it before,
`escape_raw_characters` escapes what dcg wrote raw after.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
import unicodedata
from typing import Any

from .diagnostics import Diagnostic, InternalError

# Characters Python (or an editor) may treat as a line break, plus other controls.
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# Bidirectional controls: harmless to Python, but an editor shows the text around them reordered
# ("Trojan Source", CVE-2021-42574), so generated code never holds them raw.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def py_literal(value: Any) -> str:
    """A Python expression that evaluates to `value` (JSON-like data: str, int, float, bool, None, list, dict)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else 'float("-inf")'
        return repr(value)
    if isinstance(value, str):
        # repr() escapes every non-printable character, including \r, \x00 and U+2028.
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(str(k))}: {py_literal(v)}" for k, v in value.items()) + "}"
    return repr(str(value))


def _normalised(text: str) -> str:
    """NFC, ``\\n`` for every line break, no control characters, no trailing blanks."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text.replace("\r\n", "\n"))
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def clean_text(text: Any) -> str | None:
    """Spec text as a value for dcg (descriptions): `_normalised`, tabs as four spaces, or None.

    dcg escapes quotes and backslashes itself (tested); what it would write raw (CR, U+2028,
    NUL...) is normalised here so the source stays one physical line per logical line.
    """
    if not isinstance(text, str):
        return None
    return _normalised(text.replace("\t", "    ")) or None


def docstring_body(text: str | None) -> str:
    """Text safe inside a triple-double-quoted (non-raw) docstring. Line breaks become real newlines."""
    if not text:
        return ""
    body = _normalised(str(text))
    body = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    # Escaped, not dropped: the docstring is not raw, so its value keeps the character.
    body = _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", body)
    # A docstring ending in an unescaped quote would merge with the closing quotes. (An odd
    # number of backslashes before it means it is escaped already, e.g. after '\"\"\"'.)
    if body.endswith('"') and (len(body) - 1 - len(body[:-1].rstrip("\\"))) % 2 == 0:
        body = body[:-1] + '\\"'
    return body


def comment(text: str | None, limit: int = 200) -> str:
    """One line safe after a `#`."""
    if not text:
        return ""
    text = _LINE_BREAKS.sub(" ", str(text))
    text = _BIDI.sub("", _CONTROL.sub("", text))
    text = " ".join(text.split())
    return text[:limit]


def markdown_cell(text: str | None) -> str:
    """Text safe in one Markdown table cell (API.md)."""
    if not text:
        return ""
    text = comment(text, limit=10_000)
    return text.replace("|", "\\|").replace("`", "\\`")


# Characters dcg may write raw inside string literals (enum values, defaults, docstrings) that
# editors take as line breaks or as bidi reordering ("Trojan Source"). Valid Python, but the
# source would not show what it holds; escaped, the values stay the same.
RAW_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]|{_BIDI.pattern}")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def escape_raw_characters(source: str) -> str:
    """`source` (Python written by dcg) with every `RAW_UNSAFE` character inside a string literal
    written as an escape (``\\u2028``) and removed from comments; the values of all literals are
    unchanged."""
    if not RAW_UNSAFE.search(source):
        return source
    starts = [0]
    for line in source.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    edits: list[tuple[int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type not in (tokenize.STRING, tokenize.COMMENT) or not RAW_UNSAFE.search(tok.string):
                continue
            if tok.type == tokenize.COMMENT:
                new = RAW_UNSAFE.sub("", tok.string)
            else:
                prefix = re.match(r"[A-Za-z]*", tok.string).group().lower()  # type: ignore[union-attr]
                if "f" in prefix or "b" in prefix:
                    raise ValueError(f"unexpected {prefix!r} string literal")
                if "r" in prefix:  # escapes mean nothing in a raw string: write its value anew
                    new = repr(ast.literal_eval(tok.string))
                else:
                    new = RAW_UNSAFE.sub(_escaped, tok.string)
            edits.append((starts[tok.start[0] - 1] + tok.start[1], starts[tok.end[0] - 1] + tok.end[1], new))
    except (tokenize.TokenError, SyntaxError, ValueError) as exc:
        raise InternalError(
            Diagnostic("error", f"internal error: the generated models module does not tokenize: {exc}", code="internal")
        ) from None
    for begin, end, new in reversed(edits):
        source = source[:begin] + new + source[end:]
    return source
