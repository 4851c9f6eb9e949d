"""`portkey-codegen init`: set up a project that vendors the generated package.

It writes three things, each naming the configured output folder so that the gate fires on a hand
edit there: the `[tool.portkey-codegen]` table in pyproject.toml (created if absent), an entry in
.pre-commit-config.yaml (the hook `portkey-codegen-check`), and a GitHub workflow running the
action of this repository (action.yml). Nothing is overwritten without `--force`, and nothing is
written unless every file can be. `--eject` also copies the Portkey preset (pin, overlay, naming
rules) into the project, for a project that edits them or pins another revision itself.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import __version__
from .config import PARTS, PRESET_FILES, check_package_name, preset_file
from .diagnostics import GeneratorError

WORKFLOW = Path(".github/workflows/portkey-codegen.yml")
PRE_COMMIT = Path(".pre-commit-config.yaml")
EJECTED = Path("portkey-codegen")  # where --eject puts pin.yaml, overlay.yaml, names.yaml
BEGIN, END = "# >>> portkey-codegen (written by `portkey-codegen init`)", "# <<< portkey-codegen"
# The GitHub repository of this project; the release tag `v<version>` is what `rev:` and `uses:` name.
DEFAULT_SOURCE = "https://github.com/OWNER/portkey-codegen"


def add_init_parser(sub) -> None:
    p = sub.add_parser("init", help="set up this folder: config, pre-commit hook and CI workflow")
    p.add_argument("--out", default="generated", help="output folder, relative to here (default: generated)")
    p.add_argument("--package-name", default="portkey_api", help="package of the output, e.g. myapp._vendor.portkey")
    p.add_argument("--parts", default=",".join(PARTS), help="comma-separated: models,client,server")
    p.add_argument("--eject", action="store_true", help=f"copy the Portkey pin, overlay and names into {EJECTED}/ to edit")
    p.add_argument("--force", action="store_true", help="replace what an earlier init wrote")


@dataclass(frozen=True)
class Plan:
    out: str  # posix, relative to the project folder
    package_name: str
    parts: tuple[str, ...]
    eject: bool

    @property
    def package_folder(self) -> str:
        return (PurePosixPath(self.out) / self.package_name.replace(".", "/")).as_posix()

    def watched(self) -> list[str]:
        """What the hook and the workflow trigger on: the generated package and the settings."""
        extra = [f"{EJECTED.as_posix()}/"] if self.eject else []
        return [f"{self.package_folder}/", *extra, "pyproject.toml", PRE_COMMIT.as_posix(), WORKFLOW.as_posix()]


def source_repository() -> str:
    """This project's repository URL, from the installed distribution's metadata."""
    from importlib import metadata

    try:
        urls = metadata.metadata("portkey-codegen").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "source":
            return url.strip()
    return DEFAULT_SOURCE


def config_table(plan: Plan) -> str:
    parts = ", ".join(f'"{p}"' for p in plan.parts)
    if plan.eject:
        spec_lines = (
            "# The Portkey spec as pinned, fixed and named by the files below (copied by `init --eject`).\n"
            + "".join(f'{name} = "{EJECTED.as_posix()}/{name}.yaml"\n' for name in PRESET_FILES)
        )
    else:
        spec_lines = (
            "# The Portkey preset shipped with portkey-codegen: the pinned spec (downloaded once, sha256-checked),\n"
            "# its overlay and naming rules. `portkey-codegen init --eject` copies them here to edit.\n"
            'preset = "portkey"\n'
        )
    return (
        "[tool.portkey-codegen]\n"
        + spec_lines
        + f'out = "{plan.out}"\npackage-name = "{plan.package_name}"\nparts = [{parts}]\n'
    )


def pre_commit_block(plan: Plan) -> str:
    files = "|".join(re.escape(w) + ("" if w.endswith("/") else "$") for w in plan.watched())
    return (
        f"{BEGIN}\n"
        f"  - repo: {source_repository()}\n"
        f"    rev: v{__version__}\n"
        "    hooks:\n"
        "      - id: portkey-codegen-check\n"
        f"        files: ^({files})\n"
        "        always_run: false\n"
        f"{END}\n"
    )


def workflow_text(plan: Plan) -> str:
    owner_name = source_repository().removeprefix("https://github.com/").rstrip("/")
    paths = ", ".join(f'"{w}**"' if w.endswith("/") else f'"{w}"' for w in plan.watched())
    return f"""# Written by `portkey-codegen init`. Fails a pull request whose vendored code ({plan.package_folder})
