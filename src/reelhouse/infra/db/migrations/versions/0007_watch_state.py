"""watch state and history

Each user's state of each item (resume point, played, play count, favourite, rating) and the
history of what they finished.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
IN_PROGRESS = sa.text("position_ms IS NOT NULL")
FAVOURITE = sa.text("favourite")


def _key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "watch_states",
        sa.Column("user_id", ROW_ID, nullable=False),
        sa.Column("item_id", ROW_ID, nullable=False),
        sa.Column("position_ms", sa.BigInteger(), nullable=True),
        sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("played", sa.Boolean(), nullable=False),
        sa.Column("play_count", sa.Integer(), nullable=False),
        sa.Column("last_played_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("favourite", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("position_ms >= 0", name=op.f("ck_watch_states_position_not_negative")),
        sa.CheckConstraint("play_count >= 0", name=op.f("ck_watch_states_play_count_not_negative")),
        sa.CheckConstraint(
            "rating >= 0 AND rating <= 10", name=op.f("ck_watch_states_rating_range")
        ),
        _key("watch_states", "user_id", "users"),
        _key("watch_states", "item_id", "items"),
        sa.PrimaryKeyConstraint("user_id", "item_id", name=op.f("pk_watch_states")),
    )
    op.create_index(
        "ix_watch_states_in_progress",
        "watch_states",
        ["user_id", "position_at"],
        sqlite_where=IN_PROGRESS,
        postgresql_where=IN_PROGRESS,
    )
    op.create_index(
        "ix_watch_states_user_id_last_played_at", "watch_states", ["user_id", "last_played_at"]
    )
    op.create_index(
        "ix_watch_states_favourites",
        "watch_states",
        ["user_id", "item_id"],
        sqlite_where=FAVOURITE,
        postgresql_where=FAVOURITE,
    )
    op.create_index("ix_watch_states_item_id", "watch_states", ["item_id"])
    op.create_table(
        "watch_history",
        sa.Column("user_id", ROW_ID, nullable=False),
        sa.Column("item_id", ROW_ID, nullable=False),
        sa.Column("played_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ROW_ID, nullable=False),
        _key("watch_history", "user_id", "users"),
        _key("watch_history", "item_id", "items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_history")),
    )
    op.create_index("ix_watch_history_user_id_id", "watch_history", ["user_id", "id"])
    # Next Up: each series' episodes in aired order.
    op.create_index(
        "ix_items_series_aired", "items", ["series_id", "parent_index_number", "index_number", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_items_series_aired", "items")
    op.drop_index("ix_watch_history_user_id_id", "watch_history")
    op.drop_table("watch_history")
    for name in (
        "ix_watch_states_item_id",
        "ix_watch_states_favourites",
        "ix_watch_states_user_id_last_played_at",
        "ix_watch_states_in_progress",
    ):
        op.drop_index(name, "watch_states")
    op.drop_table("watch_states")
