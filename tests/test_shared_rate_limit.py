"""The provider rate limit holds across processes when they share Redis."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from reelhouse.bootstrap.providers import open_providers
from reelhouse.config import MetadataSettings, RedisSettings, Settings
from reelhouse.content.metadata.models import ExternalIds
from reelhouse.content.metadata.protocol import Fetch
from reelhouse.content.metadata.ratelimit import LocalRateLimiter, RedisRateLimiter
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.server import FakeServer
from reelhouse.testing.memory_cache import BoundedMemoryCache

REDIS_URL = "redis://127.0.0.1:6379/0"
WORKER = Path(__file__).with_name("rate_limit_worker.py")
RATE, PER_PROCESS = 20.0, 30


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


async def run_two_processes(server: FakeServer, *shared: str) -> None:
    start_at = time.time() + 1.5  # both start together, after their imports
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            f"{server.url}/3",
            str(RATE),
            str(PER_PROCESS),
            "1",
            str(start_at),
            *shared,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for worker in workers:
        await worker.communicate()
        assert worker.returncode == 0


async def test_two_processes_sharing_redis_never_exceed_the_limit(
    fake: FakeProviders, fake_server: FakeServer, redis: Redis
) -> None:
    # A bucket of half a second absorbs scheduling jitter on a busy machine; the uncoordinated
    # control run still sends twice the rate for 1.5 s, 20 requests beyond what the bucket holds.
    fake.control.configure(rate_limit_per_s=RATE, burst=RATE / 2)
    # Control: each process alone at the full rate, together twice the limit, gets 429s.
    await run_two_processes(fake_server)
    assert fake.control.stats.rate_limited > 0
    fake.control.reset_stats()
    fake.control.reset_bucket()
    key = f"reelhouse-test:{uuid.uuid4().hex}:ratelimit:tmdb"
    try:
        await run_two_processes(fake_server, REDIS_URL, key)
    finally:
        await redis.delete(key)
    assert fake.control.stats.rate_limited == 0
    assert fake.control.stats.by_status[200] == 2 * PER_PROCESS


async def test_slots_are_spaced_by_the_rate(redis: Redis) -> None:
    key = f"reelhouse-test:{uuid.uuid4().hex}:ratelimit:x"
    limiter = RedisRateLimiter(redis, key, rate_per_s=10.0)
    try:
        waits = [await limiter._script(keys=[key], args=[100_000]) for _ in range(5)]
    finally:
        await redis.delete(key)
    # Each reservation is one interval (100 ms) after the previous one.
    assert [round(int(w) / 100_000) for w in waits] == [0, 1, 2, 3, 4]


async def test_an_unreachable_redis_falls_back_to_local_pacing() -> None:
    broken = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        await RedisRateLimiter(broken, "k", rate_per_s=100.0).acquire()
    finally:
        await broken.aclose()


def test_local_reservations_are_spaced_by_the_rate() -> None:
    limiter = LocalRateLimiter(rate_per_s=4.0)
    waits = [limiter.reserve() for _ in range(4)]
    assert [round(w * 4) for w in waits] == [0, 1, 2, 3]


async def test_with_redis_configured_the_providers_pace_through_redis(
    fake_server: FakeServer, provider_settings: Callable[..., Settings], redis: Redis
) -> None:
    prefix = f"reelhouse-test:{uuid.uuid4().hex}:ratelimit:"
    base = provider_settings(MetadataSettings(rate_limit_key_prefix=prefix))
    settings = base.model_copy(update={"redis": RedisSettings(url=REDIS_URL)})
    async with open_providers(settings, BoundedMemoryCache()) as providers:
        await providers.tmdb.movie(ExternalIds(tmdb=1), Fetch(language="en"))
        assert await redis.exists(f"{prefix}tmdb") == 1
    await redis.delete(f"{prefix}tmdb")
