"""No network, no surprise reads (issue 6, part 2).

* A TCP listener on a loopback port is the target of every http(s) URL in the hostile specs
  (``@PORT@``: $refs, server URLs, 3.1 dialects and $ids); after all of them ran it has seen no
  connection, and the audit hook of each run saw no connect, name lookup or URL request.
* Files outside the spec folder are never opened: the audit hook (Python's ``open`` audit event,
  in the generator process) never reports ``outside.yaml`` or the FIFOs, also when the way out is
  a symlink, a directory symlink or an absolute path; an oversized file is refused from its size
  without being opened.
* Controls show both probes work: a connection to a fresh listener is recorded, and a legitimate
  bundled $ref shows up in the audit log as read.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from adv_harness import CaseSpec, CliRun, run_cases
from conftest import SPEC_CASES, Listener


def test_listener_saw_no_connection(spec_runs, listener) -> None:
    targeting = [c.name for c in SPEC_CASES if "@PORT@" in c.main_file.read_text("utf-8")]
    assert len(targeting) >= 4, targeting  # the listener really was the target of several cases
    assert all(spec_runs[name].returncode is not None for name in targeting)
    assert listener.connections == [], listener.connections


def test_no_run_touched_the_network(spec_runs) -> None:
    found = {name: run.network() for name, run in spec_runs.items() if run.network()}
    assert not found, found


def test_listener_records_a_connection() -> None:
    """Control: the same kind of listener does notice a client."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    lis = Listener(sock)
    thread = threading.Thread(target=lis.serve, daemon=True)
    thread.start()
    with socket.create_connection(("127.0.0.1", lis.port), timeout=5) as client:
        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
    thread.join(timeout=0.5)
    for _ in range(50):
        if lis.connections:
            break
        threading.Event().wait(0.02)
    sock.close()
    assert lis.connections and lis.connections[0][1].startswith(b"GET /")


def test_audit_log_sees_legitimate_reads(spec_runs) -> None:
    """Control: the bundled $ref of ref_bundled is in the audit log as a read, so an absent entry
    for outside.yaml means it was not read."""
    run = spec_runs["ref_bundled"]
    reads = run.opened("r")
    assert str(run.work / "spec" / "schemas" / "pet.yaml") in reads
    assert str(run.work / "spec" / "openapi.yaml") in reads
    assert str(run.work / "outside.yaml") not in reads


def _ref_spec(ref: str) -> str:
    return (
        "openapi: 3.0.3\ninfo: {title: Reads, version: '1'}\npaths: {}\n"
        f"components:\n  schemas:\n    A: {{$ref: '{ref}'}}\n"
    )


def _symlink_file(work: Path) -> None:
    os.symlink(work / "outside.yaml", work / "spec" / "link.yaml")


def _symlink_dir(work: Path) -> None:
    os.symlink(work, work / "spec" / "up")


def _subdir(work: Path) -> None:
    (work / "spec" / "schemas").mkdir()


def _big(work: Path) -> None:
    with open(work / "spec" / "big.yaml", "wb") as fh:  # sparse: 60 MB on paper, nothing on disk
        fh.truncate(60 * 1024 * 1024)


READ_CASES = {
    # name: (ref, setup, words the single error must hold)
    "symlink_file": ("./link.yaml", _symlink_file, "leaves the spec's folder"),
    "symlink_dir": ("up/outside.yaml", _symlink_dir, "leaves the spec's folder"),
    "symlink_dir_fifo": ("up/fifo.yaml", _symlink_dir, "leaves the spec's folder"),
    "directory": ("./schemas", _subdir, "does not exist"),
    "dev_zero_absolute": ("/dev/zero", None, "is an absolute path: refused"),
    "dev_zero_relative": ("../../../../../../../../dev/zero", None, "leaves the spec's folder"),
    "proc_environ": ("file:///proc/self/environ", None, "is a URL: refused"),
    "home_tilde": ("~/.ssh/id_rsa", None, "does not exist"),
    "oversized": ("./big.yaml", _big, "over the 52,428,800-byte limit"),
}


@pytest.fixture(scope="module")
def read_runs(tmp_path_factory) -> dict[str, CliRun]:
    base = tmp_path_factory.mktemp("adv-reads")
    cases = [
        CaseSpec(name, _ref_spec(ref), setup=setup, parts=("models", "client"), timeout=20)
        for name, (ref, setup, _) in READ_CASES.items()
    ]
    return run_cases(base, cases)


@pytest.mark.parametrize("name", list(READ_CASES))
def test_refs_leaving_the_folder_are_refused_unread(read_runs, name: str) -> None:
    run = read_runs[name]
    words = READ_CASES[name][2]
    assert run.returncode == 2, run.describe()
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and words in errors[0] and "#/components/schemas/A" in errors[0], run.stderr
    never = {
        str(run.work / "outside.yaml"),
        str(run.work / "fifo.yaml"),
        str(run.work / "spec" / "fifo.yaml"),
        str(run.work / "spec" / "big.yaml"),
        str(run.work / "spec" / "link.yaml"),
        "/dev/zero",
        "/proc/self/environ",
    }
    opened = set(run.opened())
    assert not opened & never, opened & never
    assert not any(p.startswith(str(Path.home() / ".ssh")) for p in opened)
    assert not run.network()
    assert not run.out.exists()
