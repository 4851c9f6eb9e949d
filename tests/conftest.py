"""Shared fixtures: paths, and one generation of the real Portkey spec reused by many tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from project_paths import FIXTURES, NEXT_SPEC, REPO, SHARED_SPEC  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Tests never read or fill the developer's own stage cache."""
    import os

    folder = tmp_path_factory.mktemp("stage-cache")
    old = os.environ.get("PORTKEY_CODEGEN_CACHE_DIR")
    os.environ["PORTKEY_CODEGEN_CACHE_DIR"] = str(folder)
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
        pytest.fail(f"the pinned Portkey spec is expected at {SHARED_SPEC} (../shared/spec beside the repo)")
    return SHARED_SPEC


@pytest.fixture(scope="session")
def portkey_result(portkey_spec_path):
    """generator.render_tree on the pinned spec with the project's own configuration (no writes)."""
    from generator import load_config, render_tree

    config = load_config(REPO / "pyproject.toml")
    return render_tree(config)


@pytest.fixture(scope="session")
def portkey_package(portkey_result, tmp_path_factory):
    """The generated package written to a temp folder and put on sys.path; yields its import name."""
    from generator.output import write_tree

    out = tmp_path_factory.mktemp("generated")
    write_tree(out, portkey_result.files)
    sys.path.insert(0, str(out))
    try:
        yield portkey_result.api.package_name
    finally:
        sys.path.remove(str(out))
