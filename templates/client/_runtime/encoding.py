"""Encoding of request values: path and query parameters (with the OpenAPI styles), headers,
JSON bodies, forms and file uploads."""

from __future__ import annotations

import datetime as _dt
import enum
import io
import json
import os
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

import httpx

from .common import NOT_GIVEN, _is_model


def _json_default(value: Any) -> Any:
    if _is_model(value):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    if value is NOT_GIVEN:
        raise TypeError(
            "NOT_GIVEN can only be used as a top-level argument, not inside a value"
        )
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# One encoder, built once: json.dumps() with keyword arguments builds a new one per call.
_JSON = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default
)
_JSON_ASCII = json.JSONEncoder(
    separators=(",", ":"), allow_nan=False, default=_json_default
)


def _to_str(value: object) -> str:
    """A scalar for a path, query or form value: bools as true/false, enums by value."""
    if type(value) is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, enum.Enum):
        return _to_str(value.value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)) or _is_model(value):
        return _JSON.encode(value)
    return str(value)


def _header_value(value: object) -> str | None:
    """Header text; dicts/lists/models as compact ASCII JSON (x-portkey-config/metadata)."""
    if value is None or value is NOT_GIVEN:
        return None
    if type(value) is str:
        return value
    if isinstance(value, (dict, list, tuple)) or _is_model(value):
        return _JSON_ASCII.encode(value)
    return _to_str(value)


def _merge_headers(target: dict[str, str], source: Mapping[str, object]) -> None:
    # NOT_GIVEN leaves a default alone; an explicit None removes it.
    for key, value in source.items():
        if value is NOT_GIVEN:
            continue
        text = _header_value(value)
        if text is None:
            target.pop(key.lower(), None)
        else:
            target[key.lower()] = text


class Delimited:
    """A query value sent as one `key=a,b,c` pair: an array's items (or an object's keys
    and values) joined by `delimiter` (`explode: false`, space/pipe-delimited)."""

    __slots__ = ("value", "delimiter")

    def __init__(self, value: object, delimiter: str) -> None:
        self.value, self.delimiter = value, delimiter


class DeepObject:
    """An object sent as `key[name]=value` pairs (OpenAPI `style: deepObject`)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _object_items(value: object) -> list[tuple[str, object]] | None:
    """A dict's or model's (wire name, value) pairs, leaving out None and NOT_GIVEN; else None."""
    if _is_model(value):
        value = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if not isinstance(value, Mapping):
        return None
    return [
        (str(k), v) for k, v in value.items() if v is not None and v is not NOT_GIVEN
    ]


def _styled_query(key: str, value: Delimited | DeepObject, out: list[str]) -> None:
    items = _object_items(value.value)
    if isinstance(value, DeepObject) and items is not None:
        for name, item in items:
            for one in item if isinstance(item, (list, tuple)) else (item,):
                out.append(
                    quote(f"{key}[{name}]", safe="")
                    + "="
                    + quote(_to_str(one), safe="")
                )
        return
    inner = value.value
    if items is not None:
        parts = [text for name, item in items for text in (name, _to_str(item))]
    elif isinstance(inner, (list, tuple, set, frozenset)):
        parts = [_to_str(item) for item in inner]
    else:
        parts = [_to_str(inner)]
    delimiter = value.delimiter if isinstance(value, Delimited) else ","
    out.append(quote(key, safe="") + "=" + quote(delimiter.join(parts), safe=""))


def _encode_query(*parts: Mapping[str, object] | None) -> str:
    merged: dict[str, object] = {}
    for part in parts:
        if part:
            merged.update(part)
    out: list[str] = []
    for key, value in merged.items():
        if isinstance(value, (Delimited, DeepObject)):
            if value.value is not None and value.value is not NOT_GIVEN:
                _styled_query(key, value, out)
            continue
        if value is None or value is NOT_GIVEN:
            continue
        k = quote(key, safe="")
        if isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                out.append(k + "=" + quote(_to_str(item), safe=""))
        else:
            out.append(k + "=" + quote(_to_str(value), safe=""))
    return "&".join(out)


def _encode_json_body(body: object, extra: Mapping[str, object] | None) -> bytes:
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if v is not NOT_GIVEN}
    elif extra and _is_model(body):
        body = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if extra:
        extra = {k: v for k, v in extra.items() if v is not NOT_GIVEN}
        if body is None:
            body = extra
        elif isinstance(body, dict):
            body.update(extra)
        else:
            raise TypeError(
                f"extra_body needs a JSON object body, not {type(body).__name__}"
            )
    return _JSON.encode(body).encode()


def _encode_form(
    data: Mapping[str, object] | None, extra: Mapping[str, object] | None
) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for source in (data, extra):
        if not source:
            continue
        for key, value in source.items():
            if value is None or value is NOT_GIVEN:
                continue
            if isinstance(value, (list, tuple, set, frozenset)):
                out[key] = [_to_str(v) for v in value]
            else:
                out[key] = _to_str(value)
    return out


# Type aliases for generated signatures (runtime expressions, so no string forward refs here).
FileContent = IO[bytes] | bytes | os.PathLike[str]
FileTypes = (
    FileContent
    | tuple[str | None, FileContent]
    | tuple[str | None, FileContent, str | None]
)
_HttpxFile = tuple[str | None, IO[bytes] | bytes, str | None]


def _file_part(value: object, opened: list[IO[bytes]]) -> _HttpxFile:
    content_type: str | None = None
    if isinstance(value, tuple):
        if len(value) not in (2, 3):
            raise TypeError(
                "a file tuple is (filename, content) or (filename, content, type)"
            )
        filename: str | None = value[0]
        content: object = value[1]
        content_type = value[2] if len(value) == 3 else None
    else:
        filename, content = None, value
    if isinstance(content, os.PathLike):
        path = os.fspath(content)
        # Closed by the client once the request is sent.
        handle = open(path, "rb")  # noqa: SIM115
        opened.append(handle)
        return (filename or os.path.basename(str(path)), handle, content_type)
    if isinstance(content, (bytes, bytearray, memoryview)):
        return (filename or "upload", bytes(content), content_type)
    if isinstance(content, io.TextIOBase):
        raise TypeError(
            "file uploads need a binary file (open(..., 'rb')), not a text file"
        )
    if hasattr(content, "read"):
        if filename is None:
            name = getattr(content, "name", None)
            filename = os.path.basename(name) if isinstance(name, str) else "upload"
        return (filename, content, content_type)  # type: ignore[return-value]
    raise TypeError(
        f"cannot upload a {type(content).__name__}; pass bytes, a path or a file"
    )


def _encode_files(
    files: Mapping[str, object], opened: list[IO[bytes]]
) -> list[tuple[str, _HttpxFile]]:
    out: list[tuple[str, _HttpxFile]] = []
    for key, value in files.items():
        if value is None or value is NOT_GIVEN:
            continue
        if isinstance(value, list):  # a tuple is one file; a list is a repeated field
            out.extend((key, _file_part(item, opened)) for item in value)
        else:
            out.append((key, _file_part(value, opened)))
    return out


def _to_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)
