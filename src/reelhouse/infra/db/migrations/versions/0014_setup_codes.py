"""setup codes

The one-time codes that let a browser on another machine run the setup wizard while there is no
account yet (their hashes; the serving process prints the code itself on its console).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "setup_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_setup_codes_code_hash")),
    )


def downgrade() -> None:
    op.drop_table("setup_codes")
