"""generator/sourcemap.py: JSON pointer -> line/column, lazily."""

from __future__ import annotations

import pytest

from portkey_codegen import sourcemap
from portkey_codegen.load import load_spec
from portkey_codegen.sourcemap import locate

from project_paths import SHARED_SPEC

SPEC = SHARED_SPEC

TEXT = """\
openapi: 3.0.3
servers: &srv
  - url: https://a.example
paths:
  /chat/completions:
    servers: *srv
    post:
      responses:
        "200":
          description: OK
  /a~b:
    get: {summary: tilde}
components:
  schemas:
    Thing:
      type: object
      properties:
        list: [1, 2, {deep: true}]
"""


@pytest.fixture(autouse=True)
def fresh_cache():
    sourcemap.clear_cache()
    yield
    sourcemap.clear_cache()


@pytest.mark.parametrize(
    "pointer, expected",
    [
        ("#", (1, 1)),
        ("", (1, 1)),
        ("#/openapi", (1, 1)),
        ("#/servers", (2, 1)),
        ("#/servers/0", (3, 5)),
        ("#/servers/0/url", (3, 5)),
        ("#/paths/~1chat~1completions", (5, 3)),
        ("#/paths/~1chat~1completions/post/responses/200", (9, 9)),
        ("#/paths/~1chat~1completions/post/responses/200/description", (10, 11)),
        ("#/paths/~1a~0b/get/summary", (12, 11)),
        ("#/components/schemas/Thing/properties/list/2/deep", (18, 23)),
        ("#/components/schemas/Thing/properties/list/1", (18, 19)),
    ],
)
def test_locate(pointer, expected):
    assert locate(TEXT, pointer) == expected


def test_pointer_through_an_alias_lands_on_the_anchor():
    assert locate(TEXT, "#/paths/~1chat~1completions/servers/0/url") == (3, 5)


@pytest.mark.parametrize(
    "pointer",
    [
        "#/nope",
        "#/servers/5",
        "#/servers/x",
        "#/openapi/deeper",
        "#/paths/~1a~1b",
        "no-hash",
    ],
)
def test_missing_or_malformed_is_none(pointer):
    assert locate(TEXT, pointer) is None


def test_nearest_ancestor():
    assert locate(TEXT, "#/paths/~1chat~1completions/post/nope/more", nearest=True) == (
        7,
        5,
    )
    assert locate(TEXT, "#/zzz", nearest=True) == (1, 1)


def test_unreadable_text_locates_nothing():
    assert locate("a: [1, 2\n", "#/a") is None
    assert locate("a: [1, 2\n", "#/a", nearest=True) is None
    assert (
        locate("[" * 500 + "]" * 500, "#/0") is None
    )  # deeper than the loader accepts


def test_duplicate_anchor_and_merge_keys():
    text = "a: &x {k: 1}\nb: &x {k: 2}\nc: *x\nd:\n  <<: *x\n  own: 3\n"
    assert locate(text, "#/c/k") == (2, 8)
    assert locate(text, "#/d/k") == (2, 8)
    assert locate(text, "#/d/own") == (6, 3)


def test_keys_are_raw_text_like_the_loader():
    text = "responses:\n  200:\n    description: ok\n  on: x\n"
    assert locate(text, "#/responses/200/description") == (3, 5)
    assert locate(text, "#/responses/on") == (4, 3)


def test_cached_per_text():
    text = "a:\n  b: 1\n"
    assert locate(text, "#/a/b") == (2, 3)
    assert len(sourcemap._cache) == 1
    same = "".join(["a:\n", "  b: 1\n"])  # equal text, another object: found by hash
    assert same is not text and locate(same, "#/a") == (1, 1)
    assert len(sourcemap._cache) == 1
    locate("x: 1\n", "#/x")
    assert len(sourcemap._cache) == 2


def test_not_paid_on_the_happy_path():
    spec = load_spec(SPEC)
    assert sourcemap._cache == {} and sourcemap._last is None
    line, column = spec.locate(
        "#/components/schemas/UsageLimits/properties/credit_limit/default"
    )
    lines = spec.text.splitlines()
    assert (
        lines[line - 1].strip() == "default: null"
        and column == lines[line - 1].index("d") + 1
    )
    assert lines[line - 5].strip() == "credit_limit:"
    assert len(sourcemap._cache) == 1


def test_real_spec_path_with_escapes():
    spec = load_spec(SPEC)
    line, _ = spec.locate("#/paths/~1chat~1completions/post")
    lines = spec.text.splitlines()
    assert lines[line - 1].strip() == "post:"
    assert lines[line - 3].strip() == "/chat/completions:"