# is not what the generator produces, and on a spec or pin change comments the API diff.
name: portkey-codegen
on:
  pull_request:
    paths: [{paths}]
permissions:
  contents: read
  pull-requests: write
jobs:
  portkey-codegen:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: {owner_name}@v{__version__}
"""


def _pyproject_text(path: Path, plan: Plan, force: bool) -> str:
    table = config_table(plan)
    if not path.is_file():
        return table
    text = path.read_text("utf-8")
    found = re.search(r"(?ms)^\[tool\.portkey-codegen\]\n.*?(?=^\[|\Z)", text)
    if found is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + ("\n" if text else "") + table
    if not force:
        raise _Refused(f"{path} already has [tool.portkey-codegen]")
    return text[: found.start()] + table + ("\n" if found.end() < len(text) else "") + text[found.end() :]


def _pre_commit_text(path: Path, plan: Plan, force: bool) -> str:
    block = pre_commit_block(plan)
    if not path.is_file():
        return "repos:\n" + block
    text = path.read_text("utf-8")
    marked = re.search(rf"(?ms)^{re.escape(BEGIN)}\n.*?^{re.escape(END)}\n?", text)
    if marked is not None or "portkey-codegen-check" in text:
        if marked is None or not force:
            raise _Refused(f"{path} already has the portkey-codegen-check hook")
        return text[: marked.start()] + block + text[marked.end() :]
    keys = re.findall(r"(?m)^([A-Za-z_][\w-]*):", text)
    if not keys or keys[-1] != "repos":
        raise _Refused(f"{path}: cannot add the hook after `repos:` (it is not the file's last key); add:\n{block}")
    return text + ("" if text.endswith("\n") else "\n") + block


class _Refused(Exception):
    """A file init would overwrite (or cannot edit): exit 2, nothing written."""


def plan_from(args: argparse.Namespace) -> Plan:
    out = PurePosixPath(Path(args.out).as_posix())
    if out.is_absolute() or ".." in out.parts:
        raise _Refused(f"--out {args.out}: give a folder inside this project, relative to it")
    check_package_name(args.package_name)
    parts = tuple(dict.fromkeys(["models", *[p.strip() for p in args.parts.split(",") if p.strip()]]))
    bad = [p for p in parts if p not in PARTS]
    if bad:
        raise _Refused(f"--parts: unknown part(s) {', '.join(bad)}; choose from {', '.join(PARTS)}")
    return Plan(out.as_posix(), args.package_name, parts, args.eject)


def main_init(args: argparse.Namespace) -> int:
    root = Path.cwd()
    try:
        plan = plan_from(args)
        writes = {
            Path("pyproject.toml"): _pyproject_text(root / "pyproject.toml", plan, args.force),
            PRE_COMMIT: _pre_commit_text(root / PRE_COMMIT, plan, args.force),
        }
        if (root / WORKFLOW).exists() and not args.force:
            raise _Refused(f"{WORKFLOW} exists")
        writes[WORKFLOW] = workflow_text(plan)
        copies = {EJECTED / f"{n}.yaml": preset_file(n) for n in PRESET_FILES} if plan.eject else {}
        taken = [str(p) for p in copies if (root / p).exists()]
        if taken and not args.force:
            raise _Refused(f"{', '.join(taken)} exist{'s' if len(taken) == 1 else ''}")
    except _Refused as exc:
        print(f"error: {exc}; nothing was written (pass --force to replace what an earlier init wrote)", file=sys.stderr)
        return 2
    except GeneratorError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 2
    for rel, text in writes.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
        print(f"wrote {rel.as_posix()}")
    for rel, source in copies.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, root / rel)
        print(f"wrote {rel.as_posix()} (from the Portkey preset)")
    added = " ".join([*(p.as_posix() for p in [*writes, *copies]), plan.package_folder])
    print("next:")
    print("  portkey-codegen generate")
    print(f'  git add {added} && git commit -m "Vendor the Portkey API (portkey-codegen)"')
    return 0
