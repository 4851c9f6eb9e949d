"""Issue 21 (still missing): ``to_dict()`` / ``to_json()`` on generated models, as openai's models
have them: wire (API) names and only the fields that were set by default, ``mode="json"``,
``indent``, and the switches (``use_api_names``, ``exclude_unset``, ``exclude_none``...).

The Portkey package's chat completion, read by our client and by openai from the same bytes, must
give the same ``to_dict()`` and ``to_json()``; a small spec of our own has camelCase wire names, a
default and a date-time.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import types
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_completion
from issue21_support import MESSAGES, MODES, client, json_reply, openai_client, run

from portkey_codegen import render_tree
from portkey_codegen.config import Config
from portkey_codegen.output import write_tree

pytestmark = pytest.mark.timeout(180)

DATA = Path(__file__).resolve().parent / "data" / "helpers"
SMALL = ("HelpersFixture", "AsyncHelpersFixture")


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.ModuleType]:
    out = tmp_path_factory.mktemp("helpers")
    result = render_tree(Config(spec=DATA / "openapi.yaml", out=out, package_name="helpers_api", root=DATA))
    write_tree(out, result.files)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("helpers_api.client")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "helpers_api" or m.startswith("helpers_api.")]:
            del sys.modules[name]


@pytest.mark.parametrize("mode", MODES)
def test_chat_completion_to_dict_and_to_json_match_openai(pkg, mode):
    body = chat_completion("gpt-4o")
    theirs = openai_client(json_reply(body)).chat.completions.create(model="gpt-4o", messages=MESSAGES)
    ours = run(pkg, mode, json_reply(body), lambda c: c.chat.completions.create(model="gpt-4o", messages=MESSAGES))
    assert ours.to_dict() == theirs.to_dict() == body
    assert ours.to_dict(mode="json") == theirs.to_dict(mode="json")
    assert json.loads(ours.to_json()) == json.loads(theirs.to_json())
    # same indent (2); key order is the model's field order in each SDK, so compare line sets
    assert sorted(x.rstrip(",") for x in ours.to_json().splitlines()) == sorted(x.rstrip(",") for x in theirs.to_json().splitlines())
    assert json.loads(ours.to_json(indent=None)) == json.loads(theirs.to_json(indent=None))
    assert "\n" not in ours.to_json(indent=None)
    assert ours.to_dict(exclude_none=True) == theirs.to_dict(exclude_none=True)


PET = {"petId": "p1", "bornAt": "2024-01-02T03:04:05Z", "nickName": None}


@pytest.mark.parametrize("mode", MODES)
def test_wire_names_only_set_fields_and_switches(small, mode):
    pet = run(small, mode, json_reply(PET), lambda c: c.pets.retrieve("p1"), classes=SMALL)
    born = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    # wire names, only what the server sent (legs has a default, it was not sent)
    assert pet.to_dict() == {"petId": "p1", "bornAt": born, "nickName": None}
    assert pet.to_dict(mode="json") == {"petId": "p1", "bornAt": "2024-01-02T03:04:05Z", "nickName": None}
    assert pet.to_dict(exclude_none=True) == {"petId": "p1", "bornAt": born}
    assert pet.to_dict(exclude_unset=False, use_api_names=False) == {
        "pet_id": "p1", "born_at": born, "nick_name": None, "legs": 4,
    }  # fmt: skip
    assert json.loads(pet.to_json()) == {"petId": "p1", "bornAt": "2024-01-02T03:04:05Z", "nickName": None}
    assert pet.to_json(indent=None) == '{"petId":"p1","bornAt":"2024-01-02T03:04:05Z","nickName":null}'
    assert pet.to_json().startswith('{\n  "petId"')


def test_models_built_in_code_dump_like_openai(small):
    models = importlib.import_module("helpers_api.models")
    pet = models.Pet(pet_id="p1", born_at=datetime(2024, 1, 2, tzinfo=timezone.utc), legs=3)
    assert pet.to_dict(mode="json") == {"petId": "p1", "bornAt": "2024-01-02T00:00:00Z", "legs": 3}
    assert pet.to_dict(exclude_defaults=True, exclude_unset=False, mode="json") == {
        "petId": "p1", "bornAt": "2024-01-02T00:00:00Z", "legs": 3,
    }  # fmt: skip


def test_async_client_result_has_helpers(small):
    async def main() -> object:
        c = client(small, "async", json_reply(PET), classes=SMALL)
        return await c.pets.retrieve("p1")

    pet = asyncio.run(main())
    assert pet.to_dict()["petId"] == "p1"
