"""The mock speaks like the API (issue 23 item 5): realistic values, the request mirrored,
consistent lists, streams that build one message, the same answers under the same seed.

tests/data/mock_spec.yaml is the API; the generated server runs in process (TestClient), and once
under `portkey-codegen serve --mock --seed` to show the seed repeats across processes.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from project_paths import REPO
from test_serve_cli import serving
from test_server import spec_package

SPEC = REPO / "tests/data/mock_spec.yaml"
CHAT = {"model": "my-model", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    spec_package(SPEC, "mock_spec_api", tmp_path_factory.mktemp("mock_spec"))
    return __import__("mock_spec_api.server", fromlist=["create_app"])


def mock_client(server, seed=None) -> TestClient:
    app = server.create_app(mock=True)
    app.state.mock_seed = seed
    return TestClient(app)


def test_chat_answer_mirrors_the_model_and_prefixes_its_id(server):
    body = mock_client(server).post("/chat/completions", json=CHAT).json()
    assert body["model"] == "my-model"
    assert re.fullmatch(r"completion_[A-Za-z0-9]{24}", body["id"]), body["id"]
    assert abs(body["created"] - time.time()) < 120  # now, not 0


def test_stream_builds_one_message(server):
    response = mock_client(server).post("/chat/completions", json={**CHAT, "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    data = [line[len("data: ") :] for line in response.text.splitlines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    choices = [c["choices"][0] for c in chunks]
    assert choices[0]["delta"]["role"] == "assistant"  # the role first, once
    assert all("role" not in c["delta"] for c in choices[1:])
    assert [c["finish_reason"] for c in choices] == [None] * (len(choices) - 1) + ["stop"]
    text = "".join(c["delta"].get("content") or "" for c in choices)
    assert len(text.split()) > 1  # content arrives in several deltas
    assert sum(bool(c["delta"].get("content")) for c in choices) > 1
    assert {c["id"] for c in chunks} == {chunks[0]["id"]} and {c["model"] for c in chunks} == {"my-model"}


def test_typed_event_stream_tells_one_reply(server):
    response = mock_client(server).post("/responses", json={"model": "m", "stream": True})
    events = [json.loads(line[len("data: ") :]) for line in response.text.splitlines() if line.startswith("data: ")]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert len(deltas) > 1 and "response.audio.delta" not in kinds
    assert kinds[1 : 1 + len(deltas)] == ["response.output_text.delta"] * len(deltas)
    done = [e for e in events if e["type"] == "response.output_text.done"]
    assert len(done) == 1 and done[0]["text"] == "".join(deltas)
    assert len({e["item_id"] for e in events if "item_id" in e}) == 1  # one output item


def test_list_counts_and_cursors_match_its_data(server):
    c = mock_client(server)
    page = c.get("/things").json()
    assert len(page["data"]) > 1 and page["total"] == len(page["data"])
    assert page["first_id"] == page["data"][0]["id"] and page["last_id"] == page["data"][-1]["id"]
    assert page["has_more"] is False  # the generated client's pagination stops here
    assert len({t["id"] for t in page["data"]}) == len(page["data"])
    one = c.get("/things?limit=1").json()
    assert len(one["data"]) == 1 and one["total"] == 1 and one["first_id"] == one["last_id"]


def test_object_values_are_realistic_and_keep_its_path_id(server):
    thing = mock_client(server).get("/things/thing_abc").json()
    assert thing["id"] == "thing_abc"
    assert re.fullmatch(r"[^@\s]+@example\.com", thing["email"]) and thing["homepage"].startswith("https://")
    assert thing["colour"] == "teal"  # the default
    assert thing["name"] not in ("", "string") and thing["count"] != 0
    assert abs(thing["created_at"] - time.time()) < 120


def test_same_seed_same_answers_across_processes(server, tmp_path):
    seeded = mock_client(server, seed=5)
    here = [seeded.post("/chat/completions", json=CHAT).json(), seeded.get("/things").json()]
    other = mock_client(server, seed=6).get("/things").json()
    assert other != here[1]
    with serving(tmp_path, "--seed", "5", spec=SPEC) as base:
        there = [httpx.post(f"{base}/chat/completions", json=CHAT).json(), httpx.get(f"{base}/things").json()]
    assert there == here
