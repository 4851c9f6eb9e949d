"""generator/stages.py: `Stages.stage(name, inputs, compute)`, the one place a step meets the
cache (and, with fork=True, a child process; tests/test_cache.py runs those in real forks)."""

from __future__ import annotations

from portkey_codegen.cache import Cache
from portkey_codegen.stages import Stages, Timer


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_miss_computes_lazily_then_stores_and_hits(tmp_path):
    run = Stages(Cache(tmp_path), Timer())
    compute, calls = counting({"a": [1, 2]})
    pending = run.stage("thing", ("in",), compute)
    assert calls == [] and not pending.running  # nothing runs until someone asks
    assert pending.result() == {"a": [1, 2]} and pending.result() == {"a": [1, 2]}
    assert calls == [1]
    again, more = counting("never")
    assert run.stage("thing", ("in",), again).result() == {"a": [1, 2]} and more == []
    other, other_calls = counting("other")
    assert run.stage("thing", ("changed",), other).result() == "other" and other_calls == [1]
    assert run.cache.stats["thing"] == ["miss", "store", "hit", "miss", "store"]


def test_keep_valid_and_uncacheable_inputs(tmp_path):
    run = Stages(Cache(tmp_path), Timer())
    assert run.stage("v", ("x",), lambda: ["finding"], keep=lambda v: v == []).result() == ["finding"]
    assert run.cache.stats["v"] == ["miss"]  # not kept: computed again next time
    run.cache.put("s", run.key("s", ("x",)), 42)
    assert run.stage("s", ("x",), lambda: "fresh", valid=lambda v: isinstance(v, str)).result() == "fresh"
    assert run.stage("n", None, lambda: "no key").result() == "no key" and "n" not in run.cache.stats
    off = Stages(Cache(None), Timer())
    assert off.key("n", ("x",)) is None and off.stage("n", ("x",), lambda: 1).result() == 1


def test_second_key_is_asked_only_on_a_miss_and_backfills_the_first(tmp_path):
    run = Stages(Cache(tmp_path), Timer())
    asked = []

    def also():
        asked.append(1)
        return "thing-loose", ("loose",)

    assert run.stage("thing", ("exact-1",), lambda: "v", also=also).result() == "v"
    assert asked == [1]  # stored under both keys
    assert run.stage("thing", ("exact-2",), lambda: "recomputed", also=also).result() == "v"
    assert asked == [1, 1] and run.cache.get("thing", run.key("thing", ("exact-2",))) == "v"
    assert run.stage("thing", ("exact-2",), lambda: "recomputed", also=also).result() == "v"
    assert asked == [1, 1]  # the exact key hits now: the second is not computed


def test_gc_paused_hands_back_an_enabled_collector_with_nothing_young_to_scan():
    import gc

    from portkey_codegen.stages import gc_paused

    class Node:
        def __init__(self):
            self.me = self  # a cycle: only the collector frees it

    @gc_paused
    def run():
        assert not gc.isenabled()
        Node()  # garbage made during the pause
        return [[i] for i in range(50_000)]

    assert gc.isenabled()
    kept = run()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    # the run's objects went to the oldest generation unscanned (a young collection right after
    # the pause would have scanned them all and moved the survivors one generation up only)
    assert any(obj is kept for obj in gc.get_objects(generation=2))
    assert gc.collect() >= 1  # the cycle made during the pause is still collected
    assert len(kept) == 50_000


def test_a_payload_in_parts_is_stored_as_the_whole_value(tmp_path):
    from portkey_codegen.cache import Payload, json_payload

    cache = Cache(tmp_path)
    value = {"files": {"a.py": "x = 1\n", "models.py": "class A: ...\n"}, "api": [1, 2, 3]}
    whole = json_payload(value)
    slot = json_payload("class A: ...\n")
    head, _, tail = whole.partition(slot)
    assert cache.put_payload("tree", "k1", Payload.start(head).then(slot, tail))
    assert cache.put("tree", "k2", value)
    assert cache.get("tree", "k1") == value == cache.get("tree", "k2")
    stored = sorted(p.read_bytes() for p in tmp_path.rglob("k*") if p.is_file())
    assert stored[0].replace(b"k1", b"k2") == stored[1]  # the same bytes as one put() of the value
