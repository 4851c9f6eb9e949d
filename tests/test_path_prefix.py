"""A version or API-root prefix every path shares (`/v1/customers`, `/v1/charges`) is not a resource:
method names start after it (client.customers..., not client.v1.customers...), under both naming
rules, while requests still go to /v1/... (generator/lower/path_prefix.py). Config `path-prefix`
(or `path_prefix:` in the names file) turns it off or names the prefix."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import httpx
import pytest
from portkey_codegen import Config, GeneratorError, render_tree
from portkey_codegen.config import load_config
from portkey_codegen.lower.path_prefix import detect
from portkey_codegen.output import write_tree

OK = "{'200': {description: ok, content: {application/json: {schema: {type: object}}}}}"


def _spec(paths: dict[str, dict[str, str]]) -> str:
    """A spec whose `paths` map to {method: operationId or ""}."""
    lines = ["openapi: 3.0.3", "info: {title: shop, version: '1'}", "servers: [{url: 'https://api.example.com'}]", "paths:"]
    for path, methods in paths.items():
        lines.append(f"  {path}:")
        params = [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]
        if params:
            lines.append(
                "    parameters: ["
                + ", ".join(f"{{name: {p}, in: path, required: true, schema: {{type: string}}}}" for p in params)
                + "]"
            )
        for method, op_id in methods.items():
            ident = f"operationId: {op_id}, " if op_id else ""
            lines.append(f"    {method}: {{{ident}responses: {OK}}}")
    return "\n".join(lines) + "\n"


SHOP = {
    "/v1/customers": {"get": "listCustomers", "post": "createCustomer"},
    "/v1/customers/{customer}": {"get": "getCustomer", "delete": "deleteCustomer"},
    "/v1/charges": {"get": "listCharges"},
}


def _render(tmp_path: Path, paths: dict[str, dict[str, str]] = SHOP, **config: object):
    spec = tmp_path / "shop.yaml"
    spec.write_text(_spec(paths))
    return render_tree(Config(spec=spec, out=tmp_path / "out", no_cache=True, **config))  # type: ignore[arg-type]


def _names(result) -> dict[str, str]:
    return {op.key: f"{'.'.join(op.resource)}.{op.method_name}" for op in result.api.operations}


def _prefix_warnings(result) -> list[str]:
    return [d.message for d in result.diagnostics if "a version or API prefix" in d.message]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["/v1/customers", "/v1/charges/{id}"], "/v1"),
        (["/v2/droplets", "/v2/droplets/{id}/actions"], "/v2"),
        (["/v1beta/models", "/v1beta/models/{m}:generate"], "/v1beta"),
        (["/api/v3/repos", "/api/v3/users/{u}"], "/api/v3"),
        (["/rest/api/2/issue", "/rest/api/2/project"], "/rest/api/2"),
        (["/api/users", "/api/v1/legacy"], "/api"),  # the shared run ends where the paths part
        (["/v1/customers", "/health"], None),  # one path lacks it
        (["/{tenant}/v1/a", "/{tenant}/v1/b"], None),  # templated first segment
        (["/v1/customers", "/v1/{id}"], None),  # /v1/{id} would keep no literal segment
        (["/v1", "/v1/customers"], None),  # /v1 itself would be left empty
        (["/customers/a", "/customers/b"], None),  # not a version or API root
        (["/2/tweets", "/2/users"], None),  # a bare number counts only after api/rest
        (["/v1x/a", "/v1x/b"], None),
        ([], None),
    ],
)
def test_detect(paths: list[str], expected: str | None) -> None:
    assert detect(paths) == expected


def test_names_skip_a_shared_v1_under_both_rules(tmp_path: Path) -> None:
    result = _render(tmp_path)
    assert _names(result) == {
        "GET /v1/customers": "customers.list_customers",
        "POST /v1/customers": "customers.create_customer",
        "GET /v1/customers/{customer}": "customers.get_customer",
        "DELETE /v1/customers/{customer}": "customers.delete_customer",
        "GET /v1/charges": "charges.list_charges",
    }
    (warning,) = _prefix_warnings(result)
    assert warning.startswith("every path starts with /v1, a version or API prefix: names skip it")
    assert "GET /v1/customers → client.customers.list_customers()" in warning
    path_names = _names(_render(tmp_path, naming="path"))
    assert path_names["GET /v1/customers"] == "customers.list"
    assert path_names["GET /v1/customers/{customer}"] == "customers.retrieve"
    assert path_names["GET /v1/charges"] == "charges.list"


def test_the_prefix_stays_when_a_path_lacks_it_or_starts_templated(tmp_path: Path) -> None:
    result = _render(tmp_path, {**SHOP, "/health": {"get": "health"}})
    assert _names(result)["GET /v1/charges"] == "v1.list_charges"
    assert _names(result)["GET /health"] == "health.health"
    assert not _prefix_warnings(result)
    templated = {"/{account}/v1/charges": {"get": "listCharges"}, "/{account}/v1/refunds": {"get": "listRefunds"}}
    assert _names(_render(tmp_path, templated, naming="path")) == {
        "GET /{account}/v1/charges": "v1.charges.list",
        "GET /{account}/v1/refunds": "v1.refunds.list",
    }


def test_the_prefix_stays_when_names_without_it_would_clash(tmp_path: Path) -> None:
    # /v1/close would be client.close, the client's own method
    result = _render(tmp_path, {**SHOP, "/v1/close": {"post": "closeAccount"}})
    assert _names(result)["POST /v1/close"] == "v1.close_account"
    assert _names(result)["GET /v1/customers"] == "v1.list_customers"
    (warning,) = _prefix_warnings(result)
    assert "names without it would clash or hide a client attribute: names keep it" in warning
    # An override naming /v1/ping `customers.list`: GET /v1/customers (no operationId) would get it too
    names = tmp_path / "names.yaml"
    names.write_text('operations:\n  "GET /v1/ping": customers.list\n')
    paths = {"/v1/customers": {"get": ""}, "/v1/ping": {"get": "ping"}}
    clash = _render(tmp_path, paths, names=names, naming="path")
    assert _names(clash) == {"GET /v1/customers": "v1.customers.list", "GET /v1/ping": "customers.list"}
    assert _prefix_warnings(clash)


def test_config_turns_it_off_or_names_the_prefix(tmp_path: Path) -> None:
    off = _render(tmp_path, path_prefix=False)
    assert _names(off)["GET /v1/customers"] == "v1.list_customers"
    assert not _prefix_warnings(off)
    names = tmp_path / "names.yaml"
    names.write_text("path_prefix: false\n")
    assert _names(_render(tmp_path, names=names))["GET /v1/customers"] == "v1.list_customers"
    # The config key wins over the names file.
    assert _names(_render(tmp_path, names=names, path_prefix="auto"))["GET /v1/customers"] == "customers.list_customers"
    # Explicit: stripped from the paths that start with it, even where "auto" would not strip.
    mixed = {**SHOP, "/health": {"get": "health"}}
    explicit = _render(tmp_path, mixed, path_prefix="/v1")
    assert _names(explicit)["GET /v1/charges"] == "charges.list_charges"
    assert _names(explicit)["GET /health"] == "health.health"
    assert not _prefix_warnings(explicit)  # asked for: nothing to say
    internal = {"/internal/users": {"get": "listUsers"}}
    names.write_text("path_prefix: /internal\n")
    assert _names(_render(tmp_path, internal, names=names)) == {"GET /internal/users": "users.list_users"}


def test_bad_settings_are_errors(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError) as exc:
        _render(tmp_path, path_prefix="/v2")
    assert "path prefix '/v2' starts no operation's path" in exc.value.diagnostics[0].message
    names = tmp_path / "names.yaml"
    names.write_text("actions: [cancel]\npath_prefix: v1\n")
    with pytest.raises(GeneratorError) as exc:
        _render(tmp_path, names=names)
    (d,) = exc.value.diagnostics
    assert "invalid path prefix 'v1'" in d.message and (d.file, d.line) == (str(names), 2)
    assert '"/v1"' in (d.hint or "")
    pyproject = tmp_path / "pyproject.toml"
    for bad in ("true", '"/v1/{version}"', '"/"'):
        pyproject.write_text(f"[tool.portkey-codegen]\npath-prefix = {bad}\n")
        with pytest.raises(GeneratorError) as exc:
            load_config(pyproject)
        assert "invalid path prefix" in exc.value.diagnostics[0].message
        assert str(pyproject) in exc.value.diagnostics[0].message
    pyproject.write_text('[tool.portkey-codegen]\npath-prefix = "/v1"\n')
    assert load_config(pyproject).path_prefix == "/v1"


def test_requests_still_go_to_the_prefixed_path(tmp_path: Path) -> None:
    result = _render(tmp_path, package_name="prefix_shop")
    write_tree(tmp_path / "out", result.files)
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        module = importlib.import_module("prefix_shop.client")
    finally:
        sys.path.remove(str(tmp_path / "out"))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = getattr(module, result.api.client_name)(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    client.customers.get_customer("cus_1")
    client.charges.list_charges()
    assert [(r.method, str(r.url)) for r in seen] == [
        ("GET", "https://api.example.com/v1/customers/cus_1"),
        ("GET", "https://api.example.com/v1/charges"),
    ]
