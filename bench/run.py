"""The benchmark: portkey-codegen against its peers on the pinned Portkey spec, one table.

    .venv/bin/python bench/run.py                 # everything, 5 alternating runs per command
    .venv/bin/python bench/run.py --runs 3 --skip-scale --skip-runtime

What it measures (wall time and peak RSS of a fresh process for each run, via os.wait4):
  ours      cold full generation (models + client + server + format; cache and output cleared),
            regeneration with an unchanged spec, `check` on an unchanged tree, generation after a
            one-line description change (of an operation; of a schema), and, for reference,
            generation with the cache off (--no-cache / PORTKEY_CODEGEN_NO_CACHE=1)
  peers     datamodel-codegen CLI (pydantic v2 output, otherwise defaults) and
            openapi-python-client generate (config `literal_enums: true`), installed from PyPI
            into bench/.peers/venv (git-ignored) on first use
  runtime   import time of the generated client / server app vs `import openai` / `import
            portkey_ai`; µs per chat.completions.create and per streamed chunk against a local
            keep-alive server vs the openai SDK, the portkey-ai SDK and raw httpx + json;
            model_validate_json of a 100-choice chat completion vs the openai SDK's model;
            requests/second of the generated server (mock) vs a minimal hand-written FastAPI route
  scale     cold generation of synthetic specs 1x, 4x, 16x the spec (bench/synth.py), and the
            largest size that generates in under 60 s

Commands of one kind are not run back to back: each round runs every command once, so a
slow spell of the (shared) machine hits all of them alike. Min and median are printed.
Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SPEC = Path()  # the pinned spec; set by main() (see pinned_spec.py)
PEERS = BENCH / ".peers"
PEER_VENV = PEERS / "venv"
WORK = PEERS / "work"
OUR_PY = REPO / ".venv" / "bin" / "python"
RUNTIME = BENCH / "runtime.py"

# Peers, pinned so that numbers are comparable between runs of this script. datamodel-codegen is
# the version our generator drives as a library.
PEER_PACKAGES = [
    "datamodel-code-generator==0.89.0",
    "openapi-python-client==0.29.1",
    "portkey-ai",
    "openai",
    "httpx",
]
OP_DESCRIPTION = "Creates a new collection in the specified workspace"  # an operation's description
SCHEMA_DESCRIPTION = "Represents a chat completion response returned by model, based on the provided input."
TARGET_SECONDS = 60.0


# --- running and measuring one process -------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    rss_mb: float  # peak RSS of the largest single process (os.wait4 covers waited-for children)
    ok: bool
    pss_mb: float = 0.0  # peak proportional set size of the whole process tree, sampled every 20 ms


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    @property
    def median(self) -> float | None:
        good = self.ok()
        return statistics.median(s.seconds for s in good) if good else None

    @property
    def minimum(self) -> float | None:
        good = self.ok()
        return min(s.seconds for s in good) if good else None

    @property
    def rss(self) -> float | None:
        good = self.ok()
        return statistics.median(s.rss_mb for s in good) if good else None

    @property
    def pss(self) -> float | None:
        good = [s for s in self.ok() if s.pss_mb]
        return statistics.median(s.pss_mb for s in good) if good else None


def tree_pss_mb(root: int) -> float:
    """PSS of `root` and its descendants (shared pages split between sharers: forks add no
    phantom copies), from /proc; 0 where /proc does not tell."""
    total_kb, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        break
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                stack.extend(int(x) for x in handle.read().split())
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def measure(
    cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900, log: Path | None = None
) -> Sample:
    """Wall time, peak RSS (the process and the children it waited for) and peak PSS of the whole
    process tree of one command."""
    import threading

    out = open(log, "ab") if log else subprocess.DEVNULL
    peak = [0.0]
    done = threading.Event()
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=out, start_new_session=True)

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], tree_pss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = t0 + timeout
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    os.killpg(proc.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(proc.pid, 0)
                    proc.returncode = -9
                    return Sample(time.perf_counter() - t0, usage.ru_maxrss / 1024, False, peak[0])
                time.sleep(0.002)
        finally:
            done.set()
            sampler.join()
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        return Sample(elapsed, usage.ru_maxrss / 1024, proc.returncode == 0, peak[0])
    finally:
        if log:
            out.close()


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTKEY_CODEGEN_")}
    env.update(extra)
    return env


# --- peers venv ------------------------------------------------------------------------------------------------


def peer_bin(name: str) -> Path:
    return PEER_VENV / "bin" / name


def ensure_peers() -> None:
    stamp = PEER_VENV / "bench-packages.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == PEER_PACKAGES:
        return
    print(f"installing peers into {PEER_VENV} (once): {', '.join(PEER_PACKAGES)}", file=sys.stderr)
    if not peer_bin("python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [str(peer_bin("python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEER_PACKAGES],
        check=True,
    )
    stamp.write_text(json.dumps(PEER_PACKAGES))


def installed_versions(python: Path, names: list[str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = m.version(n)\n"
        "    except Exception: out[n] = '-'\n"
        "print(json.dumps(out))"
    )
    proc = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True)
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


# --- our scenarios and the peers' ----------------------------------------------------------------------------


def our_cli() -> list[str]:
    script = REPO / ".venv" / "bin" / "portkey-codegen"
    return [str(script)] if script.exists() else [str(OUR_PY), "-m", "portkey_codegen"]


def variant(text: str, old: str, tag: str) -> Path:
    """The pinned spec with one description reworded by a never-seen text (so no cache has it)."""
    assert text.count(old) >= 1, old
    path = WORK / f"spec-{tag}.yaml"
    path.write_text(
        text.replace(old, f"{old[:-1] if old.endswith('.') else old} (edit {uuid.uuid4().hex[:8]}).", 1), "utf-8"
    )
    return path


def generation_rounds(runs: int, with_peers: bool) -> list[Series]:
    cache = WORK / "cache"
    out = WORK / "out"
    log = WORK / "commands.log"
    cli = our_cli()
    spec_text = SPEC.read_text("utf-8")
    ours_env = env_with(PORTKEY_CODEGEN_CACHE_DIR=str(cache))
    series = {
        name: Series(name)
        for name in (
            "ours: cold generate",
            "ours: unchanged generate",
            "ours: unchanged check",
            "ours: op description changed",
            "ours: schema description changed",
            "ours: generate, cache off",
            "datamodel-codegen",
            "openapi-python-client",
        )
    }
    opc_config = WORK / "opc-config.yaml"
    opc_config.write_text("literal_enums: true\n")

    def clear(*paths: Path) -> None:
        for p in paths:
            shutil.rmtree(p, ignore_errors=True)

    for r in range(runs):
        print(f"round {r + 1}/{runs}", file=sys.stderr)
        clear(cache, out)
        series["ours: cold generate"].samples.append(
            measure([*cli, "generate", "--out", str(out)], cwd=REPO, env=ours_env, log=log)
        )
        series["ours: unchanged generate"].samples.append(
            measure([*cli, "generate", "--out", str(out)], cwd=REPO, env=ours_env, log=log)
        )
        series["ours: unchanged check"].samples.append(
            measure([*cli, "check", "--out", str(out)], cwd=REPO, env=ours_env, log=log)
        )
        for name, old, tag in (
            ("ours: op description changed", OP_DESCRIPTION, "op"),
            ("ours: schema description changed", SCHEMA_DESCRIPTION, "schema"),
        ):
            spec = variant(spec_text, old, tag)
            series[name].samples.append(
                measure(
                    [*cli, "generate", "--spec", str(spec), "--spec-changed", "--out", str(out)],
                    cwd=REPO,
                    env=ours_env,
                    log=log,
                )
            )
        clear(WORK / "out-nocache")
        series["ours: generate, cache off"].samples.append(
            measure(
                [*cli, "generate", "--out", str(WORK / "out-nocache")],
                cwd=REPO,
                env=env_with(PORTKEY_CODEGEN_NO_CACHE="1"),
                log=log,
            )
        )
        if with_peers:
            clear(WORK / "peer-dcg")
            (WORK / "peer-dcg").mkdir(parents=True)
            series["datamodel-codegen"].samples.append(
                measure(
                    [
                        str(peer_bin("datamodel-codegen")),
                        "--input",
                        str(SPEC),
                        "--input-file-type",
                        "openapi",
                        "--output-model-type",
                        "pydantic_v2.BaseModel",
                        "--output",
                        str(WORK / "peer-dcg" / "models.py"),
                    ],  # fmt: skip
                    cwd=WORK,
                    env=env_with(),
                    log=log,
                )
            )
            clear(WORK / "peer-opc")
            series["openapi-python-client"].samples.append(
                measure(
                    [
                        str(peer_bin("openapi-python-client")),
                        "generate",
                        "--path",
                        str(SPEC),
                        "--config",
                        str(opc_config),
                        "--output-path",
                        str(WORK / "peer-opc"),
                        "--overwrite",
                    ],  # fmt: skip
                    cwd=WORK,
                    env=env_with(),
                    log=log,
                )
            )
    # the tree the runtime section uses: the pinned spec, as committed
    clear(out)
    measure([*cli, "generate", "--out", str(out)], cwd=REPO, env=ours_env, log=log)
    return [s for s in series.values() if s.samples]


# --- generated code at run time ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def runtime_task(python: Path, *args: str, pythonpath: Path | None = None, timeout: float = 600) -> dict | None:
    env = env_with()
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    proc = subprocess.run([str(python), str(RUNTIME), *args], capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        with open(WORK / "commands.log", "a") as log:
            log.write(f"$ {python} runtime.py {' '.join(args)}\n{proc.stderr}\n")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Background:
    """A server subprocess that prints {"listening": port} when ready."""

    def __init__(self, python: Path, *args: str, pythonpath: Path | None = None):
        env = env_with()
        if pythonpath is not None:
            env["PYTHONPATH"] = str(pythonpath)
        self.proc = subprocess.Popen(
            [str(python), str(RUNTIME), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise RuntimeError(f"server {args} did not start")
        self.port = json.loads(line)["listening"]
        self._wait_port()

    def _wait_port(self) -> None:
        for _ in range(400):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not listen")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class Row:
    what: str
    ours: float | None
    others: dict[str, float | None]
    unit: str


def runtime_section(runs: int) -> list[Row]:
    out = WORK / "out"
    peer_py = peer_bin("python")
    rows: list[Row] = []

    def median_of(python: Path, statement: str, pythonpath: Path | None = None, n: int = 7) -> float | None:
        values = []
        for _ in range(n):
            result = runtime_task(python, "import", statement, pythonpath=pythonpath)
            if result is None:
                return None
            values.append(result["seconds"])
        return statistics.median(values)

    print("runtime: imports", file=sys.stderr)
    client_import = median_of(OUR_PY, "from portkey_api.client import Portkey; Portkey(api_key='x')", out)
    server_import = median_of(OUR_PY, "from portkey_api.server import create_app; create_app()", out)
    openai_import = median_of(peer_py, "import openai")
    portkey_import = median_of(peer_py, "import portkey_ai")
    rows.append(
        Row(
            "import: client (ours) vs SDKs",
            client_import,
            {"openai": openai_import, "portkey_ai": portkey_import},
            "ms",
        )
    )
    rows.append(
        Row(
            "import: server app (ours, create_app())",
            server_import,
            {"openai": openai_import, "portkey_ai": portkey_import},
            "ms",
        )
    )

    print("runtime: requests and streams", file=sys.stderr)
    upstream = Background(OUR_PY, "upstream", str(free_port()))
    base = f"http://127.0.0.1:{upstream.port}/v1"
    try:
        per_call: dict[str, float | None] = {}
        per_chunk: dict[str, float | None] = {}
        for _ in range(max(1, min(runs, 3))):  # alternate clients, keep the best (least disturbed) run
            for name, python, path in (
                ("ours", OUR_PY, out),
                ("openai", peer_py, None),
                ("portkey_ai", peer_py, None),
                ("httpx", OUR_PY, None),
            ):
                got = runtime_task(python, "calls", name, base, "2000", pythonpath=path)
                value = got["us_per_call"] if got else None
                per_call[name] = value if per_call.get(name) is None or value is None else min(per_call[name], value)
                got = runtime_task(python, "stream", name, base, "50", pythonpath=path)
                value = got["us_per_chunk"] if got else None
                per_chunk[name] = value if per_chunk.get(name) is None or value is None else min(per_chunk[name], value)
    finally:
        upstream.stop()
    rows.append(Row("client: chat.completions.create", per_call.pop("ours"), per_call, "µs/call"))
    rows.append(Row("client: streamed chunk", per_chunk.pop("ours"), per_chunk, "µs/chunk"))

    print("runtime: parsing", file=sys.stderr)
    ours_parse = runtime_task(OUR_PY, "parse", "ours", "300", pythonpath=out)
    openai_parse = runtime_task(peer_py, "parse", "openai", "300")
    rows.append(
        Row(
            "model_validate_json, 100 choices",
            ours_parse and ours_parse["us_per_parse"],
            {"openai": openai_parse and openai_parse["us_per_parse"]},
            "µs",
        )
    )

    print("runtime: servers", file=sys.stderr)
    rows.append(server_rps(out))
    return rows


def server_rps(out: Path, n: int = 3000, concurrency: int = 16) -> Row:
    generated = handwritten = None
    sample_file = WORK / "mock-completion.json"
    try:
        server = Background(OUR_PY, "generated-server", str(free_port()), pythonpath=out)
        try:
            result = runtime_task(
                OUR_PY, "load", f"http://127.0.0.1:{server.port}/chat/completions", str(n), str(concurrency)
            )
            if result and not result["failures"]:
                generated = result["rps"]
                sample_file.write_text(json.dumps(result["sample"]))
        finally:
            server.stop()
        if sample_file.is_file():
            server = Background(OUR_PY, "handwritten", str(free_port()), str(sample_file))
            try:
                result = runtime_task(
                    OUR_PY, "load", f"http://127.0.0.1:{server.port}/chat/completions", str(n), str(concurrency)
                )
                handwritten = result["rps"] if result and not result["failures"] else None
            finally:
                server.stop()
    except RuntimeError as exc:
        print(f"server benchmark: {exc}", file=sys.stderr)
    return Row(
        f"server: requests/s (mock chat, {concurrency} conns)",
        generated,
        {"hand-written FastAPI": handwritten},
        "req/s",
    )


# --- scale ---------------------------------------------------------------------------------------------------------


@dataclass
class ScalePoint:
    factor: int
    operations: int
    schemas: int
    sample: Sample


def scale_section(factors: list[int], probe: bool) -> tuple[list[ScalePoint], str]:
    sys.path.insert(0, str(BENCH))
    import synth

    folder = WORK / "scale"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    base = synth.base_document(SPEC)
    cli = our_cli()

    def run(factor: int, timeout: float) -> ScalePoint:
        spec = folder / f"spec-{factor}x.json"
        ops, schemas = synth.write_scaled(factor, spec, base)
        synth.write_names(factor, folder / f"names-{factor}x.json")
        work = folder / f"w{factor}"
        work.mkdir(exist_ok=True)
        (work / "pyproject.toml").write_text(
            f'[tool.portkey-codegen]\nout = "out"\npackage-name = "synth_api"\nnames = "../names-{factor}x.json"\n'
        )
        print(f"scale: {factor}x ({ops} operations)", file=sys.stderr)
        sample = measure(
            [*cli, "generate", "--spec", str(spec)],
            cwd=work,
            env=env_with(PORTKEY_CODEGEN_CACHE_DIR=str(work / "cache")),  # empty: a cold run
            timeout=timeout,
            log=WORK / "commands.log",
        )
        shutil.rmtree(work / "out", ignore_errors=True)
        shutil.rmtree(work / "cache", ignore_errors=True)
        spec.unlink()
        return ScalePoint(factor, ops, schemas, sample)

    points = [run(f, 1800) for f in factors]
    if not probe:
        return points, ""
    # the largest factor under TARGET_SECONDS: probe past the measured points, stopping each probe at the limit
    under = [p.factor for p in points if p.sample.ok and p.sample.seconds < TARGET_SECONDS]
    over = [p.factor for p in points if not (p.sample.ok and p.sample.seconds < TARGET_SECONDS)]
    lo, hi = (max(under) if under else 0), (min(over) if over else None)
    for _ in range(4):
        if hi is None:
            candidate = lo * 2
        elif hi - lo <= max(1, lo // 8):
            break
        else:
            candidate = (lo + hi) // 2
        point = run(candidate, TARGET_SECONDS)
        points.append(point)
        if point.sample.ok and point.sample.seconds < TARGET_SECONDS:
            lo = candidate
        else:
            hi = candidate
    note = f"largest size generated in < {TARGET_SECONDS:.0f} s: {lo}x" + (f" (fails at {hi}x)" if hi else "")
    return sorted(points, key=lambda p: p.factor), note


# --- the table -------------------------------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_table(series: list[Series], runtime: list[Row], scale: list[ScalePoint], scale_note: str, runs: int) -> str:
    lines: list[str] = []
    add = lines.append
    by = {s.name: s for s in series}
    add(
        f"portkey-codegen benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()} "
        f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}), Python {platform.python_version()}"
    )
    add(f"spec: {SPEC.name} (224 operations, 503 schemas); {runs} alternating runs per command; fresh process each")
    add("")
    add(
        f"{'generation':<36} {'min s':>7} {'median s':>9} {'RSS MB':>7} {'PSS MB':>7} {'ok':>5}"
        "  median vs datamodel-codegen / openapi-python-client"
    )
    dcg = by.get("datamodel-codegen")
    opc = by.get("openapi-python-client")
    for s in series:
        ratio = ""
        if s.name.startswith("ours") and s.median is not None:
            parts = []
            for peer in (dcg, opc):
                if peer is not None and peer.median:
                    parts.append(f"{s.median / peer.median:.2f}x")
                else:
                    parts.append("—")
            ratio = " / ".join(parts)
        rss = "—" if s.rss is None else f"{s.rss:.0f}"
        pss = "—" if s.pss is None else f"{s.pss:.0f}"
        add(
            f"{s.name:<36} {fmt_s(s.minimum):>7} {fmt_s(s.median):>9} {rss:>7} {pss:>7} "
            f"{len(s.ok()):>2}/{len(s.samples):<2}  {ratio}"
        )
    add("")
    add("targets")
    cold, unchanged, check = (
        by.get("ours: cold generate"),
        by.get("ours: unchanged generate"),
        by.get("ours: unchanged check"),
    )
    op_desc, schema_desc = by.get("ours: op description changed"), by.get("ours: schema description changed")

    def verdict(ok: bool | None) -> str:
        return "—" if ok is None else ("met" if ok else "MISSED")

    def target(label: str, value: float | None, limit: float | None, unit: str = "s") -> None:
        ok = None if value is None or limit is None else value <= limit
        shown = "—" if value is None else f"{value:.2f} {unit}"
        bound = "—" if limit is None else f"{limit:.2f} {unit}"
        add(f"  {label:<58} {shown:>10}  (≤ {bound:>9})  {verdict(ok)}")

    if cold and dcg and dcg.median:
        target("cold generate ≤ 1/3 of datamodel-codegen (median)", cold.median, dcg.median / 3)
    for label, s in (("unchanged generate ≤ 1.0 s", unchanged), ("unchanged check ≤ 1.0 s", check)):
        if s:
            target(label, s.median, 1.0)
    for label, s in (("op description change ≤ 1.5 s", op_desc), ("schema description change ≤ 1.5 s", schema_desc)):
        if s:
            target(label, s.median, 1.5)
    if cold and dcg and cold.rss and dcg.rss:
        target("cold peak RSS (largest process) ≤ datamodel-codegen's", cold.rss, dcg.rss, "MB")
    if cold and dcg and cold.pss and dcg.pss:
        target("cold peak PSS (whole process tree) ≤ datamodel-codegen's", cold.pss, dcg.pss, "MB")
    if runtime:
        add("")
        add(f"{'generated code':<44} {'ours':>10}  others (ratio ours/other)")

        def show(v: float | None, unit: str) -> str:
            if v is None:
                return "—"
            return f"{v * 1000:.0f} ms" if unit == "ms" else f"{v:,.0f} {unit}"

        for row in runtime:
            others = ", ".join(
                f"{name} {show(v, row.unit)}" + (f" ({row.ours / v:.2f}x)" if v and row.ours else "")
                for name, v in row.others.items()
            )
            add(f"{row.what:<44} {show(row.ours, row.unit):>10}  {others}")
    if scale:
        add("")
        add(
            f"{'scale (cold generate)':<24} {'operations':>10} {'schemas':>8} {'seconds':>8} {'s/100 ops':>10}"
            f" {'RSS MB':>7} {'PSS MB':>7}"
        )
        for p in scale:
            per = p.sample.seconds / p.operations * 100
            state = (
                ""
                if p.sample.ok
                else ("  (stopped at the limit)" if p.sample.seconds >= TARGET_SECONDS - 1 else "  (failed)")
            )
            add(
                f"{str(p.factor) + 'x':<24} {p.operations:>10} {p.schemas:>8} {p.sample.seconds:>8.1f} {per:>10.2f}"
                f" {p.sample.rss_mb:>7.0f} {p.sample.pss_mb:>7.0f}{state}"
            )
        if scale_note:
            add(scale_note)
    text = "\n".join(lines)
    print(text)
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="alternating runs per generation command (default 5)")
    ap.add_argument("--skip-peers", action="store_true", help="no datamodel-codegen / openapi-python-client runs")
    ap.add_argument("--skip-runtime", action="store_true", help="no generated-code speed section")
    ap.add_argument("--skip-scale", action="store_true", help="no synthetic-spec section")
    ap.add_argument("--scale", default="1,4,16", help="synthetic spec sizes (default 1,4,16)")
    ap.add_argument("--no-probe", action="store_true", help="do not search for the largest size under 60 s")
    ap.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = ap.parse_args(argv)
    global SPEC
    from pinned_spec import pinned_spec

    try:
        SPEC = pinned_spec()
    except Exception as exc:  # a GeneratorError: offline, no mirror, a wrong sha256
        print(f"cannot get the pinned spec: {exc}; run `portkey-codegen fetch` first", file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "commands.log").write_text("")
    need_peers = not (args.skip_peers and args.skip_runtime)
    if need_peers:
        ensure_peers()
    series = generation_rounds(max(1, args.runs), with_peers=not args.skip_peers)
    runtime = [] if args.skip_runtime else runtime_section(args.runs)
    scale, note = (
        ([], "")
        if args.skip_scale
        else scale_section([int(x) for x in args.scale.split(",") if x.strip()], probe=not args.no_probe)
    )
    text = print_table(series, runtime, scale, note, max(1, args.runs))
    versions = installed_versions(
        OUR_PY, ["datamodel-code-generator", "ruff", "pydantic", "httpx", "fastapi", "uvicorn"]
    )
    peer_versions = (
        installed_versions(peer_bin("python"), [p.split("==")[0] for p in PEER_PACKAGES]) if need_peers else {}
    )
    print(f"\nours: {versions}\npeers: {peer_versions}\nfailed commands, if any: {WORK / 'commands.log'}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "table": text,
                    "series": {s.name: [vars(x) for x in s.samples] for s in series},
                    "runtime": [vars(r) for r in runtime],
                    "scale": [
                        {"factor": p.factor, "operations": p.operations, "schemas": p.schemas, **vars(p.sample)}
                        for p in scale
                    ],
                    "versions": {"ours": versions, "peers": peer_versions},
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
