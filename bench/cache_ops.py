"""Latency of cache operations, and memory under a stream of unique keys.

    python bench/cache_ops.py [--redis redis://127.0.0.1:6379/0] [--unique-keys 5000000]

Medians, in microseconds, of: an L1 get-hit (sync `get_local` and `await get`) and set, of the
L1 alone and with the local Redis as L2 (a get that misses the L1 and hits Redis, and a set that
writes through), next to cachetools' LRUCache; then the process RSS before and after
`--unique-keys` distinct keys go through a namespace bounded at `--bound` entries. One JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import psutil
from cachetools import LRUCache

from reelhouse.config import CacheNamespaceSettings, CacheSettings, RedisSettings
from reelhouse.infra.cache import Cache

BATCH = 1_000


def median_us_sync(operation: Callable[[int], Any], batches: int) -> float:
    """Median over batches of the mean time of one call, in microseconds."""
    timings = []
    for batch in range(batches):
        base = batch * BATCH
        started = time.perf_counter_ns()
        for i in range(base, base + BATCH):
            operation(i)
        timings.append((time.perf_counter_ns() - started) / BATCH / 1_000)
    return round(statistics.median(timings), 3)


async def median_us_async(operation: Callable[[int], Any], batches: int) -> float:
    timings = []
    for batch in range(batches):
        base = batch * BATCH
        started = time.perf_counter_ns()
        for i in range(base, base + BATCH):
            await operation(i)
        timings.append((time.perf_counter_ns() - started) / BATCH / 1_000)
    return round(statistics.median(timings), 3)


async def median_us_each(operation: Callable[[int], Any], count: int) -> float:
    """Median of individually timed calls (network round trips), in microseconds."""
    timings = []
    for i in range(count):
        started = time.perf_counter_ns()
        await operation(i)
        timings.append((time.perf_counter_ns() - started) / 1_000)
    return round(statistics.median(timings), 1)


def settings(prefix: str, bound: int) -> CacheSettings:
    return CacheSettings(
        key_prefix=prefix,
        ttl_jitter=0.1,
        namespaces={"bench": CacheNamespaceSettings(max_entries=bound, ttl_s=3_600)},
    )


VALUE = {"id": 42, "title": "Alien", "year": 1979, "genres": ["horror", "sci-fi"]}
FROZEN = (42, "Alien", 1979, ("horror", "sci-fi"))


async def latencies(redis_url: str, batches: int, network_ops: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    prefix = f"bench-{uuid.uuid4().hex[:8]}"

    lru: LRUCache[str, Any] = LRUCache(maxsize=100_000)
    lru["hot"] = FROZEN
    out["cachetools_lru"] = {
        "get_hit_us": median_us_sync(lambda i: lru["hot"], batches),
        "set_us": median_us_sync(lambda i: lru.__setitem__(f"k{i % 50_000}", FROZEN), batches),
    }

    l1 = Cache(settings(prefix, 100_000))
    ns = l1.namespace("bench")
    await ns.set("hot", FROZEN)
    await ns.set("hot_mutable", VALUE)
    out["reelhouse_l1"] = {
        "get_hit_us": median_us_sync(lambda i: ns.get_local("hot"), batches),
        "get_hit_async_us": await median_us_async(lambda i: ns.get("hot"), batches),
        "get_hit_mutable_value_us": median_us_sync(lambda i: ns.get_local("hot_mutable"), batches),
        "set_us": await median_us_async(lambda i: ns.set(f"k{i % 50_000}", FROZEN), batches),
        "note": "get_hit_us: immutable value, returned as is; mutable_value: decoded copy per hit",
    }
    await l1.close()

    writer = Cache(settings(prefix, 100_000), RedisSettings(url=redis_url))
    reader = Cache(settings(prefix, 100_000), RedisSettings(url=redis_url))
    for cache in (writer, reader):
        await cache.start()
        await cache.wait_subscribed(5)
    wns, rns = writer.namespace("bench"), reader.namespace("bench")
    await wns.set("hot", FROZEN)
    set_us = await median_us_each(lambda i: wns.set(f"n{i}", VALUE), network_ops)
    out["reelhouse_l1_l2"] = {
        "get_hit_l1_us": median_us_sync(lambda i: wns.get_local("hot"), batches),
        "get_hit_l2_us": await median_us_each(lambda i: rns.get(f"n{i}"), network_ops),
        "set_us": set_us,
        "note": "get_hit_l2: misses this process's L1, one round trip to the local Redis; "
        "set: writes through to Redis and publishes the invalidation",
    }
    for cache in (writer, reader):
        await cache.close()
    return out


async def memory(unique_keys: int, bound: int) -> dict[str, Any]:
    cache = Cache(settings(f"mem-{uuid.uuid4().hex[:8]}", bound))
    ns = cache.namespace("bench")
    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    checkpoints = []
    step = max(1, unique_keys // 5)
    started = time.perf_counter()
    for i in range(unique_keys):
        await ns.set(i, FROZEN)
        if (i + 1) % step == 0:
            gc.collect()
            checkpoints.append(
                {"keys": i + 1, "rss_mib": round(process.memory_info().rss / 2**20, 1)}
            )
    elapsed = time.perf_counter() - started
    entries = len(ns)
    gc.collect()
    after = process.memory_info().rss
    await cache.close()
    return {
        "unique_keys": unique_keys,
        "bound": bound,
        "entries_at_end": entries,
        "rss_before_mib": round(before / 2**20, 1),
        "rss_after_mib": round(after / 2**20, 1),
        "checkpoints": checkpoints,
        "seconds": round(elapsed, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--batches", type=int, default=300, help=f"batches of {BATCH} calls")
    parser.add_argument("--network-ops", type=int, default=2_000)
    parser.add_argument("--unique-keys", type=int, default=5_000_000)
    parser.add_argument("--bound", type=int, default=10_000)
    args = parser.parse_args()
    result = {
        "benchmark": "cache_ops",
        "latency": await latencies(args.redis, args.batches, args.network_ops),
        "memory": await memory(args.unique_keys, args.bound),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
