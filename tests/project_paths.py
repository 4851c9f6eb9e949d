"""Paths the tests share (a module of its own: `conftest` names clash across test folders)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_SPEC = REPO.parent / "shared" / "spec" / "portkey-openapi.yaml"
NEXT_SPEC = REPO.parent / "shared" / "spec" / "portkey-openapi.next.yaml"
FIXTURES = REPO / "tests" / "fixtures"
# Minimal reproducers of real-world spec shapes, shared between worktrees (may be absent).
SHARED_REPRO = REPO.parent / "shared" / "repro"
REALWORLD = REPO / "tests" / "realworld"
