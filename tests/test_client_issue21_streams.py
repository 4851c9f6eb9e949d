"""Issue 21, streams: a mid-stream error event and a stream cut inside an event (items 1 and 8).

The same SSE bytes go to our client (sync and async, tolerant and strict) and to the openai SDK
over httpx.MockTransport. openai raises ``APIError`` on a chunk carrying ``"error"``, wherever the
key sits in the JSON; a stream cut inside an event must be told apart from a schema bug
(``APIStreamIncompleteError``, not ``APIResponseValidationError``), after the complete chunks
before it were delivered, as openai delivers them.
"""

from __future__ import annotations

import importlib
import types

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_chunks
from issue21_support import (
    MESSAGES,
    MODES,
    delta_texts,
    drain,
    openai_drain,
    sse_events,
    sse_reply,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


def stream_call(c):
    return c.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)


def error_chunk() -> dict:
    """A chunk whose ``"error"`` key comes after ``id`` and ``object`` (beyond its first 16 bytes)."""
    first = chat_chunks("gpt-4o")[0]
    return {
        "id": first["id"],
        "object": "chat.completion.chunk",
        "created": first["created"],
        "model": first["model"],
        "error": {"message": "upstream overloaded", "type": "server_error"},
        "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "error"}],
    }


# ----------------------------------------------------------------------------- item 1


@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
@pytest.mark.parametrize("mode", MODES)
def test_mid_stream_error_raises_like_openai(pkg, mode, strict):
    chunks = chat_chunks("gpt-4o")
    reply = sse_reply(sse_events(chunks[0], chunks[1], error_chunk(), chunks[2], "[DONE]"))
    assert b'"error"' not in reply.chunks[2][len(b"data: "):][:16]  # the case the issue describes

    theirs, their_exc = openai_drain(reply, stream_call)
    assert type(their_exc).__name__ == "APIError" and "upstream overloaded" in str(their_exc)

    ours, exc = drain(pkg, mode, reply, stream_call, strict_response_validation=strict)
    assert isinstance(exc, pkg.APIError), f"stream ended with {exc!r} after {delta_texts(ours)}"
    assert not isinstance(exc, pkg.APIResponseValidationError), exc
    assert "upstream overloaded" in str(exc)
    assert delta_texts(ours) == delta_texts(theirs)  # the chunks before the error, as openai


@pytest.mark.parametrize("mode", MODES)
def test_error_key_first_still_raises(pkg, mode):
    # The shape the runtime's pre-check catches today: must keep raising after the fix.
    chunks = chat_chunks("gpt-4o")
    reply = sse_reply(sse_events(chunks[0], {"error": {"message": "upstream overloaded"}}, "[DONE]"))
    ours, exc = drain(pkg, mode, reply, stream_call)
    assert isinstance(exc, pkg.APIError) and "upstream overloaded" in str(exc)
    assert len(ours) == 1


# ----------------------------------------------------------------------------- item 8


def cut_stream_chunks() -> list[bytes]:
    """Two complete events, then the third cut half-way through its JSON (no [DONE])."""
    chunks = chat_chunks("gpt-4o")
    events = sse_events(chunks[0], chunks[1], chunks[2])
    return events[:2] + [events[2][: len(events[2]) // 2]]


@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
@pytest.mark.parametrize("mode", MODES)
def test_stream_cut_inside_an_event_is_incomplete(pkg, mode, strict):
    reply = sse_reply(cut_stream_chunks())
    theirs, their_exc = openai_drain(reply, stream_call)
    assert their_exc is None and len(theirs) == 2  # openai: the complete chunks, the cut one dropped

    ours, exc = drain(pkg, mode, reply, stream_call, strict_response_validation=strict)
    assert isinstance(exc, pkg.APIStreamIncompleteError), f"got {exc!r}"
    assert delta_texts(ours) == delta_texts(theirs)


@pytest.mark.parametrize("mode", MODES)
def test_stream_cut_between_events_is_incomplete(pkg, mode):
    # Already right today (no [DONE] after complete events): guards the fix against regressions.
    chunks = chat_chunks("gpt-4o")
    reply = sse_reply(sse_events(chunks[0], chunks[1]))
    ours, exc = drain(pkg, mode, reply, stream_call)
    assert isinstance(exc, pkg.APIStreamIncompleteError), f"got {exc!r}"
    assert len(ours) == 2
