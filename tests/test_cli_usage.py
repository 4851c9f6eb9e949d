"""The CLI as a new user meets it: help, mistyped flags and commands, another spec than Portkey's,
files that are missing or not OpenAPI, a busy port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from portkey_codegen.cli import main
from project_paths import REPO

FIXTURE = REPO / "tests" / "fixtures" / "streaming.yaml"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portkey_codegen", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip


def test_top_level_help_describes_the_tool_for_users():
    done = run("--help")
    assert done.returncode == 0
    text = done.stdout
    assert "pydantic v2 models" in text and "FastAPI server stubs" in text
    assert "exit codes:" in text and "portkey-codegen generate" in text and "fetch" in text
    assert "thin layer" not in text  # the module's note for developers is not the user's help


def test_unknown_flag_gets_did_you_mean(capsys):
    assert main(["generate", "--sepc", "x.yaml"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["portkey-codegen generate: error: unknown flag --sepc; did you mean --spec?"]
    assert main(["check", "--no-overlya"]) == 2
    assert "did you mean --no-overlay?" in capsys.readouterr().err
    assert main(["validate", "--zzzzzz"]) == 2
    assert "see `portkey-codegen validate --help`" in capsys.readouterr().err


def test_mistyped_command_gets_did_you_mean():
    done = run("genrate")
    assert done.returncode == 2
    assert "did you mean 'generate'?" in done.stderr


def test_missing_overlay_or_names_named_in_a_flag_is_an_error(tmp_path, capsys):
    for flag in ("--overlay", "--names"):
        code = main(["generate", "--spec", str(FIXTURE), "--no-pin", flag, "/nonexistent/file.yaml",
                     "--out", str(tmp_path / "out"), "--package-name", "fx"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"/nonexistent/file.yaml (from {flag}) does not exist" in err
    assert not (tmp_path / "out").exists()


def test_another_spec_in_this_project_needs_no_pin_and_no_overlay(tmp_path, capsys):
    out = tmp_path / "out"
    # With the project's pin, another spec is refused, and the message says how to use one.
    project = ["--config", str(REPO / "pyproject.toml")]
    assert main(["generate", *project, "--spec", str(FIXTURE), "--out", str(out), "--package-name", "fx"]) == 2
    assert "--no-pin --no-overlay --no-names" in capsys.readouterr().err
    code = main(["generate", *project, "--spec", str(FIXTURE), "--no-pin", "--no-overlay", "--no-names",
                 "--out", str(out), "--package-name", "fx", "--parts", "models,client"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (out / "fx" / "client" / "_client.py").is_file()


def test_a_yaml_that_is_not_openapi_says_so_in_one_line(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: nginx\n")
    swagger = tmp_path / "swagger.yaml"
    swagger.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
    for path, words in ((compose, "not an OpenAPI document"), (swagger, "a Swagger 2.0 document")):
        done = run("validate", "--spec", str(path), "--no-pin", "--no-overlay", cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [f"{path}:1: error: " + done.stderr.split("error: ", 1)[1].strip()]
        assert words in done.stderr


def test_serve_on_a_busy_port_exits_2_naming_the_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run("serve", "--mock", "--port", str(port), "--spec", str(FIXTURE), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: port {port} on 127.0.0.1 is in use: stop what listens there or pass --port N"
