"""The base class of every object model: pydantic's BaseModel plus openai-style to_dict()/to_json()."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

__all__ = ["PortkeyModel"]


class PortkeyModel(BaseModel):
    """A pydantic v2 model; `to_dict`/`to_json` default to what the API sent (wire names, only the
    fields that were set), as openai-python's models do."""

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
        """This model as a dict: wire (API) names by default, only the fields that were set.

        `mode="json"` turns values into JSON types (datetimes to strings and so on)."""
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
        """This model as a JSON string (indented by `indent`, None for one line); same defaults as `to_dict`."""
        return self.model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )
