"""Cache keys that ignore prose: rewording a description must not cost a validator or a
datamodel-code-generator run (see bench/README.md, "How the fast paths work").

* `prose_skeleton`: the document's JSON with every description/summary blanked, a second key
  for "this document validates clean".
* `template_descriptions` / `fill_docstrings`: datamodel-code-generator runs on a copy of the
  spec whose descriptions are numbered tokens; the real texts go into its output afterwards.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .textsafe import RAW_UNSAFE

# A description/summary directly inside one of these maps is a map *entry* (a property called
# "description", a discriminator mapping value, an OAuth scope...), not prose: never blanked.
_MAP_KEYS = frozenset({
    "properties", "patternProperties", "mapping", "scopes", "variables", "headers", "links",
    "content", "encoding", "callbacks", "responses", "paths", "schemas", "parameters",
    "requestBodies", "securitySchemes", "examples", "definitions", "$defs", "dependentSchemas",
    "webhooks", "pathItems",
})  # fmt: skip
# Free-form JSON values: checked against schemas (defaults) or not at all; left verbatim.
_VERBATIM_KEYS = frozenset({"default", "example", "examples", "enum", "const"})
# Arrays the OpenAPI 3.x meta-schemas declare uniqueItems (of objects): blanking prose could make
# two distinct items equal or equal items distinct, so such a collision disables the skeleton.
_UNIQUE_ARRAYS = frozenset({"tags", "parameters"})
_PROSE = ("description", "summary")
_BLANK = "\x00prose"


class _Abstain(Exception):
    pass


def prose_skeleton(document: Any) -> str | None:
    """JSON of `document` with every prose string (``description``/``summary`` of an OpenAPI or
    Schema object) replaced by one placeholder, or None when that would not be sound.

    Used as a second key for "this document validates clean": the OpenAPI 3.0/3.1 meta-schemas
    constrain these fields only to be strings, so two documents with the same skeleton are
    either both valid or both invalid — except through ``uniqueItems`` arrays (tags,
    parameters), which is why two items of such an array that become equal here make this
    return None. Values under ``default``/``example``/``enum``/``x-*`` are never touched (defaults
    are validated against their schema), nor are map entries that happen to be called
    ``description`` (see `_MAP_KEYS`).
    """
    try:
        skeleton = _skeleton(document, None, 0)
        return json.dumps(skeleton, ensure_ascii=False, separators=(",", ":"))
    except (_Abstain, TypeError, ValueError, RecursionError):
        return None


def _skeleton(node: Any, parent_key: str | None, depth: int) -> Any:
    if depth > 400:
        raise _Abstain
    if isinstance(node, dict):
        blank = parent_key not in _MAP_KEYS
        out = {}
        for key, value in node.items():
            if not isinstance(key, str):
                raise _Abstain
            if blank and key in _PROSE and isinstance(value, str):
                out[key] = _BLANK
            elif key in _VERBATIM_KEYS or key.startswith("x-"):
                out[key] = value
            else:
                out[key] = _skeleton(value, key, depth + 1)
        return out
    if isinstance(node, list):
        items = [_skeleton(v, None, depth + 1) for v in node]
        if parent_key in _UNIQUE_ARRAYS and len(items) > 1 and any(isinstance(i, dict) for i in items):
            seen = set()
            for item in items:
                text = json.dumps(item, sort_keys=False, ensure_ascii=False)
                if text in seen:
                    raise _Abstain
                seen.add(text)
        return items
    return node


# --- models: docstrings filled in after datamodel-code-generator ---------------------------------
#
# dcg writes every schema/property description as a docstring (``use_schema_description`` /
# ``use_field_description``) and uses it nowhere else. So dcg runs on a copy of the spec in which
# each description is a token numbered by its position (so the copy does not change when a text
# does, even one that another schema shares), its output is cached under that copy, and the real texts are put in afterwards exactly as
# dcg would write them. A change of wording then costs a string substitution instead of a dcg run
# (~4 s). Anything unexpected (a token outside a docstring, a text dcg would not render as a
# docstring) makes `fill_docstrings` return None and the caller runs dcg on the real spec.
# tests/test_cache.py holds this to byte-identity with plain dcg on the Portkey spec and on
# adversarial descriptions.

_TOKEN_PREFIXES = ("Zq9Pkcg", "Zq8Pkcg", "Zq7Pkcg", "Zq6Pkcg")  # 7 characters each


def template_descriptions(spec: Any) -> tuple[Any, dict[str, str]] | None:
    """(`spec` with each description replaced by a token, token -> text), or None when no
    token prefix is free (the spec already contains all of them) or nothing is described."""
    try:
        flat = json.dumps(spec, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None
    prefix = next((p for p in _TOKEN_PREFIXES if p not in flat), None)
    if prefix is None:
        return None
    texts: dict[str, str] = {}  # token -> text
    pattern = re.compile(re.escape(prefix) + r"[0-9]{6}X")

    def walk(node: Any, parent_key: str | None) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "description" and isinstance(value, str) and parent_key not in _MAP_KEYS:
                    token = f"{prefix}{len(texts):06d}X"
                    texts[token] = value
                    out[key] = token
                elif key in _VERBATIM_KEYS or (isinstance(key, str) and key.startswith("x-")):
                    out[key] = value
                else:
                    out[key] = walk(value, key)
            return out
        if isinstance(node, list):
            return [walk(v, None) for v in node]
        return node

    try:
        templated = walk(spec, None)
    except RecursionError:
        return None
    if not texts or len(texts) >= 1_000_000:
        return None
    assert all(pattern.fullmatch(t) for t in texts)
    return templated, texts


def _docstring(text: str, indent: str) -> str | None:
    """The docstring literal dcg writes for `text` at `indent` (multi-line form), or None when
    dcg would write none (blank text) or the text is not plain enough to be sure."""
    if not text.strip() or "\r" in text or RAW_UNSAFE.search(text):
        return None  # escaped by render_models: take the full path rather than re-implement it
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\0", "\\x00")
    if indent:
        escaped = "\n".join(f"{indent}{line}" if line else "" for line in escaped.split("\n"))
    return f'"""\n{escaped}\n{indent}"""'


def fill_docstrings(source: str, texts: dict[str, str]) -> str | None:
    """`source` (dcg output for the templated spec) with each token's docstring replaced by the
    docstring of its text; None if any token appears other than as a whole docstring."""
    if not texts:
        return source
    prefix = next(iter(texts))[:7]
    block = re.compile(r'"""\n( *)(' + re.escape(prefix) + r'[0-9]{6}X)\n\1"""')
    failed = False

    def replace(match: "re.Match[str]") -> str:
        nonlocal failed
        text = texts.get(match.group(2))
        literal = None if text is None else _docstring(text, match.group(1))
        if literal is None:
            failed = True
            return match.group(0)
        return literal

    filled = block.sub(replace, source)
    if failed or prefix in block.sub("", source):
        return None
    return filled


