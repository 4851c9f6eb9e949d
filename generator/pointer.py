"""JSON pointers (RFC 6901) over the loaded spec."""

from __future__ import annotations

from typing import Any, Iterable


def escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(*tokens: object) -> str:
    """``join("paths", "/chat/completions", "post")`` -> ``#/paths/~1chat~1completions/post``."""
    return "#" + "".join("/" + escape(str(t)) for t in tokens)


def child(pointer: str, *tokens: object) -> str:
    return pointer + "".join("/" + escape(str(t)) for t in tokens)


def split(pointer: str) -> list[str]:
    """``#/a/b~1c`` -> ``["a", "b/c"]``. Raises ValueError on a malformed pointer."""
    if pointer.startswith("#"):
        pointer = pointer[1:]
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    return [unescape(t) for t in pointer[1:].split("/")]


def resolve(document: Any, pointer: str) -> Any:
    """Follow `pointer` into `document`; KeyError/IndexError/ValueError when it does not exist."""
    node = document
    for token in split(pointer):
        if isinstance(node, dict):
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit():
                raise ValueError(f"not a list index: {token!r}")
            node = node[int(token)]
        else:
            raise KeyError(token)
    return node


def from_path(path: Iterable[object]) -> str:
    return join(*path)
