"""Valid shapes from public specs that once crashed the planner or gave code `mypy --strict`
rejects (issue 22), as small specs of our own: each generates, imports and type-checks, and
comes out as the spec means it."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realworld_support import (  # noqa: E402
    Generated,
    assert_import_and_mypy_clean,
    generate_package,
    generate_texts,
    import_all,
    mypy_strict,
)


def _spec(version: str, schemas: str) -> str:
    head = f"openapi: {version}\ninfo: {{title: hostile, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n"
    return head + textwrap.indent(textwrap.dedent(schemas), "    ")


SHAPES = {
    # a list whose items are a discriminated union of two refs
    "tagged_list": _spec("3.0.3", """\
        Circle: {type: object, required: [shape], properties: {shape: {type: string, enum: [circle]}, r: {type: number}}}
        Square: {type: object, required: [shape], properties: {shape: {type: string, enum: [square]}, side: {type: number}}}
        Drawing:
          type: object
          properties:
            figures:
              type: array
              items:
                oneOf: [{$ref: '#/components/schemas/Circle'}, {$ref: '#/components/schemas/Square'}]
                discriminator: {propertyName: shape}
        """),
    # `items` on an object (JSON Schema ignores it)
    "object_with_items": _spec("3.0.3", """\
        Label: {type: object, properties: {text: {type: string}}}
        Parcel:
          type: object
          properties:
            labels:
              type: object
              items: {$ref: '#/components/schemas/Label'}
        """),
    # an allOf child repeating the parent's inline enum, and one naming the same values by a $ref
    "repeated_enum": _spec("3.0.3", """\
        Colour: {type: string, enum: [red, green]}
        Lamp:
          type: object
          properties:
            colour: {type: string, enum: [red, green]}
            mode: {type: string, enum: [on, off]}
        StreetLamp:
          allOf:
            - $ref: '#/components/schemas/Lamp'
            - type: object
              properties:
                mode: {type: string, enum: [on, off], description: the same values again}
        NamedLamp:
          allOf:
            - $ref: '#/components/schemas/Lamp'
            - type: object
              properties:
                colour: {$ref: '#/components/schemas/Colour'}
        """),
    # defaults on fields whose type is a class wrapping a plain type or a union
    "wrapped_defaults": _spec("3.1.0", """\
        Enabled: {type: boolean}
        Size:
          anyOf:
            - type: string
            - {type: string, enum: [small, large]}
        Order:
          type: object
          properties:
            gift:
              $ref: '#/components/schemas/Enabled'
              default: false
            size:
              $ref: '#/components/schemas/Size'
              default: large
            count:
              anyOf:
                - {type: integer, minimum: 1, maximum: 5}
                - {type: 'null'}
              default: 2
        """),
    # `default: null` on unions none of whose members takes null
    "null_default_on_union": _spec("3.1.0", """\
        Ticket:
          default: null
          oneOf:
            - type: string
            - {type: object, properties: {code: {type: string}}}
        Query:
          type: object
          properties:
            until:
              default: null
              anyOf:
                - type: string
                - {type: array, items: {type: string}}
        """),
    # operations without operationId whose paths differ only in punctuation; `false` schemas
    "punctuation_and_false": "openapi: 3.1.0\ninfo: {title: hostile, version: '1'}\npaths:\n" + "".join(
        f"  {path}:\n    get: {{responses: {{'204': {{description: ok}}}}}}\n" for path in ("/a-b", "/a_b", "/a.b", "/a/b")
    ) + textwrap.dedent("""\
        components:
          schemas:
            Nothing: false
            Box:
              type: object
              properties:
                label: {type: string}
                forbidden: false
        """),
}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    return generate_texts(SHAPES, "hostile", tmp_path_factory)


def test_shapes_import_and_pass_mypy_strict(shapes: dict[str, Generated], tmp_path: Path) -> None:
    assert_import_and_mypy_clean(list(shapes.values()), tmp_path)


def test_discriminated_union_in_a_list_gets_a_planned_class(shapes: dict[str, Generated]) -> None:
    models = shapes["tagged_list"].text("models.py")
    assert "class DrawingFiguresItem(RootModel[Circle | Square]):" in models
    assert "figures: list[DrawingFiguresItem] | None = None" in models


def test_items_on_an_object_are_ignored(shapes: dict[str, Generated]) -> None:
    models = shapes["object_with_items"].text("models.py")
    assert "labels: dict[str, Any] | None = None" in models


def test_repeated_inline_enum_keeps_the_base_class(shapes: dict[str, Generated]) -> None:
    g = shapes["repeated_enum"]
    models = g.text("models.py")
    street = models.split("class StreetLamp(Lamp):")[1].split("\nclass ")[0]
    assert "mode: LampMode | None = None" in street and "the same values again" in street
    assert "StreetLampMode" not in models
    # the same values through another class: copied, not inherited, and said so
    assert "class NamedLamp(BaseModel):" in models
    assert any("NamedLamp redefines 'colour' of Lamp" in m for m in g.messages())


def test_defaults_on_wrapped_types_become_plain_fields(shapes: dict[str, Generated]) -> None:
    models = shapes["wrapped_defaults"].text("models.py")
    order = models.split("class Order(BaseModel):")[1].split("\nclass ")[0]
    assert "gift: bool = False" in order
    assert "size: str | SizeEnum = SizeEnum.LARGE" in order.replace("\n", "")
    assert "count: Annotated[int | None, Field(ge=1, le=5)] = 2" in order
    assert "OrderCount" not in models


def test_null_default_on_a_union_is_left_out(shapes: dict[str, Generated]) -> None:
    models = shapes["null_default_on_union"].text("models.py")
    assert "    root: str | TicketWithCode\n" in models
    assert "until: str | list[str] | None = None" in models


# --- multi-file specs: only what OpenAPI lets a $ref name is bundled ------------------------------

ROOT = "openapi: 3.0.3\ninfo: {title: bundle, version: '1'}\n"
LIST_OP = """\
      operationId: listBooks
      responses:
        '200':
          description: the books
          content:
            application/json:
              schema: {type: object, properties: {title: {type: string}}}
