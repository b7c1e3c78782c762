"""Redis (or Valkey, Dragonfly): reachable, how fast, and whether pub/sub carries a message,
which every process's cache invalidation rides on."""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from reelhouse.config import RedisSettings, mask_url
from reelhouse.diagnostics.findings import Finding, Status

#: Round trip past which a warning is given: the L2 cache exists to answer faster than the
#: database, and a Redis slower than this costs every cache miss more than it saves.
REDIS_SLOW_S = 0.25


async def check_redis(settings: RedisSettings, key_prefix: str) -> list[Finding]:
    if not settings.url:
        detail = "not configured: one process, its cache in memory only"
        return [Finding("redis", Status.SKIPPED, detail)]
    where = mask_url(settings.url)
    client = Redis.from_url(
        settings.url, socket_timeout=settings.timeout_s, socket_connect_timeout=settings.timeout_s
    )
    try:
        try:
            started = time.perf_counter()
            await client.ping()
            round_trip = time.perf_counter() - started
        except (RedisError, OSError) as exc:
            return [
                Finding("redis", Status.FAIL, f"{where} is unreachable: {_reason(exc)}"),
                Finding("redis pub/sub", Status.SKIPPED, "Redis is unreachable"),
            ]
        return [_latency(where, round_trip), await _pubsub(client, key_prefix, settings.timeout_s)]
    finally:
        await client.aclose()


def _latency(where: str, round_trip: float) -> Finding:
    detail = f"{where}, round trip {round_trip * 1000:.1f} ms"
    if round_trip > REDIS_SLOW_S:
        return Finding("redis", Status.WARN, f"{detail}: slower than the database it caches")
    return Finding("redis", Status.OK, detail)


async def _pubsub(client: Redis, key_prefix: str, timeout_s: float) -> Finding:
    """A message published on a channel of this check alone comes back to its subscriber."""
    channel = f"{key_prefix}:doctor:{uuid.uuid4().hex}"
    token = uuid.uuid4().hex.encode()
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(channel)
        deadline = time.monotonic() + timeout_s
        # Published only once the subscription is confirmed, or the message could pass it by.
        if await _next(pubsub, "subscribe", deadline) is not None:
            await client.publish(channel, token)
            if await _next(pubsub, "message", deadline) == token:
                return Finding("redis pub/sub", Status.OK, "a published message was received")
    except (RedisError, OSError) as exc:
        return Finding("redis pub/sub", Status.FAIL, _reason(exc))
    finally:
        await pubsub.aclose()
    return Finding(
        "redis pub/sub",
        Status.FAIL,
        f"a published message did not arrive within {timeout_s:g} s (redis.timeout_s): "
        "other processes would not hear of each other's writes",
    )


async def _next(pubsub: PubSub, kind: str, deadline: float) -> object:
    """The data of the next message of `kind`, or None if none came by `deadline`."""
    while (left := deadline - time.monotonic()) > 0:
        message = await pubsub.get_message(timeout=left)
        if message is not None and message.get("type") == kind:
            return message.get("data")
    return None


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
