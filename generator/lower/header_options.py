"""Client options that travel as headers on every request (spec/names.yaml `header_options`).

The portkey-ai SDK takes `trace_id`, `metadata`, `debug`, `forward_headers`, provider credentials
(`aws_*`, `azure_*`, `vertex_*`...) as constructor arguments and sends each as `x-portkey-<name
with dashes>`; the names and value kinds are data, not code::

    header_options:
      prefix: x-portkey-            # header = prefix + the name with "_" as "-"
      options:
        trace_id: str               # str | bool (true/false) | json (a mapping as JSON) | csv (a list, comma-joined)
        anthropic_beta: {kind: str, header: x-portkey-anthropic-beta}   # a header of its own

Every mistake is an error naming spec/names.yaml and the option.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from ..diagnostics import Diagnostic, GeneratorError
from ..ir import HeaderOption

KINDS = ("str", "bool", "json", "csv")
_HEADER = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # no leading `_`: the templates' own locals have one


def _fail(message: str, hint: str) -> GeneratorError:
    return GeneratorError(Diagnostic("error", f"header_options: {message}", file="spec/names.yaml", hint=hint))


def build_header_options(data: Mapping[str, Any], taken: Mapping[str, str]) -> tuple[HeaderOption, ...]:
    """The options of `data` (names.yaml `header_options`); `taken`: constructor argument names
    already in use -> what uses them (security schemes, server URLs, resources, fixed arguments)."""
    if not data:
        return ()
    if not isinstance(data, Mapping):
        raise _fail("must be a mapping with `prefix` and `options`", "see generator/lower/header_options.py")
    prefix = data.get("prefix", "")
    options = data.get("options") or {}
    if not isinstance(prefix, str) or not isinstance(options, Mapping):
        raise _fail("`prefix` must be a string and `options` a mapping", "see generator/lower/header_options.py")
    return tuple(_option(str(name), spec, prefix, taken) for name, spec in options.items())


def _option(name: str, spec: Any, prefix: str, taken: Mapping[str, str]) -> HeaderOption:
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise _fail(f"option {name!r} is not a snake_case Python name", "rename it")
    if name in taken:
        raise _fail(f"option {name!r} is already the client's {taken[name]}", "drop or rename the option")
    kind, header = (spec.get("kind", "str"), spec.get("header")) if isinstance(spec, Mapping) else (spec, None)
    if kind not in KINDS:
        raise _fail(f"option {name!r} has kind {kind!r}", f"use one of {', '.join(KINDS)}")
    header = header or prefix + name.replace("_", "-")
    if not isinstance(header, str) or not _HEADER.match(header):
        raise _fail(f"option {name!r}: {header!r} is not a header name", "give `header:` a token")
    return HeaderOption(name, header.lower(), kind)
