"""Validate the (overlaid) spec with openapi-spec-validator 0.9; every error as a Diagnostic.

openapi-spec-validator reports its own checks (schema defaults, required-but-undefined
properties, duplicate operationIds, unresolved path parameters...) without a location. We
wrap its keyword validators so each error is tagged with the JSON pointer of the node being
checked when it is raised; that node is found by *identity* (the validator hands us the very
dicts of our document), which gives the physical location even when the validator reached it
through a ``$ref``. Meta-schema errors carry ``absolute_path`` and need nothing.

Network: the validator resolves ``$ref`` URLs by default; ours has no URL handlers at all, so
an external ref is reported, never fetched. Bundle external files with `refs.resolve_refs`
first (for a single-file spec like Portkey's that is a no-op).

Cost on the pinned spec: ~1.2 s (jsonschema against the OAS 3.0 meta-schema is most of it),
plus ~0.3 s to import the validator: the pipeline imports this module only when a validation
is not a cache hit (see stages.validation).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from jsonschema.exceptions import best_match, relevance
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import (
    DuplicateOperationIDError,
    ExtraParametersError,
    ParameterDuplicateError,
    UnresolvableParameterError,
)

from . import pointer as jp
from .diagnostics import Diagnostic
from .refs import check_internal_refs, iter_refs

if TYPE_CHECKING:
    from .load import LoadedSpec

_ATTR = "_portkey_pointer"  # set on an error object once its location is known
_DEFAULT = "_portkey_default"  # set on errors about a `default` value not matching its schema

_FALLBACK_HINT = (
    "fix the spec at this location; to leave the upstream file untouched, an overlay "
    "(spec/overlay.yaml) can change it"
)
# What to do, by the JSON-schema keyword of the OpenAPI meta-schema that failed.
_KEYWORD_HINTS = {
    "required": "add the missing key, which the OpenAPI specification requires here",
    "type": "change the value to the type the OpenAPI specification expects here",
    "enum": "use one of the values the OpenAPI specification allows here",
    "const": "use the value the OpenAPI specification requires here",
    "uniqueItems": "remove the duplicate entries",
    "additionalProperties": "remove the unknown keys (extensions must start with 'x-')",
    "unevaluatedProperties": "remove the unknown keys (extensions must start with 'x-')",
    "patternProperties": "rename the keys to the form the OpenAPI specification allows here",
    "propertyNames": "rename the keys to the form the OpenAPI specification allows here",
    "pattern": "write the value in the form the OpenAPI specification requires here",
    "format": "write the value in the format the OpenAPI specification requires here",
    "minItems": "add at least one entry, or remove the key",
    "minProperties": "add at least one entry, or remove the key",
    "oneOf": "make the object one of the allowed forms: usually a misspelled, misplaced or missing key",
    "anyOf": "make the object one of the allowed forms: usually a misspelled, misplaced or missing key",
    "not": "remove the key the OpenAPI specification forbids here",
    "dependentRequired": "add the key that the one present requires",
}


def _hint_for(err: Any) -> str:
    """How to fix a validator error: every reported error says it."""
    if getattr(err, _DEFAULT, False):
        return (
            "make the default match the schema (its type, enum and limits), or remove it; "
            "a default of another type or outside the enum is left out of the generated models"
        )
    if isinstance(err, DuplicateOperationIDError):
        return "give each operation its own operationId"
    if isinstance(err, ExtraParametersError):
        return "add the property under `properties`, or remove the name from `required`"
    if isinstance(err, ParameterDuplicateError):
        return "remove one of the two parameters with this name and location"
    if isinstance(err, UnresolvableParameterError):
        return "declare the path parameter under `parameters` (in: path, required: true), or remove it from the path"
    keyword = getattr(err, "validator", None)
    return _KEYWORD_HINTS.get(str(keyword), _FALLBACK_HINT) if keyword is not None else _FALLBACK_HINT


_MISPLACED_REF = (
    "OpenAPI allows a $ref only where it defines a Reference Object (a schema, parameter, response, "
    "request body, header, example, link, callback, security scheme or path item): write the value "
    "here instead (an operation: put the $ref on its whole path item)"
)


def _misplaced_ref_hint(document: Any, pointer: str) -> str | None:
    """The hint for a meta-schema error on an object that is a ``$ref`` where none is allowed."""
    try:
        node = jp.resolve(document, pointer)
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return _MISPLACED_REF if isinstance(node, dict) and isinstance(node.get("$ref"), str) else None


def _container_pointers(document: Any) -> dict[int, str]:
    """id -> pointer of the first place (document order) each dict/list appears.

    Iterative, so deep documents cannot hit the recursion limit. With YAML aliases one object
    sits at several pointers; the first is where the anchor is written.
    """
    pointers: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(document, "#")]
    while stack:
        node, pointer = stack.pop()
        if id(node) in pointers:
            continue
        pointers[id(node)] = pointer
        if isinstance(node, dict):
            items: Iterable[tuple[Any, Any]] = node.items()
        else:
            items = enumerate(node)
        children = [
            (value, jp.child(pointer, key))
            for key, value in items
            if isinstance(value, (dict, list)) and id(value) not in pointers
        ]
        stack.extend(reversed(children))  # reversed: pop in document order
    return pointers


class _Locator:
    """Maps the validator's SchemaPath objects back to pointers into our document."""

    def __init__(self, document: Any) -> None:
        self._pointers: dict[int, str] | None = None
        self._document = document

    def pointer(self, node: Any) -> str | None:
        """Pointer of a SchemaPath (physical location of its value when it is a container)."""
        if self._pointers is None:
            self._pointers = _container_pointers(self._document)
        try:
            value = node.read_value()
        except Exception:  # a dangling $ref on the way: fall back to the logical path
            value = None
        found = (
            self._pointers.get(id(value)) if isinstance(value, (dict, list)) else None
        )
        if found is not None:
            return found
        parts = getattr(node, "parts", None)
        return jp.join(*parts) if parts is not None else None


