"""No spec name can shadow a name the templates use (generator/naming.py scopes).

The probe is derived from the templates themselves: a neutral spec (argument and resource names
no template uses) is rendered, and every name each generated function uses (its own parameters
and locals, and what its body reads: builtins, imports, closures) is collected with `ast`. A
probe spec then names its parameters, body fields and resources after exactly those names; in its
rendering no spec-made parameter of a function may equal a name the template itself uses there,
and no class a resource makes may take a module-level name of its module. A local added to a
template joins the probe without editing this test.
"""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import pytest

from portkey_codegen import Config, render_tree
from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.lower.api import build_security
from portkey_codegen.lower.operations import NamingRules
from portkey_codegen.naming import (
    APP_SCOPE,
    CLIENT_CLASS_SCOPE,
    CONSTRUCTOR_SCOPE,
    METHOD_SCOPE,
    MODULE_RESERVED,
    class_name,
    snake_name,
)

NEUTRAL = [f"zzq{i}" for i in range(80)]


def _template_made(names: set[str]) -> set[str]:
    """Names not made from a neutral spec name (`zzq1`, `zzq1_header`...)."""
    return {n for n in names if not n.startswith("zzq")}
# Files not rendered from a template (their locals live in their own functions): the pagination
# module, dcg's models, the package root's static modules (templates/package/*.py), and every
# module of the _runtime/ folders (see below).
_PACKAGE_STATIC = tuple(p.name for p in (Path(__file__).parents[1] / "templates" / "package").glob("*.py"))
STATIC = ("_pagination.py", "models.py", *_PACKAGE_STATIC)
FIXED = {"stream", "after", "limit", "data", "has_more", "file", "items", "things", "uploads", "blobs", "pages", "id"}
FIXED |= {"chats", "sockets", "others", "response_format", "answer"}
# names.yaml of the probe: every constructor feature (credentials of each kind read from the
# environment, a server group, header options), chat helpers and a WebSocket method. Its own
# names start with `zzq` so that they count as spec-made.
NAMES = {
    "env_prefix": "ZZQ",
    "servers": {"ZzqOtherServers": "zzqother"},
    "security": {"basic": "zzqbasic", "bearer": "zzqbearer", "key": "zzqkey", "query": "zzqquery"},
    "header_options": {"prefix": "x-zzq-", "options": {"zzqcsv": "csv", "zzqjson": "json", "zzqflag": "bool"}},
    "chat_helpers": ["POST /chats"],
    "websockets": ["GET /sockets"],
}


def _spec(args: list[str], resources: list[str]) -> dict:
    """Operations of every kind the templates lay out, each taking `args` in every location."""
    string = {"type": "string"}
    query = [{"name": n, "in": "query", "schema": string} for n in args]
    headers = [{"name": n, "in": "header", "schema": string} for n in args]
    cookies = [{"name": n, "in": "cookie", "schema": string} for n in args]
    fields = {n: string for n in args}
    mapping = {"type": "object", "additionalProperties": string}  # dict[str, str]: cast_to=cast(...)
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": mapping}}}}
    item = {"type": "object", "properties": {"id": string}}
    page = {
        "type": "object",
        "required": ["data", "has_more"],
        "properties": {"data": {"type": "array", "items": item}, "has_more": {"type": "boolean"}},
    }
    chat = {"type": "object", "properties": {**fields, "stream": {"type": "boolean"}}}
    upload = {"type": "object", "properties": {**fields, "file": {"type": "string", "format": "binary"}}}
    paths = {
        "/things": {
            "get": {"parameters": query + headers + cookies, "responses": ok},
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": chat}}},
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": string}, "text/event-stream": {"schema": string}}}
                },
            },
        },
        "/things/" + "/".join("{%s}" % n for n in args): {
            "delete": {"parameters": [{"name": n, "in": "path", "required": True, "schema": string} for n in args], "responses": {"204": {"description": "gone"}}}
        },
        "/uploads": {"post": {"requestBody": {"content": {"multipart/form-data": {"schema": upload}}}, "responses": ok}},
        "/blobs": {"post": {"parameters": query, "requestBody": {"content": {"application/octet-stream": {}}}, "responses": ok}},
        "/pages": {
            "get": {
                "parameters": query + [{"name": "after", "in": "query", "schema": string}, {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": page}}}},
            }
        },
    }
    answer = {"type": "object", "properties": {"answer": string}}
    helpers = {"type": "object", "properties": {**chat["properties"], "response_format": {"type": "object"}}}
    both = {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}, "text/event-stream": {"schema": string}}
    paths["/chats"] = {
        "post": {
            "requestBody": {"required": True, "content": {"application/json": {"schema": helpers}}},
            "responses": {"200": {"description": "ok", "content": both}},
        }
    }
    paths["/sockets"] = {"get": {"parameters": query, "responses": ok}}
    paths["/others"] = {"get": {"servers": [{"url": "https://other.test"}], "responses": ok}}
    for r in resources:
        paths[f"/{r}"] = {"get": {"operationId": f"probe_{r}", "responses": ok}}
    schemes = {
        "basic": {"type": "http", "scheme": "basic"},
        "bearer": {"type": "http", "scheme": "bearer"},
        "key": {"type": "apiKey", "in": "header", "name": "x-zzq-key"},
        "query": {"type": "apiKey", "in": "query", "name": "zzq_query"},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Probe", "version": "1"},
        "servers": [{"url": "https://probe.test"}],
        "x-server-groups": {"ZzqOtherServers": [{"url": "https://other.test"}]},
        "security": [{"key": []}],
        "paths": paths,
        "components": {"schemas": {"Answer": answer}, "securitySchemes": schemes},
    }


