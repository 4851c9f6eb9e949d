"""pydantic TypeAdapters, one per type, shared by every module that validates or serialises."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter


@lru_cache(maxsize=None)
def type_adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)
