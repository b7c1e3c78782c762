"""media probes and external subtitles

What ffprobe found in each media file (or why it could not), keyed by the file's size, mtime
and inode at the time; and the video each external subtitle file belongs to.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILE_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _file_key(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["media_files.id"],
        name=op.f(f"fk_{table}_{column}_media_files"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "media_probes",
        sa.Column("media_file_id", FILE_ID, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("probed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=8), nullable=True),
        sa.Column("hdr", sa.String(length=16), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        _file_key("media_file_id", "media_probes"),
        sa.PrimaryKeyConstraint("media_file_id", name=op.f("pk_media_probes")),
    )
    op.create_index("ix_media_probes_resolution", "media_probes", ["resolution"])
    op.create_index("ix_media_probes_hdr", "media_probes", ["hdr"])
    op.create_table(
        "external_subtitles",
        sa.Column("subtitle_file_id", FILE_ID, nullable=False),
        sa.Column("video_file_id", FILE_ID, nullable=False),
        _file_key("subtitle_file_id", "external_subtitles"),
        _file_key("video_file_id", "external_subtitles"),
        sa.PrimaryKeyConstraint("subtitle_file_id", name=op.f("pk_external_subtitles")),
    )
    op.create_index("ix_external_subtitles_video_file_id", "external_subtitles", ["video_file_id"])


def downgrade() -> None:
    op.drop_index("ix_external_subtitles_video_file_id", "external_subtitles")
    op.drop_table("external_subtitles")
    op.drop_index("ix_media_probes_hdr", "media_probes")
    op.drop_index("ix_media_probes_resolution", "media_probes")
    op.drop_table("media_probes")
