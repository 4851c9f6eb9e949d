"""Apply an OpenAPI Overlay 1.0 document (``spec/overlay.yaml``) to the loaded spec.

Semantics (Overlay 1.0.0), made precise where the standard leaves room:

* actions run in order, each on the result of the ones before it;
* ``target`` is a JSONPath (the subset below) and must select at least one node: a target
  that matches nothing is an error naming the action, so an overlay that went stale when
  upstream changed is noticed instead of silently doing nothing;
* ``remove: true`` deletes every selected node from its parent (the root cannot be removed);
* ``update`` on an object deep-merges: nested objects merge key by key, arrays are extended
  (the update's items appended), anything else is replaced; ``update`` on an array appends
  the update value as one new item (as the standard says); a scalar target is an error;
* an action has ``update`` or ``remove: true``, not both, not neither.

JSONPath subset (RFC 9535 syntax, no dependency): ``$`` root; ``.name`` (letters, digits,
``_``, non-ASCII; not starting with a digit); ``['name']`` / ``["name"]`` with any characters
including ``/`` and ``{}`` and the escapes ``\\' \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX``;
``[*]`` / ``.*`` all children; ``[n]`` array index (negative counts from the end). Filters,
slices, unions and ``..`` are refused with a clear error.

The input document is never mutated: containers are copied on write along the touched paths
only (the loaded spec shares objects through YAML aliases, and deep-copying the whole 1.2 MB
spec would cost more than loading it). Untouched sub-trees stay shared with the input.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from . import pointer as jp
from .diagnostics import Diagnostic, GeneratorError
from .load import MAX_BYTES, decode_spec_bytes, load_yaml_text, read_limited

Segment = str | int | None  # name, index, or None for the wildcard
JsonPath = tuple[Segment, ...]

_NAME_FIRST = re.compile(r"[A-Za-z_\u0080-\U0010ffff]")
_NAME = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*")
_INDEX = re.compile(r"-?(?:0|[1-9][0-9]*)")
_ESCAPES = {
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "/": "/",
    "\\": "\\",
    "'": "'",
    '"': '"',
}
_SUPPORTED = "supported: $, .name, ['name'], [\"name\"], [*], .*, [n]"
_VERSION = re.compile(r"1\.0\.\d+\Z")


class JsonPathError(ValueError):
    """A target outside the supported JSONPath subset."""


def parse_jsonpath(text: str) -> JsonPath:
    """``$.paths['/chat/completions'].post`` -> ``("paths", "/chat/completions", "post")``."""
    if not text.startswith("$"):
        raise JsonPathError("a JSONPath starts with '$'")
    segments: list[Segment] = []
    i, n = 1, len(text)
    while i < n:
        char = text[i]
        if char == ".":
            if text.startswith("..", i):
                raise JsonPathError(
                    f"'..' (descendants) at position {i} is not supported; {_SUPPORTED}"
                )
            if text.startswith(".*", i):
                segments.append(None)
                i += 2
                continue
            match = _NAME.match(text, i + 1)
            if match is None:
                hint = " (a name starting with a digit or holding '-', '/' etc. needs ['...'])"
                raise JsonPathError(f"expected a name after '.' at position {i}{hint}")
            segments.append(match.group())
            i = match.end()
        elif char == "[":
            i = _parse_bracket(text, i + 1, segments)
        else:
            raise JsonPathError(f"unexpected {char!r} at position {i}; {_SUPPORTED}")
    return tuple(segments)


def _parse_bracket(text: str, i: int, segments: list[Segment]) -> int:
    """Parse one ``[...]`` selector starting after '['; return the index after ']'."""
    n = len(text)
    while i < n and text[i] == " ":
        i += 1
    if i >= n:
        raise JsonPathError("unterminated '['")
    char = text[i]
    if char == "*":
        segments.append(None)
        i += 1
    elif char in "'\"":
        quote, i, chars = char, i + 1, []
        while True:
            if i >= n:
                raise JsonPathError("unterminated quoted name")
            c = text[i]
            if c == quote:
                i += 1
                break
            if c == "\\":
                if i + 1 >= n:
                    raise JsonPathError("unterminated escape in quoted name")
                e = text[i + 1]
                if e == "u":
                    hex_digits = text[i + 2 : i + 6]
                    if not re.fullmatch(r"[0-9a-fA-F]{4}", hex_digits):
                        raise JsonPathError(f"bad \\u escape at position {i}")
                    chars.append(chr(int(hex_digits, 16)))
                    i += 6
                    continue
                if e not in _ESCAPES:
                    raise JsonPathError(f"unknown escape \\{e} at position {i}")
                chars.append(_ESCAPES[e])
                i += 2
                continue
            chars.append(c)
            i += 1
        segments.append("".join(chars))
    else:
        match = _INDEX.match(text, i)
        if match is None:
            raise JsonPathError(f"unsupported selector at position {i}; {_SUPPORTED}")
        segments.append(int(match.group()))
        i = match.end()
    while i < n and text[i] == " ":
        i += 1
    if i >= n or text[i] != "]":
        raise JsonPathError(
            f"expected ']' at position {i} (unions, slices and filters are "
            f"not supported; {_SUPPORTED})"
        )
    return i + 1


def select(document: Any, path: JsonPath) -> list[tuple[tuple[str | int, ...], Any]]:
    """Every (location, node) `path` selects, location as a tuple of keys/indices."""
    current: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    for segment in path:
        found: list[tuple[tuple[str | int, ...], Any]] = []
        for location, node in current:
            if segment is None:
                if isinstance(node, dict):
                    found.extend((location + (k,), v) for k, v in node.items())
                elif isinstance(node, list):
                    found.extend((location + (k,), v) for k, v in enumerate(node))
            elif isinstance(segment, int):
                if isinstance(node, list) and -len(node) <= segment < len(node):
                    index = segment % len(node)
                    found.append((location + (index,), node[index]))
            elif isinstance(node, dict) and segment in node:
                found.append((location + (segment,), node[segment]))
        current = found
    return current


# --- copy on write ---------------------------------------------------------------------------


class _CopyOnWrite:
    """A new root sharing every sub-tree of the input except the containers written to."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._owned: set[int] = set()
        self._keep: list[Any] = []  # owned copies stay alive, so their ids stay unique

    def _own(self, node: Any) -> Any:
        if id(node) in self._owned:
            return node
        clone = dict(node) if isinstance(node, dict) else list(node)
        self._owned.add(id(clone))
        self._keep.append(clone)
        return clone

    def writable(self, location: tuple[str | int, ...]) -> Any:
        """The container at `location`, copied (with its ancestors) if not yet ours."""
        self.root = node = self._own(self.root)
        for token in location:
            child = node[token]
            owned = self._own(child)
            if owned is not child:
                node[token] = owned
            node = owned
        return node

    def merge(self, target: dict[str, Any], update: dict[str, Any]) -> None:
        """Deep-merge `update` into `target` (which must be owned)."""
        for key, value in update.items():
            current = target.get(key)
            if isinstance(current, dict) and isinstance(value, dict):
                child = self._own(current)
                target[key] = child
                self.merge(child, value)
            elif isinstance(current, list) and isinstance(value, list):
                extended = current + copy.deepcopy(value)  # a new list: ours
                self._owned.add(id(extended))
                self._keep.append(extended)
                target[key] = extended
            else:
                target[key] = copy.deepcopy(value)


