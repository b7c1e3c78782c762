"""Several processes on the local Redis: invalidation delay across processes, and loader calls
per stampede.

    python bench/cache_multiprocess.py [--processes 4] [--invalidations 500] [--stampedes 5]

Invalidation delay: one process invalidates a tag every few milliseconds; each of the others
notes when the invalidation has been applied to its L1 (its entries are gone). The delay runs
from the moment the invalidating process builds the message (at the start of its Redis round
trip, after its own L1 is updated) to that moment, on the machine's one wall clock.
Stampede: `--requests` concurrent `get_or_load` calls of one fresh key, spread over the
processes, with a loader that takes `--loader-s`; the count of loader calls is the result
(the baseline without coalescing or lock would be one call per request). One JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

import redis.asyncio as aioredis

from reelhouse.testing.cache_worker import WorkerProcess


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def invalidation_delay(workers: list[WorkerProcess], count: int, gap_s: float) -> Any:
    sender, receivers = workers[0], workers[1:]
    for worker in receivers:
        await worker.call("received")  # drop anything heard before
    for i in range(count):
        await sender.call("invalidate", tags=[f"bench:{i}"])
        await asyncio.sleep(gap_s)
    await asyncio.sleep(0.2)
    delays_ms: list[float] = []
    missing = 0
    for worker in receivers:
        heard = await worker.call("received")
        got = {tuple(entry[2]): (entry[1] - entry[0]) / 1e6 for entry in heard}
        for i in range(count):
            delay = got.get((f"bench:{i}",))
            if delay is None:
                missing += 1
            else:
                delays_ms.append(delay)
    return {
        "invalidations": count,
        "receivers": len(receivers),
        "observations": len(delays_ms),
        "missing": missing,
        "p50_ms": round(percentile(delays_ms, 50), 3),
        "p99_ms": round(percentile(delays_ms, 99), 3),
        "max_ms": round(max(delays_ms), 3),
        "mean_ms": round(statistics.fmean(delays_ms), 3),
    }


async def raw_pubsub(redis_url: str, channel: str, count: int, gap_s: float) -> Any:
    """Baseline: the same publish rhythm through bare redis-py pub/sub, to a subscriber in this
    process (the floor under the cache's cross-process delay)."""
    subscriber = aioredis.Redis.from_url(redis_url)
    publisher = aioredis.Redis.from_url(redis_url)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=1.0)
    delays_ms: list[float] = []

    async def listen() -> None:
        while len(delays_ms) < count:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None:
                delays_ms.append((time.time_ns() - int(message["data"])) / 1e6)

    listener = asyncio.create_task(listen())
    for _ in range(count):
        await publisher.publish(channel, str(time.time_ns()))
        await asyncio.sleep(gap_s)
    await asyncio.wait_for(listener, timeout=10)
    await pubsub.aclose()
    await subscriber.aclose()
    await publisher.aclose()
    return {
        "messages": count,
        "p50_ms": round(percentile(delays_ms, 50), 3),
        "p99_ms": round(percentile(delays_ms, 99), 3),
    }


async def stampedes(
    workers: list[WorkerProcess],
    raw: aioredis.Redis,
    prefix: str,
    rounds: int,
    requests: int,
    loader_s: float,
) -> Any:
    per_worker = requests // len(workers)
    counts = []
    for round_ in range(rounds):
        source = f"{prefix}:stampede:{round_}"
        await raw.set(source, f"v{round_}")
        start_at = time.time() + 0.3
        results = await asyncio.gather(
            *(
                worker.call(
                    "stampede",
                    ns="test",
                    key=f"hot{round_}",
                    source=source,
                    count=per_worker,
                    start_at=start_at,
                    sleep=loader_s,
                )
                for worker in workers
            )
        )
        if any(result != [f"v{round_}"] for result in results):
            raise RuntimeError(f"stampede {round_} returned {results}")
        counts.append(int(await raw.get(source + ":loads") or 0))
    return {
        "rounds": rounds,
        "requests_per_round": per_worker * len(workers),
        "processes": len(workers),
        "loader_s": loader_s,
        "loader_calls_per_round": counts,
        "baseline_without_coalescing": per_worker * len(workers),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--invalidations", type=int, default=500)
    parser.add_argument("--gap-s", type=float, default=0.002)
    parser.add_argument("--stampedes", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--loader-s", type=float, default=0.1)
    args = parser.parse_args()
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    raw = aioredis.Redis.from_url(args.redis)
    workers = list(
        await asyncio.gather(
            *(WorkerProcess.spawn(args.redis, prefix) for _ in range(args.processes))
        )
    )
    try:
        for worker in workers:
            if not await worker.call("ready", timeout=10.0):
                raise RuntimeError("a worker could not subscribe")
        result = {
            "benchmark": "cache_multiprocess",
            "invalidation_delay": await invalidation_delay(workers, args.invalidations, args.gap_s),
            "raw_pubsub_baseline": await raw_pubsub(
                args.redis, f"{prefix}:raw", args.invalidations, args.gap_s
            ),
            "stampede": await stampedes(
                workers, raw, prefix, args.stampedes, args.requests, args.loader_s
            ),
        }
    finally:
        await asyncio.gather(*(worker.stop() for worker in workers))
        keys = [key async for key in raw.scan_iter(match=f"{prefix}:*")]
        if keys:
            await raw.delete(*keys)
        await raw.aclose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
