"""portkey-codegen: OpenAPI (Portkey) -> pydantic v2 models, typed clients, FastAPI server stubs.

`generate(config)` is the one entry point; the CLI is a thin layer over it. Each stage is a pure
function of its inputs (see the modules named below); this module only wires them and times them,
and looks the expensive ones (validate, models-render, render, format) up in `cache.Cache` first:
the output is the same with or without the cache (tests/test_cache.py).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .config import Config, load_config
from .diagnostics import Diagnostic, GeneratorError, InternalError, Report, error

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
    cache: dict[str, str] = field(default_factory=dict)  # stage -> "hit"/"miss"/... (empty: cache off)


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
    """The local spec file: the given one, a downloaded URL, or the pinned spec (see fetch.py)."""
    from .fetch import resolve_spec

    return resolve_spec(config)


def check_openapi(document: dict, spec_path: Path) -> None:
    """A YAML that is no OpenAPI document at all is told so in one line, before the pin or the
    overlay trip over it (a bad `openapi` version is validation's to report)."""
    if "openapi" in document:
        return
    if "swagger" in document:
        what = f"a Swagger {document['swagger']} document, not OpenAPI 3: convert it first (e.g. with swagger2openapi)"
    else:
        what = "not an OpenAPI document: it has no top-level `openapi: 3.x` field (OpenAPI 3.0 and 3.1 are read)"
    raise error(what, file=str(spec_path), line=1)


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
            "--spec-changed (or `portkey-codegen update --spec NEW`) to accept it; for another API "
            "than the pinned one, pass --no-pin --no-overlay --no-names",
        )


@dataclass(frozen=True)
class Prepared:
    """The spec after load, overlay, validation and ref checks."""

    document: dict
    spec_path: Path
    sha256: str
    diagnostics: tuple[Diagnostic, ...]
    document_json: str | None = None  # its JSON (key order kept), when the cache needed it


def open_cache(config: Config) -> Any:
    """The stage cache for `config`: off with ``Config.no_cache`` (``--no-cache``) or
    ``PORTKEY_CODEGEN_NO_CACHE=1``; folder from ``PORTKEY_CODEGEN_CACHE_DIR`` (see cache.py)."""
    from .cache import Cache

    return Cache.from_env(disabled=bool(getattr(config, "no_cache", False)))


def prepare(config: Config, timer: Timer | None = None, cache: Any = None) -> Prepared:
    """load -> overlay -> validate -> resolve refs. Raises GeneratorError on bad input."""
    timer = timer or Timer()
    cache = cache if cache is not None else open_cache(config)
    loaded, document, document_json = _load(config, timer, cache)
    with timer.stage("validate"):
        found, keys = _validate_lookup(document, cache, document_json)
        if found is None:
            found = _validate_now(document, loaded, cache, keys)
    return Prepared(document, loaded.path, loaded.sha256, _accept(found, config), document_json)


def _load(config: Config, timer: Timer, cache: Any) -> tuple[Any, dict, str | None]:
    """(the loaded spec, the overlaid and bundled document, its JSON when the cache is on)."""
    from . import overlay as overlay_mod
    from . import refs
    from .load import load_spec

    spec_path = spec_path_for(config)
    with timer.stage("load"):
        loaded = load_spec(spec_path)
    check_openapi(loaded.document, spec_path)
    check_pin(config, loaded.sha256, spec_path)
    document = loaded.document
    if config.overlay is not None and Path(config.overlay).is_file():
        with timer.stage("overlay"):
            document = overlay_mod.apply_overlay(
                document, overlay_mod.load_overlay(Path(config.overlay)), overlay_path=Path(config.overlay)
            )
    with timer.stage("resolve"):
        origins: dict[str, Any] = {}
        document = refs.resolve_refs(
            document,
            base_dir=spec_path.parent,
            spec_file=spec_path,
            allow_remote=config.allow_remote_refs,
            source=loaded,
            origins=origins,
        )
    if origins:  # a multi-file spec: diagnostics name the file each bundled part comes from
        loaded = refs.BundledSource(loaded, origins)
    return loaded, document, (_doc_json(document) if cache.enabled else None)


