"""History (issue 6, part 5): small specs of our own reproducing what older upstream Portkey
specs did (tests/history/*.yaml, each says which habit it reproduces). Each generates, with the
project's own naming rules (spec/names.yaml), code that imports in a fresh interpreter and sends
each operation to the server group the spec gives it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "adversarial"))

from adv_astcheck import check_tree  # noqa: E402
from adv_harness import PYTHON, REPO, probe_import  # noqa: E402

HISTORY = Path(__file__).resolve().parent / "history"
SPECS = sorted(p.stem for p in HISTORY.glob("*.yaml"))

# Calls every operation through a MockTransport; prints {op key: "host path"} and the clients'
# server-group URLs. argv: package, client class, JSON list of
# [key, resource path, method, number of path args, required keyword args].
_DRIVER = r"""
import importlib, json, sys
import httpx
package, client_name, ops = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
mod = importlib.import_module(package + ".client")
hits = []
def handler(request):
    hits.append(f"{request.url.host} {request.url.path}")
    return httpx.Response(200, json={})
client = getattr(mod, client_name)(http_client=httpx.Client(transport=httpx.MockTransport(handler)), max_retries=0)
sent = {}
for key, resource, method, nargs, kwargs in ops:
    target = client
    for part in resource:
        target = getattr(target, part)
    hits.clear()
    try:
        getattr(target, method)(*["x"] * nargs, **kwargs)
    except Exception:  # the canned `{}` answer may not fit the response model: the request counts
        pass
    sent[key] = hits[0]
print(json.dumps({"sent": sent, "base_urls": client.base_urls}))
"""


@pytest.fixture(scope="module", autouse=True)
def _no_stage_cache():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTKEY_CODEGEN_NO_CACHE", "1")
        yield


def generate(name: str, out: Path):
    from portkey_codegen import Config, generate as run

    config = Config(
        spec=HISTORY / f"{name}.yaml",
        names=REPO / "spec" / "names.yaml",
        out=out,
        package_name="hist",
        parts=("models", "client", "server"),
    )
    return run(config)


def drive(result, out: Path) -> dict:
    ops = []
    for op in result.api.operations:
        required = [p.py_name for p in op.query_params + op.header_params if p.required]
        required += [f.py_name for f in (op.body.fields if op.body else ()) if f.required]
        ops.append([op.key, list(op.resource), op.method_name, len(op.path_params), {name: "x" for name in required}])
    proc = subprocess.run(
        [PYTHON, "-c", _DRIVER, "hist", result.api.client_name, json.dumps(ops)],
        cwd=out,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(out), "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(out)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", SPECS)
def test_history_spec_generates_working_code(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate(name, out)
    assert not [d for d in result.diagnostics if d.severity == "error"]
    assert check_tree(result.files) == []
    proc, report = probe_import(out, "hist", tmp_path / "cwd")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr
    assert {"hist.models", "hist.client._client", "hist.server.app"} <= set(report["modules"])
    sent = drive(result, out)
    assert set(sent["sent"]) == {op.key for op in result.api.operations}
    for op in result.api.operations:  # each call goes to its own group's URL
        group = next(g for g in result.api.servers if g.py_name == op.server_group)
        host = group.default_url.split("://", 1)[1].split("/", 1)[0]
        assert sent["sent"][op.key].split(" ")[0] == host, (op.key, sent["sent"][op.key], group)


def test_openapi_310_header_keeps_nullable(tmp_path: Path) -> None:
    """3.1 header, 3.0 habits: `nullable: true` still allows null; a 3.1 type list too."""
    out = tmp_path / "out"
    generate("openapi_310_header", out)
    code = (
        "from hist.models import Log; "
        "log = Log.model_validate({'id': 'a', 'cost': None, 'status': None, 'object': 'log', "
        "'parent': {'id': 'b', 'cost': 1.5}}); "
        "print(log.cost, log.status, log.parent.cost)"
    )
    proc = subprocess.run([PYTHON, "-c", code], cwd=out, env={"PYTHONPATH": str(out)}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["None", "None", "1.5"]


def test_duplicate_anchor_later_definition_applies(tmp_path: Path) -> None:
    result = generate("duplicate_anchors", tmp_path / "out")
    groups = {g.py_name: g.default_url for g in result.api.servers}
    by_op = {op.key: groups[op.server_group] for op in result.api.operations}
    assert by_op["GET /configs/{slug}"] == "https://control.example.com/v1"  # alias before the 2nd anchor
    assert by_op["POST /embeddings"] == "https://gateway.example.com/v1"  # alias after it


def test_path_level_servers_are_separately_configurable(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate("path_level_servers", out)
    by_op = {op.key: op.server_group for op in result.api.operations}
    assert by_op["POST /completions"] == by_op["GET /models"] == "gateway"  # path and operation level
    assert by_op["GET /health"] == "default"
    code = (
        "import httpx, json; from hist.client import Portkey; hits = []\n"
        "def h(r):\n    hits.append(str(r.url)); return httpx.Response(200)\n"
        "c = Portkey(gateway_url='http://self-hosted:8787/v1', http_client=httpx.Client(transport=httpx.MockTransport(h)))\n"
        "c.completions.create(); c.health.list(); print(json.dumps(hits))"
    )
    assert result.api.client_name == "Portkey"
    proc = subprocess.run([PYTHON, "-c", code], cwd=out, env={"PYTHONPATH": str(out)}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["http://self-hosted:8787/v1/completions", "https://api.portkey.ai/v1/health"]


def test_missing_component_parameters_warns_and_keeps_inline_headers(tmp_path: Path) -> None:
    result = generate("missing_component_parameters", tmp_path / "out")
    warnings = [d for d in result.diagnostics if d.severity == "warning"]
    assert any("is not in components/parameters" in d.message for d in warnings)
    (op,) = result.api.operations
    assert [p.wire_name for p in op.header_params] == ["x-portkey-trace-id", "x-portkey-metadata"]
