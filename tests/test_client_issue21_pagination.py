"""Issue 21, lists: cursor pages without ``last_id`` (item 2) and the openai list idioms (item 6).

Item 2: a cursor-paged list whose response omits its ``last_id`` (or sends null) must go on from
the last item's id, as openai's cursor pages do; checked on batches against openai on the same
bytes (sync and async) and on every cursor operation the IR reads its cursor from a response field
(derived from the spec, none named here). Item 6: ``for m in client.models.list()`` yields the
models (openai's idiom), and a page has ``.data`` and its request id.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import types
from typing import Any

import httpx
import pytest
from client_fixtures import clean_portkey_env, sample  # noqa: F401  (autouse fixture)
from issue21_support import MODES, client, json_reply, openai_client

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def pkg(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".client")


@pytest.fixture(scope="module")
def models(portkey_package: str) -> types.ModuleType:
    return importlib.import_module(portkey_package + ".models")


class CursorPages:
    """Two pages of `items` (2 + 1), neither naming its last id; the second asked for by `after`."""

    def __init__(self, items: list[dict[str, Any]], base: dict[str, Any], cursor_field: str = "last_id",
                 cursor: str = "missing") -> None:
        first = {**base, "data": items[:2], "has_more": True}
        second = {**base, "data": items[2:], "has_more": False}
        for page in (first, second):
            page.pop(cursor_field, None)
            if cursor == "null":
                page[cursor_field] = None
        self.pages = {None: first, items[1]["id"]: second}
        self.afters: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        self.afters.append(after)
        if after not in self.pages:
            return httpx.Response(400, json={"error": {"message": f"unexpected after={after}"}})
        return httpx.Response(200, json=self.pages[after], headers={"x-request-id": f"req_{after}"})


def batch_items(models: types.ModuleType) -> list[dict[str, Any]]:
    one = sample("_models.Batch", models).json
    return [{**one, "id": f"batch_{i}"} for i in range(3)]


def item_id(item: Any) -> Any:
    """An item's id; a union member is kept in a RootModel (``.root``)."""
    return getattr(getattr(item, "root", item), "id", None)


def collect(pkg: types.ModuleType, mode: str, handler: Any, call: Any, limit: int = 10) -> list[Any]:
    """The items of every page (at most `limit`, so a client that loops cannot hang the test):
    ``for`` over the sync page, ``async for`` over the async list call."""
    if mode == "sync":
        return list(itertools.islice(call(client(pkg, mode, handler)), limit))

    async def main() -> list[Any]:
        items = []
        async for item in call(client(pkg, mode, handler)):
            items.append(item)
            if len(items) >= limit:
                break
        return items

    return asyncio.run(main())


# ----------------------------------------------------------------------------- item 2


@pytest.mark.parametrize("cursor", ["missing", "null"])
@pytest.mark.parametrize("mode", MODES)
def test_batches_continue_from_the_last_item_like_openai(pkg, models, mode, cursor):
    items = batch_items(models)
    theirs_pages = CursorPages(items, {"object": "list", "first_id": "batch_0"}, cursor=cursor)
    theirs = [b.id for b in openai_client(theirs_pages).batches.list()]
    assert theirs == ["batch_0", "batch_1", "batch_2"] and theirs_pages.afters == [None, "batch_1"]

    ours_pages = CursorPages(items, {"object": "list", "first_id": "batch_0"}, cursor=cursor)
    ours = [b.id for b in collect(pkg, mode, ours_pages, lambda c: c.batches.list())]
    assert (ours, ours_pages.afters) == (theirs, theirs_pages.afters)


def cursor_ops_reading_a_response_field(api: Any) -> list[Any]:
    return [op for op in api.operations
            if op.pagination is not None and op.pagination.style == "cursor" and op.pagination.cursor_field]


def test_the_spec_has_cursor_ops_reading_a_response_field(portkey_result):
    # The parametrized test below would prove nothing on a spec without such operations.
    assert cursor_ops_reading_a_response_field(portkey_result.api)


