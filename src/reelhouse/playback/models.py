"""What probing stored about each media file, and which video each external subtitle belongs
to. Both hang off `media_files` and go with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reelhouse.infra.db.base import Base
from reelhouse.infra.db.types import UInt64, utcnow


class MediaProbe(Base):
    """One probe of one file: the facts, or why there are none.

    The file's size, mtime and inode when probed are the probe's key: while they match the
    file's, it is not probed again. The main video's width, resolution class and HDR kind and
    the most audio channels are columns of their own, for the listings that filter and sort by
    them."""

    __tablename__ = "media_probes"
    __table_args__ = (
        Index("ix_media_probes_resolution", "resolution"),
        Index("ix_media_probes_hdr", "hdr"),
    )

    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("media_files.id", ondelete="CASCADE"), primary_key=True
    )
    size: Mapped[int]
    mtime_ns: Mapped[int]
    inode: Mapped[int] = mapped_column(UInt64)
    probed_at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str | None] = mapped_column(Text, doc="Why the file could not be probed.")
    facts: Mapped[dict[str, Any] | None] = mapped_column(doc="`MediaFacts` as JSON.")
    duration_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer, doc="The main video's width in pixels.")
    resolution: Mapped[str | None] = mapped_column(String(8))
    hdr: Mapped[str | None] = mapped_column(String(16))
    channels: Mapped[int | None] = mapped_column(Integer)


class ExternalSubtitle(Base):
    """A subtitle file beside a video (or in its `Subs/` folder) and the video it belongs to."""

    __tablename__ = "external_subtitles"
    __table_args__ = (Index("ix_external_subtitles_video_file_id", "video_file_id"),)

    subtitle_file_id: Mapped[int] = mapped_column(
        ForeignKey("media_files.id", ondelete="CASCADE"), primary_key=True
    )
    video_file_id: Mapped[int] = mapped_column(ForeignKey("media_files.id", ondelete="CASCADE"))
