"""Running hostile specs through the generator and inspecting what comes out.

Two ways in:

* `run_cases` drives the real CLI (``python -m portkey_codegen generate ...``) in subprocesses, several
  at a time, each under ``RLIMIT_AS`` = 1 GiB and a wall-clock bound, in its own work folder::

      <work>/pyproject.toml      empty [tool.portkey-codegen] table, passed with --config
      <work>/spec/openapi.yaml   the case (plus any files the case adds next to it)
      <work>/outside.yaml        a valid schema file OUTSIDE the spec folder: must never be read
      <work>/fifo.yaml           a FIFO outside the spec folder: opening it would hang the run
      <work>/spec/fifo.yaml      a FIFO inside it: a $ref to it must be refused, not opened
      <work>/tmp, <work>/home    TMPDIR and HOME of the run (tmp must be empty afterwards)
      <work>/cache               PORTKEY_CODEGEN_CACHE_DIR: the generator's stage cache
      <work>/out                 --out

  An audit hook (installed by a ``sitecustomize`` the subprocess finds on PYTHONPATH, so the
  command stays exactly ``python -m portkey_codegen``) logs every file the generator opens, every
  socket it connects or resolves and every process it starts.

* `render` runs `portkey_codegen.render_tree` in-process (no subprocess, no writes) for the many small
  programmatic cases.

`probe_import` imports a generated package in a fresh interpreter and reports what is needed to
check values round-trip (docstrings, enum members, field aliases/defaults/examples/patterns).
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SPECS = HERE / "specs"
PYTHON = sys.executable
GIB = 1 << 30
CASE_TIMEOUT = 30.0  # seconds: the bound every hostile case must end within
MARKER = "PWNED_MARKER"  # payloads in the specs try to create this file (relative to the cwd)
# The parts every case generates. The server part is included: its emitter is done.
PARTS = ("models", "client", "server")
# Static runtime files (every .py under templates/<part>/), copied verbatim: where each lands in
# the package -> its template-relative path (templates/package/ holds the package root's files).
RUNTIME_TEMPLATES = {
    rel.removeprefix("package/"): rel
    for rel in sorted(
        p.relative_to(REPO / "templates").as_posix()
        for p in (REPO / "templates").glob("*/**/*.py")
        if "__pycache__" not in p.parts
    )
}
RUNTIME_FILES = tuple(RUNTIME_TEMPLATES)

OUTSIDE_YAML = "type: object\nproperties:\n  secret: {type: string}\n"

_SITECUSTOMIZE = r'''
"""Test harness only: log what the generator process touches (see adv_harness.py)."""
import os as _os
import sys as _sys

_path = _os.environ.get("ADV_AUDIT_LOG")
if _path:
    _log = open(_path, "a", buffering=1, encoding="utf-8", errors="backslashreplace")

    def _hook(event, args, _log=_log, _os=_os):
        try:
            if event == "open":
                target, mode, flags = args
                if isinstance(target, int):
                    return
                writes = bool(flags & (_os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_APPEND)) or any(
                    c in (mode or "") for c in "wax+"
                )
                _log.write(f"open\t{'w' if writes else 'r'}\t{_os.path.abspath(_os.fsdecode(target))}\n")
            elif event in ("socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.bind"):
                _log.write(f"{event}\t{args[1] if event != 'socket.getaddrinfo' else args[0]!r}\n")
            elif event in ("subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn"):
                _log.write(f"{event}\t{args[0]!r}\n")
            elif event in ("urllib.Request",):
                _log.write(f"{event}\t{args[0]!r}\n")
        except Exception:
            pass

    _sys.addaudithook(_hook)
'''


# --- CLI runs --------------------------------------------------------------------------------


@dataclass
class CliRun:
    name: str
    work: Path
    returncode: int | None  # None: killed at the time bound
    stdout: str
    stderr: str
    seconds: float
    audit: list[tuple[str, ...]]
    before: dict[str, tuple]
    after: dict[str, tuple]
    package: str = "pkg"
    import_report: dict | None = None  # filled by probe_imports for successful runs
    import_proc: tuple[int, str, str] | None = None  # (returncode, stdout, stderr) of the import

    @property
    def out(self) -> Path:
        return self.work / "out"

    @property
    def spec(self) -> Path:
        return self.work / "spec" / "openapi.yaml"

    def files(self) -> dict[str, str]:
        """Generated text files, relative posix path -> text."""
        if not self.out.is_dir():
            return {}
        return {
            p.relative_to(self.out).as_posix(): p.read_text("utf-8")
            for p in sorted(self.out.rglob("*"))
            if p.is_file() and not p.name.startswith(".portkey-codegen-manifest")
        }

    def opened(self, kind: str | None = None) -> list[str]:
        return [a[2] for a in self.audit if a[0] == "open" and (kind is None or a[1] == kind)]

    def network(self) -> list[tuple[str, ...]]:
        """Connections, name lookups and URL requests. Not counted: binding port 0 (a library
        probing whether IPv6 exists) and the validator reading its own meta-schema through a
        file:// URL inside the installed package."""
        site = "'file://" + str(Path(PYTHON).resolve().parent.parent)
        found = []
        for a in self.audit:
            if a[0] == "socket.bind" and a[1].endswith(", 0)"):
                continue
            if a[0] == "urllib.Request" and (a[1].startswith(site) or "site-packages/openapi_spec_validator/" in a[1]):
                continue
            if a[0].startswith("socket.") or a[0] == "urllib.Request":
                found.append(a)
        return found

    def describe(self) -> str:
        return f"case {self.name}: exit {self.returncode} in {self.seconds:.1f}s\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


