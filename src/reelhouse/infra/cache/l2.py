"""The shared tier: a Redis-protocol server (Redis, Valkey or Dragonfly) through redis-py asyncio.

Only commands all three support are used: GET, SET (NX, PX), DEL, PTTL, MGET, INCR, PEXPIRE, ZADD,
ZRANGE, ZREMRANGEBYSCORE, WATCH / MULTI / EXEC, PUBLISH / SUBSCRIBE, PING. No Lua, no SCAN/KEYS.

Layout of the keys (``P`` is the key prefix, ``V`` the schema version):

- ``P:vV:c:NS:KEY`` an entry: msgpack envelope [kind, tags, payload], with a TTL
- ``P:vV:lock:NS:KEY`` the short fill lock of one key (a random token, with a TTL)
- ``P:vV:tag:TAG`` the entries of a tag: a sorted set, member = entry key, score = expiry (ms)
- ``P:ver:k:NS:KEY`` and ``P:ver:t:TAG`` invalidation counters; a fill is written only if the
  counters of its key and tags are unchanged since it started (WATCH), so a fill that raced an
  invalidation never lands
- channel ``P:cache:invalidate`` carries every invalidation to the other processes' L1s

Every call has a short timeout. A failure marks the tier down: it is logged once, counted, and the
cache runs on its L1 only until `retry_after_s` has passed, when the next call tries again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, WatchError

from reelhouse.config import CacheSettings, RedisSettings
from reelhouse.infra.cache.metrics import CacheMetrics
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

R = TypeVar("R")

FAILURES: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)
_DEL_CHUNK = 500


class L2Unavailable(Exception):  # noqa: N818 - an internal signal, not a reelhouse error
    """Redis is down, slow, or resting after a failure: go on with the L1 only."""


class Keys:
    def __init__(self, prefix: str, schema_version: int) -> None:
        self._data = f"{prefix}:v{schema_version}"
        self._versions = f"{prefix}:ver"
        self.channel = f"{prefix}:cache:invalidate"

    def entry(self, namespace: str, key: str) -> str:
        return f"{self._data}:c:{namespace}:{key}"

    def lock(self, namespace: str, key: str) -> str:
        return f"{self._data}:lock:{namespace}:{key}"

    def tag_set(self, tag: str) -> str:
        return f"{self._data}:tag:{tag}"

    def key_version(self, namespace: str, key: str) -> str:
        return f"{self._versions}:k:{namespace}:{key}"

    def tag_version(self, tag: str) -> str:
        return f"{self._versions}:t:{tag}"


class RedisTier:
    def __init__(
        self,
        url: str,
        redis: RedisSettings,
        cache: CacheSettings,
        metrics: CacheMetrics,
    ) -> None:
        self.keys = Keys(cache.key_prefix, cache.schema_version)
        self.timeout_s = redis.timeout_s
        self._retry_after_s = redis.retry_after_s
        self.metrics = metrics
        # Tag sets outlive every entry they list: the longest TTL plus a margin.
        longest = max((ns.ttl_s for ns in cache.namespaces.values()), default=3600.0)
        self.tag_set_ttl_ms = int((longest + 60) * 1000)
        self._version_ttl_ms = int(cache.version_ttl_s * 1000)
        self._pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=redis.max_connections,
            timeout=redis.timeout_s,
            socket_timeout=redis.timeout_s,
            socket_connect_timeout=redis.timeout_s,
            # One immediate retry on a broken connection, so that the pooled connections left
            # over from before a Redis restart reconnect instead of failing once each; never on
            # a timeout (a slow Redis is skipped, not waited for twice). The whole call stays
            # under `timeout_s` anyway.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        self.client = aioredis.Redis(connection_pool=self._pool)
        # The subscription has its own connection, which never retries: a drop must surface, so
        # the listener knows it may have missed messages (redis-py would resubscribe silently).
        self.pubsub_client = aioredis.Redis.from_url(
            url,
            socket_timeout=redis.timeout_s,
            socket_connect_timeout=redis.timeout_s,
            retry=Retry(NoBackoff(), 0),
        )
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._outage_failures = 0
        self.on_recovery: Callable[[], None] = lambda: None
        self.on_down: Callable[[], None] = lambda: None

    # -- health ----------------------------------------------------------------------------

    @property
    def up(self) -> bool:
        return self._down_since is None

    @property
    def retry_after_s(self) -> float:
        return self._retry_after_s

    def available(self) -> bool:
        return self._down_since is None or time.monotonic() >= self._retry_at

    def failed(self, exc: BaseException, what: str) -> None:
        self.metrics.l2_errors += 1
        now = time.monotonic()
        self._retry_at = now + self._retry_after_s
        if self._down_since is None:
            self._down_since = now
            self._outage_failures = 1
            log.warning(
                "cache L2 unavailable, serving from the in-process cache only",
                operation=what,
                error=f"{type(exc).__name__}: {exc}",
                retry_after_s=self._retry_after_s,
            )
            self.on_down()
        else:
            self._outage_failures += 1

    def succeeded(self) -> None:
        if self._down_since is not None:
            log.info(
                "cache L2 available again",
                outage_s=round(time.monotonic() - self._down_since, 3),
                failures=self._outage_failures,
            )
            self._down_since = None
            self.on_recovery()

    async def run(self, what: str, call: Callable[[], Awaitable[R]], *, force: bool = False) -> R:
        """Run one Redis interaction under the timeout, or raise `L2Unavailable`."""
        if not force and not self.available():
            raise L2Unavailable(what)
        try:
            async with asyncio.timeout(self.timeout_s):
                result = await call()
        except FAILURES as exc:
            self.failed(exc, what)
            raise L2Unavailable(what) from exc
        self.succeeded()
        return result

    async def ping(self) -> None:
        await self.run("ping", self.client.ping, force=True)

    # -- reads -----------------------------------------------------------------------------

    async def lookup(
        self, entry_key: str, version_keys: Sequence[str]
    ) -> tuple[bytes | None, int, list[Any]]:
        """The entry, its remaining TTL in ms, and the current invalidation counters."""

        async def call() -> tuple[bytes | None, int, list[Any]]:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(entry_key)
            pipe.pttl(entry_key)
            if version_keys:
                pipe.mget(version_keys)
            result = await pipe.execute()
            return result[0], result[1], result[2] if version_keys else []

        return await self.run("lookup", call)

    async def lock_or_get(
        self, entry_key: str, lock_key: str, token: str, lock_ttl_ms: int
    ) -> tuple[bool, bytes | None, int]:
        """Try to take the fill lock, and read the entry in the same round trip."""

        async def call() -> tuple[bool, bytes | None, int]:
            pipe = self.client.pipeline(transaction=False)
            pipe.set(lock_key, token, nx=True, px=lock_ttl_ms)
            pipe.get(entry_key)
            pipe.pttl(entry_key)
            acquired, data, pttl = await pipe.execute()
            return bool(acquired), data, pttl

        return await self.run("lock", call)

    # -- writes ----------------------------------------------------------------------------

    def _index(self, pipe: Any, entry_key: str, tags: Sequence[str], ttl_ms: int) -> None:
        now_ms = int(time.time() * 1000)
        for tag in tags:
            tag_set = self.keys.tag_set(tag)
            pipe.zremrangebyscore(tag_set, "-inf", now_ms)
            pipe.zadd(tag_set, {entry_key: now_ms + ttl_ms})
            pipe.pexpire(tag_set, self.tag_set_ttl_ms)

    async def fill(
        self,
        entry_key: str,
        data: bytes,
        ttl_ms: int,
        tags: Sequence[str],
        version_keys: Sequence[str],
        expected: list[Any],
        lock: tuple[str, str] | None,
    ) -> bool:
        """Store a loaded value unless an invalidation of its key or tags happened since the fill
        started (the counters changed), and release the fill lock. True when stored."""

        async def call() -> bool:
            async with self.client.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(*version_keys)
                    current = await pipe.mget(version_keys)
                    lock_held = False
                    if lock is not None:
                        lock_held = await pipe.get(lock[0]) == lock[1].encode()
                    pipe.multi()  # type: ignore[no-untyped-call]
                    if current == expected:
                        pipe.set(entry_key, data, px=ttl_ms)
                        self._index(pipe, entry_key, tags, ttl_ms)
                    if lock_held and lock is not None:
                        pipe.delete(lock[0])
                    await pipe.execute()
                except WatchError:
                    return False
                return current == expected

        return await self.run("fill", call)

    async def release(self, lock_key: str, token: str) -> None:
        async def call() -> None:
            async with self.client.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(lock_key)
                    if await pipe.get(lock_key) == token.encode():
                        pipe.multi()  # type: ignore[no-untyped-call]
                        pipe.delete(lock_key)
                        await pipe.execute()
                except WatchError:
                    return  # the lock changed hands: it is not ours to release

        await self.run("release", call)

    async def write(
        self,
        entry_key: str,
        data: bytes,
        ttl_ms: int,
        tags: Sequence[str],
        version_keys: Sequence[str],
        message: bytes,
    ) -> None:
        """An explicit set: bump the key's counter (racing fills lose), store, tell the others."""

        async def call() -> None:
            pipe = self.client.pipeline(transaction=True)
            for version_key in version_keys:
                pipe.incr(version_key)
                pipe.pexpire(version_key, self._version_ttl_ms)
            pipe.set(entry_key, data, px=ttl_ms)
            self._index(pipe, entry_key, tags, ttl_ms)
            pipe.publish(self.keys.channel, message)
            await pipe.execute()

        await self.run("write", call)

    async def invalidate(
        self,
        entry_keys: Sequence[str],
        version_keys: Sequence[str],
        tags: Sequence[str],
        message: bytes,
    ) -> None:
        """Bump the counters, delete the entries (those of the tags found through their sets),
        then publish, in that order, so a process that hears the message cannot re-read an old
        entry from Redis."""
        tag_sets = [self.keys.tag_set(tag) for tag in tags]

        async def call() -> None:
            pipe = self.client.pipeline(transaction=True)
            for version_key in version_keys:
                pipe.incr(version_key)
                pipe.pexpire(version_key, self._version_ttl_ms)
            for tag_set in tag_sets:
                pipe.zrange(tag_set, 0, -1)
            if tag_sets:
                pipe.delete(*tag_sets)
            if entry_keys:
                pipe.delete(*entry_keys)
            if not tag_sets:
                pipe.publish(self.keys.channel, message)
                await pipe.execute()
                return
            results = await pipe.execute()
            offset = 2 * len(version_keys)
            members: set[bytes] = set()
            for listed in results[offset : offset + len(tag_sets)]:
                members.update(listed)
            pipe = self.client.pipeline(transaction=True)
            ordered = sorted(members)
            for start in range(0, len(ordered), _DEL_CHUNK):
                pipe.delete(*ordered[start : start + _DEL_CHUNK])
            pipe.publish(self.keys.channel, message)
            await pipe.execute()

        await self.run("invalidate", call)

    async def close(self) -> None:
        await self.client.aclose()
        await self._pool.aclose()
        await self.pubsub_client.aclose()
