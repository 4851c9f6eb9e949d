"""The README's two examples, run as written: the server example serves on loopback, the client
example calls it and must print what the README says it prints."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from project_paths import REPO

README = REPO / "README.md"


def example(name: str) -> str:
    """The ```python block right after the README's `<!-- example: NAME ... -->` marker."""
    text = README.read_text("utf-8")
    found = re.search(r"<!-- example: " + name + r"\b[^>]*-->\n```python\n(.*?)```", text, re.S)
    assert found, f"README.md has no '<!-- example: {name} -->' python block"
    return found.group(1)


def code_lines(source: str) -> int:
    return sum(1 for line in source.splitlines() if line.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def package_dir(portkey_result, tmp_path_factory) -> Path:
    """The generated package for the pinned spec, as `portkey-codegen generate` writes it."""
    from portkey_codegen.output import write_tree

    out = tmp_path_factory.mktemp("readme-generated")
    write_tree(out, portkey_result.files)
    assert portkey_result.api.package_name == "portkey_api"  # the name both examples import
    return out


def test_examples_are_as_short_as_the_readme_promises():
    assert code_lines(example("client")) <= 10
    assert code_lines(example("server")) <= 20


def test_server_example_answers_the_client_example(package_dir, tmp_path):
    server_src, client_src = example("server"), example("client")
    assert 'uvicorn.run(app, host="127.0.0.1", port=8000)' in server_src
    (tmp_path / "server_example.py").write_text(server_src)
    (tmp_path / "client_example.py").write_text(client_src)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTKEY_") or k.startswith("PORTKEY_CODEGEN")}
    env["PYTHONPATH"] = str(package_dir)
    port = free_port()
    # The example as a module (its `__main__` block does not run), served on a free port instead of 8000.
    runner = (
        "import runpy, sys, uvicorn; app = runpy.run_path(sys.argv[1])['app']; "
        "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", runner, "server_example.py", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"the README's server example did not start:\n{server.stdout.read()}")
                time.sleep(0.2)
        done = subprocess.run(
            [sys.executable, "client_example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
            env={**env, "PORTKEY_BASE_URL": f"http://127.0.0.1:{port}"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout == "echo: Say hello\n"
        assert "prints\n`echo: Say hello`" in README.read_text("utf-8")
        # Without credentials the server refuses before the service runs.
        refused = httpx.post(f"http://127.0.0.1:{port}/chat/completions", json={"model": "m", "messages": []})
        assert refused.status_code == 401
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