class _IdList(list):
    """A list that answers `in` from a set: openapi-spec-validator's schema validator dedupes the
    schemas it visited with `id(schema) in list`, once per schema, which is quadratic (~40% of
    validating the Portkey spec, more on bigger ones). Only appended to, so the set stays exact."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._seen = set(self)

    def append(self, item: Any) -> None:
        self._seen.add(item)
        super().append(item)

    def __contains__(self, item: object) -> bool:
        return item in self._seen


# The validator's dedupe registries that `_IdList` replaces (plain lists in openapi-spec-validator).
_DEDUPE_LISTS = ("visited_schema_ids", "meta_checked_schema_ids")


def _located(
    base: type,
    where: Callable[[_Locator, tuple[Any, ...], Any], str | None],
    locator: _Locator,
) -> type:
    """A subclass of keyword validator `base` whose errors get tagged with a pointer.

    Nested validators are called first and tag their errors first, so the innermost
    (most precise) location wins.
    """

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for err in base.__call__(self, *args, **kwargs):
            if where is _default_where and getattr(err, _DEFAULT, None) is None:
                try:
                    setattr(err, _DEFAULT, True)
                except Exception:  # never let tagging an error hide the error itself
                    pass
            if getattr(err, _ATTR, None) is None:
                try:
                    setattr(err, _ATTR, where(locator, args, err))
                except Exception:  # never let locating an error hide the error itself
                    pass
            yield err

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        base.__init__(self, *args, **kwargs)
        for name in _DEDUPE_LISTS:
            if type(getattr(self, name, None)) is list:
                setattr(self, name, _IdList(getattr(self, name)))

    return type(f"Located{base.__name__}", (base,), {"__call__": __call__, "__init__": __init__})


def _rel(err: Any) -> list[Any]:
    return list(getattr(err, "path", ()) or ())


def _schema_where(loc: _Locator, args: tuple[Any, ...], err: Any) -> str | None:
    base = loc.pointer(args[0])
    if base is None:
        return None
    if isinstance(err, ExtraParametersError):
        return jp.child(base, "required")
    return jp.child(
        base, *_rel(err)
    )  # meta-schema check of this schema: path is relative


def _default_where(loc: _Locator, args: tuple[Any, ...], err: Any) -> str | None:
    # ValueValidator(schema, value): `value` is schema["default"]; err.path is inside it.
    base = loc.pointer(args[0])
    return None if base is None else jp.child(base, "default", *_rel(err))


def _first_path_where(loc: _Locator, args: tuple[Any, ...], err: Any) -> str | None:
    for arg in args:
        if hasattr(arg, "read_value"):
            return loc.pointer(arg)
    return None


def _operation_where(loc: _Locator, args: tuple[Any, ...], err: Any) -> str | None:
    # OperationValidator(url, name, operation, path_parameters)
    base = loc.pointer(args[2])
    if base is not None and isinstance(err, DuplicateOperationIDError):
        return jp.child(base, "operationId")
    return base


def _validator_class(version: str) -> type[Any] | None:
    if version.startswith("3.0."):
        return OpenAPIV30SpecValidator
    if version.startswith("3.1."):
        return OpenAPIV31SpecValidator
    return None


_MAX_MESSAGE = 300


def _shorten(text: str) -> str:
    # jsonschema messages embed the repr of the instance: a whole schema, sometimes.
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _message(err: Any) -> str:
    context = getattr(err, "context", None)
    if not context:
        # The meta-schema backend (jsonschema-rs) appends "Failed validating ... On instance
        # [...]: <value>" paragraphs: the pointer says the same, and the value may be huge.
        text = str(getattr(err, "message", err)).split("\n\nFailed validating", 1)[0]
        return _shorten(text)
    # oneOf/anyOf: "<whole instance> is not valid under any of the given schemas" says little;
    # name the keyword and the alternative's complaint that got furthest into the instance.
    deepest = max(len(e.path) for e in context)
    best = best_match([e for e in context if len(e.path) == deepest], key=relevance)
    message = f"matches none of the {err.validator} alternatives"
    if best is not None:
        inner = jp.join(*best.path) if best.path else ""
        message += f"; closest: {_shorten(best.message)}" + (
            f" (at {inner[1:]})" if inner else ""
        )
    return message


def _wrapper_message(meta: Any, err: Any, keyword: str, instance: Any) -> str:
    """Say why an object matched none of the meta-schema's alternatives (``Schema`` or
    ``Reference``...). The usual reason is an unknown key in a closed object, which the meta-schema
    backend reports without detail: name those keys."""
    default = f"matches none of the {keyword} alternatives of the OpenAPI schema"
    if not isinstance(instance, dict) or "$ref" in instance or not isinstance(meta, dict):
        return default
    try:
        alternatives: Any = meta
        for part in err.schema_path:
            alternatives = alternatives[part]
        definitions = meta.get("definitions") or meta.get("$defs") or {}
    except (KeyError, IndexError, TypeError):
        return default
    for alt in alternatives if isinstance(alternatives, list) else ():
        ref = alt.get("$ref") if isinstance(alt, dict) else None
        name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None
        definition = definitions.get(name) if name and name != "Reference" else None
        if not isinstance(definition, dict) or definition.get("additionalProperties") is not False:
            continue
        known = definition.get("properties") or {}
        patterns = list(definition.get("patternProperties") or {})
        unknown = [k for k in instance if k not in known and not any(re.search(p, str(k)) for p in patterns)]
        if unknown:
            shown = ", ".join(repr(k) for k in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            return (
                f"unknown key{'s' if len(unknown) > 1 else ''} {shown} in this {name} object "
                "(extensions must start with 'x-')"
            )
    return default


class _Findings:
    """Diagnostics in the order found, each (pointer, message) once, located in `source`."""

    def __init__(self, source: LoadedSpec | None) -> None:
        self.source = source
        self.items: list[Diagnostic] = []
        self._seen: set[tuple[str | None, str]] = set()

    def diag(self, message: str, pointer: str | None, hint: str | None = None, severity: str = "error") -> Diagnostic:
        where: dict[str, Any] = {}
        if self.source is not None:
            where = {"file": str(self.source.path)}
            if pointer is not None:
                where = self.source.where(pointer)
        return Diagnostic(
            severity, message, pointer=pointer, hint=hint or _FALLBACK_HINT, code="validate", **where  # type: ignore[arg-type]
        )

    def add(self, message: str, pointer: str | None, hint: str | None = None, severity: str = "error") -> None:
        if (pointer, message) not in self._seen:
            self._seen.add((pointer, message))
            self.items.append(self.diag(message, pointer, hint, severity))

    def under(self, pointer: str) -> bool:
        """Whether a finding sits at `pointer` or inside it."""
        return any(d.pointer and (d.pointer == pointer or d.pointer.startswith(pointer + "/")) for d in self.items)


def validate(
    document: dict[str, Any], *, source: LoadedSpec | None = None
) -> list[Diagnostic]:
    """Every validation error of `document` (OpenAPI 3.0 or 3.1), deduplicated, in order.

    A pure function of `document` (which it does not modify); `source` only adds file/line.
    An empty list means valid.
    """
    found = _Findings(source)
    base_class = _version_check(document, found)
    if base_class is None:
        return found.items
    # Check internal refs first: the validator stops at the first one it cannot resolve.
    for message, pointer, hint in check_internal_refs(document):
        found.add(message, pointer, hint)
    try:
        _run(_located_validator(base_class)(document), document, found)
    except RecursionError:
        found.add("the spec is nested too deeply to validate", None, hint="reduce the nesting (the loader accepts up to 200 levels)")
    except Exception as exc:  # noqa: BLE001 - it crashes on some broken specs: report it
        _crashed(exc, document, found)
    return found.items


def _version_check(document: Any, found: _Findings) -> type[Any] | None:
    """The validator class for the document's `openapi` version, or None (the problem added)."""
    if not isinstance(document, dict):
        found.items.append(found.diag("the spec is not a mapping", "#"))
        return None
    version = document.get("openapi")
    hint = "this generator reads OpenAPI 3.0.x and 3.1.x documents"
    if not isinstance(version, str):
        shown = "swagger 2.0" if "swagger" in document else repr(version)
        found.items.append(found.diag(f"missing or bad 'openapi' version field (found {shown})", "#", hint=hint))
        return None
    base_class = _validator_class(version)
    if base_class is None:
        found.items.append(found.diag(f"unsupported OpenAPI version {version!r}", "#/openapi", hint=hint))
    return base_class


