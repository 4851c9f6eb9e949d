"""Issue 20's three speed goals in one run, wall clock and CPU time side by side.

    .venv/bin/python bench/goals.py --runs 5            # ~1.5 min on 2 idle cores
    .venv/bin/python bench/goals.py --runs 3 --synth 4  # also a refusal of a 4x synthetic spec

  cold generate    `portkey-codegen generate` with an empty cache and output folder, as a ratio to
                   `datamodel-codegen` (models only, pydantic v2) on the same spec   goal ≤ 0.5x
  unchanged check  `portkey-codegen check` right after that generate               goal ≤ 0.5 s
  refusal          `portkey-codegen generate` of an invalid spec (the pinned spec with three
                   `type: string` made `type: strng`), empty cache, as a ratio to
                   `portkey-codegen validate` of the same spec (load, overlay, $refs, validation),
                   both exiting 2                                               goal ≤ 1.5x

Each round runs every command once, so a slow spell of a shared machine hits all of them alike;
medians are printed. CPU time is user + system of the process and the children it waited for
(os.wait4): steadier than wall clock when other jobs share the cores, but it counts both cores of
our forked stages, so our CPU ratios are the harsher ones. datamodel-codegen is the peers venv's
(bench/run.py) when it exists, else this venv's (the version our generator drives).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import OUR_PY, PEER_VENV, REPO, WORK, env_with, our_cli

INJECTED = 3  # errors put into the invalid spec


def timed(cmd: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process tree it waited for, exit code) of one command."""
    t0 = time.perf_counter()
    with open(WORK / "goals.log", "ab") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, proc.returncode


