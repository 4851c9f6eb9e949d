"""`portkey-codegen serve --mock`: a local stand-in for the API, on loopback."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from project_paths import REPO

STREAMING_SPEC = REPO / "tests/fixtures/streaming.yaml"
CHAT = {"model": "m", "messages": []}
KEY = {"x-example-api-key": "k"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(cwd: Path, *args: str, spec: Path = STREAMING_SPEC) -> Iterator[str]:
    """`serve --mock --prefix /v1` of `spec` (one with POST /chat/completions) on a free port;
    yields its base URL once the chat operation answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "portkey_codegen", "serve", "--mock", "--port", str(port), "--prefix", "/v1",
         "--spec", str(spec), *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.post(f"{base}/chat/completions", json=CHAT, headers=KEY, timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read()) from None
                assert time.monotonic() < deadline, "server did not start within 60 s"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_serve_mock_answers_on_loopback(tmp_path):
    with serving(tmp_path) as base:
        response = httpx.post(f"{base}/chat/completions", json=CHAT, headers=KEY, timeout=5)
        assert response.status_code == 200
        assert isinstance(response.json()["id"], str)
        unauthorised = httpx.post(f"{base}/chat/completions", json=CHAT)
        assert unauthorised.status_code == 401


def test_serve_answers_reused_connections_without_a_nagle_stall(tmp_path):
    # Without TCP_NODELAY every keep-alive response waits for the client's delayed ACK (~40 ms).
    with serving(tmp_path) as base, httpx.Client(timeout=5) as client:
        times = []
        for _ in range(40):  # a cheap answer (the 401 before the body is read): the network's share
            started = time.perf_counter()
            response = client.post(f"{base}/chat/completions", json=CHAT)
            times.append(time.perf_counter() - started)
            assert response.status_code == 401
    assert statistics.median(times[1:]) <= 0.005, f"median round trip {statistics.median(times[1:]) * 1000:.1f} ms"
