"""database markers

Marks that say a database must not be served: `reelhouse db copy` sets one before it writes the
first row into its target and removes it once the copy is verified, so a copy that was
interrupted is never mistaken for a whole database.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "database_markers",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_database_markers")),
    )


def downgrade() -> None:
    op.drop_table("database_markers")
