"""Pages of list operations: ``for item in client.x.list()`` walks every item across pages.

Spec-independent; copied verbatim into the generated package next to ``_runtime/``. The
generator decides which operations page and how (generator/lower/pagination.py, overridable in
spec/names.yaml) and hands that to :class:`PageRule`. Two styles:

* ``cursor``: the next page is asked for with ``<param>=<cursor>``, the cursor being the response's
  ``cursor`` field (``last_id``) or the ``item_id`` (``id``) of the page's last item;
* ``page``: the next page is ``<param>=<page number + 1>``;
* ``single``: a list object that does not page (``models.list()``): one page, no next.

Either stops on an empty page, when ``has_more`` is false, or (page style) when ``total`` items
have been seen; a cursor that does not move also stops, so a server ignoring the parameter cannot
loop forever.

How generated code uses it::

    def list(self, *, after=NOT_GIVEN, ..., extra_query=None, ...) -> SyncPage[ListResponse, Item]:
        return SyncPage.start(
            lambda _page_query: self._client.request(
                "get", "/things", query={"after": after}, cast_to=_models.ListResponse,
                extra_query={**(extra_query or {}), **_page_query}, ...),
            PageRule("cursor", items="data", param="after", has_more="has_more", item_id="id"),
        )

The async method is a plain ``def`` returning :class:`AsyncPaginator`: ``await`` it for the first
:class:`AsyncPage`, or ``async for item in client.x.list()``. Under ``with_raw_response`` the first
request returns the :class:`RawResponse` whose ``parse()`` is the page.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from ._runtime.common import NOT_GIVEN, NotGiven, _is_model
from ._runtime.responses import RawResponse

if TYPE_CHECKING:
    from pydantic import BaseModel
    from typing_extensions import Self

__all__ = ["AsyncPage", "AsyncPaginator", "PageRule", "SyncPage"]

ResponseT = TypeVar("ResponseT")
ItemT = TypeVar("ItemT")

PageQuery = Mapping[str, object]
_FetchT = TypeVar("_FetchT")  # how a page fetches a response: sync, or async
_P = TypeVar("_P", bound="_Page[Any, Any, Any]")


class PageRule:
    """Where an operation's response keeps its items and how the next page is asked for."""

    __slots__ = (
        "style",
        "items",
        "param",
        "has_more",
        "cursor",
        "item_id",
        "total",
        "first_page",
    )

    def __init__(
        self,
        style: Literal["cursor", "page", "single"],
        *,
        items: str,
        param: str = "",
        has_more: str | None = None,
        cursor: str | None = None,
        item_id: str | None = None,
        total: str | None = None,
        first_page: int = 0,
    ) -> None:
        self.style = style
        self.items = items  # wire names, read from the parsed response by alias
        self.param = param
        self.has_more = has_more
        self.cursor = cursor
        self.item_id = item_id
        self.total = total
        self.first_page = first_page

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__[1:])
        return f"PageRule({self.style!r}, {fields})"


@functools.lru_cache(maxsize=512)
def _attribute(cls: type[BaseModel], wire: str) -> str | None:
    for name, info in cls.model_fields.items():
        if info.alias == wire or (name == wire and info.alias is None):
            return name
    return None


def _field(obj: object, wire: str) -> Any:
    """``obj[wire]`` for a parsed response or item: a model (by alias), or a plain mapping."""
    if _is_model(obj):
        if type(obj).__pydantic_root_model__:  # a union item: its member is in .root
            return _field(getattr(obj, "root", None), wire)
        name = _attribute(type(obj), wire)
        if name is not None:
            return getattr(obj, name)
        extra = obj.model_extra
        return extra.get(wire) if extra else None
    if isinstance(obj, Mapping):
        return obj.get(wire)
    return None


class _Page(Generic[ResponseT, ItemT, _FetchT]):
    """What both page classes know: the response, its items and where the next page is (all
    but fetching it: `_FetchT` is their fetch function, sync or async).

    As the openai SDK's pages: ``.data`` is this page's items, and ``request_id(page)``/
    ``page._request_id`` is the response's (its other fields: ``page.response``).
    """

    response: ResponseT
    items: list[ItemT]

    def __init__(
        self,
        fetch: _FetchT,
        rule: PageRule,
        response: ResponseT,
        page_number: int = 0,
        cursor: object = None,
        seen_before: int = 0,
    ) -> None:
        self._fetch = fetch
        self.response = response
        self._rule = rule
        found = _field(response, rule.items)
        self.items = list(found) if isinstance(found, (list, tuple)) else []
        self._page_number = page_number  # page style: this page's number
        self._cursor = cursor  # cursor style: the cursor this page was asked for with
        self._seen = seen_before + len(self.items)
        rid = getattr(response, "__dict__", {}).get("_request_id")
        if rid is not None:
            self._request_id = rid  # read by request_id(page), as on a model

    @property
    def data(self) -> list[ItemT]:
        """This page's items (``items``), under the openai SDK's name."""
        return self.items

    def _next_cursor(self) -> object:
        rule = self._rule
        value = _field(self.response, rule.cursor) if rule.cursor else None
        if value is None and rule.item_id and self.items:
            value = _field(self.items[-1], rule.item_id)
        return value

    def has_next_page(self) -> bool:
        """Whether another page follows (never after an empty page)."""
        rule = self._rule
        if not self.items or rule.style == "single":
            return False
        if rule.has_more is not None:
            more = _field(self.response, rule.has_more)
            if more is not None and not more:
                return False
        if rule.style == "cursor":
            cursor = self._next_cursor()
            return cursor is not None and cursor != self._cursor
        total = _field(self.response, rule.total) if rule.total else None
        if isinstance(total, int) and not isinstance(total, bool):
            return self._seen < total
        return True

    def _next(self) -> tuple[dict[str, object], Callable[[ResponseT], Self]]:
        """The query of the next page, and how its response becomes that page."""
        if not self.has_next_page():
            raise LookupError(
                "there is no next page (check has_next_page() before next_page())"
            )
        rule, number = self._rule, self._page_number + 1
        cursor = self._next_cursor() if rule.style == "cursor" else None
        query = {rule.param: cursor if rule.style == "cursor" else number}
        cls, fetch, seen = type(self), self._fetch, self._seen
        return query, lambda response: cls(fetch, rule, response, number, cursor, seen)

    def _started_later(self) -> Self:
        # A first page asked for by number k counts the k - first_page full pages before it
        # towards `total` (a page size the server chose is only known from this page).
        skipped = self._page_number - self._rule.first_page
        if self._rule.style == "page" and skipped > 0:
            self._seen += skipped * len(self.items)
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}(items={len(self.items)}, response={type(self.response).__name__})"


