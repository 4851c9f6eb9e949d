"""generator/load.py: safe, fast YAML loading with clear errors."""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import pytest
import yaml

import portkey_codegen.load as load_module
from portkey_codegen.diagnostics import GeneratorError
from portkey_codegen.load import load_spec, load_yaml_text, resolve_plain
from project_paths import SHARED_SPEC

SPEC = SHARED_SPEC
DATA = Path(__file__).resolve().parent / "data/front"


@pytest.fixture(scope="module")
def real_spec():
    return load_spec(SPEC)


@pytest.fixture(params=["libyaml", "python"])
def loader(request, monkeypatch):
    """Run a test with the libyaml parser and with PyYAML's pure-Python fallback."""
    if request.param == "libyaml":
        assert (
            load_module.Loader is yaml.CSafeLoader
        )  # the fast path is really in use here
    else:
        monkeypatch.setattr(load_module, "Loader", yaml.SafeLoader)
    return request.param


def error_of(text: str, **kwargs) -> GeneratorError:
    with pytest.raises(GeneratorError) as info:
        load_yaml_text(text, file="spec.yaml", **kwargs)
    return info.value


# --- the real spec ---------------------------------------------------------------------------


def _all_keys_are_strings(node) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def test_real_spec_loads_with_string_keys(real_spec):
    doc = real_spec.document
    assert doc["openapi"].startswith("3.0")
    assert _all_keys_are_strings(doc)
    responses = doc["paths"]["/chat/completions"]["post"]["responses"]
    assert "200" in responses and 200 not in responses
    assert len(real_spec.sha256) == 64 and real_spec.text.startswith(
        SPEC.read_text()[:50]
    )


def test_real_spec_aliases_are_shared_not_copied(real_spec):
    paths = real_spec.document["paths"]
    assert paths["/chat/completions"]["servers"] is paths["/completions"]["servers"]


def test_real_spec_matches_pyyaml_apart_from_documented_differences(real_spec):
    """Same data as yaml.CSafeLoader, except: keys are strings and timestamps stay strings."""
    reference = yaml.load(SPEC.read_text(), Loader=yaml.CSafeLoader)
    differences = []

    def compare(ours, theirs, where):
        if isinstance(theirs, (datetime.date, datetime.datetime)):
            if not isinstance(ours, str):
                differences.append(where)
        elif isinstance(theirs, dict):
            if not isinstance(ours, dict) or [str(k) for k in theirs] != list(ours):
                differences.append(where)
                return
            for key, value in theirs.items():
                compare(ours[str(key)], value, f"{where}/{key}")
        elif isinstance(theirs, list):
            if not isinstance(ours, list) or len(ours) != len(theirs):
                differences.append(where)
                return
            for index, (a, b) in enumerate(zip(ours, theirs)):
                compare(a, b, f"{where}/{index}")
        elif type(ours) is not type(theirs) or (
            ours != theirs
            and not (
                isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs)
            )
        ):
            differences.append(where)

    compare(real_spec.document, reference, "#")
    assert differences == []


# --- scalars ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("NO", "NO"),
        ("Yes", "Yes"),
        ("y", "y"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        ("tRue", "tRue"),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("~", None),
        ("", None),
        ("nULL", "nULL"),
        ("12", 12),
        ("-3", -3),
        ("+4", 4),
        ("0", 0),
        ("0o755", 0o755),
        ("0x1F", 31),
        ("0755", "0755"),
        ("-012", "-012"),
        ("00.5", "00.5"),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("-2.5E-1", -0.25),
        (".5", 0.5),
        ("1.", 1.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("+.INF", math.inf),
        ("2024-01-01", "2024-01-01"),
        ("2024-07-30T13:27:29.000Z", "2024-07-30T13:27:29.000Z"),
        ("1_000", "1_000"),
        ("1:20", "1:20"),
        ("0b101", "0b101"),
        ("=", "="),
        ("[DONE]", "[DONE]"),
    ],
)
def test_plain_scalar_resolution(text, expected):
    value = resolve_plain(text)
    assert value == expected and type(value) is type(expected)


def test_nan_stays_a_float():
    value = resolve_plain(".nan")
    assert isinstance(value, float) and math.isnan(value)


