"""Which list operations page, and how: the rules, measured on the Portkey spec, and their overrides.

A GET whose 2xx JSON response is an object with a list field (`data`, or the object's only array)
pages when the spec also shows one of two styles:

* cursor: a query parameter `after` and a boolean `has_more` in the response; the next cursor is
  the response's `last_id` when a page sends one, else the `id` of the last item (OpenAI style:
  assistants, batches, threads' messages/runs/steps, vector stores, fine-tuning jobs);
* page number: a query parameter `current_page` / `currentPage` / `page` (integer) and a `total`
  (integer) or `has_more` in the response (Portkey's admin lists: api-keys, workspaces, prompts...).
  The first page is the parameter's `default`, else its `minimum`, else 0.

A GET answering an OpenAI-style list object (`object` and a `data` array) that shows neither style
is one page (`single`): iterating it yields the items, as the openai SDK's `models.list()` does.

`spec/names.yaml` overrides per operation under `pagination:` ("METHOD /path": false turns paging
off; a mapping forces a style and names the fields: style, items, param, has_more, cursor,
item_id, total, first_page). An override that names something the spec lacks is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import typeref as tr
from .. import pointer as jp
from ..diagnostics import Diagnostic, GeneratorError, Report
from ..ir import Pagination, Parameter
from ..schema import union_members

NAMES_FILE = "spec/names.yaml"
CURSOR_PARAMS = ("after",)
PAGE_PARAMS = ("current_page", "currentPage", "page")
OVERRIDE_KEYS = frozenset({"style", "items", "param", "has_more", "cursor", "item_id", "total", "first_page"})


def _error(key: str, message: str, hint: str) -> GeneratorError:
    return GeneratorError(
        Diagnostic("error", f"pagination override for {key!r}: {message}", file=NAMES_FILE, hint=hint)
    )


def check_overrides(
    overrides: Any, operation_keys: set[str], report: Report | None = None
) -> dict[str, Mapping[str, Any] | None]:
    """The `pagination:` section of names.yaml as {"METHOD /path": mapping, or None for off}.

    An override for an operation the spec lacks is a warning: names.yaml outlives spec versions.
    """
    if not isinstance(overrides, Mapping):
        raise GeneratorError(
            Diagnostic(
                "error",
                "`pagination:` must be a mapping of \"METHOD /path\" to false or to field names",
                file=NAMES_FILE,
                hint='e.g. pagination: {"GET /files": {style: cursor, param: after, items: data}}',
            )
        )
    out: dict[str, Mapping[str, Any] | None] = {}
    for key, value in overrides.items():
        key = str(key)
        if key not in operation_keys:
            if report is not None:
                report.warn(
                    f"pagination override for {key!r}: no such operation in the spec (ignored)",
                    file=NAMES_FILE,
                    hint='use "METHOD /path" exactly as in the spec, e.g. "GET /files"',
                )
            continue
        if value is False or value is None:
            out[key] = None
            continue
        if not isinstance(value, Mapping):
            raise _error(key, f"expected false or a mapping, got {type(value).__name__}", "write false to turn paging off")
        unknown = sorted(str(k) for k in value if k not in OVERRIDE_KEYS)
        if unknown:
            raise _error(key, f"unknown key(s) {unknown}", f"allowed: {sorted(OVERRIDE_KEYS)}")
        if value.get("style") not in (None, "cursor", "page"):
            raise _error(key, f"style {value.get('style')!r}", "style is cursor or page")
        for name in OVERRIDE_KEYS - {"first_page"}:
            if name in value and not isinstance(value[name], str):
                raise _error(key, f"{name} must be a field or parameter name (a string)", f"quote it: {name}: \"...\"")
        if "first_page" in value and (not isinstance(value["first_page"], int) or isinstance(value["first_page"], bool)):
            raise _error(key, "first_page must be an integer", "first_page: 0 or first_page: 1")
        out[key] = value
    return out


def detect(
    builder: Any,
    raw: Any,
    query_params: tuple[Parameter, ...],
    override: Mapping[str, Any] | None | bool = True,
) -> Pagination | None:
    """The operation's Pagination, or None. `override`: True when names.yaml says nothing about it.

    `builder` is the OperationBuilder (its `index` reads the spec, `hint` types); `raw` the RawOperation.
    """
    if override is None:
        return None
    forced: Mapping[str, Any] = override if isinstance(override, Mapping) else {}
    if raw.method != "get" and not forced:
        return None
    props = _response_object(builder, raw)
    if props is None:
        if forced:
            raise _error(raw.key, "its 2xx response is not a JSON object", "remove the override (it cannot page)")
        return None
    schemas = {name: builder.index.deref(prop, pptr) for name, (prop, pptr) in props.items()}
    params = {p.wire_name: p for p in query_params}

    def prop_type(name: str) -> str | None:
        node = schemas.get(name, (None, ""))[0]
        return node.get("type") if isinstance(node, dict) else None

    arrays = [name for name in props if prop_type(name) == "array"]
    items = _items_field(raw.key, forced, arrays)
    if items is None:
        return None

    def field_or_none(key: str, default: str | None) -> str | None:
        name = forced.get(key, default)
        if name is not None and name not in props:
            raise _error(raw.key, f"{key} {name!r} is not a field of the response (fields: {sorted(props)})", f"fix `{key}:`")
        return name

    cursor_param = next((p for p in CURSOR_PARAMS if p in params), None)
    page_param = next((p for p in PAGE_PARAMS if p in params and params[p].type == tr.INT), None)
    has_more_auto = "has_more" if prop_type("has_more") == "boolean" else None
    total_auto = "total" if prop_type("total") == "integer" else None
    style = _style(raw.key, forced, cursor_param, page_param, has_more_auto, total_auto)
    if style is None and not forced and items == "data" and "object" in props:
        style = "single"  # an OpenAI-style list object that does not page: one page, iterable
    if style is None:
        return None
    if style == "single":
        return Pagination("single", items, _item_hint(builder, schemas[items]), "", "")
    param = forced.get("param") or (cursor_param if style == "cursor" else page_param)
    if param is None or param not in params:
        raise _error(
            raw.key,
            (f"query parameter {param!r} is not declared" if param else "no query parameter selects the page")
            + f" (query parameters: {sorted(params)})",
            "name the query parameter that selects the page with `param:`",
        )
    item_node, item_ptr = _array_items(*schemas[items])
    item_hint = _item_hint(builder, schemas[items])
    has_more = field_or_none("has_more", has_more_auto)
    if style == "cursor":
        cursor = field_or_none("cursor", "last_id" if "last_id" in props else None)
        item_id = forced.get("item_id")
        if item_id is None:  # also with a cursor field: the fallback when a page omits it (null)
            item_id = "id" if _items_have_id(builder.index, item_node, item_ptr) else None
        if cursor is None and item_id is None:
            if forced:
                raise _error(raw.key, "no cursor: the response has no `last_id` and its items no `id`", "name one with `cursor:` or `item_id:`")
            return None
        return Pagination("cursor", items, item_hint, param, params[param].py_name, has_more, cursor, item_id)
    total = field_or_none("total", total_auto)
    if has_more is None and total is None and not forced:
        return None
    first = forced.get("first_page")
    if first is None:
        first = _first_page(builder, params[param])
    return Pagination("page", items, item_hint, param, params[param].py_name, has_more, None, None, total, first)


def _items_field(key: str, forced: Mapping[str, Any], arrays: list[str]) -> str | None:
    """The list field: the override's `items`, else `data` or the only array field; None: no list."""
    items = forced.get("items") or ("data" if "data" in arrays else arrays[0] if len(arrays) == 1 else None)
    if items is None or items not in arrays:
        if forced:
            raise _error(
                key,
                f"items {items!r} is not an array field of the response (arrays: {arrays})",
                "name the list field with `items:`",
            )
        return None
    return items


