"""The pub/sub side of the Redis tier: the subscription that brings other processes'
invalidations to this process's L1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from reelhouse.infra.cache.l2 import FAILURES, RedisTier
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


class Listener:
    """Keeps a subscription to the invalidation channel alive.

    A heartbeat (PING on the subscribed connection) every `pubsub_ping_s` detects a silent drop.
    After any drop the listener calls `on_lost` and reconnects every `retry_after_s`, and each
    (re)subscription calls `on_subscribed`, which clears the L1: messages sent meanwhile were
    missed. Every answer on the subscription shows Redis is back, should a failed call have
    marked it down (so the cache does not wait for a call of its own to find out).
    """

    def __init__(
        self,
        tier: RedisTier,
        ping_s: float,
        on_message: Callable[[bytes], None],
        on_subscribed: Callable[[bool], None],
        on_lost: Callable[[], None] = lambda: None,
    ) -> None:
        self._tier = tier
        self._ping_s = ping_s
        self._on_message = on_message
        self._on_subscribed = on_subscribed
        self._on_lost = on_lost
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reelhouse-cache-invalidations")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None

    async def _run(self) -> None:
        tier = self._tier
        ever = False
        while True:
            pubsub = tier.pubsub_client.pubsub()
            try:
                await self._subscribe(pubsub)
                if ever:
                    self._tier.metrics.pubsub_reconnects += 1
                self._on_subscribed(ever)
                ever = True
                self.connected.set()
                tier.succeeded()
                await self._listen(pubsub)
            except FAILURES as exc:
                self._lost()
                tier.failed(exc, "subscribe")
            except Exception:
                # A bug, not an outage: report it, and keep the channel alive all the same.
                self._lost()
                log.exception("cache invalidation listener failed; resubscribing")
            finally:
                await _close_quietly(pubsub, tier.timeout_s)
            await asyncio.sleep(tier.retry_after_s)

    def _lost(self) -> None:
        if self.connected.is_set():
            self.connected.clear()
            self._on_lost()

    async def _subscribe(self, pubsub: Any) -> None:
        tier = self._tier
        async with asyncio.timeout(tier.timeout_s):
            await pubsub.subscribe(tier.keys.channel)
            reply = await pubsub.get_message(timeout=tier.timeout_s)
        if reply is None or reply.get("type") != "subscribe":
            raise TimeoutError("no subscribe confirmation")

    async def _listen(self, pubsub: Any) -> None:
        tier = self._tier
        last_heard = time.monotonic()
        next_ping = last_heard + self._ping_s
        while True:
            now = time.monotonic()
            if now >= next_ping:
                await pubsub.ping()
                next_ping = now + self._ping_s
            if now - last_heard > self._ping_s + 2 * tier.timeout_s:
                raise TimeoutError("invalidation channel heartbeat lost")
            wait = max(0.0, min(next_ping - now, self._ping_s))
            message = await pubsub.get_message(timeout=wait)
            if message is None:
                continue
            last_heard = time.monotonic()
            if not tier.up:
                tier.succeeded()
            if message.get("type") == "message":
                self._on_message(message["data"])


async def _close_quietly(pubsub: Any, timeout_s: float) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            await pubsub.aclose()
    except FAILURES as exc:
        log.debug("closing the invalidation subscription failed", error=str(exc))
