"""What reelhouse wrote into a library's folders: the only files it may overwrite unasked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reelhouse.infra.db.base import Base, IdMixin
from reelhouse.infra.db.types import BigIntPrimaryKey, utcnow


class WrittenFile(IdMixin, Base):
    """A file reelhouse wrote beside the media, as it wrote it: a file whose content still
    matches is reelhouse's to replace; one changed since (or never written here) is not."""

    __tablename__ = "written_files"
    __table_args__ = (Index("uq_written_files_library_id_path", "library_id", "path", unique=True),)

    library_id: Mapped[int] = mapped_column(
        BigIntPrimaryKey, ForeignKey("libraries.id", ondelete="CASCADE")
    )
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
