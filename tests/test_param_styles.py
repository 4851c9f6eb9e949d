"""Query parameter styles, both sides: what the client sends and what the server decodes.

tests/data/params/styles.yaml has `explode: false`, pipeDelimited and spaceDelimited arrays, a
repeated-key array (the default), a deepObject (with an array property) and a plain object
parameter (JSON text, as Portkey clients send objects). The server reads the spec's encodings
(and JSON text for objects); an object model is never read from the whole query string.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi.testclient import TestClient

from portkey_codegen import Config, render_tree
from portkey_codegen.output import write_tree

SPEC = Path(__file__).resolve().parent / "data" / "params" / "styles.yaml"
PACKAGE = "styles_api"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("styles")
    result = render_tree(Config(spec=SPEC, out=root, package_name=PACKAGE, no_cache=True))
    write_tree(root, result.files)
    sys.path.insert(0, str(root))
    try:
        import styles_api.client as client  # type: ignore[import-not-found]
        import styles_api.server as server  # type: ignore[import-not-found]
        from styles_api.server.services import ItemsService  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(root))
    return client, server, ItemsService


def _server(package: Any) -> tuple[TestClient, dict[str, Any]]:
    _, server, service = package
    seen: dict[str, Any] = {}

    class Items(service):  # type: ignore[misc, valid-type]
        async def list_items(self, request: Any, ctx: Any) -> dict[str, Any]:
            seen["input"] = request
            return {}

    return TestClient(server.create_app(items=Items())), seen


def _query(url: str) -> list[str]:
    return [unquote(part) for part in httpx.URL(url).query.decode().split("&") if part]


def _sent(package: Any, **arguments: Any) -> list[str]:
    client_mod = package[0]
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={})

    client = client_mod.Styles(base_url="http://127.0.0.1:9", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    client.items.list_items(**arguments)

    async def async_call() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        await client_mod.AsyncStyles(base_url="http://127.0.0.1:9", http_client=http).items.list_items(**arguments)

    asyncio.run(async_call())
    assert urls[0] == urls[1], "sync and async send the same query"
    return _query(urls[0])


def test_client_sends_each_style(package: Any) -> None:
    models = sys.modules["styles_api.models"] if "styles_api.models" in sys.modules else None
    assert _sent(
        package,
        tags=["a", "b,c"],
        pipes=[1, 2],
        spaces=["x", "y"],
        ids=[3, 4],
        filter={"color": "red", "size": 3, "labels": ["p", "q"]},
        opts={"verbose": True},
    ) == [
        "tags=a,b,c",
        "pipes=1|2",
        "spaces=x y",
        "ids=3",
        "ids=4",
        "filter[color]=red",
        "filter[size]=3",
        "filter[labels]=p",
        "filter[labels]=q",
        'opts={"verbose":true}',
    ]
    assert _sent(package) == []  # nothing given: nothing sent
    assert _sent(package, tags=[], filter={"color": None, "size": 1}) == ["tags=", "filter[size]=1"]
    if models is not None:  # a model instance is sent by its wire names, like a dict
        assert _sent(package, filter=models.ListItemsFilter(size=2)) == ["filter[size]=2"]


def test_server_decodes_each_style(package: Any) -> None:
    app, seen = _server(package)
    response = app.get(
        "/items?tags=a,b&pipes=1|2&spaces=x%20y&ids=3&ids=4"
        "&filter[color]=red&filter[size]=3&filter[labels]=p&filter[labels]=q&opts=%7B%22verbose%22%3Atrue%7D"
    )
    assert response.status_code == 200, response.text
    got = seen["input"]
    assert (got.tags, got.pipes, got.spaces, got.ids) == (["a", "b"], [1, 2], ["x", "y"], [3, 4])
    assert (got.filter.color, got.filter.size, got.filter.labels) == ("red", 3, ["p", "q"])
    assert got.opts.verbose is True
    # An object parameter holds its own keys only (FastAPI would build it from the whole query).
    assert set(got.opts.model_dump(exclude_none=True)) == {"verbose"}
    assert set(got.filter.model_dump(exclude_none=True)) == {"color", "size", "labels"}


def test_server_takes_json_text_for_a_deep_object_too(package: Any) -> None:
    app, seen = _server(package)
    assert app.get('/items?filter={"size":2}').status_code == 200
    assert seen["input"].filter.size == 2 and seen["input"].tags is None


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("filter[size]=big", "filter.size"),
        ("pipes=1|x", "pipes"),
        ("ids=z", "ids"),
        ("opts=%7B%22verbose%22%3A%22maybe%22%7D", "opts"),
    ],
)
def test_server_refuses_bad_values_naming_the_parameter(package: Any, query: str, param: str) -> None:
    app, seen = _server(package)
    response = app.get(f"/items?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"].startswith(param)
    assert "input" not in seen


def test_client_and_server_agree(package: Any) -> None:
    app, seen = _server(package)
    client_mod = package[0]

    def bridge(request: httpx.Request) -> httpx.Response:
        answer = app.request(request.method, request.url.raw_path.decode(), headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    client = client_mod.Styles(base_url="http://test", http_client=httpx.Client(transport=httpx.MockTransport(bridge)))
    client.items.list_items(tags=["a", "b"], pipes=[5], spaces=["s t"], filter={"size": 9, "labels": ["z"]}, opts={"verbose": False})
    got = seen["input"]
    assert (got.tags, got.pipes, got.spaces) == (["a", "b"], [5], ["s", "t"])  # a space inside an item splits it
    assert (got.filter.size, got.filter.labels, got.opts.verbose) == (9, ["z"], False)
