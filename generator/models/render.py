"""Driving datamodel-code-generator (dcg): the options and templates it runs with, the one
library call on the plan's rewritten spec, and what is done to its output (header, the empty
property name's alias, raw control characters escaped) before check.py compares it with the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, InternalError
from ..textsafe import escape_raw_characters
from .check import check_rendered
from .fields import EMPTY_WIRE
from .plan import SchemaPlan


def _dcg_templates() -> Path:
    from importlib import resources

    return Path(str(resources.files("portkey_codegen.templates"))) / "models"


def dcg_options() -> dict[str, Any]:
    """The datamodel-code-generator options ``render_models`` uses (besides ``aliases``)."""
    from datamodel_code_generator import DataModelType, InputFileType, PythonVersion
    from datamodel_code_generator.format import DatetimeClassType

    return {
        "input_file_type": InputFileType.OpenAPI,
        "output_model_type": DataModelType.PydanticV2BaseModel,
        "target_python_version": PythonVersion.PY_310,
        "disable_timestamp": True,
        "allow_remote_refs": False,
        "formatters": [],  # the pipeline formats the whole tree once, later (dcg black+isort: ~9 s here)
        "strict_nullable": True,  # required + nullable accepts null
        "use_union_operator": True,
        "field_constraints": True,  # constraints as Field(...) args; kept inside unions via RootModels we name
        "use_annotated": True,
        "use_schema_description": True,
        "use_field_description": True,
        "extra_fields": "allow",  # a newer server's extra fields must not break an older client
        "allow_population_by_field_name": True,  # Model(py_name=...) as well as Model(**wire_dict)
        "use_subclass_enum": True,  # class Role(str, Enum): Role.USER == "user"
        "output_datetime_class": DatetimeClassType.Datetime,  # accepts naive and aware timestamps
        "use_standard_collections": True,
        "set_default_enum_member": True,  # default Effort.MEDIUM, not "medium": type-checks under mypy --strict
        "custom_template_dir": _dcg_templates(),  # Enum: members format as their value
        # The models' bases (BaseModel, RootModel) come from our package module, imported
        # relatively (dcg's base_class takes only absolute paths): dcg writes the import in its
        # import block, and only for the bases the module uses
        "import_overrides": {name: f".{MODEL_BASE_MODULE}" for name in MODEL_BASES},
    }


# The module (templates/package/_model_base.py, copied by emit.py beside models.py) defining
# pydantic's bases under their own names, plus openai's to_dict()/to_json().
MODEL_BASE_MODULE = "_model_base"
MODEL_BASES = ("BaseModel", "RootModel")


def warm_up() -> None:
    """Import what `render_models` needs: dcg imports most of its modules on its first run, so it
    renders a one-class spec (stages.warm_models runs this in a child before the plan is known)."""
    from datamodel_code_generator import generate

    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    spec = {"openapi": "3.0.3", "info": {"title": "-", "version": "-"}, "paths": {}, "components": {"schemas": {"Warm": schema}}}
    generate(spec, **dcg_options())


def render_models(plan: SchemaPlan, *, header: str) -> str:
    """The models module source for `plan`, starting with `header` (not black-formatted).

    Raises GeneratorError if dcg fails or writes classes/fields other than the planned ones.
    """
    import warnings

    from datamodel_code_generator import Error as DcgError
    from datamodel_code_generator import generate

    if not plan.class_names:
        # A spec without schemas (or whose bodies are all plain types) is valid; dcg refuses
        # empty input ("Models not found"), so the module is written here: nothing to define.
        return header.rstrip("\n") + '\n\n"""No schemas in the spec: no models."""\n'
    aliases = {
        f"{cls}.{wire or EMPTY_WIRE}": py
        for cls, fields in plan.field_names.items()
        for wire, py in fields.items()
        if wire != py
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dcg warns about formats we dropped on purpose
            source = generate(plan.spec, aliases=aliases, **dcg_options())
    except DcgError as exc:
        raise InternalError(
            Diagnostic(
                "error",
                f"internal error: datamodel-code-generator failed: {exc}",
                hint="the schemas use a construct the models step does not support; report it with the schema",
                code="models",
            )
        ) from None
    if not isinstance(source, str):
        raise InternalError(Diagnostic("error", "internal error: datamodel-code-generator returned several modules", code="internal"))
    lines = source.splitlines(keepends=True)
    while lines and (lines[0].startswith("# generated by datamodel-codegen") or lines[0].startswith("#   filename:")):
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    source = header.rstrip("\n") + "\n\n" + "".join(lines)
    # dcg writes no alias for an empty wire name (the field would answer to its Python name):
    # the property went through dcg as EMPTY_WIRE, whose alias is turned back into "" here.
    source = source.replace(f'alias="{EMPTY_WIRE}"', 'alias=""').replace(f"alias='{EMPTY_WIRE}'", 'alias=""')
    source = escape_raw_characters(source)
    check_rendered(plan, source)
    return source