def _accept(found: list[Diagnostic], config: Config) -> tuple[Diagnostic, ...]:
    """Validation errors abort (GeneratorError), or become warnings with --lenient."""
    errors = [d for d in found if d.severity == "error"]
    diagnostics = [d for d in found if d.severity != "error"]
    if errors and not config.lenient:
        raise GeneratorError(errors)
    diagnostics += [Diagnostic("warning", d.message, d.pointer, d.file, d.line, d.column, d.hint) for d in errors]
    return tuple(diagnostics)


_CLEAN = "clean"


def _doc_json(document: Any) -> str | None:
    import json

    try:  # key order is kept: it decides the order diagnostics come in
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None


def _validate_lookup(
    document: dict, cache: Any, exact: str | None
) -> tuple[list[Diagnostic] | None, list[tuple[str, str]]]:
    """([] when the cache knows `document` validates clean, else None; the keys to store under).

    Only a clean result is cached: it depends on the document's JSON alone, whereas findings
    carry lines of the YAML text and, where YAML aliases share a node, the pointer of its first
    occurrence. Two keys: the exact JSON, and its prose skeleton (every description/summary
    blanked; see cache.prose_skeleton), so editing documentation does not re-run the validator.
    """
    keys: list[tuple[str, str]] = []
    if not cache.enabled or exact is None:
        return None, keys
    from .cache import prose_skeleton

    keys.append(("validate", cache.key("validate", exact)))
    if cache.get(*keys[0]) == _CLEAN:
        return [], keys
    skeleton = prose_skeleton(document)
    if skeleton is not None:
        keys.append(("validate-prose", cache.key("validate-prose", skeleton)))
        if cache.get(*keys[1]) == _CLEAN:
            cache.put(*keys[0], _CLEAN)
            return [], keys
    return None, keys


def _validate_now(document: dict, loaded: Any, cache: Any, keys: list[tuple[str, str]]) -> list[Diagnostic]:
    from . import validate

    found = validate.validate(document, source=loaded)
    _validate_store(cache, keys, found)
    return found


def _validate_store(cache: Any, keys: list[tuple[str, str]], found: list[Diagnostic]) -> None:
    if not found:
        for kind, key in keys:
            cache.put(kind, key, _CLEAN)


def _naming_rules(config: Config):
    from .lower.operations import NamingRules
    from .load import load_spec

    if config.names is not None and Path(config.names).is_file():
        data = load_spec(Path(config.names)).document
        return NamingRules.from_mapping(data)
    return NamingRules()


def render_tree(config: Config, timer: Timer | None = None, cache: Any = None) -> Result:
    """Everything up to (not including) writing: returns the files the output folder should hold.

    What is not cached runs on two cores where it can (see `_Forked`): validation in a child while
    this process plans, datamodel-code-generator in a child while this process renders and formats
    the client and server. Validation errors still win over anything a later stage raises, and
    nothing is returned before validation has passed.
    """
    timer = timer or Timer()
    cache = cache if cache is not None else open_cache(config)
    loaded, document, document_json = _load(config, timer, cache)
    children: list[_Forked] = []
    pending: _Forked | None = None
    with timer.stage("validate"):
        found, keys = _validate_lookup(document, cache, document_json)
        if found is None:
            pending = _Forked.start(lambda: _validate_job(document, loaded), size=len(loaded.text))
            if pending is None:
                found = _validate_now(document, loaded, cache, keys)
            else:
                children.append(pending)

    def validated() -> tuple[Diagnostic, ...]:
        nonlocal found, pending
        if pending is not None:
            with timer.stage("validate-wait"):
                got = pending.join()
            pending = None
            found = [Diagnostic(**d) for d in got] if got is not None else _validate_now(document, loaded, cache, [])
            _validate_store(cache, keys, found)
        return _accept(found or [], config)

    early: tuple[Diagnostic, ...] = ()
    if pending is None:
        early = validated()  # known now: errors stop the run before any later stage, as in `prepare`
    prepared = Prepared(document, loaded.path, loaded.sha256, (), document_json)
    try:
        result = _render_prepared(config, prepared, timer, cache, validated, children, len(loaded.text))
    except Exception as exc:
        if pending is not None:
            early = validated()  # a validation error explains the failure better: raised instead
        if isinstance(exc, GeneratorError):
            # --lenient: the validation warnings come first, they often explain the failure
            raise _located(exc, loaded, prefix=early) from None
        raise
    finally:
        for child in children:
            child.kill()
    result.diagnostics = [_locate(d, loaded) for d in result.diagnostics]
    return result


