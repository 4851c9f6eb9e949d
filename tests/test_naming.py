"""portkey_codegen.naming: class, field and enum-member names."""

from __future__ import annotations

import keyword

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portkey_codegen.naming import (
    BASE_MODEL_ATTRIBUTES,
    CLASS_RESERVED,
    MODEL_FIELD_RESERVED,
    MODULE_RESERVED,
    class_name,
    enum_member_name,
    enum_member_names,
    is_pascal_case,
    module_names,
    safe_identifier,
    snake_name,
    unique_name,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chat.completion-chunk", "ChatCompletionChunk"),
        ("CreateChatCompletionRequest", "CreateChatCompletionRequest"),  # valid PascalCase kept
        ("OpenAIFile", "OpenAIFile"),  # acronyms kept, not "OpenAiFile"
        ("V2Model", "V2Model"),
        ("tool_calls", "ToolCalls"),
        ("fooBar", "FooBar"),
        ("type", "Type"),
        ("n_epochs", "NEpochs"),
        ("Foo_Bar", "FooBar"),
        ("  spaced out  ", "SpacedOut"),
        ("Über-cool", "UberCool"),
        ("A\n", "A"),  # "$" in a regex would accept the newline
        ("2fa", "Schema2fa"),
        ("", "Schema"),
        ("!!!", "Schema"),
        ("None", "NoneModel"),  # keyword
        ("Field", "FieldModel"),  # imported by the models module
        ("BaseModel", "BaseModelModel"),
        ("Exception", "ExceptionModel"),  # builtin
        ("thread.run.step.created", "ThreadRunStepCreated"),
    ],
)
def test_class_name(text, expected):
    assert class_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maxTokens", "max_tokens"),
        ("max_tokens", "max_tokens"),
        ("HTTPStatus", "http_status"),
        ("userID", "user_id"),
        ("X-Portkey-Api-Key", "x_portkey_api_key"),
        ("$ref", "ref"),
        ("_id", "id"),
        ("2fa", "field_2fa"),
        ("", "field"),
        ("a.b-c", "a_b_c"),
        ("gpt4o", "gpt4o"),
        ("v2Api", "v2_api"),
        ("top_p", "top_p"),
        ("Any", "any"),
    ],
)
def test_snake_name(text, expected):
    assert snake_name(text) == expected


def test_safe_identifier():
    assert safe_identifier("from") == "from_"
    assert safe_identifier("match") == "match_"  # soft keyword
    assert safe_identifier("type") == "type"
    assert safe_identifier("json", reserved=MODEL_FIELD_RESERVED) == "json_"
    assert safe_identifier("model_config", reserved=MODEL_FIELD_RESERVED) == "model_config_"
    assert safe_identifier("str", reserved=MODEL_FIELD_RESERVED) == "str_"
    assert safe_identifier("list", reserved=MODEL_FIELD_RESERVED) == "list_"
    assert safe_identifier("date", reserved=MODEL_FIELD_RESERVED) == "date_"
    with pytest.raises(ValueError):
        safe_identifier("not an identifier")


def test_base_model_attributes_cover_installed_pydantic():
    from pydantic import BaseModel

    public = {n for n in dir(BaseModel) if not n.startswith("_")}
    assert public <= BASE_MODEL_ATTRIBUTES, sorted(public - BASE_MODEL_ATTRIBUTES)


def test_reserved_sets():
    assert {"str", "int", "list", "Any", "Field", "BaseModel", "model_config", "json"} <= MODEL_FIELD_RESERVED
    assert {"Any", "Field", "BaseModel", "RootModel", "None", "Enum"} <= CLASS_RESERVED


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[DONE]", "DONE"),
        ("C#", "C_SHARP"),
        ("C++", "C_PLUS_PLUS"),
        ("C", "C"),
        ("chat.completion", "CHAT_COMPLETION"),
        ("inProgress", "IN_PROGRESS"),
        ("gpt-4o", "GPT_4O"),
        ("1024x1024", "VALUE_1024X1024"),
        ("", "EMPTY"),
        ("   ", "EMPTY"),
        (1, "VALUE_1"),
        (-1, "VALUE_MINUS_1"),
        (0.5, "VALUE_0_5"),
        (True, "TRUE"),
        (None, "NONE"),
        ("name", "NAME"),
        ("mro", "MRO"),
    ],
)
def test_enum_member_name(value, expected):
    assert enum_member_name(value) == expected


def test_enum_member_names_are_distinct_and_stable():
    assert enum_member_names(["[DONE]", "C#", "C++", "C"]) == ["DONE", "C_SHARP", "C_PLUS_PLUS", "C"]
    # A later value never renames an earlier one.
    assert enum_member_names(["auto", "AUTO", "Auto"]) == ["AUTO", "AUTO_2", "Auto"]
    assert enum_member_names(["a-b", "a_b", "a.b"]) == ["A_B", "a_b", "A_B_2"]
    # raw text is only used when it cannot shadow a str method (str-based enums)
    assert enum_member_names(["TITLE", "title"]) == ["TITLE", "TITLE_2"]


