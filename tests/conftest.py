"""Shared fixtures: paths, and one generation of the real Portkey spec reused by many tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from project_paths import FIXTURES, NEXT_SPEC, NO_SKIPS, PIN, REPO, SHARED_SPEC, pinned_sha256  # noqa: F401

_spec_problem: list[str] = []  # why the pinned spec could not be had, when it could not


def pytest_configure(config):
    """The pinned spec, once per machine: the runner's copy, the user cache, else downloaded into it
    (through $PORTKEY_CODEGEN_SPEC_MIRROR when set) exactly as `portkey-codegen fetch` does."""
    if SHARED_SPEC.is_file():
        return
    from portkey_codegen.diagnostics import GeneratorError
    from portkey_codegen.fetch import fetch_pinned

    try:
        got = fetch_pinned(PIN)
    except GeneratorError as exc:
        _spec_problem.append(exc.diagnostics[0].message)
        return
    assert got == SHARED_SPEC, (got, SHARED_SPEC)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Tests never read or fill the developer's own stage cache. The private cache starts with the
    pinned spec in it, so that the project's own config (`pin`, no `spec`) finds it offline."""
    import hashlib
    import os

    folder = tmp_path_factory.mktemp("stage-cache")
    old = os.environ.get("PORTKEY_CODEGEN_CACHE_DIR")
    os.environ["PORTKEY_CODEGEN_CACHE_DIR"] = str(folder)
    if SHARED_SPEC.is_file():
        from portkey_codegen.fetch import store

        data = SHARED_SPEC.read_bytes()
        if hashlib.sha256(data).hexdigest() == pinned_sha256():  # else the pin check reports it where used
            store(data)
    yield folder
    if old is None:
        os.environ.pop("PORTKEY_CODEGEN_CACHE_DIR", None)
    else:
        os.environ["PORTKEY_CODEGEN_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def portkey_spec_path() -> Path:
    if not SHARED_SPEC.is_file():
        pytest.fail(
            "the pinned Portkey spec is neither in ../shared/spec nor in the user cache, and "
            + (_spec_problem[0] if _spec_problem else "it could not be downloaded"),
            pytrace=False,
        )
    return SHARED_SPEC


@pytest.fixture(scope="session")
def portkey_result(portkey_spec_path):
    """portkey_codegen.render_tree on the pinned spec with the project's own configuration (no writes)."""
    from portkey_codegen import load_config, render_tree

    config = load_config(REPO / "pyproject.toml")
    return render_tree(config)


@pytest.fixture(scope="session")
def portkey_package(portkey_result, tmp_path_factory):
    """The generated package written to a temp folder and put on sys.path; yields its import name."""
    from portkey_codegen.output import write_tree

    out = tmp_path_factory.mktemp("generated")
    write_tree(out, portkey_result.files)
    sys.path.insert(0, str(out))
    try:
        yield portkey_result.api.package_name
    finally:
        sys.path.remove(str(out))
