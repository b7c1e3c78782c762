"""Invalidation: dropping keys and tags here, in Redis, and in every other process's L1.

An invalidation is applied to this L1 at once, then sent: Redis bumps the invalidation counters of
the keys and tags, deletes their entries and publishes a `Message` that the other processes apply
to their L1s. One that cannot be sent (Redis down or slow) waits in `PendingInvalidations` and is
sent again, on its own, until it goes. Messages missed while the channel was down cannot be known,
so every (re)subscription clears the L1.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

import msgspec

from reelhouse.infra.cache.l2 import L2Unavailable, RedisTier
from reelhouse.infra.cache.messages import Message, decode_message, encode_message
from reelhouse.infra.cache.metrics import CacheMetrics
from reelhouse.infra.cache.pending import PendingInvalidations
from reelhouse.infra.cache.tiers import Tiers
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

InvalidationHook = Callable[[Message], None]


class Invalidations:
    def __init__(
        self,
        tiers: Tiers,
        pending: PendingInvalidations,
        *,
        origin: str,
        metrics: CacheMetrics,
    ) -> None:
        self._tiers = tiers
        self._pending = pending
        self._origin = origin
        self._metrics = metrics
        self.hooks: list[InvalidationHook] = []
        self._background: set[asyncio.Task[None]] = set()

    def running(self) -> list[asyncio.Task[None]]:
        return list(self._background)

    async def invalidate(self, keys: list[tuple[str, str]], tags: list[str]) -> None:
        self._tiers.drop(keys, tags)
        l2 = self._tiers.l2
        if l2 is None:
            return
        try:
            await self._send(l2, keys, tags, clear=False)
        except L2Unavailable:
            self.remember(keys, tags)
        # A fill that started while the invalidation was on its way may have read the old entry
        # from Redis before Redis dropped it: drop again what such a fill kept.
        self._tiers.drop(keys, tags)

    def message(
        self, keys: Iterable[tuple[str, str]] = (), tags: Iterable[str] = (), *, clear: bool = False
    ) -> bytes:
        """This process's message about `keys` and `tags`, encoded for the channel."""
        return encode_message(
            Message(self._origin, time.time_ns(), keys=tuple(keys), tags=tuple(tags), clear=clear)
        )

    async def _send(
        self, l2: RedisTier, keys: list[tuple[str, str]], tags: list[str], *, clear: bool
    ) -> None:
        message = self.message(keys, tags, clear=clear)
        entry_keys = [l2.keys.entry(ns, key) for ns, key in keys]
        version_keys = [l2.keys.key_version(ns, key) for ns, key in keys]
        version_keys += [l2.keys.tag_version(tag) for tag in tags]
        await l2.invalidate(entry_keys, version_keys, tags, message)
        self._metrics.invalidations_sent += 1

    # -- from the other processes ------------------------------------------------------------

    def on_message(self, data: bytes) -> None:
        try:
            message = decode_message(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("malformed cache invalidation message ignored", error=str(exc))
            return
        if message.origin == self._origin:
            return
        metrics = self._metrics
        metrics.invalidations_received += 1
        metrics.invalidation_delay.observe(max(0.0, (time.time_ns() - message.sent_ns) / 1e9))
        if message.clear:
            self._tiers.clear_l1()
        else:
            self._tiers.drop(message.keys, message.tags)
        for hook in self.hooks:
            hook(message)

    def on_subscribed(self, reconnected: bool) -> None:
        # Whatever was published while we were not subscribed is lost: start over.
        self._tiers.clear_l1()
        if reconnected:
            log.info("cache invalidation channel reconnected; L1 cleared")
        self.flush_soon()

    # -- invalidations that could not be sent ------------------------------------------------

    def remember(self, keys: Iterable[tuple[str, str]], tags: Iterable[str]) -> None:
        self.flush_soon()  # runs once this returns, with what is added here
        self._pending.add(keys, tags)

    def flush_soon(self) -> None:
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
        pending = self._pending
        while (l2 := self._tiers.l2) is not None and pending:
            keys = list(pending.keys)
            tags = list(pending.tags)
            lost = pending.lost
            try:
                if keys or tags:
                    await self._send(l2, keys, tags, clear=False)
                if lost:
                    await self._send(l2, [], [], clear=True)
            except L2Unavailable:
                await asyncio.sleep(l2.retry_after_s)
                continue
            pending.sent(keys, tags, lost=lost)
            log.info(
                "cache invalidations made during the outage sent", keys=len(keys), tags=len(tags)
            )
