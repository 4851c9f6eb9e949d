"""Basics every other runtime module uses: ``NOT_GIVEN``, type variables, lazy pydantic checks.

pydantic is imported when a response is first parsed, not with the client (~50 ms of its
start-up). Until then no model class or instance can exist, so the checks here need not import it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeGuard, TypeVar

# Type-only: typing.Self needs 3.11, and nothing is imported at run time.
if TYPE_CHECKING:
    from collections.abc import Awaitable

    from pydantic import BaseModel, ValidationError
    from typing_extensions import Protocol, Self

    class _Closeable(Protocol):
        def close(self) -> None: ...

    class _AsyncCloseable(Protocol):
        def close(self) -> Awaitable[None]: ...


def _is_model(value: object) -> TypeGuard[BaseModel]:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def _is_model_class(tp: object) -> TypeGuard[type[BaseModel]]:
    pydantic = sys.modules.get("pydantic")
    return (
        pydantic is not None
        and isinstance(tp, type)
        and issubclass(tp, pydantic.BaseModel)
    )


def _pydantic_error() -> type[ValidationError]:
    """pydantic's ValidationError (an `except` clause evaluates this only for an exception)."""
    from pydantic import ValidationError

    return ValidationError


T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")
P = ParamSpec("P")

# --------------------------------------------------------------------------------------------
# NOT_GIVEN: "the caller did not pass this", distinct from an explicit None (sent as null)


class NotGiven:
    """Type of ``NOT_GIVEN``: falsy, a singleton, never sent over the wire."""

    __slots__ = ()
    _instance: Self | None = None

    def __new__(cls) -> Self:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


def is_given(value: T | NotGiven) -> TypeGuard[T]:
    return value is not NOT_GIVEN


def strip_not_given(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``NOT_GIVEN`` entries (top level only); ``None`` stays and is sent as JSON null."""
    return {k: v for k, v in values.items() if v is not NOT_GIVEN}


class _Closing:
    """``with x:`` closes ``x`` (``close()``) when the block ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _AsyncClosing:
    """``async with x:`` closes ``x`` (``await aclose()``) when the block ends."""

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


_O = TypeVar("_O", bound="_Closeable")
_AO = TypeVar("_AO", bound="_AsyncCloseable")


class _Opens(Generic[_O]):
    """``with manager as x:`` — ``x`` made by ``_open()`` on enter, closed on exit."""

    _opened: _O | None = None

    def _open(self) -> _O:
        raise NotImplementedError

    def __enter__(self) -> _O:
        self._opened = self._open()
        return self._opened

    def __exit__(self, t: object, e: object, tb: object) -> None:
        if self._opened is not None:
            self._opened.close()


class _AsyncOpens(Generic[_AO]):
    """``async with manager as x:`` — ``x`` made by ``await _open()``, closed on exit."""

    _opened: _AO | None = None

    async def _open(self) -> _AO:
        raise NotImplementedError

    async def __aenter__(self) -> _AO:
        self._opened = await self._open()
        return self._opened

    async def __aexit__(self, t: object, e: object, tb: object) -> None:
        if self._opened is not None:
            await self._opened.close()


class _LazyModule:
    """A module imported on first attribute access (keeps `import <pkg>.client` fast)."""

    def __init__(self, name: str, package: str | None) -> None:
        self._name = name
        self._package = package
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            import importlib

            self._module = importlib.import_module(self._name, self._package)
        return getattr(self._module, attr)


def lazy_module(name: str, package: str | None = None) -> Any:
    """`importlib.import_module(name, package)`, done on first attribute access."""
    return _LazyModule(name, package)
