"""Fixtures of the adversarial suite: a loopback listener that must never be contacted, and one
parallel CLI run of every hostile spec in specs/ (cached for the session)."""

from __future__ import annotations

import socket
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adv_harness import SPECS, CaseSpec, CliRun, probe_imports, run_cases  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _no_stage_cache():
    """In-process generations (render_tree) must not fill the user's ~/.cache with hostile
    specs; the CLI runs get their own cache folder inside each work folder instead. Module
    scope: the setting ends with each of this folder's modules (session scope leaked it into
    every test that ran after them)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PORTKEY_CODEGEN_NO_CACHE", "1")
        yield


@dataclass
class Listener:
    """A TCP server on 127.0.0.1 recording every connection made to it."""

    sock: socket.socket
    connections: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def serve(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            conn.settimeout(1)
            try:
                data = conn.recv(200)
            except OSError:
                data = b""
            self.connections.append((f"{peer[0]}:{peer[1]}", data))
            conn.close()


@pytest.fixture(scope="session")
def listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    lis = Listener(sock)
    thread = threading.Thread(target=lis.serve, daemon=True)
    thread.start()
    yield lis
    sock.close()


@dataclass(frozen=True)
class SpecCase:
    """A spec file of specs/ and the contract its header comments state."""

    name: str
    path: Path  # the YAML file, or a folder holding openapi.yaml and its siblings
    contract: str  # "generate" | "refuse"
    expect: tuple[str, ...] = ()  # substrings stderr must hold (pointer, line, message words)
    bound: float = 30.0  # seconds
    errors: int = 1  # error diagnostics a refusal prints
    why: str = ""
    xfail: str = ""  # a known defect outside this suite's files, reported to the lead

    def param(self):
        marks = [pytest.mark.xfail(strict=True, reason=self.xfail)] if self.xfail else []
        return pytest.param(self, id=self.name, marks=marks)

    @property
    def main_file(self) -> Path:
        return self.path / "openapi.yaml" if self.path.is_dir() else self.path


def parse_header(path: Path) -> dict[str, list[str]]:
    """``# key: value`` lines at the top of a spec; ``#   more`` continues the previous key."""
    meta: dict[str, list[str]] = {}
    last = None
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        key, sep, value = body.partition(":")
        if sep and key.isidentifier() and not line.startswith("#  "):
            last = key
            meta.setdefault(key, []).append(value.strip())
        elif last is not None:
            meta[last][-1] += " " + body
    return meta


def spec_cases() -> list[SpecCase]:
    cases = []
    for path in sorted(SPECS.iterdir()):
        if path.suffix != ".yaml" and not (path.is_dir() and (path / "openapi.yaml").is_file()):
            continue
        main = path / "openapi.yaml" if path.is_dir() else path
        meta = parse_header(main)
        contract = (meta.get("contract") or ["?"])[0]
        if contract not in ("generate", "refuse"):
            raise ValueError(f"{main}: the header must say '# contract: generate' or '# contract: refuse'")
        cases.append(
            SpecCase(
                name=path.stem if path.is_file() else path.name,
                path=path,
                contract=contract,
                expect=tuple(meta.get("expect", ())),
                bound=float((meta.get("bound") or ["30"])[0]),
                errors=int((meta.get("errors") or ["1"])[0]),
                why=" ".join(meta.get("why", ())),
                xfail=" ".join(meta.get("xfail", ())),
            )
        )
    return cases


SPEC_CASES = spec_cases()


def _case_spec(case: SpecCase, port: int) -> CaseSpec:
    def text(p: Path) -> str:
        return p.read_text("utf-8").replace("@PORT@", str(port))

    extra = {}
    if case.path.is_dir():
        for p in sorted(case.path.rglob("*")):
            if p.is_file() and p.name != "openapi.yaml":
                extra["spec/" + p.relative_to(case.path).as_posix()] = text(p)
    return CaseSpec(case.name, text(case.main_file), extra=extra, timeout=case.bound)


@pytest.fixture(scope="session")
def spec_runs(tmp_path_factory, listener) -> dict[str, CliRun]:
    """Every spec of specs/ through the CLI (3 at a time), then every generated package imported
    in a fresh interpreter. Keyed by case name."""
    base = tmp_path_factory.mktemp("adv-cases")
    # Tightest bounds first (the bombs' 5 s), while the machine is least busy.
    ordered = sorted(SPEC_CASES, key=lambda c: (c.bound, c.name))
    runs = run_cases(base, [_case_spec(c, listener.port) for c in ordered])
    probe_imports(runs.values())
    return runs
