"""End to end: the generated client, sync and async, through the real Portkey gateway.

The gateway is npm `@portkey-ai/gateway`, pinned in tests/e2e/package.json with every package
below it locked in tests/e2e/package-lock.json. On first use these tests install it into `.e2e/`
themselves (`npm ci`, once; again when the pin or the lock changes). It runs
on a free 127.0.0.1 port (a preload script pins the host: its start script binds every interface)
and forwards to a fake OpenAI upstream (tests/fakes/) named by the client's `custom_host`. Each
test checks what the client got back and what the upstream received (path, JSON body, provider
key). Without Node.js/npm, or when the install fails, the tests skip with one line saying the
command that installs the gateway; under .ci/run ($PORTKEY_CODEGEN_NO_SKIPS) that is a failure.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import socket
import subprocess
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from client_fixtures import clean_portkey_env  # noqa: F401
from fakes.fake_openai_upstream import REPLY_TEXT, FakeOpenAI
from project_paths import skip_or_fail

REPO = Path(__file__).resolve().parents[1]
E2E = REPO / ".e2e"
PINNED_PACKAGE = REPO / "tests" / "e2e" / "package.json"
PINNED_LOCK = REPO / "tests" / "e2e" / "package-lock.json"
GATEWAY_SCRIPT = E2E / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"
LOOPBACK_PRELOAD = Path(__file__).resolve().parent / "fakes" / "loopback.cjs"
INSTALL_COMMAND = (
    "mkdir -p .e2e && cp tests/e2e/package.json tests/e2e/package-lock.json .e2e/ && npm ci --prefix .e2e --no-audit --no-fund"
)
INSTALL_TIMEOUT = 600.0
STARTUP_TIMEOUT = 30.0
PROVIDER_KEY = "sk-test"


@dataclass
class Gateway:
    url: str  # ends in /v1
    upstream: FakeOpenAI


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(path: Path) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-2000:]


def _wait_until_up(proc: subprocess.Popen[bytes], root: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Portkey gateway exited with code {proc.returncode} while starting:\n{_log_tail(log)}")
        try:
            if "AI Gateway says hey!" in httpx.get(root, timeout=1.0).text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the Portkey gateway did not answer GET {root} within {STARTUP_TIMEOUT:.0f} s:\n{_log_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _installed() -> bool:
    """The gateway is there and was installed from the current pin and lock."""
    return GATEWAY_SCRIPT.is_file() and all(
        (E2E / pinned.name).is_file() and (E2E / pinned.name).read_bytes() == pinned.read_bytes()
        for pinned in (PINNED_PACKAGE, PINNED_LOCK)
    )


def ensure_gateway() -> str | None:
    """Install the pinned gateway into .e2e/ unless it is there; None, or why it is not available."""
    if shutil.which("node") is None:
        return f"Node.js (>= 18) is not installed, so the Portkey gateway cannot run; install node and npm, then: {INSTALL_COMMAND}"
    if _installed():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return f"the Portkey gateway is not installed and npm is missing; install npm, then: {INSTALL_COMMAND}"
    E2E.mkdir(exist_ok=True)
    with open(E2E / ".install.lock", "w") as lock:
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once install once
        if _installed():
            return None
        shutil.copyfile(PINNED_PACKAGE, E2E / "package.json")
        shutil.copyfile(PINNED_LOCK, E2E / "package-lock.json")
        try:
            done = subprocess.run(
                [npm, "ci", "--prefix", str(E2E), "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=E2E, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return f"installing the Portkey gateway took over {INSTALL_TIMEOUT:.0f} s; run: {INSTALL_COMMAND}"
        if done.returncode != 0 or not GATEWAY_SCRIPT.is_file():
            (E2E / "package.json").unlink(missing_ok=True)  # not installed: try again next time
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return f"npm could not install the Portkey gateway ({last}); run: {INSTALL_COMMAND}"
    return None


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    problem = ensure_gateway()
    if problem is not None:
        skip_or_fail(problem)
    node = shutil.which("node")
    assert node is not None
    log = tmp_path_factory.mktemp("gateway") / "gateway.log"
    port = _free_port()
    upstream = FakeOpenAI().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTKEY_")}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [node, "--require", str(LOOPBACK_PRELOAD), str(GATEWAY_SCRIPT), f"--port={port}", "--headless"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
            env=env,
        )
    try:
        _wait_until_up(proc, f"http://127.0.0.1:{port}/", log)
        yield Gateway(f"http://127.0.0.1:{port}/v1", upstream)
    finally:
        _stop(proc)
        upstream.stop()


@pytest.fixture(scope="module")
def client_mod(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture(scope="module")
def models(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".models")


def _options(gw: Gateway) -> dict[str, Any]:
    return {
        "api_key": "pk-test",
        "provider": "openai",
        "custom_host": gw.upstream.url,
        "authorization": f"Bearer {PROVIDER_KEY}",
        "base_url": gw.url,
        "max_retries": 0,
        "timeout": 20.0,
    }


def _check_upstream(gw: Gateway, path: str, body: Any) -> None:
    received = gw.upstream.last(path)
    assert received.headers.get("authorization") == f"Bearer {PROVIDER_KEY}"
    assert received.body == body


MESSAGES = [{"role": "user", "content": "Say hello"}]


def test_chat_completion(gateway: Gateway, client_mod: types.ModuleType, models: types.ModuleType) -> None:
    with client_mod.Portkey(**_options(gateway)) as client:
        result = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=5)
    assert isinstance(result, models.CreateChatCompletionResponse)
    assert result.choices[0].message.content == REPLY_TEXT
    assert result.usage is not None and result.usage.total_tokens == 7
    _check_upstream(gateway, "/v1/chat/completions", {"model": "gpt-4o", "messages": MESSAGES, "max_tokens": 5})


def test_chat_completion_stream(gateway: Gateway, client_mod: types.ModuleType, models: types.ModuleType) -> None:
    with client_mod.Portkey(**_options(gateway)) as client:
        stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        chunks = list(stream)
    assert all(isinstance(c, models.CreateChatCompletionStreamResponse) for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == REPLY_TEXT
    assert chunks[-1].choices[0].finish_reason is not None
    _check_upstream(gateway, "/v1/chat/completions", {"model": "gpt-4o", "messages": MESSAGES, "stream": True})


def test_completion(gateway: Gateway, client_mod: types.ModuleType, models: types.ModuleType) -> None:
    with client_mod.Portkey(**_options(gateway)) as client:
        result = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hello")
    assert isinstance(result, models.CreateCompletionResponse)
    assert result.choices[0].text == REPLY_TEXT
    _check_upstream(gateway, "/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hello"})


def test_completion_stream(gateway: Gateway, client_mod: types.ModuleType) -> None:
    # The upstream sends finish_reason: null in every chunk but the last, as OpenAI does
    # (spec/overlay.yaml makes it nullable; the upstream spec does not).
    assert gateway.upstream.null_finish_reason
    with client_mod.Portkey(**_options(gateway)) as client:
        chunks = list(client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hello", stream=True))
    assert "".join(c.choices[0].text for c in chunks) == REPLY_TEXT
    _check_upstream(
        gateway, "/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hello", "stream": True}
    )


def test_completion_stream_as_openai_sends_it(gateway: Gateway, client_mod: types.ModuleType) -> None:
    with client_mod.Portkey(**_options(gateway)) as client:
        chunks = list(client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hello", stream=True))
    assert "".join(c.choices[0].text for c in chunks) == REPLY_TEXT


def test_embeddings_and_models(gateway: Gateway, client_mod: types.ModuleType, models: types.ModuleType) -> None:
    with client_mod.Portkey(**_options(gateway)) as client:
        embedding = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
        listed = client.models.list()
    assert isinstance(embedding, models.CreateEmbeddingResponse)
    assert [d.embedding for d in embedding.data] == [[0.1, 0.2, 0.3]] * 2
    _check_upstream(gateway, "/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"]})
    assert isinstance(listed.response, models.ListModelsResponse)  # one page (issue 21 item 6)
    assert [m.id for m in listed.data] == [m.id for m in listed] == ["gpt-4o", "text-embedding-3-small"]
    received = gateway.upstream.last("/v1/models")
    assert received.method == "GET" and received.headers.get("authorization") == f"Bearer {PROVIDER_KEY}"


def test_async_round_trips(gateway: Gateway, client_mod: types.ModuleType, models: types.ModuleType) -> None:
    async def run() -> dict[str, Any]:
        async with client_mod.AsyncPortkey(**_options(gateway)) as client:
            chat = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            chat_stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
            chat_chunks = [c async for c in chat_stream]
            completion = await client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hello")
            gateway.upstream.null_finish_reason = False
            try:
                completion_stream = await client.completions.create(
                    model="gpt-3.5-turbo-instruct", prompt="Say hello", stream=True
                )
                completion_chunks = [c async for c in completion_stream]
            finally:
                gateway.upstream.null_finish_reason = True
            embedding = await client.embeddings.create(model="text-embedding-3-small", input="a")
            listed = await client.models.list()
            return locals()

    r = asyncio.run(run())
    assert r["chat"].choices[0].message.content == REPLY_TEXT
    assert "".join(c.choices[0].delta.content or "" for c in r["chat_chunks"] if c.choices) == REPLY_TEXT
    assert r["completion"].choices[0].text == REPLY_TEXT
    assert "".join(c.choices[0].text for c in r["completion_chunks"]) == REPLY_TEXT
    assert isinstance(r["embedding"], models.CreateEmbeddingResponse) and len(r["embedding"].data) == 1
    assert [m.id for m in r["listed"].data] == ["gpt-4o", "text-embedding-3-small"]
    _check_upstream(gateway, "/v1/embeddings", {"model": "text-embedding-3-small", "input": "a"})
    paths = [item.path for item in gateway.upstream.received[-6:]]
    assert paths == ["/v1/chat/completions"] * 2 + ["/v1/completions"] * 2 + ["/v1/embeddings", "/v1/models"]


def test_gateway_errors_are_typed(gateway: Gateway, client_mod: types.ModuleType) -> None:
    """A request the gateway rejects (unknown provider) comes back as a typed status error."""
    options = {**_options(gateway), "provider": "no-such-provider"}
    with client_mod.Portkey(**options) as client, pytest.raises(client_mod.APIStatusError) as info:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert 400 <= info.value.status_code < 500
