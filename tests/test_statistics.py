"""Planner statistics after writes in bulk: on PostgreSQL, the tables a bulk write left without
statistics (or with stale ones) are analyzed, and their GIN indexes' pending rows moved into the
index, when a process starts and after a scan; nothing is done when nothing changed, nor on
SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, text

from reelhouse.content.catalogue.models import Item
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.statistics import refresh_statistics
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from tests.support import Api, bearer
from tests.test_scan_jobs import finished

ROWS = 500


async def _add_movies(database: Database, first: int, count: int) -> None:
    async with database.transaction() as session:
        library = await LibraryRepository(session).add(f"Movies {first}", LibraryKind.MOVIES, [])
        await session.execute(
            insert(Item),
            [
                {
                    "kind": ItemKind.MOVIE,
                    "library_id": library.id,
                    "title": f"Film {n}",
                    "sort_title": f"film {n}",
                    "overview": f"the story number {n}",
                    "other_ids": {},
                    "locked_fields": [],
                }
                for n in range(first, first + count)
            ],
        )
        if database.backend == "postgresql":
            # A backend hands its counts of changed rows on at most once a second (when it
            # is idle): this one hands them on as the transaction ends, as a scan's, made
            # over seconds, have been by the time it ends.
            await session.execute(text("SELECT pg_stat_force_next_flush()"))


async def _planned_rows(database: Database, table: str) -> float:
    """What the planner believes the table holds (-1: it was never analyzed)."""
    async with database.engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
        )
    return float(found)


async def _pending_pages(database: Database) -> int:
    """Pages of the word index's pending list, moved into the index by asking (so once)."""
    async with database.engine.begin() as connection:
        found = await connection.scalar(
            text("SELECT gin_clean_pending_list(CAST('search_items_words' AS regclass))")
        )
    return int(found)


async def test_tables_written_in_bulk_are_analyzed_once(database: Database) -> None:
    await _add_movies(database, 0, ROWS)
    if database.backend == "sqlite":
        assert await refresh_statistics(database) == []  # SQLite plans from its indexes
        return
    assert await _planned_rows(database, "items") < 0
    assert await _pending_pages(database) > 0  # a bulk write leaves the GIN index rows to take
    await _add_movies(database, ROWS, ROWS)

    analyzed = await refresh_statistics(database)

    assert {"items", "libraries"} <= set(analyzed)
    assert await _planned_rows(database, "items") == 2 * ROWS
    assert await _pending_pages(database) == 0, "the word index's pending rows were moved"
    assert await refresh_statistics(database) == [], "nothing changed since"
    await _add_movies(database, 2 * ROWS, 10)  # fewer than autovacuum waits for
    assert await refresh_statistics(database) == []
    await _add_movies(database, 3 * ROWS, ROWS)  # more
    assert "items" in await refresh_statistics(database)
    assert await _planned_rows(database, "items") == 3 * ROWS + 10


async def test_a_table_with_rows_but_no_statistics_is_analyzed(database: Database) -> None:
    """However its rows came (a copy of a database starts counting changes again from nothing)
    and whatever the planner was told of their number since (an index built on them does)."""
    await _add_movies(database, 0, ROWS)
    if database.backend == "sqlite":
        return
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE INDEX test_items_year ON items (year)"))
        await connection.execute(text("SELECT pg_stat_reset()"))  # counts of changes: none
    assert await _planned_rows(database, "items") == ROWS  # told by the index build
    assert "items" in await refresh_statistics(database)
    async with database.engine.connect() as connection:
        columns = await connection.scalar(
            text("SELECT count(*) FROM pg_stats WHERE tablename = 'items'")
        )
    assert columns
    assert await refresh_statistics(database) == []


async def test_a_process_starting_refreshes_them_unless_told_not_to(database: Database) -> None:
    await _add_movies(database, 0, ROWS)
    await migrate.prepare(database, migrate_on_start=False, refresh_statistics=False)
    if database.backend == "postgresql":
        assert await _planned_rows(database, "items") < 0
    await migrate.prepare(database, migrate_on_start=True, refresh_statistics=True)
    if database.backend == "postgresql":
        assert await _planned_rows(database, "items") == ROWS


async def test_only_one_process_refreshes_at_a_time(database: Database) -> None:
    """Another process at it (holding the lock) is left to it: no second ANALYZE waits on the
    first's table locks."""
    await _add_movies(database, 0, ROWS)
    if database.backend == "sqlite":
        return
    async with database.engine.begin() as other:
        await other.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('reelhouse.refresh_statistics'))")
        )
        assert await refresh_statistics(database) == []
    assert "items" in await refresh_statistics(database)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_scan_leaves_fresh_statistics_behind_it(api: Api, tmp_path: Path) -> None:
    files = 60
    for n in range(files):
        path = tmp_path / "movies" / f"Film {n} ({1950 + n})" / f"Film {n} ({1950 + n}).mkv"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"\0" * 16)
    token = bearer(await api.token_for("root", is_admin=True))
    library = await api.client.post(
        "/api/libraries",
        json={"name": "Movies", "kind": "movies", "paths": [str(tmp_path / "movies")]},
        headers=token,
    )
    database = api.services.users.database
    assert await _planned_rows(database, "media_files") < 0
    queued = await api.client.post(f"/api/libraries/{library.json()['id']}/scan", headers=token)
    job = await finished(api, token, queued.json()["id"])
    assert job["state"] == "succeeded", job
    assert await _planned_rows(database, "media_files") == files
