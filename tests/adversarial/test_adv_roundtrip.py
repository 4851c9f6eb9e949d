"""Hostile names and text survive the client and the server exactly (lossless), and Jinja syntax
in spec strings stays literal.

For the injection specs the generated client is driven in a fresh interpreter through an
``httpx.MockTransport`` (no network): every operation is called, and the request that would be
sent must use the spec's path template, parameter names and header names byte for byte. The
server app (FastAPI, mock mode) must publish the spec's paths unchanged. Method docstrings hold
the summary/description as text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from adv_harness import MARKER, PYTHON, RUNTIME_FILES, render, write_files
from conftest import SPEC_CASES

# Drives one generated package; prints a JSON report. Arguments: package dir, plan JSON.
_DRIVER = r'''
import asyncio, importlib, inspect, json, sys
import httpx
plan = json.loads(sys.argv[1])
client_mod = importlib.import_module("pkg.client")
sent = []
def handler(request):
    sent.append({"method": request.method, "raw_path": request.url.raw_path.decode("ascii"),
                 "headers": sorted(k.decode("latin-1") for k, _ in request.headers.raw),
                 "content_type": request.headers.get("content-type")})
    return httpx.Response(200, json={})
client_cls = getattr(client_mod, plan["client"])
client = client_cls(http_client=httpx.Client(transport=httpx.MockTransport(handler)), max_retries=0)
report = {"base_urls": dict(client.base_urls), "calls": {}, "docs": {}}
if any("://" not in url for url in client.base_urls.values()):  # a spec without servers: "/"
    client = client_cls(http_client=httpx.Client(transport=httpx.MockTransport(handler)), max_retries=0,
                        base_url="http://h.invalid")
    report["base_urls"] = dict(client.base_urls)
for op in plan["operations"]:
    target = client
    for part in op["resource"]:
        target = getattr(target, part)
    method = getattr(target, op["method"])
    report["docs"][op["key"]] = method.__doc__
    sent.clear()
    kwargs = {}
    for k, v in op["kwargs"].items():
        if isinstance(v, dict) and "$file" in v:
            v = ("f.txt", b"x", "text/plain")
        elif isinstance(v, dict) and "$files" in v:
            v = [("f%d.txt" % i, b"x", "text/plain") for i in range(v["$files"])]
        elif op["raw_body"] and k == "body":
            v = v.encode() if op["raw_body"] == "binary" else v
        kwargs[k] = v
    try:
        method(*op["args"], **kwargs)
        report["calls"][op["key"]] = sent[0] if sent else None
    except Exception as exc:  # reported, the test fails on it
        report["calls"][op["key"]] = {"error": f"{type(exc).__name__}: {exc}"}
if plan["server"]:
    from pkg.server import create_app
    app = create_app(mock=True)
    report["server_paths"] = sorted(app.openapi()["paths"])
print(json.dumps(report))
'''


def _value_for(hint: str, name: str) -> object:
    if "FileTypes" in hint:  # turned into (name, bytes, type) tuples by the driver
        return {"$files": 2} if hint.startswith("list") else {"$file": 1}
    if hint.startswith("int"):
        return 7
    if hint.startswith("bool"):
        return True
    return f"v-{name}"


def _plan(result, server: bool) -> dict:
    ops = []
    for op in result.api.operations:
        args = [f"p{i}/.. x" for i, _ in enumerate(op.path_params)]  # values needing escaping
        kwargs = {}
        for p in op.query_params + op.header_params:
            kwargs[p.py_name] = _value_for(p.type_hint, p.py_name)
        if op.body is not None:
            if op.body.fields:
                for f in op.body.fields:
                    kwargs[f.py_name] = _value_for(f.type_hint, f.py_name)
            else:
                kwargs["body"] = "raw" if op.body.kind in ("binary", "text") else {}
        raw_body = op.body.kind if op.body is not None and op.body.kind in ("binary", "text") and not op.body.fields else None
        ops.append(
            {"key": op.key, "resource": list(op.resource), "method": op.method_name, "args": args, "kwargs": kwargs, "raw_body": raw_body}
        )
    return {"client": result.api.client_name, "operations": ops, "server": server}


def drive(result, out: Path) -> dict:
    plan = _plan(result, server="server" in {f.split("/")[1] for f in result.files if f.count("/") >= 2})
    proc = subprocess.run(
        [PYTHON, "-c", _DRIVER, json.dumps(plan)],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(out), "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(out)},
    )
    assert proc.returncode == 0, proc.stderr
    assert not (out / MARKER).exists()
    return json.loads(proc.stdout)


def expected_path(op, args: list[str]) -> str:
    """The spec's path template with the values put in (compared after percent-decoding)."""
    path = op.path
    for p, value in zip(op.path_params, args):
        path = path.replace("{" + p.wire_name + "}", value)
    return path


