"""The schemas outside ``components/schemas`` that get classes: component parameters, request
bodies and responses, and each operation's inline parameters and bodies (named after the
operation: ``<Name>Request``, ``<Name>Response``, ``<Name>NotFoundResponse``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import pointer as jp
from ..naming import class_name
from ..schema import ignored_header
from .class_names import operation_name, status_word
from .rewrite import SchemaRewriter
from .shapes import as_mapping


def plan_component_sections(rewriter: SchemaRewriter) -> None:
    """``components/parameters``, ``requestBodies`` and ``responses``: classes named after their key."""
    components = as_mapping(rewriter.state.doc.get("components"))
    for section, suffix in (("parameters", "Parameter"), ("requestBodies", "Request"), ("responses", "Response")):
        entries = components.get(section)
        if not isinstance(entries, dict):
            continue
        for key, entry in entries.items():
            base = jp.join("components", section, key)
            if not isinstance(entry, dict) or "$ref" in entry:
                continue
            name = class_name(str(key))
            rewriter.state.owner = name
            cands = [name, name + suffix] if not name.endswith(suffix) else [name, name + "Body"]
            if section == "parameters":
                _parameter(rewriter, entry, base, [name + suffix])
            else:
                _content(rewriter, entry, base, cands)


def plan_operations(rewriter: SchemaRewriter) -> None:
    """Every operation's inline parameters (path-level ones once per path item) and bodies."""
    state = rewriter.state
    items_done: set[str] = set()
    for operation in state.index.operations:
        op, op_ptr = operation.op, operation.pointer
        if operation.item_pointer not in items_done:
            items_done.add(operation.item_pointer)
            _inline_parameters(rewriter, operation.path_item, operation.item_pointer, class_name(operation.path))
        name = operation_name(state.operation_names, operation.path, operation.method, op, op_ptr)
        state.owner = name
        _inline_parameters(rewriter, op, op_ptr, name)
        body = op.get("requestBody")
        if isinstance(body, dict) and "$ref" not in body:
            _content(rewriter, body, jp.child(op_ptr, "requestBody"), [name + "Request", name + "RequestBody"])
        responses = as_mapping(op.get("responses"))
        primary = next((s for s in sorted(map(str, responses)) if s.startswith("2")), None)
        for status, resp in responses.items():
            if not isinstance(resp, dict) or "$ref" in resp:
                continue
            status = str(status)
            base = name + ("" if status == primary else status_word(status))
            _content(rewriter, resp, jp.child(op_ptr, "responses", status), [base + "Response", base + "ResponseBody"])


def _parameter(rewriter: SchemaRewriter, param: Mapping[str, Any], ptr: str, candidates: list[str]) -> None:
    if isinstance(param.get("schema"), dict):
        rewriter.schema(param["schema"], jp.child(ptr, "schema"), candidates, "param")
    elif isinstance(param.get("content"), dict):
        for mt, media in param["content"].items():
            if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                rewriter.schema(media["schema"], jp.child(ptr, "content", mt, "schema"), candidates, "param")


def _content(rewriter: SchemaRewriter, holder: Mapping[str, Any], ptr: str, candidates: list[str]) -> None:
    content = holder.get("content")
    if not isinstance(content, dict):
        return
    for mt, media in content.items():
        if not isinstance(media, dict) or not isinstance(media.get("schema"), dict):
            continue
        # a second media type with a different schema: ``<Op>RequestFormData``
        cands = [*candidates, candidates[0] + class_name(mt.split(";")[0].split("/")[-1])]
        rewriter.schema(media["schema"], jp.child(ptr, "content", mt, "schema"), list(dict.fromkeys(cands)), "body")


def _inline_parameters(rewriter: SchemaRewriter, holder: Mapping[str, Any], ptr: str, prefix: str) -> None:
    for i, param in enumerate(holder.get("parameters") or []):
        if isinstance(param, dict) and "$ref" not in param and not ignored_header(param):
            _parameter(rewriter, param, jp.child(ptr, "parameters", i), [prefix + class_name(str(param.get("name", "")))])
