"""Accounts, their API tokens, and which libraries a plain user may see."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reelhouse.infra.db.base import Base, IdMixin, TimestampMixin, check_in


class TokenKind(StrEnum):
    SESSION = "session"  # from a login; expires
    API = "api"  # made by the user for scripts and apps; lives until revoked


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(
        String(64), unique=True, doc="Case-folded username: 'Alice' and 'alice' are one account."
    )
    password_hash: Mapped[str] = mapped_column(Text)
    is_admin: Mapped[bool] = mapped_column(default=False)
    library_grants: Mapped[list[UserLibrary]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class UserLibrary(Base):
    """A library a plain user may see (admins see every library)."""

    __tablename__ = "user_libraries"
    __table_args__ = (Index("ix_user_libraries_library_id", "library_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )


class ApiToken(IdMixin, Base):
    """A bearer token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(check_in("kind", TokenKind), name="kind"),
        Index("ix_api_tokens_user_id", "user_id"),
        Index("ix_api_tokens_user_id_device", "user_id", "device"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[TokenKind] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    device: Mapped[str | None] = mapped_column(
        String(64), doc="Hash of the client device it was issued to (one token per device)."
    )


class SetupCode(IdMixin, Base):
    """A one-time code that lets a browser on another machine set up a server with no account
    yet: only its SHA-256 is stored (the process that made it prints it once), so that every
    API process of a scale-out accepts it; all of them go once the first admin exists."""

    __tablename__ = "setup_codes"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
