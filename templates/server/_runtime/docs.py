"""The /docs page: every operation of the served spec, readable offline."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import Response


def install_docs(app: FastAPI, url: str) -> None:
    """`url` answers an HTML page listing every operation of app.openapi(): no script, no
    stylesheet from elsewhere, so it works offline (Swagger UI would load its assets from a CDN).
    """
    from html import escape

    from starlette.responses import HTMLResponse

    async def docs(request: Request) -> Response:
        spec = app.openapi()
        info = spec.get("info") or {}
        rows = []
        for path, item in (spec.get("paths") or {}).items():
            for method, op in item.items():
                if not isinstance(op, dict) or method not in _HTTP_METHODS:
                    continue
                rows.append(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>".format(
                        escape(method.upper()),
                        escape(path),
                        escape(str(op.get("operationId") or "")),
                        escape(str(op.get("summary") or "")),
                    )
                )
        openapi_url = escape(app.openapi_url or "")
        page = (
            "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            "<h1>{title} {version}</h1><p>{description}</p><p>The contract: <a href='{url}'>{url}</a></p>"
            "<table><tr><th>method</th><th>path</th><th>operationId</th><th>summary</th></tr>{rows}</table>"
            "</body></html>"
        ).format(
            title=escape(str(info.get("title") or "")),
            version=escape(str(info.get("version") or "")),
            description=escape(str(info.get("description") or "")),
            url=openapi_url,
            rows="".join(rows),
        )
        return HTMLResponse(page)

    app.add_route(url, docs, include_in_schema=False)


_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
