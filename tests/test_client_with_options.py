"""`Portkey.with_options()` / `copy()`: every constructor argument, checked on the wire.

Each argument changes what the new client sends (headers, server URLs, timeout, retries) and
leaves the original client as it was; both share one connection pool unless told otherwise.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import types
from collections.abc import Callable

import httpx
import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)

MODELS_BODY = {"object": "list", "data": []}


@pytest.fixture(scope="module")
def client_mod(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


class Capture:
    def __init__(self, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=MODELS_BODY if self.status == 200 else {"error": {"message": "x"}})

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def make(client_mod: types.ModuleType, capture: Capture, **kwargs: object) -> object:
    kwargs.setdefault("api_key", "pk-1")
    return client_mod.Portkey(http_client=httpx.Client(transport=httpx.MockTransport(capture)), **kwargs)


def gateway_call(client: object) -> None:
    client.models.list()  # type: ignore[attr-defined]  # GET /models: gateway server group


def control_plane_call(client: object) -> None:
    client.admin.users.delete("u1")  # type: ignore[attr-defined]


def default_group_call(client: object) -> None:
    client.integrations.models.delete("slug", slugs="m1")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argument", "value", "header", "sent"),
    [
        ("api_key", "pk-2", "x-portkey-api-key", "pk-2"),
        ("virtual_key", "vk-2", "x-portkey-virtual-key", "vk-2"),
        ("provider", "anthropic", "x-portkey-provider", "anthropic"),
        ("config", "pc-abc", "x-portkey-config", "pc-abc"),
        ("config", {"retry": {"attempts": 3}}, "x-portkey-config", '{"retry":{"attempts":3}}'),
        ("custom_host", "http://llm.local", "x-portkey-custom-host", "http://llm.local"),
        ("authorization", "sk-live", "authorization", "Bearer sk-live"),
        ("authorization", "Bearer sk-2", "authorization", "Bearer sk-2"),
    ],
)
def test_each_credential_changes_the_header(
    client_mod: types.ModuleType, argument: str, value: object, header: str, sent: str
) -> None:
    cap = Capture()
    client = make(client_mod, cap, provider="openai", config="pc-original")
    other = client.with_options(**{argument: value})
    gateway_call(other)
    assert cap.last.headers[header] == sent
    assert getattr(other, argument) == (sent if argument == "authorization" else value)
    gateway_call(client)  # the original is unchanged
    original = {"x-portkey-api-key": "pk-1", "x-portkey-provider": "openai", "x-portkey-config": "pc-original"}
    assert cap.last.headers.get(header) == original.get(header)
    assert getattr(client, argument) == {"api_key": "pk-1", "provider": "openai", "config": "pc-original"}.get(argument)


def test_none_stops_sending_a_credential(client_mod: types.ModuleType) -> None:
    cap = Capture()
    client = make(client_mod, cap, virtual_key="vk-1")
    gateway_call(client.with_options(virtual_key=None))
    assert "x-portkey-virtual-key" not in cap.last.headers and cap.last.headers["x-portkey-api-key"] == "pk-1"
    gateway_call(client)
    assert cap.last.headers["x-portkey-virtual-key"] == "vk-1"


def test_per_call_site_config(client_mod: types.ModuleType) -> None:
    cap = Capture()
    client = make(client_mod, cap)
    client.with_options(config="pc-route-a").models.list()
    client.with_options(config="pc-route-b").models.list()
    client.models.list()
    assert [r.headers.get("x-portkey-config") for r in cap.requests] == ["pc-route-a", "pc-route-b", None]


def test_base_url_moves_every_group_without_its_own_url(client_mod: types.ModuleType) -> None:
    cap = Capture()
    client = make(client_mod, cap)
    other = client.with_options(base_url="http://127.0.0.1:8787/v1")
    calls: list[Callable[[object], None]] = [gateway_call, control_plane_call, default_group_call]
    for call in calls:
        call(other)
        assert str(cap.last.url).startswith("http://127.0.0.1:8787/v1/"), call.__name__
        call(client)
        assert str(cap.last.url).startswith("https://api.portkey.ai/v1/"), call.__name__


def test_a_group_url_given_explicitly_stays(client_mod: types.ModuleType) -> None:
    cap = Capture()
    client = make(client_mod, cap, control_plane_url="https://cp.example/v1")
    other = client.with_options(base_url="http://self-hosted/v1")
    control_plane_call(other)
    assert str(cap.last.url) == "https://cp.example/v1/admin/users/u1"
    gateway_call(other)
    assert str(cap.last.url) == "http://self-hosted/v1/models"
    # a group URL given to with_options wins, and no longer follows a later base_url
    pinned = client.with_options(gateway_url="https://gw.example/v1")
    gateway_call(pinned.with_options(base_url="http://elsewhere/v1"))
    assert str(cap.last.url) == "https://gw.example/v1/models"
    default_group_call(pinned)
    assert str(cap.last.url).startswith("https://api.portkey.ai/v1/integrations/slug/models")


def test_timeout_retries_headers_query(client_mod: types.ModuleType) -> None:
    cap = Capture()
    client = make(client_mod, cap, timeout=20.0, default_headers={"x-team": "a"})
    other = client.with_options(
        timeout=1.5, default_headers={"x-team": "b", "x-extra": "1"}, default_query={"trace": "on"}
    )
    gateway_call(other)
    assert cap.last.extensions["timeout"]["read"] == 1.5
    assert cap.last.headers["x-team"] == "b" and cap.last.headers["x-extra"] == "1"
    assert cap.last.url.params["trace"] == "on"
    gateway_call(client)
    assert cap.last.extensions["timeout"]["read"] == 20.0
    assert cap.last.headers["x-team"] == "a" and "x-extra" not in cap.last.headers
    assert "trace" not in cap.last.url.params

    failing = Capture(status=500)
    flaky = make(client_mod, failing, max_retries=2)
    flaky.sleep = lambda seconds: None
    with pytest.raises(client_mod.InternalServerError):
        gateway_call(flaky.with_options(max_retries=0))
    assert len(failing.requests) == 1
    with pytest.raises(client_mod.InternalServerError):
        gateway_call(flaky)
    assert len(failing.requests) == 1 + 3


def test_shares_the_pool_unless_given_one(client_mod: types.ModuleType) -> None:
    cap, other_cap = Capture(), Capture()
    client = make(client_mod, cap)
    same = client.copy(config="pc-1")
    assert same._http is client._http and type(same) is type(client)
    assert client.with_options is not None and type(client).with_options is type(client).copy
    mine = client.with_options(http_client=httpx.Client(transport=httpx.MockTransport(other_cap)))
    gateway_call(mine)
    assert len(other_cap.requests) == 1 and not cap.requests
    # closing a copy leaves the shared pool open for the original
    same.close()
    gateway_call(client)
    assert len(cap.requests) == 1


def test_async_with_options(client_mod: types.ModuleType) -> None:
    cap = Capture()

    async def run() -> list[tuple[str | None, str]]:
        client = client_mod.AsyncPortkey(
            api_key="pk-1", http_client=httpx.AsyncClient(transport=httpx.MockTransport(cap))
        )
        other = client.with_options(config={"cache": {"mode": "simple"}}, base_url="http://127.0.0.1:9/v1")
        assert type(other) is client_mod.AsyncPortkey and other._http is client._http
        await other.models.list()
        await client.models.list()
        return [(r.headers.get("x-portkey-config"), str(r.url)) for r in cap.requests]

    assert asyncio.run(run()) == [
        (json.dumps({"cache": {"mode": "simple"}}, separators=(",", ":")), "http://127.0.0.1:9/v1/models"),
        (None, "https://api.portkey.ai/v1/models"),
    ]


def test_strict_response_validation_switches_per_call_site(client_mod: types.ModuleType) -> None:
    # A body the spec does not allow (`data` items are not objects): tolerated by default,
    # refused by a strict copy, and the original stays tolerant.
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"object": "list", "data": [{"id": None, "object": "new-kind"}]})

    client = client_mod.Portkey(api_key="pk-1", http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    strict = client.with_options(strict_response_validation=True)
    assert strict.strict_response_validation is True
    with pytest.raises(client_mod.APIResponseValidationError):
        strict.models.list()
    assert client.models.list() is not None
    assert client.strict_response_validation is False