def test_values_in_a_document(loader):
    doc = load_yaml_text(
        "a: [yes, 0755, 2024-01-01, .NaN, 'true', !!str 5, ! 7, \"x\\n\"]\n"
        "b: !!int 0755\nc: !!float 3\nd: !!bool true\ne: !!null ''\n"
        "f: |\n  block\n"
    )
    assert doc["a"][:3] == ["yes", "0755", "2024-01-01"]
    assert math.isnan(doc["a"][3])
    assert doc["a"][4:] == ["true", "5", "7", "x\n"]
    assert (doc["b"], doc["c"], doc["d"], doc["e"]) == (755, 3.0, True, None)
    assert type(doc["c"]) is float and doc["f"] == "block\n"


def test_keys_are_the_raw_scalar_text(loader):
    doc = load_yaml_text(
        "200: ok\non: x\nnull: y\n1.5: z\nyes: no\n~: t\n'quoted': q\n0x1F: h\n"
    )
    assert list(doc) == ["200", "on", "null", "1.5", "yes", "~", "quoted", "0x1F"]


def test_bad_explicitly_tagged_value():
    err = error_of("a: 1\nb: !!int nope\n")
    assert (err.diagnostics[0].line, err.diagnostics[0].column) == (2, 4)
    assert "!!int" in err.diagnostics[0].message


# --- structure and errors ------------------------------------------------------------------


def test_syntax_error_has_file_line_column(loader):
    err = error_of("a: 1\nb: [c, d\ne: 2\n")
    diag = err.diagnostics[0]
    assert diag.file == "spec.yaml" and diag.line is not None and diag.line >= 2
    assert diag.column is not None and "invalid YAML" in diag.message
    assert str(err).startswith(f"spec.yaml:{diag.line}:{diag.column}: error:")


def test_tab_indentation_gets_a_hint():
    err = error_of("a:\n\tb: 1\n")
    assert err.diagnostics[0].line == 2 and "tabs" in (err.diagnostics[0].hint or "")


def test_duplicate_key_names_both_lines(loader):
    err = error_of("info:\n  title: a\nother: 1\ninfo: 2\n")
    diag = err.diagnostics[0]
    assert diag.line == 4 and "'info'" in diag.message and "line 1" in diag.message


def test_duplicate_nested_key():
    err = error_of("a:\n  x: 1\n  y: 2\n  x: 3\n")
    assert err.diagnostics[0].line == 4 and "line 2" in err.diagnostics[0].message


@pytest.mark.parametrize(
    "text, what", [("? [a, b]\n: 1\n", "sequence"), ("? {a: 1}\n: 1\n", "mapping")]
)
def test_non_scalar_key_is_an_error(loader, text, what):
    err = error_of(text)
    assert what in err.diagnostics[0].message and err.diagnostics[0].line == 1


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/object:builtins.dict {x: 1}\n",
        "!!python/tuple [1, 2]\n",
    ],
)
def test_python_tags_are_refused_with_line(loader, text):
    err = error_of(text)
    assert "Python object tag" in err.diagnostics[0].message
    assert err.diagnostics[0].line == 1


@pytest.mark.parametrize(
    "text",
    [
        "a: !!binary aGk=\n",
        "a: !local x\n",
        "a: !!set {x}\n",
        "a: !!timestamp 2024-01-01\n",
    ],
)
def test_other_tags_are_refused(text):
    assert "unsupported YAML tag" in error_of(text).diagnostics[0].message


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        "[" * 1_000_000 + "]" * 1_000_000,
        "{a: " * 300_000 + "1" + "}" * 300_000,
        "- " * 1_000_000 + "x\n",
        "".join(" " * (2 * i) + "k:\n" for i in range(300)) + " " * 600 + "v: 1\n",
    ],
)
def test_absurd_nesting_is_refused(loader, text):
    err = error_of(text)
    assert "deeper than 200 levels" in err.diagnostics[0].message


def test_nesting_limit_is_a_parameter():
    assert load_yaml_text("[[[1]]]", max_depth=3) == [[[1]]]
    assert "deeper than 2" in error_of("[[[1]]]", max_depth=2).diagnostics[0].message


@pytest.mark.timeout(60)
def test_billion_laughs_is_refused(loader):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, prev = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    err = error_of("\n".join(lines) + "\n")
    assert "alias" in err.diagnostics[0].message and err.diagnostics[0].line is not None


