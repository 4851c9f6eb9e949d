"""Client start-up: `from <package>.client import Portkey; Portkey(api_key="x")` in a fresh process.

    .venv/bin/python bench/import_time.py                         # the committed generated/
    .venv/bin/python bench/import_time.py --root before=/tmp/old --root after=generated --runs 7

Each run is a new interpreter that times, with `time.perf_counter`, only the statement (not the
interpreter's own start-up); one unrecorded run first writes the .pyc files. Printed: the median
and min over `--runs`, and the median as a ratio to `import httpx` timed the same way in the same
rounds (every round runs each command once, so a busy spell of the machine hits all alike).
Goal: ≤ 150 ms for the client (issue 14).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_MS = 150.0

TIMED = """\
import time
t = time.{clock}()
{statement}
print(time.{clock}() - t)
"""


def client_statement(package: str, client: str) -> str:
    return f'from {package}.client import {client}\n{client}(api_key="x")'


def run_once(statement: str, root: Path | None, clock: str = "perf_counter") -> float:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run must leave .pyc files
    if root is not None:
        env["PYTHONPATH"] = str(root)
    proc = subprocess.run(
        [sys.executable, "-c", TIMED.format(statement=statement, clock=clock)],
        capture_output=True,
        text=True,
        env=env,
        cwd=root or REPO,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"failed: {statement!r} under {root}:\n{proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1]) * 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="LABEL=FOLDER",
        help="a folder holding the generated package (repeatable; default: generated=generated/)",
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--package", default="portkey_api")
    parser.add_argument("--client", default="Portkey")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time CPU (time.process_time) instead of wall clock: steadier on a busy shared machine",
    )
    args = parser.parse_args(argv)
    roots: list[tuple[str, Path]] = []
    for item in args.root or [f"generated={REPO / 'generated'}"]:
        label, sep, folder = item.partition("=")
        if not sep or not Path(folder).is_dir():
            parser.error(f"--root {item!r}: expected LABEL=FOLDER with an existing folder")
        roots.append((label, Path(folder).resolve()))
    commands = [("import httpx", "import httpx", None)] + [
        (f"{label}: import + construct", client_statement(args.package, args.client), root) for label, root in roots
    ]
    clock = "process_time" if args.cpu else "perf_counter"
    for _, statement, root in commands:  # writes the .pyc files; not recorded
        run_once(statement, root, clock)
    times: dict[str, list[float]] = {name: [] for name, _, _ in commands}
    for _ in range(args.runs):
        for name, statement, root in commands:
            times[name].append(run_once(statement, root, clock))
    httpx_median = statistics.median(times["import httpx"])
    what = "CPU milliseconds" if args.cpu else "milliseconds"
    print(f"python {sys.version.split()[0]}, {args.runs} fresh processes per command, {what}")
    print(f"{'command':44} {'median':>8} {'min':>8} {'vs httpx':>9}  goal ≤ {GOAL_MS:.0f} ms")
    for name, values in times.items():
        median = statistics.median(values)
        verdict = "" if name == "import httpx" else ("met" if median <= GOAL_MS else "MISSED")
        print(f"{name:44} {median:8.1f} {min(values):8.1f} {median / httpx_median:8.2f}x  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
