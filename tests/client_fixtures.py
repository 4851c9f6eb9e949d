"""Helpers shared by the generated-client tests: sample values built from type hints.

The IR gives every parameter, body field and response as Python type-hint text
(``_models.X``, ``list[_models.Y] | None``...). ``sample(hint)`` evaluates that text against the
generated models module, asks pydantic for the JSON schema of the type and builds the smallest
JSON value the schema accepts (required properties only, first enum member, first union branch
that validates). The value is then validated, so a sample that the model rejects fails loudly
instead of testing nothing.

Also: `parse_multipart` (a multipart/form-data body as parts), `form_text` (a JSON scalar as a
form/query value) and the `clean_portkey_env` fixture (import it into a test module).
"""

from __future__ import annotations

import functools
import json
import os
import types
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from pydantic import TypeAdapter, ValidationError

# Strings a JSON-schema ``format`` needs (pydantic checks date-time, uuid, email...).
_FORMATS = {
    "date-time": "2024-01-02T03:04:05Z",
    "date": "2024-01-02",
    "time": "03:04:05",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "a@example.com",
    "uri": "https://example.com/x",
    "binary": "x",
}


@pytest.fixture(autouse=True)
def clean_portkey_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client reads PORTKEY_* variables: tests start from none (import this into a test module)."""
    for name in list(os.environ):
        if name.startswith("PORTKEY_"):
            monkeypatch.delenv(name)


class SampleError(AssertionError):
    """No value of the schema could be built (a gap in this helper or an unsatisfiable model)."""


@dataclass(frozen=True)
class Sample:
    hint: str
    json: Any  # what goes over the wire
    python: Any  # the validated Python value (models for model types)


def eval_hint(hint: str, models: types.ModuleType, file_types: object = bytes) -> Any:
    """The runtime type of an IR type-hint text (``FileTypes`` is never sampled through JSON)."""
    namespace = {"_models": models, "Literal": Literal, "Any": Any, "FileTypes": file_types}
    return eval(hint, namespace)  # the text comes from our own IR


class _Synth:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self.depth = 0

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**self.defs[name], **rest}
        return schema

    def candidates(self, schema: dict[str, Any]) -> list[Any]:
        """Values for `schema`, the most likely valid first (several for unions)."""
        self.depth += 1
        try:
            if self.depth > 40:
                raise SampleError("schema nesting too deep (a required recursive field?)")
            return self._candidates(self.resolve(schema))
        finally:
            self.depth -= 1

    def _candidates(self, s: dict[str, Any]) -> list[Any]:
        if "const" in s:
            return [s["const"]]
        if "enum" in s:
            return [s["enum"][0]]
        for key in ("oneOf", "anyOf"):
            if key in s:
                branches = [b for b in s[key] if self.resolve(b).get("type") != "null"]
                mapping = (s.get("discriminator") or {}).get("mapping")
                if mapping:
                    branches = [{"$ref": ref} for ref in mapping.values()]
                out: list[Any] = []
                for b in branches or s[key]:
                    out.extend(self.candidates(b)[:2])
                return out
        if "allOf" in s:
            merged: dict[str, Any] = {}
            for part in s["allOf"]:
                for value in self.candidates(part)[:1]:
                    if isinstance(value, dict):
                        merged.update(value)
            return [merged]
        t = s.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "null")
        if t == "object" or "properties" in s:
            obj: dict[str, Any] = {}
            props = s.get("properties", {})
            for name in s.get("required", []):
                obj[name] = self.candidates(props.get(name, {}))[0]
            return [obj]
        if t == "array":
            n = s.get("minItems", 0)
            if not n:
                return [[]]
            item = self.candidates(s.get("items", {}))[0]
            return [[item] * n]
        if t == "string":
            if s.get("format") in _FORMATS:
                return [_FORMATS[s["format"]]]
            n = max(s.get("minLength", 1), 1)
            return ["x" * n]
        if t in ("integer", "number"):
            low = s.get("minimum", s.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in s else 1)
            high = s.get("maximum", s.get("exclusiveMaximum"))
            value = max(low, 1) if high is None or high >= 1 else low
            return [int(value) if t == "integer" else value]
        if t == "boolean":
            return [True]
        if t == "null":
            return [None]
        return ["x"]  # Any


@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def sample(hint: str, models: types.ModuleType) -> Sample:
    """The smallest valid JSON value for a type hint, and its validated Python form."""
    tp = eval_hint(hint, models)
    try:
        adapter = _adapter(tp)
    except TypeError:  # unhashable type expression
        adapter = TypeAdapter(tp)
    schema = adapter.json_schema(mode="validation")
    errors: list[str] = []
    for candidate in _Synth(schema).candidates(schema):
        try:
            python = adapter.validate_json(json.dumps(candidate))
        except ValidationError as exc:
            errors.append(str(exc).splitlines()[0] + ": " + "; ".join(str(exc).splitlines()[1:4]))
            continue
        return Sample(hint, candidate, python)
    raise SampleError(f"no valid sample for {hint}: {errors}")


def sample_response(hint: str, models: types.ModuleType) -> bytes:
    """A JSON response body valid for `hint` (the parsed return type of an operation)."""
    return json.dumps(sample(hint, models).json).encode()


# ------------------------------------------------------------------------------ wire helpers


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    content: bytes


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """The parts of a multipart/form-data body, in order (boundary taken from `content_type`)."""
    import email.parser
    import email.policy

    assert content_type.startswith("multipart/form-data"), content_type
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert message.is_multipart(), "body is not multipart"
    parts = []
    for part in message.iter_parts():
        disposition = part.get("content-disposition", "")
        assert disposition.startswith("form-data"), disposition
        payload = part.get_payload(decode=True)
        parts.append(
            Part(
                name=part.get_param("name", header="content-disposition"),
                filename=part.get_param("filename", header="content-disposition"),
                content_type=str(part["content-type"]) if "content-type" in part else None,
                content=payload if isinstance(payload, bytes) else b"",
            )
        )
    return parts


def form_text(value: Any) -> str:
    """How a JSON scalar is written as a form or query value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
