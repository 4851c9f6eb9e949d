"""portkey-codegen: OpenAPI (Portkey) -> pydantic v2 models, typed clients, FastAPI server stubs.

The pipeline, and nothing else; each arrow is a pure function in its own module:

    spec (YAML) → load → overlay → resolve $refs → validate → IR → render (Jinja) → format → generated/

`generate(config)` is the one entry point (the CLI is a thin layer over it); `prepare` stops after
validation, `render_tree` before writing. The expensive steps run through `stages` (cache
lookups; a forked child on a big spec), which changes the time, never the output.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from . import fetch, naming_settings, quick_check, stages
from .config import Config, load_config
from .diagnostics import Diagnostic, GeneratorError, Report
from .formatting import format_tree
from .load import LoadedSpec, load_spec, require_openapi
from .output import Staging, file_header, stale_diff
from .pin import check_pin
from .results import Prepared, Result
from .stages import Timer, open_cache

__version__ = "0.2.0"
__all__ = [
    "generate", "prepare", "render_tree", "Config", "load_config", "Result", "GeneratorError", "Timer"
]

# Stands in for the models module while the client and server are rendered (they only place it).
_MODELS_STAND_IN = "\x00portkey-codegen: the models module goes here\x00"


def generate(config: Config, *, check: bool = False) -> Result:
    """Render, then write to `config.out` (or, with check=True, only compare and report stale files)."""
    timer = Timer()
    cache = open_cache(config)
    inputs = quick_check.inputs(config) if cache.enabled else ()
    quick = _up_to_date(config, cache, inputs, timer) if check else None
    result = quick
    # Writing starts while the models are still being made: files go to temporary names, and
    # are renamed into place only once the whole tree is rendered (a failed run discards them).
    staging = None if check else Staging(Path(config.out))
    try:
        if result is None:
            result = render_tree(config, timer, cache, cold=inputs, staging=staging)
            key = quick_check.key(cache, result.spec_path, result.spec_sha256, inputs)
            quick_check.record(cache, key, result.files, result.diagnostics, result.bundled)
            quick_check.mark_seen(cache, key)
        if config.warnings_as_errors and any(d.severity == "warning" for d in result.diagnostics):
            # --warnings-as-errors: refuse before anything is written
            raise GeneratorError([dataclasses.replace(d, severity="error") for d in result.diagnostics])
        if staging is None:
            with timer.stage("compare"):
                result.stale = [] if quick is not None else stale_diff(Path(config.out), result.files)
        else:
            with timer.stage("write"):
                written = staging.commit(result.files, fetch.spec_record(config, result.spec_sha256))
            result.written, result.removed = written.written, written.removed
    finally:
        if staging is not None:
            staging.discard()
    result.timings = timer.stages
    return result


def _up_to_date(config: Config, cache: Any, inputs: tuple[bytes, ...], timer: Timer) -> Result | None:
    """`check`'s answer without the pipeline (quick_check.py), or None: run it."""
    with timer.stage("quick-check"):
        found = quick_check.up_to_date(config, cache, inputs)
    if found is None:
        return None

    def api() -> Any:  # made only if asked for (the CLI never does)
        return render_tree(config).api

    summary = cache.summary()
    return Result(found.files, api, found.spec_path, found.sha256, found.diagnostics, timer.stages, cache=summary)


@stages.gc_paused
def prepare(config: Config, timer: Timer | None = None, cache: Any = None) -> Prepared:
    """load -> overlay -> resolve refs -> validate. Raises GeneratorError on bad input."""
    run = stages.Stages(cache if cache is not None else open_cache(config), timer or Timer())
    source, read = _read(config, run)
    with run.timer.stage("validate"):
        found = stages.validation(run, read.document, source, read.document_json, fork=False).result()
    return dataclasses.replace(read, diagnostics=_accept(found, config))


