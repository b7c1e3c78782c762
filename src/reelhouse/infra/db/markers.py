"""Marks on a database that say it must not be served, whatever its schema: today, a copy into it
(`reelhouse db copy`) that has not finished and been verified."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Table, Text, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from reelhouse.errors import DatabaseIncompleteError
from reelhouse.infra.db.base import Base
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow

#: The marker of a copy in progress (or interrupted): set before the first row is written,
#: removed once every table is copied and verified.
COPY_INCOMPLETE = "copy_incomplete"


class DatabaseMarker(Base):
    """One mark on the database, by name; not copied by `reelhouse db copy`."""

    __tablename__ = "database_markers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    detail: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


markers: Table = DatabaseMarker.__table__  # type: ignore[assignment]


async def set_marker(connection: AsyncConnection, name: str, detail: str) -> None:
    await connection.execute(delete(markers).where(markers.c.name == name))
    await connection.execute(insert(markers).values(name=name, detail=detail, set_at=utcnow()))


async def clear_marker(connection: AsyncConnection, name: str) -> None:
    await connection.execute(delete(markers).where(markers.c.name == name))


async def read_marker(connection: AsyncConnection, name: str) -> str | None:
    return (
        await connection.execute(select(markers.c.detail).where(markers.c.name == name))
    ).scalar_one_or_none()


async def refuse_incomplete(database: Database) -> None:
    """Refuse to serve a database an unfinished copy wrote to (its schema is current)."""
    async with database.engine.connect() as connection:
        detail = await read_marker(connection, COPY_INCOMPLETE)
    if detail is not None:
        raise DatabaseIncompleteError(
            f"the database holds an incomplete copy ({detail}): run `reelhouse db copy` "
            "into it again with --replace, or point reelhouse at the source database"
        )
