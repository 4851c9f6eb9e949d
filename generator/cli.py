"""portkey-codegen turns an OpenAPI 3.0/3.1 YAML (by default the pinned Portkey spec) into code you
vendor: pydantic v2 models, typed sync + async httpx clients and FastAPI server stubs, and checks in
CI that the committed code is still what the spec produces.

Settings come from [tool.portkey-codegen] in the nearest pyproject.toml; flags override them. Without
a spec or pin of its own, a project uses the Portkey preset shipped in the package (pin, overlay,
naming rules); the pinned spec is downloaded on first use and kept in the user cache.

examples:
  portkey-codegen init --out src --package-name myapp._vendor.portkey    set up a project (config, hook, workflow)
  portkey-codegen generate                      regenerate generated/ from the pinned spec
  portkey-codegen check                         exit 1 with a diff when generated/ is stale
  portkey-codegen generate --spec api.yaml --no-pin --no-overlay --no-names --out src/ --package-name my_api
  portkey-codegen serve --mock --port 8000      a local stand-in for the API
  portkey-codegen diff old.yaml new.yaml        what changed, classified for clients and servers

exit codes: 0 ok; 1 stale (check) or --fail-on matched (diff); 2 bad input (spec, config, flags),
nothing written; 3 internal error (please report it).
run `portkey-codegen COMMAND --help` for a command's flags.
"""

# The docstring above is the user's `--help`. For developers: a thin layer over portkey_codegen.generate();
# the pinned spec's download lives in generator/fetch.py.

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from . import __version__, generate
from .config import NAMING_MODES, load_config
from .diagnostics import GeneratorError, InternalError
from .formatting import FormattingError

