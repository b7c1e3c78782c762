"""Viewing history from Kodi NFO files into one user's watch state (`watch.nfo_import_user`).

After each unit it stores, the ingest pipeline hands over what the unit's NFO files say of its
movies and episodes (`ItemWatch`: Kodi's play count, last played time and resume point). That
becomes the user's state of the item unless the state holds something newer: a state that says
anything of watching the item (played, a play count, a resume point, a last play) and that
reelhouse wrote, or that was last played or paused, no earlier than the NFO's `lastplayed` is
kept, and so is any such state when the NFO gives no date. Favourites and ratings are never
touched. So a rescan or a refresh imports nothing twice and never undoes what the user did
here, while an NFO that Kodi rewrote after a later viewing brings that viewing in.

A `lastplayed` is a wall-clock time in a zone the file does not name: it counts as newer than a
stored time only when it is newer in every zone (by more than `MAX_UTC_OFFSET`), and a stored
last play is never later than the moment of the import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from reelhouse.config import WatchSettings
from reelhouse.content.enrichment import ItemWatch
from reelhouse.content.metadata.models import MAX_UTC_OFFSET, LocalWatch
from reelhouse.infra.cache import Cache
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.logging import get_logger
from reelhouse.users.repository import UserRepository
from reelhouse.watch.repository import StateWrite, StoredState, WatchRepository
from reelhouse.watch.tags import watch_user_tag

log = get_logger(__name__)


class NfoWatchImport:
    """What the pipeline's jobs import NFO viewing history through (wired by the composition
    root)."""

    def __init__(self, database: Database, cache: Cache, settings: WatchSettings) -> None:
        self.database = database
        self.cache = cache
        self.settings = settings

    def begin(self) -> NfoWatchImportRun:
        return NfoWatchImportRun(self.database, self.cache, self.settings.nfo_import_user)


class NfoWatchImportRun:
    """The imports of one job: the user is looked up once, and a name that is no user's is
    reported once."""

    def __init__(self, database: Database, cache: Cache, username: str) -> None:
        self.database = database
        self.cache = cache
        self.username = username
        self._lookup = asyncio.Lock()
        self._looked_up = False
        self._user_id: int | None = None

    async def apply(self, found: Sequence[ItemWatch]) -> None:
        """Write the NFO history of these items as the user's state where it is newer, then
        drop the user's cached watch reads."""
        if not self.username or not found:
            return
        user_id = await self._user()
        if user_id is None:
            return
        latest: dict[int, LocalWatch] = {}
        for entry in found:  # an item with several files with NFOs: the latest one
            kept = latest.get(entry.item_id)
            if kept is None or _when(entry.watch) > _when(kept):
                latest[entry.item_id] = entry.watch
        now = utcnow()
        async with self.database.transaction() as session:
            repo = WatchRepository(session)
            stored = await repo.states(user_id, latest)
            writes = [
                write
                for item_id, watch in sorted(latest.items())
                if (write := imported(user_id, item_id, watch, stored.get(item_id), now))
            ]
            await repo.write_states(writes)
        if writes:
            log.info("NFO viewing history imported", user_id=user_id, items=len(writes))
            await self.cache.invalidate(tags=[watch_user_tag(user_id)])

    async def _user(self) -> int | None:
        async with self._lookup:
            if not self._looked_up:
                async with self.database.read() as session:
                    user = await UserRepository(session).find_by_username(self.username)
                self._user_id = user.id if user is not None else None
                self._looked_up = True
                if user is None:
                    log.warning(
                        "NFO viewing history not imported: watch.nfo_import_user is no user",
                        username=self.username,
                    )
            return self._user_id


def imported(
    user_id: int, item_id: int, watch: LocalWatch, before: StoredState | None, now: datetime
) -> StateWrite | None:
    """The state an NFO's history makes of the stored one; None to keep what is stored."""
    if not watch.says_anything:
        return None
    dated = watch.last_played
    holds = before is not None and _holds_watch(before)
    if before is not None and holds:
        if dated is None:
            return None  # an undated history is never known to be newer
        times = (before.last_played_at, before.position_at, before.updated_at)
        newest = max((t for t in times if t is not None), default=None)
        if newest is not None and dated - MAX_UTC_OFFSET <= newest:
            return None
    position_ms = watch.position_ms
    if not watch.played and position_ms is None and not holds:
        return None  # "not played", of an item the user has no history of: nothing to write
    at = min(dated, now) if dated is not None else None
    return StateWrite(
        user_id,
        item_id,
        position_ms=position_ms,
        position_at=(at or now) if position_ms is not None else None,
        played=watch.played,
        play_count=max(watch.play_count or 0, 1) if watch.played else 0,
        last_played_at=at if watch.played else (before.last_played_at if before else None),
    )


def _holds_watch(state: StoredState) -> bool:
    """Whether a state says anything of watching (not only a favourite or a rating)."""
    return (
        state.played
        or state.play_count > 0
        or state.position_ms is not None
        or state.last_played_at is not None
    )


def _when(watch: LocalWatch) -> float:
    return watch.last_played.timestamp() if watch.last_played is not None else float("-inf")