@stages.gc_paused
def render_tree(
    config: Config,
    timer: Timer | None = None,
    cache: Any = None,
    *,
    cold: tuple[bytes, ...] | None = None,
    staging: Staging | None = None,
) -> Result:
    """Everything up to (not including) writing: returns the files the output folder should hold.

    On a big spec validation runs in a child while this process plans, and datamodel-code-generator
    in another while this one renders and formats the client and server. Validation is waited for
    before rendering, and the models never before it: a refused spec costs about the validation
    time. Its errors also win over anything a later stage raises, and nothing is returned before
    validation has passed.

    `staging`: the client and server files are staged there while the models are being made.
    `cold`: the raw inputs' key parts (quick_check.inputs); unless a run on them finished before
    (quick_check.seen: the whole tree is then likely cached), the models child is forked before the
    spec is loaded, so that it imports datamodel-code-generator meanwhile. Validation then starts
    once the models plan is sent to that child (before, three jobs would share the two cores).
    """
    run = stages.Stages(cache if cache is not None else open_cache(config), timer or Timer())
    try:  # run.close: a failure anywhere (also in loading) leaves no child behind
        source, prepared = _read(config, run, cold=cold)
        run.spec_size = len(source.text)
        checks = stages.Validation(run, prepared, source, lambda found: _accept(found, config))
        # With an early models child the plan comes first, so that until it has its job only the
        # child's imports run beside this process; validation starts right after (_render).
        if run.warm is None:
            checks.start()
        try:
            result = _render(config, prepared, run, checks, staging)
        except Exception as exc:
            # a validation error explains the failure better (checks.passed() raises it)
            early = checks.passed() if checks.pending is None or checks.pending.forked else checks.early
            if isinstance(exc, GeneratorError):  # --lenient: the validation warnings first, they often explain it
                raise type(exc)([_locate(d, source) for d in (*early, *exc.diagnostics)]) from None
            raise
    finally:
        run.close()
    result.diagnostics = [_locate(d, source) for d in result.diagnostics]
    return result


def _read(config: Config, run: stages.Stages, *, cold: tuple[bytes, ...] | None = None) -> tuple[Any, Prepared]:
    """load -> overlay -> resolve $refs: (where diagnostics point, the document to generate from).
    `cold`: see render_tree."""
    spec_path = fetch.resolve_spec(config)  # the given file, a downloaded URL, or the pinned spec
    if cold is not None:
        # Forked first, so that its imports overlap all of ours; stopped if a run on these very
        # inputs finished before (its whole tree is then likely cached).
        stages.warm_models(run, spec_path)
        if run.cache.enabled and quick_check.seen(run.cache, Path(spec_path), cold):
            run.stop_warm()
    from . import overlay as overlay_mod, refs  # imported here: an up-to-date `check` never reads the spec

    with run.timer.stage("load"):
        loaded = load_spec(spec_path)
    require_openapi(loaded.document, spec_path)
    check_pin(config, loaded.sha256, spec_path)
    document = loaded.document
    if config.overlay is not None and Path(config.overlay).is_file():
        with run.timer.stage("overlay"):
            actions = overlay_mod.load_overlay(Path(config.overlay))
            document = overlay_mod.apply_overlay(document, actions, overlay_path=Path(config.overlay))
    with run.timer.stage("resolve"):
        origins: dict[str, Any] = {}
        document = refs.resolve_refs(
            document, base_dir=spec_path.parent, spec_file=spec_path, allow_remote=config.allow_remote_refs,
            source=loaded, origins=origins,
        )  # fmt: skip
    # a multi-file spec: diagnostics name the file each bundled part comes from
    source = refs.BundledSource(loaded, origins) if origins else loaded
    exact = stages.document_json(document) if run.cache.enabled else None
    return source, Prepared(document, loaded.path, loaded.sha256, (), exact, bundled=bool(origins))


