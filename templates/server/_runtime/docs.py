"""The /docs page: an API explorer of the served spec that works offline.

Every operation is listed with its full path (the mount prefix included) and a try-it form: its
parameters, a JSON body prefilled from the spec's example, the credentials of the security
schemes at the top of the page. The page is built here, on the server, and carries its one small
script and stylesheet inline: nothing is loaded from elsewhere (Swagger UI would fetch its
assets from a CDN), so it works on a machine without internet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse, Response

from .schema import resolve

_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def install_docs(app: FastAPI, url: str) -> None:
    """`url` (and the same under the app's mount prefix) answers the explorer of app.openapi()."""
    page: list[str] = []

    async def docs(request: Request) -> Response:
        if not page:
            page.append(explorer_page(app.openapi(), app.openapi_url or ""))
        return HTMLResponse(page[0])

    app.add_route(url, docs, include_in_schema=False)
    prefix = next(
        (d.prefix for d in getattr(app.state, "route_docs", ()) if d.prefix), ""
    )
    if prefix:
        app.add_route(prefix + url, docs, include_in_schema=False)


def explorer_page(spec: Mapping[str, Any], openapi_url: str) -> str:
    info = spec.get("info") or {}
    servers = spec.get("servers") or [{}]
    base = str(servers[0].get("url") or "").rstrip("/")  # this server: the mount prefix
    operations = "".join(
        _operation(spec, base, path, method, op)
        for path, item in (spec.get("paths") or {}).items()
        for method, op in item.items()
        if method in _HTTP_METHODS and isinstance(op, Mapping)
    )
    return _PAGE.format(
        title=escape(str(info.get("title") or "")),
        version=escape(str(info.get("version") or "")),
        description=escape(str(info.get("description") or "")),
        url=escape(openapi_url),
        credentials=_credentials(spec),
        operations=operations,
        style=_STYLE,
        script=_SCRIPT,
    )


def _credentials(spec: Mapping[str, Any]) -> str:
    """One input per security scheme, named as it travels (a header, query or cookie)."""
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    fields = []
    for name, scheme in schemes.items():
        scheme = resolve(spec, scheme)
        if not isinstance(scheme, Mapping):
            continue
        if scheme.get("type") == "apiKey":
            where = str(scheme.get("in") or "header")
            wire = str(scheme.get("name") or name)
        elif scheme.get("type") == "http":
            where, wire = "bearer", "Authorization"
        else:
            continue
        fields.append(
            f"<label>{escape(str(name))} <small>({escape(where)} {escape(wire)})</small>"
            f"<input class='credential' data-in='{escape(where)}' data-name='{escape(wire)}'"
            f" type='password' autocomplete='off'></label>"
        )
    return "".join(fields)


def _operation(
    spec: Mapping[str, Any], base: str, path: str, method: str, op: Mapping[str, Any]
) -> str:
    inputs = []
    for param in op.get("parameters") or ():
        param = resolve(spec, param)
        if not isinstance(param, Mapping) or "name" not in param:
            continue
        where, name = str(param.get("in")), str(param["name"])
        need = " required" if param.get("required") is True or where == "path" else ""
        inputs.append(
            f"<label>{escape(name)} <small>({escape(where)})</small><input data-in="
            f"'{escape(where)}' data-name='{escape(name)}'{need}></label>"
        )
    body = _example_body(spec, op)
    if body is not None:
        inputs.append(
            f"<label>body <small>(application/json)</small><textarea data-in='body'"
            f" rows='8'>{escape(body)}</textarea></label>"
        )
    return (
        f"<details class='op'><summary><b class='{escape(method)}'>{escape(method.upper())}</b>"
        f" <code>{escape(base + path)}</code> {escape(str(op.get('summary') or ''))}"
        f" <small>{escape(str(op.get('operationId') or ''))}</small></summary>"
        f"<p>{escape(str(op.get('description') or ''))}</p>"
        f"<form class='try' data-method='{escape(method.upper())}' data-path="
        f"'{escape(base + path)}'>{''.join(inputs)}<button>Send</button></form>"
        f"<pre class='answer'></pre></details>"
    )


def _example_body(spec: Mapping[str, Any], op: Mapping[str, Any]) -> str | None:
    """The JSON request body's example (the media type's, else its schema's), or "{}"; None when
    the operation takes no JSON body."""
    body = resolve(spec, op.get("requestBody"))
    content = body.get("content") if isinstance(body, Mapping) else None
    media = content.get("application/json") if isinstance(content, Mapping) else None
    if not isinstance(media, Mapping):
        return None
    examples = [resolve(spec, e) for e in (media.get("examples") or {}).values()]
    schema = resolve(spec, media.get("schema"))
    for found in (
        media.get("example"),
        *(e.get("value") for e in examples if isinstance(e, Mapping)),
        schema.get("example") if isinstance(schema, Mapping) else None,
    ):
        if found is not None:
            return json.dumps(found, indent=2)
    return "{}"


_STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em}
.op{border:1px solid #ccc;border-radius:4px;margin:.3em 0;padding:.3em .6em}
summary{cursor:pointer} code{font-size:95%} small{color:#666}
b.get{color:#0a6} b.post{color:#06c} b.put,b.patch{color:#a60} b.delete{color:#c22}
label{display:block;margin:.3em 0} input,textarea{display:block;width:100%;font:13px monospace}
pre.answer{background:#f6f6f6;max-height:30em;overflow:auto;white-space:pre-wrap}
#credentials{background:#f6f6f6;padding:.5em 1em}
"""

# Sends a try-it form: path parameters into the path, query parameters into the query string,
# headers and the credentials above as headers (cookies cannot be set by a page), the body as JSON.
_SCRIPT = """
function credentials(headers, query) {
  for (const input of document.querySelectorAll('input.credential')) {
    if (!input.value) continue;
    const where = input.dataset.in, name = input.dataset.name;
    if (where === 'bearer') headers['Authorization'] = 'Bearer ' + input.value;
    else if (where === 'query') query.append(name, input.value);
    else if (where === 'header') headers[name] = input.value;
  }
}
async function send(form) {
  let path = form.dataset.path;
  const query = new URLSearchParams(), headers = {};
  let body;
  credentials(headers, query);
  for (const input of form.querySelectorAll('[data-in]')) {
    const value = input.value, name = input.dataset.name;
    if (input.dataset.in === 'body') { body = value; headers['Content-Type'] = 'application/json'; }
    else if (value === '') continue;
    else if (input.dataset.in === 'path') path = path.replace('{' + name + '}', encodeURIComponent(value));
    else if (input.dataset.in === 'query') query.append(name, value);
    else if (input.dataset.in === 'header') headers[name] = value;
  }
  const answer = form.nextElementSibling;
  answer.textContent = '...';
  try {
    const url = path + (query.toString() ? '?' + query : '');
    const response = await fetch(url, {method: form.dataset.method, headers, body});
    const text = await response.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
    answer.textContent = response.status + ' ' + response.statusText + '\\n\\n' + shown;
  } catch (error) {
    answer.textContent = String(error);
  }
}
for (const form of document.querySelectorAll('form.try')) {
  form.addEventListener('submit', (event) => { event.preventDefault(); send(form); });
}
document.getElementById('filter').addEventListener('input', (event) => {
  const words = event.target.value.toLowerCase();
  for (const op of document.querySelectorAll('details.op'))
    op.hidden = !op.querySelector('summary').textContent.toLowerCase().includes(words);
});
"""

_PAGE = """<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>
<style>{style}</style></head><body>
<h1>{title} <small>{version}</small></h1><p>{description}</p>
<p>The contract: <a href='{url}'>{url}</a></p>
<div id='credentials'><b>Credentials</b>{credentials}</div>
<p><input id='filter' placeholder='filter operations'></p>
{operations}
<script>{script}</script>
</body></html>"""
