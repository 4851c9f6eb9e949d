"""The shapes of the reproducers in ../shared/repro (issue 15), as specs of our own, each with
what it must become; and the shared reproducers themselves when that folder is present."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from project_paths import SHARED_REPRO  # noqa: E402
from realworld_support import (  # noqa: E402
    Generated,
    assert_import_and_mypy_clean,
    generate_package,
    generate_texts,
    import_all,
    mypy_strict,
    refused,
)

HEAD = "openapi: 3.0.3\ninfo: {title: shapes, version: '1'}\n"
AB = """\
    A: {type: object, properties: {a: {type: string}}}
    B: {type: object, properties: {b: {type: integer}}}
"""
SHAPES = {
    # allOf of an anyOf of two refs and an inline object (component)
    "union_in_allof": HEAD + "paths: {}\ncomponents:\n  schemas:\n" + AB + textwrap.indent(textwrap.dedent("""\
        Mixed:
          allOf:
            - anyOf:
                - $ref: '#/components/schemas/A'
                - $ref: '#/components/schemas/B'
            - type: object
              properties:
                f: {type: string}
        """), "    "),
    # the same as an inline request body (OpenAPI 3.1)
    "union_in_allof_body": HEAD.replace("3.0.3", "3.1.0") + textwrap.dedent("""\
        paths:
          /x:
            post:
              operationId: createX
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      allOf:
                        - anyOf:
                            - $ref: '#/components/schemas/A'
                            - $ref: '#/components/schemas/B'
                        - type: object
                          properties:
                            f: {type: string}
              responses:
                '204': {description: ok}
        components:
          schemas:
        """) + AB,
    # allOf of a ref to a oneOf, plus a description
    "described_union_ref": HEAD + "paths: {}\ncomponents:\n  schemas:\n" + AB + textwrap.indent(textwrap.dedent("""\
        U:
          oneOf:
            - $ref: '#/components/schemas/A'
            - $ref: '#/components/schemas/B'
        Holder:
          type: object
          properties:
            u:
              allOf:
                - $ref: '#/components/schemas/U'
                - description: the u
        """), "    "),
    # required names a property that does not exist (inside an inline allOf part)
    "required_missing": HEAD + textwrap.dedent("""\
        paths: {}
        components:
          schemas:
            Page:
              type: object
              properties:
                link:
                  allOf:
                    - type: object
                      required: [url, visited]
                      properties:
                        url: {type: string}
                        visit: {type: string}
                    - description: the link
        """),
    # a query parameter named `type` and an array response
    "param_named_type": HEAD + textwrap.dedent("""\
        paths:
          /follows:
            get:
              operationId: checkFollows
              parameters:
                - {name: type, in: query, required: true, schema: {type: string, enum: [artist, user]}}
                - {name: str, in: query, schema: {type: string}}
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema: {type: array, items: {type: boolean}}
        """),
    # a subclass redefining a base property with another type
    "override": HEAD + textwrap.dedent("""\
        paths: {}
        components:
          schemas:
            Person: {type: object, properties: {id: {type: string}}}
            Stub: {type: object, properties: {name: {type: string}}}
            Base:
              type: object
              required: [owner]
              properties:
                owner: {$ref: '#/components/schemas/Person'}
                size: {type: integer}
            Child:
              allOf:
                - $ref: '#/components/schemas/Base'
                - type: object
                  properties:
                    owner: {$ref: '#/components/schemas/Stub'}
        """),
}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    return generate_texts(SHAPES, "shape", tmp_path_factory)


def test_shapes_import_and_pass_mypy_strict(shapes: dict[str, Generated], tmp_path: Path) -> None:
    assert_import_and_mypy_clean(list(shapes.values()), tmp_path)


def test_union_in_allof(shapes: dict[str, Generated]) -> None:
    models = shapes["union_in_allof"].text("models.py")
    assert "class MixedCommon(BaseModel):" in models
    assert "class MixedA(A, MixedCommon):" in models and "class MixedB(B, MixedCommon):" in models
    assert "class Mixed(RootModel[MixedA | MixedB]):" in models
    body = shapes["union_in_allof_body"]
    assert "class CreateXRequest(RootModel[CreateXRequestA | CreateXRequestB]):" in body.text("models.py")


def test_described_union_ref(shapes: dict[str, Generated]) -> None:
    models = shapes["described_union_ref"].text("models.py")
    assert "    u: U | None = None\n" in models
    assert '"""\n    the u\n    """' in models


def test_required_missing_property(shapes: dict[str, Generated]) -> None:
    g = shapes["required_missing"]
    assert "visited" not in g.text("models.py")
    (warning,) = [d for d in g.diagnostics if "visited" in d.message]
    assert warning.severity == "warning" and warning.pointer == "#/components/schemas/Page/properties/link/allOf/0/required"
    assert warning.line == 12 and warning.hint  # the `required:` line


def test_param_named_type(shapes: dict[str, Generated]) -> None:
    client = shapes["param_named_type"].resource_modules()
    assert "cast_to=list[bool]," in client
    assert "        type: Literal[" in client and "        str: str | NotGiven" in client


def test_override_copies_the_base(shapes: dict[str, Generated]) -> None:
    g = shapes["override"]
    models = g.text("models.py")
    assert "class Child(BaseModel):" in models
    child = models.split("class Child(BaseModel):")[1]
    assert "    owner: Stub\n" in child and "    size: int | None = None" in child
    assert any("Child redefines 'owner' of Base" in m for m in g.messages())


REPRO_NAMES = sorted(p.stem for p in SHARED_REPRO.glob("*.yaml")) if SHARED_REPRO.is_dir() else []
INVALID = {"r6_lenient", "r6b"}  # `required: [a, a]`: refused, generated with --lenient


@pytest.mark.skipif(not REPRO_NAMES, reason=f"no shared reproducers at {SHARED_REPRO}")
def test_shared_reproducers(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    packages = []
    for name in REPRO_NAMES:
        spec = SHARED_REPRO / f"{name}.yaml"
        if name in INVALID:
            exc = refused(spec)
            assert all(d.file == str(spec) and d.line and d.hint for d in exc.diagnostics), exc
        g = generate_package(spec, f"repro_{name}", tmp_path_factory.mktemp(name), lenient=name in INVALID)
        if name in INVALID:
            assert any(d.severity == "warning" and "non-unique" in d.message for d in g.diagnostics)
        import_all(g)
        packages.append(g)
    errors = mypy_strict(packages, tmp_path)
    assert not errors, "\n".join(errors)
