"""``$ref`` checking and bundling: afterwards every ``$ref`` is an internal ``#/...`` pointer.

* Internal refs are checked: malformed pointers (``#foo``, ``#/a/~2``) and dangling ones are
  errors naming the ref and the pointer of the object that holds it.
* Relative file refs (``other.yaml#/Foo``, ``./schemas/x.yaml``) are read with the spec's
  own safe loader. What the target becomes depends on where the ``$ref`` sits (`_step`): in
  a place OpenAPI gives a Reference Object it is copied into that ``components`` section
  (``schemas``, ``parameters``, ``responses``...); a path item, and data (an ``example``, an
  example's ``value``, an ``x-`` extension's value) are copied in place; anywhere else (an
  Operation, a tag's description...) the ``$ref`` is left as written, for validation to report
  where it is. Refs inside those files are resolved relative to them. Files must lie inside
  the spec's folder (after resolving symlinks and ``..``).
* The generator never opens a URL: ``http(s)://`` and any other scheme are always refused.
  ``allow_remote=True`` only lifts the folder confinement for *local* files (absolute paths,
  ``file://`` URLs, ``../`` leaving the folder).
* Recursive schemas (self, mutual, through arrays and ``allOf``) are fine: refs are never
  expanded. A pure ``$ref`` loop (A is only ``$ref: B``, B only ``$ref: A``) names nothing
  and is an error naming the cycle.

The input is never mutated. With no file refs (the Portkey spec) the input object itself is
returned; otherwise only the containers on the way to a rewritten ``$ref`` are copied, and
objects the YAML shared (aliases) stay shared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from . import pointer as jp
from .diagnostics import Diagnostic, GeneratorError
from .load import MAX_BYTES, decode_spec_bytes, load_yaml_text, read_limited
from .schema import HTTP_METHODS

if TYPE_CHECKING:
    from .load import LoadedSpec

_BAD_ESCAPE = re.compile(r"~(?![01])")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NAME_CHARS = re.compile(
    r"[^A-Za-z0-9._-]+"
)  # OpenAPI 3.0 component keys: ^[a-zA-Z0-9.\-_]+$


# --- walking ---------------------------------------------------------------------------------


def _holders(document: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, dict) for every dict holding a ``$ref`` key, in document order.

    Iterative (a 300-deep document cannot hit the recursion limit) and linear: an object the
    YAML shared through an alias is walked once, at its first pointer.
    """
    # Marked when popped, so the pointer kept for a shared object is its first in document
    # order (where the YAML anchor is written). Each container is expanded once, so the
    # stack never holds more entries than there are parent-child links between them.
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(document, "#")]
    child = jp.child
    while stack:
        node, pointer = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if "$ref" in node:
                yield pointer, node
            items = [
                (v, child(pointer, k))
                for k, v in node.items()
                if isinstance(v, (dict, list)) and id(v) not in seen
            ]
        else:
            items = [
                (v, f"{pointer}/{i}")
                for i, v in enumerate(node)
                if isinstance(v, (dict, list)) and id(v) not in seen
            ]
        stack.extend(reversed(items))


def iter_refs(document: Any) -> Iterator[tuple[str, str]]:
    """(pointer of the object holding the ``$ref``, ref string) for each string ``$ref``."""
    for pointer, holder in _holders(document):
        ref = holder["$ref"]
        if isinstance(ref, str):
            yield pointer, ref


# --- pointers --------------------------------------------------------------------------------


def check_pointer(fragment: str) -> str | None:
    """Why `fragment` (the part after '#') is not a JSON pointer, or None when it is one."""
    if fragment and not fragment.startswith("/"):
        return "the part after '#' must be empty or start with '/' (named anchors are not supported)"
    if _BAD_ESCAPE.search(fragment):
        return "'~' must be followed by 0 or 1 ('~0' is '~', '~1' is '/')"
    return None


_MISSING = object()


def _lookup(document: Any, fragment: str) -> Any:
    """The node at JSON pointer `fragment` ('/a/b'), or _MISSING. Tries the percent-decoded
    form too (RFC 6901 section 6: pointers in URI fragments may be percent-encoded)."""
    for candidate in (fragment, unquote(fragment)) if "%" in fragment else (fragment,):
        try:
            return jp.resolve(document, "#" + candidate)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
    return _MISSING


