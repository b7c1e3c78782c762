"""What each user has done with each item, and the history of what they finished."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from reelhouse.content.catalogue.models import Item
from reelhouse.infra.db.base import Base, IdMixin
from reelhouse.infra.db.types import utcnow

IN_PROGRESS = text("position_ms IS NOT NULL")
FAVOURITE = text("favourite")

#: Next Up walks each series' episodes in aired order from the one played last, and stops at the
#: first unplayed one with a file: the episodes in that order (the id breaks ties, as there).
NEXT_UP_INDEX = Index(
    "ix_items_series_aired",
    Item.series_id,
    Item.parent_index_number,
    Item.index_number,
    Item.id,
)


class WatchState(Base):
    """One user's state of one item. Movies and episodes hold positions and played marks;
    seasons and series hold only favourites and ratings (their played state is their
    episodes', derived, never stored)."""

    __tablename__ = "watch_states"
    __table_args__ = (
        CheckConstraint("position_ms >= 0", name="position_not_negative"),
        CheckConstraint("play_count >= 0", name="play_count_not_negative"),
        CheckConstraint("rating >= 0 AND rating <= 10", name="rating_range"),
        # Continue Watching, most recent first; history-like reads by last play.
        Index(
            "ix_watch_states_in_progress",
            "user_id",
            "position_at",
            sqlite_where=IN_PROGRESS,
            postgresql_where=IN_PROGRESS,
        ),
        Index("ix_watch_states_user_id_last_played_at", "user_id", "last_played_at"),
        Index(
            "ix_watch_states_favourites",
            "user_id",
            "item_id",
            sqlite_where=FAVOURITE,
            postgresql_where=FAVOURITE,
        ),
        Index("ix_watch_states_item_id", "item_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    position_ms: Mapped[int | None] = mapped_column(
        BigInteger, doc="The resume point; None when there is none."
    )
    position_at: Mapped[datetime | None]
    played: Mapped[bool] = mapped_column(default=False)
    play_count: Mapped[int] = mapped_column(Integer, default=0)
    last_played_at: Mapped[datetime | None]
    favourite: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[float | None] = mapped_column(Float, doc="The user's own rating, 0 to 10.")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WatchEvent(IdMixin, Base):
    """An item a user finished (played through, or marked played): their history."""

    __tablename__ = "watch_history"
    __table_args__ = (Index("ix_watch_history_user_id_id", "user_id", "id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    played_at: Mapped[datetime] = mapped_column(default=utcnow)
