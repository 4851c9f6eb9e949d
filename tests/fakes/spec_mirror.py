"""A spec mirror on loopback: serves files at ``/<repository>/<commit>/<path>`` like
raw.githubusercontent.com, for ``PORTKEY_CODEGEN_SPEC_MIRROR`` (generator/fetch.py).

In tests, `SpecMirror` also answers with whatever a route says (a status, headers, a body, a
delay), to play redirects, oversized, cut or slow answers. As a script it serves local files at
the paths their pins name, which is how `.ci/run` hands the runner's copies
(``../shared/spec/portkey-openapi.yaml`` and the later ``.next.yaml``) to a downloader that
refuses ``file:``::

    python tests/fakes/spec_mirror.py --serve spec/pin.yaml FILE [--serve PIN FILE ...]
    # prints the base URL, serves until killed
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before each 1 KiB of the body (a trickling server)
    declared_length: int | None = None  # Content-Length to announce (None: the real one; -1: none)


class SpecMirror:
    """A ThreadingHTTPServer on 127.0.0.1 (free port) serving `routes`; records the paths asked for."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[str] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                mirror.requests.append(self.path)
                route = mirror.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                self.send_response(route.status)
                length = len(route.body) if route.declared_length is None else route.declared_length
                if length >= 0:
                    self.send_header("Content-Length", str(length))
                else:
                    self.close_connection = True  # no length: the body ends when the connection does
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    if route.delay:
                        for start in range(0, len(route.body), 1024):
                            time.sleep(route.delay)
                            self.wfile.write(route.body[start : start + 1024])
                            self.wfile.flush()
                    else:
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should on a bad answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SpecMirror":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "SpecMirror":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def pinned_route(pin: Path) -> str:
    """``/<repository>/<commit>/<path>`` for the pin, as generator/fetch.py asks for it."""
    from portkey_codegen.fetch import read_pinned_source

    source = read_pinned_source(pin)
    assert source is not None, f"{pin} has no source"
    return source.url(base="")


def serve_pins(pairs: list[tuple[Path, Path]]) -> SpecMirror:
    """A started mirror serving each (pin, file) pair at the pin's path."""
    return SpecMirror({pinned_route(pin): Route(Path(file).read_bytes()) for pin, file in pairs}).start()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve each FILE at the path its PIN names, on 127.0.0.1.")
    ap.add_argument("--serve", nargs=2, action="append", metavar=("PIN", "FILE"), type=Path, required=True)
    args = ap.parse_args(argv)
    mirror = SpecMirror({pinned_route(pin): Route(file.read_bytes()) for pin, file in args.serve})
    print(mirror.url, flush=True)
    mirror.server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
