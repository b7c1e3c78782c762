"""Whether this process hears every invalidation right now, and what follows when it does not.

With Redis configured, another process's invalidation reaches this L1 only through Redis: while
Redis does not answer, or the subscription to the invalidation channel is lost (and until it is
back, which clears the L1), a write elsewhere — a revoked token, a removed library grant — can
leave this L1 stale for a whole outage. The namespaces that require invalidation
(`requires_invalidation`, on for `auth`) are then not served from the L1 at all: their reads go to
the loader, and nothing is kept. When the channel is healthy again, their L1 is cleared before it
is used, since what it held may have been dropped elsewhere meanwhile.

Without Redis there is no other process to hear (see `reelhouse.infra.db.sole_process`, which
keeps it so on SQLite), and the channel counts as healthy.
"""

from __future__ import annotations

from reelhouse.infra.cache.l2 import RedisTier
from reelhouse.infra.cache.tiers import Tiers
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


class ChannelHealth:
    def __init__(self, tiers: Tiers, l2: RedisTier | None) -> None:
        self._tiers = tiers
        self._l2 = l2
        self._subscribed = False
        self._was_healthy = False  # the first subscription is no recovery worth a log line
        self.healthy = l2 is None
        if not self.healthy:
            tiers.bypass_guarded()  # until the first subscription

    def subscribed(self) -> None:
        self._subscribed = True
        self.update()

    def lost(self) -> None:
        self._subscribed = False
        self.update()

    def update(self) -> None:
        """Called on every change of the subscription or of Redis's health."""
        l2 = self._l2
        healthy = l2 is None or (self._subscribed and l2.up)
        if healthy == self.healthy:
            return
        self.healthy = healthy
        names = [space.name for space in self._tiers.guarded]
        if healthy:
            self._tiers.resume_guarded()
            if names and self._was_healthy:
                log.info("invalidations heard again; L1 cleared and used again", namespaces=names)
            self._was_healthy = True
        else:
            self._tiers.bypass_guarded()
            if names:
                log.warning(
                    "invalidations may be missed: namespaces that require them read the "
                    "database until the channel is back",
                    namespaces=names,
                )