"""
BUNDLES = {
    # a media type's example and an extension's value taken from other files: data, copied in
    "data_refs": {
        "root.yaml": ROOT + "paths:\n  /books:\n    get:\n" + LIST_OP
        + "              example: {$ref: 'samples/book.yaml#/first'}\n"
        + "      x-codeSamples:\n        - $ref: 'samples/curl.yaml'\n",
        "samples/book.yaml": "first:\n  title: Dune\n",
        "samples/curl.yaml": "lang: shell\nsource: curl https://example.test/books\n",
    },
    # an Operation written as a $ref (OpenAPI has no Reference Object there)
    "operation_ref": {
        "root.yaml": ROOT + "paths:\n  /books:\n    get: {$ref: 'ops/list.yaml'}\n",
        "ops/list.yaml": "operationId: listBooks\nresponses:\n  '404': {$ref: 'errors.yaml#/missing'}\n",
        "ops/errors.yaml": "missing:\n  description: no such book\n  content:\n    application/json:\n"
        "      schema: {type: object, properties: {reason: {type: string}}}\n",
    },
    # a tag's description written as a $ref to a text in another file
    "tag_text_ref": {
        "root.yaml": ROOT + "tags:\n  - name: Books\n    description: {$ref: 'text.yaml#/books'}\n"
        + "paths:\n  /books:\n    get:\n      tags: [Books]\n" + LIST_OP,
        "text.yaml": "books: |\n  Everything about *books*.\n",
    },
}


def _write_bundle(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder / "root.yaml"


def test_refs_to_data_are_copied_in_and_generate(tmp_path: Path) -> None:
    import yaml
    from portkey_codegen.refs import resolve_refs

    spec = _write_bundle(tmp_path / "data", BUNDLES["data_refs"])
    g = generate_package(spec, "bundle_data", tmp_path / "out")
    assert not [d for d in g.diagnostics if d.severity == "error"]
    import_all(g)
    assert not mypy_strict([g], tmp_path)
    bundled = resolve_refs(yaml.safe_load(spec.read_text()), base_dir=spec.parent, spec_file=spec)
    get = bundled["paths"]["/books"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["example"] == {"title": "Dune"}
    assert get["x-codeSamples"] == [{"lang": "shell", "source": "curl https://example.test/books"}]
    assert "schemas" not in bundled.get("components", {})


@pytest.mark.parametrize(
    "name, messages",
    [
        ("operation_ref", ['"responses" is a required property', "('$ref' was unexpected)"]),
        ("tag_text_ref", ['{"$ref":"text.yaml#/books"} is not of type "string"']),
    ],
)
def test_misplaced_refs_are_refused_where_written(tmp_path: Path, name: str, messages: list[str]) -> None:
    from realworld_support import refused

    spec = _write_bundle(tmp_path, BUNDLES[name])
    exc = refused(spec)
    assert len(exc.diagnostics) == len(messages), exc  # no follow-on errors from the referenced files
    assert all(any(m in d.message for d in exc.diagnostics) for m in messages), exc
    for d in exc.diagnostics:
        assert d.file == str(spec) and d.line and "Reference Object" in (d.hint or ""), d.format()
    # --lenient: the errors are warnings and the code generates
    g = generate_package(spec, f"bundle_{name}", tmp_path / "out", lenient=True)
    demoted = [d for d in g.diagnostics if d.severity == "warning" and d.code == "validate"]
    assert len(demoted) == len(messages) and all(d.file == str(spec) for d in demoted)
    import_all(g)
    assert not mypy_strict([g], tmp_path)


def test_paths_differing_in_punctuation_are_named_by_a_stated_rule(shapes: dict[str, Generated]) -> None:
    g = shapes["punctuation_and_false"]
    names = {op.key: (op.resource, op.method_name) for op in g.api.operations}  # type: ignore[attr-defined]
    assert names == {
        "GET /a-b": (("a_dash_b",), "list"),
        "GET /a_b": (("a_b",), "list"),
        "GET /a.b": (("a_dot_b",), "list"),
        "GET /a/b": (("a", "b"), "list"),
    }
    (warning,) = [d for d in g.diagnostics if "no operationId" in d.message]
    assert warning.severity == "warning" and warning.line and "spelled out" in warning.message
    assert "names.yaml" in (warning.hint or "")


def test_names_yaml_still_overrides_the_punctuation_rule() -> None:
    import yaml
    from portkey_codegen.diagnostics import Report
    from portkey_codegen.lower.operations import (
        Overrides,
        assign_names,
        iter_operations,
    )

    document = yaml.safe_load(SHAPES["punctuation_and_false"])
    rules = Overrides.from_mapping({"operations": {"GET /a-b": "hyphenated.list"}}).naming
    report = Report()
    names = assign_names(iter_operations(document), rules, report)
    assert names["GET /a-b"] == (("hyphenated",), "list")
    assert names["GET /a.b"] == (("a_dot_b",), "list") and names["GET /a_b"] == (("a_b",), "list")
    assert len(report.warnings) == 1


def test_false_schema_is_a_type_that_rejects_every_value(shapes: dict[str, Generated]) -> None:
    import subprocess

    g = shapes["punctuation_and_false"]
    code = (
        f"from {g.package}.models import Box, Nothing\n"
        "import pydantic\n"
        "for value in ('', 'x', 0, 1.5, True, None, [], {}):\n"
        "    # an optional field takes None as 'not given' (every optional field of the models does)\n"
        "    checks = [lambda: Nothing.model_validate(value)] + [lambda: Box.model_validate({'forbidden': value})] * (value is not None)\n"
        "    for check in checks:\n"
        "        try:\n"
        "            check()\n"
        "        except pydantic.ValidationError:\n"
        "            continue\n"
        "        raise SystemExit(f'accepted {value!r}')\n"
        "print(Box.model_validate({'label': 'ok'}).label)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=g.root, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and proc.stdout == "ok\n", proc.stdout + proc.stderr


# --- --lenient delivers code for a spec with genuine 3.1 violations --------------------------------

INVALID_31 = _spec("3.1.0", """\
    Price:
      anyOf:
        - type: string
        - {type: number, minimum: 10, exclusiveMinimum: true}
    Tree:
      $recursiveAnchor: true
      type: object
      properties:
        name: {type: string}
    Account:
      type: object
      required: [login, login]
      properties:
        login: {type: string}
    """)


def test_lenient_generates_clean_code_for_31_violations(tmp_path: Path) -> None:
    from realworld_support import refused

    spec = tmp_path / "invalid.yaml"
    spec.write_text(INVALID_31)
    exc = refused(spec)
    assert len(exc.diagnostics) == 3, exc
    assert all(d.severity == "error" and d.file == str(spec) and d.line and d.hint for d in exc.diagnostics), exc
    g = generate_package(spec, "hostile_lenient", tmp_path / "out", lenient=True)
    assert [d.line for d in g.diagnostics if d.severity == "warning"] == [d.line for d in exc.diagnostics]
    import_all(g)
    assert not mypy_strict([g], tmp_path)
    models = g.text("models.py")
    assert "Field(gt=10" in models  # the 3.0 form kept its meaning: more than 10
    assert "    login: str\n" in models