def _render(tmp: Path, spec: dict) -> dict[str, str]:
    path, names = tmp / "probe.json", tmp / "names.json"
    path.write_text(json.dumps(spec), "utf-8")
    names.write_text(json.dumps(NAMES), "utf-8")  # JSON is YAML
    config = Config(spec=path, out=tmp / "out", package_name="probe", root=tmp, names=names, no_cache=True)
    files = render_tree(config).files.items()
    # What the templates render (the runtimes and the models are copied or made by other means).
    return {rel: text for rel, text in files if rel.endswith(".py") and not rel.endswith(STATIC) and "/_runtime/" not in rel}


def _functions(source: str):
    """(qualified name, node, parameters, every other name it uses) per function and lambda."""
    out = []

    def visit(node: ast.AST, prefix: str) -> None:
        for i, child in enumerate(ast.iter_child_nodes(node)):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                name = f"{prefix}.{getattr(child, 'name', f'<lambda{i}>')}"
                params = {a.arg for a in ast.walk(child.args) if isinstance(a, ast.arg)}
                body = child.body if isinstance(child.body, list) else [child.body]
                used = {n.id for b in body for n in ast.walk(b) if isinstance(n, ast.Name)}
                used |= {a.arg for b in body for n in ast.walk(b) if isinstance(n, ast.arguments) for a in ast.walk(n) if isinstance(a, ast.arg)}
                # overloads repeat a name: one entry per signature
                out.append((f"{name}#{sum(1 for o in out if o[0].startswith(name + '#'))}", child, params, used))
                visit(child, name)
            else:
                visit(child, f"{prefix}.{child.name}" if isinstance(child, ast.ClassDef) else prefix)

    visit(ast.parse(source), "")
    return out


def _parameters(fn: ast.AST) -> list[str]:
    a = fn.args  # type: ignore[attr-defined]
    return [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]


class _Normalise(ast.NodeTransformer):
    """A function body with its parameters renamed, string values blanked and `builtins.x`
    read as `x` (the client qualifies a builtin a parameter shadows)."""

    def __init__(self, rename: dict[str, str]):
        self.rename = rename

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(self.rename.get(node.id, node.id))

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return ast.arg(self.rename.get(node.arg, node.arg))

    def visit_keyword(self, node: ast.keyword) -> ast.AST:  # `field=local` of a server input
        return ast.keyword(self.rename.get(node.arg, node.arg) if node.arg else None, self.visit(node.value))

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "builtins":
            return ast.Name(node.attr)
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(None)


def _body(fn: ast.AST, rename: dict[str, str]) -> str:
    body = copy.deepcopy(fn.body if isinstance(fn.body, list) else [fn.body])  # type: ignore[attr-defined]
    return ast.dump(ast.Module([_Normalise(rename).visit(b) for b in body], []))