# --- checking and applying -------------------------------------------------------------------


class _Checker:
    """Collects diagnostics about the overlay; its text (for lines) is read only if needed."""

    def __init__(
        self, file: str | None, text: str | None, path: Path | None = None
    ) -> None:
        self.file, self.text, self.path = file, text, path
        self.diagnostics: list[Diagnostic] = []

    def error(self, message: str, pointer: str, hint: str | None = None) -> None:
        line = column = None
        if self.text is None and self.path is not None:
            try:
                self.text = decode_spec_bytes(self.path.read_bytes(), self.file)
            except (OSError, GeneratorError):
                self.path = None  # lines are a nicety: give up on them quietly
        if self.text is not None:
            from .sourcemap import locate

            pos = locate(self.text, pointer, nearest=True)
            if pos:
                line, column = pos
        self.diagnostics.append(
            Diagnostic(
                "error",
                message,
                pointer=pointer,
                file=self.file,
                line=line,
                column=column,
                hint=hint,
                code="overlay",
            )
        )


def check_overlay(
    overlay: Any, *, file: str | None = None, text: str | None = None
) -> None:
    """Raise GeneratorError listing every shape problem of an Overlay 1.0 document."""
    _check(overlay, _Checker(file, text))


def _check(overlay: Any, check: _Checker) -> None:
    if not isinstance(overlay, dict):
        check.error("an overlay is a mapping with 'overlay', 'info' and 'actions'", "#")
        raise GeneratorError(check.diagnostics)
    version = overlay.get("overlay")
    if not isinstance(version, str) or not _VERSION.match(version):
        check.error(
            f"'overlay' must be the string '1.0.0' (got {version!r})",
            "#/overlay",
            hint="write overlay: 1.0.0",
        )
    info = overlay.get("info")
    if not isinstance(info, dict):
        check.error("'info' must be a mapping with 'title' and 'version'", "#/info")
    else:
        for field in ("title", "version"):
            if not isinstance(info.get(field), str):
                check.error(
                    f"info.{field} must be a string",
                    jp.join("info", field),
                    hint="quote it if it looks like a number",
                )
    if "extends" in overlay and not isinstance(overlay["extends"], str):
        check.error("'extends' must be a URL string", "#/extends")
    for key in overlay:
        if key not in ("overlay", "info", "actions", "extends") and not key.startswith(
            "x-"
        ):
            check.error(
                f"unknown overlay field {key!r}",
                jp.join(key),
                hint="allowed: overlay, info, extends, actions, x-*",
            )
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        check.error("'actions' must be a non-empty list", "#/actions")
        actions = []
    for index, action in enumerate(actions):
        _check_action(index, action, check)
    if check.diagnostics:
        raise GeneratorError(check.diagnostics)


