"""One process of the shared rate limit test: N requests through the production client.

Usage: rate_limit_worker.py BASE_URL RATE COUNT FIRST_ID START_AT [REDIS_URL KEY]
With a Redis URL the process paces through the shared limiter, else through a local one.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from redis.asyncio import Redis

from reelhouse.config import TmdbSettings
from reelhouse.content.metadata.cache import DETAILS_NAMESPACE
from reelhouse.content.metadata.client import ProviderClient
from reelhouse.content.metadata.ratelimit import (
    LocalRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from reelhouse.providers import tmdb_models as wire
from reelhouse.testing.memory_cache import BoundedMemoryCache


async def main(argv: list[str]) -> None:
    base_url, rate, count, first, start_at = argv[:5]
    redis = Redis.from_url(argv[5]) if len(argv) > 5 else None
    limiter: RateLimiter = (
        RedisRateLimiter(redis, argv[6], float(rate)) if redis else LocalRateLimiter(float(rate))
    )
    settings = TmdbSettings(base_url=base_url, rate_limit_per_s=float(rate), timeout_s=5.0)
    client = ProviderClient("tmdb", settings, cache=BoundedMemoryCache(), limiter=limiter)
    await asyncio.sleep(max(0.0, float(start_at) - time.time()))
    started = time.monotonic()
    ids = range(int(first), int(first) + int(count))
    await asyncio.gather(
        *(client.get(f"movie/{i}", wire.Movie, namespace=DETAILS_NAMESPACE) for i in ids)
    )
    print(json.dumps({"seconds": time.monotonic() - started}))
    await client.aclose()
    if redis is not None:
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
