"""fork.Warm: a child forked before its job is known (the models child, so that it imports
datamodel-code-generator while the parent loads and plans) runs its warm-up, then the job it is
sent; one that is never sent a job, or cannot be sent it, is reaped and the caller told."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