def _locate(d: Diagnostic, loaded: Any) -> Diagnostic:
    """`d` with the spec's file:line when it only had a pointer."""
    import dataclasses

    if d.pointer and d.file is None and d.line is None:
        return dataclasses.replace(d, **loaded.where(d.pointer))
    return d


def _located(exc: GeneratorError, loaded: Any, prefix: tuple[Diagnostic, ...] = ()) -> GeneratorError:
    """The same error (same class), `prefix` first, its diagnostics given file:line where they
    only had a pointer."""
    return type(exc)([_locate(d, loaded) for d in (*prefix, *exc.diagnostics)])


def _validate_job(document: dict, loaded: Any) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from . import validate

    return [asdict(d) for d in validate.validate(document, source=loaded)]


# Stands in for the models module while the client and server are rendered (they only place it).
_MODELS_STAND_IN = "\x00portkey-codegen: the models module goes here\x00"


def _render_prepared(
    config: Config,
    prepared: Prepared,
    timer: Timer,
    cache: Any,
    validated: Any,
    children: list["_Forked"],
    spec_size: int,
) -> Result:
    with timer.stage("tree-lookup"):
        tree_key = _tree_key(config, prepared, cache)
        memo = _tree_get(cache, tree_key)
    if memo is not None:
        files, api, found = memo
        return Result(
            files, api, prepared.spec_path, prepared.sha256, [*validated(), *found], timer.stages,
            cache=cache.summary(),
        )
    from . import models as models_mod
    from .lower.api import build_api, operation_class_names
    from .formatting import format_tree

    report = Report([])
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
        if "client" in config.parts:
            from dataclasses import replace

            from .lower.params import build_params

            api = replace(api, params=build_params(plan, api.operations))
    with timer.stage("models-render"):
        finish_models = _start_models(plan, file_header(api), cache, children, spec_size)
    with timer.stage("render"):
        files = _emit(api, _MODELS_STAND_IN, config, cache)
    placed = [rel for rel, text in files.items() if _MODELS_STAND_IN in text]
    if len(placed) == 1 and files[placed[0]] == _MODELS_STAND_IN:
        with timer.stage("format"):  # the client and server, while the models are still being made
            files = format_tree(files, cache=cache, volatile=prepared.sha256, skip=placed)
        with timer.stage("models-wait"):
            files[placed[0]] = finish_models()
        diagnostics = validated()  # before formatting the models: a spec error must not wait for ruff
        with timer.stage("format-models"):
            files.update(format_tree({placed[0]: files[placed[0]]}, cache=cache, volatile=prepared.sha256))
    else:  # emit used the models source for more than its file: render with the real one
        with timer.stage("models-wait"):
            models_source = finish_models()
        with timer.stage("render"):
            files = _emit(api, models_source, config, cache)
        diagnostics = validated()
        with timer.stage("format"):
            files = format_tree(files, cache=cache, volatile=prepared.sha256)
    _tree_put(cache, tree_key, files, api, report.items)
    return Result(
        files, api, prepared.spec_path, prepared.sha256, [*diagnostics, *report.items], timer.stages,
        cache=cache.summary(),
    )


