"""A throw-away PostgreSQL database for one benchmark run."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url


async def throwaway_postgres(url: str, name: str, *, drop: bool = False) -> str:
    """Create database `name` on the server of `url` (or drop it); its URL."""
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username,
        password=parsed.password, database=parsed.database,
    )  # fmt: skip
    try:
        statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else None
        await connection.execute(statement or f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return parsed.set(database=name).render_as_string(hide_password=False)