@pytest.fixture(scope="module")
def cursor_ops(portkey_result) -> list[Any]:
    return cursor_ops_reading_a_response_field(portkey_result.api)


def test_every_cursor_op_falls_back_to_the_last_item_id(pkg, models, cursor_ops):
    from test_client_operations import method_of, plan_call

    failures = []
    for op in cursor_ops:
        rule = op.pagination
        item = sample(f"_models.{rule.item_type.name}", models).json
        assert isinstance(item, dict), f"{op.key}: item sample {item!r}"
        items = [{**item, "id": f"item_{i}"} for i in range(3)]
        base = sample(op.success.type_hint, models).json
        pages = CursorPages(items, base, cursor_field=rule.cursor_field)
        plan = plan_call(op, models)
        try:
            page = method_of(client(pkg, "sync", pages), op)(*plan.args, **plan.kwargs)
            got = [item_id(x) for x in itertools.islice(page, 10)]
        except pkg.APIError as exc:
            got = [f"raised {exc!r}"]
        if got != ["item_0", "item_1", "item_2"]:
            failures.append(f"{op.key}: items {got}, after= {pages.afters}")
    assert not failures, f"{len(failures)} of {len(cursor_ops)} cursor operations stop early:\n" + "\n".join(failures)


# ----------------------------------------------------------------------------- item 6

MODELS_LIST = {
    "object": "list",
    "data": [
        {"id": "gpt-4o", "object": "model", "created": 1_700_000_000, "owned_by": "openai"},
        {"id": "claude-x", "object": "model", "created": 1_700_000_001, "owned_by": "anthropic"},
    ],
}
FILES_LIST = {
    "object": "list",
    "has_more": False,  # openai's files.list pages by cursor: without it, it asks again forever
    "data": [
        {"id": "file-1", "object": "file", "bytes": 3, "created_at": 1, "filename": "a.jsonl", "purpose": "batch",
         "status": "processed"},
        {"id": "file-2", "object": "file", "bytes": 4, "created_at": 2, "filename": "b.jsonl", "purpose": "batch",
         "status": "processed"},
    ],
}


@pytest.mark.parametrize("resource,body", [("models", MODELS_LIST), ("files", FILES_LIST)], ids=["models", "files"])
@pytest.mark.parametrize("mode", MODES)
def test_for_item_in_list_yields_items_like_openai(pkg, mode, resource, body):
    theirs = [x.id for x in itertools.islice(getattr(openai_client(json_reply(body)), resource).list(), 10)]
    assert theirs == [d["id"] for d in body["data"]]
    ours = collect(pkg, mode, json_reply(body), lambda c: getattr(c, resource).list())
    assert [getattr(x, "id", x) for x in ours] == theirs  # today: ("object", "list"), ("data", [...])


def first_page(pkg: types.ModuleType, mode: str, handler: Any, call: Any) -> Any:
    if mode == "sync":
        return call(client(pkg, mode, handler))

    async def main() -> Any:
        return await call(client(pkg, mode, handler))

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_page_has_data_and_request_id_like_openai(pkg, models, mode):
    items = batch_items(models)
    body = {"object": "list", "data": items, "has_more": False, "first_id": "batch_0", "last_id": "batch_2"}
    headers = {"x-request-id": "req_page"}
    theirs = openai_client(json_reply(body, headers=headers)).batches.list()
    assert [b.id for b in theirs.data] == ["batch_0", "batch_1", "batch_2"] and theirs._request_id == "req_page"

    page = first_page(pkg, mode, json_reply(body, headers=headers), lambda c: c.batches.list())
    problems = []
    if [getattr(b, "id", None) for b in getattr(page, "data", [])] != ["batch_0", "batch_1", "batch_2"]:
        problems.append(f"page.data: {getattr(page, 'data', 'missing')!r}")
    if getattr(page, "_request_id", None) != "req_page":
        problems.append(f"page._request_id: {getattr(page, '_request_id', 'missing')!r}")
    if pkg.request_id(page) != "req_page":
        problems.append(f"request_id(page): {pkg.request_id(page)!r}")
    assert not problems, f"{type(page).__name__}: " + "; ".join(problems)
