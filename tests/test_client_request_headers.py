"""Headers the generated client adds by itself, on a small non-Portkey spec of our own
(tests/data/petstore/) and a loopback server: the User-Agent names the API of the spec (from
its ``info.title``), not the generator; a retry says which one it is (``x-retry-count``); a POST
that may be retried carries one ``idempotency-key`` on all its attempts.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from portkey_codegen import render_tree
from portkey_codegen.config import Config
from portkey_codegen.naming import user_agent_product
from portkey_codegen.output import write_tree

DATA = Path(__file__).resolve().parent / "data" / "petstore"
PET = {"id": "p1", "name": "Rex"}


class PetServer:
    """Answers every request with the statuses queued in `fail` first (then 200 and a pet), and
    records each request's method, path and headers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.fail: list[int] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((self.command, self.path, headers))
                status = server.fail.pop(0) if server.fail else 200
                body = json.dumps(PET if status == 200 else {"error": {"message": "busy"}}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.send_header("retry-after-ms", "1")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def petstore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.ModuleType]:
    """The spec's generated client package (`petstore_api.client`)."""
    out = tmp_path_factory.mktemp("petstore")
    config = Config(spec=DATA / "openapi.yaml", out=out, package_name="petstore_api", root=DATA)
    write_tree(out, render_tree(config).files)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("petstore_api.client")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "petstore_api" or m.startswith("petstore_api.")]:
            del sys.modules[name]


@pytest.fixture()
def server() -> Iterator[PetServer]:
    srv = PetServer()
    try:
        yield srv
    finally:
        srv.close()


def spec_title() -> str:
    return str(yaml.safe_load((DATA / "openapi.yaml").read_text("utf-8"))["info"]["title"])


def test_user_agent_names_the_spec_api_sync_and_async(petstore: types.ModuleType, server: PetServer) -> None:
    with petstore.SwaggerPetstore(base_url=server.url) as client:
        assert client.pets.create_pet(name="Rex").name == "Rex"

    async def run() -> None:
        async with petstore.AsyncSwaggerPetstore(base_url=server.url) as client:
            assert (await client.pets.get_pet("p1")).id == "p1"

    asyncio.run(run())
    product = user_agent_product(spec_title(), "petstore_api")
    assert product == "swagger-petstore-example-python"  # the rule, on this title
    for _, _, headers in server.requests:
        name, python, http = headers["user-agent"].split(" ")
        assert name.split("/")[0] == product and name.split("/")[1][0].isdigit()
        assert python == f"python/{sys.version.split()[0]}" and http == f"httpx/{httpx.__version__}"
        assert "portkey" not in headers["user-agent"]
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("title", "fallback", "product"),
    [
        ("Swagger Petstore", "x", "swagger-petstore-python"),
        ("Portkey API", "portkey_api", "portkey-python"),
        ("OpenAPI", "billing_api", "billing-python"),  # nothing but generic words: the package name
        ("", "", "openapi-client-python"),
        ('Evil"\r\nX-Injected: 1 (café) /v2;', "x", "evil-x-injected-1-python"),
        ("Ünïcode Café Service", "x", "unicode-cafe-service-python"),
    ],
)
def test_user_agent_product_is_a_clean_token(title: str, fallback: str, product: str) -> None:
    got = user_agent_product(title, fallback)
    assert got == product
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in got) and got.islower()


def attempts(server: PetServer) -> list[dict[str, str]]:
    return [headers for _, _, headers in server.requests]


def retried_calls(petstore: types.ModuleType, server: PetServer, mode: str, **options: Any) -> None:
    """Two POSTs, each answered 503, 503 then 200, and one GET answered 503 then 200."""
    server.fail = [503, 503, 200, 503, 503, 200, 503]

    async def run_async() -> None:
        async with petstore.AsyncSwaggerPetstore(base_url=server.url, **options) as client:
            for _ in range(2):
                assert (await client.pets.create_pet(name="Rex")).name == "Rex"
            assert (await client.pets.get_pet("p1")).id == "p1"

    if mode == "async":
        asyncio.run(run_async())
        return
    with petstore.SwaggerPetstore(base_url=server.url, **options) as client:
        for _ in range(2):
            assert client.pets.create_pet(name="Rex").name == "Rex"
        assert client.pets.get_pet("p1").id == "p1"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_retries_are_counted_and_posts_keep_one_idempotency_key(
    petstore: types.ModuleType, server: PetServer, mode: str
) -> None:
    retried_calls(petstore, server, mode)
    seen = attempts(server)
    assert [(m, p) for m, p, _ in server.requests] == [("POST", "/v1/pets")] * 6 + [("GET", "/v1/pets/p1")] * 2
    assert [h.get("x-retry-count") for h in seen] == [None, "1", "2", None, "1", "2", None, "1"]
    first, second = {h["idempotency-key"] for h in seen[:3]}, {h["idempotency-key"] for h in seen[3:6]}
    assert len(first) == 1 and len(second) == 1 and first != second  # one key per call, kept on retries
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in first | second)  # 128 random bits, hex
    assert all("idempotency-key" not in h for h in seen[6:])  # a GET is idempotent: no key


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_retry_headers_can_be_switched_off(petstore: types.ModuleType, server: PetServer, mode: str) -> None:
    policy = petstore.RetryPolicy(retry_count_header=None, idempotency_header=None)
    retried_calls(petstore, server, mode, retry_policy=policy)
    assert len(server.requests) == 8
    assert all("x-retry-count" not in h and "idempotency-key" not in h for h in attempts(server))


def test_no_key_without_retries_and_a_given_key_wins(petstore: types.ModuleType, server: PetServer) -> None:
    with petstore.SwaggerPetstore(base_url=server.url, max_retries=0) as client:
        client.pets.create_pet(name="Rex")
        server.fail = [500, 200]
        client.with_options(max_retries=1).pets.create_pet(name="Rex", extra_headers={"Idempotency-Key": "mine"})
    seen = attempts(server)
    assert "idempotency-key" not in seen[0]  # never retried: nothing to deduplicate
    assert [h.get("idempotency-key") for h in seen[1:]] == ["mine", "mine"]
    assert [h.get("x-retry-count") for h in seen[1:]] == [None, "1"]
