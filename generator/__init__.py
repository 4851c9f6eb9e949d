"""portkey-codegen: OpenAPI (Portkey) -> pydantic v2 models, typed clients, FastAPI server stubs.

`generate(config)` is the one entry point; the CLI is a thin layer over it. Each stage is a pure
function of its inputs (see the modules named below); this module only wires them and times them.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .config import Config, load_config
from .diagnostics import Diagnostic, GeneratorError, Report, error

__version__ = "0.1.0"
__all__ = ["generate", "prepare", "render_tree", "Config", "load_config", "Result", "GeneratorError"]


@dataclass
class Result:
    files: dict[str, str]  # relative path -> content, everything the run generates
    api: Any  # ir.Api
    spec_path: Path
    spec_sha256: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    stale: list[str] = field(default_factory=list)  # unified diff lines (check mode)


class Timer:
    def __init__(self) -> None:
        self.stages: list[tuple[str, float]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stages.append((name, time.perf_counter() - t0))


def read_pin(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    from .load import load_spec

    return load_spec(path).document


def spec_path_for(config: Config) -> Path:
    if config.spec is not None:
        return Path(config.spec)
    raise error(
        "no spec given",
        hint="pass --spec PATH or set `spec` under [tool.portkey-codegen] in pyproject.toml",
    )


def check_pin(config: Config, sha256: str, spec_path: Path) -> None:
    pin = read_pin(config.pin)
    if not pin or config.spec_changed:
        return
    pinned = str(pin.get("sha256", ""))
    if pinned and pinned != sha256:
        raise error(
            f"spec sha256 {sha256} differs from the pin {pinned} in {config.pin}",
            file=str(spec_path),
            hint="the upstream spec changed: review it with `portkey-codegen diff`, then run with "
            "--spec-changed (or `portkey-codegen update --spec NEW`) to accept it",
        )


@dataclass(frozen=True)
class Prepared:
    """The spec after load, overlay, validation and ref checks."""

    document: dict
    spec_path: Path
    sha256: str
    diagnostics: tuple[Diagnostic, ...]


def prepare(config: Config, timer: Timer | None = None) -> Prepared:
    """load -> overlay -> validate -> resolve refs. Raises GeneratorError on bad input."""
    from . import overlay as overlay_mod
    from . import refs, validate
    from .load import load_spec

    timer = timer or Timer()
    spec_path = spec_path_for(config)
    with timer.stage("load"):
        loaded = load_spec(spec_path)
    check_pin(config, loaded.sha256, spec_path)
    document = loaded.document
    if config.overlay is not None and Path(config.overlay).is_file():
        with timer.stage("overlay"):
            document = overlay_mod.apply_overlay(
                document, overlay_mod.load_overlay(Path(config.overlay)), overlay_path=Path(config.overlay)
            )
    with timer.stage("resolve"):
        document = refs.resolve_refs(
            document, base_dir=spec_path.parent, spec_file=spec_path, allow_remote=config.allow_remote_refs
        )
    with timer.stage("validate"):
        found = validate.validate(document, source=loaded)
    errors = [d for d in found if d.severity == "error"]
    diagnostics = [d for d in found if d.severity != "error"]
    if errors and not config.lenient:
        raise GeneratorError(errors)
    diagnostics += [Diagnostic("warning", d.message, d.pointer, d.file, d.line, d.column, d.hint) for d in errors]
    return Prepared(document, spec_path, loaded.sha256, tuple(diagnostics))


def _naming_rules(config: Config):
    from .build.operations import NamingRules
    from .load import load_spec

    if config.names is not None and Path(config.names).is_file():
        data = load_spec(Path(config.names)).document
        return NamingRules.from_mapping(data)
    return NamingRules()


def render_tree(config: Config, timer: Timer | None = None) -> Result:
    """Everything up to (not including) writing: returns the files the output folder should hold."""
    from . import models as models_mod
    from .build.api import build_api, operation_class_names
    from .emit import emit_files
    from .formatting import format_tree

    timer = timer or Timer()
    prepared = prepare(config, timer)
    report = Report(list(prepared.diagnostics))
    rules = _naming_rules(config)
    with timer.stage("models-plan"):
        plan = models_mod.plan_models(
            prepared.document, operation_names=operation_class_names(prepared.document, rules)
        )
        report.items.extend(plan.warnings)
    with timer.stage("ir"):
        api = build_api(
            prepared.document,
            type_hint=lambda schema, ptr: models_mod.type_hint(plan, schema, ptr),
            class_for_pointer=plan.class_for_pointer,
            rules=rules,
            spec_sha256=prepared.sha256,
            package_name=config.package_name,
            generator_version=__version__,
            model_names=plan.class_names,
            report=report,
        )
    with timer.stage("models-render"):
        models_source = models_mod.render_models(plan, header=file_header(api))
    with timer.stage("render"):
        files = emit_files(api, models_source, config)
    with timer.stage("format"):
        files = format_tree(files)
    return Result(files, api, prepared.spec_path, prepared.sha256, report.items, timer.stages)


def file_header(api: Any) -> str:
    return (
        f"# Generated by portkey-codegen {api.generator_version} from {_safe_title(api.title)} "
        f"(spec sha256 {api.spec_sha256}).\n# Do not edit: regenerate with `portkey-codegen generate`.\n"
    )


def _safe_title(title: str) -> str:
    from .textsafe import comment

    return comment(title, limit=80) or "an OpenAPI spec"


def generate(config: Config, *, check: bool = False) -> Result:
    """Render, then write to `config.out` (or, with check=True, only compare and report stale files)."""
    from .output import stale_diff, write_tree

    timer = Timer()
    result = render_tree(config, timer)
    out = Path(config.out)
    if check:
        with timer.stage("compare"):
            result.stale = stale_diff(out, result.files)
    else:
        with timer.stage("write"):
            written = write_tree(out, result.files)
        result.written, result.removed = written.written, written.removed
    result.timings = timer.stages
    return result
