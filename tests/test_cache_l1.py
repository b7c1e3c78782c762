"""The in-process tier alone (no Redis): TTL, bounds, negative entries, immutability,
coalescing and in-process invalidation, including the invalidation/fill race."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import msgspec
import pytest
from prometheus_client import generate_latest

from reelhouse.config import CacheNamespaceSettings, CacheSettings, Settings
from reelhouse.errors import ConfigError
from reelhouse.infra.cache import MISS, Cache, get_or_load
from reelhouse.infra.cache.l1 import InvalidationLog

from .cache_support import cache_settings


class Movie(msgspec.Struct, frozen=True):
    id: int
    title: str
    genres: tuple[str, ...] = ()


def make_cache(**overrides: Any) -> Cache:
    return Cache(cache_settings(f"l1-{uuid.uuid4().hex[:8]}", **overrides))


@pytest.fixture
async def cache() -> Any:
    cache = make_cache()
    yield cache
    await cache.close()


async def test_entry_is_never_returned_after_its_ttl() -> None:
    cache = make_cache(namespaces={"short": CacheNamespaceSettings(max_entries=10, ttl_s=0.3)})
    ns = cache.namespace("short")
    try:
        written = time.monotonic()
        await ns.set("k", "v")
        seen_after_ttl = []
        while time.monotonic() - written < 0.6:
            found = ns.get_local("k")
            elapsed = time.monotonic() - written
            if found is not MISS and elapsed > 0.3:
                seen_after_ttl.append(elapsed)
            await asyncio.sleep(0.005)
        assert seen_after_ttl == []
        assert ns.get_local("k") is MISS
    finally:
        await cache.close()


async def test_ttl_jitter_only_shortens() -> None:
    cache = make_cache(
        ttl_jitter=0.5, namespaces={"j": CacheNamespaceSettings(max_entries=10, ttl_s=100.0)}
    )
    try:
        space = cache._space("j")
        ttls = [cache._ttl_s(space, negative=False) for _ in range(1_000)]
        assert max(ttls) <= 100.0
        assert min(ttls) >= 50.0
        assert max(ttls) - min(ttls) > 10  # spread out, so keys written together expire apart
    finally:
        await cache.close()


async def test_bound_holds_after_every_operation() -> None:
    cache = make_cache(namespaces={"b": CacheNamespaceSettings(max_entries=100, ttl_s=60.0)})
    ns = cache.namespace("b")

    async def loader() -> str:
        return "x"

    try:
        for i in range(5_000):
            if i % 3:
                await ns.set(f"k{i % 700}", i)
            else:
                await ns.get_or_load(f"l{i}", loader)
            ns.get_local(f"k{(i * 7) % 700}")
            assert len(ns) <= 100, f"{len(ns)} entries after operation {i}"
        assert cache.metrics.stores["b"].evictions > 0
    finally:
        await cache.close()


async def test_frequent_keys_survive_a_scan(cache: Cache) -> None:
    """W-TinyLFU admission: a one-off scan does not flush the popular entries."""
    ns = cache.namespace("test")  # bound 1,000
    for _ in range(5):
        for i in range(500):
            await ns.set(f"hot{i}", i)
            ns.get_local(f"hot{i}")
    for i in range(20_000):
        await ns.set(f"scan{i}", i)
    kept = sum(ns.get_local(f"hot{i}") is not MISS for i in range(500))
    assert kept > 400


async def test_negative_entries_are_remembered_for_their_own_ttl() -> None:
    cache = make_cache(
        namespaces={"n": CacheNamespaceSettings(max_entries=10, ttl_s=60.0, negative_ttl_s=0.2)}
    )
    ns = cache.namespace("n")
    calls = 0

    async def not_found() -> None:
        nonlocal calls
        calls += 1

    try:
        assert await ns.get_or_load("missing", not_found) is None
        assert await ns.get_or_load("missing", not_found) is None
        assert ns.get_local("missing") is None  # a remembered "not found", not a MISS
        assert calls == 1
        await asyncio.sleep(0.25)
        assert ns.get_local("missing") is MISS
        assert await ns.get_or_load("missing", not_found) is None
        assert calls == 2
    finally:
        await cache.close()


async def test_callers_cannot_mutate_cached_values(cache: Cache) -> None:
    ns = cache.namespace("test")
    value = {"title": "Alien", "genres": ["horror"]}
    await ns.set("m", value)
    value["genres"].append("changed by the writer")
    first = ns.get_local("m")
    assert first == {"title": "Alien", "genres": ["horror"]}
    assert isinstance(first, dict)
    first["genres"].append("changed by a reader")
    assert ns.get_local("m") == {"title": "Alien", "genres": ["horror"]}

    async def load() -> dict[str, Any]:
        return {"list": [1]}

    loaded = await ns.get_or_load("loaded", load)
    assert loaded is not None
    loaded["list"].append(2)
    assert await ns.get_or_load("loaded", load) == {"list": [1]}


async def test_immutable_values_are_kept_as_they_are(cache: Cache) -> None:
    ns = cache.namespace("test", Movie)
    movie = Movie(42, "Alien", ("horror",))
    await ns.set("m", movie)
    assert ns.get_local("m") is movie  # no copy needed: nothing in it can change
    await ns.set("t", (1, "a", frozenset({2})))
    assert ns.get_local("t") == (1, "a", frozenset({2}))


async def test_concurrent_misses_call_the_loader_once(cache: Cache) -> None:
    ns = cache.namespace("test")
    calls = 0

    async def slow() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "value"

    results = await asyncio.gather(*(ns.get_or_load("k", slow) for _ in range(500)))
    assert calls == 1
    assert set(results) == {"value"}


async def test_a_failing_loader_reaches_every_waiter_and_is_not_cached(cache: Cache) -> None:
    ns = cache.namespace("test")
    calls = 0

    async def broken() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise ValueError("upstream broke")

    results = await asyncio.gather(
        *(ns.get_or_load("k", broken) for _ in range(10)), return_exceptions=True
    )
    assert calls == 1
    assert all(isinstance(result, ValueError) for result in results)
    assert ns.get_local("k") is MISS


async def test_a_cancelled_caller_does_not_cancel_the_shared_load(cache: Cache) -> None:
    ns = cache.namespace("test")

    async def slow() -> str:
        await asyncio.sleep(0.05)
        return "value"

    first = asyncio.create_task(ns.get_or_load("k", slow))
    second = asyncio.create_task(ns.get_or_load("k", slow))
    await asyncio.sleep(0.01)
    first.cancel()
    assert await second == "value"
    assert ns.get_local("k") == "value"


async def test_invalidate_by_key_and_by_tag(cache: Cache) -> None:
    ns = cache.namespace("test")
    await ns.set("a", 1, tags=["movie:1"])
    await ns.set("b", 2, tags=["movie:1", "library:3"])
    await ns.set("c", 3, tags=["library:3"])
    await ns.set("d", 4)
    await cache.invalidate_tags("movie:1")
    assert [ns.get_local(k) for k in "abcd"] == [MISS, MISS, 3, 4]
    await ns.invalidate("d")
    assert ns.get_local("d") is MISS
    await cache.invalidate_tags("library:3")
    assert ns.get_local("c") is MISS
    await ns.set("a", 10, tags=["movie:1"])  # written after the invalidation: valid
    assert ns.get_local("a") == 10


async def test_a_fill_that_raced_an_invalidation_is_not_stored(cache: Cache) -> None:
    ns = cache.namespace("test")
    truth = {"v": 1}
    loading = asyncio.Event()
    release = asyncio.Event()

    async def slow_loader() -> int:
        value = truth["v"]  # reads the old truth...
        loading.set()
        await release.wait()  # ...while a writer changes it and invalidates
        return value

    async def fresh_loader() -> int:
        return truth["v"]

    racing = asyncio.create_task(ns.get_or_load("k", slow_loader, tags=["movie:7"]))
    await loading.wait()
    truth["v"] = 2
    await cache.invalidate_tags("movie:7")
    # A caller after the invalidation must not join the stale load.
    fresh = ns.get_or_load("k", fresh_loader, tags=["movie:7"])
    assert await asyncio.wait_for(fresh, timeout=2) == 2
    release.set()
    assert await racing == 1  # began before the invalidation: may see the old value...
    assert ns.get_local("k") == 2  # ...but never leaves it in the cache
    assert cache.metrics.namespaces["test"].stale_fills == 1


async def test_no_stale_read_under_concurrent_writes_invalidations_and_fills(cache: Cache) -> None:
    ns = cache.namespace("test")
    truth = {"v": 0}
    committed = {"v": 0}  # the newest version whose invalidation has completed
    stale: list[tuple[int, int]] = []
    stop = asyncio.Event()

    async def loader() -> int:
        value = truth["v"]
        await asyncio.sleep(0.0005 * (value % 4))
        return value

    async def writer() -> None:
        while not stop.is_set():
            truth["v"] += 1
            version = truth["v"]
            await cache.invalidate(keys=[("test", "k")] if version % 2 else (), tags=["t"])
            committed["v"] = version
            await asyncio.sleep(0.0003)

    async def reader() -> None:
        while not stop.is_set():
            floor = committed["v"]
            value = await ns.get_or_load("k", loader, tags=["t"])
            assert value is not None
            if value < floor:
                stale.append((value, floor))
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(writer())] + [asyncio.create_task(reader()) for _ in range(8)]
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*tasks)
    assert stale == []
    assert await ns.get_or_load("k", loader, tags=["t"]) == truth["v"]


async def test_unknown_namespace_is_a_config_error(cache: Cache) -> None:
    with pytest.raises(ConfigError, match="nope"):
        cache.namespace("nope")

    async def loader() -> int:
        return 1

    assert await get_or_load(cache, "test", 5, loader) == 1


def test_partial_namespaces_are_merged_with_the_defaults(
    monkeypatch: pytest.MonkeyPatch, clean_env: Any
) -> None:
    monkeypatch.setenv(
        "REELHOUSE_CACHE_NAMESPACES",
        '{"provider": {"max_entries": 7}, "people": {"max_entries": 3, "ttl_s": 5}}',
    )
    namespaces = Settings().cache.namespaces
    defaults = set(CacheSettings().namespaces)
    assert {"provider", "provider_search", "catalogue", "images"} <= defaults
    assert set(namespaces) == defaults | {"people"}
    assert namespaces["provider"].max_entries == 7
    assert namespaces["provider"].ttl_s == 7 * 86_400  # the rest of the default is kept
    assert namespaces["people"] == CacheNamespaceSettings(max_entries=3, ttl_s=5)
    assert CacheSettings().namespaces["catalogue"].max_entries == 100_000


def test_invalidation_memory_is_bounded_and_stays_safe() -> None:
    log = InvalidationLog(capacity=10, horizon_s=3600)
    start = log.begin()
    for i in range(100):
        log.record([f"tag{i}"])
    assert len(log) <= 10
    # The forgotten records were folded into the floor: the old fill is still stale.
    assert log.is_stale(start, ("tag0",))
    assert not log.is_stale(log.generation, ("tag0",))
    log.end(start)


def test_invalidation_memory_forgets_after_the_horizon() -> None:
    log = InvalidationLog(capacity=1_000, horizon_s=0.0)
    running = log.begin()
    log.record(["a"])
    log.record(["b"])
    assert len(log) == 2  # a fill older than both is running: keep them
    log.end(running)
    log.record(["c"])
    assert len(log) == 0


async def test_metrics_are_exposed(cache: Cache) -> None:
    ns = cache.namespace("test")

    async def loader() -> int:
        return 1

    await ns.get_or_load("k", loader)
    await ns.get_or_load("k", loader)
    text = generate_latest(cache.metrics.registry).decode()
    assert 'reelhouse_cache_requests_total{namespace="test",result="hit",tier="l1"} 1.0' in text
    assert 'reelhouse_cache_requests_total{namespace="test",result="miss",tier="l1"} 1.0' in text
    assert 'reelhouse_cache_entries{namespace="test"} 1.0' in text
    assert 'reelhouse_cache_loader_seconds_count{namespace="test"} 1.0' in text
    assert "reelhouse_cache_evictions_total" in text
    assert "reelhouse_cache_invalidations_sent_total" in text
