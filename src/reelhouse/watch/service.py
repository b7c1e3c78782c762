"""Each user's watch state: writes (progress through group commit, marks, favourites, ratings)
and the reads made of it, cached per user in the two-tier cache (house rule 2).

Every cached read is tagged with its user, so that user's writes drop it on every process, and
with the items it shows (Next Up: with every series it looked into), so that the catalogue's own
invalidation drops it when one of them changes: a new episode appears in Next Up at once, an
item whose file was deleted leaves Continue Watching.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from reelhouse.config import WatchSettings
from reelhouse.content.catalogue.invalidation import LIBRARY_GRANTS_TAG, item_tag
from reelhouse.content.reads.items import can_see
from reelhouse.content.reads.views import ItemView
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.cache import Cache, CacheNamespace
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.logging import get_logger
from reelhouse.kinds import PLAYABLE_KINDS
from reelhouse.watch.batching import GroupCommit
from reelhouse.watch.repository import (
    PARENT_KINDS,
    ItemFacts,
    StateWrite,
    StoredState,
    WatchRepository,
)
from reelhouse.watch.rules import progress_of
from reelhouse.watch.tags import watch_user_tag
from reelhouse.watch.views import HistoryEntry, MonthStats, UserState, WatchedItem, WatchStats

WATCH_NAMESPACE = "watch"
#: Most items one of a user's lists (Continue Watching, Next Up...) returns, in every API.
MAX_LIST = 100
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ProgressReport:
    user_id: int
    item_id: int
    position_ms: int
    stopped: bool
    #: The libraries the reporting caller may see (None: all).
    visible: frozenset[int] | None


class WatchService:
    def __init__(self, database: Database, cache: Cache, settings: WatchSettings) -> None:
        self.database = database
        self.cache = cache
        self.settings = settings
        self._lists: CacheNamespace[tuple[WatchedItem, ...]] = cache.namespace(
            WATCH_NAMESPACE, tuple[WatchedItem, ...]
        )
        self._counts: CacheNamespace[dict[int, int]] = cache.namespace(
            WATCH_NAMESPACE, dict[int, int]
        )
        self._facts: CacheNamespace[ItemFacts] = cache.namespace(WATCH_NAMESPACE, ItemFacts)
        self._states: CacheNamespace[dict[int, UserState]] = cache.namespace(
            WATCH_NAMESPACE, dict[int, UserState]
        )
        self._ids: CacheNamespace[tuple[int, ...]] = cache.namespace(
            WATCH_NAMESPACE, tuple[int, ...]
        )
        self._progress: GroupCommit[tuple[int, int], ProgressReport] = GroupCommit(
            self._write_progress,
            window_s=settings.progress_batch_window_s,
            max_batch=settings.progress_batch_max,
        )

    async def close(self) -> None:
        """Write the progress reports still held (the process is stopping)."""
        await self._progress.drain()

    # -- writes ----------------------------------------------------------------------------

    async def report_progress(
        self,
        user_id: int,
        visible: frozenset[int] | None,
        item_id: int,
        position_s: float,
        *,
        stopped: bool,
    ) -> None:
        """A player's position in a movie or episode. While playing, a position too early to
        resume from leaves the stored resume point alone (a player starts at 0, then seeks);
        stopped there, it clears it. Returns once the report is stored; the item is checked
        in its batch (`NotFoundError` for one the caller may not see, `InvalidInputError` for
        a season or series), so that a report costs no read of its own."""
        report = ProgressReport(user_id, item_id, round(position_s * 1000), stopped, visible)
        await self._progress.submit((user_id, item_id), report)

    async def set_played(
        self, user_id: int, visible: frozenset[int] | None, item_id: int, *, played: bool
    ) -> None:
        """Mark an item played (or unplayed); a season or series marks all of its episodes
        in one statement."""
        facts = await self._item(item_id, visible)
        now = utcnow()
        async with self.database.transaction() as session:
            repo = WatchRepository(session)
            if facts.kind in PARENT_KINDS:
                await repo.mark_episodes(user_id, item_id, played=played, at=now)
            else:
                items = {item_id} | (await repo.sharing_files([item_id])).get(item_id, set())
                before = await repo.states(user_id, items)
                await repo.write_states(
                    [_marked(user_id, i, before.get(i), played=played, at=now) for i in items]
                )
                if played:
                    await repo.record_played([(user_id, i) for i in sorted(items)], now)
        await self._changed([user_id])

    async def set_favourite(
        self, user_id: int, visible: frozenset[int] | None, item_id: int, *, favourite: bool
    ) -> None:
        await self._item(item_id, visible)
        async with self.database.transaction() as session:
            await WatchRepository(session).set_flag(user_id, item_id, favourite=favourite)
        await self._changed([user_id])

    async def set_rating(
        self, user_id: int, visible: frozenset[int] | None, item_id: int, rating: float | None
    ) -> None:
        await self._item(item_id, visible)
        async with self.database.transaction() as session:
            await WatchRepository(session).set_flag(user_id, item_id, rating=rating)
        await self._changed([user_id])

    async def _write_progress(
        self, reports: list[ProgressReport]
    ) -> dict[tuple[int, int], Exception]:
        """One transaction for a batch of reports: each checked against its item and the
        rules applied to it with the item's runtime and its stored state; the refused ones'
        errors by key."""
        now = utcnow()
        refused: dict[tuple[int, int], Exception] = {}
        async with self.database.transaction() as session:
            repo = WatchRepository(session)
            facts = await repo.item_facts({r.item_id for r in reports})
            stored = await repo.states_of_users([(r.user_id, r.item_id) for r in reports])
            writes: list[StateWrite] = []
            finished: list[tuple[int, int]] = []
            for report in reports:
                key = (report.user_id, report.item_id)
                item = facts.get(report.item_id)
                if item is None or not can_see(item.library_id, report.visible):
                    refused[key] = NotFoundError(f"item {report.item_id} does not exist")
                    continue
                if item.kind not in PLAYABLE_KINDS:
                    refused[key] = InvalidInputError(
                        f"a {item.kind} holds no position: report its episodes", field="item_id"
                    )
                    continue
                outcome = self._progressed(report, item, stored.get(key), now)
                if outcome is not None:
                    writes.append(outcome[0])
                    if outcome[1]:
                        finished.append(key)
            # Keyed, so that an episode reported in this batch and finished with its file's
            # other episode is written once (played).
            by_key = {(w.user_id, w.item_id): w for w in writes}
            for write in await self._finished_with_them(repo, finished, now):
                by_key[(write.user_id, write.item_id)] = write
            await repo.write_states(list(by_key.values()))
            await repo.record_played(finished, now)
        await self._changed({r.user_id for r in reports})
        return refused

    @staticmethod
    async def _finished_with_them(
        repo: WatchRepository, finished: list[tuple[int, int]], now: datetime
    ) -> list[StateWrite]:
        """The other episodes of the files just finished are finished too (a two-episode
        file); `finished` grows by them."""
        siblings = await repo.sharing_files({item for _, item in finished})
        extra = [(user, other) for user, item in finished for other in siblings.get(item, ())]
        extra = [key for key in dict.fromkeys(extra) if key not in finished]
        stored = await repo.states_of_users(extra)
        finished += extra
        return [_marked(u, i, stored.get((u, i)), played=True, at=now) for u, i in extra]

    def _progressed(
        self, report: ProgressReport, item: ItemFacts, before: StoredState | None, now: datetime
    ) -> tuple[StateWrite, bool] | None:
        """What to store of a report, and whether it finished the item; None for nothing."""
        outcome = progress_of(report.position_ms, item.runtime_ms, self.settings)
        if outcome.clamped:
            log.info(
                "progress position clamped",
                reason=outcome.clamped,
                user_id=report.user_id,
                item_id=report.item_id,
                position_ms=report.position_ms,
                runtime_ms=item.runtime_ms,
            )
        if not outcome.played and outcome.position_ms is None and not report.stopped:
            return None  # too early to resume from, and still playing: keep what is stored
        if outcome.played:
            # Played through: counted once per viewing (the resume point it had, or not played).
            finishing = before is None or not before.played or before.position_ms is not None
            if not finishing:
                return None
            return _marked(report.user_id, report.item_id, before, played=True, at=now), True
        write = StateWrite(
            report.user_id,
            report.item_id,
            position_ms=outcome.position_ms,
            position_at=now if outcome.position_ms is not None else None,
            played=before.played if before else False,
            play_count=before.play_count if before else 0,
            last_played_at=before.last_played_at if before else None,
        )
        return write, False

    async def _changed(self, user_ids: Collection[int]) -> None:
        await self.cache.invalidate(tags=[watch_user_tag(u) for u in sorted(user_ids)])

    async def _item(self, item_id: int, visible: frozenset[int] | None) -> ItemFacts:
        """The item a write is about, if the caller may see it: cached under the item's tag
        (every progress report looks it up; its runtime changes only with the item)."""

        async def load() -> ItemFacts | None:
            async with self.database.read() as session:
                return (await WatchRepository(session).item_facts([item_id])).get(item_id)

        facts = await self._facts.get_or_load(f"facts:{item_id}", load, tags=[item_tag(item_id)])
        if facts is None or not can_see(facts.library_id, visible):
            raise NotFoundError(f"item {item_id} does not exist")
        return facts

    # -- reads -----------------------------------------------------------------------------

    async def playable(self, item_id: int, visible: frozenset[int] | None) -> ItemFacts:
        """A movie or episode the caller may see, as its progress reports will find it (what
        a player opens): `NotFoundError` for a hidden one, `InvalidInputError` for a season or
        series."""
        facts = await self._item(item_id, visible)
        if facts.kind not in PLAYABLE_KINDS:
            raise InvalidInputError(
                f"a {facts.kind} is not played itself: play its episodes", field="item_id"
            )
        return facts

    async def state(self, user_id: int, visible: frozenset[int] | None, item_id: int) -> UserState:
        facts = await self._item(item_id, visible)
        async with self.database.read() as session:
            repo = WatchRepository(session)
            stored = (await repo.states(user_id, [item_id])).get(item_id)
            unplayed = None
            if facts.kind in PARENT_KINDS:
                unplayed = (await repo.unplayed_counts(user_id, [item_id]))[item_id]
        return UserState.of(stored, unplayed)

    async def continue_watching(
        self, user_id: int, visible: frozenset[int] | None, limit: int
    ) -> tuple[WatchedItem, ...]:
        """Items in progress with a present file, most recently watched first."""

        async def load() -> tuple[tuple[WatchedItem, ...], list[str]]:
            async with self.database.read() as session:
                repo = WatchRepository(session)
                found = await repo.in_progress(user_id, visible, limit)
                facts = await repo.item_facts([item.id for item, _ in found])
            watched = (WatchedItem.of(i, state, _runtime(facts, i.id)) for i, state in found)
            return tuple(watched), []

        return await self._cached_list("continue", user_id, visible, limit, load)

    async def next_up(
        self, user_id: int, visible: frozenset[int] | None, limit: int
    ) -> tuple[WatchedItem, ...]:
        """For each series watched lately, the first unplayed episode after the one watched
        last (aired order), the series watched most recently first."""
        since = utcnow() - timedelta(days=self.settings.next_up_max_age_days)
        specials = self.settings.next_up_specials

        async def load() -> tuple[tuple[WatchedItem, ...], list[str]]:
            async with self.database.read() as session:
                repo = WatchRepository(session)
                watched = await repo.watched_series(user_id, since=since, specials=specials)
                following = await repo.next_episodes(
                    [(s, season, number) for s, season, number, _ in watched], visible,
                    specials=specials, unplayed_by=user_id,
                )  # fmt: skip
                chosen = [following[s] for s, *_ in watched if s in following][:limit]
                states = await repo.states(user_id, [e.id for e in chosen])
                facts = await repo.item_facts([e.id for e in chosen])
            found = tuple(
                WatchedItem.of(e, states.get(e.id), _runtime(facts, e.id)) for e in chosen
            )
            # Every series looked into: a new episode of a finished one brings it back.
            return found, [item_tag(series) for series, *_ in watched]

        return await self._cached_list("next", user_id, visible, limit, load)

    async def episode_after(
        self, visible: frozenset[int] | None, episode: ItemView
    ) -> ItemView | None:
        """The episode to offer when `episode` ends: the next one in aired order with a file
        to play, played or not (a player goes on through a series watched again), specials as
        Next Up takes them; None after the last. One indexed read, uncached: a player asks
        once per episode."""
        if episode.series_id is None or episode.index_number is None:
            return None
        after = (episode.series_id, episode.parent_index_number or 0, episode.index_number)
        async with self.database.read() as session:
            found = await WatchRepository(session).next_episodes(
                [after], visible, specials=self.settings.next_up_specials, unplayed_by=None
            )
        following = found.get(episode.series_id)
        return ItemView.of(following) if following is not None else None

    async def recently_watched(
        self, user_id: int, visible: frozenset[int] | None, limit: int
    ) -> tuple[WatchedItem, ...]:
        async def load() -> tuple[tuple[WatchedItem, ...], list[str]]:
            async with self.database.read() as session:
                found = await WatchRepository(session).recently_played(user_id, visible, limit)
            return tuple(WatchedItem.of(item, state) for item, state in found), []

        return await self._cached_list("recent", user_id, visible, limit, load)

    async def favourites(
        self, user_id: int, visible: frozenset[int] | None, limit: int
    ) -> tuple[WatchedItem, ...]:
        async def load() -> tuple[tuple[WatchedItem, ...], list[str]]:
            async with self.database.read() as session:
                found = await WatchRepository(session).favourites(user_id, visible, limit)
            return tuple(WatchedItem.of(item, state) for item, state in found), []

        return await self._cached_list("favourites", user_id, visible, limit, load)

    async def unplayed_counts(self, user_id: int, parent_ids: Collection[int]) -> dict[int, int]:
        """How many episodes of each season or series the user has not played (for the
        grids' badges; ids of other items count nothing)."""
        ids = sorted(set(parent_ids))
        if not ids:
            return {}
        key = _ids_key("unplayed", user_id, ids)
        cached = await self._counts.get(key)
        if isinstance(cached, dict):
            return cached
        async with self.database.read() as session:
            counts = await WatchRepository(session).unplayed_counts(user_id, ids)
        tags = [watch_user_tag(user_id), *(item_tag(i) for i in ids)]
        await self._counts.set(key, counts, tags=tags)
        return counts

    async def states_of(
        self, user_id: int, item_ids: Collection[int], parent_ids: Collection[int] = ()
    ) -> dict[int, UserState]:
        """The user's state of each of these items at once (a page of items a client shows,
        each with its own), cached like `played_among`; `parent_ids` (seasons and series
        among them) get their played mark and unplayed count from their episodes."""
        ids, parents = sorted(set(item_ids)), sorted(set(parent_ids))
        if not ids:
            return {}
        key = _ids_key("states", user_id, [*ids, 0, *parents])
        cached = await self._states.get(key)
        if isinstance(cached, dict):
            return cached
        async with self.database.read() as session:
            repo = WatchRepository(session)
            stored = await repo.states(user_id, ids)
            unplayed = await repo.unplayed_counts(user_id, parents) if parents else {}
        found = {i: UserState.of(stored.get(i), unplayed.get(i)) for i in ids}
        tags = [watch_user_tag(user_id), *(item_tag(i) for i in parents)]
        await self._states.set(key, found, tags=tags)
        return found

    async def played_among(self, user_id: int, item_ids: Collection[int]) -> frozenset[int]:
        """Which of these movies and episodes the user has played (for the grids' marks; a
        season or series is never among them: its badge is `unplayed_counts`)."""
        ids = sorted(set(item_ids))
        if not ids:
            return frozenset()
        key = _ids_key("played", user_id, ids)
        cached = await self._ids.get(key)
        if isinstance(cached, tuple):
            return frozenset(cached)
        async with self.database.read() as session:
            states = await WatchRepository(session).states(user_id, ids)
        found = tuple(item_id for item_id, state in sorted(states.items()) if state.played)
        await self._ids.set(key, found, tags=[watch_user_tag(user_id)])
        return frozenset(found)

    async def history(
        self, user_id: int, visible: frozenset[int] | None, *, before_id: int | None, limit: int
    ) -> tuple[list[HistoryEntry], int | None]:
        """A page of what the user finished, newest first, and the id to page on from."""
        async with self.database.read() as session:
            rows = await WatchRepository(session).history(
                user_id, visible, before_id=before_id, limit=limit + 1
            )
        entries = [HistoryEntry(i, at, ItemView.of(item)) for i, at, item in rows]
        more = len(entries) > limit
        return entries[:limit], entries[limit - 1].id if more else None

    async def stats(self, user_id: int) -> WatchStats:
        """Items finished and hours watched, in all and by month (runtime as the catalogue
        knows it; items without one count as items, not hours)."""
        async with self.database.read() as session:
            rows = await WatchRepository(session).history_runtimes(user_id)
        months: dict[str, list[int]] = {}
        for at, minutes in rows:
            month = months.setdefault(at.strftime("%Y-%m"), [0, 0])
            month[0] += 1
            month[1] += minutes or 0
        by_month = tuple(
            MonthStats(name, items, round(minutes / 60, 2))
            for name, (items, minutes) in sorted(months.items())
        )
        minutes = sum(month_minutes for _, month_minutes in months.values())
        return WatchStats(items=len(rows), hours=round(minutes / 60, 2), by_month=by_month)

    async def _cached_list(
        self,
        name: str,
        user_id: int,
        visible: frozenset[int] | None,
        limit: int,
        load: Callable[[], Awaitable[tuple[tuple[WatchedItem, ...], list[str]]]],
    ) -> tuple[WatchedItem, ...]:
        """A list of the user's, cached under their tag, the grants' and those of the items it
        shows, and of whatever else `load` says it looked into."""
        key = _key(name, user_id, visible, limit)
        cached = await self._lists.get(key)
        if isinstance(cached, tuple):
            return cached
        found, looked_into = await load()
        tags = [watch_user_tag(user_id), LIBRARY_GRANTS_TAG, *looked_into]
        await self._lists.set(key, found, tags=[*tags, *(item_tag(w.item.id) for w in found)])
        return found


def _key(name: str, user_id: int, visible: frozenset[int] | None, limit: int) -> str:
    libraries = "all" if visible is None else ",".join(map(str, sorted(visible)))
    digest = hashlib.sha256(libraries.encode()).hexdigest()[:16]
    return f"{name}:{user_id}:{digest}:{limit}"


def _ids_key(name: str, user_id: int, ids: Sequence[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    return f"{name}:{user_id}:{digest}"


def _runtime(facts: dict[int, ItemFacts], item_id: int) -> int | None:
    found = facts.get(item_id)
    return found.runtime_ms if found else None


def _marked(
    user_id: int, item_id: int, before: StoredState | None, *, played: bool, at: datetime
) -> StateWrite:
    """An item marked played (counted once more, its resume point cleared) or unplayed."""
    if not played:
        return StateWrite(user_id, item_id, None, None, played=False, play_count=0,
                          last_played_at=before.last_played_at if before else None)  # fmt: skip
    count = before.play_count if before else 0
    return StateWrite(user_id, item_id, None, None, played=True, play_count=count + 1,
                      last_played_at=at)  # fmt: skip
