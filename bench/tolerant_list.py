"""Tolerant parsing of a large list (issue 21 item 10): ``files.list()`` answering N files (2,000 by
default), each with one enum value the spec does not know, ours vs the openai SDK on the same bytes.

    .venv/bin/python bench/tolerant_list.py                       # the committed generated/
    .venv/bin/python bench/tolerant_list.py --root /tmp/out --items 2000 --runs 15

Every call goes through the public client (``<package>.client.Portkey``, ``openai.OpenAI``) on an
``httpx.MockTransport`` answering prebuilt bytes: no network, so the time is the per-call work
and the parse. Three commands, each run once per round (a busy spell of the machine hits all
alike), after one unrecorded warm-up call each:

* ours, tolerant: every item's ``purpose`` is an unknown value (the fallback path);
* ours, valid: the same list with a known ``purpose`` (the fast path);
* openai: the tolerant bytes.

Before timing it checks that the tolerant call keeps every unknown value, that a strict client
rejects those bytes (so the tolerant number is the fallback path) and accepts the valid ones.
Printed: median and min in ms over ``--runs``, ours as ratios to openai and to the valid path.
Goal (issue 21): ours tolerant ≤ 1.0x openai. Numbers only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
UNKNOWN = "bench-unknown-purpose"  # never an enum value of the spec
KNOWN = "batch"
GOAL = 1.0


def files_body(n: int, purpose: str) -> bytes:
    files = [
        {
            "id": f"file-{i}",
            "object": "file",
            "bytes": 1000 + i,
            "created_at": 1_700_000_000 + i,
            "filename": f"part-{i}.jsonl",
            "purpose": purpose,
            "status": "processed",
            "status_details": None,
        }
        for i in range(n)
    ]
    return json.dumps({"object": "list", "data": files, "has_more": False}).encode()


def http_client(body: bytes) -> httpx.Client:
    headers = {"content-type": "application/json"}
    return httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, headers=headers, content=body)))


def items_of(result: Any) -> list[Any]:
    """The files of a list call: a model's or a page's ``data``."""
    data = getattr(result, "data", None)
    return list(data if data is not None else result.items)


def plain(value: Any) -> Any:
    return getattr(value, "value", value)


def our_call(pkg: Any, body: bytes, strict: bool = False) -> Callable[[], Any]:
    client = pkg.Portkey(api_key="bench", base_url="http://bench.test/v1", max_retries=0,
                         http_client=http_client(body), strict_response_validation=strict)
    return lambda: client.files.list()


def openai_call(body: bytes) -> Callable[[], Any]:
    import openai

    client = openai.OpenAI(api_key="bench", base_url="http://bench.test/v1", max_retries=0, http_client=http_client(body))
    return lambda: client.files.list()


def check(pkg: Any, n: int, tolerant_body: bytes, valid_body: bytes) -> None:
    got = items_of(our_call(pkg, tolerant_body)())
    assert len(got) == n and all(plain(f.purpose) == UNKNOWN for f in got), "tolerant call lost values"
    try:
        our_call(pkg, tolerant_body, strict=True)()
    except pkg.APIResponseValidationError:
        pass
    else:
        raise SystemExit(f"{UNKNOWN!r} is a known purpose now: the tolerant path is not measured")
    assert len(items_of(our_call(pkg, valid_body, strict=True)())) == n, "valid list rejected"
    theirs = items_of(openai_call(tolerant_body)())
    assert [f.id for f in theirs] == [f.id for f in got], "openai read other items"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=REPO / "generated", help="folder holding the generated package")
    parser.add_argument("--package", default="portkey_api")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.root.resolve()))
    pkg = importlib.import_module(args.package + ".client")

    tolerant_body, valid_body = files_body(args.items, UNKNOWN), files_body(args.items, KNOWN)
    check(pkg, args.items, tolerant_body, valid_body)
    commands = {
        "ours: tolerant (unknown enum value)": our_call(pkg, tolerant_body),
        "ours: valid": our_call(pkg, valid_body),
        "openai: tolerant bytes": openai_call(tolerant_body),
    }
    for call in commands.values():  # warm-up: imports, parser caches, connection pool
        call()
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, call in commands.items():
            t0 = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - t0) * 1000.0)

    median = {name: statistics.median(values) for name, values in times.items()}
    theirs, ours, valid = median["openai: tolerant bytes"], median["ours: tolerant (unknown enum value)"], median["ours: valid"]
    print(f"python {sys.version.split()[0]}, {args.items} items, {args.runs} rounds, milliseconds per call")
    print(f"{'command':40} {'median':>9} {'min':>9} {'vs openai':>10}")
    for name, values in times.items():
        print(f"{name:40} {median[name]:9.2f} {min(values):9.2f} {median[name] / theirs:9.2f}x")
    verdict = "met" if ours / theirs <= GOAL else "MISSED"
    print(f"ours tolerant / openai: {ours / theirs:.2f}x (goal ≤ {GOAL:.1f}x: {verdict}); "
          f"ours tolerant / ours valid: {ours / valid:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
