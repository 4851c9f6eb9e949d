"""Command line: a thin layer over generator.generate().

Exit codes: 0 ok; 1 generated code is stale (`check`) or breaking changes found (`diff --fail-on`);
2 bad input (spec, config, flags) — nothing was written; 3 internal error (a generator bug).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, generate
from .config import load_config
from .diagnostics import GeneratorError, InternalError
from .formatting import FormattingError

EXIT_OK, EXIT_STALE, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec", type=Path, help="OpenAPI file (default: the pinned spec from pyproject.toml)")
    p.add_argument("--config", type=Path, help="pyproject.toml holding [tool.portkey-codegen]")
    p.add_argument("--overlay", type=Path, help="OpenAPI Overlay 1.0 file applied after load")
    p.add_argument("--spec-changed", action="store_true", help="accept a spec whose sha256 differs from the pin")
    p.add_argument("--lenient", action="store_true", help="report spec validation errors as warnings")
    p.add_argument("-v", "--verbose", action="store_true", help="print each stage's time")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the stage cache")


def _gen_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="output folder (default: generated/)")
    p.add_argument("--package-name", help="Python package of the output, e.g. myapp._vendor.portkey")
    p.add_argument("--templates", type=Path, help="folder of templates overriding built-in ones by file name")
    p.add_argument(
        "--parts", help="comma-separated: models,client,server (models is always included)", default=None
    )


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="portkey-codegen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"portkey-codegen {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="regenerate the output folder")
    _common(g)
    _gen_flags(g)
    c = sub.add_parser("check", help="exit 1 with a diff when the output folder is stale")
    _common(c)
    _gen_flags(c)
    v = sub.add_parser("validate", help="load, apply the overlay and validate the spec")
    _common(v)
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


def _config(args: argparse.Namespace):
    parts = None
    if getattr(args, "parts", None):
        parts = tuple(dict.fromkeys(["models", *[p.strip() for p in args.parts.split(",") if p.strip()]]))
    return load_config(
        args.config,
        spec=args.spec,
        overlay=args.overlay,
        out=getattr(args, "out", None),
        package_name=getattr(args, "package_name", None),
        templates=getattr(args, "templates", None),
        parts=parts,
        spec_changed=args.spec_changed or None,
        lenient=args.lenient or None,
        verbose=args.verbose or None,
        no_cache=getattr(args, "no_cache", False) or None,
    )


def _print_timings(timings: list[tuple[str, float]], stream) -> None:
    total = sum(t for _, t in timings)
    for name, seconds in timings:
        print(f"  {name:<14} {seconds:7.3f} s", file=stream)
    print(f"  {'total':<14} {total:7.3f} s", file=stream)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
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
    try:
        if args.command == "update":
            return _update(args)
        if args.command == "serve":
            return _serve(args)
        config = _config(args)
        if args.command == "validate":
            from . import Timer, prepare

            timer = Timer()
            prepared = prepare(config, timer)
            for d in prepared.diagnostics:
                print(d.format(), file=sys.stderr)
            print(f"{prepared.spec_path}: valid (sha256 {prepared.sha256})")
            if args.verbose:
                _print_timings(timer.stages, sys.stderr)
            return EXIT_OK
        result = generate(config, check=args.command == "check")
    except InternalError as exc:  # a generator bug: exit 3, with where in the spec it happened
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        print("please report it with the spec that caused it", file=sys.stderr)
        return EXIT_INTERNAL
    except GeneratorError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except FormattingError as exc:
        # Generated code that does not parse is our bug, never the spec's: say so plainly.
        print(f"internal error: {exc}\nplease report it with the spec that caused it", file=sys.stderr)
        return EXIT_INTERNAL
    for d in result.diagnostics:
        print(d.format(), file=sys.stderr)
    if args.verbose:
        _print_timings(result.timings, sys.stderr)
    if args.command == "check":
        if result.stale:
            print(f"{config.out} is stale: run `portkey-codegen generate`", file=sys.stderr)
            print("\n".join(result.stale))
            return EXIT_STALE
        print(f"{config.out} is up to date ({len(result.files)} files)")
        return EXIT_OK
    print(
        f"generated {len(result.files)} files in {config.out} "
        f"({len(result.written)} written, {len(result.removed)} removed, {len(result.api.operations)} operations)"
    )
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    """Generate into a temporary folder (so it always matches the spec) and run it under uvicorn."""
    import importlib
    import tempfile

    from . import render_tree
    from .output import write_tree

    config = _config(argparse.Namespace(**{**vars(args), "out": None, "package_name": None, "templates": None, "parts": "server"}))
    result = render_tree(config)
    with tempfile.TemporaryDirectory(prefix="portkey-codegen-serve-") as tmp:
        write_tree(Path(tmp), result.files)
        sys.path.insert(0, tmp)
        server = importlib.import_module(f"{config.package_name}.server")
        app = server.create_app(mock=args.mock, prefix=args.prefix)
        print(f"serving {len(result.api.operations)} operations on http://{args.host}:{args.port}{args.prefix}", file=sys.stderr)
        try:
            server.serve(app, host=args.host, port=args.port)
        except ImportError as exc:
            print(f"error: {exc}; install uvicorn to serve", file=sys.stderr)
            return EXIT_BAD_INPUT
    return EXIT_OK


def _update(args: argparse.Namespace) -> int:
    """Everything is checked and rendered before anything is written; a bad spec changes nothing."""
    from . import Timer, render_tree
    from .diff import main_diff
    from .output import write_tree
    from .pin import update_pin

    if args.spec is None:
        print("error: update needs --spec NEW", file=sys.stderr)
        return EXIT_BAD_INPUT
    current = _config(argparse.Namespace(**{**vars(args), "spec": None}))
    new_spec = args.spec.resolve()
    config = _config(argparse.Namespace(**{**vars(args), "spec_changed": True}))
    timer = Timer()
    result = render_tree(config, timer)  # validates the new spec first: raises before any write
    if current.spec is not None and Path(current.spec).is_file():
        text, _ = main_diff(Path(current.spec), new_spec, fmt="markdown", fail_on="never", overlay=config.overlay)
        print(text)
    written = write_tree(Path(config.out), result.files)
    if config.pin is not None:
        changed = update_pin(current, new_spec, result.spec_sha256, commit=args.commit)
        for line in changed:
            print(line)
    for d in result.diagnostics:
        print(d.format(), file=sys.stderr)
    print(f"regenerated {config.out}: {len(written.written)} files changed, {len(written.removed)} removed")
    for rel in written.written:
        print(f"  changed  {rel}")
    for rel in written.removed:
        print(f"  removed  {rel}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
