"""Issue 21, parsing: tolerated values dump without warnings (item 4), an unknown enum value has
what its static type promises (item 5), strict mode is strict and still reads valid JSON (item 9),
a JSON string body loses its quotes (item 11).

On the Portkey package (chat completions, files) and on a small spec of our own
(tests/data/issue21/openapi.yaml: a ``type: string`` JSON body; a model with an integer, a
date-time and an enum). Where openai reads the same bytes, its value is the expected one.
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from client_fixtures import clean_portkey_env  # noqa: F401  (autouse fixture)
from fakes.fake_openai_upstream import chat_chunks, chat_completion
from issue21_support import (
    MESSAGES,
    MODES,
    Reply,
    delta_texts,
    json_reply,
    openai_client,
    openai_drain,
    run,
    sse_events,
    sse_reply,
)
from portkey_codegen import render_tree
from portkey_codegen.config import Config
from portkey_codegen.output import write_tree

pytestmark = pytest.mark.timeout(180)

DATA = Path(__file__).resolve().parent / "data" / "issue21"
SMALL = ("Issue21Fixture", "AsyncIssue21Fixture")  # the small spec's clients (named after its title)
STRICT = [False, True]


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.ModuleType]:
    """The small spec's generated client package (``issue21_api.client``)."""
    out = tmp_path_factory.mktemp("issue21")
    result = render_tree(Config(spec=DATA / "openapi.yaml", out=out, package_name="issue21_api", root=DATA))
    write_tree(out, result.files)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("issue21_api.client")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "issue21_api" or m.startswith("issue21_api.")]:
            del sys.modules[name]


def chat(c: Any) -> Any:
    return c.chat.completions.create(model="gpt-4o", messages=MESSAGES)


def chat_body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(chat_completion("gpt-4o"))
    body.update(changes)
    return body


THING = {"id": "t1", "count": 7, "created_at": "2024-01-02T03:04:05Z", "kind": "small"}


def thing(c: Any) -> Any:
    return c.things.get_thing("t1")


# ----------------------------------------------------------------------------- item 4

FILE = {"id": "file-1", "object": "file", "bytes": 3, "created_at": 1_700_000_000, "filename": "a.jsonl",
        "purpose": "batch", "status": "processed"}


def _chat_choice(**changes: Any) -> dict[str, Any]:
    body = chat_body()
    body["choices"][0].update(changes)
    return body


def _file_without(key: str) -> dict[str, Any]:
    return {k: v for k, v in FILE.items() if k != key}


# name: (body, call, the wire field to find in the dump (None: only no warning))
DUMP_CASES = {
    "new finish_reason": (_chat_choice(finish_reason="new_reason"), chat, None),
    "created float": (chat_body(created=1_700_000_000.5), chat, "created"),
    "created null": (chat_body(created=None), chat, "created"),
    "file purpose evals": ({**FILE, "purpose": "evals"}, lambda c: c.files.retrieve("file-1"), "purpose"),
    "file without bytes": (_file_without("bytes"), lambda c: c.files.retrieve("file-1"), None),
}
@pytest.mark.parametrize("case", list(DUMP_CASES))
def test_tolerated_values_dump_without_warnings(pkg, case):
    body, call, field = DUMP_CASES[case]
    got = run(pkg, "sync", json_reply(body), call)  # tolerant: returns a value
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a user's `-W error` / filterwarnings = error
        as_python = got.model_dump()
        as_json = json.loads(got.model_dump_json(by_alias=True))
        got.model_dump(mode="json", by_alias=True)
    assert as_python and as_json
    if field is not None:
        assert as_json[field] == body[field]  # the value as it arrived


# ----------------------------------------------------------------------------- item 5


@pytest.mark.parametrize("mode", MODES)
def test_unknown_enum_value_has_the_enum_api_portkey(pkg, mode):
    theirs = openai_client(json_reply({**FILE, "purpose": "evals"})).files.retrieve("file-1")
    got = run(pkg, mode, json_reply({**FILE, "purpose": "evals"}), lambda c: c.files.retrieve("file-1"))
    # The static type of `purpose` is the generated Enum: what it promises must work.
    assert got.purpose.value == theirs.purpose == "evals"
    assert got.purpose == "evals" and str(got.purpose) == "evals"


@pytest.mark.parametrize("mode", MODES)
def test_unknown_enum_value_has_the_enum_api_small_spec(small, mode):
    got = run(small, mode, json_reply({**THING, "kind": "medium"}), thing, classes=SMALL)
    assert got.kind.value == "medium" and got.kind == "medium" and str(got.kind) == "medium"


@pytest.mark.parametrize("mode", MODES)
def test_known_enum_value_is_the_member(small, mode):
    # Guard for the fix: a known value stays the Enum member itself.
    got = run(small, mode, json_reply(THING), thing, classes=SMALL)
    assert got.kind is type(got.kind)("small") and got.kind.value == "small"


