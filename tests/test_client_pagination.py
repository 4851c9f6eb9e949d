"""Pagination of list operations, end to end: a small spec of our own (tests/data/pagination/),
its generated client, and a loopback server that pages 7 items 3 at a time.

Both styles, sync and async: cursor (`after` + `has_more`, the cursor from the last item's `id` or
from the response's `last_id`) and page numbers (`current_page` from 0 + `total`; `page` from 1 +
`has_more`). The names.yaml beside the spec forces paging on one operation and turns it off on
another. Also the detection on the real Portkey spec (which operations page, in which style).
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from portkey_codegen import render_tree
from portkey_codegen.config import Config
from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.output import write_tree

DATA = Path(__file__).resolve().parent / "data" / "pagination"
ITEMS = [{"id": f"t{i}", "name": f"thing {i}"} for i in range(1, 8)]  # 7 items: pages of 3, 3, 1
PAGE = 3


class PagingServer:
    """Answers the fixture spec's list operations from ITEMS; records every request's query."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.ignore_cursor = False  # answer the first page whatever `after` says
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                server.requests.append((url.path.removeprefix("/v1"), query))
                body = json.dumps(server.answer(url.path.removeprefix("/v1"), query)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, path: str, q: dict[str, str]) -> dict[str, Any]:
        size = int(q.get("limit") or q.get("page_size") or PAGE)
        if path in ("/things", "/events", "/batches"):
            after = None if self.ignore_cursor else q.get("after")
            if path == "/batches" and after is not None:
                after = after.removeprefix("cursor-")  # our opaque last_id
            start = next((i + 1 for i, t in enumerate(ITEMS) if t["id"] == after), 0)
            data = ITEMS[start : start + size]
            more = start + size < len(ITEMS)
            if path == "/events":
                return {"data": data}
            if path == "/batches":
                return {"data": data, "has_more": more, "first_id": "x", "last_id": f"cursor-{data[-1]['id']}" if data else None}
            return {"object": "list", "data": data, "has_more": more}
        if path == "/widgets":
            page = int(q.get("current_page", 0))
            return {"total": len(ITEMS), "data": ITEMS[page * size : (page + 1) * size]}
        if path == "/gadgets":
            page = int(q.get("page", 1))
            return {"has_more": page * size < len(ITEMS), "records": ITEMS[(page - 1) * size : page * size]}
        if path in ("/audit", "/tags"):
            return {"total": len(ITEMS), "data": ITEMS[:size]}
        raise AssertionError(f"unexpected path {path}")

    def queries(self, path: str) -> list[dict[str, str]]:
        return [q for p, q in self.requests if p == path]


@pytest.fixture(scope="module")
def paging(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.ModuleType]:
    """The fixture spec's generated client package (`paging_api.client`)."""
    out = tmp_path_factory.mktemp("paging")
    config = Config(
        spec=DATA / "openapi.yaml", names=DATA / "names.yaml", out=out, package_name="paging_api", root=DATA
    )
    result = render_tree(config)
    write_tree(out, result.files)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("paging_api.client")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "paging_api" or m.startswith("paging_api.")]:
            del sys.modules[name]


@pytest.fixture()
def server() -> Iterator[PagingServer]:
    srv = PagingServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


def ids(items: Any) -> list[str]:
    return [item.id for item in items]


ALL = [t["id"] for t in ITEMS]


# ----------------------------------------------------------------------------- cursor style


