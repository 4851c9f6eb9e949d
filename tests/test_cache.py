"""The stage cache (generator/cache.py): hits and misses, damaged entries, keys, and output that is
byte-identical with and without it."""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import pytest

from portkey_codegen import Config, load_config, open_cache, render_tree
from portkey_codegen.cache import MISS, Cache, default_dir, fingerprint, tree_digest
from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.formatting import format_tree
from portkey_codegen.models.plan import plan_models
from portkey_codegen.models.render import render_models
from portkey_codegen.prose import fill_docstrings, prose_skeleton, template_descriptions
from fork_counter import COUNT_FORKS

REPO = Path(__file__).resolve().parents[1]


def small_spec(description: str = "A pet.", prop_type: str = "string", extra_schemas: dict | None = None) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cache fixture", "version": "1.0"},
        "paths": {
            "/pets/{pet_id}": {
                "get": {
                    "operationId": "getPet",
                    "description": "Fetch one pet.",
                    "parameters": [{"name": "pet_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "the pet",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Pet": {
                    "type": "object",
                    "description": description,
                    "required": ["name"],
                    "properties": {
                        "name": {"type": prop_type, "description": "The pet's name."},
                        "description": {"type": "string", "description": "A property called description."},
                    },
                },
                **(extra_schemas or {}),
            }
        },
    }


def write_spec(folder: Path, spec: dict, name: str = "spec.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(spec, ensure_ascii=False), "utf-8")  # YAML has no surrogate-pair escapes
    return path


def config_for(spec: Path, out: Path, **kw) -> Config:
    return Config(spec=spec, out=out, package_name="cachepkg", root=out.parent, **kw)


# --- the store ---------------------------------------------------------------------------------


def entry_files(root: Path, kind: str) -> list[Path]:
    return sorted(p for p in (root / "v1" / kind).rglob("*") if p.is_file())


def test_put_get_roundtrip_and_miss(tmp_path):
    cache = Cache(tmp_path / "c")
    key = cache.key("demo", "input")
    assert cache.get("demo", key) is MISS
    assert cache.put("demo", key, {"text": "héllo \u2028", "n": [1, 2.5, None]})
    assert cache.get("demo", key) == {"text": "héllo \u2028", "n": [1, 2.5, None]}
    assert cache.put("demo", cache.key("demo", "none"), None)
    assert cache.get("demo", cache.key("demo", "none")) is None  # None is a value, not a miss
    assert cache.stats["demo"] == ["miss", "store", "hit", "store", "hit"]
    assert not cache.put("demo", key, object())  # not JSON: not stored, no error


def test_key_depends_on_every_part_and_on_kind(tmp_path):
    cache = Cache(tmp_path)
    base = cache.key("k", "a", "b")
    assert base == cache.key("k", "a", "b")
    assert (
        len(
            {
                base,
                cache.key("k", "ab"),
                cache.key("k", "a", "b", ""),
                cache.key("j", "a", "b"),
                cache.key("k", "b", "a"),
            }
        )
        == 5
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:-3] + bytes([b[-3] ^ 1]) + b[-2:],  # one bit flipped in the payload
        lambda b: b.replace(b"cached", b"CACHED"),  # edited without fixing the checksum
        lambda b: b"",
        lambda b: b"\x00" * 200,
        lambda b: b.replace(b"portkey-codegen-cache 1", b"portkey-codegen-cache 9"),  # other format
    ],
)
def test_damaged_entry_is_a_miss_and_removed(tmp_path, damage):
    cache = Cache(tmp_path)
    key = cache.key("demo", "x")
    cache.put("demo", key, "cached value")
    (path,) = entry_files(tmp_path, "demo")
    path.write_bytes(damage(path.read_bytes()))
    assert cache.get("demo", key) is MISS
    assert not path.exists()
    cache.put("demo", key, "fresh")
    assert cache.get("demo", key) == "fresh"


def test_entry_under_another_key_is_not_trusted(tmp_path):
    cache = Cache(tmp_path)
    k1, k2 = cache.key("demo", "1"), cache.key("demo", "2")
    cache.put("demo", k1, "one")
    (path,) = entry_files(tmp_path, "demo")
    target = path.parent.parent / k2[:2] / k2
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes())  # a valid entry, copied to the wrong name
    assert cache.get("demo", k2) is MISS


