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
- Redis down or slow means L1-only operation, never an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import msgspec
from prometheus_client import CollectorRegistry

from reelhouse.config import CacheNamespaceSettings, CacheSettings, RedisSettings, Settings
from reelhouse.errors import ConfigError
from reelhouse.infra.cache.codec import (
    KIND_NEGATIVE,
    KIND_VALUE,
    Codec,
    decode_envelope,
    encode_envelope,
    is_immutable,
)
from reelhouse.infra.cache.l1 import NEGATIVE, Encoded, InvalidationLog, L1Store
from reelhouse.infra.cache.l2 import L2Unavailable, RedisTier
from reelhouse.infra.cache.listener import Listener
from reelhouse.infra.cache.messages import Message, decode_message, encode_message
from reelhouse.infra.cache.metrics import CacheMetrics, NamespaceCounts
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")


class Miss(enum.Enum):
    MISS = "miss"


MISS: Final = Miss.MISS
"""What `get` returns for a key the cache does not hold (None is a remembered 'not found')."""

Loader = Callable[[], Awaitable[T | None]]
InvalidationHook = Callable[[Message], None]


def _key_name(namespace: str, key: str) -> str:
    return f"k\x00{namespace}\x00{key}"


def _tag_name(tag: str) -> str:
    return f"t\x00{tag}"


@dataclass(slots=True)
class _Namespace:
    name: str
    settings: CacheNamespaceSettings
    store: L1Store
    counts: NamespaceCounts