def _style(
    key: str, forced: Mapping[str, Any], cursor: str | None, page: str | None, has_more: str | None, total: str | None
) -> str | None:
    """"cursor" or "page", as the override says or the spec shows; None: the operation does not page."""
    if forced.get("style") is not None:
        return str(forced["style"])
    if cursor and has_more:
        return "cursor"
    if page and (total or has_more):
        return "page"
    if forced:
        raise _error(key, "no style could be detected", "give `style: cursor` or `style: page` and `param:`")
    return None


def _first_page(builder: Any, param: Parameter) -> int:
    """The page a server answers without the parameter: its default, else its minimum, else 0."""
    try:
        node = builder.index.resolve(param.pointer, param.pointer)
    except GeneratorError:
        return 0
    schema = builder.index.target(node.get("schema")) if isinstance(node, dict) else None
    if not isinstance(schema, dict):
        return 0
    for value in (schema.get("default"), schema.get("minimum")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0


def _item_hint(builder: Any, array: tuple[Any, str]) -> Any:
    item_node, item_ptr = _array_items(*array)
    return builder.hint(item_node, item_ptr) if isinstance(item_node, dict) else tr.ANY


def _items_have_id(index: Any, node: Any, ptr: str) -> bool:
    """Whether every item has an `id`: an object with one, or a union whose members all have one."""
    if not isinstance(node, dict):
        return False
    shape = index.object_shape(node, ptr)
    if shape is not None:
        return "id" in shape[0]
    schema, sptr = index.deref(node, ptr)
    found = union_members(schema)
    if found is None:
        return False
    keyword, members = found
    return all(_items_have_id(index, m, jp.child(sptr, keyword, str(i))) for i, m in enumerate(members))


def _array_items(node: Any, ptr: str) -> tuple[Any, str]:
    items = node.get("items") if isinstance(node, dict) else None
    if items is None:
        return None, ""
    return items, jp.child(ptr, "items")


def _response_object(builder: Any, raw: Any) -> dict[str, tuple[dict, str]] | None:
    """Properties of the first 2xx application/json response, when it is an object."""
    responses = raw.op.get("responses") or {}
    for status in sorted(responses, key=str):
        if not str(status).startswith("2"):
            continue
        resp, rptr = builder.index.deref(responses[status], jp.child(raw.pointer, "responses", str(status)))
        content = resp.get("content") if isinstance(resp, dict) else None
        media = content.get("application/json") if isinstance(content, dict) else None
        if not isinstance(media, dict) or not isinstance(media.get("schema"), dict):
            return None
        sptr = jp.child(rptr, "content", "application/json", "schema")
        found = builder.index.object_shape(media["schema"], sptr)
        return found[0] if found is not None else None
    return None
