"""The order of the pipeline's stages on a spec big enough for the forked children: validation is
waited for before the IR is built (a refusal costs about the validation time: nothing but the
models plan and the low-priority models child runs beside it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "allof.yaml"

# In a fresh process: pytest may run threads, and a threaded caller never forks.
RUN = """
import json, sys
from pathlib import Path
from portkey_codegen import Config, GeneratorError, Timer, render_tree
from portkey_codegen.lower import api as lower_api

built = []
real = lower_api.build_api

def recording(*args, **kwargs):
    built.append(True)
    return real(*args, **kwargs)

lower_api.build_api = recording
timer = Timer()
try:
    render_tree(Config(spec=Path(sys.argv[1]), out=Path(sys.argv[2]), package_name="fx", no_cache=True), timer)
    refused = None
except GeneratorError as exc:
    refused = str(exc)
print(json.dumps({"stages": [name for name, _ in timer.stages], "ir_built": bool(built), "refused": refused}))
"""


def run(tmp_path: Path, text: str) -> dict:
    from portkey_codegen import fork

    padding = "\n".join(f"# {'padding ' * 12}" for _ in range(fork.MIN_BYTES // 90 + 1))
    spec = tmp_path / "spec.yaml"
    spec.write_text(text + padding + "\n", "utf-8")  # over fork.MIN_BYTES: the children are forked
    assert spec.stat().st_size > fork.MIN_BYTES
    env = {**os.environ, fork.ENV_PARALLEL: "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", RUN, str(spec), str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_refused_spec_is_refused_before_the_ir_is_built(tmp_path):
    bad = FIXTURE.read_text("utf-8").replace("good_boy: {type: boolean", "good_boy: {type: bool")
    assert bad != FIXTURE.read_text("utf-8")
    found = run(tmp_path, bad)
    assert found["refused"] and "'bool' is not one of" in found["refused"], found
    assert "validate-wait" in found["stages"], found  # validation ran in a child
    assert not found["ir_built"] and "ir" not in found["stages"] and "render" not in found["stages"], found


def test_a_valid_spec_starts_the_models_before_the_ir_and_waits_for_validation_first(tmp_path):
    found = run(tmp_path, FIXTURE.read_text("utf-8"))
    stages = found["stages"]
    assert found["refused"] is None and found["ir_built"], found
    assert stages.index("models-render") < stages.index("validate-wait") < stages.index("ir") < stages.index("models-wait")
