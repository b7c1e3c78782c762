"""Per-provider request pacing, in one process or shared by every process through Redis.

Both limiters implement GCRA as a reservation: each request takes the next free slot, slots are
`1 / rate` seconds apart, and the caller sleeps until its slot. Requests therefore leave evenly
spaced at the full allowed rate, never in bursts that a provider's window would answer with 429.
The Redis variant keeps the next free slot in one key, updated by a Lua script with the server's
clock, so all processes share one schedule without trusting their own clocks to agree.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Return when the caller may send one request."""


class LocalRateLimiter:
    """Paces the requests of one process."""

    def __init__(self, rate_per_s: float) -> None:
        self._interval = 1.0 / rate_per_s
        self._next_slot = 0.0

    async def acquire(self) -> None:
        await asyncio.sleep(self.reserve())

    def reserve(self) -> float:
        """Take the next slot; return the seconds to wait for it."""
        now = time.monotonic()
        slot = max(self._next_slot, now)
        self._next_slot = slot + self._interval
        return slot - now


# KEYS[1]: next free slot (microseconds, Redis clock). ARGV[1]: interval in microseconds.
# Returns the microseconds the caller must wait. The key expires once its slot is in the past.
_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local next_slot = slot + interval
redis.call('SET', KEYS[1], string.format('%d', next_slot), 'PX',
           math.floor((next_slot - now) / 1000) + 1000)
return slot - now
"""


class RedisRateLimiter:
    """Paces the requests of every process sharing `key`.

    When Redis fails, the process falls back to pacing itself at the full rate rather than
    stopping; the outage is logged, and the provider's 429s (honoured by the client) cover the
    overlap until Redis is back.
    """

    def __init__(self, redis: Redis, key: str, rate_per_s: float) -> None:
        self._redis = redis
        self._key = key
        self._interval_us = max(1, round(1_000_000 / rate_per_s))
        self._script = redis.register_script(_RESERVE)
        self._fallback = LocalRateLimiter(rate_per_s)

    async def acquire(self) -> None:
        try:
            wait_us = await self._script(keys=[self._key], args=[self._interval_us])
        except (RedisError, OSError) as exc:
            log.warning(
                "shared rate limit unavailable; pacing locally", key=self._key, error=str(exc)
            )
            await self._fallback.acquire()
            return
        await asyncio.sleep(int(wait_us) / 1_000_000)
