"""Issue 21: ``to_dict()`` / ``to_json()`` on every generated model, as openai-python's models have them.

On a small spec of our own (tests/data/to_dict/openapi.yaml: camelCase wire names, a default, a
date-time, an enum, a nullable field, a map that is a root model, a list of models), generated
under a dotted package name (``myapp._vendor.portkey``, as a user vendors it), so models.py's
import of its bases must be relative; and on the Portkey package against openai's models on the
same bytes. Bodies come through the generated client (``httpx.MockTransport``), sync and async.
"""

from __future__ import annotations

import copy
import importlib
import json
import subprocess
import sys
import textwrap
import types
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_completion
from issue21_support import MESSAGES, MODES, json_reply, openai_client, run
from portkey_codegen import render_tree
from portkey_codegen.config import Config
from portkey_codegen.output import write_tree

pytestmark = pytest.mark.timeout(180)

DATA = Path(__file__).resolve().parent / "data" / "to_dict"
PACKAGE = "myapp._vendor.portkey"
CLASSES = ("ToDictFixture", "AsyncToDictFixture")  # named after the spec's title
WIDGET = {
    "widgetId": "w1",
    "displayName": "Gear",
    "createdAt": "2024-01-02T03:04:05Z",
    "kind": "small",
    "note": None,
    "labels": {"team": "a"},
    "parts": [{"partName": "cog", "weightGrams": 2.5}],
}


@pytest.fixture(scope="module")
def vendored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The small spec's package written under ``myapp/_vendor/portkey`` in a folder of its own."""
    out = tmp_path_factory.mktemp("vendored")
    result = render_tree(Config(spec=DATA / "openapi.yaml", out=out, package_name=PACKAGE, root=DATA))
    write_tree(out, result.files)
    yield out


@pytest.fixture(scope="module")
def small(vendored: Path) -> Iterator[types.ModuleType]:
    sys.path.insert(0, str(vendored))
    try:
        yield importlib.import_module(PACKAGE + ".client")
    finally:
        sys.path.remove(str(vendored))
        for name in [m for m in sys.modules if m == "myapp" or m.startswith("myapp.")]:
            del sys.modules[name]


def widget(small: types.ModuleType, mode: str, body: dict[str, Any]) -> Any:
    return run(small, mode, json_reply(body), lambda c: c.widgets.get_widget("w1"), classes=CLASSES)


def models(small: types.ModuleType) -> Any:
    return importlib.import_module(PACKAGE + ".models")


@pytest.mark.parametrize("mode", MODES)
def test_to_dict_gives_back_what_was_received(small, mode):
    got = widget(small, mode, WIDGET)
    # wire names, only the fields that were sent (pageSize has a default and was not)
    assert got.to_dict() == {**WIDGET, "createdAt": got.created_at, "kind": got.kind}
    assert got.to_dict(mode="json") == WIDGET
    assert json.loads(got.to_json()) == WIDGET
    assert type(got).model_validate(got.to_dict()) == got  # round trip
    python_names = got.to_dict(use_api_names=False)
    assert python_names["widget_id"] == "w1" and python_names["parts"] == [{"part_name": "cog", "weight_grams": 2.5}]
    assert "widgetId" not in python_names


def test_defaults_and_switches(small):
    m = models(small)
    made = m.Widget(widget_id="w2", display_name="X", created_at=datetime(2024, 1, 2), kind=m.WidgetKind.LARGE, note=None)
    assert made.to_dict() == {"widgetId": "w2", "displayName": "X", "createdAt": datetime(2024, 1, 2),
                              "kind": m.WidgetKind.LARGE, "note": None}
    everything = made.to_dict(exclude_unset=False)
    assert everything["pageSize"] == 10 and everything["labels"] is None
    assert "pageSize" not in made.to_dict(exclude_unset=False, exclude_defaults=True)
    assert "note" not in made.to_dict(exclude_none=True)
    as_json = made.to_dict(mode="json")
    assert as_json["kind"] == "large" and type(as_json["kind"]) is str and as_json["createdAt"] == "2024-01-02T00:00:00"


def test_to_json_indent(small):
    made = models(small).Part(part_name="cog")
    assert made.to_json() == '{\n  "partName": "cog"\n}'  # indent 2 by default, as openai
    assert made.to_json(indent=None) == '{"partName":"cog"}'
    assert made.to_json(use_api_names=False, indent=None) == '{"part_name":"cog"}'


def test_root_model_has_them_too(small):
    labels = models(small).Labels({"team": "a", "tier": "gold"})
    assert labels.to_dict() == {"team": "a", "tier": "gold"}
    assert json.loads(labels.to_json()) == {"team": "a", "tier": "gold"}
    assert labels.to_json(indent=None) == '{"team":"a","tier":"gold"}'


TOLERATED = {
    "unknown enum value": ("kind", "medium"),
    "string for a number": ("parts", [{"partName": "cog", "weightGrams": "heavy"}]),
    "null for a string": ("displayName", None),
    "object for a map": ("labels", {"team": {"nested": True}}),
}


@pytest.mark.parametrize("case", list(TOLERATED))
@pytest.mark.parametrize("mode", MODES)
def test_tolerated_values_do_not_warn(small, mode, case):
    key, value = TOLERATED[case]
    body = {**copy.deepcopy(WIDGET), key: value}
    got = widget(small, mode, body)  # tolerant by default: a value, not an error
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a user's `-W error` / filterwarnings = error
        as_dict = got.to_dict(mode="json")
        as_json = json.loads(got.to_json())
        got.to_dict()
    assert as_dict[key] == as_json[key] == value  # the value as it arrived


def test_vendored_package_imports_relatively_under_w_error(vendored):
    models_py = (vendored / PACKAGE.replace(".", "/") / "models.py").read_text("utf-8")
    assert "from ._model_base import" in models_py
    assert PACKAGE not in models_py and "portkey_api" not in models_py
    script = textwrap.dedent(
        f"""
        import json, httpx
        from {PACKAGE}.client import ToDictFixture
        from {PACKAGE}.models import Widget
        body = {WIDGET!r}
        body["kind"] = "medium"  # tolerated: must not warn under -W error
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
        client = ToDictFixture(base_url="http://api.test", http_client=httpx.Client(transport=transport))
        got = client.widgets.get_widget("w1")
        assert isinstance(got, Widget), type(got)
        assert json.loads(got.to_json()) == got.to_dict(mode="json") == body
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], cwd=vendored, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.mark.parametrize("mode", MODES)
def test_portkey_models_match_openai(pkg, mode):
    body = chat_completion("gpt-4o")
    body["choices"][0]["message"]["refusal"] = None
    theirs = openai_client(json_reply(body)).chat.completions.create(model="gpt-4o", messages=MESSAGES)
    ours = run(pkg, mode, json_reply(body), lambda c: c.chat.completions.create(model="gpt-4o", messages=MESSAGES))
    assert ours.to_dict() == theirs.to_dict() == body
    assert ours.to_dict(mode="json") == theirs.to_dict(mode="json")
    # the same JSON (keys in each SDK's field order), laid out alike
    assert json.loads(ours.to_json()) == json.loads(theirs.to_json())
    lines = [sorted(line.rstrip(",") for line in m.to_json().splitlines()) for m in (ours, theirs)]
    assert lines[0] == lines[1]
    assert json.loads(ours.to_json(indent=None)) == body and "\n" not in ours.to_json(indent=None)
    assert ours.choices[0].message.to_dict() == theirs.choices[0].message.to_dict()