EXIT_OK, EXIT_STALE, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, plus "did you mean" for a mistyped command or choice."""

    def error(self, message: str):  # type: ignore[override]
        found = re.search(r"invalid choice: '(.*?)' \(choose from (.*)\)", message)
        if found:
            choices = re.findall(r"'(.*?)'", found.group(2))
            close = difflib.get_close_matches(found.group(1), choices, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        super().error(message)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec", metavar="FILE|URL", help="OpenAPI file or https URL (default: the pinned spec, downloaded once)")
    p.add_argument("--config", type=Path, help="pyproject.toml holding [tool.portkey-codegen]")
    p.add_argument("--overlay", type=Path, help="OpenAPI Overlay 1.0 file applied after load")
    p.add_argument("--no-overlay", action="store_true", help="apply no overlay (ignore the configured one)")
    p.add_argument("--names", type=Path, help="naming rules and overrides (YAML, like spec/names.yaml)")
    p.add_argument("--no-names", action="store_true", help="use the built-in naming rules only")
    p.add_argument(
        "--naming", choices=NAMING_MODES,
        help="method names from the path (GET /user/login: user.login.list) or the operationId "
        "(user.login_user); default: the names file's `naming`, else operation-id",
    )  # fmt: skip
    p.add_argument("--no-pin", action="store_true", help="ignore the pin: no sha256 check, no download")
    p.add_argument("--spec-changed", action="store_true", help="accept a spec whose sha256 differs from the pin")
    p.add_argument("--lenient", action="store_true", help="report spec validation errors as warnings")
    p.add_argument("-v", "--verbose", action="store_true", help="list every warning and print each stage's time")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.add_argument(
        "--warnings-as-errors", action="store_true", help="any warning is an error: exit 2, nothing written"
    )
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the stage cache")


def _gen_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="output folder (default: generated/)")
    p.add_argument("--package-name", help="Python package of the output, e.g. myapp._vendor.portkey")
    p.add_argument("--templates", type=Path, help="folder of templates overriding built-in ones by file name")
    p.add_argument(
        "--parts", help="comma-separated: models,client,server (models is always included)", default=None
    )


def parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="portkey-codegen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"portkey-codegen {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    g = sub.add_parser("generate", help="regenerate the output folder")
    _common(g)
    _gen_flags(g)
    c = sub.add_parser("check", help="exit 1 with a diff when the output folder is stale")
    _common(c)
    _gen_flags(c)
    v = sub.add_parser("validate", help="load, apply the overlay and validate the spec")
    _common(v)
    f = sub.add_parser("fetch", help="download the pinned spec into the user cache and print its path")
    f.add_argument("--config", type=Path, help="pyproject.toml holding [tool.portkey-codegen]")
    f.add_argument("--commit", help="download this upstream commit instead of the pinned one (adopt it with `update`)")
    f.add_argument("--refresh", action="store_true", help="download again even when the cache holds it")
    f.add_argument(
        "--from", dest="from_file", type=Path, metavar="FILE",
        help="store a local copy of the pinned spec in the cache (checked against the pin's sha256); no network",
    )  # fmt: skip
    u = sub.add_parser(
        "update", help="adopt a new spec: validate, show the diff, regenerate, update the pin"
    )
    _common(u)
    _gen_flags(u)
    u.add_argument("--commit", help="upstream commit of the new spec, recorded in the pin")
    sv = sub.add_parser("serve", help="run the generated server (--mock: answers every operation from the spec)")
    _common(sv)
    sv.add_argument("--mock", action="store_true", help="answer every operation with a valid example response")
    sv.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1, loopback only)")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--prefix", default="", help="mount the API under this path, e.g. /v1")
    sv.add_argument("--seed", type=int, default=None, help="with --mock: the same seed gives the same answers")
    from .scaffold import add_init_parser
    from .apidiff import add_api_diff_parser

    add_init_parser(sub)
    add_api_diff_parser(sub)
    d = sub.add_parser("diff", help="compare two specs; classify breaking changes (docs/diff.md)")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    d.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    d.add_argument(
        "--fail-on",
        choices=("breaking", "breaking-client", "breaking-server", "any", "never"),
        default="never",
        help="exit 1 when such a change is found",
    )
    d.add_argument("--overlay", type=Path, help="overlay applied to both specs before comparing")
    return ap


def _unknown_flags(ap: argparse.ArgumentParser, command: str | None, extras: list[str]) -> str:
    """One line per unknown argument, with the closest flag of `command` when there is one."""
    known: list[str] = []
    for action in ap._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            known = [o for a in action.choices[command]._actions for o in a.option_strings]
    lines = []
    for i, extra in enumerate(extras):
        if not extra.startswith("-") and i and extras[i - 1].startswith("-") and "=" not in extras[i - 1]:
            continue  # most likely the value of the unknown flag before it
        flag = extra.split("=", 1)[0]
        close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6) if flag.startswith("-") else []
        what = "unknown flag" if flag.startswith("-") else "unexpected argument"
        lines.append(
            f"portkey-codegen {command}: error: {what} {extra}"
            + (f"; did you mean {close[0]}?" if close else f"; see `portkey-codegen {command} --help`")
        )
    return "\n".join(lines)


def _config(args: argparse.Namespace):
    parts = None
    if getattr(args, "parts", None):
        parts = tuple(dict.fromkeys(["models", *[p.strip() for p in args.parts.split(",") if p.strip()]]))
    without = tuple(
        name for name, flag in (("overlay", "no_overlay"), ("names", "no_names"), ("pin", "no_pin"))
        if getattr(args, flag, False)
    )  # fmt: skip
    return load_config(
        args.config,
        without=without,
        spec=args.spec,
        overlay=args.overlay,  # `without` clears it again for --no-overlay (likewise names)
        names=getattr(args, "names", None),
        out=getattr(args, "out", None),
        package_name=getattr(args, "package_name", None),
        templates=getattr(args, "templates", None),
        parts=parts,
        spec_changed=args.spec_changed or None,
        lenient=args.lenient or None,
        naming=getattr(args, "naming", None),
        verbose=args.verbose or None,
        no_cache=getattr(args, "no_cache", False) or None,
        warnings_as_errors=getattr(args, "warnings_as_errors", False) or None,
        quiet=getattr(args, "quiet", False) or None,
    )


def print_diagnostics(diagnostics, *, verbose: bool = False, quiet: bool = False) -> None:
    """Errors in full; warnings listed only with -v, else one summary line (none with --quiet)."""
    warnings = [d for d in diagnostics if d.severity != "error"]
    for d in diagnostics:
        if d.severity == "error" or verbose:
            print(d.format(), file=sys.stderr)
    if warnings and not verbose and not quiet:
        print(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}, -v to list", file=sys.stderr)


def _strict_failed(config, diagnostics) -> bool:
    """--warnings-as-errors (or the config key) and a warning: report them all as errors."""
    if not config.warnings_as_errors or not any(d.severity != "error" for d in diagnostics):
        return False
    from dataclasses import replace

    print_diagnostics([replace(d, severity="error") for d in diagnostics])
    return True


def _print_timings(timings: list[tuple[str, float]], stream) -> None:
    total = sum(t for _, t in timings)
    for name, seconds in timings:
        print(f"  {name:<14} {seconds:7.3f} s", file=stream)
    print(f"  {'total':<14} {total:7.3f} s", file=stream)


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    args, extras = ap.parse_known_args(argv)
    if extras:
        print(_unknown_flags(ap, args.command, extras), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "diff":
        from .diff import main_diff

        try:
            text, code = main_diff(args.old, args.new, fmt=args.format, fail_on=args.fail_on, overlay=args.overlay)
        except GeneratorError as exc:
            for d in exc.diagnostics:
                print(d.format(), file=sys.stderr)
            return EXIT_BAD_INPUT
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return code
    if args.command == "init":
        from .scaffold import main_init

        return main_init(args)
    verbose, quiet = getattr(args, "verbose", False), getattr(args, "quiet", False)
    try:
        if args.command == "api-diff":
            from .apidiff import main_api_diff

            return main_api_diff(args)
        if args.command == "update":
            return _update(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "fetch":
            return _fetch(args)
        config = _config(args)
        if args.command == "validate":
            from . import Timer, prepare

            timer = Timer()
            prepared = prepare(config, timer)
            if _strict_failed(config, prepared.diagnostics):
                return EXIT_BAD_INPUT
            print_diagnostics(prepared.diagnostics, verbose=verbose, quiet=config.quiet)
            if not config.quiet:
                print(f"{prepared.spec_path}: valid (sha256 {prepared.sha256})")
            if args.verbose:
                _print_timings(timer.stages, sys.stderr)
            return EXIT_OK
        result = generate(config, check=args.command == "check")
    except GeneratorError as exc:
        print_diagnostics(exc.diagnostics, verbose=verbose, quiet=quiet)
        if isinstance(exc, InternalError):  # a generator bug: exit 3, with where in the spec it happened
            print("please report it with the spec that caused it", file=sys.stderr)
            return EXIT_INTERNAL
        return EXIT_BAD_INPUT
    except FormattingError as exc:
        # Generated code that does not parse is our bug, never the spec's: say so plainly.
        print(f"internal error: {exc}\nplease report it with the spec that caused it", file=sys.stderr)
        return EXIT_INTERNAL
    print_diagnostics(result.diagnostics, verbose=verbose, quiet=config.quiet)
    if args.verbose:
        from .naming_settings import resolve_naming

        print("naming: %s (%s)" % resolve_naming(config), file=sys.stderr)
        _print_timings(result.timings, sys.stderr)
    if args.command == "check":
        if result.stale:
            print(f"{config.out} is stale: run `portkey-codegen generate` (or `git apply -R` the diff below)", file=sys.stderr)
            print("\n".join(result.stale))
            return EXIT_STALE
        if not config.quiet:
            print(f"{config.out} is up to date ({len(result.files)} files)")
        return EXIT_OK
    if config.quiet:
        return EXIT_OK
    print(
        f"generated {len(result.files)} files in {config.out} "
        f"({len(result.written)} written, {len(result.removed)} removed, {len(result.api.operations)} operations)"
    )
    return EXIT_OK


def _fetch(args: argparse.Namespace) -> int:
    from .fetch import fetch_pinned, import_file

    config = load_config(args.config)
    if config.pin is None:
        print("error: no `pin` under [tool.portkey-codegen]: nothing to fetch (pass --config)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.from_file is not None:
        if args.commit:
            print("error: --from stores the pinned spec; --commit names another one (give one of them)", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(import_file(Path(config.pin), args.from_file))
        return EXIT_OK
    path = fetch_pinned(Path(config.pin), commit=args.commit, refresh=args.refresh)
    print(path)
    if args.commit:
        print(
            f"to adopt it: portkey-codegen update --spec {path} --commit {args.commit}",
            file=sys.stderr,
        )
    return EXIT_OK


def _bind(host: str, port: int):
    """The listening socket, bound here so that a busy port is bad input (exit 2) named as such."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise _BindError(f"cannot bind --host {host}: {exc.strerror}") from None
    family, _, proto, _, address = infos[0]
    # With the protocol (IPPROTO_TCP) asyncio sets TCP_NODELAY on each accepted connection; the
    # option on the listening socket is inherited too. Without it, Nagle's algorithm and delayed
    # ACKs hold every keep-alive response ~40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise _BindError(f"port {port} on {host} is in use: stop what listens there or pass --port N") from None
        raise _BindError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pass another --port") from None
    sock.listen(2048)
    return sock