def _through_ref(document: Any, fragment: str) -> str | None:
    """The pointer of a ``$ref`` the path runs through, if that is why it does not resolve."""
    node = document
    walked: list[str] = []
    for token in jp.split("#" + fragment):
        if isinstance(node, dict) and "$ref" in node and token not in node:
            return jp.join(*walked)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
        walked.append(token)
    return None


def check_internal_refs(document: Any) -> list[tuple[str, str, str | None]]:
    """(message, pointer of the holder, hint) for each malformed or dangling internal ref."""
    found: list[tuple[str, str, str | None]] = []
    for pointer, ref in iter_refs(document):
        if not ref.startswith("#"):
            continue
        problem = check_pointer(ref[1:])
        if problem:
            found.append((f"malformed $ref {ref!r}: {problem}", pointer, None))
        elif _lookup(document, ref[1:]) is _MISSING:
            through = _through_ref(document, ref[1:])
            found.append(
                (f"$ref {ref!r} points to nothing", pointer, _dangling_hint(through))
            )
    return found


def _dangling_hint(through: str | None) -> str:
    if through:
        return (
            f"the path runs through the $ref at {through}; point at its target instead"
        )
    return "check the spelling; '/' in a key is written '~1', '~' as '~0'"


# --- resolving -------------------------------------------------------------------------------


@dataclass
class _File:
    path: Path  # resolved
    text: str
    document: Any


@dataclass
class _Target:
    """One external node to bundle: file + pointer inside it."""

    file: _File
    fragment: str
    kind: str  # what the $ref names there (see _step): its components section, or inlined
    node: Any
    name: str = ""

    @property
    def section(self) -> str:
        """The components section it is bundled into ("" = its content is copied in)."""
        return _SECTIONS.get(self.kind, "")


@dataclass
class _State:
    base_dir: Path
    spec_file: Path
    allow_remote: bool
    source: LoadedSpec | None
    main: Any
    files: dict[Path, _File] = field(default_factory=dict)
    targets: dict[tuple[Path, str, str], _Target] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # id of a holder -> its final form: a dict, or (target, holder) until targets are named
    replacements: dict[int, Any] = field(default_factory=dict)
    holder_pointers: dict[int, str] = field(default_factory=dict)  # main-document holders -> pointer
    main_text: str | None = None  # the main spec's text, read lazily for line numbers

    def error(
        self,
        message: str,
        pointer: str | None,
        in_file: _File | None = None,
        hint: str | None = None,
    ) -> None:
        where: dict[str, Any] = {}
        if in_file is not None:
            from .sourcemap import locate

            pos = locate(in_file.text, pointer or "#", nearest=True)
            where = {
                "file": str(in_file.path),
                "line": pos[0] if pos else None,
                "column": pos[1] if pos else None,
            }
        elif self.source is not None and pointer is not None:
            where = self.source.where(pointer)
        elif pointer is not None:
            where = self._main_where(pointer)
        else:
            where = {"file": str(self.spec_file)}
        self.diagnostics.append(
            Diagnostic(
                "error", message, pointer=pointer, hint=hint, code="ref", **where
            )
        )


    def _main_where(self, pointer: str) -> dict[str, Any]:
        """file/line/column of `pointer` in the main spec when no LoadedSpec was given: its text
        is read again (once) just for the line numbers; if that fails, the file alone."""
        from .sourcemap import locate

        if self.main_text is None:
            try:
                self.main_text = decode_spec_bytes(read_limited(self.spec_file, MAX_BYTES), str(self.spec_file))
            except (OSError, GeneratorError):
                self.main_text = ""
        pos = locate(self.main_text, pointer, nearest=True) if self.main_text else None
        return {"file": str(self.spec_file), "line": pos[0] if pos else None, "column": pos[1] if pos else None}


# Where a ``$ref`` sits decides what it names. Each kind of OpenAPI object: the kind of the value
# under each of its keys ("map:K" / "list:K": every entry is a K). Keys not listed lead to "other".
_FIELDS: dict[str, dict[str, str]] = {
    "doc": {"paths": "map:pathitem", "webhooks": "map:pathitem", "components": "components", "tags": "list:tag"},
    "components": {
        "schemas": "map:schema", "responses": "map:response", "parameters": "map:parameter",
        "examples": "map:example", "requestBodies": "map:requestbody", "headers": "map:header",
        "securitySchemes": "map:securityscheme", "links": "map:link", "callbacks": "map:callback",
        "pathItems": "map:pathitem",
    },
    "pathitem": {**{m: "operation" for m in HTTP_METHODS}, "parameters": "list:parameter"},
    "operation": {
        "parameters": "list:parameter", "requestBody": "requestbody", "responses": "map:response",
        "callbacks": "map:callback",
    },
    "callback": {},  # every key: a path item (see _step)
    "parameter": {"schema": "schema", "content": "map:mediatype", "examples": "map:example", "example": "data"},
    "header": {"schema": "schema", "content": "map:mediatype", "examples": "map:example", "example": "data"},
    "requestbody": {"content": "map:mediatype"},
    "response": {"headers": "map:header", "content": "map:mediatype", "links": "map:link"},
    "mediatype": {"schema": "schema", "example": "data", "examples": "map:example", "encoding": "map:encoding"},
    "encoding": {"headers": "map:header"},
    "example": {"value": "data"},
    "link": {"parameters": "data", "requestBody": "data"},
    "schema": {
        **dict.fromkeys(
            ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "dependencies"),
            "map:schema",
        ),
        **dict.fromkeys(("allOf", "oneOf", "anyOf", "prefixItems"), "list:schema"),
        **dict.fromkeys(
            ("items", "additionalItems", "additionalProperties", "not", "contains", "if", "then", "else",
             "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema"),
            "schema",
        ),
        **dict.fromkeys(("example", "examples", "default", "enum", "const"), "data"),
    },
}  # fmt: skip
# The components section each kind of Reference Object target is bundled into.
_SECTIONS = {
    "schema": "schemas", "parameter": "parameters", "response": "responses", "requestbody": "requestBodies",
    "header": "headers", "example": "examples", "link": "links", "callback": "callbacks",
    "securityscheme": "securitySchemes",
}  # fmt: skip
_INLINED = frozenset({"pathitem", "data"})  # no 3.0 components section: the content is copied in


def _step(kind: str, token: str) -> str:
    """The kind of the value under `token` in a value of `kind`."""
    if kind == "data":
        return "data"
    if kind.startswith(("map:", "list:")):
        return "data" if token.startswith("x-") and kind != "map:schema" else kind.split(":", 1)[1]
    if token.startswith("x-"):
        return "data"  # an extension's value is free-form (x-codeSamples...)
    if kind == "callback":
        return "pathitem"
    if kind == "schema" and token.isdigit():
        return "schema"  # `items` written as a list (tuple validation)
    return _FIELDS.get(kind, {}).get(token, "other")


def _kind(start: str, pointer: str) -> str:
    """The kind of object at `pointer` (relative to a value of kind `start`)."""
    kind = start
    for token in jp.split(pointer):
        kind = _step(kind, token)
    return kind


def _relative_file(
    state: _State, ref: str, base: Path, pointer: str, in_file: _File | None
) -> tuple[Path, str] | None:
    """(resolved file, fragment) a non-'#' ref names, or None after reporting why not."""
    used = f"$ref {ref!r}"
    if _SCHEME.match(ref) and not re.match(r"[A-Za-z]:[\\/]", ref):
        parts = urlsplit(ref)
        if parts.scheme != "file" or not state.allow_remote:
            state.error(
                f"{used} is a URL: refused (the generator never opens a URL)",
                pointer,
                in_file,
                hint=(
                    "download the file next to the spec and use a relative $ref"
                    if parts.scheme != "file"
                    else "use a path relative to the spec (or allow_remote=True for local files)"
                ),
            )
            return None
        raw_path, fragment = unquote(parts.path), parts.fragment
    else:
        if "?" in ref.split("#", 1)[0]:
            state.error(
                f"{used}: a query string is not supported in a file $ref",
                pointer,
                in_file,
            )
            return None
        raw_path, _, fragment = ref.partition("#")
        raw_path = unquote(raw_path)
    problem = check_pointer(fragment)
    if problem:
        state.error(f"malformed {used}: {problem}", pointer, in_file)
        return None
    candidate = Path(raw_path)
    if candidate.is_absolute() or re.match(r"[A-Za-z]:[\\/]", raw_path):
        if not state.allow_remote:
            state.error(
                f"{used} is an absolute path: refused",
                pointer,
                in_file,
                hint="use a path relative to the spec's folder",
            )
            return None
    else:
        candidate = base / candidate
    resolved = candidate.resolve()
    root = state.base_dir.resolve()
    if not state.allow_remote and not resolved.is_relative_to(root):
        state.error(
            f"{used} leaves the spec's folder {root}: refused",
            pointer,
            in_file,
            hint="keep referenced files inside the spec's folder",
        )
        return None
    return resolved, fragment