def test_unique_name():
    assert unique_name("Foo", {"Bar"}) == "Foo"
    assert unique_name("Foo", {"Foo", "Foo2"}) == "Foo3"
    assert unique_name("x", {"x"}, sep="_") == "x_2"


def test_module_names():
    # kept as they are unless Python/pytest would run the file or it is a runtime module
    assert module_names(["chat", "api_keys", "models"], suffix="_resource") == {
        "chat": "chat", "api_keys": "api_keys", "models": "models"
    }  # fmt: skip
    renamed = module_names(["conftest", "sitecustomize", "usercustomize", "_client", "_runtime"], suffix="_x")
    assert renamed == {
        "conftest": "conftest_x", "sitecustomize": "sitecustomize_x", "usercustomize": "usercustomize_x",
        "_client": "_client_x", "_runtime": "_runtime_x",
    }  # fmt: skip
    # a name the renaming would pick is taken by a resource of that name: numbered, never shared
    assert module_names(["conftest", "conftest_x"], suffix="_x") == {"conftest": "conftest_x_2", "conftest_x": "conftest_x"}
    # distinct on a case-insensitive file system
    both = module_names(["Chat", "chat"], suffix="_x")
    assert len({m.casefold() for m in both.values()}) == 2
    with pytest.raises(ValueError):
        module_names(["a-b"], suffix="_x")


@given(st.lists(st.sampled_from(["a", "A", "conftest", "conftest_m", "conftest_m_2", "_client", "b"]), max_size=7))
def test_module_names_are_distinct_safe_and_order_free(names):
    result = module_names(names, suffix="_m")
    assert set(result) == set(names)
    assert len({m.casefold() for m in result.values()}) == len(result)
    assert not set(result.values()) & MODULE_RESERVED
    assert module_names(list(reversed(names)), suffix="_m") == result


def test_words():
    assert words("C#", symbols=True) == ["C", "sharp"]
    assert words("HTTPServerError") == ["HTTP", "Server", "Error"]
    assert words("fooBar", camel=False) == ["fooBar"]


def test_is_pascal_case():
    assert is_pascal_case("OpenAIFile")
    assert not is_pascal_case("openAIFile")
    assert not is_pascal_case("Foo_Bar")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_names_are_always_identifiers(text):
    cls = class_name(text)
    assert cls.isidentifier() and cls.isascii() and cls[0].isupper()
    assert not keyword.iskeyword(cls)
    field = safe_identifier(snake_name(text), reserved=MODEL_FIELD_RESERVED)
    assert field.isidentifier() and field.isascii() and not field.startswith("_")
    assert not keyword.iskeyword(field) and field not in MODEL_FIELD_RESERVED
    member = enum_member_name(text)
    assert member.isidentifier() and member.isascii() and member == member.upper() and not member.startswith("_")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), st.integers(), st.booleans()), max_size=12))
def test_enum_member_names_always_distinct(values):
    names = enum_member_names(values)
    assert len(names) == len(values)
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and not keyword.iskeyword(n) for n in names)


def test_names_are_pure():
    assert class_name("chat.completion-chunk") == class_name("chat.completion-chunk")
    assert enum_member_names(["a", "A"]) == enum_member_names(["a", "A"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="_-. aZ9$é", max_size=12))
def test_no_sanitised_name_starts_with_an_underscore(text):
    """The templates' own locals all start with `_` (tests/test_template_locals.py): every name the
    sanitiser makes from spec or names.yaml text must not, so none can take a template local."""
    from portkey_codegen.naming import (
        METHOD_SCOPE,
        MethodNames,
        app_keyword,
        model_field_name,
        py_name,
        service_class_name,
    )

    made = [snake_name(text), py_name(text), model_field_name(text), class_name(text), enum_member_name(text)]
    made += [MethodNames(METHOD_SCOPE.reserved).claim(text, "query"), app_keyword(text), service_class_name(text)]
    assert [n for n in made if n.startswith("_")] == []


def test_names_yaml_names_are_sanitised_too():
    """A server-group name given in names.yaml goes through the sanitiser as spec text does."""
    from portkey_codegen.lower.api import build_servers
    from portkey_codegen.lower.operations import NamingRules

    doc = {"servers": [{"url": "https://a.test"}], "x-server-groups": {"Other": [{"url": "https://b.test"}]}}
    groups, _ = build_servers(doc, NamingRules(servers={"Other": "_Control-Plane"}), None)
    assert sorted(groups) == ["control_plane", "default"]