def _module_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _producible(name: str) -> bool:
    """A name a spec name can become (snake_case, not private)."""
    return name.isidentifier() and not name.startswith("_") and snake_name(name) == name


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    found = _render(tmp_path_factory.mktemp("discover"), _spec(NEUTRAL, ["zzres"]))
    template_names: set[str] = set()
    module_names: set[str] = set()
    app_names: set[str] = set()
    for rel, text in found.items():
        for _, _, params, used in _functions(text):
            if params != _template_made(params):  # a function whose parameters the spec names
                template_names |= _template_made(params | used)
            if "zzres" in params:  # create_app: a keyword per resource
                app_names |= params | used
        module_names |= _module_names(text)
    args = sorted(n for n in template_names if _producible(n) and n not in FIXED)
    assert len(args) <= len(NEUTRAL), "more template names than neutral slots: grow NEUTRAL"
    assert {"self", "extra_headers", "cast", "isinstance", "type"} <= set(args)  # the probe reaches the method bodies
    # Resources named after module-level names (as class names) and create_app's own names.
    resources = {snake_name(n) for n in module_names if n[:1].isupper() and class_name(snake_name(n)) == n}
    resources |= {n for n in app_names if _producible(n)}
    resources -= CLIENT_CLASS_SCOPE.reserved | MODULE_RESERVED | FIXED | {"self", "cls", "os", "httpx"}
    neutral = _render(tmp_path_factory.mktemp("neutral"), _spec(NEUTRAL[: len(args)], ["zzres"]))
    probe = _render(tmp_path_factory.mktemp("probe"), _spec(args, sorted(resources)))
    return neutral, probe, args, app_names


def test_no_spec_parameter_shadows_a_template_name(renders):
    """Each function reads the same with probe names as with neutral ones, parameter for parameter."""
    neutral, probe, args, _ = renders
    problems, checked = [], 0
    for rel, text in neutral.items():
        template = {q: fn for q, fn, params, _ in _functions(text) if params != _template_made(params)}
        for qual, fn, _, _ in _functions(probe.get(rel, "")):
            if qual not in template or isinstance(fn, ast.Lambda):
                continue  # a function no spec name reaches, or checked with its method
            mine, theirs = _parameters(fn), _parameters(template[qual])
            assert len(mine) == len(theirs), (rel, qual)
            checked += len(set(mine) - set(theirs))
            if _body(fn, dict(zip(mine, theirs))) != _body(template[qual], {}):
                problems.append(f"{rel} {qual}: a parameter named by the spec changes what the body reads")
    assert checked >= len(args)  # the probe names did become parameters
    assert not problems, "\n".join(problems)


def _create_app(files: dict[str, str]) -> ast.AST:
    app = next(text for rel, text in files.items() if rel.endswith("server/app.py"))
    (fn,) = [fn for q, fn, _, _ in _functions(app) if q.startswith(".create_app#")]
    return fn


def test_no_create_app_keyword_shadows_a_template_name(renders):
    neutral, probe, _, _ = renders
    template = _create_app(neutral)
    resources = {"things", "blobs", "uploads", "pages", "chats", "sockets", "others", "zzres"}  # the neutral spec's
    own = set(_parameters(template)) - resources
    assert {"mock", "prefix", "lifespan"} <= own
    used = (own | _evaluated_names(template)) - resources
    params = _parameters(_create_app(probe))
    repeated = sorted({k for k in params if params.count(k) > 1})
    keywords = set(params) - own
    assert len(keywords) > 10  # the probe's resources did become keywords
    assert not repeated, f"create_app keywords that repeat its own parameters: {repeated}"
    assert not keywords & used, f"create_app keywords that shadow its own names: {sorted(keywords & used)}"


def test_no_resource_class_shadows_a_module_name(renders):
    _, probe, _, _ = renders
    problems = []
    for rel, text in probe.items():
        tree = ast.parse(text)
        defined = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
        clash = defined & _module_names(text)
        if clash:
            problems.append(f"{rel}: {sorted(clash)} both imported and defined")
    assert not problems, "\n".join(problems)


