"""Redis stopped and restarted in the middle of a test: a private redis-server of this test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from reelhouse.infra.cache import MISS, Cache

from .cache_support import PrivateRedis, cache_settings, redis_settings


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


async def _wait(predicate: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_the_cache_keeps_answering_while_redis_is_down_and_recovers(
    private_redis: PrivateRedis,
) -> None:
    settings = cache_settings("outage")
    a = Cache(settings, redis_settings(private_redis.url))
    b = Cache(settings, redis_settings(private_redis.url))
    for cache in (a, b):
        await cache.start()
        assert await cache.wait_subscribed(5)
    na, nb = a.namespace("test"), b.namespace("test")
    calls = 0

    async def load() -> str:
        nonlocal calls
        calls += 1
        return f"v{calls}"

    try:
        assert await na.get_or_load("k", load) == "v1"
        assert await nb.get_or_load("k", load) == "v1"  # from Redis
        await na.set("kept", "x", tags=["movie:1"])
        assert await nb.get("kept") == "x"

        private_redis.stop()
        # Everything keeps answering, from the L1 or the loader, without errors, and Redis is
        # skipped rather than tried on each call.
        assert await na.get_or_load("k", load) == "v1"  # L1 hit
        assert await na.get_or_load("new", load) == "v2"  # loader, Redis skipped
        assert await na.get_or_load("new", load) == "v2"
        await a.invalidate(tags=["movie:1"])  # local now, sent when Redis is back
        assert na.get_local("kept") is MISS
        await na.set("written", "during outage")
        assert await na.get("written") == "during outage"
        for i in range(50):
            await na.get_or_load(f"burst{i}", load)
        assert not a._l2.up  # type: ignore[union-attr]
        detail = await a.check_redis()
        assert detail is not None
        assert "degraded" in detail
        errors_in_outage = a.metrics.l2_errors
        assert 1 <= errors_in_outage < 50

        private_redis.start()  # same port, empty: it kept nothing
        await _wait(lambda: a._l2.up and b._l2.up, timeout_s=10)  # type: ignore[union-attr]
        await _wait(
            lambda: a.metrics.pubsub_reconnects >= 1 and b.metrics.pubsub_reconnects >= 1,
            timeout_s=10,
        )
        # Each process cleared its L1 on reconnect: it may have missed invalidations.
        assert nb.get_local("k") is MISS
        assert nb.get_local("kept") is MISS
        assert await a.check_redis() is None
        # Both tiers work across processes again.
        expected = f"v{calls + 1}"
        assert await na.get_or_load("after", load) == expected
        got = await nb.get_or_load("after", load)
        assert got == expected
        await a.invalidate(keys=[("test", "after")])
        await _wait(lambda: nb.get_local("after") is MISS, timeout_s=2)
    finally:
        await a.close()
        await b.close()


async def test_invalidations_made_during_an_outage_are_sent_at_recovery(
    private_redis: PrivateRedis,
) -> None:
    settings = cache_settings("pending")
    a = Cache(settings, redis_settings(private_redis.url))
    b = Cache(settings, redis_settings(private_redis.url))
    for cache in (a, b):
        await cache.start()
        assert await cache.wait_subscribed(5)
    try:
        await a.namespace("test").set("k", "old", tags=["movie:5"])
        private_redis.stop()
        await a.invalidate(tags=["movie:5"])
        assert a._pending_tags  # remembered, not lost
        private_redis.start()
        await _wait(lambda: not a._pending_tags, timeout_s=10)
        assert a.metrics.invalidations_sent >= 2
    finally:
        await a.close()
        await b.close()


async def test_an_invalidation_that_timed_out_is_sent_again_without_another_call(
    private_redis: PrivateRedis,
) -> None:
    """Redis too slow for one invalidation (its writes paused past the timeout) while the
    channel stays up: the invalidation goes again on its own once Redis answers, though this
    process makes no other call, so another process does not keep reading the old value."""
    settings = cache_settings("retry")
    a = Cache(settings, redis_settings(private_redis.url))
    b = Cache(settings, redis_settings(private_redis.url))
    raw = aioredis.Redis.from_url(private_redis.url)
    for cache in (a, b):
        await cache.start()
        assert await cache.wait_subscribed(5)
    nb = b.namespace("test")
    try:
        await a.namespace("test").set("k", "old", tags=["movie:7"])
        assert await nb.get("k") == "old"
        await raw.execute_command("CLIENT", "PAUSE", 1000, "WRITE")
        await a.invalidate(tags=["movie:7"])
        assert a._pending_tags
        await _wait(lambda: not a._pending_tags, timeout_s=10)
        await _wait(lambda: nb.get_local("k") is MISS, timeout_s=5)
        assert await nb.get("k") is MISS
    finally:
        await raw.aclose()
        await a.close()
        await b.close()


async def test_a_frozen_redis_is_skipped_after_one_timeout_and_logged_once(
    private_redis: PrivateRedis,
) -> None:
    """Slow Redis (the server frozen: connections open, no answers): calls time out after
    `timeout_s`, then the cache stays L1-only until `retry_after_s`; one log line per outage."""
    a = Cache(cache_settings("slow"), redis_settings(private_redis.url, retry_after_s=0.5))
    await a.start()
    assert await a.wait_subscribed(5)
    ns = a.namespace("test")
    calls = 0

    async def load() -> int:
        nonlocal calls
        calls += 1
        return calls

    try:
        await ns.get_or_load("warm", load)
        private_redis.pause()
        with capture_logs() as logs:
            for i in range(300):
                await ns.get_or_load(f"k{i}", load)
            errors = a.metrics.l2_errors
            private_redis.resume()
            deadline = time.monotonic() + 10
            while await a.check_redis() is not None:  # the next call after the pause succeeds
                assert time.monotonic() < deadline, "Redis never came back"
                await asyncio.sleep(0.05)
        # A few timeouts (one per retry window), not one per call.
        assert 1 <= errors < 30
        assert calls == 301
        down = [entry for entry in logs if entry["event"].startswith("cache L2 unavailable")]
        up = [entry for entry in logs if entry["event"] == "cache L2 available again"]
        assert len(down) == 1
        assert len(up) == 1
        assert up[0]["failures"] >= 1
        assert await ns.get_or_load("after", load) == 302
    finally:
        private_redis.resume()
        await a.close()
