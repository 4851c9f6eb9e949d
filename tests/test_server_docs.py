"""The /docs explorer's try-it script, run under Node.js against a stand-in DOM (issue 23 item 7).

The page is the one the generated server serves (CONTRACT_SPEC, mounted under /v1); its inline
script is run with `document` and `fetch` replaced by recorders, each form submitted once, and the
requests it would send are compared with what the server expects.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from test_server_contract import client, server  # noqa: F401  (server is a fixture)

HARNESS = r"""
const fs = require('fs');
const [script, data] = [fs.readFileSync(process.argv[2], 'utf8'), JSON.parse(fs.readFileSync(process.argv[3], 'utf8'))];
function element(dataset, value) {
  return {dataset, value: value || '', listeners: {}, textContent: '',
          addEventListener(type, f) { this.listeners[type] = f; }};
}
const credentialInputs = data.credentials.map(c => element({in: c.in, name: c.name}, c.value));
const formElements = data.forms.map(f => {
  const inputs = f.inputs.map(i => element({in: i.in, name: i.name}, i.value));
  const form = element({method: f.method, path: f.path});
  form.querySelectorAll = () => inputs;
  form.nextElementSibling = element({});
  return form;
});
global.document = {
  querySelectorAll: (selector) => selector === 'input.credential' ? credentialInputs : selector === 'form.try' ? formElements : [],
  getElementById: () => element({}),
};
const sent = [];
global.fetch = async (url, init) => {
  sent.push({url, method: init.method, headers: init.headers, body: init.body === undefined ? null : init.body});
  return {status: 200, statusText: 'OK', text: async () => '{"ok": true}'};
};
eval(script);
formElements.forEach(form => form.listeners.submit({preventDefault() {}}));
setTimeout(() => { console.log(JSON.stringify({sent, shown: formElements.map(f => f.nextElementSibling.textContent)})); }, 100);
"""

VALUES = {"labelId": "a/b", "search": "abc", "page": ""}


def test_try_it_sends_what_the_operation_takes(server, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed (as for the client's end-to-end tests): install nodejs")
    page = client(server[0], mock=True, prefix="/v1").get("/v1/docs").text
    forms = []
    for method, path, inner in re.findall(r"<form class='try' data-method='(\w+)' data-path='([^']+)'>(.*?)</form>", page):
        fields = re.findall(r"data-in='(\w+)'(?: data-name='([^']+)')?[^>]*>([^<]*)", inner)
        inputs = [{"in": where, "name": name, "value": VALUES.get(name, text)} for where, name, text in fields]
        forms.append({"method": method, "path": path, "inputs": inputs})
    chosen = [f for f in forms if (f["method"], f["path"]) in {("GET", "/v1/labels/{labelId}"), ("GET", "/v1/labels"), ("POST", "/v1/labels")}]
    creds = [{"in": w, "name": n, "value": "secret"} for w, n in re.findall(r"class='credential' data-in='(\w+)' data-name='([^']+)'", page)]
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    (tmp_path / "page.js").write_text(script, "utf-8")
    (tmp_path / "data.json").write_text(json.dumps({"forms": chosen, "credentials": creds}), "utf-8")
    (tmp_path / "harness.js").write_text(HARNESS, "utf-8")
    run = subprocess.run([node, "harness.js", "page.js", "data.json"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    sent = {(s["method"], s["url"]): s for s in result["sent"]}
    assert set(sent) == {("GET", "/v1/labels/a%2Fb"), ("GET", "/v1/labels?search=abc"), ("POST", "/v1/labels")}
    assert all(s["headers"].get("x-api-key") == "secret" for s in sent.values())  # the credential
    assert sent[("GET", "/v1/labels/a%2Fb")]["headers"].get("Authorization") == "Bearer secret"
    posted = sent[("POST", "/v1/labels")]
    assert posted["headers"]["Content-Type"] == "application/json" and json.loads(posted["body"]) == {}
    assert all(shown.startswith("200 OK") for shown in result["shown"])