def snapshot(root: Path, skip: Iterable[str] = ()) -> dict[str, tuple]:
    """relative path -> (type, size, mtime_ns) for everything under `root` (lstat only: FIFOs are
    not opened, symlinks not followed)."""
    skipped = set(skip)
    result: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames if os.path.normpath(os.path.join(rel_dir, d)) not in skipped]
        for name in dirnames + filenames:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISDIR(st.st_mode):  # a folder's mtime moves when a temp file comes and goes
                result[rel] = (stat.S_IFDIR, 0, 0)
            else:
                result[rel] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
    return result


def make_workdir(base: Path, name: str, spec: str | bytes, extra: Mapping[str, str | bytes] | None = None) -> Path:
    work = base / name
    (work / "spec").mkdir(parents=True)
    (work / "tmp").mkdir()
    (work / "home").mkdir()
    (work / "pyproject.toml").write_text("[tool.portkey-codegen]\n", "utf-8")
    (work / "outside.yaml").write_text(OUTSIDE_YAML, "utf-8")
    os.mkfifo(work / "fifo.yaml")
    os.mkfifo(work / "spec" / "fifo.yaml")
    target = work / "spec" / "openapi.yaml"
    target.write_bytes(spec if isinstance(spec, bytes) else spec.encode("utf-8"))
    for rel, content in (extra or {}).items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return work


def site_dir(base: Path) -> Path:
    site = base / "_site"
    if not (site / "sitecustomize.py").is_file():
        site.mkdir(parents=True, exist_ok=True)
        (site / "sitecustomize.py").write_text(_SITECUSTOMIZE, "utf-8")
    return site


def _limit_memory() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))


def cli_command(
    package: str = "pkg", parts: Iterable[str] = PARTS, extra_args: Iterable[str] = (), spec: str = "spec/openapi.yaml"
) -> list[str]:
    return [
        PYTHON, "-m", "portkey_codegen", "generate",
        "--spec", spec, "--out", "out", "--package-name", package,
        "--config", "pyproject.toml", "--parts", ",".join(parts), "-v", *extra_args,
    ]  # fmt: skip  (-v: the cases assert on the warnings themselves, not their summary line)


@dataclass
class CaseSpec:
    """One CLI run to make: a work folder is created from these."""

    name: str
    spec: str | bytes
    extra: Mapping[str, str | bytes] = field(default_factory=dict)
    package: str = "pkg"
    parts: tuple[str, ...] = PARTS
    extra_args: tuple[str, ...] = ()
    timeout: float = CASE_TIMEOUT
    setup: Any = None  # callable(work: Path) run after the folder is made (symlinks...)


def run_cases(base: Path, cases: Iterable[CaseSpec], *, parallel: int = 3) -> dict[str, CliRun]:
    """Run every case's CLI; at most `parallel` at once. Processes are started from this thread
    only (``preexec_fn`` is not safe with threads) and their output goes to files."""
    site = site_dir(base)
    audit_dir = base / "_audit"
    audit_dir.mkdir(exist_ok=True)
    pending = list(cases)
    running: list[tuple[CaseSpec, subprocess.Popen, float, Path, dict]] = []
    results: dict[str, CliRun] = {}
    while pending or running:
        while pending and len(running) < parallel:
            case = pending.pop(0)
            work = make_workdir(base, case.name, case.spec, case.extra)
            if case.setup is not None:
                case.setup(work)
            log = audit_dir / f"{case.name}.log"
            env = _env(work, site, log)
            before = snapshot(work)
            proc = subprocess.Popen(
                cli_command(case.package, case.parts, case.extra_args),
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=open(audit_dir / f"{case.name}.stdout", "wb"),
                stderr=open(audit_dir / f"{case.name}.stderr", "wb"),
                preexec_fn=_limit_memory,
                start_new_session=True,  # its own process group: a timeout kills ruff too
            )
            running.append((case, proc, time.monotonic(), log, before))
        time.sleep(0.02)
        still = []
        for case, proc, start, log, before in running:
            elapsed = time.monotonic() - start
            code = proc.poll()
            if code is None and elapsed < case.timeout:
                still.append((case, proc, start, log, before))
                continue
            if code is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            work = base / case.name
            results[case.name] = CliRun(
                name=case.name,
                work=work,
                returncode=code,
                stdout=(audit_dir / f"{case.name}.stdout").read_text("utf-8", "replace"),
                stderr=(audit_dir / f"{case.name}.stderr").read_text("utf-8", "replace"),
                seconds=elapsed,
                audit=_read_audit(log),
                before=before,
                after=snapshot(work),
                package=case.package,
            )
        running = still
    return results