@dataclass(slots=True)
class _Flight:
    generation: int
    names: tuple[str, ...]
    task: asyncio.Task[Any]


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
        self._spaces: dict[str, _Namespace] = {
            name: _Namespace(name, ns, L1Store(ns.max_entries), self.metrics.namespace(name))
            for name, ns in settings.namespaces.items()
        }
        self.metrics.stores = {name: space.store for name, space in self._spaces.items()}
        horizon = max(
            (max(ns.ttl_s, ns.negative_ttl_s) for ns in settings.namespaces.values()),
            default=0.0,
        )
        self._log = InvalidationLog(settings.invalidation_memory, horizon)
        self._jitter = settings.ttl_jitter
        self._flights: dict[tuple[str, str], _Flight] = {}
        # Keys with a fill (a loader call or a Redis read) running: only those need a record of
        # their invalidation, to keep that fill out of the L1 (other entries are just deleted).
        self._filling: dict[tuple[str, str], int] = {}
        self._hooks: list[InvalidationHook] = []
        self._background: set[asyncio.Task[None]] = set()
        self._pending_keys: dict[tuple[str, str], None] = {}
        self._pending_tags: dict[str, None] = {}
        self._pending_lost = False
        self._l2: RedisTier | None = None
        self._listener: Listener | None = None
        if redis is not None and redis.url:
            self._l2 = RedisTier(redis.url, redis, settings, self.metrics)
            self._l2.on_recovery = self._flush_soon
            self._listener = Listener(
                self._l2, settings.pubsub_ping_s, self._on_message, self._on_subscribed
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
        tasks = [flight.task for flight in self._flights.values()] + list(self._background)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if self._l2 is not None:
            await self._l2.close()
        for space in self._spaces.values():
            space.store.close()

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
        self._hooks.append(hook)

    def namespace(self, name: str, type_: type[T] | Any = Any) -> CacheNamespace[T]:
        """A typed handle on one namespace: values are decoded from Redis as `type_`."""
        return CacheNamespace(self, self._space(name), Codec(type_))

    def size(self, namespace: str) -> int:
        return len(self._space(namespace).store)

    # -- the operations, for one namespace --------------------------------------------------

    def _space(self, name: str) -> _Namespace:
        try:
            return self._spaces[name]
        except KeyError:
            raise ConfigError(
                f"cache namespace {name!r} is not configured (cache.namespaces)"
            ) from None

    def _lookup_l1(self, space: _Namespace, key: str, codec: Codec[Any]) -> Any:
        entry, ok = space.store.get(key)
        if ok:
            payload, generation, names = entry  # type: ignore[misc]
            log_ = self._log
            if generation >= log_.floor and (not names or not log_.is_stale(generation, names)):
                space.counts.l1_hits += 1
                if payload is NEGATIVE:
                    return None
                if type(payload) is Encoded:
                    return codec.decode(payload.data)
                return payload
            space.store.delete(key)
        space.counts.l1_misses += 1
        return MISS

    @staticmethod
    def _materialize(payload: Any, codec: Codec[Any]) -> Any:
        if payload is NEGATIVE:
            return None
        if type(payload) is Encoded:
            return codec.decode(payload.data)
        return payload

    def _ttl_s(self, space: _Namespace, negative: bool) -> float:
        base = space.settings.negative_ttl_s if negative else space.settings.ttl_s
        return base * (1.0 - self._jitter * random.random())  # noqa: S311 - not cryptographic

    def _store_l1(
        self,
        space: _Namespace,
        key: str,
        payload: Any,
        generation: int,
        tag_names: tuple[str, ...],
        check: tuple[str, ...],
        ttl_s: float,
    ) -> bool:
        if self._log.is_stale(generation, check):
            space.counts.stale_fills += 1
            return False
        if ttl_s > 0:
            space.store.set(key, (payload, generation, tag_names), ttl_s)
        return True

    def _prepare(
        self, value: Any, codec: Codec[Any], tags: tuple[str, ...]
    ) -> tuple[Any, bytes | None]:
        """The L1 payload of a value, and its L2 envelope when there is an L2."""
        if value is None:
            payload: Any = NEGATIVE
            data = encode_envelope(KIND_NEGATIVE, tags, None) if self._l2 else None
            return payload, data
        if is_immutable(value):
            encoded = codec.encode(value) if self._l2 else None
            payload = value
        else:
            encoded = codec.encode(value)
            payload = Encoded(encoded)
        data = encode_envelope(KIND_VALUE, tags, encoded) if encoded is not None else None
        return payload, data

    def _accept_l2(
        self,
        space: _Namespace,
        key: str,
        data: bytes,
        pttl_ms: int,
        codec: Codec[Any],
        generation: int,
    ) -> Any:
        """Decode an entry read from Redis and keep it in the L1; None when it cannot be used."""
        try:
            envelope = decode_envelope(data)
            if envelope.kind == KIND_NEGATIVE:
                payload: Any = NEGATIVE
            else:
                value = codec.decode(envelope.payload)
                payload = value if is_immutable(value) else Encoded(bytes(envelope.payload))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning(
                "cache entry in Redis cannot be decoded; treated as a miss",
                namespace=space.name,
                key=key,
                error=str(exc),
            )
            return None
        if self._blocked_by_pending(space.name, key, envelope.tags):
            return None
        space.counts.l2_hits += 1
        negative = payload is NEGATIVE
        ttl_s = pttl_ms / 1000 if pttl_ms > 0 else self._ttl_s(space, negative)
        tag_names = tuple(_tag_name(tag) for tag in envelope.tags)
        self._store_l1(
            space,
            key,
            payload,
            generation,
            tag_names,
            (_key_name(space.name, key), *tag_names),
            ttl_s,
        )
        return payload

    async def get(self, space: _Namespace, key: str, codec: Codec[Any]) -> Any:
        found = self._lookup_l1(space, key, codec)
        l2 = self._l2
        if found is not MISS or l2 is None:
            return found
        generation = self._begin_fill(space.name, key)
        try:
            try:
                data, pttl, _ = await l2.lookup(l2.keys.entry(space.name, key), ())
            except L2Unavailable:
                return MISS
            if data is None or pttl == -2:
                space.counts.l2_misses += 1
                return MISS
            payload = self._accept_l2(space, key, data, pttl, codec, generation)
            return MISS if payload is None else self._materialize(payload, codec)
        finally:
            self._end_fill(space.name, key, generation)

    async def set(
        self,
        space: _Namespace,
        key: str,
        value: Any,
        codec: Codec[Any],
        tags: tuple[str, ...],
    ) -> None:
        payload, data = self._prepare(value, codec, tags)
        ttl_s = self._ttl_s(space, value is None)
        if (space.name, key) in self._filling:
            # A new generation for the key: the fills of it running now will not be stored.
            generation = self._log.record((_key_name(space.name, key),))
        else:
            generation = self._log.generation
        tag_names = tuple(_tag_name(tag) for tag in tags)
        self._store_l1(space, key, payload, generation, tag_names, (), ttl_s)
        l2 = self._l2
        if l2 is None or data is None:
            return
        message = encode_message(Message(self.origin, time.time_ns(), keys=((space.name, key),)))
        try:
            await l2.write(
                l2.keys.entry(space.name, key),
                data,
                max(1, int(ttl_s * 1000)),
                tags,
                [l2.keys.key_version(space.name, key)],
                message,
            )
        except L2Unavailable:
            self._remember_pending([(space.name, key)], ())
            return
        self.metrics.invalidations_sent += 1

    async def get_or_load(
        self,
        space: _Namespace,
        key: str,
        loader: Loader[Any],
        codec: Codec[Any],
        tags: tuple[str, ...],
    ) -> Any:
        found = self._lookup_l1(space, key, codec)
        if found is not MISS:
            return found
        flight_key = (space.name, key)
        flight = self._flights.get(flight_key)
        if flight is None or self._log.is_stale(flight.generation, flight.names):
            tag_names = tuple(_tag_name(tag) for tag in tags)
            names = (_key_name(space.name, key), *tag_names)
            generation = self._begin_fill(space.name, key)
            task = asyncio.create_task(
                self._fill(space, key, loader, codec, tags, tag_names, names, generation)
            )
            flight = _Flight(generation, names, task)
            self._flights[flight_key] = flight
            task.add_done_callback(self._landed(flight_key, flight))
        payload = await asyncio.shield(flight.task)
        return self._materialize(payload, codec)

    def _begin_fill(self, namespace: str, key: str) -> int:
        filling = self._filling
        fill_key = (namespace, key)
        filling[fill_key] = filling.get(fill_key, 0) + 1
        return self._log.begin()

    def _end_fill(self, namespace: str, key: str, generation: int) -> None:
        self._log.end(generation)
        fill_key = (namespace, key)
        left = self._filling[fill_key] - 1
        if left:
            self._filling[fill_key] = left
        else:
            del self._filling[fill_key]

    def _landed(self, flight_key: tuple[str, str], flight: _Flight) -> Callable[[Any], None]:
        def done(task: asyncio.Task[Any]) -> None:
            if self._flights.get(flight_key) is flight:
                del self._flights[flight_key]
            self._end_fill(flight_key[0], flight_key[1], flight.generation)
            if not task.cancelled():
                task.exception()  # retrieved by every waiter; marked here for the abandoned case

        return done

    async def _fill(
        self,
        space: _Namespace,
        key: str,
        loader: Loader[Any],
        codec: Codec[Any],
        tags: tuple[str, ...],
        tag_names: tuple[str, ...],
        names: tuple[str, ...],
        generation: int,
    ) -> Any:
        l2 = self._l2
        expected: list[Any] | None = None
        lock: tuple[str, str] | None = None
        version_keys: list[str] = []
        entry_key = ""
        if l2 is not None:
            entry_key = l2.keys.entry(space.name, key)
            version_keys = [l2.keys.key_version(space.name, key)]
            version_keys += [l2.keys.tag_version(tag) for tag in tags]
            try:
                data, pttl, expected = await l2.lookup(entry_key, version_keys)
                if data is not None and pttl != -2:
                    payload = self._accept_l2(space, key, data, pttl, codec, generation)
                    if payload is not None:
                        return payload
                space.counts.l2_misses += 1
                lock, payload = await self._lock_or_wait(l2, space, key, codec, generation)
                if payload is not None:
                    return payload
            except L2Unavailable:
                expected = None
        try:
            started = time.perf_counter()
            try:
                value = await loader()
            finally:
                self.metrics.loader_seconds.labels(space.name).observe(
                    time.perf_counter() - started
                )
        except BaseException:
            if lock is not None and l2 is not None:
                await self._release_quietly(l2, lock)
            raise
        payload, data = self._prepare(value, codec, tags)
        ttl_s = self._ttl_s(space, value is None)
        self._store_l1(space, key, payload, generation, tag_names, names, ttl_s)
        if l2 is not None and expected is not None and data is not None:
            try:
                stored = await l2.fill(
                    entry_key, data, max(1, int(ttl_s * 1000)), tags, version_keys, expected, lock
                )
            except L2Unavailable:
                pass  # lock, if any, expires on its own
            else:
                if not stored:
                    space.counts.stale_fills += 1
        return payload

    async def _lock_or_wait(
        self,
        l2: RedisTier,
        space: _Namespace,
        key: str,
        codec: Codec[Any],
        generation: int,
    ) -> tuple[tuple[str, str] | None, Any]:
        """Take the fill lock (-> (lock, None)), or wait for the holder's value (-> (None,
        payload)); after `lock_wait_s`, give up waiting (-> (None, None)) and load here."""
        settings = self.settings
        entry_key = l2.keys.entry(space.name, key)
        lock_key = l2.keys.lock(space.name, key)
        token = uuid.uuid4().hex
        lock_ttl_ms = max(1, int(settings.lock_ttl_s * 1000))
        deadline = time.monotonic() + settings.lock_wait_s
        delay = settings.lock_poll_s
        while True:
            acquired, data, pttl = await l2.lock_or_get(entry_key, lock_key, token, lock_ttl_ms)
            if data is not None and pttl != -2:
                payload = self._accept_l2(space, key, data, pttl, codec, generation)
                if payload is not None:
                    if acquired:
                        await l2.release(lock_key, token)
                    return None, payload
            if acquired:
                return (lock_key, token), None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.metrics.lock_wait_timeouts += 1
                log.warning(
                    "cache fill lock wait ran out; loading here",
                    namespace=space.name,
                    key=key,
                    waited_s=settings.lock_wait_s,
                )
                return None, None
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, settings.lock_poll_s * 10)

    async def _release_quietly(self, l2: RedisTier, lock: tuple[str, str]) -> None:
        # When Redis fails here, the lock expires after lock_ttl_s.
        with contextlib.suppress(L2Unavailable):
            await l2.release(*lock)

    # -- invalidation ----------------------------------------------------------------------

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
        self._apply(key_list, tag_list)
        l2 = self._l2
        if l2 is None:
            return
        try:
            await self._send(l2, key_list, tag_list, clear=False)
        except L2Unavailable:
            self._remember_pending(key_list, tag_list)
        # A fill that started while the invalidation was on its way may have read the old entry
        # from Redis before Redis dropped it: drop again what such a fill kept.
        self._apply(key_list, tag_list)

    async def invalidate_tags(self, *tags: str) -> None:
        await self.invalidate(tags=tags)

    async def _send(
        self, l2: RedisTier, keys: list[tuple[str, str]], tags: list[str], *, clear: bool
    ) -> None:
        message = encode_message(
            Message(self.origin, time.time_ns(), keys=tuple(keys), tags=tuple(tags), clear=clear)
        )
        entry_keys = [l2.keys.entry(ns, key) for ns, key in keys]
        version_keys = [l2.keys.key_version(ns, key) for ns, key in keys]
        version_keys += [l2.keys.tag_version(tag) for tag in tags]
        await l2.invalidate(entry_keys, version_keys, tags, message)
        self.metrics.invalidations_sent += 1

    def _apply(self, keys: Iterable[tuple[str, str]], tags: Iterable[str]) -> None:
        keys = list(keys)
        filling = self._filling
        names = [_key_name(ns, key) for ns, key in keys if (ns, key) in filling]
        names += [_tag_name(tag) for tag in tags]
        if names:
            self._log.record(names)
        for ns, key in keys:
            space = self._spaces.get(ns)
            if space is not None:
                space.store.delete(key)

    def clear_l1(self) -> None:
        """Forget everything in this process's L1; running fills will not be stored."""
        self._log.raise_floor()
        for space in self._spaces.values():
            space.store.clear()

    def _on_message(self, data: bytes) -> None:
        try:
            message = decode_message(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("malformed cache invalidation message ignored", error=str(exc))
            return
        if message.origin == self.origin:
            return
        self.metrics.invalidations_received += 1
        self.metrics.invalidation_delay.observe(max(0.0, (time.time_ns() - message.sent_ns) / 1e9))
        if message.clear:
            self.clear_l1()
        else:
            self._apply(message.keys, message.tags)
        for hook in self._hooks:
            hook(message)

    def _on_subscribed(self, reconnected: bool) -> None:
        # Whatever was published while we were not subscribed is lost: start over.
        self.clear_l1()
        if reconnected:
            log.info("cache invalidation channel reconnected; L1 cleared")
        self._flush_soon()

    # -- invalidations that could not be sent ----------------------------------------------

    def _remember_pending(self, keys: Iterable[tuple[str, str]], tags: Iterable[str]) -> None:
        self._flush_soon()  # runs once this returns, with what is added here
        limit = self.settings.pending_invalidations
        for key in keys:
            if len(self._pending_keys) + len(self._pending_tags) >= limit:
                self._lose_pending()
                return
            self._pending_keys[key] = None
        for tag in tags:
            if len(self._pending_keys) + len(self._pending_tags) >= limit:
                self._lose_pending()
                return
            self._pending_tags[tag] = None

    def _lose_pending(self) -> None:
        if not self._pending_lost:
            log.error(
                "too many cache invalidations while Redis is down; every L1 will be cleared at "
                "recovery, Redis entries may stay stale until their TTL",
                limit=self.settings.pending_invalidations,
            )
        self._pending_lost = True
        self.metrics.lost_invalidations += 1

    def _blocked_by_pending(self, ns: str, key: str, tags: tuple[str, ...]) -> bool:
        if not self._pending_keys and not self._pending_tags and not self._pending_lost:
            return False
        if self._pending_lost or (ns, key) in self._pending_keys:
            return True
        return any(tag in self._pending_tags for tag in tags)

    def _flush_soon(self) -> None:
        """Start sending the pending invalidations (if any), unless that is under way."""
        if any(task.get_name() == "reelhouse-cache-flush" for task in self._background):
            return
        task = asyncio.get_running_loop().create_task(
            self._flush_pending(), name="reelhouse-cache-flush"
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _flush_pending(self) -> None:
        """Send what could not be sent, trying again every `retry_after_s` until it goes: a
        process that makes no other Redis call must not leave other processes' reads stale."""
        while (l2 := self._l2) is not None and (
            self._pending_keys or self._pending_tags or self._pending_lost
        ):
            keys = list(self._pending_keys)
            tags = list(self._pending_tags)
            lost = self._pending_lost
            try:
                if keys or tags:
                    await self._send(l2, keys, tags, clear=False)
                if lost:
                    await self._send(l2, [], [], clear=True)
            except L2Unavailable:
                await asyncio.sleep(l2.retry_after_s)
                continue
            for key in keys:
                self._pending_keys.pop(key, None)
            for tag in tags:
                self._pending_tags.pop(tag, None)
            if lost:
                self._pending_lost = False
            log.info(
                "cache invalidations made during the outage sent", keys=len(keys), tags=len(tags)
            )


class CacheNamespace(Generic[T]):
    """One namespace of the cache, with values of type `T` (a msgspec type, a builtin, a
    dataclass or a pydantic model). `None` as a value means 'not found' and is remembered for the
    namespace's `negative_ttl_s`."""

    __slots__ = ("_cache", "_codec", "_space", "name")

    def __init__(self, cache: Cache, space: _Namespace, codec: Codec[T]) -> None:
        self._cache = cache
        self._space = space
        self._codec = codec
        self.name = space.name

    def get_local(self, key: str | int) -> T | Miss | None:
        """The L1 alone, without awaiting: the value, None ('not found'), or MISS."""
        found: T | Miss | None = self._cache._lookup_l1(self._space, str(key), self._codec)
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
