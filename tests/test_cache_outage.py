"""Redis stopped and restarted in the middle of a test: a private redis-server of this test."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import redis.asyncio as aioredis
from structlog.testing import capture_logs

from reelhouse.config import CacheNamespaceSettings
from reelhouse.infra.cache import MISS, Cache

from .cache_support import PrivateRedis, cache_settings, redis_settings


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


async def test_a_namespace_that_requires_invalidation_bypasses_the_l1_while_it_is_not_heard(
    private_redis: PrivateRedis,
) -> None:
    """While Redis is down, another process's invalidation cannot reach this L1: a namespace
    that requires invalidation is read through its loader every time (and keeps nothing),
    while the others go on from the L1; when the channel is back, that namespace starts over
    empty (what it held may have been dropped elsewhere meanwhile), and is cached again."""
    namespaces = {
        "test": CacheNamespaceSettings(max_entries=100, ttl_s=60.0),
        "guarded": CacheNamespaceSettings(max_entries=100, ttl_s=60.0, requires_invalidation=True),
    }
    settings = cache_settings("guarded", namespaces=namespaces)
    a = Cache(settings, redis_settings(private_redis.url))
    assert not a.hears_invalidations  # not subscribed yet: nothing may be kept
    await a.start()
    assert await a.wait_subscribed(5)
    await _wait(lambda: a.hears_invalidations, timeout_s=5)
    guarded, plain = a.namespace("guarded"), a.namespace("test")
    loads: list[str] = []
    release = asyncio.Event()

    def loader(value: str, *, block: bool = False) -> Any:
        async def load() -> str:
            loads.append(value)
            if block:
                await release.wait()
            return value

        return load

    try:
        assert await guarded.get_or_load("k", loader("v1")) == "v1"
        assert await guarded.get_or_load("k", loader("unused")) == "v1"  # an L1 hit
        assert await plain.get_or_load("p", loader("p1")) == "p1"
        assert loads == ["v1", "p1"]
        # A fill that started while the channel was heard, and ends after an outage.
        slow = asyncio.create_task(guarded.get_or_load("slow", loader("before", block=True)))
        await _wait(lambda: "before" in loads, timeout_s=5)

        private_redis.stop()
        await _wait(lambda: not a.hears_invalidations, timeout_s=5)
        assert guarded.get_local("k") is MISS
        assert await guarded.get("k") is MISS
        assert await guarded.get_or_load("k", loader("v2")) == "v2"
        assert await guarded.get_or_load("k", loader("v3")) == "v3"  # not kept: loaded again
        await guarded.set("set", "during outage")
        assert await guarded.get("set") is MISS
        assert await plain.get_or_load("p", loader("unused")) == "p1"  # the others: L1 as usual
        assert a.metrics.namespace("guarded").bypassed >= 4

        private_redis.start()
        await _wait(lambda: a.hears_invalidations, timeout_s=10)
        release.set()
        assert await slow == "before"
        assert guarded.get_local("slow") is MISS  # it may hold what the outage hid: not kept
        assert guarded.get_local("k") is MISS  # cleared when the channel came back
        assert await guarded.get_or_load("k", loader("v4")) == "v4"
        assert await guarded.get_or_load("k", loader("unused")) == "v4"  # cached again
        assert guarded.get_local("k") == "v4"
        assert "unused" not in loads
    finally:
        release.set()
        await a.close()


async def test_a_lost_subscription_alone_bypasses_the_l1_until_it_is_back(
    private_redis: PrivateRedis,
) -> None:
    """Redis answering but the subscription dropped (messages published meanwhile are lost):
    the namespace that requires invalidation is not answered from the L1 until it is back, and
    then starts over empty."""
    namespaces = {
        "guarded": CacheNamespaceSettings(max_entries=100, ttl_s=60.0, requires_invalidation=True)
    }
    a = Cache(
        cache_settings("lost", namespaces=namespaces),
        redis_settings(private_redis.url, retry_after_s=1.0),
    )
    raw = aioredis.Redis.from_url(private_redis.url)
    await a.start()
    assert await a.wait_subscribed(5)
    await _wait(lambda: a.hears_invalidations, timeout_s=5)
    guarded = a.namespace("guarded")
    try:
        await guarded.set("k", "v")
        assert guarded.get_local("k") == "v"
        await raw.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        await _wait(lambda: not a.hears_invalidations, timeout_s=5)
        assert guarded.get_local("k") is MISS
        await _wait(lambda: a.hears_invalidations, timeout_s=10)
        assert a.metrics.pubsub_reconnects >= 1
        assert guarded.get_local("k") is MISS  # cleared: it may have missed a message
    finally:
        await raw.aclose()
        await a.close()


async def test_a_redis_that_stops_answering_bypasses_the_l1_though_the_channel_stays(
    private_redis: PrivateRedis,
) -> None:
    """Redis frozen for a moment, too short for the channel's heartbeat to notice: a call that
    timed out is enough to stop answering from the L1 (other processes' invalidations cannot
    get through either); when a call succeeds again, the namespace starts over empty, and a
    fill that started before is not kept."""
    namespaces = {
        "test": CacheNamespaceSettings(max_entries=100, ttl_s=60.0),
        "guarded": CacheNamespaceSettings(max_entries=100, ttl_s=60.0, requires_invalidation=True),
    }
    a = Cache(
        cache_settings("frozen", namespaces=namespaces, pubsub_ping_s=30.0),
        redis_settings(private_redis.url),
    )
    await a.start()
    assert await a.wait_subscribed(5)
    await _wait(lambda: a.hears_invalidations, timeout_s=5)
    guarded, plain = a.namespace("guarded"), a.namespace("test")
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow() -> str:
        started.set()
        await release.wait()
        return "before"

    try:
        await guarded.set("k", "v")
        fill = asyncio.create_task(guarded.get_or_load("slow", slow))
        await started.wait()
        private_redis.pause()
        assert await plain.get("x") is MISS  # times out: Redis is marked down
        assert not a.hears_invalidations
        assert guarded.get_local("k") is MISS
        private_redis.resume()
        await _wait(lambda: a._l2.available(), timeout_s=5)  # type: ignore[union-attr]
        assert await plain.get("x") is MISS  # answered: Redis is up again
        assert a.hears_invalidations
        assert a.metrics.pubsub_reconnects == 0  # the channel itself never dropped
        release.set()
        assert await fill == "before"
        assert guarded.get_local("slow") is MISS
        assert guarded.get_local("k") is MISS
        await guarded.set("k", "v2")
        assert guarded.get_local("k") == "v2"
    finally:
        private_redis.resume()
        release.set()
        await a.close()