class _Forked:
    """One pure job (a function returning JSON data) run in a forked child, so that the validator
    (~1.5 s on the Portkey spec) and datamodel-code-generator (~2.5-4 s) use a second core.

    Only where it is safe and pays: POSIX fork, a single-threaded caller (a fork copies no other
    thread, and a lock another thread held would stay held in the child), at least 2 CPUs, a large
    spec, and not switched off (``PORTKEY_CODEGEN_PARALLEL=0``). The child sends back JSON (its
    value, or the diagnostics of a GeneratorError) and leaves with os._exit: no atexit handlers,
    no flushed parent buffers. `join` returns None when the child failed otherwise; the caller
    then does the job itself, so a failing fork costs time, never a different result.
    """

    MIN_BYTES = 200_000  # a smaller spec is done in well under a second: not worth a fork

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    @classmethod
    def start(cls, job: Any, *, size: int) -> "_Forked | None":
        import os
        import threading

        if (
            not hasattr(os, "fork")
            or os.environ.get("PORTKEY_CODEGEN_PARALLEL", "1").strip().lower() in ("0", "false", "no")
            or threading.active_count() != 1
            or (os.cpu_count() or 1) < 2
            or size < cls.MIN_BYTES
        ):
            return None
        # What the child needs, imported once here (and shared copy-on-write).
        import json
        from dataclasses import asdict

        from . import models, validate  # noqa: F401

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
        if pid == 0:  # the child
            code = 1
            try:
                os.close(read_fd)
                try:
                    message: dict[str, Any] = {"value": job()}
                except GeneratorError as exc:
                    message = {
                        "error": [asdict(d) for d in exc.diagnostics],
                        "internal": isinstance(exc, InternalError),
                    }
                data = json.dumps(message).encode("utf-8", "surrogatepass")
                view = memoryview(data)
                while view:
                    view = view[os.write(write_fd, view) :]
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        return cls(pid, read_fd)

    def join(self) -> Any:
        """The job's value; raises its GeneratorError; None if the child failed otherwise."""
        import json
        import os

        if not self.pid:
            return None
        chunks = []
        try:
            while True:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    break
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
            if "error" in message:
                found = [Diagnostic(**d) for d in message["error"]]
                internal = message.get("internal") is True
            else:
                return message["value"]
        except (ValueError, TypeError, KeyError):
            return None
        raise (InternalError if internal else GeneratorError)(found)

    def kill(self) -> None:
        """Stop and reap a child that is no longer wanted (an exception or Ctrl-C on the way)."""
        import os
        import signal

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


def _tree_key(config: Config, prepared: Prepared, cache: Any) -> str | None:
    """Key of the whole rendered tree: everything render_tree reads after `prepare`.

    That is the resolved document (its JSON), the spec's sha256 and path (headers, diagnostics),
    the naming rules file, the config (minus what only steers the run), the user templates and
    the formatter; the generator's own code and tool versions are in every key already.
    """
    if not cache.enabled or prepared.document_json is None:
        return None
    from dataclasses import replace

    from .cache import tree_digest
    from .formatting import _formatter, formatter_identity

    names = b"-"
    if config.names is not None and Path(config.names).is_file():
        try:
            names = Path(config.names).read_bytes()
        except OSError:
            return None
    settings = replace(config, verbose=False)
    if hasattr(settings, "no_cache"):
        settings = replace(settings, no_cache=False)
    return cache.key(
        "tree",
        prepared.document_json,
        prepared.sha256,
        str(prepared.spec_path),
        names,
        repr(settings),
        tree_digest(Path(config.templates)) if config.templates is not None else "-",
        formatter_identity(*_formatter()),
    )


def _tree_get(cache: Any, key: str | None) -> tuple[dict[str, str], Any, list[Diagnostic]] | None:
    if key is None:
        return None
    entry = cache.get("tree", key)
    if not isinstance(entry, dict):
        return None
    from .cache import decode_ir

    try:
        files = entry["files"]
        assert isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
        api = decode_ir(entry["api"])
        found = [Diagnostic(**d) for d in entry["diagnostics"]]
    except (AssertionError, KeyError, TypeError, ValueError, RecursionError):
        return None
    return files, api, found


def _tree_put(cache: Any, key: str | None, files: dict[str, str], api: Any, found: list[Diagnostic]) -> None:
    if key is None:
        return
    from dataclasses import asdict

    from .cache import decode_ir, encode_ir

    try:
        encoded = encode_ir(api)
        if decode_ir(encoded) != api:  # only what comes back equal is stored
            return
    except (TypeError, ValueError, RecursionError):
        return
    cache.put("tree", key, {"files": files, "api": encoded, "diagnostics": [asdict(d) for d in found]})


