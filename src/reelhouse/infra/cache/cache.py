"""The two-tier cache every part of reelhouse caches through (house rule 1).

- L1: per namespace, a bounded theine W-TinyLFU cache in this process; an entry is never returned
  after its TTL, and holds either an immutable value or its encoded bytes (decoded per hit).
- L2 (when `redis.url` is set): Redis, Valkey or Dragonfly, shared by every process.
- `get_or_load` coalesces concurrent misses of a key in this process (one loader call) and, with
  an L2, takes a short lock so that the other processes wait for that one call too (bounded wait,
  then they load themselves).
- `invalidate` drops keys and tags (a tag names every entry about one thing, e.g. ``movie:42``)
  here, in Redis, and through pub/sub in every other process's L1. A fill that started before an
  invalidation of its key or tags is never stored, in either tier.
- Redis down or slow means L1-only operation, never an error; except for the namespaces that
  require invalidation (`requires_invalidation`, such as `auth`), which then read the database
  rather than an L1 that other processes cannot reach (`channel`).

This module is the facade that wires the parts: `tiers` (the L1 stores and reads from Redis),
`fills` (get_or_load), `invalidation` (with `pending`, what waits for Redis), `l2` (the Redis
tier), `listener` (its invalidation channel) and `channel` (whether it is heard now).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from prometheus_client import CollectorRegistry

from reelhouse.config import CacheSettings, RedisSettings, Settings
from reelhouse.infra.cache.channel import ChannelHealth
from reelhouse.infra.cache.codec import Codec
from reelhouse.infra.cache.fills import Fills, Loader
from reelhouse.infra.cache.invalidation import InvalidationHook, Invalidations
from reelhouse.infra.cache.l2 import L2Unavailable, RedisTier
from reelhouse.infra.cache.listener import Listener
from reelhouse.infra.cache.metrics import CacheMetrics
from reelhouse.infra.cache.pending import PendingInvalidations
from reelhouse.infra.cache.read import Read
from reelhouse.infra.cache.tiers import Miss, Namespace, Tiers

T = TypeVar("T")

_ANY_CODEC: Codec[Any] = Codec(Any)


class Cache:
    """The cache of one process. Create it with `from_settings`, `start` it, `close` it."""

    def __init__(
        self,
        settings: CacheSettings,
        redis: RedisSettings | None = None,
        *,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.origin = uuid.uuid4().hex
        self.metrics = CacheMetrics(registry)
        self._l2: RedisTier | None = None
        if redis is not None and redis.url:
            self._l2 = RedisTier(redis.url, redis, settings, self.metrics)
        self._pending = PendingInvalidations(settings.pending_invalidations, self.metrics)
        self._tiers = Tiers(settings, self.metrics, self._l2, self._pending)
        self._fills = Fills(self._tiers, settings, self.metrics)
        self._invalidations = Invalidations(
            self._tiers, self._pending, origin=self.origin, metrics=self.metrics
        )
        self._health = ChannelHealth(self._tiers, self._l2)
        self._reconnect_hooks: list[Callable[[], None]] = []
        self.metrics.invalidations_heard = lambda: self._health.healthy
        self._listener: Listener | None = None
        if self._l2 is not None:
            self._l2.on_recovery = self._l2_recovered
            self._l2.on_down = self._health.update
            self._listener = Listener(
                self._l2,
                settings.pubsub_ping_s,
                self._invalidations.on_message,
                self._subscribed,
                self._health.lost,
            )
            self.metrics.l2_up = lambda: self._l2 is not None and self._l2.up

    @classmethod
    def from_settings(
        cls, settings: Settings, *, registry: CollectorRegistry | None = None
    ) -> Cache:
        return cls(settings.cache, settings.redis, registry=registry)

    @property
    def has_l2(self) -> bool:
        return self._l2 is not None

    @property
    def hears_invalidations(self) -> bool:
        """True while every other process's invalidation reaches this L1 (always, without
        Redis); while False, the namespaces that require invalidation bypass the L1."""
        return self._health.healthy

    def _subscribed(self, reconnected: bool) -> None:
        self._invalidations.on_subscribed(reconnected)
        self._health.subscribed()
        if reconnected:
            for hook in self._reconnect_hooks:
                hook()

    def _l2_recovered(self) -> None:
        self._invalidations.flush_soon()
        self._health.update()

    async def start(self) -> None:
        """Start listening for other processes' invalidations (returns at once, even with Redis
        down: the listener keeps trying)."""
        if self._listener is not None:
            self._listener.start()

    async def wait_subscribed(self, timeout_s: float) -> bool:
        """True once the invalidation channel is subscribed (for tests and benchmarks)."""
        if self._listener is None:
            return False
        try:
            async with asyncio.timeout(timeout_s):
                await self._listener.connected.wait()
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.stop()
        tasks = [*self._fills.running(), *self._invalidations.running()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if self._l2 is not None:
            await self._l2.close()
        self._tiers.close()

    async def check_redis(self) -> str | None:
        """Readiness detail: None when Redis answers (or is not configured), otherwise a note
        that the cache is degraded. Never raises: Redis down is L1-only operation, not an error.
        """
        if self._l2 is None:
            return None
        try:
            await self._l2.ping()
        except L2Unavailable as exc:
            cause = exc.__cause__
            reason = f"{type(cause).__name__}: {cause}" if cause else "unreachable"
            return f"degraded: Redis unreachable ({reason}); serving from the in-process cache"
        return None

    def add_invalidation_hook(self, hook: InvalidationHook) -> None:
        """Call `hook` after each invalidation from another process is applied here."""
        self._invalidations.hooks.append(hook)

    def add_reconnect_hook(self, hook: Callable[[], None]) -> None:
        """Call `hook` when the invalidation channel is subscribed again after a loss: what
        other processes published meanwhile never arrives here."""
        self._reconnect_hooks.append(hook)

    def namespace(self, name: str, type_: type[T] | Any = Any) -> CacheNamespace[T]:
        """A typed handle on one namespace: values are decoded from Redis as `type_`."""
        return CacheNamespace(self, self._space(name), Codec(type_))

    def size(self, namespace: str) -> int:
        return len(self._space(namespace).store)

    # -- the operations, for one namespace ---------------------------------------------------

    def _space(self, name: str) -> Namespace:
        return self._tiers.space(name)

    def _ttl_s(self, space: Namespace, negative: bool) -> float:
        """A fresh entry's TTL, jitter included (what the jitter test samples)."""
        return self._tiers.ttl_s(space, negative)

    async def get(self, space: Namespace, key: str, codec: Codec[Any]) -> Any:
        return await self._tiers.read(space, key, codec)

    async def set(
        self,
        space: Namespace,
        key: str,
        value: Any,
        codec: Codec[Any],
        tags: tuple[str, ...],
    ) -> None:
        tiers = self._tiers
        payload, data = tiers.prepare(value, codec, tags)
        ttl_s = tiers.ttl_s(space, value is None)
        tiers.write_l1(space, key, payload, tags, ttl_s)
        l2 = self._l2
        if l2 is None or data is None:
            return
        invalidations = self._invalidations
        try:
            await l2.write(
                l2.keys.entry(space.name, key),
                data,
                max(1, int(ttl_s * 1000)),
                tags,
                [l2.keys.key_version(space.name, key)],
                invalidations.message(keys=((space.name, key),)),
            )
        except L2Unavailable:
            invalidations.remember([(space.name, key)], ())
            return
        self.metrics.invalidations_sent += 1

    async def get_or_load(
        self,
        space: Namespace,
        key: str,
        loader: Loader[Any],
        codec: Codec[Any],
        tags: tuple[str, ...],
    ) -> Any:
        return await self._fills.get_or_load(space, key, loader, codec, tags)

    # -- invalidation ------------------------------------------------------------------------

    async def invalidate(
        self,
        keys: Iterable[tuple[str, str | int]] = (),
        tags: Iterable[str] = (),
    ) -> None:
        """Drop keys (namespace, key) and every entry of the tags, here, in Redis and in every
        other process's L1. Once this returns, no read in this process returns what was
        dropped, and no fill that started before can store it again."""
        key_list = [(self._space(ns).name, str(key)) for ns, key in keys]
        tag_list = list(dict.fromkeys(tags))
        if not key_list and not tag_list:
            return
        await self._invalidations.invalidate(key_list, tag_list)

    async def invalidate_tags(self, *tags: str) -> None:
        await self.invalidate(tags=tags)

    def clear_l1(self) -> None:
        """Forget everything in this process's L1; running fills will not be stored."""
        self._tiers.clear_l1()

    @property
    def _pending_tags(self) -> dict[str, None]:
        """The tags of the invalidations waiting for Redis (what the outage tests watch)."""
        return self._pending.tags


