"""Which operations get openai's chat helpers (`stream()` / `parse()` beside their method), and
which open a WebSocket (`client.realtime.connect()`).

spec/names.yaml `chat_helpers:` lists them by "METHOD /path"; an operation qualifies only if it
can do what the helpers need: a stream flag in its JSON body (the helpers call the method with
`stream=True` / `False`), a JSON model as its success, and no method of its resource already
named `stream` or `parse`. Anything else is a warning naming the rule, and no helpers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..diagnostics import Report
from ..ir import ChatHelpers, Operation, ParsedTypes
from ..pointer import resolve
from ..schema import SchemaIndex
from .operations import TypeHinter

HELPER_METHODS = ("stream", "parse")
RESPONSE_FORMAT = "response_format"  # the body field that takes a pydantic class, when the body has it
PARSED_PREFIX = "Parsed"  # parse()'s generic classes: Parsed<Model>[T] (openai: ParsedChatCompletion[T])


def attach_chat_helpers(ops: list[Operation], keys: tuple[str, ...], report: Report) -> list[Operation]:
    """`ops` with `chat_helpers` set on the listed operations that qualify."""
    by_key = {op.key: op for op in ops}
    taken = {(op.resource, op.method_name) for op in ops}
    chosen: dict[str, ChatHelpers] = {}
    for key in keys:
        op = by_key.get(key)
        why = _unfit(op, taken)
        if why:
            report.warn(f"chat_helpers: {key!r} {why}; no stream()/parse() for it", file="spec/names.yaml")
            continue
        assert op is not None
        fields = {f.py_name for f in op.body.fields} if op.body else set()
        chosen[key] = ChatHelpers(response_format_field=RESPONSE_FORMAT if RESPONSE_FORMAT in fields else None)
    return [dataclasses.replace(op, chat_helpers=chosen[op.key]) if op.key in chosen else op for op in ops]


def with_parsed_types(
    ops: list[Operation], index: SchemaIndex, type_hint: TypeHinter, class_for_pointer: Mapping[str, str]
) -> list[Operation]:
    """`ops` whose chat helpers know their completion's choice and message classes: parse() is
    then typed generic over the response format class (`choices[i].message.parsed`)."""
    pointers: dict[str, str] = {}
    for pointer, cls in sorted(class_for_pointer.items(), key=lambda item: (len(item[0]), item[0])):
        pointers.setdefault(cls, pointer)

    def model_of(cls: str | None, field: str) -> str | None:
        """The model class of `cls`'s property `field` (of its items, for a list), through
        `$ref`s and allOf as every stage reads properties (SchemaIndex.object_shape)."""
        pointer = pointers.get(cls or "")
        shape = index.object_shape(resolve(index.document, pointer), pointer) if pointer else None
        if shape is None or field not in shape[0]:
            return None
        found = type_hint(*shape[0][field])
        if found.kind == "generic" and found.name == "list" and found.args:
            found = found.args[0]
        return found.name if found.kind == "model" and not found.enum else None

    out = []
    for op in ops:
        if op.chat_helpers is not None:
            choice = model_of(op.success.model, "choices")
            message = model_of(choice, "message")
            if op.success.model and choice and message:
                parsed = ParsedTypes(*((model, PARSED_PREFIX + model) for model in (op.success.model, choice, message)))
                op = dataclasses.replace(op, chat_helpers=dataclasses.replace(op.chat_helpers, parsed=parsed))
        out.append(op)
    return out


def mark_websockets(ops: list[Operation], keys: tuple[str, ...], report: Report) -> list[Operation]:
    """`ops` with `websocket` set on the listed GET operations without a body or pagination: their
    method opens a WebSocket on the operation's URL instead of sending the GET."""
    by_key = {op.key: op for op in ops}
    chosen = set()
    for key in keys:
        op = by_key.get(key)
        if op is None or op.http_method != "get" or op.body is not None or op.pagination is not None:
            why = "is not an operation of the spec" if op is None else "is not a plain GET (no body, no pages)"
            report.warn(f"websockets: {key!r} {why}; its method stays an HTTP call", file="spec/names.yaml")
            continue
        chosen.add(key)
    return [dataclasses.replace(op, websocket=True) if op.key in chosen else op for op in ops]


def _unfit(op: Operation | None, taken: set[tuple[tuple[str, ...], str]]) -> str | None:
    if op is None:
        return "is not an operation of the spec"
    if op.streaming is None or op.streaming.flag_field is None or op.body is None or op.body.kind != "json":
        return "has no `stream` flag in a JSON body"
    if op.success.kind != "json" or op.success.model is None:
        return "does not answer a JSON model"
    clash = [m for m in HELPER_METHODS if (op.resource, m) in taken]
    if clash:
        return f"shares its resource with an operation named {clash[0]!r}"
    return None
