"""Security schemes -> constructor arguments (lower.api.build_security)."""

from __future__ import annotations

import pytest

from portkey_codegen.lower.api import build_security
from portkey_codegen.lower.operations import NamingRules
from portkey_codegen.diagnostics import GeneratorError, Report


def _schemes(schemes: dict, rules: NamingRules | None = None, report: Report | None = None):
    doc = {"components": {"securitySchemes": schemes}}
    return build_security(doc, rules or NamingRules(), "APP", report)


def test_oauth2_and_openid_connect_take_a_bearer_access_token():
    oauth = _schemes({"oauth": {"type": "oauth2", "flows": {}}})["oauth"]
    assert (oauth.py_name, oauth.kind, oauth.wire_name) == ("access_token", "bearer", "Authorization")
    oidc = _schemes({"oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://x.test/.well-known"}})["oidc"]
    assert (oidc.py_name, oidc.kind) == ("access_token", "bearer")


def test_schemes_sharing_a_derived_name_are_named_after_their_keys():
    found = _schemes({"basicAuth": {"type": "http", "scheme": "basic"}, "bearerAuth": {"type": "http", "scheme": "bearer"}})
    assert [(s.py_name, s.kind) for s in found.values()] == [("basic_auth", "basic"), ("bearer_auth", "bearer")]
    # a header API key keeps its environment variable under the new name
    keys = _schemes({"KeyA": {"type": "apiKey", "in": "header", "name": "X-Key"}, "KeyB": {"type": "apiKey", "in": "query", "name": "x-key"}})
    assert [(s.py_name, s.env_var) for s in keys.values()] == [("key_a", "APP_KEY_A"), ("key_b", None)]


def test_an_override_wins_and_two_overrides_with_one_name_are_refused():
    rules = NamingRules(security={"bearerAuth": "authorization"})
    found = _schemes({"basicAuth": {"type": "http", "scheme": "basic"}, "bearerAuth": {"type": "http", "scheme": "bearer"}}, rules)
    assert {k: s.py_name for k, s in found.items()} == {"basicAuth": "basic_auth", "bearerAuth": "authorization"}
    rules = NamingRules(security={"a": "token", "b": "token"})
    with pytest.raises(GeneratorError, match="both become constructor argument 'token'"):
        _schemes({"a": {"type": "http", "scheme": "bearer"}, "b": {"type": "apiKey", "in": "header", "name": "t"}}, rules)


def test_unsupported_scheme_is_warned_once_with_a_hint():
    report = Report()
    found = _schemes({"mtls": {"type": "mutualTLS"}}, report=report)
    assert found == {}
    (warning,) = report.items
    assert warning.pointer == "#/components/securitySchemes/mtls" and "mutualTLS" in warning.message and warning.hint
