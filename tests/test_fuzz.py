"""Fuzzing (issue 6, part 4): mutate a slice of the real Portkey spec and hold the generator to
"a clear error or working output".

The slice: a few paths of the pinned spec plus every component they reach (extracted
deterministically, so each example generates in about a second instead of ~5 s for the whole spec).
Each example applies 1-3 mutations - drop a key, swap a value's type, rename a key (names of
schemas, properties, paths...) to an odd string, put an odd string into text (descriptions,
titles, operationIds, defaults, enum values), break a $ref - and runs ``portkey_codegen.generate``:

* it either raises GeneratorError, whose diagnostics each say what and where (pointer, file or
  line), and then nothing was written; or it returns, the files on disk are exactly the files it
  reports, and every Python file compiles and passes the AST contract of tests/adversarial;
* any other exception fails the example (hypothesis shrinks it to the smallest mutation list).

Cost: fixed seed (``derandomize=True``), ``PORTKEY_FUZZ_EXAMPLES`` examples (default 25), well
under 60 s. Run it longer with e.g. ``PORTKEY_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/test_fuzz.py``
(see docs/security.md).
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "adversarial"))

from adv_astcheck import check_tree  # noqa: E402
from project_paths import SHARED_SPEC

SPEC = SHARED_SPEC
EXAMPLES = int(os.environ.get("PORTKEY_FUZZ_EXAMPLES", "25"))
# Paths of the slice: varied shapes (list/retrieve/update/delete, path parameters, JSON bodies,
# multipart, binary responses, enums, nullable, allOf/oneOf) with small schema closures.
PATHS = (
    "/configs",
    "/configs/{slug}",
    "/feedback",
    "/prompts/{promptId}",
    "/admin/workspaces/{workspaceId}/users",
    "/files/{file_id}",
    "/audio/speech",
    "/batches/{batch_id}",
)
ODD = (
    '"""', "'''", "\\", "a\\", "{{ 7*7 }}", "{% raw %}", "\r\n", "\x00", "\u2028", "\u202e",
    "__import__('os').system('touch PWNED')", "", " ", "😀", "class", "model_config", "self",
    "../../x", "/etc/passwd", "C#", "None", "0", "a" * 120,
)  # fmt: skip
BROKEN_REFS = (
    "#/nope", "#components/schemas", "#/components/schemas/~2", "#", "#/paths",
    "http://127.0.0.1:9/x.yaml", "file:///etc/passwd", "../outside.yaml", "/etc/passwd", "",
)  # fmt: skip
TEXT_KEYS = ("description", "summary", "title", "operationId", "name", "default", "example", "pattern", "format", "url")
OPS = ("drop_key", "swap_type", "rename_key", "odd_text", "break_ref", "odd_enum")


# --- the slice -------------------------------------------------------------------------------


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def sub_spec(document: dict, paths: tuple[str, ...] = PATHS) -> dict:
    """`document` cut down to `paths` and the components they reach (transitively). Paths missing
    upstream are skipped; the slice is a fresh copy (the loaded document stays untouched)."""
    from portkey_codegen import pointer as jp

    chosen = {p: document["paths"][p] for p in paths if p in document.get("paths", {})}
    if len(chosen) < 3:  # the upstream spec changed a lot: take the first paths instead
        chosen = dict(list(document["paths"].items())[:5])
    needed: set[str] = set()
    todo = _refs(chosen) | _refs(document.get("security", []))
    while todo:
        ref = todo.pop()
        if ref in needed or not ref.startswith("#/components/"):
            continue
        needed.add(ref)
        todo |= _refs(jp.resolve(document, ref))
    components: dict[str, dict] = {}
    for ref in sorted(needed):
        section, name = jp.split(ref)[1:3]
        components.setdefault(section, {})[name] = document["components"][section][name]
    if "securitySchemes" in document.get("components", {}):
        components["securitySchemes"] = document["components"]["securitySchemes"]
    spec = {k: v for k, v in document.items() if k not in ("paths", "components")}
    spec["paths"] = chosen
    spec["components"] = components
    return copy.deepcopy(spec)


@pytest.fixture(scope="module")
def base_spec() -> dict:
    from portkey_codegen.load import load_spec

    if not SPEC.is_file():
        pytest.fail(f"the pinned Portkey spec is expected at {SPEC}")
    return sub_spec(load_spec(SPEC).document)


@pytest.fixture(autouse=True, scope="module")
def _no_stage_cache():
    with pytest.MonkeyPatch.context() as mp:  # fuzzed specs must not fill ~/.cache
        mp.setenv("PORTKEY_CODEGEN_NO_CACHE", "1")
        yield


# --- mutations -------------------------------------------------------------------------------