def test_unwritable_or_unusable_folder_is_skipped(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = Cache(blocker / "cache")
    key = cache.key("demo", "x")
    assert cache.put("demo", key, "v") is False
    assert cache.get("demo", key) is MISS
    # the pipeline runs the same with such a cache
    spec = write_spec(tmp_path, small_spec())
    result = render_tree(config_for(spec, tmp_path / "out"), cache=cache)
    assert result.files["cachepkg/models.py"].count("class Pet(") == 1


def test_disabled_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTKEY_CODEGEN_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("PORTKEY_CODEGEN_NO_CACHE", "1")
    cache = Cache.from_env()
    assert not cache.enabled
    assert cache.put("demo", cache.key("demo", "x"), 1) is False
    spec = write_spec(tmp_path, small_spec())
    result = render_tree(config_for(spec, tmp_path / "out"))
    assert result.cache == {}
    assert not (tmp_path / "c").exists()
    monkeypatch.setenv("PORTKEY_CODEGEN_NO_CACHE", "0")
    assert Cache.from_env().enabled
    assert not Cache.from_env(disabled=True).enabled
    assert open_cache(replace(config_for(spec, tmp_path / "out"))).enabled


def test_default_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTKEY_CODEGEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_dir() == tmp_path / "xdg" / "portkey-codegen"
    monkeypatch.setenv("PORTKEY_CODEGEN_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_dir() == tmp_path / "explicit"
    monkeypatch.delenv("PORTKEY_CODEGEN_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_dir() == Path.home() / ".cache" / "portkey-codegen"


def test_prune_keeps_recent_entries(tmp_path):
    cache = Cache(tmp_path)
    keys = [cache.key("demo", str(i)) for i in range(10)]
    for i, key in enumerate(keys):
        cache.put("demo", key, "x" * 1000)
        os.utime(entry_path(tmp_path, key), (1000 + i, 1000 + i))
    assert cache.prune(max_bytes=5000) > 0
    assert cache.get("demo", keys[-1]) == "x" * 1000
    assert cache.get("demo", keys[0]) is MISS


def entry_path(root: Path, key: str) -> Path:
    return next(p for p in root.rglob(key))


def test_tree_digest_sees_content_and_names(tmp_path):
    (tmp_path / "a.j2").write_text("one")
    first = tree_digest(tmp_path)
    (tmp_path / "a.j2").write_text("two")
    second = tree_digest(tmp_path)
    (tmp_path / "a.j2").rename(tmp_path / "b.j2")
    third = tree_digest(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    assert len({first, second, third}) == 3 and tree_digest(tmp_path) == third
    assert len(fingerprint()) == 64 and fingerprint() == fingerprint()


# --- the pipeline ------------------------------------------------------------------------------


def test_hit_and_miss_per_stage(tmp_path):
    spec = write_spec(tmp_path, small_spec())
    names = tmp_path / "names.yaml"
    names.write_text("client_name: Petstore\n")
    config = config_for(spec, tmp_path / "out", names=names)
    cold = render_tree(config, cache=Cache(tmp_path / "c"))
    assert {k: cold.cache[k] for k in ("validate", "tree", "models", "render")} == dict.fromkeys(
        ("validate", "tree", "models", "render"), "miss"
    )
    warm = render_tree(config, cache=Cache(tmp_path / "c"))
    assert warm.cache == {"validate": "hit", "tree": "hit"}  # nothing after the tree lookup ran
    # a comment in the naming rules: the tree (keyed by the file's bytes) misses, each stage hits
    names.write_text("# a comment\nclient_name: Petstore\n")
    other = render_tree(config, cache=Cache(tmp_path / "c"))
    assert other.cache["tree"] == "miss"
    assert all(other.cache[k] == "hit" for k in ("validate", "models", "render")), other.cache
    assert "miss" not in other.cache["format"]
    off = render_tree(config, cache=Cache(None))
    assert cold.files == warm.files == off.files == other.files
    assert cold.diagnostics == warm.diagnostics == off.diagnostics
    assert cold.api == warm.api == off.api  # the IR comes back from the tree entry equal


def test_key_changes_with_user_templates_and_options(tmp_path):
    spec = write_spec(tmp_path, small_spec())
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "API.md.j2").write_text("# custom one {{ api.title }}\n")
    config = config_for(spec, tmp_path / "out", templates=templates)
    store = tmp_path / "c"
    first = render_tree(config, cache=Cache(store))
    assert first.files["cachepkg/API.md"] == "# custom one Cache fixture\n"
    assert render_tree(config, cache=Cache(store)).cache["tree"] == "hit"
    (templates / "API.md.j2").write_text("# custom two {{ api.title }}\n")
    changed = render_tree(config, cache=Cache(store))
    assert changed.cache["tree"] == "miss" and changed.cache["render"] == "miss"
    assert changed.files["cachepkg/API.md"] == "# custom two Cache fixture\n"
    # another option (parts) and another package name are other keys too
    models_only = render_tree(replace(config, parts=("models",)), cache=Cache(store))
    assert models_only.cache["tree"] == "miss" and models_only.cache["render"] == "miss"
    assert not any("/client/" in rel for rel in models_only.files)
    renamed = render_tree(replace(config, package_name="otherpkg"), cache=Cache(store))
    assert renamed.cache["render"] == "miss" and "otherpkg/models.py" in renamed.files
    assert renamed.files == render_tree(replace(config, package_name="otherpkg"), cache=Cache(None)).files


def test_corrupt_entries_in_the_pipeline_are_ignored(tmp_path):
    spec = write_spec(tmp_path, small_spec())
    config = config_for(spec, tmp_path / "out")
    store = tmp_path / "c"
    reference = render_tree(config, cache=Cache(store)).files
    for kind in ("tree", "models", "render", "format", "validate"):
        for path in entry_files(store, kind):
            blob = path.read_bytes()
            # keep the checksum, change the payload: what a bit flip on disk or an edit does
            path.write_bytes(blob[:-2] + (b"X" if blob[-2:-1] != b"X" else b"Y") + blob[-1:])
    again = render_tree(config, cache=Cache(store))
    assert all(again.cache[k] == "miss" for k in ("tree", "models", "render", "validate")), again.cache
    assert again.files == reference


def test_invalid_spec_results_are_not_cached(tmp_path):
    bad = small_spec()
    bad["paths"]["/pets/{pet_id}"]["get"]["responses"] = {}  # OpenAPI 3.0: responses must not be empty
    spec = write_spec(tmp_path, bad)
    store = tmp_path / "c"
    for _ in range(2):
        cache = Cache(store)
        with pytest.raises(GeneratorError):
            render_tree(config_for(spec, tmp_path / "out"), cache=cache)
        assert cache.stats["validate"][0] == "miss"
    lenient = render_tree(config_for(spec, tmp_path / "out", lenient=True), cache=Cache(store))
    assert any(d.severity == "warning" and "responses" in (d.pointer or "") for d in lenient.diagnostics)


# --- validation: the prose skeleton ----------------------------------------------------------------


def test_description_change_reuses_validation_but_a_type_change_does_not(tmp_path):
    store = tmp_path / "c"
    render_tree(config_for(write_spec(tmp_path, small_spec()), tmp_path / "o"), cache=Cache(store))
    reworded = render_tree(
        config_for(write_spec(tmp_path, small_spec("A pet, reworded.\n\nTwo paragraphs."), "s2.json"), tmp_path / "o"),
        cache=Cache(store),
    )
    assert reworded.cache["validate"] == "miss" and reworded.cache["validate-prose"] == "hit"
    retyped = Cache(store)
    render_tree(
        config_for(write_spec(tmp_path, small_spec(prop_type="integer"), "s3.json"), tmp_path / "o"), cache=retyped
    )
    assert retyped.stats["validate"] == ["miss", "store"] and retyped.stats["validate-prose"] == ["miss", "store"]


def test_prose_skeleton_rules():
    spec = small_spec()
    reworded = small_spec("Completely different words.")
    assert prose_skeleton(spec) == prose_skeleton(reworded)
    # a property *called* description is a schema, not prose: its shape stays in the skeleton
    renamed = json.loads(json.dumps(spec))
    renamed["components"]["schemas"]["Pet"]["properties"]["description"]["type"] = "integer"
    assert prose_skeleton(renamed) != prose_skeleton(spec)
    # defaults and examples are validated (or free-form) values: kept verbatim
    with_default = json.loads(json.dumps(spec))
    with_default["components"]["schemas"]["Pet"]["default"] = {"description": "one"}
    other_default = json.loads(json.dumps(spec))
    other_default["components"]["schemas"]["Pet"]["default"] = {"description": "two"}
    assert prose_skeleton(with_default) != prose_skeleton(other_default)
    # a discriminator mapping entry named "description" is a reference, not prose
    mapped = json.loads(json.dumps(spec))
    mapped["components"]["schemas"]["Pet"]["discriminator"] = {
        "propertyName": "name",
        "mapping": {"description": "#/a"},
    }
    remapped = json.loads(json.dumps(mapped))
    remapped["components"]["schemas"]["Pet"]["discriminator"]["mapping"]["description"] = "#/b"
    assert prose_skeleton(mapped) != prose_skeleton(remapped)


def test_prose_skeleton_abstains_where_uniqueness_could_change():
    spec = small_spec()
    params = spec["paths"]["/pets/{pet_id}"]["get"]["parameters"]
    params.append({**params[0], "description": "one"})
    params.append({**params[0], "description": "two"})  # distinct only by their descriptions
    assert prose_skeleton(spec) is None


# --- models: docstrings filled in after dcg ----------------------------------------------------------

ADVERSARIAL = {
    "Thing": {
        "type": "object",
        "description": 'Triple """ quotes, back\\slash, \\n, \\"""; end.\n\nSecond paragraph\n    indented line\n'
        "\ttab\u2028line separator\r\nCRLF, trailing backslash\\",
        "properties": {
            "description": {"type": "string", "description": "A property called description"},
            "same1": {"type": "string", "description": "dup text"},
            "same2": {"type": "integer", "description": "dup text"},
            "uni": {"type": "string", "description": "ünïcödé — “quotes” 𝔘 \u00a0nbsp"},
            "kind": {"type": "string", "enum": ["a", "b"], "description": "an enum\nwith two lines"},
            "items": {
                "type": "array",
                "description": "list",
                "items": {
                    "type": "object",
                    "description": "item",
                    "properties": {"z": {"type": "number", "description": "   lead"}},
                },
            },
            "u": {"description": "union", "oneOf": [{"type": "string"}, {"type": "integer", "description": "i"}]},
            "ref": {"$ref": "#/components/schemas/Other"},
            "quote_end": {"type": "string", "description": 'ends with a quote"'},
        },
    },
    "Other": {"type": "string", "description": '"starts with a quote', "enum": ["x", "y"]},
    "Root": {"type": "array", "description": "root list '''single''' ", "items": {"type": "string"}, "maxItems": 3},
    "Zq9PkcgLike": {"type": "string", "description": "a name that looks like a token"},
}


def plan_for(spec_path: Path):
    from portkey_codegen import prepare
    from portkey_codegen.naming_settings import naming_rules
    from portkey_codegen.lower.api import operation_class_names

    config = config_for(spec_path, spec_path.parent / "out")
    prepared = prepare(config, cache=Cache(None))
    return plan_models(
        prepared.document, operation_names=operation_class_names(prepared.document, naming_rules(config))
    )


def test_filled_docstrings_equal_plain_dcg_on_adversarial_text(tmp_path):
    plan = plan_for(write_spec(tmp_path, small_spec(extra_schemas=ADVERSARIAL)))
    templated, texts = template_descriptions(plan.spec)
    assert len(texts) >= 15 and next(iter(texts)).startswith("Zq8Pkcg")  # Zq9Pkcg is taken by a schema name
    body = render_models(replace(plan, spec=templated), header="")
    filled = fill_docstrings(body, texts)
    assert filled is not None
    assert "# h" + filled == render_models(plan, header="# h\n")
    assert "# h" + filled != render_models(replace(plan, spec=templated), header="# h\n")


def test_fill_docstrings_refuses_tokens_outside_docstrings():
    texts = {"Zq9Pkcg000000X": "text"}
    assert (
        fill_docstrings('class A:\n    """\n    Zq9Pkcg000000X\n    """\n', texts)
        == 'class A:\n    """\n    text\n    """\n'
    )
    assert fill_docstrings('x = Field(description="Zq9Pkcg000000X")\n', texts) is None
    assert fill_docstrings('class A:\n    """\n    Zq9Pkcg000000X\n    """\n', {"Zq9Pkcg000000X": "  "}) is None


def test_schema_description_change_hits_models_and_matches_slow_path(tmp_path):
    store = tmp_path / "c"
    render_tree(
        config_for(write_spec(tmp_path, small_spec(extra_schemas=ADVERSARIAL)), tmp_path / "o"), cache=Cache(store)
    )
    changed = small_spec('A pet, reworded with """ and \\ .', extra_schemas=ADVERSARIAL)
    path = write_spec(tmp_path, changed, "changed.json")
    fast = render_tree(config_for(path, tmp_path / "o"), cache=Cache(store))
    assert fast.cache["models"] == "hit"
    slow = render_tree(config_for(path, tmp_path / "o"), cache=Cache(None))
    assert fast.files == slow.files
    assert "reworded" in fast.files["cachepkg/models.py"]


# --- the IR codec -------------------------------------------------------------------------------------


def test_ir_codec_roundtrip_and_refusals(tmp_path):
    from portkey_codegen import ir
    from portkey_codegen.ir_codec import decode_ir, encode_ir

    result = render_tree(config_for(write_spec(tmp_path, small_spec()), tmp_path / "out"), cache=Cache(None))
    encoded = encode_ir(result.api)
    assert decode_ir(json.loads(json.dumps(encoded))) == result.api
    literal = ir.TypeRef("literal", values=("a", 1, True, 1.5))  # 1 and True stay apart
    param = ir.Parameter("a", "a", "query", False, ir.TypeRef("union", args=(ir.TypeRef("name", "str"), literal)))
    values = decode_ir(json.loads(json.dumps(encode_ir(param)))).type.args[1].values
    assert [(type(v), v) for v in values] == [(str, "a"), (int, 1), (bool, True), (float, 1.5)]
    assert decode_ir(encode_ir((param, frozenset({"x"}), {"k": [1.5, None]}))) == (
        param,
        frozenset({"x"}),
        {"k": [1.5, None]},
    )
    with pytest.raises(TypeError):
        encode_ir(Path("not IR"))
    with pytest.raises(ValueError):
        encode_ir(float("nan"))

    class Word(str):  # would come back as a plain str: refused, since tree_encode does not decode to check
        pass

    with pytest.raises(TypeError):
        encode_ir(ir.TypeRef("name", Word("str")))
    with pytest.raises(TypeError):
        encode_ir(OrderedDict(k=1))
    shared = ir.TypeRef("name", "str")  # a part the IR shares is encoded once, and decodes equal everywhere
    again = json.loads(json.dumps(encode_ir((shared, [shared], shared))))
    assert decode_ir(again) == (shared, [shared], shared)
    _, listed, last = again["value"]["$t"]
    assert listed[0].keys() == last.keys() == {"$r"}  # written once, then referred to
    for bad in (5, -1, "0", True):  # a reference to no object built so far
        with pytest.raises(ValueError):
            decode_ir({"layouts": {}, "value": {"$t": [[], {"$r": bad}]}})
    bad_layout = json.loads(json.dumps(encode_ir(param)))
    bad_layout["layouts"]["Param"] = ["wire_name"]  # fields changed since the entry was written
    with pytest.raises(ValueError):
        decode_ir(bad_layout)
    foreign = {"layouts": {"Path": []}, "value": {"$ir": ["Path"]}}  # only portkey_codegen.ir classes
    with pytest.raises(ValueError):
        decode_ir(foreign)
    with pytest.raises(ValueError):
        decode_ir({"layouts": {}, "value": {"$ir": ["Param", "a"]}})


# --- formatting -----------------------------------------------------------------------------------------


def test_format_cache_hits_on_the_same_text_only(tmp_path):
    text = "x = {{'a':1,\n 'b': '{b}'}}\n"
    cache = Cache(tmp_path)
    first = format_tree({"m.py": text.format(b=1), "README": "as is"}, cache=cache)
    assert first == format_tree({"m.py": text.format(b=1), "README": "as is"})
    again = format_tree({"m.py": text.format(b=1)}, cache=cache)
    other = format_tree({"m.py": text.format(b=2)}, cache=cache)
    assert cache.stats["format"] == ["miss", "store", "hit", "miss", "store"]
    assert again["m.py"] == first["m.py"] and other["m.py"] == format_tree({"m.py": text.format(b=2)})["m.py"]


# --- the real spec: identical output with and without the cache ------------------------------------


def test_real_spec_output_is_identical_with_and_without_cache(tmp_path, portkey_spec_path):
    config = load_config(REPO / "pyproject.toml")
    store = tmp_path / "c"
    off = render_tree(config, cache=Cache(None))
    cold = render_tree(config, cache=Cache(store))
    warm = render_tree(config, cache=Cache(store))
    assert warm.cache == {"validate": "hit", "tree": "hit"}
    assert off.files == cold.files == warm.files
    assert off.api == warm.api
    assert [d.format() for d in off.diagnostics] == [d.format() for d in warm.diagnostics]

    # a schema description and an operation description reworded: models and validation are hits
    text = portkey_spec_path.read_text("utf-8")
    old = "Represents a chat completion response returned by model, based on the provided input."
    assert text.count(old) >= 1
    changed = text.replace(old, 'Represents a chat completion response, "reworded" \\ here.', 1)
    changed = changed.replace("Creates a new collection in the specified workspace", "Creates a collection", 1)
    assert changed != text
    spec2 = tmp_path / "changed.yaml"
    spec2.write_text(changed, "utf-8")
    config2 = replace(config, spec=spec2, spec_changed=True)
    fast = render_tree(config2, cache=Cache(store))
    assert fast.cache["models"] == "hit" and fast.cache["validate-prose"] == "hit"
    from portkey_codegen.output import file_header
    from portkey_codegen.formatting import format_python

    slow_models = render_models(plan_for_config(config2), header=file_header(fast.api.generator_version))

    assert fast.files["portkey_api/models.py"] == format_python(slow_models, "models.py")
    assert '"reworded"' in fast.files["portkey_api/models.py"]


def plan_for_config(config: Config):
    from portkey_codegen import prepare
    from portkey_codegen.naming_settings import naming_rules
    from portkey_codegen.lower.api import operation_class_names

    prepared = prepare(config, cache=Cache(None))
    return plan_models(
        prepared.document, operation_names=operation_class_names(prepared.document, naming_rules(config))
    )


# --- validation in a forked child ----------------------------------------------------------------------


def big_invalid_spec(tmp_path: Path, *, clash: bool = False) -> Path:
    spec = small_spec()
    spec["info"]["description"] = "padding " * 40_000  # over fork.MIN_BYTES
    spec["paths"]["/pets/{pet_id}"]["get"]["responses"] = {}  # OpenAPI 3.0: responses must not be empty
    spec["paths"]["/pets/{pet_id}"]["get"]["parameters"][0]["schema"] = {"type": "string", "default": 3}
    if clash:  # two operations the IR maps to one method: an error of a later stage
        ok = {"responses": {"200": {"description": "x"}}}
        spec["paths"]["/things/runs"] = {"post": ok}
        spec["paths"]["/things/{thing_id}/runs"] = {
            "post": {
                **ok,
                "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            }
        }
    return write_spec(tmp_path, spec, "big.json")


ISOLATED = COUNT_FORKS + """
import hashlib, json, sys
from pathlib import Path
from portkey_codegen import Config, Timer, render_tree
from portkey_codegen.cache import Cache
from portkey_codegen.diagnostics import GeneratorError
spec, lenient, store = Path(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
timer = Timer()
config = Config(spec=spec, out=spec.parent / "out", package_name="cachepkg", root=spec.parent, lenient=lenient)
try:
    result = render_tree(config, timer, cache=Cache(None if store == "-" else Path(store)))
    out = {"diagnostics": [d.format() for d in result.diagnostics],
           "files": hashlib.sha256(json.dumps(result.files, sort_keys=True).encode()).hexdigest()}
except GeneratorError as exc:
    out = {"error": [d.format() for d in exc.diagnostics]}
out["forks"] = len(forks)
from portkey_codegen.cache import fingerprint
out["fingerprint"] = fingerprint()
print(json.dumps(out))
"""


def run_isolated(spec: Path, *, lenient: bool, parallel: bool, store: Path | None = None) -> dict:
    """render_tree in a fresh (single-threaded) interpreter: forks are only taken there."""
    import subprocess
    import sys

    env = {**os.environ, "PORTKEY_CODEGEN_PARALLEL": "1" if parallel else "0", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", ISOLATED, str(spec), "1" if lenient else "0", str(store or "-")],
        capture_output=True, text=True, env=env, cwd=spec.parent, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


TWO_CPUS = (os.cpu_count() or 1) > 1


@pytest.mark.parametrize(("clash", "lenient"), [(False, False), (True, False), (False, True)])
def test_forked_jobs_report_what_sequential_ones_report(tmp_path, clash, lenient):
    spec = big_invalid_spec(tmp_path, clash=clash)
    forked = run_isolated(spec, lenient=lenient, parallel=True)
    inline = run_isolated(spec, lenient=lenient, parallel=False)
    assert inline["forks"] == 0
    # lenient: validation and datamodel-code-generator each in a child; else at least validation
    if not TWO_CPUS:
        assert forked["forks"] == 0
    elif lenient:
        assert forked["forks"] == 2
    else:  # the validation child at least (the models one too when the IR got that far)
        assert forked["forks"] >= 1
    same = ("diagnostics", "error", "files")
    assert {k: forked.get(k) for k in same} == {k: inline.get(k) for k in same}
    lines = forked["diagnostics"] if lenient else forked["error"]
    assert any("responses" in line for line in lines)  # the validator's finding wins over the IR's clash
    if lenient:
        assert len([line for line in lines if "warning" in line]) >= 2


def test_forked_models_with_cache_match_plain_run(tmp_path):
    spec = small_spec(extra_schemas=ADVERSARIAL)
    spec["info"]["description"] = "padding " * 40_000
    path = write_spec(tmp_path, spec, "big-clean.json")
    for attempt in range(3):  # the generator's files may be edited between the runs (a shared tree)
        store = tmp_path / f"c{attempt}"
        cold = run_isolated(path, lenient=False, parallel=True, store=store)
        warm = run_isolated(path, lenient=False, parallel=True, store=store)
        if cold["fingerprint"] == warm["fingerprint"]:
            break
    plain = run_isolated(path, lenient=False, parallel=False)
    assert cold["forks"] == (2 if TWO_CPUS else 0) and warm["forks"] == 0
    assert cold["files"] == warm["files"] == plain["files"]
    assert cold["diagnostics"] == plain["diagnostics"]


def test_forked_validation_result_is_cached(tmp_path, monkeypatch):
    clean = small_spec()
    clean["info"]["description"] = "padding " * 40_000
    path = write_spec(tmp_path, clean, "clean.json")
    store = tmp_path / "c"
    monkeypatch.setenv("PORTKEY_CODEGEN_CACHE_DIR", str(store))
    monkeypatch.delenv("PORTKEY_CODEGEN_NO_CACHE", raising=False)
    code = "from portkey_codegen import Config, render_tree; from pathlib import Path; import sys; p = Path(sys.argv[1]); render_tree(Config(spec=p, out=p.parent / 'out', package_name='cachepkg', root=p.parent))"
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300
    )
    fingerprint.cache_clear()  # this process may have hashed the generator's files before their last edit
    again = Cache(store)
    render_tree(config_for(path, tmp_path / "out"), cache=again)
    assert again.stats["validate"] == ["hit"]
