"""fork.Warm: a child forked before its job is known (the models child, so that it imports
datamodel-code-generator while the parent loads and plans) runs its warm-up, then the job it is
sent; one that is never sent a job, or cannot be sent it, is reaped and the caller told."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fork_counter import COUNT_FORKS

REPO = Path(__file__).resolve().parents[1]

# In a fresh process: pytest may run threads, and a threaded caller never forks.
RUN = """
import functools, json, os
from portkey_codegen import fork

def warm_up():
    os.environ["WARMED"] = "yes"  # set in the child only

def job(x):
    return {"x": x, "warmed": os.environ.get("WARMED"), "pid": os.getpid()}

out = {"parent": os.getpid(), "parent_warmed": None}
sent = fork.Warm.start(warm_up, size=fork.MIN_BYTES)
out["sent"] = sent.send(functools.partial(job, 41)).join()
out["parent_warmed"] = os.environ.get("WARMED")

unsent = fork.Warm.start(warm_up, size=fork.MIN_BYTES)
pid = unsent.pid
unsent.kill()
try:
    os.waitpid(pid, os.WNOHANG)
    out["unsent_reaped"] = False
except ChildProcessError:
    out["unsent_reaped"] = True

unpicklable = fork.Warm.start(warm_up, size=fork.MIN_BYTES)
out["unpicklable"] = unpicklable.send(lambda: 1) is None and unpicklable.pid == 0
out["too_small"] = fork.Warm.start(warm_up, size=fork.MIN_BYTES - 1) is None
print(json.dumps(out))
"""


def test_warm_child_runs_its_warm_up_then_the_job_sent() -> None:
    env = {**os.environ, "PORTKEY_CODEGEN_PARALLEL": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sent"]["x"] == 41
    assert out["sent"]["warmed"] == "yes" and out["parent_warmed"] is None  # the warm-up ran in the child
    assert out["sent"]["pid"] != out["parent"]
    assert out["unsent_reaped"] is True
    assert out["unpicklable"] is True
    assert out["too_small"] is True


# generate() in a fresh process, counting forks and what is left running afterwards.
GENERATE = COUNT_FORKS + """
import json, sys
from pathlib import Path
from portkey_codegen import Config, generate
from portkey_codegen.diagnostics import GeneratorError
spec = Path(sys.argv[1])
out = {}
try:
    result = generate(Config(spec=spec, out=spec.parent / "out", package_name="warmpkg", root=spec.parent))
    out["tree"] = result.cache.get("tree")
    out["stages"] = [name for name, _ in result.timings]
except GeneratorError as exc:
    out["error"] = [d.format() for d in exc.diagnostics]
try:
    out["left"] = os.waitpid(-1, os.WNOHANG)[0]  # 0: a child still running, unreaped
except ChildProcessError:
    out["left"] = None  # no child at all
out["forks"] = len(forks)
print(json.dumps(out))
"""


def big_spec(tmp_path: Path, name: str, *, broken: bool = False, pet: dict | None = None) -> Path:
    pet = pet or {"type": "object", "properties": {"name": {"type": "string"}}}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "warm", "version": "1", "description": "padding " * 40_000},  # over fork.MIN_BYTES
        "paths": {"/pets": {"get": {"operationId": "listPets", "responses": ok}}},
        "components": {"schemas": {"Pet": pet}},
    }
    text = json.dumps(spec)
    path = tmp_path / name
    path.write_text(text[:-40] if broken else text, "utf-8")  # broken: cut short, it does not load
    return path


def run_generate(spec: Path, store: Path) -> dict:
    env = {**os.environ, "PORTKEY_CODEGEN_PARALLEL": "1", "PORTKEY_CODEGEN_CACHE_DIR": str(store), "PYTHONPATH": str(REPO)}
    env.pop("PORTKEY_CODEGEN_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", GENERATE, str(spec)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


TWO_CPUS = (os.cpu_count() or 1) > 1


def test_generate_keeps_the_early_child_only_on_a_cold_run(tmp_path: Path) -> None:
    spec = big_spec(tmp_path, "big.json")
    cold = run_generate(spec, tmp_path / "cache")
    again = run_generate(spec, tmp_path / "cache")  # the same inputs: the whole tree is a cache hit
    assert "error" not in cold and "error" not in again
    assert cold["forks"] == (2 if TWO_CPUS else 0)  # the early models child and validation
    assert again["forks"] == (1 if TWO_CPUS else 0)  # forked first, stopped when the record of a finished run is found
    assert "models-plan" not in again["stages"] and "validate-wait" not in again["stages"]  # no plan, no other child
    assert cold["left"] is None and again["left"] is None


def test_a_cold_run_plans_before_it_validates_and_validation_errors_still_win(tmp_path: Path) -> None:
    """With the early models child, the plan is made and sent before validation starts (only the
    child's imports run beside it); a plan that fails on an invalid spec reports the validation
    errors, as when validation comes first."""
    cold = run_generate(big_spec(tmp_path, "big.json"), tmp_path / "cache")
    stages = cold["stages"]
    assert stages.index("models-plan") < stages.index("models-render") < stages.index("validate") < stages.index("ir")
    # a duplicate `required` entry is a validation error; the reserved property name fails the plan
    bad_pet = {"type": "object", "required": ["a", "a"], "properties": {"a": {}, "portkey-codegen-empty-property-name": {}}}
    (tmp_path / "bad").mkdir()
    refused = run_generate(big_spec(tmp_path / "bad", "big.json", pet=bad_pet), tmp_path / "cache")
    assert len(refused["error"]) == 1 and "['a', 'a'] has non-unique elements" in refused["error"][0], refused
    assert refused["left"] is None


def test_a_spec_that_does_not_load_leaves_no_child(tmp_path: Path) -> None:
    broken = run_generate(big_spec(tmp_path, "broken.json", broken=True), tmp_path / "cache")
    assert broken["error"]
    assert broken["forks"] == (1 if TWO_CPUS else 0)  # the early models child, stopped and reaped
    assert broken["left"] is None


def test_a_cold_looking_run_still_finds_the_whole_tree(tmp_path: Path) -> None:
    """The early child is started when no finished run on these raw inputs is recorded; the
    whole tree is still looked up (once the plan is made), and a hit stops that child."""
    import shutil

    spec = big_spec(tmp_path, "big.json")
    first = run_generate(spec, tmp_path / "cache")
    (seen,) = (tmp_path / "cache").glob("v*/seen")
    shutil.rmtree(seen)  # the record of the finished run is gone (pruned, say); the tree entry is not
    again = run_generate(spec, tmp_path / "cache")
    assert first["tree"] == "miss" and again["tree"] == "hit"
    assert again["forks"] == (1 if TWO_CPUS else 0)  # the early models child, stopped and reaped
    assert again["left"] is None


def test_a_failed_warm_fork_leaves_no_descriptor_open(monkeypatch) -> None:
    from portkey_codegen import fork

    def no_fork() -> int:
        forks.append(1)
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(fork.threading, "active_count", lambda: 1)  # pytest may run threads
    monkeypatch.setattr(fork.os, "cpu_count", lambda: 2)
    monkeypatch.setenv(fork.ENV_PARALLEL, "1")
    forks = []
    monkeypatch.setattr(fork.os, "fork", no_fork)
    before = set(os.listdir("/proc/self/fd"))
    assert fork.Warm.start(lambda: None, size=fork.MIN_BYTES) is None
    assert forks == [1]  # the fork was tried
    assert set(os.listdir("/proc/self/fd")) == before
