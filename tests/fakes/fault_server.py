"""A loopback HTTP/1.1 server that misbehaves on cue, for the generated client's fault tests.

It speaks raw sockets rather than http.server so that it can do what real servers and proxies do
when things go wrong: reset the connection half-way through a body, end a chunked stream early,
stall, answer with the wrong content type or with broken JSON. Each request takes the next
scripted answer (an ``Answer`` function) from the queue; every request is recorded with the time
it arrived. Every connection is closed after its answer (``Connection: close``), so retries are
new connections and the record shows each attempt.

All waits inside answers end when the server stops, so a test that fails never leaves a thread
blocked for long.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus

Answer = Callable[["Connection"], None]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the request head arrived

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Connection:
    sock: socket.socket
    stopping: threading.Event
    request: Request

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def head(self, status: int, headers: Iterable[tuple[str, str]] = ()) -> None:
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def chunk(self, data: bytes) -> None:
        self.send(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunks(self) -> None:
        self.send(b"0\r\n\r\n")

    def wait(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        self.stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST instead of an orderly close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


# ----------------------------------------------------------------------------- answers


def json_answer(body: object, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Answer:
    return raw_answer(json.dumps(body).encode(), status, "application/json", headers)


def raw_answer(body: bytes, status: int = 200, content_type: str | None = "application/json",
               headers: Iterable[tuple[str, str]] = ()) -> Answer:
    def answer(conn: Connection) -> None:
        head = [("Content-Length", str(len(body)))]
        if content_type is not None:
            head.append(("Content-Type", content_type))
        conn.head(status, head + list(headers))
        conn.send(body)

    return answer


def reset_mid_body(sent: bytes = b'{"id": "chatcmpl-1", "obj', length: int = 400) -> Answer:
    """Promise `length` bytes of JSON, send a few, then reset the connection."""

    def answer(conn: Connection) -> None:
        conn.head(200, [("Content-Type", "application/json"), ("Content-Length", str(length))])
        conn.send(sent)
        time.sleep(0.05)  # let the client start reading the body before the reset
        conn.reset()

    return answer


def slow_answer(delay: float, then: Answer) -> Answer:
    """Say nothing for `delay` seconds, then answer (if the client is still there)."""

    def answer(conn: Connection) -> None:
        conn.wait(delay)
        then(conn)

    return answer


def sse_answer(events: Iterable[bytes], *, end: str = "clean", stall: float = 0.0,
               content_type: str = "text/event-stream") -> Answer:
    """A chunked event stream of `events` (each a complete ``data: ...\\n\\n`` block).

    end: "clean" ends the chunked body properly; "cut" closes the socket without the last
    chunk; "reset" resets it; "stall" waits `stall` seconds with the body still open.
    """

    def answer(conn: Connection) -> None:
        conn.head(200, [("Content-Type", content_type), ("Transfer-Encoding", "chunked")])
        for event in events:
            conn.chunk(event)
        if end == "clean":
            conn.end_chunks()
        elif end == "reset":
            time.sleep(0.05)
            conn.reset()
        elif end == "stall":
            conn.wait(stall)
        # "cut": fall through to the plain close, without the terminating chunk

    return answer


def event(payload: object) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {text}\n\n".encode()


# ----------------------------------------------------------------------------- server


@dataclass
class FaultServer:
    script: deque[Answer] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._accepter = threading.Thread(target=self._accept, name="fault-server", daemon=True)
        self._accepter.start()

    def play(self, *answers: Answer) -> FaultServer:
        self.script.extend(answers)
        return self

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._accepter.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()
        assert not any(t.is_alive() for t in self._threads), "a fault-server connection did not finish"

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        try:
            request = _read_request(sock)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
                answer = self.script.popleft() if self.script else json_answer(
                    {"error": {"message": "fault server: script exhausted"}}, 500)
            answer(Connection(sock, self._stopping, request))
        except OSError:
            pass  # the client hung up: that is what several tests do on purpose
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
            self.errors.append(exc)
        finally:
            try:
                sock.close()
            except OSError:
                pass


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            return None
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    at = time.monotonic()
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        part = sock.recv(65536)
        if not part:
            break
        body += part
    return Request(method, target, headers, body[:length], at)
