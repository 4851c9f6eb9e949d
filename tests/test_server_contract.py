"""The generated server enforces its spec and serves it: focused cases for each point of issue 13.

A small spec of our own (CONTRACT_SPEC) is generated into a package once per module; each test
drives the app in process with Starlette's TestClient.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, Request

from portkey_codegen import Config, render_tree
from portkey_codegen.output import write_tree
from project_paths import REPO

CONTRACT_SPEC = """
openapi: 3.0.3
info: {title: Contract test, version: "1.0", description: "Checks the contract."}
servers: [{url: "https://api.example.test/v1"}]
tags: [{name: Labels, description: "Label things."}]
security: [{ApiKey: []}]
paths:
  /labels:
    get:
      operationId: listLabels
      tags: [Labels]
      parameters:
        - {name: search, in: query, schema: {type: string, maxLength: 5}}
        - {name: page, in: query, schema: {type: integer, format: int32, minimum: 0}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: x-meta, in: header, schema: {type: object}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LabelList'}
              example: {data: [{id: 3f2b8c1e-0d6a-4c55-9a3e-2b7f1c9d4e01, name: from-the-example}]}
    post:
      operationId: createLabel
      tags: [Labels]
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: '#/components/schemas/LabelCreate'}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Label'}}
  /labels/{labelId}:
    get:
      operationId: getLabel
      parameters:
        - {name: labelId, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Label'}}
    delete:
      operationId: deleteLabel
      parameters:
        - {name: labelId, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        "204": {description: gone}
  /models/{model}:
    get:
      operationId: retrieveModel
      parameters:
        - {name: model, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Label'}}
  /uploads:
    post:
      operationId: createUpload
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [prompt, image]
              properties:
                prompt: {type: string}
                n: {type: integer, nullable: true, minimum: 1}
                image: {type: string, format: binary}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Label'}}
  /chat/completions:
    post:
      operationId: createChatCompletion
      security: [{ApiKey: []}, {Bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [model]
              properties: {model: {type: string}, stream: {type: boolean}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Label'}}
            text/event-stream: {schema: {$ref: '#/components/schemas/Label'}}
components:
  securitySchemes:
    ApiKey: {type: apiKey, in: header, name: x-api-key}
    Bearer: {type: http, scheme: bearer}
  schemas:
    Label:
      type: object
      required: [id, name]
      properties:
        id: {type: string, format: uuid}
        name: {type: string}
        url: {type: string, format: uri}
        email: {type: string, format: email}
    LabelCreate:
      type: object
      required: [name]
      additionalProperties: false
      properties:
        name: {type: string, minLength: 1}
        weight: {type: number}
        status: {type: string, enum: [active, archived]}
        email: {type: string, format: email}
        note: {type: string, nullable: true}
        count: {type: integer, format: int32}
        size: {type: integer, format: int64}
        ratio: {type: number, format: float}
        batch: {anyOf: [{type: string, enum: [auto]}, {type: integer, format: int32, maximum: 256}, {type: integer, format: int32}]}
    LabelList:
      type: object
      required: [data]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Label'}}
"""

KEY = {"x-api-key": "k"}
LABEL_ID = "3f2b8c1e-0d6a-4c55-9a3e-2b7f1c9d4e01"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("contract")
    spec = root / "contract.yaml"
    spec.write_text(CONTRACT_SPEC, "utf-8")
    package = "srv_contract_api"
    result = render_tree(Config(spec=spec, out=root / "unused", package_name=package, root=REPO))
    write_tree(root / "out", result.files)
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module(f"{package}.server"), importlib.import_module(f"{package}.models")
    finally:
        sys.path.remove(str(root / "out"))


def client(server_module: Any, **kwargs: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(server_module.create_app(**kwargs))


def test_405_allow_lists_every_method_of_the_path(server):
    c = client(server[0], mock=True)
    r = c.put("/labels", headers=KEY)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD, POST"
    r = c.patch(f"/labels/{LABEL_ID}", headers=KEY)
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, GET, HEAD"


def test_path_parameter_holding_an_encoded_slash_is_routed(server):
    srv, models = server
    seen: list[str] = []

    class Models(srv.ModelsService):
        async def retrieve_model(self, request, ctx):
            seen.append(request.model)
            return models.Label(id=LABEL_ID, name=request.model)

    c = client(srv, models=Models())
    r = c.get("/models/%40openai%2Fgpt-4o", headers=KEY)
    assert r.status_code == 200, r.text
    assert seen == ["@openai/gpt-4o"] and r.json()["name"] == "@openai/gpt-4o"
    assert c.get("/models/plain", headers=KEY).json()["name"] == "plain"
    assert c.get("/models/a/b", headers=KEY).status_code == 404  # a real slash is two segments


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/labels?search=abcdef", "search"),  # maxLength 5
        ("/labels?page=-1", "page"),  # minimum 0
        ("/labels?page=one", "page"),
        ("/labels?page=2147483648", "page"),  # int32
        ("/labels?since=yesterday", "since"),  # date-time
        ("/labels?since=2024-13-01T00:00:00Z", "since"),
        ("/labels/not-a-uuid", "labelId"),
    ],
)
def test_parameter_constraints_are_enforced(server, url, param):
    r = client(server[0], mock=True).get(url, headers=KEY)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_parameters_within_their_constraints_pass(server):
    c = client(server[0], mock=True)
    assert c.get("/labels?search=abcde&page=2147483647&since=2024-01-01T00:00:00Z", headers=KEY).status_code == 200
    assert c.get(f"/labels/{LABEL_ID}", headers=KEY).status_code == 200


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"name": "x", "status": None}, "status"),  # not nullable
        ({"name": "x", "weight": "3"}, "weight"),  # a string for a number
        ({"name": "x", "weight": False}, "weight"),  # a boolean for a number
        ({"name": "x", "email": "not-an-email"}, "email"),
        ({"name": "x", "colour": "red"}, "colour"),  # additionalProperties: false
        ({"name": ""}, "name"),  # minLength 1
        ({"name": "x", "status": "deleted"}, "status"),
        ({}, "name"),
        ({"name": "x", "count": 2**31}, "count"),  # int32
        ({"name": "x", "count": -(2**31) - 1}, "count"),
        ({"name": "x", "size": 2**63}, "size"),  # int64
        ({"name": "x", "ratio": 1e39}, "ratio"),  # float
        ({"name": "x", "batch": 99999999999999}, "batch"),  # int32 in every member of the anyOf
    ],
)
def test_request_bodies_are_strict(server, body, param):
    r = client(server[0], mock=True).post("/labels", json=body, headers=KEY)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_request_bodies_within_the_spec_pass(server):
    c = client(server[0], mock=True)
    body = {"name": "x", "weight": 3, "status": "active", "email": "a@example.com", "note": None}
    assert c.post("/labels", json=body, headers=KEY).status_code == 200
    edges = {"count": 2**31 - 1, "size": -(2**63), "ratio": 3.4e38, "batch": 2**31 - 1}
    assert c.post("/labels", json={"name": "x", **edges}, headers=KEY).status_code == 200


@pytest.mark.parametrize(("value", "status"), [('{"a": "1"}', 200), ("a,1,b,2", 200), ("a=1,b=2", 200), ("a", 400), ("{", 400)])
def test_object_header_takes_json_or_the_simple_style(server, value, status):
    r = client(server[0], mock=True).get("/labels", headers={**KEY, "x-meta": value})
    assert r.status_code == status, r.text


def test_empty_multipart_text_field_is_a_value(server):
    srv, models = server
    seen: list[Any] = []

    class Uploads(srv.UploadsService):
        async def create_upload(self, request, ctx):
            seen.append((request.prompt, request.n))
            return models.Label(id=LABEL_ID, name="u")

    c = client(srv, uploads=Uploads())
    files = {"image": ("a.png", b"png")}
    r = c.post("/uploads", data={"prompt": ""}, files=files, headers=KEY)
    assert r.status_code == 200, r.text
    assert seen == [("", None)]
    r = c.post("/uploads", data={"prompt": "p", "n": "null"}, files=files, headers=KEY)
    assert r.status_code == 200 and seen[-1] == ("p", None)  # nullable: "null" is null
    r = c.post("/uploads", data={"prompt": "p", "n": "0"}, files=files, headers=KEY)
    assert r.status_code == 400 and r.json()["error"]["param"] == "n"
    r = c.post("/uploads", data={"n": "2"}, files=files, headers=KEY)
    assert r.status_code == 400 and r.json()["error"]["param"] == "prompt"


def test_mock_answers_the_operation_example(server):
    r = client(server[0], mock=True).get("/labels", headers=KEY)
    assert r.json() == {"data": [{"id": LABEL_ID, "name": "from-the-example"}]}


def test_mock_without_example_fills_every_property_with_its_format(server):
    r = client(server[0], mock=True).get(f"/labels/{LABEL_ID}", headers=KEY)
    body = r.json()
    assert set(body) == {"id", "name", "url", "email"}
    assert len(body["id"]) == 36 and body["id"].count("-") == 4
    assert body["url"].startswith("https://") and "@" in body["email"]


def test_mock_stream_sends_several_chunks(server):
    r = client(server[0], mock=True).post("/chat/completions", json={"model": "m", "stream": True}, headers=KEY)
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [line[len("data: ") :] for line in r.text.splitlines() if line.startswith("data: ")]
    assert len(events) == 3  # no x-stream-terminator declared: no [DONE]
    assert all(json.loads(e)["id"] == json.loads(events[0])["id"] for e in events)


def test_any_one_security_alternative_is_enough(server):
    c = client(server[0], mock=True)
    assert c.post("/chat/completions", json={"model": "m"}, headers={"Authorization": "Bearer t"}).status_code == 200
    assert c.post("/chat/completions", json={"model": "m"}, headers=KEY).status_code == 200
    assert c.post("/chat/completions", json={"model": "m"}).status_code == 401


def test_served_openapi_is_the_spec(server):
    import yaml

    spec = yaml.safe_load(CONTRACT_SPEC)
    served = client(server[0], mock=True).get("/openapi.json").json()
    assert served["info"] == spec["info"]
    assert served["tags"] == spec["tags"]
    assert served["servers"][1:] == spec["servers"]
    ids = {op["operationId"] for item in served["paths"].values() for op in item.values() if "operationId" in op}
    assert ids == {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    assert set(served["components"]["schemas"]) == set(spec["components"]["schemas"]) | {"ErrorResponse"}
    assert served["components"]["schemas"]["Label"] == spec["components"]["schemas"]["Label"]
    assert served["paths"]["/labels"]["post"]["responses"]["400"]["content"]  # the server's own answers


def test_docs_page_works_offline(server):
    r = client(server[0], mock=True).get("/docs")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "createLabel" in r.text and "/labels/{labelId}" in r.text
    # Its script and stylesheet are inline: nothing is fetched from elsewhere.
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=", r.text) and "cdn" not in r.text.lower()
    assert "https://" not in r.text.replace("https://api.example.test/v1", "")  # the spec's server only
    assert client(server[0], mock=True, docs_url=None).get("/docs").status_code == 404


def test_docs_explorer_tries_every_operation_under_the_prefix(server):
    c = client(server[0], mock=True, prefix="/v1")
    page = c.get("/v1/docs")
    assert page.status_code == 200 and page.text == c.get("/docs").text
    forms = re.findall(r"<form class='try' data-method='(\w+)' data-path='([^']+)'>", page.text)
    spec = c.get("/openapi.json").json()
    assert sorted(forms) == sorted(
        (method.upper(), "/v1" + path) for path, item in spec["paths"].items() for method in item if method != "parameters"
    )
    assert "data-in='query' data-name='search'" in page.text  # a parameter input
    assert "data-in='header' data-name='x-api-key'" in page.text  # the ApiKey credential
    assert "<textarea data-in='body'" in page.text and "fetch(" in page.text
    # What the form sends is served there: the prefixed path answers.
    assert c.post("/v1/labels", json={"name": "x"}, headers=KEY).status_code == 200


def test_create_app_takes_a_lifespan_and_dependencies(server):
    srv = server[0]
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append("open")
        yield
        events.append("close")

    async def team_only(request: Request) -> None:
        if request.headers.get("x-team") != "search":
            raise srv.HTTPError(403, "search team only")

    from fastapi.testclient import TestClient

    with TestClient(srv.create_app(mock=True, lifespan=lifespan, dependencies=[Depends(team_only)])) as c:
        assert events == ["open"]
        r = c.get("/labels", headers=KEY)
        assert r.status_code == 403, r.text
        assert c.get("/labels", headers={**KEY, "x-team": "search"}).status_code == 200
    assert events == ["open", "close"]


def test_generated_package_carries_the_spec(server):
    path = Path(server[0].__file__).with_name("openapi.json")
    assert json.loads(path.read_text("utf-8"))["paths"]["/labels"]["get"]["operationId"] == "listLabels"


def test_schema_checker_follows_openapi_3_0(server):
    rt = importlib.import_module(server[0].__name__ + "._runtime.schema")
    document = {"components": {"schemas": {"Mode": {"type": "string", "enum": ["a", "b"]}}}}
    check = rt.SchemaChecker(document).check
    ref = {"$ref": "#/components/schemas/Mode"}
    check(None, {**ref, "nullable": True}, "v")  # nullable beside a $ref counts
    with pytest.raises(rt.Invalid):
        check(None, ref, "v")
    with pytest.raises(rt.Invalid):  # OpenAPI 3.0.3: null must be in the enum too
        check(None, {"type": "string", "nullable": True, "enum": ["a"]}, "v")
    check(None, {"oneOf": [{"type": "string", "nullable": True}, {"type": "array"}]}, "v")
    with pytest.raises(rt.Invalid):  # oneOf: exactly one
        check("x", {"oneOf": [{"type": "string"}, {"minLength": 1}]}, "v")
    closed = {"type": "object", "required": ["thread_id"], "additionalProperties": False, "properties": {}}
    check({"thread_id": "t"}, closed, "v")  # a required name is a known one
    with pytest.raises(rt.Invalid):
        check({"thread_id": "t", "other": 1}, closed, "v")
    with pytest.raises(rt.Invalid):
        check(1.5, {"type": "integer"}, "v")
    check(2.0, {"type": "integer", "multipleOf": 2}, "v")


def test_generated_client_retrieves_a_model_id_holding_a_slash_from_the_generated_server():
    import asyncio

    import httpx

    sys.path.insert(0, str(REPO / "generated"))
    try:
        from portkey_api import models as pk_models
        from portkey_api.client import AsyncPortkey
        from portkey_api.server import ModelsService, create_app
    finally:
        sys.path.remove(str(REPO / "generated"))
    asked: list[str] = []

    class Models(ModelsService):
        async def retrieve_model(self, request, ctx):
            asked.append(request.model)
            return pk_models.Model(id=request.model, created=0, object="model", owned_by="openai")

    async def main() -> str:
        transport = httpx.ASGITransport(app=create_app(models=Models()))
        async with httpx.AsyncClient(transport=transport) as http:
            client = AsyncPortkey(api_key="pk", virtual_key="vk", base_url="http://testserver", http_client=http)
            return (await client.models.retrieve("@openai/gpt-4o")).id

    assert asyncio.run(main()) == "@openai/gpt-4o"
    assert asked == ["@openai/gpt-4o"]


UNION_DOCUMENT = {
    "components": {
        "schemas": {
            "System": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {"role": {"type": "string", "enum": ["system"]}, "content": {"type": "string"}},
            },
            "User": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {"role": {"const": "user"}, "content": {"type": "string", "minLength": 1}},
            },
            "Tool": {
                "allOf": [{"type": "object", "required": ["role"], "properties": {"role": {"enum": ["tool"]}}}],
                "required": ["tool_call_id"],
                "properties": {"tool_call_id": {"type": "string"}},
            },
        }
    }
}
MEMBERS = [{"$ref": f"#/components/schemas/{name}"} for name in ("System", "User", "Tool")]


@pytest.mark.parametrize(
    ("value", "union", "named"),
    [
        ({"role": "user", "content": None}, {"oneOf": MEMBERS}, 'the one for role "user": v.content null'),
        ({"role": "user", "content": ""}, {"anyOf": MEMBERS}, 'the one for role "user": v.content must be at least'),
        ({"role": "tool"}, {"oneOf": MEMBERS}, 'the one for role "tool": v.tool_call_id is required'),
        ({"role": "User", "content": ""}, {"oneOf": MEMBERS, "discriminator": {"propertyName": "role"}}, 'role "User"'),
        ({"role": "nobody"}, {"oneOf": MEMBERS}, "the first: v.content is required"),  # no tag matches
    ],
)
def test_union_error_names_the_member_the_tag_selects(server, value, union, named):
    rt = importlib.import_module(server[0].__name__ + "._runtime.schema")
    with pytest.raises(rt.Invalid) as info:
        rt.SchemaChecker(UNION_DOCUMENT).check(value, union, "v")
    assert named in info.value.message