def _evaluated_names(fn: ast.AST) -> set[str]:
    """Names a function body evaluates in its own scope: not local annotations (never evaluated)
    nor what a comprehension binds for itself."""
    skip: set[int] = set()
    own: set[str] = set()
    body = ast.Module(fn.body, [])  # type: ignore[attr-defined]  # (signature annotations: module scope)
    for node in ast.walk(body):
        if isinstance(node, ast.AnnAssign):
            skip |= {id(n) for n in ast.walk(node.annotation)}
        if isinstance(node, ast.comprehension):
            own |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return {n.id for n in ast.walk(body) if isinstance(n, ast.Name) and id(n) not in skip} - own


def _constructor_names(files: dict[str, str]) -> set[str]:
    """What the template itself names in the client constructor and copy() (parameters and names
    their bodies read) that a credential or header option could take: not the spec's own."""
    client = next(text for rel, text in files.items() if rel.endswith("client/_client.py"))
    names = set()
    for qual, fn, params, _ in _functions(client):
        if qual.split("#")[0].endswith(("__init__", "copy")):
            names |= {n for n in params | _evaluated_names(fn) if _producible(n)}
    return _template_made(names)


def test_a_credential_named_like_a_constructor_name_is_refused(renders):
    neutral, _, _, _ = renders
    names = _constructor_names(neutral)
    assert {"timeout", "isinstance", "base64", "os"} <= names  # the probe reaches both bodies
    accepted = []
    for name in sorted(names - {"self"}):
        doc = {"components": {"securitySchemes": {"k": {"type": "apiKey", "in": "header", "name": name}}}}
        try:
            build_security(doc, NamingRules(), None)
        except GeneratorError:
            continue
        accepted.append(name)
    assert not accepted, f"credentials that would shadow a constructor name: {accepted}"


def _bound(fn: ast.AST) -> set[str]:
    """Names a function binds for itself: assignments, comprehension targets, imports (not the
    resource classes a client property imports: spec-made), nested defs a decorator does not
    register, and a lambda's parameters (a lambda has no public signature)."""
    names = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)} if isinstance(fn, ast.Lambda) else set()  # type: ignore[attr-defined]
    body = fn.body if isinstance(fn.body, list) else [fn.body]  # type: ignore[attr-defined]
    for node in (n for b in body for n in ast.walk(b)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not (getattr(node, "module", "") or "").startswith("resources."):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.decorator_list:
            names.add(node.name)
    return names


def test_template_locals_are_private(renders):
    """Every name a template binds inside a generated function starts with `_` (a spec-made name
    never does: tests/test_naming.py); re-binding the function's own parameter is allowed."""
    neutral, probe, _, _ = renders
    problems = []
    for rel, text in [*neutral.items(), *probe.items()]:
        for qual, fn, params, _ in _functions(text):
            own = set() if isinstance(fn, ast.Lambda) else params
            public = sorted(n for n in _bound(fn) - own if not n.startswith("_"))
            if public:
                problems.append(f"{rel} {qual.split('#')[0]}: {public}")
    assert not problems, "template locals without a leading `_`:\n" + "\n".join(sorted(set(problems)))


def test_reserved_sets_hold_only_what_the_templates_use(renders):
    """naming's scopes, derived from the rendering: a name the template uses and the scope lacks
    could be shadowed; a name the scope holds and no template uses takes a spec name for nothing."""
    neutral, probe, _, _ = renders
    used = _constructor_names(neutral)
    assert sorted(used - CONSTRUCTOR_SCOPE.reserved) == []
    assert sorted(CONSTRUCTOR_SCOPE.reserved - CLIENT_CLASS_SCOPE.reserved - used) == []
    in_methods: set[str] = set()
    for files in (neutral, probe):  # the probe: a parameter named like a builtin makes it `builtins.x`
        for rel, text in files.items():
            if "/client/resources/" in rel:
                in_methods |= {n for _, _, params, names in _functions(text) for n in params | names}
    assert sorted(METHOD_SCOPE.reserved - in_methods) == []
    app = _create_app(neutral)
    assert sorted(APP_SCOPE.reserved - set(_parameters(app)) - _evaluated_names(app)) == []
