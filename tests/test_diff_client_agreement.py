"""`diff`'s verdict for client users agrees with what the generated client does (issue 11).

For each change to a response schema, a client is generated from the OLD spec and given a body
only the NEW spec allows. Wherever `diff` says "not breaking for clients", that client must
return the value as it arrived (no exception). docs/diff.md states both: the default client keeps
what it does not know; `strict_response_validation=True` raises.
"""

from __future__ import annotations

import copy
import importlib
import sys
from typing import Any, Callable

import httpx
import pytest

from portkey_codegen import Config, render_tree
from portkey_codegen.diff import diff_documents
from portkey_codegen.output import write_tree

OLD: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Agree", "version": "1"},
    "servers": [{"url": "http://agree.test"}],
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "status", "count"],
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string", "enum": ["active", "revoked"]},
                    "count": {"type": "integer"},
                    "part": {"oneOf": [{"$ref": "#/components/schemas/Text"}]},
                },
            },
            "Text": {
                "type": "object",
                "required": ["type", "text"],
                "properties": {"type": {"type": "string", "enum": ["text"]}, "text": {"type": "string"}},
            },
        }
    },
}

BASE_BODY = {"id": "t1", "status": "active", "count": 1}


def _thing(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"]["Thing"]


def _enum_add(s: dict[str, Any]) -> None:
    _thing(s)["properties"]["status"]["enum"].append("expired")


def _nullable(s: dict[str, Any]) -> None:
    _thing(s)["properties"]["count"]["nullable"] = True


def _number(s: dict[str, Any]) -> None:
    _thing(s)["properties"]["count"]["type"] = "number"


def _member(s: dict[str, Any]) -> None:
    s["components"]["schemas"]["Image"] = {
        "type": "object", "required": ["type", "url"],
        "properties": {"type": {"type": "string", "enum": ["image"]}, "url": {"type": "string"}},
    }
    _thing(s)["properties"]["part"]["oneOf"].append({"$ref": "#/components/schemas/Image"})


def _optional_prop(s: dict[str, Any]) -> None:
    _thing(s)["properties"]["note"] = {"type": "string"}


def _unrequire(s: dict[str, Any]) -> None:
    _thing(s)["required"].remove("count")


# name: (change to the spec, a body only the new spec allows, what the old client must give back)
CASES: dict[str, tuple[Callable[[dict[str, Any]], None], dict[str, Any], Callable[[Any], Any], Any]] = {
    "enum value added": (_enum_add, {**BASE_BODY, "status": "expired"}, lambda r: r.status, "expired"),
    "now nullable": (_nullable, {**BASE_BODY, "count": None}, lambda r: r.count, None),
    "integer -> number": (_number, {**BASE_BODY, "count": 1.5}, lambda r: r.count, 1.5),
    "oneOf member added": (
        _member, {**BASE_BODY, "part": {"type": "image", "url": "u"}}, lambda r: getattr(r.part, "root", r.part), {"type": "image", "url": "u"}
    ),
    "optional property added": (_optional_prop, {**BASE_BODY, "note": "n"}, lambda r: r.model_extra["note"], "n"),
    "made optional": (_unrequire, {"id": "t1", "status": "active"}, lambda r: r.count, None),
}


@pytest.fixture(scope="module")
def old_client(tmp_path_factory):
    import yaml

    folder = tmp_path_factory.mktemp("agree")
    spec = folder / "old.yaml"
    spec.write_text(yaml.safe_dump(OLD))
    result = render_tree(Config(spec=spec, out=folder / "out", package_name="agree_api", parts=("models", "client")))
    write_tree(folder / "out", result.files)
    sys.path.insert(0, str(folder / "out"))
    try:
        yield importlib.import_module("agree_api.client")
    finally:
        sys.path.remove(str(folder / "out"))


def _call(pkg: Any, body: dict[str, Any], **options: Any) -> Any:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))
    return pkg.Agree(base_url="http://agree.test", http_client=http, max_retries=0, **options).things.get_thing("t1")


@pytest.mark.parametrize("case", sorted(CASES))
def test_client_verdict_matches_generated_client(old_client, case):
    change, body, read, expected = CASES[case]
    new = copy.deepcopy(OLD)
    change(new)
    changes = [c for c in diff_documents(OLD, new).changes if c.direction and "response" in c.direction]
    assert changes, f"diff saw no response change for {case}"
    breaking_client = any(c.breaking_client for c in changes)
    # Default mode: whatever diff says, the old client returns the new value as it arrived.
    got = _call(old_client, body)
    assert got.id == "t1" and read(got) == expected
    # Strict mode rejects every body outside the old spec (unknown fields were always allowed).
    if case == "optional property added":
        assert read(_call(old_client, body, strict_response_validation=True)) == expected
    else:
        with pytest.raises(old_client.APIResponseValidationError):
            _call(old_client, body, strict_response_validation=True)
    # Non-breaking verdicts are the changes the *default* client absorbs without the caller
    # seeing anything undeclared; the ✗ ones hand the caller a value its type does not admit.
    assert breaking_client == (case not in ("enum value added", "optional property added")), changes
