"""Limits (issue 6, part 3): every hostile case ends within 30 s and 1 GiB; bombs within 5 s.

The CLI runs of specs/ (conftest.spec_runs) are the measurement: each ran under
``RLIMIT_AS`` = 1 GiB (an allocation past it raises MemoryError, which would show as a traceback
and fail its case) and was killed at its bound (30 s, 5 s for bombs: ``# bound:`` in the spec).
These are bounds, not benchmarks: the bombs are refused in milliseconds.
"""

from __future__ import annotations

import subprocess

import pytest
from adv_harness import GIB, PYTHON, _limit_memory
from conftest import SPEC_CASES

BOMBS = ["yaml_alias_bomb", "yaml_deep_nesting"]


def test_bombs_are_refused_within_five_seconds(spec_runs) -> None:
    for name in BOMBS:
        case = next(c for c in SPEC_CASES if c.name == name)
        run = spec_runs[name]
        assert case.bound <= 5
        assert run.returncode == 2, run.describe()  # refused, not killed at the bound
        assert run.seconds < 5, f"{name} took {run.seconds:.1f} s"


def test_every_case_ends_within_bounds(spec_runs) -> None:
    slow = {n: round(r.seconds, 1) for n, r in spec_runs.items() if r.returncode is None or r.seconds >= 30}
    assert not slow, slow
    killed = {n: r.returncode for n, r in spec_runs.items() if r.returncode is not None and r.returncode < 0}
    assert not killed, killed
    out_of_memory = [n for n, r in spec_runs.items() if "MemoryError" in r.stderr]
    assert not out_of_memory, out_of_memory


def test_the_memory_limit_is_real() -> None:
    """Control: under the same preexec_fn, allocating 1.5 GiB fails."""
    proc = subprocess.run(
        [PYTHON, "-c", f"b = bytearray({int(1.5 * GIB)}); print(len(b))"],
        preexec_fn=_limit_memory,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "MemoryError" in proc.stderr


@pytest.mark.parametrize(
    "text,words",
    [
        # 12 levels of 12 aliases: 8.9e12 nodes if expanded
        (
            "a0: &a0 [x, x, x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 12)}]\n" for i in range(1, 12)),
            "an alias bomb",
        ),
        # aliases of a mapping merged over and over (<<: merge keys)
        (
            "b0: &b0 {k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n"
            + "".join(f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]\n" for i in range(1, 9)),
            "an alias bomb",
        ),
        ("x: " + "{a: " * 250 + "1" + "}" * 250 + "\n", "deeper than 200 levels"),
        ("x:\n" + "".join("  " * i + "-\n" for i in range(1, 260)), "deeper than 200 levels"),
    ],
    ids=["alias-bomb-12x12", "alias-bomb-mappings", "deep-flow-mappings", "deep-block-sequences"],
)
def test_loader_refuses_bombs_in_process(text: str, words: str) -> None:
    from portkey_codegen.diagnostics import GeneratorError
    from portkey_codegen.load import load_yaml_text

    with pytest.raises(GeneratorError) as info:
        load_yaml_text(text, file="bomb.yaml")
    (diag,) = info.value.diagnostics
    assert words in diag.message and diag.line is not None