def _check_action(index: int, action: Any, check: _Checker) -> None:
    """One action's shape: a mapping with a valid JSONPath target and exactly one of update/remove."""
    where = jp.join("actions", index)
    if not isinstance(action, dict):
        check.error(f"action {index} must be a mapping", where)
        return
    target = action.get("target")
    if not isinstance(target, str):
        check.error(
            f"action {index}: 'target' (a JSONPath string) is required",
            jp.child(where, "target") if "target" in action else where,
        )
    else:
        try:
            parse_jsonpath(target)
        except JsonPathError as exc:
            check.error(
                f"action {index}: bad target {target!r}: {exc}",
                jp.child(where, "target"),
            )
    if "description" in action and not isinstance(action["description"], str):
        check.error(
            f"action {index}: 'description' must be a string",
            jp.child(where, "description"),
        )
    remove = action.get("remove", False)
    if not isinstance(remove, bool):
        check.error(
            f"action {index}: 'remove' must be true or false",
            jp.child(where, "remove"),
        )
    has_update = action.get("update") is not None
    if remove is True and has_update:
        check.error(
            f"action {index} has both 'update' and 'remove: true' (update would be "
            "ignored)",
            where,
            hint="split it into two actions",
        )
    elif remove is not True and not has_update:
        check.error(f"action {index} has neither 'update' nor 'remove: true'", where)
    for key in action:
        if key not in (
            "target",
            "description",
            "update",
            "remove",
        ) and not key.startswith("x-"):
            check.error(
                f"action {index}: unknown field {key!r}",
                jp.child(where, key),
                hint="allowed: target, description, update, remove, x-*",
            )


def load_overlay(path: Path, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Read, parse and shape-check the overlay at `path` (GeneratorError with lines)."""
    path = Path(path)
    text = decode_spec_bytes(read_limited(path, max_bytes), str(path))
    overlay = load_yaml_text(text, file=str(path))
    check_overlay(overlay, file=str(path), text=text)
    return overlay


def _type_name(node: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }.get(type(node), "a number")


def apply_overlay(
    document: dict[str, Any],
    overlay: dict[str, Any],
    *,
    overlay_path: Path | None = None,
) -> dict[str, Any]:
    """A new document with `overlay`'s actions applied; `document` itself is left untouched.

    GeneratorError names the action (index, description, target, overlay file and line)
    when a target selects nothing or an update does not fit the node it selects.
    """
    file = str(overlay_path) if overlay_path is not None else None
    path = Path(overlay_path) if overlay_path is not None else None
    _check(overlay, _Checker(file, None, path))
    cow = _CopyOnWrite(document)
    problems = _Checker(file, None, path)
    for index, action in enumerate(overlay["actions"]):
        target = action["target"]
        about = f"action {index}"
        if action.get("description"):
            about += f" ({action['description'].strip().splitlines()[0][:80]})"
        where = jp.join("actions", index, "target")
        matches = select(cow.root, parse_jsonpath(target))
        if not matches:
            problems.error(
                f"{about}: target {target} matches nothing in the spec",
                where,
                hint="the upstream spec changed? update or drop this action",
            )
            continue
        if action.get("remove") is True:
            if any(not location for location, _ in matches):
                problems.error(f"{about}: cannot remove the root ($)", where)
                continue
            # Deepest/last first, so earlier list indices stay valid while we delete.
            for location in sorted((loc for loc, _ in matches), reverse=True):
                parent = cow.writable(location[:-1])
                del parent[location[-1]]
            continue
        update = action["update"]
        for location, node in matches:
            if isinstance(node, dict):
                if not isinstance(update, dict):
                    problems.error(
                        f"{about}: target {_where(location)} is an object, so "
                        f"'update' must be an object (got {_type_name(update)})",
                        jp.join("actions", index, "update"),
                    )
                    break
                cow.merge(cow.writable(location), update)
            elif isinstance(node, list):
                cow.writable(location).append(copy.deepcopy(update))
            else:
                problems.error(
                    f"{about}: target {_where(location)} is {_type_name(node)}; "
                    "an update target must be an object or an array",
                    where,
                    hint="target the object that holds it and update that key",
                )
                break
    if problems.diagnostics:
        raise GeneratorError(problems.diagnostics)
    return cow.root


def _where(location: tuple[str | int, ...]) -> str:
    return jp.join(*location)
