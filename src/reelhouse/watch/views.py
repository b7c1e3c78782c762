"""What the watch reads return: an item with the caller's own state of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reelhouse.content.catalogue.models import Item
from reelhouse.content.reads.views import ItemView
from reelhouse.watch.repository import StoredState


@dataclass(frozen=True, slots=True)
class UserState:
    """One user's state of one item. For a season or series, `played` and `unplayed_count`
    are derived from its episodes."""

    played: bool = False
    play_count: int = 0
    last_played_at: datetime | None = None
    position_s: float | None = None
    position_at: datetime | None = None
    favourite: bool = False
    rating: float | None = None
    unplayed_count: int | None = None

    @classmethod
    def of(cls, stored: StoredState | None, unplayed: int | None = None) -> UserState:
        if stored is None:
            return cls(played=unplayed == 0, unplayed_count=unplayed)
        return cls(
            played=stored.played if unplayed is None else unplayed == 0,
            play_count=stored.play_count,
            last_played_at=stored.last_played_at,
            position_s=stored.position_ms / 1000 if stored.position_ms is not None else None,
            position_at=stored.position_at,
            favourite=stored.favourite,
            rating=stored.rating,
            unplayed_count=unplayed,
        )


@dataclass(frozen=True, slots=True)
class WatchedItem:
    item: ItemView
    state: UserState
    #: How long the item lasts (for a progress bar); None when unknown.
    runtime_s: float | None = None

    @classmethod
    def of(
        cls, item: Item, stored: StoredState | None, runtime_ms: int | None = None
    ) -> WatchedItem:
        runtime = runtime_ms / 1000 if runtime_ms is not None else None
        return cls(ItemView.of(item), UserState.of(stored), runtime)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    played_at: datetime
    item: ItemView


@dataclass(frozen=True, slots=True)
class MonthStats:
    month: str
    items: int
    hours: float


@dataclass(frozen=True, slots=True)
class WatchStats:
    items: int
    hours: float
    by_month: tuple[MonthStats, ...]
