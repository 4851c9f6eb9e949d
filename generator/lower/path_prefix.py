"""The version or API-root prefix every path of a spec shares (`/v1` in /v1/customers, /v1/charges),
which method names skip: client.customers.list(), not client.v1.customers.list(). The SDKs of such
APIs put the version in the base URL; here the wire path keeps it (requests still go to /v1/...).

The rule (`path_prefix = "auto"`, the default) strips a prefix only when all of these hold:
  - every operation's path starts with it: the same literal segments (a templated `{x}` never counts);
  - each of its segments is a version or API-root marker: `api`, `apis`, `rest`, a version `v1`,
    `v2`, `v1beta`, `v1beta2`, `v2alpha1`, `v1.1`, or, after `api`/`apis`/`rest`, a bare number
    (`/rest/api/2`, `/api/2.0`); the longest such run is the prefix (`/api/v3`);
  - every path keeps a literal segment after it (no operation would be named from an empty path);
  - the names it gives are all distinct and hide nothing (checked by assign_names, which keeps the
    prefix otherwise).
`path_prefix` false (config `path-prefix`, or `path_prefix:` in the names file) turns it off; a
string such as "/v1" strips exactly that prefix from the paths that start with it.
"""

from __future__ import annotations

import re
from typing import Iterable

from ..diagnostics import GeneratorError, Report, error

AUTO = "auto"
_ROOTS = frozenset({"api", "apis", "rest"})
_VERSION = re.compile(r"v\d+(?:\.\d+)*(?:(?:alpha|beta|rc)\d*)?", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_LITERAL = re.compile(r"[^{}/]+")
HINT = (
    "set path-prefix = false in [tool.portkey-codegen] (or path_prefix: false in the names file) to keep "
    'it in the names, or path-prefix = "/v1" to name the prefix yourself'
)


def check_setting(value: object, where: str) -> str | None:
    """The setting as NamingRules holds it: "auto", None (off) or a literal prefix "/a/b".
    `where` says where it was set (for the error)."""
    if value is False:
        return None
    if value == AUTO:
        return AUTO
    if isinstance(value, str) and value.startswith("/"):
        segments = value.strip("/").split("/")
        if value.strip("/") and all(_LITERAL.fullmatch(s) for s in segments):
            return "/" + "/".join(segments)
    raise _bad_setting(value, where)


def _bad_setting(value: object, where: str) -> GeneratorError:
    return error(
        f"invalid path prefix {value!r} ({where})",
        hint='path-prefix is "auto" (the default), false, or a path of literal segments such as "/v1"',
    )


def detect(paths: Iterable[str]) -> str | None:
    """The prefix the rule above strips from these paths, or None."""
    split = [[s for s in p.split("/") if s] for p in paths]
    if not split:
        return None
    prefix: list[str] = []
    for i, segment in enumerate(split[0]):
        if any(
            len(segs) <= i or segs[i] != segment for segs in split
        ) or not _is_marker(segment, prefix):
            break
        prefix.append(segment)
    if not prefix or any(not _keeps_literal(segs[len(prefix) :]) for segs in split):
        return None
    return "/" + "/".join(prefix)


def _is_marker(segment: str, before: list[str]) -> bool:
    if not _LITERAL.fullmatch(segment):
        return False
    lowered = segment.lower()
    if lowered in _ROOTS or _VERSION.fullmatch(segment):
        return True
    return (
        bool(_NUMBER.fullmatch(segment))
        and bool(before)
        and before[-1].lower() in _ROOTS
    )


def _keeps_literal(rest: list[str]) -> bool:
    return any(_LITERAL.fullmatch(s) for s in rest)


def strip(path: str, prefix: str | None) -> str:
    """`path` without `prefix` when it starts with it (whole segments): /v1/customers -> /customers."""
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix) :] or "/"
    return path


def warn(report: Report, prefix: str, example: str, pointer: str) -> None:
    """The one line saying that names skip the shared prefix (`example`: some of them), or, with no
    `example`, that they keep it because names without it would clash."""
    if not example:
        first = prefix.strip("/").split("/")[0]
        report.warn(
            f"every path starts with {prefix}, a version or API prefix, but names without it would clash "
            f"or hide a client attribute: names keep it (client.{first}...)",
            pointer=pointer,
            code="naming",
            hint=HINT,
        )
        return
    report.warn(
        f"every path starts with {prefix}, a version or API prefix: names skip it (requests still go to "
        f"{prefix}/...): {example}",
        pointer=pointer,
        code="naming",
        hint=HINT,
    )
