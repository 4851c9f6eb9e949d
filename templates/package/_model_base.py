"""The base classes of the generated models: pydantic's ``BaseModel`` and ``RootModel`` under
their own names, plus openai-python's ``to_dict()`` and ``to_json()`` (as openai-python's own
``BaseModel`` is pydantic's plus its helpers).

models.py imports them relatively (``from ._model_base import BaseModel, RootModel``), so the
package works under any import path it is vendored at. The defaults give what the API sent:
wire (API) names and only the fields that were set. A value the tolerant parser kept as it arrived (a new enum value, a
null where none was declared) is typed ``Any`` in its model, so dumping it never warns.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar, cast

import pydantic

__all__ = ["BaseModel", "RootModel"]

DumpT = TypeVar("DumpT")
RootT = TypeVar("RootT")


class _Dumps(Generic[DumpT]):
    """``to_dict()`` / ``to_json()`` of a pydantic model; `DumpT` is what ``to_dict()`` returns.
    Mixed in after the pydantic base (pydantic wants its base before a generic one)."""

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> DumpT:
        """This model as plain data, by default keyed by the API's names and holding only the
        fields that were set (received or passed). ``mode="json"`` makes every value a JSON
        type (a datetime its ISO string, an enum member its value)."""
        dumped = cast(pydantic.BaseModel, self).model_dump(
            mode=mode,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )
        return cast(DumpT, dumped)

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
        return cast(pydantic.BaseModel, self).model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )


class BaseModel(pydantic.BaseModel, _Dumps[dict[str, Any]]):
    """A pydantic v2 model with openai-python's ``to_dict()`` (a dict) / ``to_json()``."""


class RootModel(pydantic.RootModel[RootT], _Dumps[Any]):
    """A pydantic v2 root model (one value: a constrained list, a union, a map) with ``to_dict()``
    / ``to_json()``; ``to_dict()`` gives the root as plain data: a dict for an object (a map, a
    model member of a union), a list for an array, the value itself for a scalar."""