def _load_file(
    state: _State, path: Path, ref: str, pointer: str, in_file: _File | None
) -> _File | None:
    if path in state.files:
        return state.files[path]
    if not path.is_file():
        state.error(f"$ref {ref!r}: file {path} does not exist", pointer, in_file)
        return None
    try:
        text = decode_spec_bytes(read_limited(path, MAX_BYTES), str(path))
        document = load_yaml_text(text, file=str(path))
    except GeneratorError as exc:
        # The problem is in the referenced file (its lines); say which $ref led there.
        origin = f" in {in_file.path}" if in_file is not None else ""
        state.diagnostics.extend(
            replace(d, message=f"{d.message} (the file $ref {ref!r} names, at {pointer}{origin})")
            for d in exc.diagnostics
        )
        return None
    loaded = _File(path, text, document)
    state.files[path] = loaded
    return loaded


def _internal(
    state: _State, document: Any, ref: str, pointer: str, in_file: _File | None
) -> bool:
    """Check an internal ref; report and return False when malformed or dangling."""
    fragment = ref[1:]
    problem = check_pointer(fragment)
    if problem:
        state.error(f"malformed $ref {ref!r}: {problem}", pointer, in_file)
        return False
    if _lookup(document, fragment) is _MISSING:
        hint = _dangling_hint(_through_ref(document, fragment))
        where = f" in {in_file.path}" if in_file is not None else ""
        state.error(
            f"$ref {ref!r}{where} points to nothing", pointer, in_file, hint=hint
        )
        return False
    return True


def _target_for(
    state: _State,
    ref: str,
    pointer: str,
    base: Path,
    in_file: _File | None,
    kind: str,
    located: tuple[Path, str] | None = None,
) -> tuple[str, _Target | None] | None:
    """Resolve a file ref: ("#/..." when it lands in the main spec, None) or ("", target).
    `located` (file, fragment) skips parsing `ref` (a '#...' ref inside a bundled file).
    """
    if located is None:
        located = _relative_file(state, ref, base, pointer, in_file)
    if located is None:
        return None
    path, fragment = located
    if path == state.spec_file.resolve():
        internal = "#" + fragment
        return (
            (internal, None)
            if _internal(state, state.main, internal, pointer, in_file)
            else None
        )
    loaded = _load_file(state, path, ref, pointer, in_file)
    if loaded is None:
        return None
    node = _lookup(loaded.document, fragment)
    if node is _MISSING:
        state.error(
            f"$ref {ref!r}: #{fragment} points to nothing in {path}", pointer, in_file
        )
        return None
    key = (path, fragment, kind)
    if key not in state.targets:
        state.targets[key] = _Target(loaded, fragment, kind, node)
    return "", state.targets[key]


def _substitute(root: Any, replacements: dict[int, Any]) -> Any:
    """`root` with each container whose id is in `replacements` swapped for its replacement;
    ancestors are copied, everything else (and sharing) kept. Iterative post-order."""
    if not replacements:
        return root
    memo: dict[int, Any] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if key in memo:
            continue
        if key in replacements:
            memo[key] = replacements[key]
            continue
        children = node.values() if isinstance(node, dict) else node
        if not ready:
            if key in active:
                raise GeneratorError(
                    Diagnostic("error", "the document contains a cycle", code="ref")
                )
            active.add(key)
            stack.append((node, True))
            stack.extend(
                (c, False)
                for c in children
                if isinstance(c, (dict, list)) and id(c) not in memo
            )
            continue
        active.discard(key)
        if isinstance(node, dict):
            new: Any = {
                k: memo.get(id(v), v) if isinstance(v, (dict, list)) else v
                for k, v in node.items()
            }
            changed = any(new[k] is not v for k, v in node.items())
        else:
            new = [
                memo.get(id(v), v) if isinstance(v, (dict, list)) else v for v in node
            ]
            changed = any(a is not b for a, b in zip(new, node))
        memo[key] = new if changed else node
    return memo.get(id(root), root)


