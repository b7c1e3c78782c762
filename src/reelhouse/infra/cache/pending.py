"""The invalidations that could not reach Redis yet, remembered until they can be sent.

While one waits, no entry read from Redis that it drops is accepted into this L1. The memory is
bounded: past `cache.pending_invalidations` the invalidations are lost as such, which blocks every
Redis read and, at recovery, clears every process's L1 instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from reelhouse.infra.cache.metrics import CacheMetrics
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


class PendingInvalidations:
    def __init__(self, limit: int, metrics: CacheMetrics) -> None:
        self._limit = limit
        self._metrics = metrics
        self.keys: dict[tuple[str, str], None] = {}
        self.tags: dict[str, None] = {}
        self.lost = False

    def __bool__(self) -> bool:
        return bool(self.keys or self.tags or self.lost)

    def add(self, keys: Iterable[tuple[str, str]], tags: Iterable[str]) -> None:
        for key in keys:
            if len(self.keys) + len(self.tags) >= self._limit:
                self._lose()
                return
            self.keys[key] = None
        for tag in tags:
            if len(self.keys) + len(self.tags) >= self._limit:
                self._lose()
                return
            self.tags[tag] = None

    def blocks(self, namespace: str, key: str, tags: tuple[str, ...]) -> bool:
        """True when an entry read from Redis may be one that a waiting invalidation drops."""
        if not self.keys and not self.tags and not self.lost:
            return False
        if self.lost or (namespace, key) in self.keys:
            return True
        return any(tag in self.tags for tag in tags)

    def sent(self, keys: Iterable[tuple[str, str]], tags: Iterable[str], *, lost: bool) -> None:
        """Forget what went out (what was added meanwhile stays)."""
        for key in keys:
            self.keys.pop(key, None)
        for tag in tags:
            self.tags.pop(tag, None)
        if lost:
            self.lost = False

    def _lose(self) -> None:
        if not self.lost:
            log.error(
                "too many cache invalidations while Redis is down; every L1 will be cleared at "
                "recovery, Redis entries may stay stale until their TTL",
                limit=self._limit,
            )
        self.lost = True
        self._metrics.lost_invalidations += 1
