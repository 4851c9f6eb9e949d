"""Issue 21 (still missing): the portkey-ai SDK's client options (`trace_id`, `metadata`, `debug`,
`cache_force_refresh`, `forward_headers`, provider auth `aws_*`/`azure_*`/`vertex_*`,
`anthropic_beta`, `strict_open_ai_compliance`...) as constructor and `with_options()` arguments,
sent as their `x-portkey-*` headers on gateway and control-plane calls, sync and async; the
per-request tracing/cache options also on control-plane operations.

The options come from spec/names.yaml (`header_options`) through the IR: every option of the IR is
checked; the header names the portkey-ai SDK sends (`x-portkey-<name with dashes>`, bools as
true/false, a metadata dict as JSON, forward_headers comma-joined) are the contract.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import types

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_completion
from issue21_support import MESSAGES, MODES, client, json_reply

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


def call(mode, c, fn):
    result = fn(c)
    return asyncio.run(result) if mode == "async" else result


def chat(c):
    return c.chat.completions.create(model="gpt-4o", messages=MESSAGES)


def control_plane(c):
    return c.configs.retrieve("pc-1")


PORTKEY_SDK_STYLE = {  # what portkey-ai's createHeaders sends for these arguments
    "trace_id": ("t-1", "x-portkey-trace-id", "t-1"),
    "metadata": ({"_user": "u1"}, "x-portkey-metadata", '{"_user":"u1"}'),
    "debug": (False, "x-portkey-debug", "false"),
    "cache_force_refresh": (True, "x-portkey-cache-force-refresh", "true"),
    "forward_headers": (["x-a", "x-b"], "x-portkey-forward-headers", "x-a,x-b"),
    "aws_region": ("us-east-1", "x-portkey-aws-region", "us-east-1"),
    "aws_secret_access_key": ("s3cr3t", "x-portkey-aws-secret-access-key", "s3cr3t"),
    "azure_api_version": ("2024-06-01", "x-portkey-azure-api-version", "2024-06-01"),
    "vertex_project_id": ("proj", "x-portkey-vertex-project-id", "proj"),
    "anthropic_beta": ("tools-2024", "x-portkey-anthropic-beta", "tools-2024"),
    "strict_open_ai_compliance": (True, "x-portkey-strict-open-ai-compliance", "true"),
}


@pytest.mark.parametrize("op", [chat, control_plane], ids=["gateway", "control-plane"])
@pytest.mark.parametrize("mode", MODES)
def test_constructor_options_become_portkey_headers(pkg, mode, op):
    reply = json_reply(chat_completion("gpt-4o") if op is chat else {"success": True, "data": {}})
    options = {name: value for name, (value, _, _) in PORTKEY_SDK_STYLE.items()}
    call(mode, client(pkg, mode, reply, **options), op)
    sent = reply.requests[0].headers
    for name, (_, header, text) in PORTKEY_SDK_STYLE.items():
        assert sent.get(header) == text, (name, header, dict(sent))
    assert json.loads(sent["x-portkey-metadata"]) == {"_user": "u1"}


@pytest.mark.parametrize("mode", MODES)
def test_every_ir_option_is_a_constructor_and_with_options_argument(pkg, portkey_result, mode):
    options = portkey_result.api.header_options
    assert {o.py_name for o in options} >= set(PORTKEY_SDK_STYLE), "names.yaml lost portkey-ai options"
    values = {o.py_name: {"str": "v-" + o.py_name, "bool": True, "json": {"k": o.py_name}, "csv": ["h1", "h2"]}[o.kind]
              for o in options}  # fmt: skip
    reply = json_reply(chat_completion("gpt-4o"))
    base = client(pkg, mode, reply)
    call(mode, base.with_options(**values), chat)
    sent = reply.requests[0].headers
    for o in options:
        assert o.wire_name in sent, o
    call(mode, base, chat)  # the original client is unchanged
    assert not any(o.wire_name in reply.requests[1].headers for o in options)


@pytest.mark.parametrize("mode", MODES)
def test_with_options_overrides_and_none_removes(pkg, mode):
    reply = json_reply(chat_completion("gpt-4o"))
    c = client(pkg, mode, reply, trace_id="t-1", aws_region="eu-west-1")
    call(mode, c.with_options(trace_id="t-2", aws_region=None), chat)
    sent = reply.requests[0].headers
    assert sent["x-portkey-trace-id"] == "t-2" and "x-portkey-aws-region" not in sent


@pytest.mark.parametrize("mode", MODES)
def test_per_request_tracing_on_control_plane(pkg, mode):
    reply = json_reply({"success": True, "data": {}})
    c = client(pkg, mode, reply, trace_id="from-client")
    call(mode, c, lambda c: c.configs.retrieve("pc-1", trace_id="per-call", metadata={"a": "b"}, cache_force_refresh=True))
    sent = reply.requests[0].headers
    assert sent["x-portkey-trace-id"] == "per-call"
    assert json.loads(sent["x-portkey-metadata"]) == {"a": "b"}
    assert sent["x-portkey-cache-force-refresh"] == "true"


def test_bad_header_options_are_clear_errors():
    from portkey_codegen.diagnostics import GeneratorError
    from portkey_codegen.lower.header_options import build_header_options

    cases = {
        "kind": ({"options": {"x": "number"}}, "kind 'number'"),
        "clash": ({"options": {"api_key": "str"}}, "already the client's security scheme"),
        "name": ({"options": {"Bad-Name": "str"}}, "not a snake_case Python name"),
        "private": ({"options": {"_headers": "str"}}, "not a snake_case Python name"),  # template locals are `_`-named
        "header": ({"options": {"x": {"header": "bad header"}}}, "is not a header name"),
    }
    for data, words in cases.values():
        with pytest.raises(GeneratorError) as info:
            build_header_options(data, {"api_key": "security scheme 'Portkey-Key'"})
        d = info.value.diagnostics[0]
        assert words in d.message and d.file == "spec/names.yaml"
