"""Facts about the database server itself: its version and its clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from reelhouse.infra.db.engine import Database


async def server_version(database: Database) -> str:
    """The server's version as it states it (PostgreSQL's `server_version`, SQLite's library)."""
    query = "SHOW server_version" if database.backend == "postgresql" else "SELECT sqlite_version()"
    async with database.engine.connect() as connection:
        return str((await connection.execute(text(query))).scalar_one())


async def server_clock(database: Database) -> datetime:
    """The time on the PostgreSQL server's clock now (not the transaction's start, which
    `now()` gives), with its time zone. SQLite has no clock of its own: it reads this
    machine's."""
    async with database.engine.connect() as connection:
        moment = (await connection.execute(text("SELECT clock_timestamp()"))).scalar_one()
    assert isinstance(moment, datetime)  # noqa: S101 - asyncpg's timestamptz
    return moment
