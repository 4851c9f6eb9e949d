"""Issue 21, whole responses: a DELETE answered 204 (item 3) and ``with_streaming_response`` on JSON
and SSE operations (item 7).

Item 3: ``204 No Content`` to a DELETE is a success without a body: the call returns (openai returns
an empty value) instead of raising ``APIResponseValidationError``, tolerant and strict, on files
and on every DELETE operation whose success the IR declares JSON (derived from the spec).
Item 7: openai's ``with client.x.with_streaming_response.y(...) as r`` gives ``r.headers``,
``r.parse()``, ``r.iter_lines()``, ``r.iter_bytes()`` with the body unread until asked for; the
same bytes go to both SDKs and must give the same values.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import types
from typing import Any

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_chunks, chat_completion
from issue21_support import (
    MESSAGES,
    MODES,
    Reply,
    client,
    delta_texts,
    json_reply,
    openai_client,
    run,
    sse_events,
    sse_reply,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture(scope="module")
def models(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".models")


# ----------------------------------------------------------------------------- item 3


def no_content() -> Reply:
    return Reply(b"", status=204, content_type=None)


@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
@pytest.mark.parametrize("mode", MODES)
def test_delete_answered_204_returns_like_openai(pkg, mode, strict):
    theirs = openai_client(no_content()).files.delete("file-1")
    assert not theirs  # openai: returns an empty value, no error

    reply = no_content()
    ours = run(pkg, mode, reply, lambda c: c.files.delete("file-1"), strict_response_validation=strict)
    assert not ours, f"a 204 parsed into {ours!r}"
    assert [r.method for r in reply.requests] == ["DELETE"]  # answered once, not retried


def test_every_json_delete_accepts_204(pkg, models, portkey_result):
    from test_client_operations import method_of, plan_call

    ops = [op for op in portkey_result.api.operations if op.http_method.upper() == "DELETE" and op.success.kind == "json"]
    assert ops, "no JSON-typed DELETE operation: the test would prove nothing"
    failures = []
    for op in ops:
        plan = plan_call(op, models)
        for strict in (False, True):
            try:
                method_of(client(pkg, "sync", no_content(), strict_response_validation=strict), op)(
                    *plan.args, **plan.kwargs)
            except pkg.APIError as exc:
                failures.append(f"{op.key} (strict={strict}): {type(exc).__name__}: {str(exc)[:120]}")
    assert not failures, f"{len(failures)} of {2 * len(ops)} calls fail on 204:\n" + "\n".join(failures)


# ----------------------------------------------------------------------------- item 7


def create(c: Any, **kw: Any) -> Any:
    return c.chat.completions.with_streaming_response.create(model="gpt-4o", messages=MESSAGES, **kw)


def openai_view(reply: Reply, stream: bool) -> dict[str, Any]:
    """What openai's streaming response gives for these bytes (each part from a fresh call)."""
    kw = {"stream": True} if stream else {}
    out: dict[str, Any] = {}
    with create(openai_client(reply), **kw) as r:
        out["request_id"] = r.headers.get("x-request-id")
        parsed = r.parse()
        out["parsed"] = delta_texts(parsed) if stream else (parsed.id, parsed.choices[0].message.content)
    with create(openai_client(reply), **kw) as r:
        out["lines"] = list(r.iter_lines())
    with create(openai_client(reply), **kw) as r:
        out["bytes"] = b"".join(r.iter_bytes())
    return out


def our_view(pkg: types.ModuleType, mode: str, reply: Reply, stream: bool) -> dict[str, Any]:
    kw = {"stream": True} if stream else {}
    out: dict[str, Any] = {}
    if mode == "sync":
        with create(client(pkg, mode, reply), **kw) as r:
            out["request_id"] = r.headers.get("x-request-id")
            parsed = r.parse()
            out["parsed"] = delta_texts(parsed) if stream else (parsed.id, parsed.choices[0].message.content)
        with create(client(pkg, mode, reply), **kw) as r:
            out["lines"] = list(r.iter_lines())
        with create(client(pkg, mode, reply), **kw) as r:
            out["bytes"] = b"".join(r.iter_bytes())
        return out

    async def main() -> None:
        async with create(client(pkg, mode, reply), **kw) as r:
            out["request_id"] = r.headers.get("x-request-id")
            parsed = await r.parse()
            if stream:
                out["parsed"] = delta_texts([chunk async for chunk in parsed])
            else:
                out["parsed"] = (parsed.id, parsed.choices[0].message.content)
        async with create(client(pkg, mode, reply), **kw) as r:
            out["lines"] = [line async for line in r.iter_lines()]
        async with create(client(pkg, mode, reply), **kw) as r:
            out["bytes"] = b"".join([piece async for piece in r.iter_bytes()])

    asyncio.run(main())
    return out


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize("mode", MODES)
def test_with_streaming_response_like_openai(pkg, mode, stream):
    headers = {"x-request-id": "req_stream"}
    if stream:
        reply = sse_reply(sse_events(*chat_chunks("gpt-4o"), "[DONE]"), headers=headers)
    else:
        # Indented JSON: iter_lines() has several lines to agree on.
        reply = Reply(json.dumps(chat_completion("gpt-4o"), indent=2).encode(), headers=headers)
    theirs = openai_view(reply, stream)
    assert theirs["request_id"] == "req_stream" and theirs["bytes"] == b"".join(reply.chunks)
    assert len(theirs["lines"]) > 3
    assert our_view(pkg, mode, reply, stream) == theirs


def test_with_streaming_response_binary_still_works(pkg):
    # Already right today (binary bodies): the fix must keep it.
    data = b"\x00\x01 binary \xff" * 100
    reply = Reply(data, content_type="application/octet-stream")
    with client(pkg, "sync", reply).files.with_streaming_response.content("file-1") as got:
        assert b"".join(got.iter_bytes()) == data


def test_json_reply_helper_sends_what_openai_reads(pkg):
    # Guards the helpers the tests above use: plain calls agree with openai on the same bytes.
    body = chat_completion("gpt-4o")
    theirs = openai_client(json_reply(body)).chat.completions.create(model="gpt-4o", messages=MESSAGES)
    ours = run(pkg, "sync", json_reply(body), lambda c: c.chat.completions.create(model="gpt-4o", messages=MESSAGES))
    assert (ours.id, ours.choices[0].message.content) == (theirs.id, theirs.choices[0].message.content)
