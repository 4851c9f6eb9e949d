"""Where the benchmarks read the pinned Portkey spec from (it is upstream data, not committed)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNNER_COPY = REPO.parent / "shared" / "spec" / "portkey-openapi.yaml"


def pinned_spec() -> Path:
    """This CI runner's copy in ../shared when there is one, else the user cache: downloaded once
    through spec/pin.yaml, sha256-checked, as `portkey-codegen fetch` does (honouring
    $PORTKEY_CODEGEN_SPEC_MIRROR). Raises portkey_codegen.GeneratorError when it cannot be fetched."""
    if RUNNER_COPY.is_file():
        return RUNNER_COPY
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from portkey_codegen.fetch import fetch_pinned

    return fetch_pinned(REPO / "spec" / "pin.yaml")
