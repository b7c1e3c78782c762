"""`reelhouse db copy`: the whole database from SQLite to PostgreSQL and back, and PostgreSQL to
PostgreSQL, on real databases: every row equal, ids kept, sequences continued, checksums equal;
and the refusals (non-empty target, a source behind, a target ahead, an interrupted copy)."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, text, update
from sqlalchemy.engine import make_url

from reelhouse.errors import DatabaseCopyError, DatabaseIncompleteError, SchemaMismatchError
from reelhouse.infra.db import migrate
from reelhouse.infra.db.copy import CopyReport, copied_tables, copy_database
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.markers import COPY_INCOMPLETE, read_marker
from reelhouse.schema import metadata
from tests.catalogue_rows import T0, contents, seed, sqlite_url
from tests.support import cli_env, run_cli, running_api, settings_for


@pytest.fixture
def seeded_sqlite(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "source.db"
    shutil.copyfile(sqlite_template, path)
    return path


def _assert_verified(report: CopyReport) -> None:
    assert report.verified, [check for check in report.tables if not check.matches]
    assert {check.table for check in report.tables} == {t.name for t in copied_tables(metadata)}
    assert report.rows > 40


async def _marker(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await read_marker(connection, COPY_INCOMPLETE)


async def test_sqlite_to_postgresql_and_back_keeps_every_row(
    seeded_sqlite: Path,
    tmp_path: Path,
    new_postgres: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    source = open_database(sqlite_url(seeded_sqlite))
    await seed(source)
    before = await contents(source)
    middle = open_database(await new_postgres())
    back = open_database(sqlite_url(tmp_path / "back" / "reelhouse.db"))

    there = await copy_database(source, middle, metadata, batch_size=2)
    again = await copy_database(middle, back, metadata, batch_size=3)

    _assert_verified(there)
    _assert_verified(again)
    assert await contents(source) == before, "the source is only read"
    assert await contents(middle) == before
    assert await contents(back) == before
    # The same rows give the same checksums on either database.
    assert [c.target_checksum for c in there.tables] == [c.source_checksum for c in again.tables]
    assert [c.source_checksum for c in there.tables] == [c.target_checksum for c in again.tables]
    async with back.engine.connect() as connection:
        found = await connection.execute(
            text("SELECT rowid FROM search_items_words WHERE search_items_words MATCH 'montmartre'")
        )
        assert found.scalars().all() == [1], "SQLite's search index is filled as rows arrive"
    for copied in (middle, back):
        assert await _marker(copied) is None
        await migrate.prepare(copied, migrate_on_start=False)  # it would be served
    async with middle.engine.connect() as connection:
        never_analyzed = await connection.scalars(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0"
            )
        )
        assert never_analyzed.all() == [], "a copy written in bulk is planned from statistics"


async def test_postgresql_to_postgresql_continues_the_sequences(
    new_postgres: Callable[[], Awaitable[str]], open_database: Callable[[str], Database]
) -> None:
    source = open_database(await new_postgres())
    await migrate.upgrade(source)
    await seed(source)
    target = open_database(await new_postgres())

    report = await copy_database(source, target, metadata, batch_size=1)

    _assert_verified(report)
    assert await contents(target) == await contents(source)
    async with target.engine.begin() as connection:
        genre = await connection.execute(insert(metadata.tables["genres"]).values(name="Nouveau"))
        user = await connection.execute(
            insert(metadata.tables["users"]).values(
                username="new", username_key="new", password_hash="x", created_at=T0, updated_at=T0
            )
        )
    assert genre.inserted_primary_key is not None
    assert user.inserted_primary_key is not None
    assert genre.inserted_primary_key[0] == 8  # after the copied 1 and 7
    assert user.inserted_primary_key[0] == 4  # after the copied 1 and 3


async def test_a_target_that_is_not_empty_is_refused_unless_replaced(
    seeded_sqlite: Path,
    tmp_path: Path,
    new_postgres: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    """Through the command line, with a password in the target's URL that is never shown."""
    source = open_database(sqlite_url(seeded_sqlite))
    await seed(source)
    url = make_url(await new_postgres()).set(password="hunter2")
    target_url = url.render_as_string(hide_password=False)
    env = cli_env(tmp_path, sqlite_url(seeded_sqlite))

    target = open_database(target_url)
    _assert_verified(await copy_database(source, target, metadata))

    refused = run_cli(env, "db", "copy", "--to", target_url, "--batch-size", "2")
    replaced = run_cli(env, "db", "copy", "--to", target_url, "--replace", "--batch-size", "2")

    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "reelhouse: error: the target database is not empty (table genres has rows): "
        "pass --replace to overwrite it"
    )
    assert replaced.returncode == 0, replaced.stderr
    assert "copied and verified" in replaced.stdout
    for table_name in ("items", "media_files", "watch_states", "job_schedules"):
        assert table_name in replaced.stdout
    assert "***" in replaced.stdout
    for run in (refused, replaced):
        assert "hunter2" not in run.stdout + run.stderr
    assert await contents(target) == await contents(source)
    assert await _marker(target) is None


