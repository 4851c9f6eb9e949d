"""Shared fixtures: paths, and one generation of the real Portkey spec reused by many tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from project_paths import (  # noqa: F401
    FIXTURES, NEXT_PIN, NEXT_SPEC, NO_SKIPS, PIN, PINNED_SPECS, REPO, SHARED_SPEC, pinned_sha256,
)  # fmt: skip

_spec_problem: dict[Path, str] = {}  # why a pinned spec could not be had, by its file


def pytest_configure(config):
    """The pinned specs (spec/pin.yaml's and the later tests/data/pins/next.yaml's), once per
    machine: the runner's copy, the user cache, else downloaded into it (through
    $PORTKEY_CODEGEN_SPEC_MIRROR when set) exactly as `portkey-codegen fetch` does."""
    from portkey_codegen.diagnostics import GeneratorError
    from portkey_codegen.fetch import fetch_pinned

    for pin, path in PINNED_SPECS:
        if path.is_file():
            continue
        try:
            got = fetch_pinned(pin)
        except GeneratorError as exc:
            _spec_problem[path] = exc.diagnostics[0].message
            continue
        assert got == path, (got, path)


def pinned_spec_or_fail(path: Path) -> Path:
    """`path` (SHARED_SPEC or NEXT_SPEC), or a failure saying why it could not be had."""
    if not path.is_file():
        pytest.fail(
            f"the pinned Portkey spec {path.name} is neither in ../shared/spec nor in the user cache, and "
            + _spec_problem.get(path, "it could not be downloaded"),
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Tests never read or fill the developer's own stage cache. The private cache starts with the
    pinned spec in it, so that the project's own config (`pin`, no `spec`) finds it offline."""
    import hashlib
    import os

    folder = tmp_path_factory.mktemp("stage-cache")
    old = os.environ.get("PORTKEY_CODEGEN_CACHE_DIR")
    os.environ["PORTKEY_CODEGEN_CACHE_DIR"] = str(folder)
    from portkey_codegen.fetch import store

    for pin, path in PINNED_SPECS:
        if path.is_file():
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() == pinned_sha256(pin):  # else the pin check reports it where used
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
    return pinned_spec_or_fail(SHARED_SPEC)


@pytest.fixture(scope="session")
def next_spec_path() -> Path:
    """The later upstream revision (tests/data/pins/next.yaml), fetched like the pinned spec."""
    return pinned_spec_or_fail(NEXT_SPEC)


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
