"""The only ways spec text reaches generated code: as a Python literal, a docstring or a comment.

Spec strings are untrusted. Each function here returns text that, placed where its name says,
cannot end the construct it sits in (no quote, backslash, CR, NUL or Unicode line break survives
unescaped) and cannot be read as anything but data.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

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


def docstring_body(text: str | None) -> str:
    """Text safe inside a triple-double-quoted (non-raw) docstring. Line breaks become real newlines."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = text.replace("\r\n", "\n")
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROL.sub("", text)
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    # Escaped, not dropped: the docstring is not raw, so its value keeps the character.
    text = _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    lines = [line.rstrip() for line in text.strip().split("\n")]
    body = "\n".join(lines)
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


def json_literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, sort_keys=True)