async def test_a_source_behind_and_a_target_ahead_are_refused(
    seeded_sqlite: Path,
    tmp_path: Path,
    new_postgres: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    behind = open_database(sqlite_url(seeded_sqlite))
    async with behind.engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(migrate.alembic_config(sync), "0008")
        )
    target = open_database(await new_postgres())
    with pytest.raises(SchemaMismatchError, match="run `reelhouse db upgrade` on it first"):
        await copy_database(behind, target, metadata)
    assert await migrate.current_revision(target) is None, "nothing was done to the target"

    await migrate.upgrade(behind)
    async with target.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE alembic_version (version_num text)"))
        await connection.execute(text("INSERT INTO alembic_version VALUES ('9999_future')"))
    with pytest.raises(SchemaMismatchError, match=r"the target: .*9999_future.*newer reelhouse"):
        await copy_database(behind, target, metadata)

    parent = seeded_sqlite.parent
    same = open_database(sqlite_url(parent / ".." / parent.name / seeded_sqlite.name))
    with pytest.raises(DatabaseCopyError, match="the same database"):
        await copy_database(behind, same, metadata, replace=True)


async def test_an_interrupted_copy_is_marked_and_never_served(
    seeded_sqlite: Path,
    tmp_path: Path,
    new_postgres: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    """SQLite keeps a rating's source of 40 characters in its VARCHAR(32); PostgreSQL refuses it,
    so the copy stops at `ratings`, after the items and people were written."""
    source = open_database(sqlite_url(seeded_sqlite))
    await seed(source, rating_source="x" * 40)
    target_url = await new_postgres()
    target = open_database(target_url)

    with pytest.raises(DatabaseCopyError, match="table ratings: value too long") as refused:
        await copy_database(source, target, metadata)

    assert "--replace" in refused.value.detail
    marker = await _marker(target)
    assert marker is not None
    assert marker.startswith(f"from sqlite+aiosqlite:///{seeded_sqlite}")
    async with target.engine.connect() as connection:
        items = (await connection.execute(text("SELECT count(*) FROM items"))).scalar_one()
    assert items == 5, "the tables before ratings were written"
    with pytest.raises(DatabaseIncompleteError, match="incomplete copy"):
        await migrate.prepare(target, migrate_on_start=True)
    with pytest.raises(DatabaseIncompleteError, match="--replace"):
        async with running_api(settings_for(target_url, tmp_path)):
            pass
    served = run_cli(cli_env(tmp_path, target_url), "serve", "--port", "0")
    assert served.returncode == 2
    assert "incomplete copy" in served.stderr.strip().splitlines()[-1]

    async with source.engine.begin() as connection:
        await connection.execute(update(metadata.tables["ratings"]).values(source="imdb"))
    report = await copy_database(source, target, metadata, replace=True)
    _assert_verified(report)
    assert await _marker(target) is None
    assert await contents(target) == await contents(source)
    await migrate.prepare(target, migrate_on_start=False)


def test_tables_are_copied_parents_first_and_without_the_markers() -> None:
    names = [t.name for t in copied_tables(metadata)]
    assert "database_markers" not in names
    assert names.index("items") < names.index("credits") < names.index("ratings")
    assert names.index("users") < names.index("api_tokens")
