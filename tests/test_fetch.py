"""generator/fetch.py: the pinned spec downloaded from a loopback mirror, verified and cached;
bounded, https-only downloads. No test here leaves the machine: every URL is 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fakes.spec_mirror import Route, SpecMirror
from portkey_codegen import download as dl, fetch
from portkey_codegen.config import Config
from portkey_codegen.diagnostics import GeneratorError
from project_paths import REPO, skip_or_fail

SPEC = (REPO / "tests" / "fixtures" / "streaming.yaml").read_bytes()
SHA = hashlib.sha256(SPEC).hexdigest()
COMMIT = "0123456789abcdef0123456789abcdef01234567"
ROUTE = f"/example/api/{COMMIT}/specs/openapi.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PORTKEY_CODEGEN_CACHE_DIR", str(folder))
    monkeypatch.delenv(fetch.ENV_MIRROR, raising=False)
    return folder


def write_pin(folder: Path, *, sha: str = SHA, commit: str = COMMIT) -> Path:
    pin = folder / "pin.yaml"
    pin.write_text(
        f"source:\n  repository: example/api\n  path: specs/openapi.yaml\n  commit: {commit}\nsha256: {sha}\n"
    )
    return pin


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def one_line(exc: pytest.ExceptionInfo[GeneratorError]) -> str:
    [d] = exc.value.diagnostics
    text = d.format()
    assert "\n" not in text, text
    return text


# --- the pinned spec ---------------------------------------------------------------------------


def test_url_is_built_from_the_pin(cache, tmp_path, monkeypatch):
    source = fetch.read_pinned_source(write_pin(tmp_path))
    assert source.url() == f"https://raw.githubusercontent.com{ROUTE}"
    monkeypatch.setenv(fetch.ENV_MIRROR, "http://127.0.0.1:9/mirror/")
    assert source.url() == f"http://127.0.0.1:9/mirror{ROUTE}"
    real = fetch.read_pinned_source(REPO / "spec" / "pin.yaml")
    assert real.url(base=fetch.UPSTREAM).startswith("https://raw.githubusercontent.com/Portkey-AI/openapi/")


def test_download_verify_cache_then_no_second_request(cache, tmp_path, monkeypatch):
    pin = write_pin(tmp_path)
    with SpecMirror({ROUTE: Route(SPEC)}) as mirror:
        monkeypatch.setenv(fetch.ENV_MIRROR, mirror.url)
        first = fetch.fetch_pinned(pin)
        assert first == cache / "spec" / f"{SHA}.yaml" and first.read_bytes() == SPEC
        assert fetch.fetch_pinned(pin) == first
        assert mirror.requests == [ROUTE]  # the second call is a cache hit
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary file left


def test_damaged_cache_entry_is_downloaded_again(cache, tmp_path, monkeypatch, capsys):
    pin = write_pin(tmp_path)
    entry = cache / "spec" / f"{SHA}.yaml"
    entry.parent.mkdir(parents=True)
    entry.write_bytes(SPEC[:100])  # truncated
    with SpecMirror({ROUTE: Route(SPEC)}) as mirror:
        monkeypatch.setenv(fetch.ENV_MIRROR, mirror.url)
        assert fetch.fetch_pinned(pin).read_bytes() == SPEC
        assert mirror.requests == [ROUTE]
    assert "does not match its sha256" in capsys.readouterr().err


def test_download_with_another_sha256_is_refused_and_not_stored(cache, tmp_path, monkeypatch):
    pin = write_pin(tmp_path)
    with SpecMirror({ROUTE: Route(SPEC + b"\n# edited\n")}) as mirror:
        monkeypatch.setenv(fetch.ENV_MIRROR, mirror.url)
        with pytest.raises(GeneratorError) as exc:
            fetch.fetch_pinned(pin)
    text = one_line(exc)
    assert f"not the pinned {SHA}" in text and "nothing was stored" in text
    assert not (cache / "spec").exists() or not any((cache / "spec").iterdir())


def test_unreachable_mirror_is_one_line_naming_url_pin_and_spec_flag(cache, tmp_path, monkeypatch):
    pin = write_pin(tmp_path)
    base = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv(fetch.ENV_MIRROR, base)
    with pytest.raises(GeneratorError) as exc:
        fetch.fetch_pinned(pin)
    text = one_line(exc)
    assert f"{base}{ROUTE}" in text and str(pin) in text and COMMIT in text and "--spec FILE" in text
    assert "refused" in text.lower()


def test_no_mirror_no_network_names_upstream_url_and_the_mirror_variable(cache, tmp_path, monkeypatch):
    # The upstream base moved to a closed loopback port: what "offline" looks like, without the internet.
    upstream = f"https://127.0.0.1:{closed_port()}"
    monkeypatch.setattr(fetch, "UPSTREAM", upstream)
    with pytest.raises(GeneratorError) as exc:
        fetch.fetch_pinned(write_pin(tmp_path))
    text = one_line(exc)
    assert f"{upstream}{ROUTE}" in text and "--spec FILE" in text and fetch.ENV_MIRROR in text


def test_404_names_the_status(cache, tmp_path, monkeypatch):
    with SpecMirror() as mirror:
        monkeypatch.setenv(fetch.ENV_MIRROR, mirror.url)
        with pytest.raises(GeneratorError) as exc:
            fetch.fetch_pinned(write_pin(tmp_path))
    assert "HTTP 404" in one_line(exc)


def test_another_commit_is_cached_under_its_own_sha256(cache, tmp_path, monkeypatch):
    other = "f" * 40
    body = SPEC.replace(b"Streaming", b"Streaming v2")
    with SpecMirror({f"/example/api/{other}/specs/openapi.yaml": Route(body)}) as mirror:
        monkeypatch.setenv(fetch.ENV_MIRROR, mirror.url)
        got = fetch.fetch_pinned(write_pin(tmp_path), commit=other)
    assert got.name == hashlib.sha256(body).hexdigest() + ".yaml" and got.read_bytes() == body
    with pytest.raises(GeneratorError, match="full 40-hex-digit"):
        fetch.fetch_pinned(write_pin(tmp_path), commit="abc")


@pytest.mark.parametrize(
    ("pin_text", "message"),
    [
        ("source:\n  repository: nope\n  path: a.yaml\n  commit: " + COMMIT + "\n", "bad repository"),
        ("source:\n  repository: a/b\n  path: ../x.yaml\n  commit: " + COMMIT + "\n", "bad path"),
        ("source:\n  repository: a/b\n  path: a.yaml\n  commit: main\n", "bad commit"),
        ("source:\n  repository: a/b\n  path: a.yaml\n  commit: " + COMMIT + "\nsha256: xyz\n", "bad sha256"),
    ],
)
def test_malformed_pin_is_refused_naming_the_pin(tmp_path, pin_text, message):
    pin = tmp_path / "pin.yaml"
    pin.write_text(pin_text)
    with pytest.raises(GeneratorError, match=message) as exc:
        fetch.read_pinned_source(pin)
    assert exc.value.diagnostics[0].file == str(pin)


def test_config_without_spec_resolves_to_the_pinned_download(cache, tmp_path, monkeypatch):
    pin = write_pin(tmp_path)
    with SpecMirror({ROUTE: Route(SPEC)}) as mirror:
        monkeypatch.setenv(fetch.ENV_MIRROR, mirror.url)
        assert fetch.resolve_spec(Config(pin=pin)).read_bytes() == SPEC
    assert fetch.resolve_spec(Config(spec=tmp_path / "x.yaml", pin=pin)) == tmp_path / "x.yaml"
    with pytest.raises(GeneratorError, match="no spec given"):
        fetch.resolve_spec(Config())


# --- bounded, https-only downloads -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://example.com/spec.yaml", "data:,openapi", "https:///nohost"],
)
def test_only_https_urls_are_fetched(url):
    with pytest.raises(dl.DownloadError, match="only https|not a valid URL"):
        dl.download(url)


def test_plain_http_only_for_a_loopback_mirror():
    with pytest.raises(dl.DownloadError, match="loopback"):
        dl.download("http://10.1.2.3/spec.yaml", allow_loopback_http=True)
    with pytest.raises(dl.DownloadError, match="only https"):
        dl.download("http://127.0.0.1:9/spec.yaml")  # no mirror: loopback http is refused too


def test_size_limit_from_content_length_and_from_the_body():
    with SpecMirror({"/big": Route(b"x" * 5000), "/unannounced": Route(b"x" * 5000, declared_length=-1)}) as m:
        with pytest.raises(dl.DownloadError, match="5000 bytes is over the 1000-byte limit"):
            dl.download(m.url + "/big", max_bytes=1000, allow_loopback_http=True)
        with pytest.raises(dl.DownloadError, match="more than the 1000-byte limit"):
            dl.download(m.url + "/unannounced", max_bytes=1000, allow_loopback_http=True)
        assert dl.download(m.url + "/unannounced", max_bytes=5000, allow_loopback_http=True) == b"x" * 5000


def test_cut_short_answer_is_refused():
    with SpecMirror({"/cut": Route(b"x" * 100, declared_length=1000)}) as m:
        with pytest.raises(dl.DownloadError):
            dl.download(m.url + "/cut", allow_loopback_http=True, timeout=2)


def test_silent_server_times_out_and_trickling_one_meets_the_deadline():
    with SpecMirror({"/silent": Route(b"x" * 10, delay=3.0), "/trickle": Route(b"x" * 20_000, delay=0.05)}) as m:
        with pytest.raises(dl.DownloadError, match="within|timed out"):
            dl.download(m.url + "/silent", allow_loopback_http=True, timeout=0.3)
        with pytest.raises(dl.DownloadError, match="not complete after"):
            dl.download(m.url + "/trickle", allow_loopback_http=True, deadline=0.3)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "http://example.com/x", "ftp://127.0.0.1/x"])
def test_redirect_off_https_or_off_loopback_is_refused(target):
    with SpecMirror({"/moved": Route(status=302, headers={"Location": target})}) as m:
        with pytest.raises(dl.DownloadError, match="redirected to"):
            dl.download(m.url + "/moved", allow_loopback_http=True)


def test_redirect_within_the_loopback_mirror_is_followed():
    with SpecMirror({"/moved": Route(status=301, headers={"Location": "/here"}), "/here": Route(b"ok")}) as m:
        assert dl.download(m.url + "/moved", allow_loopback_http=True) == b"ok"


# --- --spec https://... against a real TLS server on loopback -------------------------------------


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        skip_or_fail("openssl is not installed: it makes the self-signed certificate of the https test server")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def https_server(tls_cert, monkeypatch):
    cert, key = tls_cert
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            status, headers, body = routes.get(self.path, (404, {}, b""))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate, nothing else changes
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()


def test_spec_url_is_downloaded_over_https_and_cached(cache, https_server):
    base, routes = https_server
    routes["/openapi.yaml"] = (200, {}, SPEC)
    got = fetch.resolve_spec(Config(spec=base + "/openapi.yaml"))
    assert got == cache / "spec" / f"{SHA}.yaml" and got.read_bytes() == SPEC


def test_https_redirect_to_plain_http_is_refused(cache, https_server):
    base, routes = https_server
    with SpecMirror({"/openapi.yaml": Route(SPEC)}) as plain:
        routes["/moved"] = (302, {"Location": plain.url + "/openapi.yaml"}, b"")
        with pytest.raises(GeneratorError) as exc:
            fetch.resolve_spec(Config(spec=base + "/moved"))
        assert plain.requests == []
    text = one_line(exc)
    assert "redirected to http://127.0.0.1" in text and "--spec FILE" in text


def test_untrusted_certificate_is_refused(cache, https_server, monkeypatch):
    base, routes = https_server
    routes["/openapi.yaml"] = (200, {}, SPEC)
    monkeypatch.setenv("SSL_CERT_FILE", os.devnull)
    monkeypatch.setenv("SSL_CERT_DIR", os.devnull)
    with pytest.raises(GeneratorError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        fetch.resolve_spec(Config(spec=base + "/openapi.yaml"))


# --- the CLI, in a project of its own --------------------------------------------------------------


def make_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    write_pin(proj)
    (proj / "pyproject.toml").write_text(
        '[tool.portkey-codegen]\npin = "pin.yaml"\nout = "generated"\npackage-name = "fx"\nparts = ["models", "client"]\n'
    )
    return proj


def cli(proj: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != fetch.ENV_MIRROR}
    return subprocess.run(
        [sys.executable, "-m", "portkey_codegen", *args], cwd=proj, env={**full, **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_cli_generate_and_fetch_download_the_pinned_spec(tmp_path):
    proj = make_project(tmp_path)
    env = {"PORTKEY_CODEGEN_CACHE_DIR": str(tmp_path / "cache")}
    with SpecMirror({ROUTE: Route(SPEC)}) as mirror:
        done = cli(proj, "generate", env={**env, fetch.ENV_MIRROR: mirror.url})
        assert done.returncode == 0, done.stderr
        assert (proj / "generated" / "fx" / "client" / "_client.py").is_file()
        fetched = cli(proj, "fetch", env={**env, fetch.ENV_MIRROR: mirror.url})
        assert fetched.returncode == 0 and fetched.stdout.strip() == str(tmp_path / "cache" / "spec" / f"{SHA}.yaml")
        assert mirror.requests == [ROUTE]  # generate downloaded it; fetch found it cached
        again = cli(proj, "fetch", "--refresh", env={**env, fetch.ENV_MIRROR: mirror.url})
        assert again.returncode == 0 and mirror.requests == [ROUTE, ROUTE]
    # Offline now, but cached: check works without the network.
    assert cli(proj, "check", env=env).returncode == 0


def test_cli_offline_without_cache_fails_in_one_line(tmp_path):
    proj = make_project(tmp_path)
    base = f"http://127.0.0.1:{closed_port()}"
    done = cli(proj, "generate", env={"PORTKEY_CODEGEN_CACHE_DIR": str(tmp_path / "cache"), fetch.ENV_MIRROR: base})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{base}{ROUTE}" in lines[0] and "--spec FILE" in lines[0] and "pin.yaml" in lines[0]
    assert not (proj / "generated").exists()


def test_update_in_a_pinned_project_repins_and_caches_the_new_spec(tmp_path):
    proj = make_project(tmp_path)
    env = {"PORTKEY_CODEGEN_CACHE_DIR": str(tmp_path / "cache")}
    pyproject = (proj / "pyproject.toml").read_text()
    with SpecMirror({ROUTE: Route(SPEC)}) as mirror:
        assert cli(proj, "generate", env={**env, fetch.ENV_MIRROR: mirror.url}).returncode == 0
        new = tmp_path / "v2.yaml"
        new.write_bytes(SPEC.replace(b"Streaming", b"Streaming v2"))
        new_commit = "e" * 40
        done = cli(proj, "update", "--spec", str(new), "--commit", new_commit, env={**env, fetch.ENV_MIRROR: mirror.url})
        assert done.returncode == 0, done.stderr
        assert mirror.requests == [ROUTE]  # the diff's old side came from the cache
    new_sha = hashlib.sha256(new.read_bytes()).hexdigest()
    pin = (proj / "pin.yaml").read_text()
    assert f"sha256: {new_sha}" in pin and f"commit: {new_commit}" in pin
    assert (proj / "pyproject.toml").read_text() == pyproject  # still names only the pin
    # Offline and without the mirror, the new pin is served from the cache.
    assert cli(proj, "check", env=env).returncode == 0
