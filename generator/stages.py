"""How the expensive steps of the pipeline run: looked up in the cache, or computed here or in a
forked child. The output is the same every way (tests/test_cache.py); only the time differs.

`Stages.stage(name, inputs, compute)` is the one place where a step meets the cache (its key is
the generator's fingerprint, `name` and `inputs`) and the second core (``fork=True``: `compute`
runs in a child when fork.allowed). It returns a `Pending`: the value, or how to get it; a job
nobody asks for is never waited for (a refused spec does not wait for its models).

Below it, what each cached stage is keyed by: validation (only a clean result, also under the
document's prose skeleton), the models (datamodel-code-generator on description tokens, see
prose.py), the rendered client/server files, and the whole formatted tree (the unchanged-spec
path, with the IR).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from . import fork, prose
from .cache import MISS, Cache, Payload, json_payload, tree_digest
from .config import Config
from .diagnostics import Diagnostic
from .formatting import formatter_identity


def gc_paused(run: Callable[..., Any]) -> Callable[..., Any]:
    """`run` with Python's cyclic garbage collector paused (and restored after).

    A run makes a few hundred thousand long-lived objects (the spec, the IR, datamodel-code-
    generator's models) and little cyclic garbage: the collector kept re-scanning them, ~0.34 s
    of a ~5 s cold run, for ~10% more peak memory without it. Forked children inherit the pause.
    """

    @functools.wraps(run)
    def paused(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            if was_enabled:
                # Everything made meanwhile sits in the youngest generation, which the first
                # allocation after gc.enable() would scan whole (~0.03 s on the Portkey spec):
                # freeze + unfreeze moves it to the oldest one unscanned, collected as usual later.
                gc.freeze()
                gc.unfreeze()
                gc.enable()

    return paused


class Timer:
    """Wall time of each named step, in order (`-v` prints them)."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, float]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stages.append((name, time.perf_counter() - t0))


def open_cache(config: Config) -> Cache:
    """The stage cache for `config`: off with ``Config.no_cache`` (``--no-cache``) or
    ``PORTKEY_CODEGEN_NO_CACHE=1``; folder from ``PORTKEY_CODEGEN_CACHE_DIR`` (see cache.py)."""
    return Cache.from_env(disabled=config.no_cache)


class Pending:
    """A stage's value: known (a cache hit), or computed on the first `result()` (joining a child,
    or running the job here)."""

    def __init__(self, get: Callable[[], Any], *, forked: bool = False) -> None:
        self._get, self.forked = get, forked
        self._done, self._value = False, None

    @classmethod
    def known(cls, value: Any) -> "Pending":
        done = cls(lambda: value)
        done._done, done._value = True, value
        return done

    @property
    def running(self) -> bool:
        """Whether a child is still working on it (so `result()` may wait)."""
        return self.forked and not self._done

    def result(self) -> Any:
        if not self._done:
            self._value = self._get()
            self._done = True
        return self._value


class Stages:
    def __init__(self, cache: Cache, timer: Timer, spec_size: int = 0) -> None:
        self.cache, self.timer, self.spec_size = cache, timer, spec_size
        self.children: list[fork.Forked] = []
        self.warm: fork.Warm | None = None  # see warm_models

    def key(self, name: str, inputs: Any) -> str | None:
        if not self.cache.enabled or inputs is None:
            return None
        return self.cache.key(name, *inputs)

    def stage(
        self,
        name: str,
        inputs: Any,
        compute: Callable[[], Any],
        *,
        fork: bool = False,
        nice: int = 0,
        valid: Callable[[Any], bool] = lambda value: True,
        keep: Callable[[Any], bool] = lambda value: True,
        also: Callable[[], tuple[str, Any]] | None = None,
        warm: bool = False,
    ) -> Pending:
        """`compute()` (JSON data) for `inputs`, looked up under `name` first.

        `valid` says whether a stored (or child's) value can be used, `keep` whether a computed
        one is stored; `also` gives a second (name, inputs) key, asked only when the first one
        misses, whose hit is copied under the first. With `fork`, a miss starts `compute` in a
        child now (at CPU priority `nice`; `warm`: in the child `warm_models` started, if any,
        when `compute` pickles); otherwise it runs on the first `result()`.
        """
        keys = [(name, self.key(name, inputs))]
        hit = self._get(*keys[0], valid)
        if hit is MISS and also is not None and keys[0][1] is not None:
            second, more = also()
            keys.append((second, self.key(second, more)))
            hit = self._get(*keys[1], valid)
            if hit is not MISS:
                self.cache.put(*keys[0], hit)
        if hit is not MISS:
            return Pending.known(hit)
        run, forked = self._start(compute, valid, nice, warm) if fork else (compute, False)

        def computed() -> Any:
            value = run()
            if keep(value):
                for kind, key in keys:
                    if key is not None:
                        self.cache.put(kind, key, value)
            return value

        return Pending(computed, forked=forked)

    def _get(self, name: str, key: str | None, valid: Callable[[Any], bool]) -> Any:
        if key is None:
            return MISS
        value = self.cache.get(name, key)
        return value if value is not MISS and valid(value) else MISS

    def _start(
        self, compute: Callable[[], Any], valid: Callable[[Any], bool], nice: int, warm: bool
    ) -> tuple[Callable[[], Any], bool]:
        child = None
        if warm and self.warm is not None:
            child, self.warm = self.warm.send(compute), None
        if child is None:
            child = fork.Forked.start(compute, size=self.spec_size, nice=nice)
        if child is None:
            return compute, False
        self.children.append(child)

        def joined() -> Any:
            got = child.join()  # raises the job's GeneratorError
            return got if got is not None and valid(got) else compute()

        return joined, True

    def close(self) -> None:
        """Stop the children nobody waited for (the run failed, or was interrupted)."""
        for child in self.children:
            child.kill()
        self.stop_warm()

    def stop_warm(self) -> None:
        """Stop the child warm_models started, if it was not given its job (a cache hit, a failure)."""
        if self.warm is not None:
            self.warm.kill()
            self.warm = None


# --- the cached stages ---------------------------------------------------------------------------


def document_json(document: Any) -> str | None:
    """The document's JSON (key order kept: it decides the order diagnostics come in), or None."""
    try:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None


def validation(stages: Stages, document: dict, source: Any, exact: str | None, *, fork: bool = True) -> Pending:
    """validate.validate(document) as a list of Diagnostic (`result()`); in a child on a big spec.

    Only a clean result is cached: it depends on the document's JSON alone, whereas findings
    carry lines of the YAML text and, where YAML aliases share a node, the pointer of its first
    occurrence. Two keys: the exact JSON, and its prose skeleton (every description/summary
    blanked; see prose.prose_skeleton), so editing documentation does not re-run the validator.
    """

    def job() -> list[dict[str, Any]]:
        from .validate import validate  # the validator stack (~0.3 s to import): only on a miss

        return [asdict(d) for d in validate(document, source=source)]

    def skeleton() -> tuple[str, Any]:
        text = prose.prose_skeleton(document)
        return "validate-prose", None if text is None else (text,)

    found = stages.stage(
        "validate", None if exact is None else (exact,), job, fork=fork,
        valid=lambda value: isinstance(value, list), keep=lambda value: value == [], also=skeleton,
    )  # fmt: skip
    return Pending(lambda: [Diagnostic(**d) for d in found.result()], forked=found.forked)


class Validation:
    """The document's validation in a run: started once (`start`; in a child on a big spec, else
    done at once, its errors raised), then waited for (`passed`: the findings as `accept` takes
    them, raising the errors it refuses)."""

    def __init__(self, stages: Stages, prepared: Any, source: Any, accept: Callable[[list], tuple]) -> None:
        self._stages, self._prepared, self._source, self._accept = stages, prepared, source, accept
        self.pending: Pending | None = None
        self.early: tuple[Diagnostic, ...] = ()  # the accepted findings of a validation done at once

    def start(self) -> "Validation":
        if self.pending is None:
            with self._stages.timer.stage("validate"):
                doc = self._prepared
                self.pending = validation(self._stages, doc.document, self._source, doc.document_json)
                if not self.pending.running:
                    self.early = self._accept(self.pending.result())  # errors stop the run here
        return self

    def passed(self) -> tuple[Diagnostic, ...]:
        pending = self.start().pending
        assert pending is not None
        if pending.running:
            with self._stages.timer.stage("validate-wait"):
                pending.result()
        return self._accept(pending.result())


# The models child yields the CPU to validation, which decides whether the run goes on at all: on
# a busy machine (or one CPU group) the two would otherwise split it and a refusal take twice as
# long. On an idle one each has a core and this changes nothing.
MODELS_NICE = 10


def warm_models(stages: Stages, spec_path: Path) -> None:
    """Fork the models child now, before its plan is known (`models` hands it the job): it imports
    datamodel-code-generator (~0.4 s) while this process loads the spec and plans. On a cache hit
    it is killed unused (Stages.close)."""
    try:
        size = spec_path.stat().st_size
    except OSError:
        return
    stages.warm = fork.Warm.start(_warm_up_models, size=size, nice=MODELS_NICE)


def _warm_up_models() -> None:
    from .models import render as dcg  # in the child: the parent does not need it yet

    dcg.warm_up()


def models(stages: Stages, plan: Any, header: str) -> Pending:
    """render_models(plan, header) (datamodel-code-generator), in a child on a big spec.

    Looked up by everything it reads of `plan`: the rewritten spec, the planned class and field
    names (its dcg options live in models/render.py, so they are in cache.fingerprint()). With the cache
    on, dcg runs on the spec with its descriptions replaced by tokens and the docstrings are
    filled in afterwards (prose.py), so a wording change is a hit. Without the cache, or if filling
    in fails, this is plain ``render_models(plan, header=header)``.
    """
    from .models import render as dcg  # not on the unchanged-spec path (a whole-tree hit)

    # Partials of a module-level function pickle, so the child warm_models started can run them;
    # `source` (the original document, for type hints only) is left out of what is sent.
    plan = replace(plan, source={})
    plain = functools.partial(dcg.render_models, plan, header=header)
    if not stages.cache.enabled:
        return stages.stage("models", None, plain, fork=True, nice=MODELS_NICE, valid=_is_str, warm=True)
    spec, texts = prose.template_descriptions(plan.spec) or (plan.spec, {})
    try:
        inputs: Any = (
            json.dumps(spec, ensure_ascii=False, separators=(",", ":")),
            json.dumps(list(plan.class_names)),
            json.dumps({k: dict(v) for k, v in plan.field_names.items()}, ensure_ascii=False),
            json.dumps(sorted(plan.wrappers)),
        )
    except (TypeError, ValueError, RecursionError):
        inputs = None
    # render_models writes `header.rstrip("\n")` and then dcg's output: render without one
    body = stages.stage(
        "models", inputs, functools.partial(dcg.render_models, replace(plan, spec=spec), header=""),
        fork=True, nice=MODELS_NICE, valid=_is_str, warm=True,
    )  # fmt: skip

    def filled() -> str:
        text = prose.fill_docstrings(body.result(), texts)
        if text is None:  # a description dcg does not write as a plain docstring: the slow path
            return plain()
        return header.rstrip("\n") + text

    return Pending(filled, forked=body.forked)


def render(stages: Stages, api: Any, models_source: str, config: Config) -> dict[str, str]:
    """emit.emit_files, looked up by the IR (its repr: frozen dataclasses of plain values), the
    models source, the config and the user templates' contents."""
    from .emit import emit_files  # Jinja: not on the unchanged-spec path

    inputs = (
        repr(api),
        hashlib.sha256(models_source.encode("utf-8", "surrogatepass")).hexdigest(),
        repr(settings(config)),
        user_templates(config),
    )
    return stages.stage("render", inputs, lambda: emit_files(api, models_source, config), valid=_is_files).result()


def tree_key(stages: Stages, config: Config, prepared: Any) -> str | None:
    """Key of the whole rendered tree: everything render_tree reads after `prepare`.

    That is the resolved document (its JSON), the spec's sha256 and path (diagnostics), the
    naming rules file, the config (minus what only steers the run), the user templates and the
    formatter; the generator's own code and tool versions are in every key already.
    """
    if not stages.cache.enabled or prepared.document_json is None:
        return None
    names = b"-"
    if config.names is not None and Path(config.names).is_file():
        try:
            names = Path(config.names).read_bytes()
        except OSError:
            return None
    inputs = (
        prepared.document_json, prepared.sha256, str(prepared.spec_path), names, repr(settings(config)),
        user_templates(config), formatter_identity(),
    )  # fmt: skip
    return stages.key("tree", inputs)


def tree_get(stages: Stages, key: str | None) -> tuple[dict[str, str], Any, list[Diagnostic]] | None:
    """(files, IR, plan/IR warnings) stored under `key`, or None."""
    entry = MISS if key is None else stages.cache.get("tree", key)
    if not isinstance(entry, dict):
        return None
    from . import ir_codec  # imported here: only a hit decodes an IR (an up-to-date `check` never does)

    try:
        files = entry["files"]
        if not _is_files(files):
            return None
        return files, ir_codec.decode_ir(entry["api"]), [Diagnostic(**d) for d in entry["diagnostics"]]
    except (KeyError, TypeError, ValueError, RecursionError):
        return None


# Stands for the models module in the tree entry serialised while the models are still being made;
# JSON writes its NULs escaped, and no generated file holds a NUL (textsafe escapes them).
_MODELS_SLOT = "\x00models module\x00"


def tree_encode(
    stages: Stages, key: str | None, api: Any, files: dict[str, str], models_path: str, found: list[Diagnostic]
) -> tuple[Payload, bytes] | None:
    """The tree's cache entry serialised but for the models module at `models_path`: the JSON
    before its text (hashed already) and after it, which `tree_put` stores around the text. Done
    apart from the storing so that it runs while the models are being made (None: the tree is
    not stored)."""
    from . import ir_codec

    if key is None:
        return None
    try:
        entry = {
            "files": {**files, models_path: _MODELS_SLOT},
            "api": ir_codec.encode_ir(api),  # refuses what would not come back equal (no decode to check)
            "diagnostics": [asdict(d) for d in found],
        }
        payload = json_payload(entry)
    except (TypeError, ValueError, RecursionError):
        return None
    slot = json_payload(_MODELS_SLOT)
    head, _, tail = payload.partition(slot)
    return (Payload.start(head), tail) if payload.count(slot) == 1 else None


def tree_put(stages: Stages, key: str | None, parts: tuple[Payload, bytes] | None, models: str) -> None:
    """Store the tree under `key`: the entry `tree_encode` serialised, with the models module's text."""
    if key is None or parts is None:
        return
    try:
        text = json_payload(models)
    except (TypeError, ValueError):
        return
    head, tail = parts
    stages.cache.put_payload("tree", key, head.then(text, tail))


def settings(config: Config) -> Config:
    """The config minus what only steers the run (not the output)."""
    return replace(config, verbose=False, no_cache=False)


def user_templates(config: Config) -> str:
    return tree_digest(Path(config.templates)) if config.templates is not None else "-"


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_files(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