def _located_validator(base_class: type[Any]) -> Callable[[Any], Any]:
    """A validator class (of `base_class`) whose keyword validators tag errors with pointers."""
    wheres: dict[str, Callable[[_Locator, tuple[Any, ...], Any], str | None]] = {
        "schema": _schema_where,
        "default": _default_where,
        "operation": _operation_where,
    }

    def make(document: Any) -> Any:
        locator = _Locator(document)
        keyword_validators = {
            name: cls if name == "__root__" else _located(cls, wheres.get(name, _first_path_where), locator)
            for name, cls in base_class.keyword_validators.items()
        }
        # No URL handlers: a remote or file $ref is reported, never fetched.
        attrs = {"keyword_validators": keyword_validators, "resolver_handlers": {}}
        return type("PortkeySpecValidator", (base_class,), attrs)(document)

    return make


def _run(validator: Any, document: dict[str, Any], found: _Findings) -> None:
    """The two halves of SpecValidator.iter_errors, called directly: that method is lru_cached per
    validator instance (it would keep every document alive) and rewraps errors (dropping our
    pointer tags).

    A meta-schema oneOf/anyOf failure ("Schema or Reference") only wraps the real problem, which
    the second half usually reports with a precise pointer underneath: such a wrapper is reported
    only when nothing more precise was found.
    """
    # In OpenAPI 3.1 (JSON Schema 2020-12) `default` is an annotation that need not validate;
    # 3.0 says it MUST conform. The models leave a mismatched default out either way.
    lenient_defaults = str(document.get("openapi")).startswith("3.1.")
    wrappers: list[tuple[str, str]] = []
    for err in validator.schema_validator.iter_errors(validator.schema):
        pointer = jp.join(*err.absolute_path)
        keyword = list(getattr(err, "schema_path", ()) or ())[-1:]
        if keyword in (["oneOf"], ["anyOf"]) and not getattr(err, "context", None):
            try:
                instance = jp.resolve(document, pointer)
            except (KeyError, IndexError, ValueError, TypeError):
                instance = None
            wrappers.append((pointer, _wrapper_message(validator.schema_validator.schema, err, keyword[0], instance)))
            continue
        found.add(_message(err), pointer, _misplaced_ref_hint(document, pointer) or _hint_for(err))
    for err in validator.root_validator(validator.schema_path):
        is_default = bool(getattr(err, _DEFAULT, False))
        severity = "warning" if is_default and lenient_defaults else "error"
        found.add(_message(err), getattr(err, _ATTR, None), _hint_for(err), severity)
    for pointer, message in wrappers:
        if not found.under(pointer):
            found.add(message, pointer, _KEYWORD_HINTS["oneOf"])


def _crashed(exc: Exception, document: dict[str, Any], found: _Findings) -> None:
    """Report a validator crash: an unresolvable $ref at the node holding it, else as it is."""
    ref = getattr(exc, "ref", None)
    if ref is None:
        found.add(
            f"the validator stopped: {type(exc).__name__}: {exc}",
            None,
            "fix the errors reported before this one; if there are none, report this spec",
        )
        return
    matches = ((p, r) for p, r in iter_refs(document) if r == ref or r.endswith("#" + ref) or r == "#" + ref)
    holder, shown = next(matches, (None, ref))
    if not any(d.pointer == holder and holder is not None for d in found.items):
        found.add(
            f"cannot resolve $ref {shown!r}",
            holder,
            hint="external files are bundled by resolve_refs (run it first); URLs are never fetched",
        )