def invalid_copy(text: str, target: Path, pattern: str) -> Path:
    """`text` with INJECTED occurrences of `pattern` (spread over the file) spelled `strng`."""
    spots = [m.start() for m in re.finditer(re.escape(pattern), text)]
    chosen = sorted({spots[len(spots) * k // (INJECTED + 1)] for k in range(1, INJECTED + 1)}, reverse=True)
    for at in chosen:
        text = text[:at] + pattern.replace("string", "strng") + text[at + len(pattern) :]
    target.write_text(text, "utf-8")
    return target


def synthetic_invalid(copies: int) -> tuple[Path, Path]:
    """(an invalid `copies`-x synthetic spec, its config) made with bench/synth.py."""
    spec = WORK / f"synth-{copies}x.json"
    subprocess.run([str(OUR_PY), str(REPO / "bench" / "synth.py"), str(copies), str(spec)], check=True)
    text = json.dumps(json.loads(spec.read_text("utf-8")), indent=1)
    bad = invalid_copy(text, WORK / f"synth-{copies}x-invalid.json", '"type": "string"')
    config = WORK / f"synth-{copies}x.toml"
    names = spec.with_suffix(".names.json")  # written by synth.py beside the spec
    config.write_text(
        f'[tool.portkey-codegen]\nspec = "{bad}"\nnames = "{names}"\nout = "{WORK / "out-synth"}"\n', "utf-8"
    )
    return bad, config


def dcg_binary() -> Path:
    peer = PEER_VENV / "bin" / "datamodel-codegen"
    return peer if peer.exists() else OUR_PY.parent / "datamodel-codegen"


def rounds(runs: int, spec: Path, bad: Path, synth: tuple[Path, Path] | None) -> dict[str, list[tuple[float, float, int]]]:
    cli, cache, refusal_cache, out = our_cli(), WORK / "goals-cache", WORK / "goals-cache-refusal", WORK / "goals-out"
    env, refusal_env = env_with(PORTKEY_CODEGEN_CACHE_DIR=str(cache)), env_with(PORTKEY_CODEGEN_CACHE_DIR=str(refusal_cache))
    dcg = [str(dcg_binary()), "--input", str(spec), "--input-file-type", "openapi",
           "--output-model-type", "pydantic_v2.BaseModel", "--output", str(WORK / "goals-dcg" / "models.py")]  # fmt: skip
    commands = {
        "cold generate": ([*cli, "generate", "--spec", str(spec), "--out", str(out)], env, (cache, out)),
        "datamodel-codegen": (dcg, env_with(), (WORK / "goals-dcg",)),
        "unchanged check": ([*cli, "check", "--spec", str(spec), "--out", str(out)], env, ()),
        "refusal": ([*cli, "generate", "--spec", str(bad), "--spec-changed", "--out", str(out) + "-bad"], refusal_env, (refusal_cache,)),
        "validation": ([*cli, "validate", "--spec", str(bad), "--spec-changed"], refusal_env, (refusal_cache,)),
    }  # fmt: skip
    if synth is not None:
        synth_env = env_with(PORTKEY_CODEGEN_CACHE_DIR=str(refusal_cache))
        config = ["--config", str(synth[1])]
        commands["synthetic refusal"] = ([*cli, "generate", *config], synth_env, (refusal_cache,))
        commands["synthetic validation"] = ([*cli, "validate", *config], synth_env, (refusal_cache,))
    for name, (cmd, cmd_env, _) in commands.items():
        cache_dir = cmd_env.get("PORTKEY_CODEGEN_CACHE_DIR")
        print(f"{name}: {'PORTKEY_CODEGEN_CACHE_DIR=' + cache_dir + ' ' if cache_dir else ''}{' '.join(cmd)}")
    found: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    for r in range(runs):
        print(f"round {r + 1}/{runs}", file=sys.stderr)
        for name, (cmd, cmd_env, clear) in commands.items():
            for path in clear:
                shutil.rmtree(path, ignore_errors=True)
            (WORK / "goals-dcg").mkdir(parents=True, exist_ok=True)
            found[name].append(timed(cmd, cmd_env))
    return found


def report(found: dict[str, list[tuple[float, float, int]]]) -> dict[str, float]:
    def median(name: str, index: int) -> float:
        return statistics.median(sample[index] for sample in found[name])

    print(f"{'command':<22} {'wall s':>8} {'cpu s':>8}  exit codes")
    for name, samples in found.items():
        print(f"{name:<22} {median(name, 0):8.2f} {median(name, 1):8.2f}  {sorted({s[2] for s in samples})}")
    out: dict[str, float] = {}
    goals = [
        ("cold generate / datamodel-codegen", "cold generate", "datamodel-codegen", 0.5),
        ("refusal / validation", "refusal", "validation", 1.5),
        ("synthetic refusal / validation", "synthetic refusal", "synthetic validation", 1.5),
    ]
    print("\ngoals (medians)                          wall      cpu   goal")
    for label, ours, other, goal in goals:
        if ours not in found:
            continue
        wall, cpu = median(ours, 0) / median(other, 0), median(ours, 1) / median(other, 1)
        out[label + " wall"], out[label + " cpu"] = wall, cpu
        print(f"{label:<38} {wall:6.2f}x  {cpu:6.2f}x  ≤ {goal}x  {'met' if wall <= goal else 'MISSED'} (wall)")
    check = median("unchanged check", 0), median("unchanged check", 1)
    out["unchanged check wall"], out["unchanged check cpu"] = check
    print(f"{'unchanged check':<38} {check[0]:6.2f}s  {check[1]:6.2f}s  ≤ 0.5 s  {'met' if check[0] <= 0.5 else 'MISSED'} (wall)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="rounds; each runs every command once (default 5)")
    ap.add_argument("--synth", type=int, default=0, help="also refuse an invalid synthetic spec this many times the size")
    ap.add_argument("--json", type=Path, help="also write the medians and ratios as JSON here")
    args = ap.parse_args(argv)
    from pinned_spec import pinned_spec

    spec = pinned_spec()
    # Byte-code as a normal install has it (PYTHONDONTWRITEBYTECODE=1 would make every run compile
    # the generator's modules again, ~40 ms of each `check`).
    subprocess.run([str(OUR_PY), "-m", "compileall", "-q", str(REPO / "generator")], check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "goals.log").write_text("")
    bad = invalid_copy(spec.read_text("utf-8"), WORK / "invalid.yaml", "type: string\n")
    synth = synthetic_invalid(args.synth) if args.synth else None
    print(f"load average {os.getloadavg()[0]:.1f}; datamodel-codegen: {dcg_binary()}", file=sys.stderr)
    found = rounds(max(1, args.runs), spec, bad, synth)
    print(f"load average after: {os.getloadavg()[0]:.1f}; command output: {WORK / 'goals.log'}")
    ratios = report(found)
    if args.json:
        args.json.write_text(json.dumps({"samples": found, "ratios": ratios}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
