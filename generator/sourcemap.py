"""JSON pointer -> line/column in the YAML text, for diagnostics only.

Nothing here runs on the happy path: the position tree is built the first time a diagnostic
asks for a location (~0.1 s on the real spec) and cached per text (by sha256, a few entries).
It is built from the same parser events as `load.py` (so the same keys: the raw text of each
scalar key) rather than with ``yaml.compose``: PyYAML's composer refuses a redefined anchor
("found duplicate anchor") and recurses on the C stack, while this walk accepts what the
loader accepts and refuses nothing: on text it cannot read it simply locates nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from . import pointer as jp
from .load import MAX_DEPTH, Loader

# A node is (line, column, children): children is a dict key -> (key_line, key_column, node)
# for a mapping, a list of nodes for a sequence, None for a scalar. Lines/columns 1-based.
Node = tuple[int, int, dict[str, tuple[int, int, Any]] | list[Any] | None]

_CACHE_SIZE = 4
_cache: dict[str, Node | None] = {}
_last: tuple[str, Node | None] | None = None  # identity fast path for repeated lookups


def _build(text: str) -> Node | None:
    """Position tree of `text`, or None when it is not YAML this project would load."""
    parser = Loader(text)
    anchors: dict[str, Node] = {}
    scalar_anchors: dict[str, str] = {}  # anchor -> raw text, for alias keys
    stack: list[list[Any]] = []  # [node, pending key or None, merges]
    root: Node | None = None
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is ScalarEvent or kind is AliasEvent:
                mark = event.start_mark
                if stack and isinstance(stack[-1][0][2], dict) and stack[-1][1] is None:
                    if kind is ScalarEvent:
                        key = event.value
                        plain_merge = (
                            key == "<<" and event.tag is None and event.implicit[0]
                        )
                        if event.anchor is not None:
                            anchors[event.anchor] = (
                                mark.line + 1,
                                mark.column + 1,
                                None,
                            )
                            scalar_anchors[event.anchor] = key
                    else:
                        if event.anchor not in scalar_anchors:
                            return None
                        key, plain_merge = scalar_anchors[event.anchor], False
                    stack[-1][1] = (key, mark.line + 1, mark.column + 1, plain_merge)
                    continue
                if kind is ScalarEvent:
                    node: Node = (mark.line + 1, mark.column + 1, None)
                    if event.anchor is not None:
                        anchors[event.anchor] = node
                        scalar_anchors[event.anchor] = event.value
                else:
                    found = anchors.get(event.anchor)
                    if found is None:
                        return None
                    node = found
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    return None
                if stack and isinstance(stack[-1][0][2], dict) and stack[-1][1] is None:
                    return None  # a collection as a key: the loader refuses it too
                mark = event.start_mark
                children: Any = {} if kind is MappingStartEvent else []
                node = (mark.line + 1, mark.column + 1, children)
                if event.anchor is not None:
                    anchors[event.anchor] = node
                    scalar_anchors.pop(event.anchor, None)
                stack.append([node, None, None])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                node, _, merges = stack.pop()
                if merges:
                    _merge(node, merges)
            elif kind is yaml.StreamEndEvent:
                return root
            else:
                continue
            if not stack:
                if root is None:
                    root = node
                continue
            frame = stack[-1]
            container = frame[0][2]
            if isinstance(container, dict):
                key, line, column, plain_merge = frame[1]
                frame[1] = None
                if plain_merge:
                    frame[2] = (frame[2] or []) + [node]
                elif key not in container:
                    container[key] = (line, column, node)
            else:
                container.append(node)
    except yaml.YAMLError:
        return None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()


def _merge(node: Node, merges: list[Node]) -> None:
    mapping = node[2]
    assert isinstance(mapping, dict)
    for merged in merges:
        sources = merged[2] if isinstance(merged[2], list) else [merged]
        for source in sources:
            if isinstance(source[2], dict):
                for key, entry in source[2].items():
                    mapping.setdefault(key, entry)


def _tree(text: str) -> Node | None:
    global _last
    if _last is not None and _last[0] is text:
        return _last[1]
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if digest not in _cache:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[digest] = _build(text)
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
