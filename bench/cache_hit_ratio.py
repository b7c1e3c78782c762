"""Hit ratio of reelhouse's L1 next to cachetools' LRU and Belady's optimum, on one stream.

    python bench/cache_hit_ratio.py --trace oltp.gz --format arc --size 1000
    python bench/cache_hit_ratio.py --zipf 0.9 --keys 100000 --requests 1000000 --size 1000

Traces are read from ../shared/traces (see the README there). Prints one JSON object. The
reelhouse L1 is the real `L1Store` (theine W-TinyLFU with reelhouse's bound enforcement), driven
as a look-aside cache: get, and on a miss, set.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import random
import time
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache

import _traces
from reelhouse.infra.cache.l1 import L1Store

TTL_S = 10 * 365 * 86_400.0


def reelhouse_l1(keys: list[int], size: int) -> int:
    store = L1Store(size)
    get, put = store.get, store.set
    hits = 0
    for key in keys:
        if get(key)[1]:  # type: ignore[arg-type]
            hits += 1
        else:
            put(key, (key, 0, ()), TTL_S)  # type: ignore[arg-type]
    store.close()
    return hits


def lru(keys: list[int], size: int) -> int:
    cache: LRUCache[int, int] = LRUCache(maxsize=size)
    hits = 0
    get = cache.get  # a read refreshes the entry's recency
    for key in keys:
        if get(key) is not None:
            hits += 1
        else:
            cache[key] = key
    return hits


def belady(keys: list[int], size: int) -> int:
    """Belady's MIN with bypass (a miss whose next use is farthest is not admitted): the
    optimum hit count of any cache of this size on this stream."""
    never = len(keys)
    next_use = [never] * len(keys)
    last: dict[int, int] = {}
    for index in range(len(keys) - 1, -1, -1):
        key = keys[index]
        next_use[index] = last.get(key, never)
        last[key] = index
    cached: dict[int, int] = {}  # key -> its next use
    heap: list[tuple[int, int]] = []  # (-next use, key), stale items skipped lazily
    hits = 0
    for index, key in enumerate(keys):
        upcoming = next_use[index]
        if key in cached:
            hits += 1
            cached[key] = upcoming
            heapq.heappush(heap, (-upcoming, key))
            continue
        if upcoming == never:
            continue  # never used again: admitting it cannot help
        if len(cached) >= size:
            while True:
                farthest, victim = heap[0]
                if cached.get(victim) == -farthest:
                    break
                heapq.heappop(heap)
            if -farthest <= upcoming:
                continue  # bypass: everything cached is needed sooner
            heapq.heappop(heap)
            del cached[victim]
        cached[key] = upcoming
        heapq.heappush(heap, (-upcoming, key))
    return hits


POLICIES: dict[str, Callable[[list[int], int], int]] = {
    "reelhouse_l1": reelhouse_l1,
    "lru": lru,
    "belady": belady,
}


def popularity_oracle(keys: list[int], size: int, popular: list[int]) -> int:
    """Hits of a cache that always holds the `size` truly most popular keys: the best any
    policy without knowledge of the future can expect on a stationary (Zipf) stream."""
    top = set(popular[:size])
    return sum(key in top for key in keys)


def zipf_stream(alpha: float, keys: int, requests: int, seed: int) -> list[int]:
    weights = [1.0 / (rank**alpha) for rank in range(1, keys + 1)]
    cumulative = list(itertools.accumulate(weights))
    rng = random.Random(seed)
    ranks = rng.choices(range(keys), cum_weights=cumulative, k=requests)
    # Key ids unrelated to popularity, as in a real key space.
    ids = list(range(keys))
    rng.shuffle(ids)
    zipf_stream.popular = ids  # type: ignore[attr-defined]  # ids by falling popularity
    return [ids[rank] for rank in ranks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", help="trace file name in ../shared/traces, or a path")
    parser.add_argument("--format", choices=["arc", "lirs", "int64", "int32"])
    parser.add_argument("--limit", type=int, help="read at most this many requests")
    parser.add_argument("--zipf", type=float, metavar="ALPHA")
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", type=int, required=True, help="cache size in entries")
    args = parser.parse_args()

    workload: dict[str, Any]
    if args.trace:
        if not args.format:
            parser.error("--trace needs --format")
        path = _traces.resolve(args.trace)
        keys = _traces.read(path, args.format, args.limit)
        workload = {"trace": path.name, "format": args.format, "limit": args.limit}
    elif args.zipf is not None:
        keys = zipf_stream(args.zipf, args.keys, args.requests, args.seed)
        workload = {"zipf_alpha": args.zipf, "keys": args.keys, "seed": args.seed}
    else:
        parser.error("give --trace FILE --format F, or --zipf ALPHA")

    results: dict[str, dict[str, float]] = {}
    for name, policy in POLICIES.items():
        started = time.perf_counter()
        hits = policy(keys, args.size)
        results[name] = {
            "hit_ratio_pct": round(100.0 * hits / len(keys), 2),
            "seconds": round(time.perf_counter() - started, 2),
        }
    if args.zipf is not None:
        started = time.perf_counter()
        hits = popularity_oracle(keys, args.size, zipf_stream.popular)  # type: ignore[attr-defined]
        results["popularity_oracle"] = {
            "hit_ratio_pct": round(100.0 * hits / len(keys), 2),
            "seconds": round(time.perf_counter() - started, 2),
        }
    ours = results["reelhouse_l1"]["hit_ratio_pct"]
    print(
        json.dumps(
            {
                "benchmark": "cache_hit_ratio",
                **workload,
                "requests": len(keys),
                "distinct_keys": len(set(keys)),
                "size": args.size,
                "results": results,
                "reelhouse_minus_lru_pts": round(ours - results["lru"]["hit_ratio_pct"], 2),
                "belady_minus_reelhouse_pts": round(results["belady"]["hit_ratio_pct"] - ours, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
