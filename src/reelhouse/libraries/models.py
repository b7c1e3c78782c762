"""Libraries, their root folders, and the media files a scan finds in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reelhouse.infra.db.base import Base, IdMixin, TimestampMixin, check_in
from reelhouse.infra.db.types import UInt64, utcnow
from reelhouse.kinds import LibraryKind

#: The longest container name (a file extension) a media file row holds.
CONTAINER_MAX = 16


class FileState(StrEnum):
    PRESENT = "present"
    MISSING = "missing"


class Library(IdMixin, TimestampMixin, Base):
    __tablename__ = "libraries"
    __table_args__ = (CheckConstraint(check_in("kind", LibraryKind), name="kind"),)

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[LibraryKind] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    paths: Mapped[list[LibraryPath]] = relationship(
        back_populates="library",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="LibraryPath.id",
    )


class LibraryPath(IdMixin, Base):
    """One root folder of a library."""

    __tablename__ = "library_paths"
    __table_args__ = (Index("uq_library_paths_library_id_path", "library_id", "path", unique=True),)

    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)
    library: Mapped[Library] = relationship(back_populates="paths")


class MediaFile(IdMixin, Base):
    """A file found on disk.

    ``path_bytes`` is the exact file-system name (names need not be UTF-8) and is the identity;
    ``path`` is its readable form for display and search.
    """

    __tablename__ = "media_files"
    __table_args__ = (
        CheckConstraint(check_in("state", FileState), name="state"),
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("uq_media_files_library_id_path_bytes", "library_id", "path_bytes", unique=True),
        Index("ix_media_files_device_inode", "device", "inode"),
        Index("ix_media_files_library_id_state", "library_id", "state"),
    )

    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)
    path_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    mtime_ns: Mapped[int]
    inode: Mapped[int] = mapped_column(UInt64)
    device: Mapped[int] = mapped_column(UInt64)
    container: Mapped[str | None] = mapped_column(String(CONTAINER_MAX))
    state: Mapped[FileState] = mapped_column(String(16), default=FileState.PRESENT)
    missing_since: Mapped[datetime | None]
    identity: Mapped[dict[str, Any] | None] = mapped_column(
        doc="The parsed identification of the name (kind, title, year, season, episodes...)."
    )
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