# ----------------------------------------------------------------------------- item 9: no lax coercion

LAX_CASES: dict[str, tuple[str, dict[str, Any], Callable[[Any], Any]]] = {
    # name: (package, body, call)
    "chat created '7'": ("portkey", chat_body(created="7"), chat),
    "integer '7'": ("small", {**THING, "count": "7"}, thing),
    "date-time as epoch int": ("small", {**THING, "created_at": 1_700_000_000}, thing),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(LAX_CASES))
def test_strict_mode_does_not_coerce(pkg, small, mode, case):
    which, body, call = LAX_CASES[case]
    target, classes = (pkg, ("Portkey", "AsyncPortkey")) if which == "portkey" else (small, SMALL)
    with pytest.raises(target.APIResponseValidationError):
        got = run(target, mode, json_reply(body), call, classes=classes, strict_response_validation=True)
        print("strict mode returned", got)


@pytest.mark.parametrize("mode", MODES)
def test_strict_mode_reads_strictly_valid_values(small, mode):
    # Guard: an ISO date-time string and a JSON integer are what the spec says; strict reads them.
    got = run(small, mode, json_reply(THING), thing, classes=SMALL, strict_response_validation=True)
    assert (got.count, got.created_at.year, got.kind.value) == (7, 2024, "small")


# ----------------------------------------------------------------------------- item 9: valid JSON read


@pytest.mark.parametrize("strict", STRICT, ids=["tolerant", "strict"])
@pytest.mark.parametrize("mode", MODES)
def test_bom_body_read_like_openai(pkg, mode, strict):
    data = b"\xef\xbb\xbf" + json.dumps(chat_body()).encode()
    theirs = chat(openai_client(Reply(data)))
    got = run(pkg, mode, Reply(data), chat, strict_response_validation=strict)
    assert (got.id, got.choices[0].message.content) == (theirs.id, theirs.choices[0].message.content)


DEPTH = 500  # beyond pydantic-core's JSON nesting limit, well within Python's json module's


@pytest.mark.parametrize("strict", STRICT, ids=["tolerant", "strict"])
@pytest.mark.parametrize("mode", MODES)
def test_deep_nesting_read_like_openai(pkg, mode, strict):
    deep: Any = []
    for _ in range(DEPTH - 1):
        deep = [deep]
    data = json.dumps(chat_body(x_deep=deep)).encode()
    theirs = chat(openai_client(Reply(data)))
    got = run(pkg, mode, Reply(data), chat, strict_response_validation=strict)
    assert got.id == theirs.id
    assert got.model_extra["x_deep"] == theirs.model_extra["x_deep"] == deep


def surrogate_chunks() -> list[bytes]:
    """A chat stream whose emoji arrives as its two UTF-16 halves, one per chunk (``\\ud83d``,
    ``\\ude00``): each chunk is valid JSON (as a JavaScript server writes a lone surrogate).
    The text is then emoji + the third piece (" fake")."""
    chunks = chat_chunks("gpt-4o")
    chunks[1]["choices"][0]["delta"]["content"] = "\ud83d"
    chunks[2]["choices"][0]["delta"]["content"] = "\ude00"
    return sse_events(*chunks, "[DONE]")


@pytest.mark.parametrize("strict", STRICT, ids=["tolerant", "strict"])
@pytest.mark.parametrize("mode", MODES)
def test_split_surrogate_pair_read_like_openai(pkg, mode, strict):
    stream = lambda c: c.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    theirs, their_exc = openai_drain(sse_reply(surrogate_chunks()), stream)
    assert their_exc is None
    got = run(pkg, mode, sse_reply(surrogate_chunks()), stream, strict_response_validation=strict)
    assert delta_texts(got) == delta_texts(theirs)
    text = "".join(t for t in delta_texts(got) if t)
    assert text.encode("utf-16", "surrogatepass").decode("utf-16") == "\U0001f600 fake"


# ----------------------------------------------------------------------------- item 11

STRINGS = {"plain": "tok", "escapes": 'a"b\\c\u00e9\n', "empty": ""}


@pytest.mark.parametrize("strict", STRICT, ids=["tolerant", "strict"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(STRINGS))
def test_json_string_response_is_decoded(small, mode, strict, name):
    value = STRINGS[name]
    got = run(small, mode, json_reply(value), lambda c: c.token.get_token(), classes=SMALL,
              strict_response_validation=strict)
    assert got == value


@pytest.mark.parametrize("mode", MODES)
def test_json_body_that_is_no_string_for_a_string_response(small, mode):
    # Tolerant: the text as it came (no silent loss); strict: a validation error.
    body = {"token": "tok"}
    got = run(small, mode, json_reply(body), lambda c: c.token.get_token(), classes=SMALL)
    assert json.loads(got) == body
    with pytest.raises(small.APIResponseValidationError):
        run(small, mode, json_reply(body), lambda c: c.token.get_token(), classes=SMALL, strict_response_validation=True)
