"""Request TypedDicts (`client/params.py`) on a small spec with the awkward shapes.

tests/data/params/request_types.yaml has a recursive object, a `oneOf` whose member refers back
to the union, keys that cannot be class-body names (`not`, `from`, `x-extra`, one with quotes and
a line break), an enum with quotes in a value, a map of an `allOf` class. Checked three ways: the generated module's
annotations resolve at run time, dicts go on the wire as they are, and mypy accepts correct dict
literals and reports each wrong one on its own line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from portkey_codegen import Config, render_tree
from portkey_codegen.output import write_tree

SPEC = Path(__file__).resolve().parent / "data" / "params" / "request_types.yaml"
PACKAGE = "request_types_api"

USAGE = """
from typing_extensions import assert_type
from request_types_api import models
from request_types_api.client import RequestTypes as Client
from request_types_api.client.params import CompoundParam, FilterParam, NodeParam

client = Client(base_url="http://127.0.0.1:9")
tree: NodeParam = {"name": "root", "children": [{"name": "leaf", "kind": "fast"}], "kind": 'it\\'s "slow"'}
assert_type(client.nodes.create_node(name="root", children=[tree, models.Node(name="model")]), models.Node)
compound: CompoundParam = {"filters": [{"key": "a", "value": 1.5, "not": True, "x-extra": "e"}], "from": "x"}
nested: FilterParam = {"filters": [compound, {"key": "b", "value": "v"}], "from": "y"}
client.filters.apply_filter(filter=nested, mode="fast", labels={"l": {"id": 1, "text": "t"}})
client.nodes.create_node(name="root", children=[{"name": "leaf", "kind": "slow"}])  # E: not an enum value
client.nodes.create_node(name="root", children=[{"nam": "leaf"}])  # E: misspelt key
client.filters.apply_filter(filter={"key": "a"})  # E: a required key missing
client.filters.apply_filter(filter={"key": "a", "value": [1]})  # E: wrong value type
client.filters.apply_filter(filter={"filters": [], "form": "x"})  # E: misspelt key of a functional TypedDict
client.filters.apply_filter(filter={"key": "a", "value": 1}, labels={"l": {"text": "t"}})  # E: key of the allOf base missing
bad_tree: NodeParam = {"name": "root", "children": [{"name": 1}]}  # E: wrong type, two levels down
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("params")
    result = render_tree(Config(spec=SPEC, out=root, package_name=PACKAGE, no_cache=True))
    write_tree(root, result.files)
    return root


def _python(root: Path, code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_typed_dicts_resolve_at_run_time_with_their_required_keys(generated: Path) -> None:
    out = _python(
        generated,
        f"""
        import json, typing
        from {PACKAGE}.client import params
        required = {{}}
        for name in params.__all__:
            value = getattr(params, name)
            if isinstance(value, type):
                typing.get_type_hints(value)  # every forward reference resolves
                required[name] = sorted(value.__required_keys__)
        keys = sorted(typing.get_type_hints(params.ComparisonParam))
        print(json.dumps({{"required": required, "mode": list(typing.get_args(params.ModeParam)), "keys": keys}}))
        """,
    )
    found = json.loads(out)
    assert found["required"] == {
        "ComparisonParam": ["key", "value"],
        "CompoundParam": ["filters", "from"],
        "LabelParam": ["id", "text"],  # allOf flattened: the base's required key too
        "NodeParam": ["name"],
    }
    assert found["mode"] == ["fast", 'it\'s "slow"']
    assert found["keys"] == sorted(["key", "value", "not", "x-extra", "quote\"and'\nnewline"])


def test_dicts_go_on_the_wire_as_they_are(generated: Path) -> None:
    sys.path.insert(0, str(generated))
    try:
        from request_types_api.client import RequestTypes as Client  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(generated))
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    client = Client(base_url="http://127.0.0.1:9", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    flt = {"filters": [{"key": "a", "value": 1.5, "not": True, "x-extra": "e"}], "from": "x"}
    client.filters.apply_filter(filter=flt, labels={"l": {"id": 1, "text": "t"}})  # type: ignore[arg-type]
    assert json.loads(sent[0].content) == {"filter": flt, "labels": {"l": {"id": 1, "text": "t"}}}


def test_mypy_accepts_right_dicts_and_reports_each_wrong_one(generated: Path, tmp_path: Path) -> None:
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE)
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\nstrict = True\n[mypy-{PACKAGE}.models]\nignore_errors = True\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(tmp_path / "cache"),
         "--no-error-summary", str(generated / PACKAGE), str(usage)],
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(generated)},
        cwd=tmp_path,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    elsewhere = [e for e in errors if not e.startswith(str(usage)) and not e.startswith("usage.py")]
    assert not elsewhere, "\n".join(elsewhere)
    expected = {i for i, line in enumerate(USAGE.splitlines(), 1) if re.search(r"# E\b", line)}
    reported = {int(e.split(":")[1]) for e in errors}
    assert reported == expected, "\n".join(errors)
