"""`mypy --strict` on the generated client package and on typed usage of it.

One mypy run checks together:
- the generated `client` package (`_client.py`, `resources/*.py`, `_runtime.py`, `_pagination.py`,
  `__init__.py`);
- tests/typing/client_usage.py: the documented calls with `assert_type` on every result;
- a small file of wrong calls that must each be reported on its own line (so the check cannot
  pass because everything became `Any`).

The generated `models` module is imported and analysed but its errors are ignored
(`ignore_errors` for that module in the config written below): datamodel-code-generator writes
enum fields whose default is the plain string (`type: Foo = "bar"` where `Foo` is an Enum), which
strict mypy rejects (28 errors at the time of writing). The client's own code has no exemption.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

USAGE = Path(__file__).resolve().parent / "typing" / "client_usage.py"
# The issue-21 helpers (to_dict/to_json, chat.completions.stream/parse), in a file of their own.
HELPERS_USAGE = USAGE.with_name("helpers_usage.py")

# Each line marked `# E` must get a mypy error; no other line may.
WRONG_USAGE = """
from portkey_api import models
from portkey_api.client import Portkey, Stream

client = Portkey(api_key="pk")
messages = [models.ChatCompletionRequestMessage.model_validate({"role": "user", "content": "x"})]
client.chat.completions.create(model="gpt-4o")  # E: a required argument is missing
client.chat.completions.create(model=4, messages=messages)  # E: wrong type
client.chat.completions.create(model="m", messages=messages, temperature="hot")  # E
client.chat.completions.create(model="m", messages=messages, no_such_option=1)  # E
client.configs.retrieve()  # E: path parameter missing
client.configs.retrieve("x", "y")  # E: one path parameter
streamed: Stream[models.CreateChatCompletionStreamResponse] = client.chat.completions.create(model="m", messages=messages)  # E
plain: models.CreateChatCompletionResponse = client.chat.completions.create(model="m", messages=messages, stream=True)  # E
client.models.list().no_such_field  # E
Portkey(api_key=1)  # E
Portkey(no_such_setting=True)  # E
client.with_options(api_key=1)  # E
client.with_options(no_such_setting=True)  # E
client.with_options(max_retries=None)  # E
client.batches.list().items[0].no_such_field  # E
for batch in client.batches.list(): batch.no_such_field  # E
client.batches.list(after=3)  # E
# Request dicts are TypedDicts (client/params.py): what the openai SDK's params catch, mypy reports.
client.chat.completions.create(model="m", messages=[{"role": "user", "contnet": "hi"}])  # E: misspelt key
client.chat.completions.create(model="m", messages=[{"role": "usr", "content": "hi"}])  # E: no such role
client.chat.completions.create(model="m", messages=[{"role": "user"}])  # E: required key missing
client.chat.completions.create(model="m", messages=[{"role": "user", "content": 3}])  # E: wrong value type
client.chat.completions.create(model="m", messages=messages, response_format={"type": "json_objekt"})  # E
client.chat.completions.create(model="m", messages=messages, stream_options={"include_usage": "yes"})  # E
client.chat.completions.create(model="m", messages=messages, tool_choice="sometimes")  # E: not an enum value
client.chat.completions.create(model="m", messages=messages, tools=[{"type": "function", "function": {"nam": "f"}}])  # E
client.chat.completions.parse(model="m", messages=messages, response_format=int)  # E: not a pydantic class
client.chat.completions.parse(model="m", messages=messages, response_format=models.ResponseFormatText).choices[0].message.parsed.type  # E: may be None
client.chat.completions.parse(model="m", messages=messages).choices[0].message.parsed.type  # E: None without a format
client.models.list().data[0].to_dict(mode="yaml")  # E: not a mode
client.models.list().data[0].to_json(indent="2")  # E
len(client.models.list().data[0].to_json().no_such_method())  # E: to_json() is a str
"""


@pytest.fixture(scope="module")
def generated_root(portkey_package: str) -> Path:
    """The folder that holds the generated package (on sys.path, from conftest)."""
    module = importlib.import_module(portkey_package)
    assert module.__file__
    return Path(module.__file__).resolve().parent.parent


def test_client_package_and_usage_pass_mypy_strict(generated_root: Path, portkey_package: str, tmp_path: Path) -> None:
    if portkey_package != "portkey_api":
        pytest.fail(f"tests/typing/client_usage.py imports portkey_api, the package is {portkey_package}")
    config = tmp_path / "mypy.ini"
    config.write_text(
        textwrap.dedent(
            f"""\
            [mypy]
            strict = True
            warn_unreachable = True
            [mypy-{portkey_package}.models]
            ignore_errors = True
            """
        )
    )
    wrong = tmp_path / "wrong_usage.py"
    wrong.write_text(WRONG_USAGE)
    client_dir = generated_root / portkey_package.replace(".", "/") / "client"
    env = {**os.environ, "MYPYPATH": str(generated_root)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            "--show-error-codes",
            str(client_dir),
            str(USAGE),
            str(HELPERS_USAGE),
            str(wrong),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
        check=False,
    )
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 2: mypy itself failed
    in_wrong = [e for e in errors if Path(e.split(":")[0]).name == wrong.name]
    elsewhere = [e for e in errors if e not in in_wrong]
    assert not elsewhere, "mypy --strict errors in the generated client or the usage file:\n" + "\n".join(elsewhere)
    expected = {i for i, line in enumerate(WRONG_USAGE.splitlines(), 1) if re.search(r"# E\b", line)}
    reported = {int(e.split(":")[1]) for e in in_wrong}
    assert reported == expected, (
        f"wrong calls not reported: {sorted(expected - reported)}; unexpected errors: {sorted(reported - expected)}\n"
        + "\n".join(errors)
    )
