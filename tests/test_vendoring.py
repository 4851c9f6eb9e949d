"""Vendor the output into another repository under a nested package path; use it in a fresh venv
that has only the declared run-time dependencies (not the generator, not its dependencies)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

from project_paths import REPO
from portkey_codegen import generate
from portkey_codegen.config import Config

FIXTURE = REPO / "tests" / "fixtures" / "streaming.yaml"


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory) -> Path:
    """A venv with exactly the run-time requirements the generated package declares."""
    root = tmp_path_factory.mktemp("vendored")
    other_repo = root / "other-repo" / "src"
    generate(Config(spec=FIXTURE, out=other_repo, package_name="myapp._vendor.portkey"))
    requirements = other_repo / "myapp" / "_vendor" / "portkey" / "RUNTIME-REQUIREMENTS.txt"
    assert requirements.is_file()
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(requirements)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def run_in(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "venv" / "bin" / "python"), "-c", textwrap.dedent(code)],
        cwd=root / "other-repo" / "src",
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_declared_requirements_are_by_part(runtime_venv):
    text = (runtime_venv / "other-repo/src/myapp/_vendor/portkey/RUNTIME-REQUIREMENTS.txt").read_text()
    for needed in ("pydantic", "httpx", "typing_extensions", "fastapi", "starlette", "anyio", "python-multipart"):
        assert needed in text
    assert "uvicorn" in text  # named for the README's server example (a comment: not imported)


def test_only_relative_imports_and_no_generator(runtime_venv):
    import ast

    pkg = runtime_venv / "other-repo/src/myapp/_vendor/portkey"
    for path in pkg.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module.split(".")[0] not in ("portkey_codegen", "generator", "portkey_api", "myapp"), (path, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in ("portkey_codegen", "generator", "portkey_api", "myapp"), path
    assert (pkg / "py.typed").is_file()


def test_client_works_in_a_fresh_venv(runtime_venv):
    proc = run_in(
        runtime_venv,
        """
        import json, sys
        import httpx
        from myapp._vendor.portkey.client import StreamingFixture
        assert "portkey_codegen" not in sys.modules
        def handler(request):
            body = json.loads(request.content)
            return httpx.Response(200, json={"id": "c1", "text": body["model"]})
        client = StreamingFixture(example_api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
        print(client.chat.create_chat_completion(model="m1", messages=[]).text)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "m1"


def test_server_works_in_a_fresh_venv(runtime_venv):
    proc = run_in(
        runtime_venv,
        """
        import sys
        from fastapi.testclient import TestClient
        from myapp._vendor.portkey.server import create_app
        assert "portkey_codegen" not in sys.modules
        app = create_app(mock=True)
        client = TestClient(app)
        r = client.post("/chat/completions", json={"model": "m", "messages": []},
                        headers={"x-example-api-key": "k"})
        print(r.status_code)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "200"
