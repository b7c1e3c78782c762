"""Filling a missing entry: one loader call per key, in this process and, with Redis, across them.

Concurrent misses of a key in this process share one flight (one loader call; a waiter that is
cancelled does not cancel it). With Redis, the flight first reads the entry there, then takes a
short lock so that the other processes wait for its value rather than load it too (a bounded wait:
after `lock_wait_s` they load it themselves). A flight that an invalidation overtook is not joined
by later misses, and its value is stored in neither tier. A namespace that bypasses the L1 (it
requires invalidation, and this process cannot hear it now) calls the loader for every miss, and
keeps nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from reelhouse.config import CacheSettings
from reelhouse.infra.cache.codec import Codec
from reelhouse.infra.cache.l2 import L2Unavailable, RedisTier
from reelhouse.infra.cache.metrics import CacheMetrics
from reelhouse.infra.cache.tiers import MISS, Namespace, Tiers, key_name, tag_name
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")

Loader = Callable[[], Awaitable[T | None]]


@dataclass(slots=True)
class _Flight:
    generation: int
    names: tuple[str, ...]
    task: asyncio.Task[Any]


class Fills:
    def __init__(self, tiers: Tiers, settings: CacheSettings, metrics: CacheMetrics) -> None:
        self._tiers = tiers
        self._settings = settings
        self._metrics = metrics
        self._flights: dict[tuple[str, str], _Flight] = {}

    def running(self) -> list[asyncio.Task[Any]]:
        return [flight.task for flight in self._flights.values()]

    async def get_or_load(
        self,
        space: Namespace,
        key: str,
        loader: Loader[Any],
        codec: Codec[Any],
        tags: tuple[str, ...],
    ) -> Any:
        tiers = self._tiers
        found = tiers.lookup_l1(space, key, codec)
        if found is not MISS:
            return found
        if space.bypass:
            return await self._load(space, loader)
        flight_key = (space.name, key)
        flight = self._flights.get(flight_key)
        if flight is None or tiers.log.is_stale(flight.generation, flight.names):
            tag_names = tuple(tag_name(tag) for tag in tags)
            names = (key_name(space.name, key), *tag_names)
            generation = tiers.begin_fill(space.name, key)
            task = asyncio.create_task(
                self._fill(space, key, loader, codec, tags, tag_names, names, generation)
            )
            flight = _Flight(generation, names, task)
            self._flights[flight_key] = flight
            task.add_done_callback(self._landed(flight_key, flight))
        payload = await asyncio.shield(flight.task)
        return tiers.materialize(payload, codec)

    def _landed(self, flight_key: tuple[str, str], flight: _Flight) -> Callable[[Any], None]:
        def done(task: asyncio.Task[Any]) -> None:
            if self._flights.get(flight_key) is flight:
                del self._flights[flight_key]
            self._tiers.end_fill(flight_key[0], flight_key[1], flight.generation)
            if not task.cancelled():
                task.exception()  # retrieved by every waiter; marked here for the abandoned case

        return done

    async def _fill(
        self,
        space: Namespace,
        key: str,
        loader: Loader[Any],
        codec: Codec[Any],
        tags: tuple[str, ...],
        tag_names: tuple[str, ...],
        names: tuple[str, ...],
        generation: int,
    ) -> Any:
        tiers = self._tiers
        l2 = tiers.l2
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
                    payload = tiers.accept_l2(space, key, data, pttl, codec, generation)
                    if payload is not None:
                        return payload
                space.counts.l2_misses += 1
                lock, payload = await self._lock_or_wait(l2, space, key, codec, generation)
                if payload is not None:
                    return payload
            except L2Unavailable:
                expected = None
        try:
            value = await self._load(space, loader)
        except BaseException:
            if lock is not None and l2 is not None:
                await self._release_quietly(l2, lock)
            raise
        payload, data = tiers.prepare(value, codec, tags)
        ttl_s = tiers.ttl_s(space, value is None)
        tiers.store_l1(space, key, payload, generation, tag_names, names, ttl_s)
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

    async def _load(self, space: Namespace, loader: Loader[Any]) -> Any:
        started = time.perf_counter()
        try:
            return await loader()
        finally:
            self._metrics.loader_seconds.labels(space.name).observe(time.perf_counter() - started)

    async def _lock_or_wait(
        self,
        l2: RedisTier,
        space: Namespace,
        key: str,
        codec: Codec[Any],
        generation: int,
    ) -> tuple[tuple[str, str] | None, Any]:
        """Take the fill lock (-> (lock, None)), or wait for the holder's value (-> (None,
        payload)); after `lock_wait_s`, give up waiting (-> (None, None)) and load here."""
        settings = self._settings
        entry_key = l2.keys.entry(space.name, key)
        lock_key = l2.keys.lock(space.name, key)
        token = uuid.uuid4().hex
        lock_ttl_ms = max(1, int(settings.lock_ttl_s * 1000))
        deadline = time.monotonic() + settings.lock_wait_s
        delay = settings.lock_poll_s
        while True:
            acquired, data, pttl = await l2.lock_or_get(entry_key, lock_key, token, lock_ttl_ms)
            if data is not None and pttl != -2:
                payload = self._tiers.accept_l2(space, key, data, pttl, codec, generation)
                if payload is not None:
                    if acquired:
                        await l2.release(lock_key, token)
                    return None, payload
            if acquired:
                return (lock_key, token), None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._metrics.lock_wait_timeouts += 1
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