def _env(work: Path, site: Path, log: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work / "home"),
        "TMPDIR": str(work / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(site),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "ADV_AUDIT_LOG": str(log),
        # The generator's stage cache (generator/cache.py) is its one sanctioned write outside
        # --out: kept inside the work folder so the checks can see it.
        "PORTKEY_CODEGEN_CACHE_DIR": str(work / "cache"),
        "NO_COLOR": "1",
    }
    if "PORTKEY_CODEGEN_FORMATTER" in os.environ:
        env["PORTKEY_CODEGEN_FORMATTER"] = os.environ["PORTKEY_CODEGEN_FORMATTER"]
    return env


def _read_audit(log: Path) -> list[tuple[str, ...]]:
    if not log.is_file():
        return []
    return [tuple(line.split("\t")) for line in log.read_text("utf-8", "replace").splitlines() if line]


# --- in-process generation -------------------------------------------------------------------


def render(spec: str | bytes | dict, folder: Path, *, parts: Iterable[str] = PARTS, package: str = "pkg", name: str = "openapi"):
    """`portkey_codegen.render_tree` on `spec` written to `folder` (JSON for a dict). Returns the Result;
    GeneratorError propagates."""
    from portkey_codegen import Config, render_tree

    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(spec, dict):
        path = folder / f"{name}.json"
        path.write_text(json.dumps(spec, ensure_ascii=False, allow_nan=False), "utf-8")
    else:
        path = folder / f"{name}.yaml"
        path.write_bytes(spec if isinstance(spec, bytes) else spec.encode("utf-8"))
    return render_tree(Config(spec=path, parts=tuple(parts), package_name=package, out=folder / "out"))


def write_files(out: Path, files: Mapping[str, str]) -> None:
    from portkey_codegen.output import write_tree

    write_tree(out, files)


# --- importing generated code in a fresh interpreter -----------------------------------------

_PROBE = r'''
import enum, importlib, inspect, json, math, os, sys
pkg, out_dir, report_path = sys.argv[1], sys.argv[2], sys.argv[3]
modules = []
for root, dirs, files in os.walk(os.path.join(out_dir, *pkg.split("."))):
    dirs.sort()
    rel = os.path.relpath(root, out_dir).replace(os.sep, ".")
    for f in sorted(files):
        if f.endswith(".py"):
            modules.append(rel if f == "__init__.py" else rel + "." + f[:-3])
loaded = {m: importlib.import_module(m) for m in modules}
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

def plain(value):
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, BaseModel):
        return {"$model": value.model_dump(mode="json", by_alias=True)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return {"$repr": repr(value)}

classes = {}
models = loaded.get(pkg + ".models")
for name, obj in sorted(vars(models).items()) if models else ():
    if not isinstance(obj, type) or obj.__module__ != models.__name__:
        continue
    info = {"doc": obj.__doc__}
    if issubclass(obj, enum.Enum):
        info["kind"] = "enum"
        info["members"] = {m.name: plain(m.value) for m in obj}
    elif issubclass(obj, BaseModel):
        info["kind"] = "model"
        fields = {}
        for fname, f in obj.model_fields.items():
            default = "<required>" if f.default is PydanticUndefined else plain(f.default)
            if f.default_factory is not None:
                default = {"$factory": plain(f.default_factory())}
            patterns = [getattr(m, "pattern") for m in f.metadata if getattr(m, "pattern", None) is not None]
            fields[fname] = {"alias": f.alias, "default": default, "examples": plain(f.examples), "patterns": patterns}
        info["fields"] = fields
    classes[name] = info
with open(report_path, "w", encoding="utf-8") as fh:
    json.dump({"modules": modules, "classes": classes}, fh, allow_nan=True)
'''


def probe_import(out: Path, package: str, cwd: Path, timeout: float = 60) -> tuple[subprocess.CompletedProcess, dict | None]:
    """Import every module of `package` under `out` in a fresh interpreter (cwd `cwd`, which
    should be empty) and return (process, report). stdout/stderr must be empty: the report goes
    to a file."""
    cwd.mkdir(parents=True, exist_ok=True)
    report_path = cwd.parent / f"{cwd.name}-report.json"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "PYTHONPATH": str(out),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }
    proc = subprocess.run(
        [PYTHON, "-c", _PROBE, package, str(out), str(report_path)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    report = json.loads(report_path.read_text("utf-8")) if proc.returncode == 0 and report_path.is_file() else None
    return proc, report


def probe_imports(runs: Iterable[CliRun], *, parallel: int = 3) -> None:
    """probe_import for every successful run, `parallel` at a time (no preexec_fn here: threads
    are fine)."""
    from concurrent.futures import ThreadPoolExecutor

    todo = [r for r in runs if r.returncode == 0 and r.out.is_dir()]

    def one(run: CliRun) -> None:
        proc, report = probe_import(run.out, run.package, run.work / "import-cwd")
        run.import_proc = (proc.returncode, proc.stdout, proc.stderr)
        run.import_report = report

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, todo))


# --- comparing values --------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN (defaults such as .nan must round-trip)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b
