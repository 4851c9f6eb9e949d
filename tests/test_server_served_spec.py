"""The served /openapi.json is valid as the OpenAPI version it declares (issue 23 item 4).

The server adds error answers and describes each server-sent event; both must be written in the
keywords of the document's own version: 3.0 has `nullable` and no JSON Schema content keywords,
3.1 has `type: null`, `contentSchema` and `if`/`const`.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from test_server import build_package, spec_package

STREAM_SPEC = """
openapi: {version}
info: {{title: Served spec, version: "1.0"}}
paths:
  /chat/completions:
    post:
      operationId: createChatCompletion
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [model]
              properties: {{model: {{type: string}}, stream: {{type: boolean}}}}
      responses:
        "200":
          description: ok
          content:
            application/json: {{schema: {{$ref: '#/components/schemas/Chunk'}}}}
            text/event-stream: {{schema: {{$ref: '#/components/schemas/Chunk'}}, x-stream-terminator: '[DONE]'}}
components:
  schemas:
    Chunk:
      type: object
      required: [id]
      properties: {{id: {{type: string}}}}
"""


def served(app) -> dict:
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def problems(document: dict) -> list[str]:
    try:
        validate(document)
    except OpenAPIValidationError as exc:
        return [f"{'/'.join(map(str, exc.absolute_path))}: {exc.message[:300]}"]
    return []


def test_portkey_served_spec_validates_as_its_version(portkey_result, tmp_path_factory):
    _, api, _ = build_package(portkey_result, "pk_server_api", tmp_path_factory.mktemp("pk_server"))
    from pk_server_api.server import create_app

    document = served(create_app(mock=True, prefix="/v1"))
    assert document["openapi"].startswith("3.0")
    assert problems(document) == []


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_stream_and_error_schemas_use_the_keywords_of_the_version(version, tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    spec = root / "spec.yaml"
    spec.write_text(STREAM_SPEC.format(version=version), "utf-8")
    package = "served_spec_" + version.replace(".", "_")
    spec_package(spec, package, root)
    server = __import__(f"{package}.server", fromlist=["create_app"])
    document = served(server.create_app(mock=True))
    assert document["openapi"] == version
    assert problems(document) == []
    event = document["paths"]["/chat/completions"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    data = event["schema"]["properties"]["data"]
    keyword = "x-content-schema" if version.startswith("3.0") else "else"
    assert "Chunk" in str(data[keyword])  # the chunk's schema stays attached to the event
