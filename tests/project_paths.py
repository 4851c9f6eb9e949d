"""Paths the tests share (a module of its own: `conftest` names clash across test folders).

The pinned Portkey spec is upstream data, not committed. Tests read it from the first of:
``../shared/spec/portkey-openapi.yaml`` (this repository's CI runner keeps a copy there) or the
user cache, where `portkey-codegen generate`/`fetch` put it (``<cache>/spec/<sha256>.yaml``; see
generator/fetch.py). conftest.py downloads it there first when neither holds it, through
``$PORTKEY_CODEGEN_SPEC_MIRROR`` when set. The later upstream revision the diff and update tests
use is pinned the same way (tests/data/pins/next.yaml). Nothing here touches the network.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PIN = REPO / "spec" / "pin.yaml"
RUNNER_COPY = REPO.parent / "shared" / "spec" / "portkey-openapi.yaml"
NEXT_PIN = REPO / "tests" / "data" / "pins" / "next.yaml"
RUNNER_NEXT_COPY = REPO.parent / "shared" / "spec" / "portkey-openapi.next.yaml"
FIXTURES = REPO / "tests" / "fixtures"
TEMPLATES = REPO / "templates"
# The static runtime (every .py under templates/<part>/, folders included), template-relative:
# copied verbatim under a header into every generated package.
RUNTIME_FILES = tuple(
    sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.glob("*/**/*.py") if "__pycache__" not in p.parts)
)


def pinned_sha256(pin: Path = PIN) -> str:
    """The sha256 the pin records, read as the generator reads it."""
    from portkey_codegen.fetch import read_pinned_source

    source = read_pinned_source(pin)
    assert source is not None and source.sha256, f"{pin} has no sha256"
    return source.sha256


def _user_cache_copy(pin: Path = PIN) -> Path:
    from portkey_codegen.fetch import cached_spec_path

    return cached_spec_path(pinned_sha256(pin))


# Resolved at import, before conftest points PORTKEY_CODEGEN_CACHE_DIR at a private folder.
SHARED_SPEC = RUNNER_COPY if RUNNER_COPY.is_file() else _user_cache_copy()
NEXT_SPEC = RUNNER_NEXT_COPY if RUNNER_NEXT_COPY.is_file() else _user_cache_copy(NEXT_PIN)
PINNED_SPECS = ((PIN, SHARED_SPEC), (NEXT_PIN, NEXT_SPEC))


# Set by .ci/run: there, a test that would skip (no gateway, a runner-only file missing) fails.
NO_SKIPS = "PORTKEY_CODEGEN_NO_SKIPS"


def skip_or_fail(reason: str) -> None:
    """Skip with `reason` on a developer's machine; fail with it where $PORTKEY_CODEGEN_NO_SKIPS is set."""
    import os

    import pytest

    if os.environ.get(NO_SKIPS, "").strip() not in ("", "0"):
        pytest.fail(f"{reason} (skips are failures here: {NO_SKIPS} is set)", pytrace=False)
    pytest.skip(reason)


# Minimal reproducers of real-world spec shapes, shared between worktrees (may be absent).
SHARED_REPRO = REPO.parent / "shared" / "repro"
REALWORLD = REPO / "tests" / "realworld"


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def spec_operation_keys(spec: Path) -> set[str]:
    """Every operation of `spec` as "METHOD /path", read from the YAML itself (not through the
    generator), so that tests follow the pinned spec instead of hard-coding its size."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(Path(spec).read_text("utf-8"), Loader=loader)
    return {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item if m in HTTP_METHODS}
