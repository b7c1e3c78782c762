"""The settings changed in the web page: one row per setting, so that two admins changing
different settings at once both keep their change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reelhouse.infra.db.base import Base
from reelhouse.infra.db.types import utcnow


class StoredSetting(Base):
    __tablename__ = "server_settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    #: The value as JSON (a secret in clear, as in the settings file).
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