class CacheNamespace(Generic[T]):
    """One namespace of the cache, with values of type `T` (a msgspec type, a builtin, a
    dataclass or a pydantic model). `None` as a value means 'not found' and is remembered for the
    namespace's `negative_ttl_s`."""

    __slots__ = ("_cache", "_codec", "_space", "name")

    def __init__(self, cache: Cache, space: Namespace, codec: Codec[T]) -> None:
        self._cache = cache
        self._space = space
        self._codec = codec
        self.name = space.name

    def get_local(self, key: str | int) -> T | Miss | None:
        """The L1 alone, without awaiting: the value, None ('not found'), or MISS."""
        found: T | Miss | None = self._cache._tiers.lookup_l1(self._space, str(key), self._codec)
        return found

    async def get(self, key: str | int) -> T | Miss | None:
        found: T | Miss | None = await self._cache.get(self._space, str(key), self._codec)
        return found

    async def set(self, key: str | int, value: T | None, *, tags: Iterable[str] = ()) -> None:
        await self._cache.set(self._space, str(key), value, self._codec, tuple(tags))

    async def get_or_load(
        self, key: str | int, loader: Loader[T], *, tags: Iterable[str] = ()
    ) -> T | None:
        value: T | None = await self._cache.get_or_load(
            self._space, str(key), loader, self._codec, tuple(tags)
        )
        return value

    async def read(self, read: Read[T]) -> T:
        """The value of `read`, cached under its key and tags (its loader finds a value)."""
        value = await self.get_or_load(read.key, read.load, tags=read.tags)
        assert value is not None  # noqa: S101 - a read's loader never answers "not found"
        return value

    async def invalidate(self, *keys: str | int) -> None:
        await self._cache.invalidate(keys=[(self.name, key) for key in keys])

    def __len__(self) -> int:
        return len(self._space.store)


async def get_or_load(
    cache: Cache,
    namespace: str,
    key: str | int,
    loader: Loader[T],
    *,
    tags: Iterable[str] = (),
    type_: type[T] | Any = Any,
) -> T | None:
    """`cache.namespace(namespace, type_).get_or_load(key, loader, tags=tags)`."""
    codec = _ANY_CODEC if type_ is Any else Codec(type_)
    value: T | None = await cache.get_or_load(
        cache._space(namespace), str(key), loader, codec, tuple(tags)
    )
    return value
