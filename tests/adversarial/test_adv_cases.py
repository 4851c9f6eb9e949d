"""Every spec in specs/ through the real CLI, held to the contract its header states.

Refuse: exit 2, one clear diagnostic naming the offending element (pointer or line), no
traceback, nothing written (no out folder, the work folder unchanged).

Generate: exit 0; code that compiles and passes the AST check (adv_astcheck); runtime files
byte-identical to templates/; nothing written outside the out folder; a fresh interpreter imports
every module without printing anything or creating the marker file the payloads aim at; the
spec's values come back unchanged (adv_oracle).

Both: the run ends within its bound (30 s; bombs 5 s) under RLIMIT_AS = 1 GiB, never reads the
files outside the spec folder nor the FIFOs, never opens a socket, starts no process but ruff,
writes only under --out, its TMPDIR (left empty) and its stage cache (PORTKEY_CODEGEN_CACHE_DIR).
"""

from __future__ import annotations

import re

import pytest
from adv_astcheck import check_folder
from adv_harness import MARKER, RUNTIME_FILES, CliRun
from adv_oracle import expected_plan, round_trip_problems
from conftest import SPEC_CASES, SpecCase

_ERROR_LINE = re.compile(r"^(?:\S.*?: )?error: ", re.M)
# The only files a generation may write (package "pkg"): a fixed set, plus per top-level resource
# one client resource module and server routes/inputs/services modules, whose name is a sanitised
# identifier that Python would never run on its own nor confuse with a runtime module.
FIXED_FILES = {
    "pkg/API.md", "pkg/__init__.py", "pkg/models.py", "pkg/py.typed", "pkg/RUNTIME-REQUIREMENTS.txt",
    "pkg/client/__init__.py", "pkg/client/_client.py", "pkg/client/params.py",
    "pkg/client/resources/__init__.py", "pkg/server/__init__.py", "pkg/server/app.py", "pkg/server/context.py",
    "pkg/server/inputs/__init__.py", "pkg/server/services/__init__.py", "pkg/server/routes/__init__.py",
    "pkg/server/openapi.json",
} | {"pkg/" + name for name in RUNTIME_FILES}  # fmt: skip
PER_RESOURCE_FILE = re.compile(r"pkg/(?:server/(?:routes|inputs|services)|client/resources)/([a-z][a-z0-9_]*)\.py")
NEVER_MODULES = {"conftest", "sitecustomize", "usercustomize", "__init__", "__main__", "_runtime", "_pagination", "_client"}


def unexpected_files(names: list[str]) -> list[str]:
    odd = []
    for name in names:
        m = PER_RESOURCE_FILE.fullmatch(name)
        if name not in FIXED_FILES and not (m and m.group(1) not in NEVER_MODULES):
            odd.append(name)
    return odd


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if _ERROR_LINE.match(line)]


def check_side_effects(run: CliRun) -> None:
    """What both contracts share: no surprise reads, no network, no processes, no stray files."""
    forbidden = {str(run.work / "outside.yaml"), str(run.work / "fifo.yaml"), str(run.work / "spec" / "fifo.yaml")}
    touched = [p for p in run.opened() if p in forbidden]
    assert not touched, f"{run.name}: opened {touched}"
    assert not run.network(), f"{run.name}: network activity {run.network()}"
    started = [a for a in run.audit if a[0] in ("subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn")]
    assert all("ruff" in a[1] for a in started), f"{run.name}: started {started}"
    allowed = tuple(str(run.work / d) + "/" for d in ("out", "tmp", "cache"))
    outside_writes = [p for p in run.opened("w") if not p.startswith(allowed)]
    assert not outside_writes, f"{run.name}: wrote outside the out folder: {outside_writes}"
    assert not list((run.work / "tmp").iterdir()), f"{run.name}: left temporary files"
    assert not list(run.work.rglob(MARKER)), f"{run.name}: a payload ran during generation"


@pytest.mark.parametrize("case", [c.param() for c in SPEC_CASES])
def test_spec_case(case: SpecCase, spec_runs: dict[str, CliRun]) -> None:
    run = spec_runs[case.name]
    assert run.returncode is not None, f"{case.name}: still running after {case.bound:.0f} s (killed)\n{run.stderr}"
    assert run.returncode >= 0, f"{case.name}: killed by signal {-run.returncode} (memory limit?)\n{run.stderr}"
    assert "Traceback" not in run.stderr, run.describe()
    check_side_effects(run)
    if case.contract == "refuse":
        check_refusal(case, run)
    else:
        check_generation(case, run)


def check_refusal(case: SpecCase, run: CliRun) -> None:
    assert run.returncode == 2, run.describe()
    errors = error_lines(run.stderr)
    assert len(errors) == case.errors, f"{case.name}: expected {case.errors} error(s):\n{run.stderr}"
    for text in case.expect:
        assert text in run.stderr, f"{case.name}: stderr does not name {text!r}:\n{run.stderr}"
    assert not run.out.exists(), f"{case.name}: refused but created {run.out}"
    changed = {k for k in set(run.before) | set(run.after) if run.before.get(k) != run.after.get(k)}
    assert all(k == "cache" or k.startswith("cache/") for k in changed), f"{case.name}: refused but changed {sorted(changed)}"
    assert "generated" not in run.stdout


def check_generation(case: SpecCase, run: CliRun) -> None:
    assert run.returncode == 0, run.describe()
    assert not error_lines(run.stderr), run.describe()
    for text in case.expect:  # warnings the case must produce
        assert text in run.stderr, f"{case.name}: stderr does not mention {text!r}:\n{run.stderr}"
    changed = {k for k in set(run.before) | set(run.after) if run.before.get(k) != run.after.get(k)}
    assert all(k.split("/")[0] in ("out", "cache") for k in changed), f"{case.name}: changed {sorted(changed)}"
    files = run.files()
    assert f"{run.package}/models.py" in files and f"{run.package}/client/_client.py" in files
    assert not unexpected_files(sorted(files)), f"{case.name}: unexpected files {unexpected_files(sorted(files))}"
    problems = check_folder(run.out)
    assert not problems, f"{case.name}: generated code breaks the AST contract:\n" + "\n".join(problems)
    assert run.import_proc is not None
    code, stdout, stderr = run.import_proc
    assert code == 0, f"{case.name}: the package does not import:\n{stderr}"
    assert stdout == "" and stderr == "", f"{case.name}: importing printed:\n{stdout}{stderr}"
    assert not (run.work / "import-cwd" / MARKER).exists(), f"{case.name}: importing ran a payload"
    document, plan = expected_plan(run.spec)
    lost = round_trip_problems(document, plan, run.import_report, files[f"{run.package}/models.py"])
    assert not lost, f"{case.name}: values did not round-trip:\n" + "\n".join(lost)


def test_every_family_has_cases() -> None:
    """The suite keeps at least 30 spec cases, each with a stated contract and reason."""
    assert len(SPEC_CASES) >= 30
    assert all(c.why for c in SPEC_CASES), [c.name for c in SPEC_CASES if not c.why]
    families = {c.name.split("_")[0] for c in SPEC_CASES}
    assert {"inj", "trav", "ref", "yaml", "names", "types"} <= families