def _render(
    config: Config, prepared: Prepared, run: stages.Stages, checks: stages.Validation, staging: Staging | None
) -> Result:
    """IR -> render -> format, with the models made beside the client and server."""
    # A cold run (the models child was started early: no finished run on these raw inputs is
    # recorded) looks the whole tree up only once the models child has its job, off the critical
    # path; a hit is still possible (the record was pruned, or render_tree made the tree) and
    # then stops that child.
    cold = run.warm is not None
    if not cold:
        tree_key, hit = _tree_lookup(config, prepared, run)
        if hit is not None:
            return _cached(prepared, run, hit, checks)
    rules = naming_settings.naming_rules(config)
    plan, report = _plan(prepared, rules, run.timer)
    with run.timer.stage("models-render"):  # the long pole: started as soon as the plan is known
        models = stages.models(run, plan, file_header(__version__))
    checks.start()
    if cold:
        tree_key, hit = _tree_lookup(config, prepared, run)
        if hit is not None:
            return _cached(prepared, run, hit, checks)
    # Then validation, before anything else is done here (the models child yields the CPU to it):
    # a refused spec costs about the validation time, and no more than two jobs share the two
    # cores. The IR, client and server are made while the models are still being made.
    diagnostics = checks.passed()
    api = _lower(config, prepared, plan, rules, report, run.timer)
    with run.timer.stage("render"):
        files = stages.render(run, api, _MODELS_STAND_IN, config)
    (placed,) = [rel for rel, text in files.items() if text == _MODELS_STAND_IN]  # models.py
    with run.timer.stage("format"):  # the client and server, while the models are still being made
        # ruff leaves the models child its core (by default it takes them all)
        threads = max(1, (os.cpu_count() or 2) - 1) if models.running else None
        files = format_tree(files, cache=run.cache, skip=[placed], threads=threads)
    with run.timer.stage("tree-encode"):  # all of the cache entry but the models, while they are made
        encoded = stages.tree_encode(run, tree_key, api, files, placed, report.items)
    if staging is not None:
        with run.timer.stage("stage-files"):
            staging.stage({rel: text for rel, text in files.items() if rel != placed})
    with run.timer.stage("models-wait"):
        files[placed] = models.result()
    with run.timer.stage("format-models"):
        files.update(format_tree({placed: files[placed]}, cache=run.cache))
    with run.timer.stage("tree-store"):
        stages.tree_put(run, tree_key, encoded, files[placed])
    return _result(prepared, run, files, api, [*diagnostics, *report.items])


def _tree_lookup(config: Config, prepared: Prepared, run: stages.Stages) -> tuple[str | None, Any]:
    """(the whole tree's key, its cached (files, IR, warnings) or None)."""
    with run.timer.stage("tree-lookup"):
        key = stages.tree_key(run, config, prepared)
        return key, stages.tree_get(run, key)


def _plan(prepared: Prepared, rules: Any, timer: Timer) -> tuple[Any, Report]:
    """The models plan: (plan, its warnings)."""
    # Imported here: an unchanged spec (the whole-tree cache hit) never needs them.
    from .lower.api import operation_class_names
    from .models.plan import plan_models

    report = Report([])
    with timer.stage("models-plan"):
        names = operation_class_names(prepared.document, rules)
        plan = plan_models(prepared.document, operation_names=names)
        report.items.extend(plan.warnings)
    return plan, report


def _lower(config: Config, prepared: Prepared, plan: Any, rules: Any, report: Report, timer: Timer) -> Any:
    """The IR (ir.Api) on the models plan; its warnings go to `report`."""
    from .lower.api import build_api
    from .lower.params import build_params
    from .models.hints import type_hint

    with timer.stage("ir"):
        api = build_api(
            prepared.document,
            type_hint=lambda schema, ptr: type_hint(plan, schema, ptr),
            class_for_pointer=plan.class_for_pointer,
            rules=rules,
            spec_sha256=prepared.sha256,
            package_name=config.package_name,
            generator_version=__version__,
            report=report,
        )
        if "client" in config.parts:
            api = dataclasses.replace(api, params=build_params(plan, api.operations))
    return api


def _cached(prepared: Prepared, run: stages.Stages, hit: tuple[dict[str, str], Any, list], checks: Any) -> Result:
    files, api, found = hit
    return _result(prepared, run, files, api, [*checks.passed(), *found])


def _result(prepared: Prepared, run: stages.Stages, files: dict[str, str], api: Any, found: list) -> Result:
    summary = run.cache.summary()
    return Result(
        files, api, prepared.spec_path, prepared.sha256, found, run.timer.stages, cache=summary, bundled=prepared.bundled
    )


def _accept(found: list[Diagnostic], config: Config) -> tuple[Diagnostic, ...]:
    """Validation errors abort (GeneratorError), or become warnings with --lenient."""
    errors = [d for d in found if d.severity == "error"]
    if errors and not config.lenient:
        raise GeneratorError(errors)
    warnings = [dataclasses.replace(d, severity="warning") for d in errors]
    return (*[d for d in found if d.severity != "error"], *warnings)


def _locate(d: Diagnostic, source: LoadedSpec) -> Diagnostic:
    """`d` with the spec's file:line when it only had a pointer."""
    if d.pointer and d.file is None and d.line is None:
        return dataclasses.replace(d, **source.where(d.pointer))
    return d
