"""collection parts and item videos

The movies a provider lists in a collection (to tell those a library has from those it
misses), and the provider's trailer links of items.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _item_key(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["items.id"], name=op.f(f"fk_{table}_{column}_items"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "collection_parts",
        sa.Column("collection_id", ROW_ID, nullable=False),
        sa.Column("tmdb_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        _item_key("collection_parts", "collection_id"),
        sa.PrimaryKeyConstraint("collection_id", "tmdb_id", name=op.f("pk_collection_parts")),
    )
    op.create_table(
        "item_videos",
        sa.Column("item_id", ROW_ID, nullable=False),
        sa.Column("site", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        _item_key("item_videos", "item_id"),
        sa.PrimaryKeyConstraint("item_id", "site", "key", name=op.f("pk_item_videos")),
    )


def downgrade() -> None:
    op.drop_table("item_videos")
    op.drop_table("collection_parts")
