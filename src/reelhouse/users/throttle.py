"""Login throttling: failed logins, counted per account and per client address, earn growing
waits (429 with Retry-After) before the next attempt is even checked.

After `login_free_failures` failures a key is blocked for `login_delay_s`, doubling with each
further failure up to `login_max_delay_s`; a key's failures are forgotten after
`login_window_s` without one, and an account's at its next successful login (an address's
are not: logging into one's own account must not reset a guess at another's). A block applies
to the right password too, so guessing on through it is pointless.

With Redis the counts are shared by every process (a Lua script, on the server's clock);
without it each process keeps its own in a bounded TTL map (house rule 1). When Redis fails,
the process falls back to its own counts, logged, rather than letting everyone in or no one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from cachetools import TTLCache
from redis.asyncio import Redis
from redis.exceptions import RedisError

from reelhouse.config import AuthSettings, Settings
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


class LoginThrottle(Protocol):
    async def wait_s(self, keys: Sequence[str]) -> float:
        """Seconds before any of `keys` may try again (0: now)."""

    async def failed(self, keys: Sequence[str]) -> None:
        """Count a failure against each key."""

    async def succeeded(self, key: str) -> None:
        """Forget the key's failures."""


def delay_after(failures: int, settings: AuthSettings) -> float:
    """The block a key earns with its `failures`-th failure."""
    over = failures - settings.login_free_failures
    if over <= 0:
        return 0.0
    return float(min(settings.login_max_delay_s, settings.login_delay_s * 2 ** min(over - 1, 62)))


class LocalLoginThrottle:
    """The counts of one process: key → (failures, blocked until, monotonic seconds)."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._keys: TTLCache[str, tuple[int, float]] = TTLCache(
            maxsize=settings.login_tracked_keys,
            ttl=settings.login_window_s + settings.login_max_delay_s,
        )

    async def wait_s(self, keys: Sequence[str]) -> float:
        now = time.monotonic()
        return max(0.0, *(self._keys.get(key, (0, 0.0))[1] - now for key in keys))

    async def failed(self, keys: Sequence[str]) -> None:
        now = time.monotonic()
        for key in keys:
            failures = self._keys.get(key, (0, 0.0))[0] + 1
            self._keys[key] = (failures, now + delay_after(failures, self._settings))

    async def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)


# KEYS: the keys failed against. ARGV: free failures, first delay (ms), max delay (ms), window
# (ms). Each key is a hash {failures, until (ms, Redis clock)}, expiring a window after its
# block ends.
_FAILED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, first, most, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4])
for _, key in ipairs(KEYS) do
  local failures = redis.call('HINCRBY', key, 'failures', 1)
  local delay = 0
  if failures > free then
    delay = math.min(most, first * 2 ^ math.min(failures - free - 1, 62))
  end
  redis.call('HSET', key, 'until', string.format('%d', now + delay))
  redis.call('PEXPIRE', key, math.floor(delay + window))
end
return 1
"""
_WAIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for _, key in ipairs(KEYS) do
  local blocked = tonumber(redis.call('HGET', key, 'until') or '0')
  wait = math.max(wait, blocked - now)
end
return wait
"""


class RedisLoginThrottle:
    """The counts every process shares."""

    def __init__(self, redis: Redis, settings: AuthSettings, prefix: str) -> None:
        self._redis = redis
        self._settings = settings
        self._prefix = prefix
        self._failed = redis.register_script(_FAILED)
        self._wait = redis.register_script(_WAIT)
        self._fallback = LocalLoginThrottle(settings)

    async def wait_s(self, keys: Sequence[str]) -> float:
        try:
            wait_ms = await self._wait(keys=self._shared(keys), args=[])
        except (RedisError, OSError) as exc:
            log.warning("shared login throttle unavailable; counting locally", error=str(exc))
            return await self._fallback.wait_s(keys)
        return max(0.0, float(wait_ms) / 1000)

    async def failed(self, keys: Sequence[str]) -> None:
        settings = self._settings
        args = [
            settings.login_free_failures,
            round(settings.login_delay_s * 1000),
            round(settings.login_max_delay_s * 1000),
            round(settings.login_window_s * 1000),
        ]
        try:
            await self._failed(keys=self._shared(keys), args=args)
        except (RedisError, OSError) as exc:
            log.warning("shared login throttle unavailable; counting locally", error=str(exc))
            await self._fallback.failed(keys)

    async def succeeded(self, key: str) -> None:
        try:
            await self._redis.delete(*self._shared([key]))
        except (RedisError, OSError) as exc:
            log.warning("shared login throttle unavailable; counting locally", error=str(exc))
        await self._fallback.succeeded(key)

    def _shared(self, keys: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:login:{key}" for key in keys]


def login_throttle(settings: Settings, redis: Redis | None) -> LoginThrottle:
    """Shared through Redis when there is one (its keys under `cache.key_prefix`)."""
    if redis is None:
        return LocalLoginThrottle(settings.auth)
    return RedisLoginThrottle(redis, settings.auth, settings.cache.key_prefix)