def _name_targets(state: _State, document: dict[str, Any]) -> None:
    """Deterministic, collision-free component names, in order of first use."""
    found = document.get("components")
    components: dict[str, Any] = found if isinstance(found, dict) else {}
    taken: dict[str, set[str]] = {}
    for target in state.targets.values():
        if not target.section:
            continue
        used = taken.setdefault(
            target.section, set(components.get(target.section) or {})
        )
        tokens = jp.split("#" + target.fragment)
        stem = _NAME_CHARS.sub("_", target.file.path.stem).strip("_") or "external"
        base = _NAME_CHARS.sub("_", tokens[-1]).strip("_") if tokens else stem
        base = base or stem
        candidates = [base] + ([f"{stem}_{base}"] if base != stem else [])
        name = next((c for c in candidates if c not in used), None)
        counter = 2
        while name is None:
            if f"{base}_{counter}" not in used:
                name = f"{base}_{counter}"
            counter += 1
        used.add(name)
        target.name = name


def _pure_ref_cycles(state: _State, document: Any) -> None:
    """Report chains of objects that are nothing but a ``$ref`` and lead back to themselves."""
    pure: dict[str, str] = {}  # pointer of a pure-ref object -> its ref
    for pointer, holder in _holders(document):
        ref = holder.get("$ref")
        if len(holder) == 1 and isinstance(ref, str) and ref.startswith("#"):
            pure[pointer] = ref
    if not pure:
        return
    done: set[str] = set()
    for start in pure:
        chain: list[str] = []
        position: dict[str, int] = {}
        current: str | None = start
        while current is not None and current in pure and current not in done:
            if current in position:
                loop = chain[position[current] :] + [current]
                state.error(
                    "$ref cycle: " + " -> ".join(loop) + " (each of these is only a "
                    "$ref, so none of them names a schema)",
                    loop[0],
                    hint="make one of them a real schema",
                )
                break
            position[current] = len(chain)
            chain.append(current)
            target = pure[current]
            current = _canonical(target, pure)
        done.update(chain)


def _canonical(ref: str, known: dict[str, str]) -> str:
    """The pointer form of an internal ref, as `_holders` spells pointers."""
    tokens = jp.split(ref) if not ref[1:] or ref[1:].startswith("/") else None
    if tokens is None:
        return ref
    canonical = jp.join(*tokens)
    if canonical not in known and "%" in ref:
        canonical = jp.join(*jp.split(unquote(ref)))
    return canonical


def resolve_refs(
    document: dict[str, Any],
    *,
    base_dir: Path,
    spec_file: Path,
    allow_remote: bool = False,
    source: LoadedSpec | None = None,
    origins: dict[str, tuple[Path, str, str]] | None = None,
) -> dict[str, Any]:
    """`document` with every ``$ref`` internal (see the module docstring).

    `spec_file` is the file `document` came from (relative refs start there), `base_dir` the
    folder no referenced file may leave. `source`, when given, adds line numbers to errors.
    Raises GeneratorError listing every bad ref. Returns `document` itself when it has no
    file refs. `origins`, when given, receives where each bundled node came from: pointer in
    the result -> (file, pointer fragment in that file, the file's text); see `BundledSource`.
    """
    state = _State(Path(base_dir), Path(spec_file), allow_remote, source, document)
    _visit(state, document, Path(spec_file).resolve().parent, None, "", "doc")
    # Bundled files may refer to more files: keep going until no new target appears.
    visited: set[int] = set()
    while pending := [t for t in state.targets.values() if id(t) not in visited]:
        for target in pending:
            visited.add(id(target))
            if isinstance(target.node, (dict, list)):
                _visit(state, target.node, target.file.path.parent, target.file, "#" + target.fragment, target.kind)
    _name_targets(state, document)
    _raise_if_errors(state)
    if not state.replacements:
        _pure_ref_cycles(state, document)
        _raise_if_errors(state)
        return document
    _finish_holders(state, origins)
    _raise_if_errors(state)
    result = _assemble(state, document, origins)
    _pure_ref_cycles(state, result)
    _raise_if_errors(state)
    return result


def _raise_if_errors(state: _State) -> None:
    if state.diagnostics:
        raise GeneratorError(state.diagnostics)


