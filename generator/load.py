"""Read the spec YAML safely and fast; map JSON pointers back to lines for error messages.

How: libyaml's event parser (the parser half of ``yaml.CSafeLoader``; PyYAML's pure-Python
parser when libyaml is missing) feeds one small walker (`_Walk`) that makes the JSON-like
document in a single pass (and, for the source map's line:column lookups, the position tree:
`position_tree`, asked only when a diagnostic needs a line). Building it ourselves instead of using PyYAML's composer and
constructor is what makes every check below cheap and lets bad input fail *early*:

* nesting deeper than `MAX_DEPTH` is refused at the first event past the limit. PyYAML's C
  composer recurses on the C stack (a 100,000-deep ``[[[...`` segfaults the interpreter) and
  is quadratic on deep flow nesting, so the check cannot wait for a composed tree. The parser
  itself keeps its state on the heap and is safe at any depth.
* it is also ~3x faster than ``yaml.load(text, Loader=CSafeLoader)`` on the real spec
  (0.09 s vs 0.27-0.35 s): no node tree, no per-scalar resolver regex calls.
* aliases are shared, never copied, and their expanded size is counted: a "billion laughs"
  document is refused at the alias that pushes the expansion past a budget, in milliseconds.
* an alias to a node that is still open (``&a [*a]``) is refused: JSON has no cycles.
* an anchor defined twice is fine: the later definition applies to the aliases after it
  (YAML 1.2 says so; PyYAML's composer refuses it with "found duplicate anchor", and older
  upstream versions of the Portkey spec have one).
* mapping keys are always strings, made from the key's raw text: ``200:`` -> ``"200"``,
  ``on:`` -> ``"on"``, ``null:`` -> ``"null"``. A sequence/mapping used as a key is an error.
* duplicate keys in one mapping are an error naming both lines (JSON and YAML 1.2 require
  unique; keeping the last one silently hides spec bugs). Costs a few ms on the real spec.
* YAML merge keys (``<<: *base``, plain ``<<`` only) are applied as in PyYAML: explicit keys
  win, then the merged mappings in order.
* values are resolved with the YAML 1.2 core schema, see `resolve_plain`.
* any tag other than the standard JSON-compatible ones (str, int, float, bool, null, seq,
  map and the non-specific ``!``) is refused with its line; ``!!python/...`` by name.

The document shares objects wherever the YAML used an alias (the spec's ``servers:
*DataPlaneServers`` lists, for one). **Nothing downstream may mutate the loaded document**:
the overlay and $ref steps copy on write, everything else only reads.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from .diagnostics import Diagnostic, GeneratorError

#: The libyaml-backed loader when PyYAML was built with it (6x faster than the Python one).
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A spec larger than this is refused before it is read (the real one is 1.2 MB).
MAX_BYTES = 50 * 1024 * 1024
#: Deepest nesting accepted. The pinned spec's deepest node is at depth 20 (root = 1);
#: downstream recursive walkers (jsonschema, datamodel-code-generator) need headroom under
#: Python's recursion limit, so this stays far below what YAML itself allows.
MAX_DEPTH = 200
#: Alias expansion budget: nodes reachable through aliases may not exceed
#: ALIAS_FLOOR + ALIAS_RATIO * nodes actually written. The real spec: ~1,100 aliased nodes.
ALIAS_FLOOR = 100_000
ALIAS_RATIO = 10

_YAML = "tag:yaml.org,2002:"
_TAG_STR, _TAG_INT, _TAG_FLOAT = _YAML + "str", _YAML + "int", _YAML + "float"
_TAG_BOOL, _TAG_NULL = _YAML + "bool", _YAML + "null"
_SCALAR_TAGS = {None, "!", _TAG_STR, _TAG_INT, _TAG_FLOAT, _TAG_BOOL, _TAG_NULL}
_SEQ_TAGS = {None, "!", _YAML + "seq"}
_MAP_TAGS = {None, "!", _YAML + "map"}


@dataclass(frozen=True)
class LoadedSpec:
    """The parsed spec plus what is needed to point at lines in it. Treat `document` as
    read-only: it may share sub-objects (YAML aliases)."""

    document: dict[str, Any]
    path: Path
    text: str
    sha256: str  # of the raw bytes on disk

    def locate(self, pointer: str) -> tuple[int, int] | None:
        """(line, column), 1-based, of the node at `pointer`, or None."""
        from .sourcemap import locate

        return locate(self.text, pointer)

    def where(self, pointer: str) -> dict[str, Any]:
        """``file``/``line``/``column`` keyword arguments for a Diagnostic about `pointer`
        (the nearest existing ancestor's line when the node itself is not in the text).
        """
        return where_in(self.path, self.text, pointer)


def where_in(path: Path, text: str, pointer: str) -> dict[str, Any]:
    """``file``/``line``/``column`` of `pointer` in the YAML `text` read from `path` (the nearest
    existing ancestor's position when the node itself is not in the text)."""
    from .sourcemap import locate

    pos = locate(text, pointer, nearest=True)
    return {"file": str(path), "line": pos[0] if pos else None, "column": pos[1] if pos else None}


def _too_deep(
    max_depth: int, file: str | None, line: int | None, column: int | None
) -> GeneratorError:
    return _fail(
        f"YAML nesting is deeper than {max_depth} levels",
        file,
        line,
        column,
        hint="a real spec nests ~20 levels; this file looks malformed or hostile",
    )


def _fail(
    message: str,
    file: str | None,
    line: int | None = None,
    column: int | None = None,
    hint: str | None = None,
) -> GeneratorError:
    return GeneratorError(
        Diagnostic(
            "error",
            message,
            file=file,
            line=line,
            column=column,
            hint=hint,
            code="yaml",
        )
    )


# --- scalars ---------------------------------------------------------------------------------

# YAML 1.2 core schema, with one deliberate difference: a decimal integer with a leading zero
# (``0755``, ``-012``, ``00.5``) stays a *string*. YAML 1.1 tools (PyYAML, many editors) read
# ``0755`` as octal 493 and YAML 1.2 as decimal 755; when two readers disagree neither number
# is safe, and in a spec such values are codes ("007", zip codes) far more often than numbers.
# Write ``0o755`` for octal or quote the value to make the intent explicit.
_INT_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_OCT_RE = re.compile(r"0o[0-7]+\Z")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT_RE = re.compile(
    r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z"
)
_INF_RE = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN_RE = re.compile(r"\.(?:nan|NaN|NAN)\Z")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_NUMBER_START = frozenset("0123456789+-.")


def _number(text: str) -> int | float | None:
    """The core-schema number `text` spells, or None. Raises ValueError for ints too long
    for Python to convert (> 4300 digits)."""
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text):
        return float(text)
    if _OCT_RE.match(text):
        return int(text, 0)  # '0o...'
    if _HEX_RE.match(text):
        return int(text, 0)  # '0x...'
    if _INF_RE.match(text):
        return -math.inf if text[0] == "-" else math.inf
    if _NAN_RE.match(text):
        return math.nan
    return None


def resolve_plain(text: str) -> Any:
    """Value of an untagged plain scalar (YAML 1.2 core schema, leading-zero ints excepted).

    ``null``/``~``/empty -> None; only ``true``/``True``/``TRUE`` and the ``false`` forms are
    booleans (``yes``/``no``/``on``/``off`` stay strings); ``12``, ``0o14``, ``0xC`` ints;
    ``1.5``, ``1e3``, ``.inf``, ``.nan`` floats; timestamps, ``1_000``, ``1:20`` and
    ``0755`` stay strings (JSON Schema has no date type; see the note on leading zeros).
    """
    if not text:
        return None
    first = text[0]
    if first in _NUMBER_START:
        number = _number(text)
        return text if number is None else number
    if first in "nN~":
        return None if text in _NULLS else text
    if first in "tTfF":
        return _BOOLS.get(text, text)
    return text


def _tagged_scalar(tag: str, text: str) -> Any:
    """Value of a scalar with an explicit standard tag; ValueError when it does not fit."""
    if tag == _TAG_STR:
        return text
    if tag == _TAG_NULL:
        if text in _NULLS:
            return None
    elif tag == _TAG_BOOL:
        if text in _BOOLS:
            return _BOOLS[text]
    elif tag == _TAG_INT:
        # An explicit !!int means decimal even with leading zeros (YAML 1.2 core).
        if re.fullmatch(r"[-+]?[0-9]+", text):
            return int(text)
        number = _number(text)
        if isinstance(number, int):
            return number
    elif tag == _TAG_FLOAT:
        number = _number(text) if not re.fullmatch(r"[-+]?[0-9]+", text) else int(text)
        if number is not None:
            return float(number)
    raise ValueError(f"{text!r} is not a valid !!{tag[len(_YAML):]}")


def _describe_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


def _bad_tag(tag: str, file: str | None, mark: Any) -> GeneratorError:
    shown = _describe_tag(tag)
    if "python/" in tag:
        message = f"Python object tag {shown} is not allowed in a spec"
    else:
        message = f"unsupported YAML tag {shown}"
    return _fail(
        message,
        file,
        mark.line + 1,
        mark.column + 1,
        "a spec holds plain JSON data: remove the tag (or quote the value)",
    )


# --- the walk ----------------------------------------------------------------------------------

_NO_KEY = object()

#: A position node: (line, column, children), 1-based; children is a dict key -> (key_line,
#: key_column, node) for a mapping, a list of nodes for a sequence, None for a scalar.
Node = tuple[int, int, Any]


class _Frame:
    """One open mapping or sequence."""

    __slots__ = ("obj", "is_map", "key", "key_mark", "key_merges", "key_marks", "anchor", "size", "merges", "pos")

    def __init__(self, obj: Any, is_map: bool, anchor: str | None, pos: Node | None) -> None:
        self.obj = obj
        self.is_map = is_map
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        self.key_merges = False
        self.key_marks: dict[str, Any] | None = {} if is_map else None
        self.anchor = anchor
        self.size = 1
        self.merges: list[tuple[Any, Any, Node | None]] | None = None  # (value, mark, position)
        self.pos = pos  # its position node, when positions are wanted


class _Anchor:
    __slots__ = ("value", "size", "raw", "done", "mark", "pos")

    def __init__(self, value: Any, size: int, raw: str | None, done: bool, mark: Any, pos: Node | None) -> None:
        self.value, self.size, self.raw, self.done, self.mark, self.pos = value, size, raw, done, mark, pos


def _events(text: str, loader: type) -> Any:
    parser = loader(text)
    try:
        get_event = parser.get_event
        while True:
            event = get_event()
            yield event
            if type(event) is StreamEndEvent:
                return
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()


def _loc(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class _Walk:
    """One pass over the YAML events: the JSON-like document (see the module docstring) and, with
    `positions`, its position tree for the source map (sourcemap.py), built alongside."""

    def __init__(self, file: str | None, max_depth: int, positions: bool) -> None:
        self.file, self.max_depth, self.positions = file, max_depth, positions
        self.anchors: dict[str, _Anchor] = {}
        self.stack: list[_Frame] = []
        self.top: _Frame | None = None
        self.nodes = 0  # nodes actually written
        self.aliased = 0  # nodes reachable again through aliases
        self.documents = 0
        self.result: Any = _NO_KEY
        self.result_pos: Node | None = None

    def run(self, events: Any) -> tuple[Any, Node | None]:
        scalar, open_, close, alias = self._scalar, self._open, self._close, self._alias
        for event in events:
            kind = type(event)
            # Each handler puts a finished node into its parent (`_attach`).
            if kind is ScalarEvent:
                scalar(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                open_(event, kind is MappingStartEvent)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                close(event)
            elif kind is AliasEvent:
                alias(event)
            elif kind is DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    raise _fail(
                        "the file holds more than one YAML document", self.file, *_loc(event.start_mark),
                        hint="a spec is one document: remove '---'",
                    )  # fmt: skip
            elif kind is not StreamStartEvent and kind is not DocumentEndEvent and kind is not StreamEndEvent:
                raise _fail(f"unexpected YAML event {kind.__name__}", self.file)  # pragma: no cover
        if self.result is _NO_KEY:
            raise _fail("the file holds no YAML document", self.file, hint="is the file empty?")
        return self.result, self.result_pos

    def _scalar(self, event: Any) -> None:
        self.nodes += 1
        tag, raw, mark, top = event.tag, event.value, event.start_mark, self.top
        pos = (mark.line + 1, mark.column + 1, None) if self.positions else None
        if top is not None and top.is_map and top.key is _NO_KEY:
            # A mapping key: always its raw text (see module docstring).
            if tag not in _SCALAR_TAGS:
                raise _bad_tag(tag, self.file, mark)
            top.key, top.key_mark = raw, mark
            # Only a plain, untagged '<<' is a merge key ('<<' quoted is an ordinary key).
            top.key_merges = raw == "<<" and tag is None and event.implicit[0]
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchor(raw, 1, raw, True, mark, pos)
            return
        if tag is None:
            try:
                value = resolve_plain(raw) if event.implicit[0] else raw
            except ValueError:  # an integer of more than 4300 digits
                raise _fail(f"number too long ({len(raw)} characters)", self.file, *_loc(mark), hint="quote it if it is text") from None
        elif tag == "!":
            value = raw
        elif tag in _SCALAR_TAGS:
            try:
                value = _tagged_scalar(tag, raw)
            except ValueError as exc:
                raise _fail(str(exc), self.file, *_loc(mark)) from None
        else:
            raise _bad_tag(tag, self.file, mark)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(value, 1, raw, True, mark, pos)
        self._attach(value, 1, mark, pos)

    def _open(self, event: Any, is_map: bool) -> None:
        self.nodes += 1
        top, mark = self.top, event.start_mark
        if top is not None and top.is_map and top.key is _NO_KEY:
            raise _fail(
                f"a {'mapping' if is_map else 'sequence'} cannot be a mapping key", self.file, *_loc(mark),
                hint="JSON object keys are strings: use a plain or quoted scalar key",
            )  # fmt: skip
        if len(self.stack) >= self.max_depth:
            raise _too_deep(self.max_depth, self.file, *_loc(mark))
        if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
            raise _bad_tag(event.tag, self.file, mark)
        pos = (mark.line + 1, mark.column + 1, {} if is_map else []) if self.positions else None
        frame = _Frame({} if is_map else [], is_map, event.anchor, pos)
        if event.anchor is not None:  # registered open: an alias to it before it closes is a cycle
            self.anchors[event.anchor] = _Anchor(frame.obj, 0, None, False, mark, pos)
        self.stack.append(frame)
        self.top = frame

    def _close(self, event: Any) -> None:
        frame = self.stack.pop()
        self.top = self.stack[-1] if self.stack else None
        if frame.merges:
            _apply_merges(frame, self.file)
        if frame.anchor is not None:
            anchor = self.anchors.get(frame.anchor)
            if anchor is not None and anchor.value is frame.obj:
                anchor.size, anchor.done = frame.size, True
        self._attach(frame.obj, frame.size, event.start_mark, frame.pos)

    def _alias(self, event: Any) -> None:
        mark, name, top = event.start_mark, event.anchor, self.top
        anchor = self.anchors.get(name)
        if anchor is None:
            raise _fail(f"alias *{name} refers to an undefined anchor", self.file, *_loc(mark), hint=f"define &{name} before using it")
        if not anchor.done:
            raise _fail(
                f"alias *{name} refers to the node that contains it (anchor &{name} at line "
                f"{anchor.mark.line + 1}): self-referencing YAML cannot be turned into JSON",
                self.file, *_loc(mark), hint="use a $ref for recursive structures",
            )  # fmt: skip
        if top is not None and top.is_map and top.key is _NO_KEY:
            if anchor.raw is None:
                raise _fail(f"alias *{name} used as a mapping key is not a scalar", self.file, *_loc(mark))
            top.key, top.key_mark, top.key_merges = anchor.raw, mark, False
            return
        self.aliased += anchor.size
        if self.aliased > ALIAS_FLOOR + ALIAS_RATIO * self.nodes:
            raise _fail(
                f"YAML aliases expand to {self.aliased:,} more nodes from only {self.nodes:,} written (an alias bomb?)",
                self.file, *_loc(mark), hint="a spec uses aliases sparingly; this file looks malformed or hostile",
            )  # fmt: skip
        self._attach(anchor.value, anchor.size, mark, anchor.pos)

    def _attach(self, value: Any, size: int, mark: Any, pos: Node | None) -> None:
        """Put a finished node into its parent (or make it the document)."""
        top = self.top
        if top is None:
            self.result, self.result_pos = value, pos
            return
        top.size += size
        if not top.is_map:
            top.obj.append(value)
            if pos is not None:
                top.pos[2].append(pos)  # type: ignore[index]
            return
        key, key_mark = top.key, top.key_mark
        top.key = _NO_KEY
        if top.key_merges:
            if top.merges is None:
                top.merges = []
            top.merges.append((value, mark, pos))
            return
        obj = top.obj
        if key in obj:
            first = top.key_marks[key]  # type: ignore[index]
            raise _fail(
                f"duplicate key {key!r} (first defined at line {first.line + 1})", self.file, *_loc(key_mark),
                hint="keys in a mapping must be unique: remove or merge one of them",
            )  # fmt: skip
        obj[key] = value
        top.key_marks[key] = key_mark  # type: ignore[index]
        if pos is not None:
            top.pos[2][key] = (key_mark.line + 1, key_mark.column + 1, pos)  # type: ignore[index]


def _apply_merges(frame: _Frame, file: str | None) -> None:
    """PyYAML's merge order: merged keys first (earlier sources win), then the explicit keys,
    which always win. Rebuilt in place: nothing can alias a mapping before it closes."""
    mapping = frame.obj
    explicit = dict(mapping)
    merged: dict[str, Any] = {}
    for value, mark, _ in frame.merges or ():
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if not isinstance(source, dict):
                raise _fail("a '<<' merge key needs a mapping or a list of mappings", file, *_loc(mark))
            for key, item in source.items():
                if key not in explicit and key not in merged:
                    merged[key] = item
    mapping.clear()
    mapping.update(merged)
    mapping.update(explicit)
    if frame.pos is not None:  # the same order for positions: explicit keys are in already
        children = frame.pos[2]
        for _, _, pos in frame.merges or ():
            for source in pos[2] if isinstance(pos[2], list) else [pos]:  # type: ignore[index]
                for key, entry in (source[2] if isinstance(source[2], dict) else {}).items():
                    children.setdefault(key, entry)


# --- entry points ----------------------------------------------------------------------------


def load_yaml_text(
    text: str, *, file: str | None = None, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse one YAML document with the rules of this module; GeneratorError on bad input.
    Used for the spec, the overlay and files a $ref points to."""
    return _walk(text, file, max_depth, positions=False)[0]


def position_tree(text: str) -> Node | None:
    """The position tree of `text` (see `Node`), made by the same walk as the document, or None
    when the text is not YAML this module would load (the source map then locates nothing)."""
    try:
        return _walk(text, None, MAX_DEPTH, positions=True)[1]
    except GeneratorError:
        return None


def _walk(text: str, file: str | None, max_depth: int, *, positions: bool) -> tuple[Any, Node | None]:
    try:
        return _Walk(file, max_depth, positions).run(_events(text, Loader))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, file, max_depth) from None
    except yaml.reader.ReaderError as exc:
        line, column = _line_col(text, exc.position)
        code = (
            exc.character
            if isinstance(exc.character, int)
            else ord(exc.character[:1] or " ")
        )
        raise _fail(
            f"invalid YAML: {exc.reason} (character U+{code:04X})", file, line, column
        ) from None
    except (
        yaml.YAMLError
    ) as exc:  # pragma: no cover - every PyYAML error above has a mark
        raise _fail(f"invalid YAML: {exc}", file) from None


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _yaml_error(
    exc: yaml.MarkedYAMLError, text: str, file: str | None, max_depth: int = MAX_DEPTH
) -> GeneratorError:
    mark = exc.problem_mark or exc.context_mark
    if "maximum nesting depth" in str(exc.problem):
        # libyaml (PyYAML >= 6.0.4) has its own limit (1000) and, scanning ahead for flow
        # collections, may reach it before our event loop sees level `max_depth`.
        return _too_deep(
            max_depth,
            file,
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        )
    message = f"invalid YAML: {exc.problem or exc.context}"
    if exc.context and exc.problem:
        message += f" ({exc.context}"
        if exc.context_mark is not None and exc.context_mark is not mark:
            message += f" at line {exc.context_mark.line + 1}"
        message += ")"
    hint = None
    if mark is not None:
        lines = text.splitlines()
        if mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
            hint = "YAML indentation must use spaces, not tabs"
    return _fail(
        message,
        file,
        mark.line + 1 if mark else None,
        mark.column + 1 if mark else None,
        hint,
    )


def decode_spec_bytes(raw: bytes, file: str | None = None) -> str:
    """UTF-8 text of `raw` (a UTF-8 BOM is dropped); a clear error with line for anything
    else."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(
            "the file is UTF-16/UTF-32 encoded", file, 1, 1, hint="save it as UTF-8"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            f"the file is not valid UTF-8: byte 0x{raw[exc.start]:02x} "
            f"at line {line}, byte {column}",
            file,
            line,
            column,
            hint="save the file as UTF-8",
        ) from None


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The bytes of `path`, refusing files over `max_bytes` without reading them whole."""
    file = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _fail(
                f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit",
                file,
                hint="is this the right file? raise max_bytes if it really is",
            )
        with path.open("rb") as handle:
            raw = handle.read(
                max_bytes + 1
            )  # +1: notice a file that grew or is a device
    except OSError as exc:
        raise _fail(f"cannot read file: {exc.strerror or exc}", file) from None
    if len(raw) > max_bytes:
        raise _fail(f"the file is over the {max_bytes:,}-byte limit", file)
    return raw


def load_spec(
    path: Path, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> LoadedSpec:
    """Read and parse the spec at `path`; GeneratorError (file:line:col) on any bad input."""
    path = Path(path)
    raw = read_limited(path, max_bytes)
    text = decode_spec_bytes(raw, str(path))
    document = load_yaml_text(text, file=str(path), max_depth=max_depth)
    if not isinstance(document, dict):
        raise _fail(
            f"the spec is a {type(document).__name__ if document is not None else 'null'}, "
            "not a mapping",
            str(path),
            1,
            1,
            hint="an OpenAPI document starts with 'openapi: 3.x.y'",
        )
    return LoadedSpec(document, path, text, hashlib.sha256(raw).hexdigest())


def require_openapi(document: dict[str, Any], spec_path: Path) -> None:
    """A YAML that is no OpenAPI document at all is told so in one line, before the pin or the
    overlay trip over it (a bad `openapi` version is validation's to report)."""
    if "openapi" in document:
        return
    if "swagger" in document:
        what = f"a Swagger {document['swagger']} document, not OpenAPI 3: convert it first (e.g. with swagger2openapi)"
    else:
        what = "not an OpenAPI document: it has no top-level `openapi: 3.x` field (OpenAPI 3.0 and 3.1 are read)"
    raise GeneratorError(Diagnostic("error", what, file=str(spec_path), line=1))
