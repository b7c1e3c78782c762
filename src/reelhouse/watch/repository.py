"""The SQL of watch state (house rule 3): states, batched progress, marks over whole seasons
and series in one statement, and the reads that Continue Watching and Next Up are made of."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Integer,
    Subquery,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy import column as typed_column
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reelhouse.content.catalogue.items import present_main_file
from reelhouse.content.catalogue.models import Item, MediaFileItem
from reelhouse.infra.db.repository import BULK_CHUNK, chunked, upsert
from reelhouse.kinds import ItemKind
from reelhouse.playback.models import MediaProbe
from reelhouse.watch.models import WatchEvent, WatchState

#: Items whose played state is their episodes'.
PARENT_KINDS = (ItemKind.SERIES, ItemKind.SEASON)


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What the watch rules need of an item: its kind, where it hangs, how long it lasts."""

    id: int
    kind: ItemKind
    library_id: int | None
    parent_id: int | None
    series_id: int | None
    #: The probe's duration of its first main file, else the provider's runtime; None if neither.
    runtime_ms: int | None


@dataclass(frozen=True, slots=True)
class StoredState:
    position_ms: int | None
    position_at: datetime | None
    played: bool
    play_count: int
    last_played_at: datetime | None
    favourite: bool
    rating: float | None
    #: When reelhouse last wrote any of it.
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StateWrite:
    """The whole state of one user's item after a write, as the batch computed it."""

    user_id: int
    item_id: int
    position_ms: int | None
    position_at: datetime | None
    played: bool
    play_count: int
    last_played_at: datetime | None


class WatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def item_facts(self, item_ids: Collection[int]) -> dict[int, ItemFacts]:
        """The live items among these, with their runtimes."""
        duration = (
            select(func.max(MediaProbe.duration_s))
            .select_from(MediaFileItem)
            .join(MediaProbe, MediaProbe.media_file_id == MediaFileItem.media_file_id)
            .where(MediaFileItem.item_id == Item.id, MediaFileItem.extra_type.is_(None))
            .scalar_subquery()
        )
        found: dict[int, ItemFacts] = {}
        for chunk in chunked(sorted(item_ids), BULK_CHUNK):
            rows = await self.session.execute(
                select(
                    Item.id,
                    Item.kind,
                    Item.library_id,
                    Item.parent_id,
                    Item.series_id,
                    duration,
                    Item.runtime_minutes,
                ).where(Item.id.in_(chunk), Item.deleted_at.is_(None))
            )
            for item_id, kind, library, parent, series, seconds, minutes in rows:
                runtime = (
                    round(seconds * 1000) if seconds else minutes * 60_000 if minutes else None
                )
                found[item_id] = ItemFacts(
                    item_id, ItemKind(kind), library, parent, series, runtime
                )
        return found

    async def sharing_files(self, item_ids: Collection[int]) -> dict[int, set[int]]:
        """For each item, the other live items its main files hold (the episodes of one
        two-episode file): watching the file watches them all."""
        other, other_item = aliased(MediaFileItem), aliased(Item)
        found: dict[int, set[int]] = {}
        for chunk in chunked(sorted(item_ids), BULK_CHUNK):
            rows = await self.session.execute(
                select(MediaFileItem.item_id, other.item_id)
                .join(other, other.media_file_id == MediaFileItem.media_file_id)
                .join(other_item, other_item.id == other.item_id)
                .where(
                    MediaFileItem.item_id.in_(chunk),
                    MediaFileItem.extra_type.is_(None),
                    other.extra_type.is_(None),
                    other.item_id != MediaFileItem.item_id,
                    other_item.deleted_at.is_(None),
                )
            )
            for item_id, sibling in rows:
                found.setdefault(item_id, set()).add(sibling)
        return found

    async def states(self, user_id: int, item_ids: Collection[int]) -> dict[int, StoredState]:
        found: dict[int, StoredState] = {}
        for chunk in chunked(sorted(item_ids), BULK_CHUNK):
            rows = await self.session.execute(
                select(WatchState).where(
                    WatchState.user_id == user_id, WatchState.item_id.in_(chunk)
                )
            )
            for (state,) in rows:
                found[state.item_id] = _stored(state)
        return found

    async def states_of_users(
        self, keys: Collection[tuple[int, int]]
    ) -> dict[tuple[int, int], StoredState]:
        """The stored states of these `(user, item)` pairs (a batch of progress reports)."""
        found: dict[tuple[int, int], StoredState] = {}
        for chunk in chunked(sorted(keys), BULK_CHUNK):
            # Columns, not entities: a batch reads up to a thousand rows it never changes.
            rows = await self.session.execute(
                select(
                    WatchState.user_id,
                    WatchState.item_id,
                    WatchState.position_ms,
                    WatchState.position_at,
                    WatchState.played,
                    WatchState.play_count,
                    WatchState.last_played_at,
                    WatchState.favourite,
                    WatchState.rating,
                ).where(tuple_(WatchState.user_id, WatchState.item_id).in_(list(chunk)))
            )
            for row in rows:
                found[(row.user_id, row.item_id)] = StoredState(
                    row.position_ms,
                    row.position_at,
                    row.played,
                    row.play_count,
                    row.last_played_at,
                    row.favourite,
                    row.rating,
                )
        return found

    async def write_states(self, writes: Sequence[StateWrite]) -> None:
        """Each write's position and played state over the stored one (favourite and rating
        kept): one statement, executed for every write of a chunk."""
        if not writes:
            return
        insert = upsert(self.session, WatchState.__table__)  # type: ignore[arg-type]
        excluded = insert.excluded
        # One statement, compiled once and executed for many rows (a multi-row VALUES would be
        # compiled anew for every batch, which costs more than the database's work).
        statement = insert.values(favourite=False, updated_at=func.now()).on_conflict_do_update(
            index_elements=["user_id", "item_id"],
            set_={
                name: excluded[name]
                for name in (
                    "position_ms",
                    "position_at",
                    "played",
                    "play_count",
                    "last_played_at",
                    "updated_at",
                )
            },
        )
        for chunk in chunked(list(writes), BULK_CHUNK):
            await self.session.execute(
                statement,
                [
                    {
                        "user_id": w.user_id,
                        "item_id": w.item_id,
                        "position_ms": w.position_ms,
                        "position_at": w.position_at,
                        "played": w.played,
                        "play_count": w.play_count,
                        "last_played_at": w.last_played_at,
                    }
                    for w in chunk
                ],
            )

    async def record_played(self, user_id_items: Sequence[tuple[int, int]], at: datetime) -> None:
        """History: these `(user, item)` were finished at `at`."""
        if user_id_items:
            await self.session.execute(
                WatchEvent.__table__.insert(),  # type: ignore[attr-defined]
                [{"user_id": u, "item_id": i, "played_at": at} for u, i in user_id_items],
            )

    async def mark_episodes(
        self, user_id: int, parent_id: int, *, played: bool, at: datetime
    ) -> None:
        """Every live episode of a season or series played (or unplayed), in one statement,
        and the newly played ones in the history."""
        episodes = select(Item.id).where(
            Item.kind == ItemKind.EPISODE,
            Item.deleted_at.is_(None),
            or_(Item.parent_id == parent_id, Item.series_id == parent_id),
        )
        if played:
            newly = episodes.where(
                ~exists().where(
                    WatchState.user_id == user_id,
                    WatchState.item_id == Item.id,
                    WatchState.played.is_(True),
                )
            )
            await self.session.execute(
                WatchEvent.__table__.insert().from_select(  # type: ignore[attr-defined]
                    ["user_id", "item_id", "played_at"],
                    newly.with_only_columns(literal(user_id), Item.id, literal(at)),
                )
            )
        table = WatchState.__table__
        insert = upsert(self.session, table)  # type: ignore[arg-type]
        statement = insert.from_select(
            ["user_id", "item_id", "played", "play_count", "last_played_at", "favourite",
             "updated_at"],
            episodes.with_only_columns(
                literal(user_id), Item.id, literal(played), literal(1 if played else 0),
                literal(at if played else None), literal(False), literal(at),
            ),
        )  # fmt: skip
        current = table.c
        set_: dict[str, Any] = {
            "played": played,
            "position_ms": None,
            "position_at": None,
            "updated_at": at,
        }
        if played:
            set_["play_count"] = case(
                (current.played.is_(True), current.play_count), else_=current.play_count + 1
            )
            set_["last_played_at"] = at
        else:
            set_["play_count"] = 0
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["user_id", "item_id"], set_=set_)
        )

    async def set_flag(
        self, user_id: int, item_id: int, *, favourite: bool | None = None, rating: Any = ...
    ) -> None:
        """Set the favourite mark or the rating (None clears it), keeping the rest."""
        values: dict[str, Any] = {}
        if favourite is not None:
            values["favourite"] = favourite
        if rating is not ...:
            values["rating"] = rating
        insert = upsert(self.session, WatchState.__table__)  # type: ignore[arg-type]
        await self.session.execute(
            insert.values(
                user_id=user_id,
                item_id=item_id,
                played=False,
                play_count=0,
                favourite=values.get("favourite", False),
                rating=values.get("rating"),
                updated_at=func.now(),
            ).on_conflict_do_update(
                index_elements=["user_id", "item_id"], set_={**values, "updated_at": func.now()}
            )
        )

    # -- reads ---------------------------------------------------------------------------

    async def in_progress(
        self, user_id: int, visible: frozenset[int] | None, limit: int
    ) -> list[tuple[Item, StoredState]]:
        """Continue Watching: items with a resume point and a present file, newest first."""
        return await self._with_items(
            user_id,
            visible,
            limit,
            (WatchState.position_ms.is_not(None), present_main_file(Item.id)),
            (WatchState.position_at.desc(), Item.id.desc()),
        )

    async def recently_played(
        self, user_id: int, visible: frozenset[int] | None, limit: int
    ) -> list[tuple[Item, StoredState]]:
        return await self._with_items(
            user_id,
            visible,
            limit,
            (WatchState.played.is_(True), WatchState.last_played_at.is_not(None)),
            (WatchState.last_played_at.desc(), Item.id.desc()),
        )

    async def favourites(
        self, user_id: int, visible: frozenset[int] | None, limit: int
    ) -> list[tuple[Item, StoredState]]:
        return await self._with_items(
            user_id,
            visible,
            limit,
            (WatchState.favourite.is_(True),),
            (Item.sort_title, Item.id),
        )

    async def _with_items(
        self,
        user_id: int,
        visible: frozenset[int] | None,
        limit: int,
        where: Sequence[Any],
        order_by: Sequence[Any],
    ) -> list[tuple[Item, StoredState]]:
        """The user's states that `where` selects, with their live, visible items."""
        query = (
            select(Item, WatchState)
            .join(WatchState, WatchState.item_id == Item.id)
            .where(WatchState.user_id == user_id, Item.deleted_at.is_(None), *where)
            .order_by(*order_by)
            .limit(limit)
        )
        if visible is not None:
            query = query.where(Item.library_id.in_(sorted(visible)))
        return [(item, _stored(state)) for item, state in await self.session.execute(query)]

    async def watched_series(
        self, user_id: int, *, since: datetime, specials: bool
    ) -> list[tuple[int, int, int, datetime]]:
        """For each series with an episode the user played since `since`: the series, the
        season and number of the episode played last, and when."""
        ranked = (
            select(
                Item.series_id,
                Item.parent_index_number.label("season"),
                Item.index_number.label("number"),
                WatchState.last_played_at,
                func.row_number()
                .over(
                    partition_by=Item.series_id,
                    order_by=(
                        WatchState.last_played_at.desc(),
                        Item.parent_index_number.desc(),
                        Item.index_number.desc(),
                    ),
                )
                .label("rank"),
            )
            .join(WatchState, WatchState.item_id == Item.id)
            .where(
                WatchState.user_id == user_id,
                WatchState.played.is_(True),
                Item.kind == ItemKind.EPISODE,
                Item.deleted_at.is_(None),
                Item.series_id.is_not(None),
                Item.index_number.is_not(None),
                _season_wanted(Item.parent_index_number, specials),
            )
            .subquery()
        )
        rows = await self.session.execute(
            select(ranked.c.series_id, ranked.c.season, ranked.c.number, ranked.c.last_played_at)
            .where(ranked.c.rank == 1, ranked.c.last_played_at >= since)
            .order_by(ranked.c.last_played_at.desc())
        )
        return [(s, season or 0, number, at) for s, season, number, at in rows]

    async def next_episodes(
        self,
        after: Sequence[tuple[int, int, int]],
        visible: frozenset[int] | None,
        *,
        specials: bool,
        unplayed_by: int | None,
    ) -> dict[int, Item]:
        """For each `(series, season, number)`: the first live episode after it in aired
        order that has a present file (and that user `unplayed_by` has not played, if set).

        One statement for all of them: the positions are one JSON parameter read as rows (so
        the statement is compiled once, whatever their number), and each series' episode is a
        subquery that walks `ix_items_series_aired` from the position and stops at the first
        that qualifies."""
        if not after:
            return {}
        positions = self._positions(after)
        episode = aliased(Item)
        unplayed: ColumnElement[bool] = literal(True)
        if unplayed_by is not None:
            unplayed = ~exists().where(
                WatchState.user_id == unplayed_by,
                WatchState.item_id == episode.id,
                WatchState.played.is_(True),
            )
        first = (
            select(episode.id)
            .where(
                episode.series_id == positions.c.series_id,
                episode.kind == ItemKind.EPISODE,
                episode.deleted_at.is_(None),
                episode.index_number.is_not(None),
                _season_wanted(episode.parent_index_number, specials),
                tuple_(func.coalesce(episode.parent_index_number, 0), episode.index_number)
                > tuple_(positions.c.season, positions.c.number),
                unplayed,
                present_main_file(episode.id),
            )
            .order_by(episode.parent_index_number, episode.index_number, episode.id)
            .limit(1)
            .correlate(positions)
        )
        if visible is not None:
            # Here, not on the outer query: there SQLite would walk the libraries' items and
            # evaluate the walk for each (seconds on a large library), not once per position.
            first = first.where(episode.library_id.in_(sorted(visible)))
        chosen = select(first.scalar_subquery().label("id")).select_from(positions).subquery()
        query = select(Item).join(chosen, chosen.c.id == Item.id)
        found: dict[int, Item] = {}
        for item in (await self.session.scalars(query)).all():
            if item.series_id is not None:
                found[item.series_id] = item
        return found

    def _positions(self, after: Sequence[tuple[int, int, int]]) -> Subquery:
        """`(series_id, season, number)` rows from one JSON parameter."""
        data = bindparam(
            "positions",
            [{"series_id": s, "season": season, "number": n} for s, season, n in after],
            type_=JSON,
        )
        if self.session.get_bind().dialect.name == "postgresql":
            rows = (
                func.json_to_recordset(data)
                .table_valued(
                    typed_column("series_id", BigInteger),
                    typed_column("season", Integer),
                    typed_column("number", Integer),
                )
                .render_derived(with_types=True)
            )
            return select(rows.c.series_id, rows.c.season, rows.c.number).subquery("positions")
        entries = func.json_each(data).table_valued("value")
        return select(
            *(
                func.json_extract(entries.c.value, f"$.{name}").label(name)
                for name in ("series_id", "season", "number")
            )
        ).subquery("positions")

    async def unplayed_counts(self, user_id: int, parent_ids: Collection[int]) -> dict[int, int]:
        """For each season or series: how many of its live episodes the user has not played
        (specials counted in their season, not in the series)."""
        counts: dict[int, int] = dict.fromkeys(parent_ids, 0)
        played = exists().where(
            WatchState.user_id == user_id,
            WatchState.item_id == Item.id,
            WatchState.played.is_(True),
        )
        for chunk in chunked(sorted(parent_ids), BULK_CHUNK):
            for column, regular_only in ((Item.parent_id, False), (Item.series_id, True)):
                query = (
                    select(column, func.count())
                    .where(
                        column.in_(chunk),
                        Item.kind == ItemKind.EPISODE,
                        Item.deleted_at.is_(None),
                        ~played,
                    )
                    .group_by(column)
                )
                if regular_only:
                    query = query.where(_season_wanted(Item.parent_index_number, False))
                for parent, count in await self.session.execute(query):
                    if parent is not None:
                        counts[parent] += int(count)
        return counts

    async def history(
        self, user_id: int, visible: frozenset[int] | None, *, before_id: int | None, limit: int
    ) -> list[tuple[int, datetime, Item]]:
        query = (
            select(WatchEvent.id, WatchEvent.played_at, Item)
            .join(Item, Item.id == WatchEvent.item_id)
            .where(WatchEvent.user_id == user_id, Item.deleted_at.is_(None))
            .order_by(WatchEvent.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(WatchEvent.id < before_id)
        if visible is not None:
            query = query.where(Item.library_id.in_(sorted(visible)))
        return [(event_id, at, item) for event_id, at, item in await self.session.execute(query)]

    async def history_runtimes(self, user_id: int) -> list[tuple[datetime, int | None]]:
        """When each finished item was finished, and its runtime in minutes."""
        rows = await self.session.execute(
            select(WatchEvent.played_at, Item.runtime_minutes)
            .join(Item, Item.id == WatchEvent.item_id)
            .where(WatchEvent.user_id == user_id)
            .order_by(WatchEvent.id)
        )
        return [(at, minutes) for at, minutes in rows]


def _season_wanted(season: Any, specials: bool) -> Any:
    """Season 0 holds specials; an episode without a season number is a regular one."""
    if specials:
        return literal(True)
    return or_(season.is_(None), season != 0)


def _stored(state: WatchState) -> StoredState:
    return StoredState(
        state.position_ms,
        state.position_at,
        state.played,
        state.play_count,
        state.last_played_at,
        state.favourite,
        state.rating,
        state.updated_at,
    )
