"""Both tiers against the real local Redis: two `Cache` objects stand for two processes (each
its own L1); real subprocesses are in test_cache_processes.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest
import redis.asyncio as aioredis

from reelhouse.config import CacheNamespaceSettings
from reelhouse.infra.cache import MISS, Cache, CacheNamespace

from .cache_support import cache_settings, redis_settings


class Movie(msgspec.Struct):
    id: int
    title: str
    genres: list[str] = []


MakeCache = Callable[..., Any]


@pytest.fixture
async def make_cache(redis_url: str, cache_prefix: str) -> AsyncIterator[MakeCache]:
    caches: list[Cache] = []

    async def make(redis: dict[str, Any] | None = None, **overrides: Any) -> Cache:
        url = overrides.pop("url", redis_url)
        cache = Cache(cache_settings(cache_prefix, **overrides), redis_settings(url, **redis or {}))
        caches.append(cache)
        await cache.start()
        assert await cache.wait_subscribed(5)
        return cache

    yield make
    for cache in caches:
        await cache.close()


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 2.0) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout_s:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.001)
    return time.monotonic() - start


async def test_a_value_filled_by_one_process_is_read_by_another_from_redis(
    make_cache: MakeCache, raw: aioredis.Redis, cache_prefix: str
) -> None:
    a, b = await make_cache(), await make_cache()
    na: CacheNamespace[Movie] = a.namespace("test", Movie)
    nb: CacheNamespace[Movie] = b.namespace("test", Movie)
    calls = 0

    async def load() -> Movie:
        nonlocal calls
        calls += 1
        return Movie(42, "Alien", ["horror"])

    assert await na.get_or_load(42, load) == Movie(42, "Alien", ["horror"])
    assert await nb.get_or_load(42, load) == Movie(42, "Alien", ["horror"])
    assert calls == 1
    assert b.metrics.namespaces["test"].l2_hits == 1
    assert nb.get_local(42) == Movie(42, "Alien", ["horror"])
    # Namespaced, schema-versioned key; compact msgpack value.
    stored = await raw.get(f"{cache_prefix}:v1:c:test:42")
    assert stored is not None
    assert len(stored) < 40


async def test_a_new_schema_version_never_reads_old_entries(make_cache: MakeCache) -> None:
    old, new = await make_cache(), await make_cache(schema_version=2)
    await old.namespace("test").set("k", {"layout": "old"})
    assert await new.namespace("test").get("k") is MISS


async def test_l2_ttl_is_jittered_down_and_the_l1_copy_keeps_the_remaining_ttl(
    make_cache: MakeCache, raw: aioredis.Redis, cache_prefix: str
) -> None:
    ns = {"t": CacheNamespaceSettings(max_entries=100, ttl_s=100.0)}
    a = await make_cache(namespaces=ns, ttl_jitter=0.2)
    for i in range(50):
        await a.namespace("t").set(i, i)
    ttls = [await raw.pttl(f"{cache_prefix}:v1:c:t:{i}") for i in range(50)]
    assert all(80_000 - 1_000 <= ttl <= 100_000 for ttl in ttls)
    assert len(set(ttls)) > 10  # keys written together do not expire together

    short = {"t": CacheNamespaceSettings(max_entries=100, ttl_s=0.6)}
    writer, reader = await make_cache(namespaces=short), await make_cache(namespaces=short)
    await writer.namespace("t").set("k", "v")
    await asyncio.sleep(0.4)
    assert await reader.namespace("t").get("k") == "v"  # from Redis, 0.2 s left
    await asyncio.sleep(0.25)
    assert reader.namespace("t").get_local("k") is MISS  # the L1 copy did not outlive it
    assert await reader.namespace("t").get("k") is MISS


async def test_tag_invalidation_reaches_the_other_l1_through_pubsub(
    make_cache: MakeCache,
) -> None:
    a, b = await make_cache(), await make_cache()
    for cache in (a, b):
        await cache.namespace("test").get_or_load("m42", _const("old"), tags=["movie:42"])
        await cache.namespace("test").get_or_load("other", _const("x"), tags=["movie:7"])
    assert b.namespace("test").get_local("m42") == "old"
    await a.invalidate_tags("movie:42")
    await wait_until(lambda: b.namespace("test").get_local("m42") is MISS, timeout_s=1.0)
    assert b.namespace("test").get_local("other") == "x"
    assert await b.namespace("test").get("m42") is MISS  # gone from Redis too
    assert b.metrics.invalidations_received == 1


async def test_an_explicit_set_replaces_the_other_processes_copy(make_cache: MakeCache) -> None:
    a, b = await make_cache(), await make_cache()
    await a.namespace("test").set("k", 1)
    assert await b.namespace("test").get("k") == 1
    await a.namespace("test").set("k", 2)
    await wait_until(lambda: b.namespace("test").get_local("k") is MISS)
    assert await b.namespace("test").get("k") == 2


async def test_a_stampede_over_two_processes_calls_the_loader_once(
    make_cache: MakeCache,
) -> None:
    a, b = await make_cache(), await make_cache()
    calls = 0

    async def slow() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return "v"

    results = await asyncio.gather(
        *(cache.namespace("test").get_or_load("hot", slow) for cache in (a, b) for _ in range(200))
    )
    assert calls == 1
    assert set(results) == {"v"}


async def test_a_waiter_loads_itself_when_the_lock_holder_fails(make_cache: MakeCache) -> None:
    a, b = await make_cache(lock_wait_s=2.0), await make_cache(lock_wait_s=2.0)

    async def broken() -> str:
        await asyncio.sleep(0.05)
        raise RuntimeError("provider down")

    async def working() -> str:
        return "v"

    first = asyncio.create_task(a.namespace("test").get_or_load("k", broken))
    await asyncio.sleep(0.01)
    started = time.monotonic()
    assert await b.namespace("test").get_or_load("k", working) == "v"
    assert time.monotonic() - started < 1.0  # took over the released lock, did not wait it out
    with pytest.raises(RuntimeError):
        await first


async def test_no_stale_read_across_processes_under_writes_invalidations_and_fills(
    make_cache: MakeCache, raw: aioredis.Redis, cache_prefix: str
) -> None:
    """Writers change the truth (in Redis) and invalidate from one process; readers in both
    read through the cache. A read that starts after an invalidation was applied in its
    process never returns an older version, and no stale entry is left in either tier."""
    a, b = await make_cache(), await make_cache()
    truth_key = f"{cache_prefix}:truth"
    await raw.set(truth_key, 0)
    applied = {id(a): 0, id(b): 0}  # newest version whose invalidation each process applied
    stale: list[tuple[int, int]] = []
    stop = asyncio.Event()
    pending: dict[str, int] = {}

    def on_message(message: Any) -> None:
        for tag in message.tags:
            version = pending.get(tag)
            if version is not None:
                applied[id(b)] = max(applied[id(b)], version)

    b.add_invalidation_hook(on_message)

    async def loader() -> int:
        value = int(await raw.get(truth_key) or 0)
        await asyncio.sleep(0.001 * (value % 3))
        return value

    async def writer() -> None:
        while not stop.is_set():
            version = int(await raw.incr(truth_key))
            tag = f"truth:{version}"
            pending[tag] = version
            # The tag "t" names the entry; the per-version tag lets b's hook know the version.
            await a.invalidate(tags=["t", tag])
            applied[id(a)] = version
            await asyncio.sleep(0.002)

    async def reader(cache: Cache) -> None:
        ns = cache.namespace("test")
        while not stop.is_set():
            floor = applied[id(cache)]
            value = await ns.get_or_load("k", loader, tags=["t"])
            assert value is not None
            if value < floor:
                stale.append((value, floor))
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(writer())]
    tasks += [asyncio.create_task(reader(cache)) for cache in (a, b) for _ in range(4)]
    await asyncio.sleep(2.0)
    stop.set()
    await asyncio.gather(*tasks)
    await asyncio.sleep(0.05)  # let the last message arrive
    final = int(await raw.get(truth_key) or 0)
    assert final > 50
    assert stale == []
    for cache in (a, b):
        assert await cache.namespace("test").get_or_load("k", loader, tags=["t"]) == final
    stored = await raw.get(f"{cache_prefix}:v1:c:test:k")
    assert stored is not None
    assert await b.namespace("test").get("k") == final


async def test_a_fill_that_reads_redis_while_the_invalidation_is_on_its_way_is_not_kept(
    make_cache: MakeCache, raw: aioredis.Redis
) -> None:
    """The invalidation drops the local copy at once but reaches Redis a moment later: a fill
    that starts in between reads the old entry from Redis. It may answer the reads made while
    `invalidate` runs, never one made after it returned."""
    # Redis calls may take far longer than the pause: a slow moment of a busy machine must not
    # count as Redis down (which would skip Redis altogether).
    a = await make_cache(redis={"timeout_s": 2.0})
    for key, tag in (("by-tag", "movie:1"), ("by-key", "movie:2")):
        await a.namespace("test").get_or_load(key, _const("old"), tags=[tag])
        a.clear_l1()  # the next read fills from Redis
    await raw.execute_command("CLIENT", "PAUSE", 150, "WRITE")  # reads still run
    try:
        invalidating = asyncio.create_task(
            a.invalidate(keys=[("test", "by-key")], tags=["movie:1"])
        )
        await asyncio.sleep(0.05)  # its transaction waits in Redis
        assert not invalidating.done()
        for key in ("by-tag", "by-key"):
            assert await a.namespace("test").get_or_load(key, _const("new")) == "old"
        await invalidating
    finally:
        await raw.execute_command("CLIENT", "UNPAUSE")
    for key in ("by-tag", "by-key"):
        assert a.namespace("test").get_local(key) is MISS
        assert await a.namespace("test").get_or_load(key, _const("new")) == "new"


async def test_redis_unreachable_means_l1_only_not_errors(make_cache: MakeCache) -> None:
    from .cache_support import free_port

    cache = Cache(
        cache_settings("unreachable"), redis_settings(f"redis://127.0.0.1:{free_port()}/0")
    )
    await cache.start()
    ns = cache.namespace("test")
    calls = 0

    async def load() -> str:
        nonlocal calls
        calls += 1
        return "v"

    try:
        started = time.monotonic()
        for i in range(200):
            assert await ns.get_or_load(f"k{i % 20}", load) == "v"
        await cache.invalidate(keys=[("test", "k1")], tags=["x"])
        assert await ns.get_or_load("k1", load) == "v"
        await ns.set("s", 1)
        assert await ns.get("s") == 1
        assert time.monotonic() - started < 2.0
        assert calls == 21  # 20 keys, plus k1 again after its invalidation
        # Failures are counted, but the circuit keeps the cache from hammering a dead Redis.
        assert 1 <= cache.metrics.l2_errors <= 10
        detail = await cache.check_redis()
        assert detail is not None
        assert detail.startswith("degraded")
    finally:
        await cache.close()


def _const(value: Any) -> Any:
    async def load() -> Any:
        return value

    return load


async def test_pydantic_models_round_trip_through_both_tiers(make_cache: MakeCache) -> None:
    from pydantic import BaseModel

    class Show(BaseModel):
        id: int
        name: str
        seasons: list[int]

    a, b = await make_cache(), await make_cache()
    await a.namespace("test", Show).set("s", Show(id=1, name="Dark", seasons=[1, 2, 3]))
    # The set tells other processes to drop "s": let that arrive before b keeps a copy, or it
    # drops the copy this test reads back from b's L1.
    await wait_until(lambda: b.metrics.invalidations_received >= 1)
    got = await b.namespace("test", Show).get("s")
    assert got == Show(id=1, name="Dark", seasons=[1, 2, 3])
    assert isinstance(got, Show)
    got.seasons.append(4)
    assert b.namespace("test", Show).get_local("s") == Show(id=1, name="Dark", seasons=[1, 2, 3])
