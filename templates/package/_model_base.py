"""The base classes of the generated models: pydantic's, plus openai-python's ``to_dict()`` and
``to_json()``.

models.py imports them relatively (``from ._model_base import ...``), so the package works under
any import path it is vendored at. The defaults give what the API sent: wire (API) names and only
the fields that were set. A value the tolerant parser kept as it arrived (a new enum value, a
null where none was declared) is typed ``Any`` in its model, so dumping it never warns.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, RootModel

__all__ = ["PortkeyModel", "PortkeyRootModel"]

RootT = TypeVar("RootT")


class PortkeyModel(BaseModel):
    """A pydantic v2 model with openai-python's ``to_dict()`` / ``to_json()``."""

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> dict[str, Any]:
        """This model as a dict, by default keyed by the API's names and holding only the fields
        that were set (received or passed). ``mode="json"`` makes every value a JSON type
        (a datetime its ISO string, an enum member its value)."""
        return self.model_dump(
            mode=mode,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """This model as a JSON string (`indent` spaces, None for one line); the other switches
        as in :meth:`to_dict`."""
        return self.model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )


class PortkeyRootModel(RootModel[RootT]):
    """A pydantic v2 root model (one value, no fields: a constrained list, a union, a map) with
    ``to_dict()`` / ``to_json()`` as on :class:`PortkeyModel`."""

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> Any:
        """The root value as plain data: a dict for an object (a map, a model member of a union),
        a list for an array, the value itself for a scalar; switches as on PortkeyModel.
        """
        return self.model_dump(
            mode=mode,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """The root value as a JSON string; switches as on PortkeyModel."""
        return self.model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )
