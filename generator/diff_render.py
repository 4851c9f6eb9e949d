"""`portkey-codegen diff` output: the changes as text, Markdown or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .diff_view import LIST_LIMIT, _code, _plural

if TYPE_CHECKING:  # diff.py imports this module: the types are for annotations only
    from .diff import Change, DiffResult


def render(result: DiffResult, fmt: str) -> str:
    return {"text": render_text, "markdown": render_markdown, "json": render_json}[fmt](result)


def render_json(result: DiffResult) -> str:
    data = {
        "old": {"title": result.old_info[0], "version": result.old_info[1]},
        "new": {"title": result.new_info[0], "version": result.new_info[1]},
        "summary": result.summary(),
        "changes": [c.to_json() for c in result.changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _tag(change: Change) -> str:
    if change.breaking_client and change.breaking_server:
        return "BREAKING client+server"
    if change.breaking_client:
        return "BREAKING client"
    if change.breaking_server:
        return "BREAKING server"
    return "notable" if change.notable else ""


def _ops_text(ops: tuple[str, ...]) -> str:
    text = ", ".join(_code(o) for o in ops[:LIST_LIMIT])
    return text + (f" and {len(ops) - LIST_LIMIT} more" if len(ops) > LIST_LIMIT else "")


def _title(result: DiffResult) -> str:
    (t0, v0), (t1, v1) = result.old_info, result.new_info
    if t0 == t1:
        return f"{t0 or 'API'} {v0} → {v1}"
    return f"{t0} {v0} → {t1} {v1}"


def _show_ops(change: Change) -> bool:
    # a message names a single operation already; list them when there are several
    return len(change.operations) > 1


def render_text(result: DiffResult) -> str:
    s = result.summary()
    lines = [
        f"API diff: {_title(result)}",
        (
            f"{_plural(s['changes'], 'change')}: {s['breaking_client']} breaking for client users, "
            f"{s['breaking_server']} breaking for server implementers, {s['notable']} notable"
        ),
    ]
    if not result.changes:
        lines.append("no API-level changes")
    width = max((len(_tag(c)) for c in result.changes), default=0)
    for change in result.changes:
        lines.append(f"  {_tag(change):<{width}}  {change.message}")
        lines.append(f"  {'':<{width}}    at {change.location} ({change.spec} spec)")
        if change.operations and _show_ops(change):
            lines.append(f"  {'':<{width}}    operations: {_ops_text(change.operations)}")
    return "\n".join(lines) + "\n"


_CATEGORIES = (
    ("Servers", ("server",)),
    ("Security", ("security", "security-scheme")),
    ("Operations", ("operation",)),
    ("Parameters", ("parameter",)),
    ("Request bodies", ("request-body",)),
    ("Responses", ("response",)),
    ("Component schemas", ("schema",)),
)


def render_markdown(result: DiffResult) -> str:
    s = result.summary()
    out = [f"## API diff: {_title(result)}", ""]
    if not result.changes:
        return "\n".join(out + ["No API-level changes.", ""])
    out += [
        (
            f"**{s['breaking_client']}** breaking for client users · **{s['breaking_server']}** breaking for "
            f"server implementers · {s['notable']} notable · {s['changes']} changes in all"
        ),
        "",
        "| Area | Changes | Breaking for clients | Breaking for servers | Notable |",
        "|---|---:|---:|---:|---:|",
    ]
    for title, prefixes in _CATEGORIES:
        items = [c for c in result.changes if c.kind.split(".", 1)[0] in prefixes]
        if items:
            out.append(
                f"| {title} | {len(items)} | {sum(c.breaking_client for c in items)} | "
                f"{sum(c.breaking_server for c in items)} | {sum(c.notable for c in items)} |"
            )
    out.append(f"| **Total** | **{s['changes']}** | **{s['breaking_client']}** | **{s['breaking_server']}** | "
               f"**{s['notable']}** |")

    def section(title: str, items: list[Change], note: str) -> None:
        if not items:
            return
        out.extend(["", f"### {title} ({len(items)})", "", f"_{note}_", ""])
        for change in items:
            line = f"- {change.message}"
            if change.operations and _show_ops(change):
                line += f"<br>operations: {_ops_text(change.operations)}"
            out.append(line)

    section("Breaking for client users", result.breaking_client,
            "code calling the API as the old spec describes it may fail")
    section("Breaking for server implementers", result.breaking_server,
            "a server implementing the old spec no longer satisfies the new one")
    section("Notable", [c for c in result.changes if c.notable], "not breaking, but worth a look")
    section("Other changes", [c for c in result.changes if not c.breaking and not c.notable], "compatible")
    return "\n".join(out) + "\n"