def _start_number(rule: PageRule, start: object) -> int:
    if rule.style == "page" and isinstance(start, int) and not isinstance(start, bool):
        return start
    return rule.first_page


def _first_page(
    page: Callable[[Any, PageRule, Any, int, object], _P],
    fetch: Any,
    rule: PageRule,
    start: object,
    first: Any,
) -> _P:
    """The first page made from the first response (``start``: the page-number argument the
    caller gave); under ``with_raw_response`` the RawResponse whose ``parse()`` gives it.
    """
    number = _start_number(rule, start)
    cursor = None if isinstance(start, NotGiven) else start
    if isinstance(first, RawResponse):
        raw: RawResponse[Any] = first
        return RawResponse(  # type: ignore[return-value]
            raw.http_response,
            lambda: page(fetch, rule, raw.parse(), number, cursor)._started_later(),
        )
    return page(fetch, rule, first, number, cursor)._started_later()


class SyncPage(_Page[ResponseT, ItemT, Callable[[PageQuery], ResponseT]]):
    """One page of a list operation; iterating it walks the items of this and every later page.

    ``items`` are this page's items, ``response`` the parsed response; ``has_next_page()``,
    ``next_page()`` and ``iter_pages()`` step through the pages by hand.
    """

    @classmethod
    def start(
        cls,
        fetch: Callable[[PageQuery], ResponseT],
        rule: PageRule,
        start: object = NOT_GIVEN,
    ) -> SyncPage[ResponseT, ItemT]:
        """Fetch the first page (``start``: the page-number argument the caller gave)."""
        return _first_page(cls, fetch, rule, start, fetch({}))

    def next_page(self) -> SyncPage[ResponseT, ItemT]:
        """The page after this one; LookupError when there is none."""
        query, page = self._next()
        return page(self._fetch(query))

    def iter_pages(self) -> Iterator[SyncPage[ResponseT, ItemT]]:
        """This page and every later one."""
        page: SyncPage[ResponseT, ItemT] | None = self
        while page is not None:
            yield page
            page = page.next_page() if page.has_next_page() else None

    def __iter__(self) -> Iterator[ItemT]:
        for page in self.iter_pages():
            yield from page.items


class AsyncPage(_Page[ResponseT, ItemT, Callable[[PageQuery], Awaitable[ResponseT]]]):
    """Async twin of :class:`SyncPage`: ``async for`` walks every item, ``await next_page()``."""

    async def next_page(self) -> AsyncPage[ResponseT, ItemT]:
        """The page after this one; LookupError when there is none."""
        query, page = self._next()
        return page(await self._fetch(query))

    async def iter_pages(self) -> AsyncIterator[AsyncPage[ResponseT, ItemT]]:
        """This page and every later one."""
        page: AsyncPage[ResponseT, ItemT] | None = self
        while page is not None:
            yield page
            page = await page.next_page() if page.has_next_page() else None

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item


class AsyncPaginator(Generic[ResponseT, ItemT]):
    """What an async list method returns.

    ``await`` it for the first page, or ``async for`` over it for every item of every page. The
    first request is sent on either, not before.
    """

    def __init__(
        self,
        fetch: Callable[[PageQuery], Awaitable[ResponseT]],
        rule: PageRule,
        start: object = NOT_GIVEN,
    ) -> None:
        self._fetch = fetch
        self._rule = rule
        self._start = start

    async def _first(self) -> AsyncPage[ResponseT, ItemT]:
        first = await self._fetch({})
        page: type[AsyncPage[ResponseT, ItemT]] = AsyncPage
        return _first_page(page, self._fetch, self._rule, self._start, first)

    def __await__(self) -> Generator[Any, None, AsyncPage[ResponseT, ItemT]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        page = await self._first()
        async for item in page:
            yield item
