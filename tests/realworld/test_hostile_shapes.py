"""Valid shapes from public specs that once crashed the planner or gave code `mypy --strict`
rejects (issue 22), as small specs of our own: each generates, imports and type-checks, and
comes out as the spec means it."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realworld_support import Generated, generate_package, import_all, mypy_strict  # noqa: E402


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
}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    specs = tmp_path_factory.mktemp("hostile-specs")
    out = {}
    for name, text in SHAPES.items():
        (specs / f"{name}.yaml").write_text(text)
        out[name] = generate_package(specs / f"{name}.yaml", f"hostile_{name}", tmp_path_factory.mktemp(name))
    return out


def test_shapes_import_and_pass_mypy_strict(shapes: dict[str, Generated], tmp_path: Path) -> None:
    for g in shapes.values():
        import_all(g)
    errors = mypy_strict(list(shapes.values()), tmp_path)
    assert not errors, "\n".join(errors)


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
