"""JSON pointer -> line/column in the YAML text, for diagnostics only.

Nothing here runs on the happy path: the position tree is made the first time a diagnostic asks
for a location (~0.1 s on the real spec) and cached per text (by sha256, a few entries). It comes
from the loader's own event walk (`load.position_tree`), so the keys are the same (the raw text
of each scalar key) and a text the loader refuses simply locates nothing.
"""

from __future__ import annotations

import hashlib

from . import pointer as jp
from .load import Node, position_tree

_CACHE_SIZE = 4
_cache: dict[str, Node | None] = {}
_last: tuple[str, Node | None] | None = None  # identity fast path for repeated lookups


def _tree(text: str) -> Node | None:
    global _last
    if _last is not None and _last[0] is text:
        return _last[1]
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if digest not in _cache:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[digest] = position_tree(text)
    tree = _cache[digest]
    _last = (text, tree)
    return tree


def locate(text: str, pointer: str, *, nearest: bool = False) -> tuple[int, int] | None:
    """1-based (line, column) of the node `pointer` names in the YAML `text`.

    A pointer ending in a mapping key gives the key's position (``default:``), one ending in
    a list index the item's. None when the pointer is malformed or names nothing; with
    ``nearest=True`` the deepest existing ancestor's position instead (None only when the
    text is not readable YAML).
    """
    tree = _tree(text)
    if tree is None:
        return None
    try:
        tokens = jp.split(pointer)
    except ValueError:
        return (tree[0], tree[1]) if nearest else None
    node = tree
    position = (tree[0], tree[1])
    for token in tokens:
        children = node[2]
        if isinstance(children, dict) and token in children:
            line, column, node = children[token]
            position = (line, column)
        elif (
            isinstance(children, list)
            and token.isdigit()
            and int(token) < len(children)
        ):
            node = children[int(token)]
            position = (node[0], node[1])
        else:
            return position if nearest else None
    return position


def clear_cache() -> None:
    """Forget cached position trees (tests; long-running processes)."""
    global _last
    _cache.clear()
    _last = None
