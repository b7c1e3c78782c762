"""the device a token was issued to

A Jellyfin client logs in once per device: the token remembers which (a hash of the client's
`DeviceId`), so a new login from that device replaces the old token instead of piling up.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as table:
        table.add_column(sa.Column("device", sa.String(64), nullable=True))
    op.create_index("ix_api_tokens_user_id_device", "api_tokens", ["user_id", "device"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_user_id_device", "api_tokens")
    with op.batch_alter_table("api_tokens") as table:
        table.drop_column("device")
