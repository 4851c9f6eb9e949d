"""`portkey-codegen serve --mock`: a local stand-in for the API, on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from project_paths import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_mock_answers_on_loopback(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "portkey_codegen", "serve", "--mock", "--port", str(port), "--prefix", "/v1",
         "--spec", str(REPO / "tests/fixtures/streaming.yaml")],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/v1/chat/completions",
                    json={"model": "m", "messages": []},
                    headers={"x-example-api-key": "k"},
                    timeout=5,
                )
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read()) from None
                time.sleep(0.3)
        assert response is not None, "server did not start within 60 s"
        assert response.status_code == 200
        assert isinstance(response.json()["id"], str)
        unauthorised = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json={"model": "m", "messages": []})
        assert unauthorised.status_code == 401
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
