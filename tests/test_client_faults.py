"""The generated Portkey client against a loopback server that fails on purpose (issue 6, part 6).

Every fault ends, within a bounded time, in a retry that succeeds or in one of the client's typed
errors (``APIError`` subclasses) - never a hang, a bare ``httpx`` exception or a
``JSONDecodeError``. Each case runs with the sync ``Portkey`` and the async ``AsyncPortkey``.

The server is tests/fakes/fault_server.py: raw sockets, one scripted answer per request.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
import types
from typing import Any

import httpx
import pytest

from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_chunks, chat_completion, completion_chunks
from fakes.fault_server import (
    FaultServer,
    event,
    json_answer,
    raw_answer,
    reset_mid_body,
    slow_answer,
    sse_answer,
)

pytestmark = pytest.mark.timeout(60)

MESSAGES = [{"role": "user", "content": "hi"}]
MODES = ["sync", "async"]


@pytest.fixture(scope="module")
def client_mod(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture()
def server():
    with FaultServer() as srv:
        yield srv
    assert not srv.errors, srv.errors


class Outcome:
    """What one call gave: its result (or the chunks a stream yielded) and the error that ended it."""

    def __init__(self, value: Any, error: BaseException | None, seconds: float) -> None:
        self.value, self.error, self.seconds = value, error, seconds

    def raised(self, cls: type[BaseException]) -> BaseException:
        assert self.error is not None, f"expected {cls.__name__}, the call returned {self.value!r}"
        assert isinstance(self.error, cls), f"expected {cls.__name__}, got {self.error!r}"
        return self.error


def _client_options(url: str, options: dict[str, Any]) -> dict[str, Any]:
    return {"api_key": "pk-test", "base_url": url, **options}


def call(client_mod: types.ModuleType, mode: str, url: str, *, op: str = "chat", stream: bool = False,
         **options: Any) -> Outcome:
    """One chat (or text) completion through the generated client; never raises."""
    opts = _client_options(url, options)

    def request(client: Any) -> Any:
        if op == "chat":
            return client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=stream)
        return client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi", stream=stream)

    def sync() -> Outcome:
        got: list[Any] = []
        start = time.monotonic()
        try:
            with client_mod.Portkey(**opts) as client:
                result = request(client)
                if not stream:
                    return Outcome(result, None, time.monotonic() - start)
                for chunk in result:
                    got.append(chunk)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            return Outcome(got if stream else None, exc, time.monotonic() - start)
        return Outcome(got, None, time.monotonic() - start)

    async def asynchronous() -> Outcome:
        got: list[Any] = []
        start = time.monotonic()
        try:
            async with client_mod.AsyncPortkey(**opts) as client:
                result = await request(client)
                if not stream:
                    return Outcome(result, None, time.monotonic() - start)
                async for chunk in result:
                    got.append(chunk)
        except Exception as exc:  # noqa: BLE001
            return Outcome(got if stream else None, exc, time.monotonic() - start)
        return Outcome(got, None, time.monotonic() - start)

    outcome = sync() if mode == "sync" else asyncio.run(asynchronous())
    # Whatever went wrong, it reaches the caller as one of the client's own errors.
    if outcome.error is not None:
        assert isinstance(outcome.error, client_mod.APIError), f"untyped error: {outcome.error!r}"
        assert not isinstance(outcome.error, (json.JSONDecodeError, httpx.HTTPError))
    return outcome


def chat_body() -> dict[str, Any]:
    return chat_completion("gpt-4o")


def chat_events(done: bool = True) -> list[bytes]:
    events = [event(c) for c in chat_chunks("gpt-4o")]
    return events + [event("[DONE]")] if done else events


# ----------------------------------------------------------------------------- connection faults


@pytest.mark.parametrize("mode", MODES)
def test_reset_mid_response_is_retried_then_succeeds(client_mod, server, mode):
    server.play(reset_mid_body(), json_answer(chat_body()))
    out = call(client_mod, mode, server.url, max_retries=2)
    assert out.error is None and out.value.id == chat_body()["id"]
    assert len(server.requests) == 2
    assert server.requests[0].json() == server.requests[1].json()  # the same request again


@pytest.mark.parametrize("mode", MODES)
def test_reset_mid_response_without_retries_is_a_connection_error(client_mod, server, mode):
    server.play(reset_mid_body())
    out = call(client_mod, mode, server.url, max_retries=0)
    out.raised(client_mod.APIConnectionError)
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_refused_connection_is_a_connection_error(client_mod, mode):
    with FaultServer() as gone:
        url = gone.url
    out = call(client_mod, mode, url, max_retries=0, timeout=5)
    out.raised(client_mod.APIConnectionError)
    assert out.seconds < 5


# ----------------------------------------------------------------------------- status faults


@pytest.mark.parametrize("mode", MODES)
def test_500s_then_success(client_mod, server, mode):
    failing = json_answer({"error": {"message": "upstream hiccup"}}, 500)
    server.play(failing, raw_answer(b"<html>Bad gateway</html>", 502, "text/html"), json_answer(chat_body()))
    out = call(client_mod, mode, server.url, max_retries=2)
    assert out.error is None and out.value.choices[0].message.content == chat_body()["choices"][0]["message"]["content"]
    assert len(server.requests) == 3
    assert out.seconds < 10  # two backoffs of at most 0.5 s and 1 s


@pytest.mark.parametrize("mode", MODES)
def test_500s_until_retries_run_out_raise_with_the_server_message(client_mod, server, mode):
    server.play(*[json_answer({"error": {"message": "upstream hiccup"}}, 500)] * 3)
    out = call(client_mod, mode, server.url, max_retries=2)
    err = out.raised(client_mod.InternalServerError)
    assert err.status_code == 500 and "upstream hiccup" in str(err)
    assert len(server.requests) == 3


@pytest.mark.parametrize("mode", MODES)
def test_429_waits_for_retry_after_then_succeeds(client_mod, server, mode):
    limited = json_answer({"error": {"message": "slow down"}}, 429, [("Retry-After", "1")])
    server.play(limited, json_answer(chat_body()))
    out = call(client_mod, mode, server.url, max_retries=1)
    assert out.error is None
    gap = server.requests[1].at - server.requests[0].at
    assert 0.9 <= gap < 3, gap  # waited what the server asked, not the backoff


@pytest.mark.parametrize("mode", MODES)
def test_429_with_an_absurd_retry_after_falls_back_to_bounded_backoff(client_mod, server, mode):
    limited = json_answer({"error": {"message": "slow down"}}, 429, [("Retry-After", "86400")])
    server.play(limited, limited)
    out = call(client_mod, mode, server.url, max_retries=1)
    err = out.raised(client_mod.RateLimitError)
    assert "slow down" in str(err) and err.response.headers["retry-after"] == "86400"
    assert out.seconds < 5  # a day-long Retry-After is not honoured
    assert len(server.requests) == 2


# ----------------------------------------------------------------------------- slow servers


@pytest.mark.parametrize("mode", MODES)
def test_response_slower_than_the_timeout_times_out_after_bounded_retries(client_mod, server, mode):
    late = slow_answer(5, json_answer(chat_body()))
    server.play(late, late)
    out = call(client_mod, mode, server.url, timeout=0.3, max_retries=1)
    out.raised(client_mod.APITimeoutError)
    assert len(server.requests) == 2
    assert out.seconds < 3  # two attempts of 0.3 s and one backoff of at most 0.5 s


@pytest.mark.parametrize("mode", MODES)
def test_slow_first_attempt_then_fast_one_succeeds(client_mod, server, mode):
    server.play(slow_answer(5, json_answer(chat_body())), json_answer(chat_body()))
    out = call(client_mod, mode, server.url, timeout=0.3, max_retries=1)
    assert out.error is None and out.value.id == chat_body()["id"]


@pytest.mark.parametrize("mode", MODES)
def test_stream_that_stalls_mid_way_times_out(client_mod, server, mode):
    server.play(sse_answer(chat_events(done=False)[:2], end="stall", stall=10))
    out = call(client_mod, mode, server.url, stream=True, timeout=0.5, max_retries=0)
    out.raised(client_mod.APITimeoutError)
    assert len(out.value) == 2  # what arrived before the stall was delivered
    assert out.seconds < 4


# ----------------------------------------------------------------------------- broken streams


@pytest.mark.parametrize("mode", MODES)
def test_complete_stream_ends_at_done(client_mod, server, mode):
    server.play(sse_answer(chat_events()))
    out = call(client_mod, mode, server.url, stream=True)
    assert out.error is None
    assert "".join(c.choices[0].delta.content or "" for c in out.value if c.choices) == "Hello from fake"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", ["chat", "text"])
def test_stream_ending_cleanly_before_done_is_incomplete(client_mod, server, mode, op):
    """A proxy that ends the body politely when its upstream dies: only the missing [DONE] tells."""
    events = chat_events(done=False) if op == "chat" else [event(c) for c in completion_chunks("m", True)]
    server.play(sse_answer(events[:-1], end="clean"))
    out = call(client_mod, mode, server.url, op=op, stream=True, max_retries=0)
    err = out.raised(client_mod.APIStreamIncompleteError)
    assert isinstance(err, client_mod.APIStreamError)
    assert "[DONE]" in str(err)
    assert len(out.value) == len(events) - 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("end", ["cut", "reset"])
def test_stream_connection_lost_before_done_is_a_connection_error(client_mod, server, mode, end):
    server.play(sse_answer(chat_events(done=False)[:2], end=end))
    out = call(client_mod, mode, server.url, stream=True, max_retries=2)
    out.raised(client_mod.APIConnectionError)
    assert len(out.value) == 2
    assert len(server.requests) == 1  # a stream that has started is never re-sent


@pytest.mark.parametrize("mode", MODES)
def test_stream_with_a_truncated_last_event_is_incomplete_not_a_validation_error(client_mod, server, mode):
    # Issue 21 item 8: a stream cut inside an event is a truncation (retry code must tell it
    # from a schema bug), after the complete events before it.
    whole = chat_events(done=False)
    server.play(sse_answer([whole[0], whole[1][: len(whole[1]) // 2]], end="clean"))
    out = call(client_mod, mode, server.url, stream=True, max_retries=0)
    err = out.raised(client_mod.APIStreamIncompleteError)
    assert not isinstance(err, client_mod.APIResponseValidationError)
    assert "inside an event" in str(err)
    assert len(out.value) == 1


@pytest.mark.parametrize("mode", MODES)
def test_stream_with_invalid_json_chunk_is_a_validation_error(client_mod, server, mode):
    server.play(sse_answer([chat_events()[0], b"data: {not json\n\n", event("[DONE]")]))
    out = call(client_mod, mode, server.url, stream=True, max_retries=0)
    out.raised(client_mod.APIResponseValidationError)
    assert len(out.value) == 1


@pytest.mark.parametrize("mode", MODES)
def test_stream_answered_with_html_is_a_validation_error_not_an_empty_stream(client_mod, server, mode):
    server.play(raw_answer(b"<html><body>Welcome to nginx</body></html>", 200, "text/html"))
    out = call(client_mod, mode, server.url, stream=True, max_retries=0)
    err = out.raised(client_mod.APIResponseValidationError)
    assert "text/event-stream" in str(err) and "text/html" in str(err) and "nginx" in str(err)
    assert out.value == []


@pytest.mark.parametrize("mode", MODES)
def test_stream_answered_with_a_json_error_raises_it(client_mod, server, mode):
    server.play(json_answer({"error": {"message": "model overloaded", "type": "server_error"}}))
    out = call(client_mod, mode, server.url, stream=True, max_retries=0)
    err = out.raised(client_mod.APIStreamError)
    assert "model overloaded" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_stream_error_event_mid_stream_raises_it(client_mod, server, mode):
    error = event({"error": {"message": "context length exceeded", "type": "invalid_request_error"}})
    server.play(sse_answer([chat_events()[0], error]))
    out = call(client_mod, mode, server.url, stream=True, max_retries=0)
    err = out.raised(client_mod.APIStreamError)
    assert "context length exceeded" in str(err)
    assert len(out.value) == 1


# ----------------------------------------------------------------------------- broken bodies


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "body, ctype",
    [
        (b'{"id": "chatcmpl-1", "choices": [', "application/json"),  # cut short
        (b"", "application/json"),  # empty
        (b"\xff\xfe{}", "application/json"),  # not UTF-8
        (b"<html><body>502 Bad Gateway</body></html>", "text/html"),  # wrong content type, 200
        (b'{"id": 1}', "application/json"),  # valid JSON, wrong shape
        (b"null", None),  # no content type at all
    ],
    ids=["truncated", "empty", "not-utf8", "html", "wrong-shape", "no-content-type"],
)
def test_unusable_2xx_body_is_a_validation_error(client_mod, server, mode, body, ctype):
    server.play(raw_answer(body, 200, ctype))
    # JSON of the wrong shape is kept by default (test_client_forward_compat.py); strict raises.
    strict = {"strict_response_validation": True} if body == b'{"id": 1}' else {}
    out = call(client_mod, mode, server.url, max_retries=0, **strict)
    err = out.raised(client_mod.APIResponseValidationError)
    assert err.status_code == 200
    assert f"content-type {ctype or '?'}" in str(err)
    assert len(server.requests) == 1  # a bad body is not retried


@pytest.mark.parametrize("mode", MODES)
def test_error_status_with_a_non_json_body_keeps_the_text(client_mod, server, mode):
    server.play(raw_answer(b"upstream said: {oops", 400, "application/json"))
    out = call(client_mod, mode, server.url, max_retries=0)
    err = out.raised(client_mod.BadRequestError)
    assert err.body == "upstream said: {oops" and "upstream said" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_every_fault_in_a_row_then_success(client_mod, server, mode):
    """Reset, 503, 429 with Retry-After: 0, timeout - then an answer: four retries, one result."""
    server.play(
        reset_mid_body(),
        json_answer({"error": {"message": "busy"}}, 503),
        json_answer({"error": {"message": "slow down"}}, 429, [("Retry-After", "0")]),
        slow_answer(5, json_answer(chat_body())),
        json_answer(chat_body()),
    )
    out = call(client_mod, mode, server.url, timeout=0.5, max_retries=4)
    assert out.error is None and out.value.id == chat_body()["id"]
    assert len(server.requests) == 5
    assert out.seconds < 10


# ----------------------------------------------------------------------------- where the terminator comes from


def test_only_streams_that_declare_a_terminator_require_it(portkey_result):
    """The overlay declares `x-stream-terminator: [DONE]` for chat and text completions only."""
    terminators = {op.key: op.streaming.terminator for op in portkey_result.api.operations if op.streaming}
    assert terminators == {
        "POST /chat/completions": "[DONE]",
        "POST /completions": "[DONE]",
        "POST /responses": None,  # the Responses event stream ends with the body
    }
    modules = {path.rsplit("/", 1)[1]: text for path, text in portkey_result.files.items() if "/client/resources/" in path}
    counts = {name: text.count('stream_terminator="[DONE]"') for name, text in modules.items()}
    # two operations, sync and async, each in its resource's module
    assert {name: n for name, n in counts.items() if n} == {"chat.py": 2, "completions.py": 2}


@pytest.mark.parametrize("value", ["", "a\nb", "x" * 65, 42, "\x00"])
def test_unusable_stream_terminator_is_refused_with_its_pointer(tmp_path, value):
    from portkey_codegen import generate
    from portkey_codegen.config import Config
    from portkey_codegen.diagnostics import GeneratorError
    from project_paths import FIXTURES

    text = (FIXTURES / "streaming.yaml").read_text()
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace('x-stream-terminator: "[DONE]"', f"x-stream-terminator: {json.dumps(value)}"))
    out = tmp_path / "out"
    with pytest.raises(GeneratorError) as info:
        generate(Config(spec=spec, out=out, package_name="streaming_api"))
    message = str(info.value)
    assert "x-stream-terminator" in message
    assert "/paths/~1chat~1completions/post/responses/200/content/text~1event-stream/x-stream-terminator" in message
    assert not out.exists()


def test_hostile_stream_terminator_comes_out_as_the_same_string(tmp_path):
    """Quotes, a backslash, Jinja and U+2028 in x-stream-terminator: one literal, the same text."""
    import ast

    import yaml

    from portkey_codegen import render_tree
    from portkey_codegen.config import Config
    from project_paths import REPO

    spec = REPO / "tests" / "adversarial" / "specs" / "inj_stream_terminator.yaml"
    media = yaml.safe_load(spec.read_text())["paths"]["/events"]["post"]["responses"]["200"]["content"]
    wanted = media["text/event-stream"]["x-stream-terminator"]
    result = render_tree(Config(spec=spec, out=tmp_path / "out", package_name="pkg"))
    for path in ("pkg/client/resources/events.py", "pkg/server/routes/events.py"):
        found = [
            node.value.value
            for node in ast.walk(ast.parse(result.files[path]))
            if isinstance(node, ast.keyword) and node.arg in ("stream_terminator", "terminator")
            and isinstance(node.value, ast.Constant)
        ]
        assert found and all(value == wanted for value in found), (path, found)
