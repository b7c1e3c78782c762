"""Migrations on both databases: they build exactly the models' schema, and refuse bad states."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from reelhouse.config import DatabaseSettings
from reelhouse.errors import SchemaMismatchError
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.schema import metadata


async def test_upgrade_builds_the_models_schema(empty_database_url: str) -> None:
    database = Database(create_engine(empty_database_url, DatabaseSettings()))
    try:
        assert await migrate.current_revision(database) is None
        await migrate.upgrade(database)
        assert await migrate.current_revision(database) == migrate.head_revision()
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": True, "include_object": migrate.include_object}
                    ),
                    metadata,
                )
            )
        assert differences == []
    finally:
        await database.close()


async def test_upgrade_twice_changes_nothing(database: Database) -> None:
    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == migrate.head_revision()


async def test_ensure_current_refuses_an_unmigrated_database(empty_database_url: str) -> None:
    database = Database(create_engine(empty_database_url, DatabaseSettings()))
    try:
        with pytest.raises(SchemaMismatchError, match="reelhouse db upgrade"):
            await migrate.ensure_current(database)
    finally:
        await database.close()


async def test_a_database_from_a_newer_reelhouse_is_refused(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaMismatchError, match="9999_future"):
        await migrate.ensure_current(database)
    with pytest.raises(SchemaMismatchError, match="newer reelhouse"):
        await migrate.upgrade(database)


async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with database.engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
    await database.close()
    assert (journal, foreign_keys, busy) == ("wal", 1, 30_000)


async def test_downgrade_then_upgrade_again(database: Database) -> None:
    """Every migration can be undone and redone, so a bad release can be rolled back."""
    async with database.engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(migrate.alembic_config(sync), "base")
        )
    assert await migrate.current_revision(database) is None
    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == migrate.head_revision()


async def test_sqlite_writers_wait_instead_of_failing(tmp_path: Path) -> None:
    """A transaction that reads, then writes, while another writer commits in between, must wait
    for its turn (deferred SQLite transactions fail with "database is locked" there)."""
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await migrate.upgrade(database)
    read_done = asyncio.Event()

    async def read_then_write() -> None:
        async with database.transaction() as session:
            await session.execute(text("SELECT count(*) FROM genres"))
            read_done.set()
            await asyncio.sleep(0.2)
            await session.execute(text("INSERT INTO genres (name) VALUES ('first')"))

    async def write_in_between() -> None:
        await read_done.wait()
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO genres (name) VALUES ('second')"))

    try:
        await asyncio.gather(read_then_write(), write_in_between())
        async with database.read() as session:
            names = (await session.execute(text("SELECT name FROM genres ORDER BY id"))).scalars()
            assert list(names) == ["first", "second"]
    finally:
        await database.close()


async def test_search_indexes_on_postgresql_only(database: Database) -> None:
    """PostgreSQL's search reads titles by prefix from a btree in code-point order (migration
    0011), whatever the database's collation; SQLite's search has its own tables."""
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_items_title_prefix'"
        if database.backend == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE name = 'search_items_title_prefix'"
    )

    async def definition() -> str | None:
        async with database.engine.connect() as connection:
            found = await connection.scalar(text(query))
        return None if found is None else str(found)

    if database.backend == "sqlite":
        assert await definition() is None
        return
    assert "(sort_title text_pattern_ops)" in (await definition() or "")
    async with database.engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(migrate.alembic_config(sync), "0010")
        )
    assert await definition() is None
    await migrate.upgrade(database)
    assert await definition() is not None