# What `serve` imports (distribution, module); the [serve] extra in pyproject.toml installs them.
SERVE_EXTRA = (("fastapi", ("fastapi",)), ("uvicorn", ("uvicorn",)), ("python-multipart", ("python_multipart", "multipart")))


class _BindError(Exception):
    """A one-line bad-input message of `serve` (exit 2)."""


def _serve(args: argparse.Namespace) -> int:
    """Generate into a temporary folder (so it always matches the spec) and run it under uvicorn."""
    import importlib.util
    import tempfile

    from . import render_tree
    from .output import write_tree

    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port} is not a TCP port (0-65535)", file=sys.stderr)
        return EXIT_BAD_INPUT
    missing = [name for name, modules in SERVE_EXTRA if not any(importlib.util.find_spec(m) for m in modules)]
    if missing:
        print(
            f"error: `serve` needs the [serve] extra ({', '.join(missing)} missing): "
            "pip install 'portkey-codegen[serve]'",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    import uvicorn

    try:
        sock = _bind(args.host, args.port)  # before the slow part: a busy port fails at once
    except _BindError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with sock:
        config = _config(argparse.Namespace(**{**vars(args), "out": None, "package_name": None, "templates": None, "parts": "server"}))
        result = render_tree(config)
        with tempfile.TemporaryDirectory(prefix="portkey-codegen-serve-") as tmp:
            write_tree(Path(tmp), result.files)
            sys.path.insert(0, tmp)
            server = importlib.import_module(f"{config.package_name}.server")
            app = server.create_app(mock=args.mock, prefix=args.prefix)
            app.state.mock_seed = args.seed  # read by the runtime's mock (None: timestamps are now)
            host, port = sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            print(f"serving {len(result.api.operations)} operations on http://{shown}:{port}{args.prefix}", file=sys.stderr)
            uvicorn.Server(uvicorn.Config(app, host=args.host, port=port)).run(sockets=[sock])
    return EXIT_OK


def _update(args: argparse.Namespace) -> int:
    """Everything is checked and rendered before anything is written; a bad spec changes nothing."""
    from . import Timer, render_tree
    from .diff import main_diff
    from .fetch import cached_spec_path, fetch_pinned, is_url, resolve_spec, spec_record, store
    from .output import write_tree
    from .pin import update_pin

    if args.spec is None:
        print("error: update needs --spec NEW", file=sys.stderr)
        return EXIT_BAD_INPUT
    if is_url(args.spec):
        args = argparse.Namespace(**{**vars(args), "spec": str(resolve_spec(load_config(args.config, spec=args.spec)))})
    current = _config(argparse.Namespace(**{**vars(args), "spec": None}))
    if current.preset is not None:
        print(
            f"error: the pin is the {current.preset} preset's, shipped with portkey-codegen: upgrade "
            "portkey-codegen for a newer spec, or run `portkey-codegen init --eject` to keep a pin of your own",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    new_spec = Path(args.spec).resolve()
    config = _config(argparse.Namespace(**{**vars(args), "spec_changed": True}))
    timer = Timer()
    result = render_tree(config, timer)  # validates the new spec first: raises before any write
    if _strict_failed(config, result.diagnostics):
        return EXIT_BAD_INPUT
    old_spec: Path | None = None
    if current.spec is not None and Path(current.spec).is_file():
        old_spec = Path(current.spec)
    elif current.spec is None and current.pin is not None:
        try:
            old_spec = fetch_pinned(Path(current.pin))
        except GeneratorError as exc:
            print(f"note: no diff against the pinned spec: {exc.diagnostics[0].message}", file=sys.stderr)
    if old_spec is not None:
        text, _ = main_diff(old_spec, new_spec, fmt="markdown", fail_on="never", overlay=config.overlay)
        print(text)
    written = write_tree(Path(config.out), result.files, spec_record(config, result.spec_sha256, args.commit))
    if config.pin is not None:
        if current.spec is None and new_spec != cached_spec_path(result.spec_sha256):
            store(new_spec.read_bytes())  # the pin now names it: later runs find it in the cache
            if not args.commit:
                print(
                    "warning: the pin's commit is unchanged: pass --commit SHA so that other machines "
                    "download this spec",
                    file=sys.stderr,
                )
        changed = update_pin(current, new_spec, result.spec_sha256, commit=args.commit)
        for line in changed:
            print(line)
    print_diagnostics(result.diagnostics, verbose=args.verbose, quiet=args.quiet)
    print(f"regenerated {config.out}: {len(written.written)} files changed, {len(written.removed)} removed")
    for rel in written.written:
        print(f"  changed  {rel}")
    for rel in written.removed:
        print(f"  removed  {rel}")
    return EXIT_OK


def run() -> NoReturn:
    """The `portkey-codegen` command (and `python -m portkey_codegen`): main(), then the exit.

    The exit skips the interpreter's teardown: a generate leaves a few hundred thousand objects,
    and freeing them one by one (~0.05 s) is work the system does at once when the process ends.
    Nothing waits for that teardown: every file is written and every child reaped before main()
    returns, and the output is flushed here.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
