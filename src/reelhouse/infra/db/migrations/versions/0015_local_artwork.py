"""local artwork

Images found beside the media keep the size and modification time of their file, so a scan
sees a changed one and stores it again.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("images", sa.Column("source_size", sa.BigInteger(), nullable=True))
    op.add_column("images", sa.Column("source_mtime_ns", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.drop_column("source_mtime_ns")
        batch.drop_column("source_size")