def _slots(node: Any, path: tuple = ()) -> list[tuple[tuple, Any, Any]]:
    """(path, container, key) for every value in the document, in a stable order."""
    out: list[tuple[tuple, Any, Any]] = []
    stack = [(node, path)]
    seen: set[int] = set()
    while stack:
        item, where = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        pairs = list(item.items()) if isinstance(item, dict) else list(enumerate(item)) if isinstance(item, list) else []
        for key, value in pairs:
            out.append((where + (key,), item, key))
            if isinstance(value, (dict, list)):
                stack.append((value, where + (key,)))
    return out


def mutate(spec: dict, op: str, index: int, odd: str) -> str:
    """Apply one mutation in place; return a description (for failure messages)."""
    slots = _slots(spec)
    if op == "drop_key":
        dicts = [s for s in slots if isinstance(s[1], dict)]
        path, holder, key = dicts[index % len(dicts)]
        holder.pop(key, None)
        return f"drop {path}"
    if op == "swap_type":
        path, holder, key = slots[index % len(slots)]
        choices = [odd, 0, -1, 1.5, True, None, [], {}, [odd], {"type": odd}]
        holder[key] = choices[(index // len(slots)) % len(choices)]
        return f"swap {path} -> {holder[key]!r}"
    if op == "rename_key":
        dicts = [s for s in slots if isinstance(s[1], dict) and s[0][:1] != ("openapi",)]
        path, holder, key = dicts[index % len(dicts)]
        if key in holder:
            new = (str(key) + odd) if index % 2 else odd
            if path[:1] == ("paths",) and len(path) == 2:
                new = "/" + new.lstrip("/")
            holder[new] = holder.pop(key)
            return f"rename {path} -> {new!r}"
        return "rename (nothing)"
    if op == "odd_text":
        texts = [s for s in slots if s[2] in TEXT_KEYS] or slots
        path, holder, key = texts[index % len(texts)]
        old = holder[key]
        holder[key] = (old[: len(old) // 2] + odd + old[len(old) // 2 :]) if isinstance(old, str) and index % 2 else odd
        return f"text {path} -> {holder[key]!r}"
    if op == "break_ref":
        refs = [s for s in slots if s[2] == "$ref"]
        if not refs:
            return "break_ref (no refs)"
        path, holder, key = refs[index % len(refs)]
        choices = [*BROKEN_REFS, str(holder[key]) + "x", str(holder[key]) + odd]
        holder[key] = choices[(index // len(refs)) % len(choices)]
        return f"ref {path} -> {holder[key]!r}"
    if op == "odd_enum":
        enums = [s for s in slots if s[2] == "enum" and isinstance(s[1][s[2]], list)]
        if not enums:
            return "odd_enum (no enums)"
        path, holder, key = enums[index % len(enums)]
        holder[key] = [*holder[key], odd]
        return f"enum {path} += {odd!r}"
    raise AssertionError(op)


# --- the property ----------------------------------------------------------------------------


def generate_and_check(spec: dict, folder: Path, what: str) -> bool:
    """Run the generator on `spec`; assert the contract. True when code was generated."""
    from portkey_codegen import Config, generate
    from portkey_codegen.diagnostics import GeneratorError

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "openapi.json"
    path.write_text(json.dumps(spec, ensure_ascii=False, allow_nan=False), "utf-8")
    out = folder / "out"
    config = Config(spec=path, out=out, package_name="fuzzed", parts=("models", "client", "server"))
    try:
        result = generate(config)
    except GeneratorError as exc:
        assert exc.diagnostics, what
        for d in exc.diagnostics:
            assert d.message.strip(), (what, d)
            assert d.pointer or d.file or d.line, f"{what}: a diagnostic that says nowhere: {d.format()}"
            d.format()
        assert not out.exists(), f"{what}: refused but wrote {out}"
        return False
    on_disk = {
        p.relative_to(out).as_posix(): p.read_text("utf-8")
        for p in out.rglob("*")
        if p.is_file() and not p.name.startswith(".portkey-codegen-manifest")
    }
    assert on_disk == dict(result.files), f"{what}: the files on disk are not the files generated"
    problems = check_tree(result.files)
    assert not problems, f"{what}:\n" + "\n".join(problems)
    return True


def test_the_slice_generates(base_spec: dict, tmp_path: Path) -> None:
    """Without mutations the slice is a valid spec that generates: the fuzzing starts from
    working input, so mutations explore both outcomes."""
    assert len(base_spec["paths"]) >= 6 and len(base_spec["components"]["schemas"]) >= 5
    assert generate_and_check(base_spec, tmp_path, "unmutated")


MUTATIONS = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 10**6), st.sampled_from(ODD)), min_size=1, max_size=3
)


@settings(
    derandomize=True,
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(mutations=MUTATIONS)
def test_mutated_specs_give_a_clear_error_or_working_code(base_spec: dict, tmp_path_factory, mutations) -> None:
    spec = copy.deepcopy(base_spec)
    what = "; ".join(mutate(spec, op, index, odd) for op, index, odd in mutations)
    generate_and_check(spec, tmp_path_factory.mktemp("fuzz"), what)
