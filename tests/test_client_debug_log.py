"""Issue 21 (still missing): ``PORTKEY_LOG=debug`` logs request and response bodies, secrets
redacted (authorization, api keys, x-portkey-* credentials, credential fields of JSON bodies),
as openai logs its requests at debug level. Sync and async, a gateway and a control-plane call.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import types

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import REPLY_TEXT, chat_completion
from issue21_support import MESSAGES, MODES, client, json_reply

pytestmark = pytest.mark.timeout(180)

SECRETS = ["pk-secret-123", "sk-provider-456", "sk-inbody-789", "aws-secret-000", "sess-tok-111", "vk-222"]


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


def logged(pkg, mode, monkeypatch, caplog, reply, call) -> str:
    monkeypatch.setenv("PORTKEY_LOG", "debug")
    logger = pkg.__name__ + "._runtime"
    with caplog.at_level(logging.DEBUG, logger=logger):
        c = client(pkg, mode, reply, api_key="pk-secret-123", authorization="Bearer sk-provider-456")
        result = call(c)
        if mode == "async":
            asyncio.run(result)
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(logger))


@pytest.mark.parametrize("mode", MODES)
def test_debug_logs_bodies_without_secrets(pkg, mode, monkeypatch, caplog):
    text = logged(
        pkg, mode, monkeypatch, caplog, json_reply(chat_completion("gpt-4o")),
        lambda c: c.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, max_tokens=7,
            extra_body={"api_key": "sk-inbody-789", "nested": {"aws_secret_access_key": "aws-secret-000"}},
            extra_headers={"x-portkey-aws-session-token": "sess-tok-111", "x-portkey-virtual-key": "vk-222"},
        ),
    )  # fmt: skip
    assert "request body:" in text and "response body:" in text
    assert '"model": "gpt-4o"' in text and '"max_tokens": 7' in text  # the body is there, max_tokens kept
    assert REPLY_TEXT in text  # the response body
    assert "<redacted>" in text
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"secrets in the debug log: {leaked}\n{text}"


@pytest.mark.parametrize("mode", MODES)
def test_control_plane_body_secret_redacted(pkg, mode, monkeypatch, caplog):
    text = logged(
        pkg, mode, monkeypatch, caplog, json_reply({"success": True, "data": {"slug": "vk"}}),
        lambda c: c.virtual_keys.create(name="mine", key="sk-provider-456"),
    )  # fmt: skip
    assert '"name": "mine"' in text and '"key": "<redacted>"' in text
    assert "sk-provider-456" not in text and "pk-secret-123" not in text


@pytest.mark.parametrize("mode", MODES)
def test_info_level_logs_no_bodies(pkg, mode, monkeypatch, caplog):
    monkeypatch.setenv("PORTKEY_LOG", "info")
    logger = pkg.__name__ + "._runtime"
    with caplog.at_level(logging.INFO, logger=logger):
        c = client(pkg, mode, json_reply(chat_completion("gpt-4o")))
        result = c.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        if mode == "async":
            asyncio.run(result)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(logger))
    assert "/chat/completions" in text and "body" not in text