def _visit(state: _State, root: Any, base: Path, in_file: _File | None, prefix: str, start: str) -> None:
    """Plan the rewriting of every ``$ref`` under `root` (a value of kind `start`, found at
    `prefix` in `in_file`, or the main document when None) into `state.replacements`."""
    for pointer, holder in _holders(root):
        ref = holder["$ref"]
        full = pointer if not prefix else prefix + pointer[1:]
        kind = _kind(start, pointer)
        if isinstance(ref, dict) or (kind not in _SECTIONS and kind not in _INLINED):
            # a property named "$ref"; or a $ref where OpenAPI has no Reference Object (an
            # Operation, a tag's description...): left as written, validation reports it there
            continue
        if not isinstance(ref, str):
            state.error(f"$ref must be a string, not {type(ref).__name__}", full, in_file)
            continue
        if ref == "":
            state.error("empty $ref", full, in_file)
            continue
        if ref.startswith("#") and in_file is None:
            _internal(state, root, ref, full, None)
            continue
        if ref.startswith("#"):  # '#/...' inside an external file means that file: bundle it too
            problem = check_pointer(ref[1:])
            if problem:
                state.error(f"malformed $ref {ref!r}: {problem}", full, in_file)
                continue
            located: tuple[Path, str] | None = (in_file.path, ref[1:])  # type: ignore[union-attr]
            found = _target_for(state, ref, full, in_file.path.parent, in_file, kind, located=located)  # type: ignore[union-attr]
        else:
            found = _target_for(state, ref, full, base, in_file, kind)
        if found is None:
            continue
        internal, target = found
        if target is None:
            state.replacements[id(holder)] = {**holder, "$ref": internal}
            continue
        state.replacements[id(holder)] = (target, holder)  # finished once names are known
        if in_file is None:
            state.holder_pointers[id(holder)] = full


def _finish_holders(state: _State, origins: dict[str, tuple[Path, str, str]] | None) -> None:
    """Final form of each rewritten holder: a ref to its component, or (path items, example
    values, extension values) the file's content copied in."""
    replacements = state.replacements
    inline: dict[int, Any] = {}
    for key, value in list(replacements.items()):
        if isinstance(value, tuple):
            target, holder = value
            if target.section:
                replacements[key] = {**holder, "$ref": jp.join("components", target.section, target.name)}
            else:
                inline[key] = (target, holder)
    for key, (target, holder) in inline.items():
        if origins is not None and key in state.holder_pointers:
            origins[state.holder_pointers[key]] = (target.file.path, target.fragment, target.file.text)
        node = target.node
        content = _substitute(node, replacements) if isinstance(node, (dict, list)) else node
        if isinstance(content, dict):
            replacements[key] = {**content, **{k: v for k, v in holder.items() if k != "$ref"}}
        elif target.kind == "data":
            replacements[key] = content  # an example or extension value may be a list or a scalar
        else:
            state.error(f"$ref {holder['$ref']!r} must name an object", None, target.file)


def _assemble(state: _State, document: dict[str, Any], origins: dict[str, tuple[Path, str, str]] | None) -> dict[str, Any]:
    """The document with the holders replaced and the bundled components added."""
    result = _substitute(document, state.replacements)
    if result is document:
        result = dict(document)
    components = dict(result.get("components") or {})
    for target in state.targets.values():
        if target.section:
            if origins is not None:
                where = jp.join("components", target.section, target.name)
                origins[where] = (target.file.path, target.fragment, target.file.text)
            section = dict(components.get(target.section) or {})
            section[target.name] = _substitute(target.node, state.replacements)
            components[target.section] = section
    if any(t.section for t in state.targets.values()):
        result["components"] = components
    return result


class BundledSource:
    """A LoadedSpec whose `where` knows the files `resolve_refs` bundled: a pointer into a bundled
    component (or inlined path item) is reported at its own file and line, not the main spec's."""

    def __init__(self, loaded: LoadedSpec, origins: dict[str, tuple[Path, str, str]]) -> None:
        self._loaded = loaded
        # longest first, so a nested origin wins over its container's
        self._origins = sorted(origins.items(), key=lambda item: len(item[0]), reverse=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loaded, name)

    def where(self, pointer: str) -> dict[str, Any]:
        from .load import where_in

        for prefix, (path, fragment, text) in self._origins:
            if pointer == prefix or pointer.startswith(prefix + "/"):
                return where_in(path, text, "#" + fragment + pointer[len(prefix) :])
        return self._loaded.where(pointer)