def test_modest_alias_use_is_fine():
    text = "base: &b {x: [1, 2, 3]}\n" + "".join(f"k{i}: *b\n" for i in range(50))
    doc = load_yaml_text(text)
    assert doc["k0"] is doc["k49"] is doc["base"]


@pytest.mark.parametrize("text", ["&a [*a]", "a: &x {b: *x}", "a: &x [1, [2, *x]]"])
def test_self_reference_is_refused(loader, text):
    err = error_of(text)
    assert "self-referencing" in err.diagnostics[0].message


def test_undefined_alias(loader):
    assert "undefined anchor" in error_of("a: *nope\n").diagnostics[0].message


def test_duplicate_anchor_is_accepted_and_applies_afterwards(loader):
    text = "a: &x 1\nb: *x\nc: &x [2]\nd: *x\n"
    with pytest.raises(yaml.composer.ComposerError, match="duplicate anchor"):
        yaml.load(text, Loader=yaml.CSafeLoader)  # what older upstream specs ran into
    doc = load_yaml_text(text)
    assert doc == {"a": 1, "b": 1, "c": [2], "d": [2]} and doc["c"] is doc["d"]


def test_merge_keys(loader):
    doc = load_yaml_text(
        "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\n"
        "m:\n  <<: [*b, *m]\n  y: 9\nq:\n  '<<': 5\n"
    )
    assert doc["m"] == {"x": 1, "y": 9, "z": 3}
    assert doc["q"] == {"<<": 5}


def test_alias_as_key():
    assert load_yaml_text("k: &k name\n*k : v\n") == {"k": "name", "name": "v"}


def test_more_than_one_document():
    err = error_of("a: 1\n---\nb: 2\n")
    assert (
        "more than one" in err.diagnostics[0].message and err.diagnostics[0].line == 2
    )


def test_empty_text():
    assert "no YAML document" in error_of("").diagnostics[0].message
    assert "no YAML document" in error_of("# only a comment\n").diagnostics[0].message


def test_absurdly_long_number():
    err = error_of("a: 1\nb: " + "9" * 5000 + "\n")
    assert (
        err.diagnostics[0].line == 2 and "number too long" in err.diagnostics[0].message
    )
    assert load_yaml_text("b: '" + "9" * 5000 + "'\n")["b"] == "9" * 5000


def test_control_character_has_a_line():
    err = error_of("a: 1\nb: \x07\n")
    assert err.diagnostics[0].line == 2 and "U+0007" in err.diagnostics[0].message


# --- files -----------------------------------------------------------------------------------


def test_load_spec_small_file():
    spec = load_spec(DATA / "minimal.yaml")
    assert spec.document["openapi"] == "3.0.3"
    assert spec.locate("#/info/title") == (4, 3)


def test_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(GeneratorError, match="not a mapping"):
        load_spec(path)


def test_missing_file(tmp_path):
    with pytest.raises(GeneratorError, match="cannot read file") as info:
        load_spec(tmp_path / "nope.yaml")
    assert info.value.diagnostics[0].file.endswith("nope.yaml")


def test_directory_is_not_a_spec(tmp_path):
    with pytest.raises(GeneratorError, match="cannot read file"):
        load_spec(tmp_path)


def test_max_bytes(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(GeneratorError, match="limit"):
        load_spec(path, max_bytes=1000)
    assert load_spec(path, max_bytes=5000).document["a"] == "x" * 2000


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("openapi: 3.0.0\ninfo:\n  title: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(GeneratorError) as info:
        load_spec(path)
    diag = info.value.diagnostics[0]
    assert "UTF-8" in diag.message and diag.line == 3 and diag.column == 13


def test_utf8_bom_is_accepted_utf16_is_refused(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfopenapi: 3.0.0\n")
    assert load_spec(path).document == {"openapi": "3.0.0"}
    path.write_bytes("openapi: 3.0.0\n".encode("utf-16"))
    with pytest.raises(GeneratorError, match="UTF-16"):
        load_spec(path)


def test_document_round_trips_as_json():
    doc = load_spec(DATA / "minimal.yaml").document
    assert json.loads(json.dumps(doc)) == doc