ROUNDTRIP_SPECS = ["inj_paths_params", "inj_servers", "inj_info_tags_opids", "inj_descriptions", "types_multipart_files"]


@pytest.mark.parametrize("name", ROUNDTRIP_SPECS)
def test_client_and_server_keep_the_spec_exact(name: str, tmp_path: Path) -> None:
    case = next(c for c in SPEC_CASES if c.name == name)
    text = case.main_file.read_text("utf-8").replace("@PORT@", "9")  # discard port: never contacted
    result = render(text, tmp_path / "spec")
    out = tmp_path / "out"
    write_files(out, result.files)
    report = drive(result, out)
    from portkey_codegen.textsafe import docstring_body

    for op in result.api.operations:
        call = report["calls"][op.key]
        assert call is not None and "error" not in call, f"{op.key}: {call}"
        args = [f"p{i}/.. x" for i, _ in enumerate(op.path_params)]
        assert call["method"] == op.http_method.upper()
        raw_path, _, query = call["raw_path"].partition("?")
        base_path = report["base_urls"][op.server_group].split("://", 1)[-1].partition("/")[2].rstrip("/")
        want = ("/" + base_path if base_path else "") + expected_path(op, args)
        assert unquote(raw_path) == want, f"{op.key}: sent {raw_path!r}"
        sent_query = {unquote(part.split("=", 1)[0]) for part in query.split("&") if part}
        assert sent_query == {p.wire_name for p in op.query_params}, op.key
        for p in op.header_params:
            assert p.wire_name.lower() in call["headers"], f"{op.key}: header {p.wire_name!r} not sent"
        doc = report["docs"][op.key] or ""
        # the summary/description text is in the method docstring (normalised, never executed)
        wanted = eval('"""' + docstring_body(op.docstring) + '"""') if op.docstring else ""  # noqa: S307 - our literal
        assert wanted in doc, f"{op.key}: docstring lost the spec text"
    if "server_paths" in report:
        assert report["server_paths"] == sorted({op.path for op in result.api.operations})


def test_server_urls_are_literal_defaults(tmp_path: Path) -> None:
    """inj_servers: the default base URL is the spec's URL with its variable's default put in,
    character for character (quotes, Jinja and all), and nothing connects to it."""
    case = next(c for c in SPEC_CASES if c.name == "inj_servers")
    result = render(case.main_file.read_text("utf-8").replace("@PORT@", "9"), tmp_path / "spec")
    write_files(tmp_path / "out", result.files)
    report = drive(result, tmp_path / "out")
    default = report["base_urls"]["default"]
    assert default == "http://127.0.0.1:9/v1\"); __import__('os').system('touch PWNED_MARKER'); (\"\"\"\"'''{{ 7*7 }}"


def test_jinja_in_spec_text_stays_literal(spec_runs) -> None:
    """`{{ 7*7 }}` in titles, descriptions, enum values, names and paths is never evaluated: the
    text appears as written and 49 appears nowhere."""
    import re

    seen = 0
    for name in ("inj_info_tags_opids", "inj_descriptions", "inj_enums", "inj_paths_params"):
        files = spec_runs[name].files()
        assert files, name
        for rel, text in files.items():
            if rel.partition("/")[2] in RUNTIME_FILES:
                continue  # verbatim copies of templates/ (test_adv_cases checks), no spec text
            text = re.sub(r"[0-9a-f]{64}", "", text)  # the spec's sha256 may well hold "49"
            assert "49" not in text, f"{name}/{rel}: a Jinja expression was evaluated"
            seen += text.count("7*7")
    assert seen >= 10
    api_md = spec_runs["inj_info_tags_opids"].files()["pkg/API.md"]
    assert "{{ 7\\*7 }}" in api_md or "{{ 7*7 }}" in api_md


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
