"""cProfile of one `portkey-codegen generate` on the pinned spec, summarised as its top costs.

    .venv/bin/python bench/cold_profile.py                  # cold: empty cache (the default)
    .venv/bin/python bench/cold_profile.py --mode off       # cache off and no fork: the pre-cache pipeline
    .venv/bin/python bench/cold_profile.py --mode warm      # unchanged spec, warm cache
    .venv/bin/python bench/cold_profile.py --load FILE.prof # summarise a saved profile

Costs are cumulative times of the pipeline's entry points (they nest only where noted), then the
functions with the most time of their own. cProfile slows Python code ~2x; ratios matter, not
seconds. Forked children (validation, datamodel-code-generator) are not profiled: their time shows
up as the wait for them; PORTKEY_CODEGEN_PARALLEL=0 keeps everything in one profiled process.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (label, file suffix, function name) of the entry points worth naming
COST_CENTRES = [
    ("datamodel-code-generator (models)", "datamodel_code_generator/__init__.py", "generate"),
    ("validation (openapi-spec-validator)", "generator/validate.py", "validate"),
    ("waiting for forked children (dcg, validation)", "generator/fork.py", "join"),
    ("YAML load (spec, pin, names)", "generator/load.py", "load_spec"),
    ("$ref resolution", "generator/refs.py", "resolve_refs"),
    ("models plan", "generator/models.py", "plan_models"),
    ("IR build", "generator/lower/api.py", "build_api"),
    ("render (Jinja templates)", "generator/emit.py", "emit_files"),
    ("format (ruff)", "generator/formatting.py", "format_tree"),
    ("write + manifest", "generator/output.py", "write_tree"),
    ("compare (check)", "generator/output.py", "stale_diff"),
    ("cache lookups (whole tree)", "generator/stages.py", "tree_get"),
    ("cache keys + reads + writes", "generator/cache.py", "get"),
    ("cache writes", "generator/cache.py", "put"),
    ("imports (overlaps the rows above)", "<frozen importlib._bootstrap>", "_find_and_load"),
]


def summarise(stats: pstats.Stats, top: int = 5) -> str:
    raw = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _), (_, _, _, ct, _) in raw.items())
    centres = []
    for label, suffix, name in COST_CENTRES:
        cum = sum(ct for (file, _, func), (_, _, _, ct, _) in raw.items() if func == name and file.endswith(suffix))
        if cum > 0:
            centres.append((cum, label))
    own = sorted(
        ((tt, f"{Path(file).name}:{line}({func})") for (file, line, func), (_, _, tt, _, _) in raw.items()),
        reverse=True,
    )
    lines = [f"total {total:.2f} s (under cProfile)", "", "top costs (cumulative):"]
    for cum, label in sorted(centres, reverse=True)[: top + 3]:
        lines.append(f"  {cum:7.2f} s  {cum / total:5.1%}  {label}")
    lines += ["", f"top {top} functions by own time:"]
    for tt, where in own[:top]:
        lines.append(f"  {tt:7.2f} s  {tt / total:5.1%}  {where}")
    return "\n".join(lines)


def run(mode: str, save: Path | None) -> pstats.Stats:
    sys.path.insert(0, str(REPO))
    work = Path(tempfile.mkdtemp(prefix="portkey-codegen-profile-"))
    cache = work / "cache"
    os.environ.pop("PORTKEY_CODEGEN_NO_CACHE", None)
    os.environ["PORTKEY_CODEGEN_CACHE_DIR"] = str(cache)
    if mode == "off":
        os.environ["PORTKEY_CODEGEN_NO_CACHE"] = "1"
        os.environ["PORTKEY_CODEGEN_PARALLEL"] = "0"
    from pinned_spec import pinned_spec

    # --spec: the temporary cache folder holds no copy of the pinned spec to find by its pin
    args = ["generate", "--spec", str(pinned_spec()), "--out", str(work / "out")]
    os.chdir(REPO)
    if mode == "warm":  # fill the cache in a child process, profile the second run
        import subprocess

        subprocess.run([sys.executable, "-m", "portkey_codegen", *args], check=True, capture_output=True)
    profiler = cProfile.Profile()
    profiler.enable()
    from portkey_codegen.cli import main

    with open(os.devnull, "w") as sink:
        stderr, sys.stderr = sys.stderr, sink
        try:
            main(args)
        finally:
            sys.stderr = stderr
    profiler.disable()
    if save:
        profiler.dump_stats(str(save))
    shutil.rmtree(work, ignore_errors=True)
    return pstats.Stats(profiler)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("cold", "off", "warm"), default="cold")
    ap.add_argument("--load", type=Path, help="summarise this saved profile instead of running one")
    ap.add_argument("--save", type=Path, help="also save the raw profile here")
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args(argv)
    stats = pstats.Stats(str(args.load)) if args.load else run(args.mode, args.save)
    print(summarise(stats, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