def _render_models(plan: Any, header: str, cache: Any) -> str:
    """The models module: `_start_models` without a child process."""
    return _start_models(plan, header, cache, None, 0)()


def _start_models(plan: Any, header: str, cache: Any, children: list["_Forked"] | None, spec_size: int) -> Any:
    """Start models.render_models (datamodel-code-generator); returns a function that finishes it.

    Looked up in the cache by everything it reads of `plan`: the rewritten spec, the planned class
    and field names. (Its dcg options live in models.py, so they are in cache.fingerprint().) On a
    miss dcg runs in a forked child when `children` is given (see `_Forked`).

    With the cache on, dcg runs on the spec with its descriptions replaced by tokens
    (cache.template_descriptions) and the docstrings are filled in afterwards, so a wording change
    is a cache hit; the header is prepended last, so a new spec sha256 is one too. Without the
    cache, or if filling in fails, this is plain ``render_models(plan, header=header)``.
    """
    from . import models as models_mod

    def slow() -> str:
        return models_mod.render_models(plan, header=header)

    def in_child(job: Any) -> Any:
        """`job` in a forked child if allowed; a function giving its result (or running it here)."""
        child = None
        if children is not None:
            child = _Forked.start(job, size=spec_size)
        if child is None:
            return job
        children.append(child)

        def joined() -> Any:
            got = child.join()
            return got if isinstance(got, str) else job()

        return joined

    if not cache.enabled:
        return in_child(slow)
    import json
    from dataclasses import replace

    from .cache import fill_docstrings, template_descriptions

    templated = template_descriptions(plan.spec)
    spec, texts = templated if templated is not None else (plan.spec, {})
    try:
        key = cache.key(
            "models",
            json.dumps(spec, ensure_ascii=False, separators=(",", ":")),
            json.dumps(list(plan.class_names)),
            json.dumps({k: dict(v) for k, v in plan.field_names.items()}, ensure_ascii=False),
            json.dumps(sorted(plan.wrappers)),
        )
    except (TypeError, ValueError, RecursionError):
        return in_child(slow)

    def finish(body: str) -> str:
        filled = fill_docstrings(body, texts)
        if filled is None:  # a description dcg does not write as a plain docstring: the slow path
            return slow()
        return header.rstrip("\n") + filled

    body = cache.get("models", key)
    if isinstance(body, str):
        return lambda: finish(body)
    # render_models writes `header.rstrip("\n")` and then dcg's output: render without one
    run = in_child(lambda: models_mod.render_models(replace(plan, spec=spec), header=""))

    def complete() -> str:
        made = run()
        cache.put("models", key, made)
        return finish(made)

    return complete


def _emit(api: Any, models_source: str, config: Config, cache: Any) -> dict[str, str]:
    """emit.emit_files, looked up by the IR (its repr: frozen dataclasses of plain values), the
    models source, the config and the user templates' contents."""
    import hashlib
    from dataclasses import replace

    key = None
    if cache.enabled:
        from .cache import tree_digest

        settings = replace(config, verbose=False)
        if hasattr(settings, "no_cache"):
            settings = replace(settings, no_cache=False)
        user_templates = tree_digest(Path(config.templates)) if config.templates is not None else "-"
        key = cache.key(
            "render",
            repr(api),
            hashlib.sha256(models_source.encode("utf-8", "surrogatepass")).hexdigest(),
            repr(settings),
            user_templates,
        )
        hit = cache.get("render", key)
        if isinstance(hit, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in hit.items()):
            return hit
    from .emit import emit_files

    files = emit_files(api, models_source, config)
    if key is not None:
        cache.put("render", key, files)
    return files


def file_header(api: Any) -> str:
    """The first lines of every generated file. Nothing from the spec: a new spec then rewrites
    only the files whose code changes (its sha256 is `SPEC_SHA256` in the package __init__)."""
    return (
        f"# Generated by portkey-codegen {api.generator_version} (the spec: SPEC_SHA256 in __init__.py).\n"
        "# Do not edit: regenerate with `portkey-codegen generate`.\n"
    )


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
