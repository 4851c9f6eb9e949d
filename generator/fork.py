"""Run one pure job in a forked child, so that slow stages use the second core.

Only where it is safe and pays: POSIX fork, a single-threaded caller (a fork copies no other
thread, and a lock another thread held would stay held in the child), at least 2 CPUs, a large
spec, and not switched off (``PORTKEY_CODEGEN_PARALLEL=0``). The child sends back JSON (its
value, or the diagnostics of a GeneratorError) and leaves with os._exit: no atexit handlers, no
flushed parent buffers. `join` returns None when the child failed otherwise; the caller then does
the job itself, so a failing fork costs time, never a different result.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import tempfile
import threading
from dataclasses import asdict
from typing import Any, Callable

from .diagnostics import Diagnostic, GeneratorError, InternalError

MIN_BYTES = 200_000  # a smaller spec is done in well under a second: not worth a fork
ENV_PARALLEL = "PORTKEY_CODEGEN_PARALLEL"


def allowed(size: int) -> bool:
    """Whether a job for a spec of `size` bytes may run in a child (see the module docstring)."""
    return (
        hasattr(os, "fork")
        and os.environ.get(ENV_PARALLEL, "1").strip().lower() not in ("0", "false", "no")
        and threading.active_count() == 1
        and (os.cpu_count() or 1) >= 2
        and size >= MIN_BYTES
    )


class Forked:
    """One job running in a forked child; `join` for its value, `kill` when it is not wanted."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    @classmethod
    def start(cls, job: Callable[[], Any], *, size: int, nice: int = 0) -> "Forked | None":
        """`job` started in a child (`nice`: a lower CPU priority), or None where forking is not
        allowed or fails."""
        if not allowed(size):
            return None
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _child(job, write_fd, nice)
        os.close(write_fd)
        return cls(pid, read_fd)

    def join(self) -> Any:
        """The job's value; raises its GeneratorError; None if the child failed otherwise."""
        if not self.pid:
            return None
        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 20):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            os.close(self.fd)
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            message = json.loads(b"".join(chunks).decode("utf-8", "surrogatepass"))
            if "error" not in message:
                return message["value"]
            found = [Diagnostic(**d) for d in message["error"]]
            internal = message.get("internal") is True
        except (ValueError, TypeError, KeyError):
            return None
        raise (InternalError if internal else GeneratorError)(found)

    def kill(self) -> None:
        """Stop and reap a child that is no longer wanted (an error, or Ctrl-C on the way)."""
        if not self.pid:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.pid = 0


class Warm:
    """A child forked before its job is known, so that its imports overlap the parent's work.

    It runs `warm_up` (errors ignored: the job imports what it needs anyway), then waits for the
    one job `send` gives it: a picklable callable (a module-level function, or a partial of one),
    handed over in an unlinked temporary file so that the parent never blocks on a full pipe.
    """

    def __init__(self, pid: int, go_fd: int, result_fd: int, job_file: Any) -> None:
        self.pid, self.go_fd, self.result_fd, self.job_file = pid, go_fd, result_fd, job_file

    @classmethod
    def start(cls, warm_up: Callable[[], Any], *, size: int, nice: int = 0) -> "Warm | None":
        """The child, or None where forking is not allowed or fails."""
        if not allowed(size):
            return None
        opened: list[int] = []
        job_file = None
        try:
            job_file = tempfile.TemporaryFile()
            go_read, go_write = os.pipe()
            opened += [go_read, go_write]
            result_read, result_write = os.pipe()
            opened += [result_read, result_write]
            pid = os.fork()
        except OSError:
            for fd in opened:  # raw descriptors: nothing would close them later
                os.close(fd)
            if job_file is not None:
                job_file.close()
            return None
        if pid == 0:  # the child: never returns
            os.close(go_write)
            os.close(result_read)
            _warm_child(warm_up, job_file.fileno(), go_read, result_write, nice)
        os.close(go_read)
        os.close(result_write)
        return cls(pid, go_write, result_read, job_file)

    def send(self, job: Callable[[], Any]) -> Forked | None:
        """`job` started in the child (join the returned Forked), or None if it cannot be sent."""
        try:
            data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
            os.pwrite(self.job_file.fileno(), data, 0)
            os.write(self.go_fd, len(data).to_bytes(8, "big"))
        except (pickle.PicklingError, TypeError, AttributeError, OSError):
            self.kill()
            return None
        os.close(self.go_fd)
        self.job_file.close()
        started, self.pid = Forked(self.pid, self.result_fd), 0
        return started

    def kill(self) -> None:
        """Stop and reap the child (no job was sent, or sending failed)."""
        if not self.pid:
            return
        Forked(self.pid, self.result_fd).kill()
        for close in (lambda: os.close(self.go_fd), self.job_file.close):
            try:
                close()
            except OSError:
                pass
        self.pid = 0


def _warm_child(warm_up: Callable[[], Any], job_fd: int, go_fd: int, write_fd: int, nice: int) -> None:
    try:
        try:  # at full priority: it overlaps the parent's loading, before the validation child exists
            warm_up()
        except Exception:  # noqa: BLE001 - a failed warm-up only costs the job its imports
            pass
        size = os.read(go_fd, 8)  # nothing: the parent closed the pipe without a job
        if len(size) != 8:
            os._exit(0)
        job = pickle.loads(os.pread(job_fd, int.from_bytes(size, "big"), 0))
    except BaseException:  # noqa: BLE001 - the parent sees a failed child and does the job itself
        os._exit(1)
    _child(job, write_fd, nice)


def _child(job: Callable[[], Any], write_fd: int, nice: int) -> None:
    code = 1
    try:
        if nice:
            os.nice(nice)
        try:
            message: dict[str, Any] = {"value": job()}
        except GeneratorError as exc:
            message = {"error": [asdict(d) for d in exc.diagnostics], "internal": isinstance(exc, InternalError)}
        view = memoryview(json.dumps(message).encode("utf-8", "surrogatepass"))
        while view:
            view = view[os.write(write_fd, view) :]
        code = 0
    finally:
        os._exit(code)