def test_cursor_pages_iterate_every_item_sync(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    page = client.things.list(limit=3)
    assert isinstance(page, paging.SyncPage)
    assert ids(page.items) == ["t1", "t2", "t3"] and page.response.has_more is True
    assert ids(itertools.islice(page, 50)) == ALL
    # 3 requests: the cursor is the last item's id; the other arguments are sent on every page
    assert server.queries("/things") == [
        {"limit": "3"},
        {"limit": "3", "after": "t3"},
        {"limit": "3", "after": "t6"},
    ]


def test_cursor_from_the_responses_last_id(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    assert ids(itertools.islice(client.batches.list(), 50)) == ALL
    assert [q.get("after") for q in server.queries("/batches")] == [None, "cursor-t3", "cursor-t6"]


def test_cursor_pages_iterate_every_item_async(paging: types.ModuleType, server: PagingServer) -> None:
    async def run() -> list[str]:
        async with paging.AsyncPaging(base_url=server.url, max_retries=0) as client:
            seen = []
            async for thing in client.things.list(limit=3):
                seen.append(thing.id)
                assert len(seen) <= 50
            return seen

    assert asyncio.run(run()) == ALL
    assert [q.get("after") for q in server.queries("/things")] == [None, "t3", "t6"]


def test_stepping_by_hand_sync(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    first = client.things.list()
    assert first.has_next_page()
    second = first.next_page()
    assert ids(second.items) == ["t4", "t5", "t6"] and second.has_next_page()
    third = second.next_page()
    assert ids(third.items) == ["t7"] and not third.has_next_page()
    with pytest.raises(LookupError, match="no next page"):
        third.next_page()
    assert [ids(p.items) for p in first.iter_pages()] == [["t1", "t2", "t3"], ["t4", "t5", "t6"], ["t7"]]


def test_stepping_by_hand_async(paging: types.ModuleType, server: PagingServer) -> None:
    async def run() -> list[list[str]]:
        client = paging.AsyncPaging(base_url=server.url, max_retries=0)
        first = await client.things.list()
        assert isinstance(first, paging.AsyncPage) and first.has_next_page()
        pages = [ids(first.items)]
        page = first
        while page.has_next_page():
            page = await page.next_page()
            pages.append(ids(page.items))
            assert len(pages) <= 10
        with pytest.raises(LookupError):
            await page.next_page()
        assert [ids(p.items) async for p in first.iter_pages()] == pages
        await client.close()
        return pages

    assert asyncio.run(run()) == [["t1", "t2", "t3"], ["t4", "t5", "t6"], ["t7"]]


def test_a_given_cursor_starts_there(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    assert ids(itertools.islice(client.things.list(after="t2"), 50)) == ALL[2:]
    assert [q.get("after") for q in server.queries("/things")] == ["t2", "t5"]


def test_a_server_ignoring_the_cursor_cannot_loop_forever(paging: types.ModuleType, server: PagingServer) -> None:
    server.ignore_cursor = True  # always the first page, always has_more
    client = paging.Paging(base_url=server.url, max_retries=0)
    seen = ids(itertools.islice(client.things.list(), 50))
    # page 1, then page "after t3" is page 1 again: its next cursor is t3 once more, so it stops
    assert seen == ALL[:3] * 2
    assert len(server.queries("/things")) == 2


# ----------------------------------------------------------------------------- page numbers


def test_page_numbers_from_zero_with_total_sync(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    page = client.widgets.list(page_size=3)
    assert isinstance(page, paging.SyncPage) and page.response.total == 7
    assert ids(itertools.islice(page, 50)) == ALL
    # stops after 7 of 7 items: no fourth request for an empty page
    assert server.queries("/widgets") == [
        {"page_size": "3"},
        {"page_size": "3", "current_page": "1"},
        {"page_size": "3", "current_page": "2"},
    ]


def test_page_numbers_from_zero_with_total_async(paging: types.ModuleType, server: PagingServer) -> None:
    async def run() -> list[str]:
        client = paging.AsyncPaging(base_url=server.url, max_retries=0)
        seen = [w.id async for w in client.widgets.list()]
        await client.close()
        return seen

    assert asyncio.run(run()) == ALL
    assert [q.get("current_page") for q in server.queries("/widgets")] == [None, "1", "2"]


def test_page_numbers_from_one_with_has_more(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    # the list is `records`; the spec's `default: 1` is the first page
    assert ids(itertools.islice(client.gadgets.list(), 50)) == ALL
    assert [q.get("page") for q in server.queries("/gadgets")] == [None, "2", "3"]

    async def run() -> list[str]:
        client = paging.AsyncPaging(base_url=server.url, max_retries=0)
        seen = [g.id async for g in client.gadgets.list()]
        await client.close()
        return seen

    assert asyncio.run(run()) == ALL


def test_a_given_page_number_starts_there(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    page = client.widgets.list(current_page=1)
    assert ids(page.items) == ["t4", "t5", "t6"]
    assert ids(itertools.islice(page, 50)) == ALL[3:]
    assert [q.get("current_page") for q in server.queries("/widgets")] == ["1", "2"]


def test_raw_response_parses_to_a_page(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    raw = client.widgets.with_raw_response.list()
    assert raw.status_code == 200 and json.loads(raw.content)["total"] == 7
    page = raw.parse()
    assert isinstance(page, paging.SyncPage)
    assert ids(itertools.islice(page, 50)) == ALL

    async def run() -> list[str]:
        client = paging.AsyncPaging(base_url=server.url, max_retries=0)
        raw = await client.things.with_raw_response.list()
        page = raw.parse()
        assert isinstance(page, paging.AsyncPage)
        seen = [t.id async for t in page]
        await client.close()
        return seen

    assert asyncio.run(run()) == ALL


# ----------------------------------------------------------------------------- names.yaml and the rules


def test_names_yaml_forces_paging_and_turns_it_off(paging: types.ModuleType, server: PagingServer) -> None:
    client = paging.Paging(base_url=server.url, max_retries=0)
    # /events has `after` but no has_more: paged because names.yaml says so, until an empty page
    events = client.events.list()
    assert isinstance(events, paging.SyncPage)
    assert ids(itertools.islice(events, 50)) == ALL
    assert [q.get("after") for q in server.queries("/events")] == [None, "t3", "t6", "t7"]
    # /audit would page by the rules (current_page + total); names.yaml says false: a plain model
    audit = client.audit.list()
    assert not isinstance(audit, paging.SyncPage) and type(audit).__name__ != "SyncPage"
    assert [t.id for t in audit.data] == ["t1", "t2", "t3"] and audit.total == 7
    # /tags has a list but nothing to page with: a plain model
    tags = client.tags.list()
    assert not isinstance(tags, paging.SyncPage) and len(tags.data) == 3


def render_fixture(tmp_path: Path, names: str) -> Any:
    (tmp_path / "names.yaml").write_text(names)
    config = Config(
        spec=DATA / "openapi.yaml", names=tmp_path / "names.yaml", out=tmp_path / "out", package_name="p", root=tmp_path
    )
    return render_tree(config)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ('pagination: {"GET /tags": {style: cursor}}', "no query parameter selects the page"),
        ('pagination: {"GET /things": {items: object}}', "is not an array field"),
        ('pagination: {"GET /things": {has_more: more}}', "has_more 'more' is not a field"),
        ('pagination: {"GET /things": {style: offset}}', "style 'offset'"),
        ('pagination: {"GET /things": {colour: red}}', "unknown key"),
        ('pagination: {"GET /things": {param: before}}', "query parameter 'before' is not declared"),
        ('pagination: {"GET /widgets": {first_page: "one"}}', "first_page must be an integer"),
        ("pagination: [1, 2]", "must be a mapping"),
    ],
)
def test_bad_overrides_are_clear_errors(tmp_path: Path, names: str, message: str) -> None:
    with pytest.raises(GeneratorError) as caught:
        render_fixture(tmp_path, names)
    text = str(caught.value)
    assert message in text and "names.yaml" in text, text


def test_override_of_a_missing_operation_is_a_warning(tmp_path: Path) -> None:
    result = render_fixture(tmp_path, 'pagination: {"GET /nope": false}')
    warnings = [d for d in result.diagnostics if "GET /nope" in d.message]
    assert len(warnings) == 1 and warnings[0].severity == "warning" and "no such operation" in warnings[0].message


def test_override_renames_fields(tmp_path: Path) -> None:
    result = render_fixture(tmp_path, 'pagination: {"GET /widgets": {style: page, param: current_page, first_page: 5}}')
    op = next(o for o in result.api.operations if o.key == "GET /widgets")
    assert op.pagination is not None and op.pagination.first_page == 5 and op.pagination.total_field == "total"


def test_detection_on_the_portkey_spec(portkey_result: Any) -> None:
    ops = {op.key: op.pagination for op in portkey_result.api.operations}
    styles = {k: p.style for k, p in ops.items() if p is not None}
    by_key = {op.key: op for op in portkey_result.api.operations}
    # Counted from the spec, not hard-coded: every GET taking an `after` query parameter pages by
    # cursor (by the rules, or, for fine-tuning events, by spec/names.yaml); every page-number
    # operation takes the page parameter it names.
    after = {
        key for key, op in by_key.items() if op.http_method == "get" and "after" in {q.wire_name for q in op.query_params}
    }
    assert {k for k, s in styles.items() if s == "cursor"} == after
    pages = {k for k, s in styles.items() if s == "page"}
    assert pages and all(ops[k].param in {q.wire_name for q in by_key[k].query_params} for k in pages)
    events = ops["GET /fine_tuning/jobs/{fine_tuning_job_id}/events"]
    assert events is not None and (events.param, events.item_id_field, events.has_more_field) == ("after", "id", None)
    batches = ops["GET /batches"]
    assert batches is not None and (batches.style, batches.param, batches.cursor_field, batches.has_more_field) == (
        "cursor", "after", "last_id", "has_more"
    )
    jobs = ops["GET /fine_tuning/jobs"]  # no last_id: the last job's id
    assert jobs is not None and (jobs.cursor_field, jobs.item_id_field) == (None, "id")
    keys = ops["GET /api-keys"]
    assert keys is not None and (keys.style, keys.param, keys.total_field, keys.first_page) == (
        "page", "current_page", "total", 0
    )
    caps = ops["GET /mcp-servers/{mcpServerId}/capabilities"]  # `page`, minimum/default 1
    assert caps is not None and (caps.param, caps.first_page, caps.has_more_field) == ("page", 1, "has_more")
    audit = ops["GET /audit-logs"]
    assert audit is not None and audit.items_field == "records"
    # OpenAI-style list objects (`object` + `data`) that do not page are one page (issue 21 item 6)
    for key in ("GET /files", "GET /models"):
        assert ops[key] is not None and (ops[key].style, ops[key].param) == ("single", ""), key
    # other lists without a page parameter, or without has_more/total, stay plain
    for key in ("GET /configs", "GET /integrations/{slug}/models"):
        assert ops[key] is None, key
    # only GETs page
    assert all(key.startswith("GET ") for key in styles)
