"""The spec the server was generated from, enforced on each request's parameters and body."""

from __future__ import annotations

import json
import re
from collections.abc import (
    Mapping,
)
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi import Request
from starlette.responses import JSONResponse

from .errors import error_response
from .limits import request_media_type
from .params import deep_object_pairs, simple_object
from .schema import Invalid, SchemaChecker, properties

_QUERY_DELIMITERS = {
    "spaceDelimited": " ",
    "pipeDelimited": "|",
}  # OpenAPI styles of one-value arrays
_INTEGER_TEXT = re.compile(r"^-?\d+$")
_NUMBER_TEXT = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class OperationContract:
    """One operation of the spec: its parameters (path-level merged in) and request body."""

    method: str
    path: str
    operation: Mapping[str, Any]
    parameters: tuple[Mapping[str, Any], ...]
    body: Mapping[str, Any] | None


class Contract:
    """The spec document the server was generated from: served as /openapi.json, enforced on requests."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.checker = SchemaChecker(document)

    @classmethod
    def load(cls, path: Any) -> "Contract":
        from pathlib import Path

        file = Path(path)
        return cls(json.loads(file.read_text("utf-8")) if file.is_file() else {})

    def operation(self, method: str, path: str) -> OperationContract | None:
        item = (self.document.get("paths") or {}).get(path)
        item = self.checker.resolve(item)
        if not isinstance(item, Mapping) or not isinstance(item.get(method), Mapping):
            return None
        op = item[method]
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in list(item.get("parameters") or []) + list(
            op.get("parameters") or []
        ):
            param = self.checker.resolve(raw)
            if isinstance(param, Mapping) and isinstance(param.get("name"), str):
                merged[(str(param.get("in")), param["name"])] = param
        body = self.checker.resolve(op.get("requestBody"))
        return OperationContract(
            method,
            path,
            op,
            tuple(merged.values()),
            body if isinstance(body, Mapping) else None,
        )

    def check_request(
        self,
        contract: OperationContract,
        request: Request,
        renames: Mapping[str, str],
        body: Any,
    ) -> set[str]:
        """Raise Invalid for the first parameter or body value that breaks the spec; return the
        form fields sent as `null`, which the route then drops (FastAPI would parse "null").
        """
        path_values = {renames.get(k, k): v for k, v in request.path_params.items()}
        for param in contract.parameters:
            where, name = str(param.get("in")), str(param["name"])
            schema = param.get("schema")
            if where == "path":
                raw: Any = path_values.get(name)
                values = [] if raw is None else [str(raw)]
            elif where == "query":
                values = request.query_params.getlist(name)
                if not values and param.get("style") == "deepObject":
                    deep = deep_object_pairs(request.query_params.multi_items(), name)
                    if deep is not None:
                        label = f"{where}.{name}"
                        value = self._deep_object(
                            deep, self.checker.resolve(schema), label
                        )
                        self.checker.check(value, schema, label)
                        continue
            elif where == "header":
                values = request.headers.getlist(name)
            elif where == "cookie":
                values = [request.cookies[name]] if name in request.cookies else []
            else:
                continue
            label = f"{where}.{name}"
            if not values:
                if param.get("required") is True or where == "path":
                    raise Invalid(label, "is required")
                continue
            if schema is None:
                continue
            value = self._from_text(values, self.checker.resolve(schema), param, label)
            self.checker.check(value, schema, label)
        if contract.body is not None and body is not NO_BODY:
            content = contract.body.get("content") or {}
            media = request_media_type(request)
            entry = content.get(media) or next(
                (v for k, v in content.items() if _media_matches(k, media)), None
            )
            schema = entry.get("schema") if isinstance(entry, Mapping) else None
            if schema is not None:
                if media in (
                    "multipart/form-data",
                    "application/x-www-form-urlencoded",
                ):
                    return self._check_form(body, schema)
                self.checker.check(body, schema, "body")
        return set()

    def _from_text(
        self, values: list[str], schema: Any, param: Mapping[str, Any], label: str
    ) -> Any:
        schema = schema if isinstance(schema, Mapping) else {}
        typ = schema.get("type")
        if typ == "array":
            items = self.checker.resolve(schema.get("items") or {})
            delimiter = _QUERY_DELIMITERS.get(str(param.get("style")), ",")
            if (
                param.get("explode") is False
                or param.get("in") in ("path", "header")
                or param.get("style") in _QUERY_DELIMITERS
            ):
                values = [part for v in values for part in v.split(delimiter)]
            return [self._scalar(v, items, label) for v in values]
        if typ == "object":
            value = simple_object(values[-1], explode=param.get("explode") is True)
            if value is None:
                raise Invalid(label, "must be a JSON object (or key,value pairs)")
            return value
        return self._scalar(values[-1], schema, label)

    def _deep_object(self, pairs: Mapping[str, Any], schema: Any, label: str) -> Any:
        """A deepObject's `name[key]` texts, each read as its property's type."""
        props = properties(schema) if isinstance(schema, Mapping) else {}
        out: dict[str, Any] = {}
        for key, text in pairs.items():
            prop = self.checker.resolve(props.get(key) or {})
            prop = prop if isinstance(prop, Mapping) else {}
            where = f"{label}.{key}"
            if prop.get("type") == "array":
                item = self.checker.resolve(prop.get("items") or {})
                texts = text if isinstance(text, list) else [text]
                out[key] = [self._scalar(t, item, where) for t in texts]
            elif isinstance(text, list):
                raise Invalid(where, "is given more than once")
            else:
                out[key] = self._scalar(text, prop, where)
        return out

    def _scalar(self, text: str, schema: Mapping[str, Any], label: str) -> Any:
        typ = schema.get("type")
        if typ == "integer":
            if not _INTEGER_TEXT.match(text):
                raise Invalid(label, f"must be an integer, not {text!r}")
            return int(text)
        if typ == "number":
            if not _NUMBER_TEXT.match(text):
                raise Invalid(label, f"must be a number, not {text!r}")
            return float(text)
        if typ == "boolean":
            if text not in ("true", "false"):
                raise Invalid(label, f"must be true or false, not {text!r}")
            return text == "true"
        return text

    def _check_form(self, form: Any, schema: Any) -> set[str]:
        """Check the form's fields; the names of those sent as `null` (nullable, not strings)."""
        nulls: set[str] = set()
        schema = self.checker.resolve(schema)
        if not isinstance(schema, Mapping) or not hasattr(form, "getlist"):
            return nulls
        props = properties(schema)
        for name in schema.get("required") or ():
            if name not in form:
                raise Invalid(f"body.{name}", "is required")
        if schema.get("additionalProperties") is False:
            for name in form:
                if name not in props:
                    raise Invalid(f"body.{name}", "is not a known field")
        for name, prop in props.items():
            values = [v for v in form.getlist(name) if isinstance(v, str)]
            if not values:
                continue
            resolved = self.checker.resolve(prop)
            if not isinstance(resolved, Mapping) or resolved.get("format") in (
                "binary",
                "byte",
            ):
                continue
            label = f"body.{name}"
            typ = resolved.get("type")
            nullable = resolved.get("nullable") is True or (
                isinstance(prop, Mapping) and prop.get("nullable") is True
            )
            value: Any
            if values == ["null"] and typ != "string" and nullable:
                value = None
                nulls.add(name)
            elif typ in ("object", "array", None) and values[0][:1] in ("[", "{"):
                # Structured fields travel as JSON text (as the generated client sends them).
                try:
                    value = json.loads(values[0])
                except ValueError:
                    value = values[0]
                if typ == "array" and not isinstance(value, list):
                    value = self._from_text(values, resolved, {"in": "query"}, label)
            else:
                value = self._from_text(values, resolved, {"in": "query"}, label)
            self.checker.check(value, prop, label)
        return nulls


NO_BODY = object()


@lru_cache(maxsize=None)
def load_contract(module_file: str) -> Contract:
    """The Contract of the spec shipped beside `module_file` (the package's openapi.json), read once."""
    from pathlib import Path

    return Contract.load(Path(module_file).with_name("openapi.json"))


def _media_matches(declared: str, media: str) -> bool:
    declared = declared.lower()
    if declared in ("*/*", media):
        return True
    if declared.endswith("/*"):
        return media.startswith(declared[:-1])
    return declared == "application/json" and media.endswith("+json")


def contract_response(exc: Invalid) -> JSONResponse:
    where, _, name = exc.where.partition(".")
    place = {"body": "body field", "query": "query parameter", "path": "path parameter",
             "header": "header", "cookie": "cookie"}.get(where, "value")  # fmt: skip
    param = name or exc.where
    return error_response(
        400,
        (
            f"Invalid {place} {param!r}: {exc.message}."
            if name
            else f"Invalid request body: {exc.message}."
        ),
        param=param,
        code="invalid_value",
    )
