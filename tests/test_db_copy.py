"""`reelhouse db copy`: the whole database from SQLite to PostgreSQL and back, and PostgreSQL to
PostgreSQL, on real databases: every row equal, ids kept, sequences continued, checksums equal;
and the refusals (non-empty target, a source behind, a target ahead, an interrupted copy)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import JSON, insert, select, text, update
from sqlalchemy.engine import make_url

from reelhouse.config import DatabaseSettings
from reelhouse.errors import DatabaseCopyError, DatabaseIncompleteError, SchemaMismatchError
from reelhouse.infra.db import migrate
from reelhouse.infra.db.copy import CopyReport, copied_tables, copy_database
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.db.markers import COPY_INCOMPLETE, read_marker
from reelhouse.schema import metadata
from tests.conftest import PostgresServer, unique_name
from tests.support import cli_env, run_cli, running_api, settings_for

T0 = datetime(2026, 12, 1, 20, 30, 15, 123456, tzinfo=UTC)
#: Not UTF-8: the path of a file named on a Latin-1 system.
LATIN1_PATH = "/media/tv/Été/S01E01.mkv".encode("latin-1")


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _item(item_id: int, kind: str, title: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": item_id,
        "kind": kind,
        "library_id": None,
        "parent_id": None,
        "series_id": None,
        "collection_id": None,
        "title": title,
        "sort_title": title.lower(),
        "overview": None,
        "year": None,
        "release_date": None,
        "community_rating": None,
        "index_number": None,
        "tmdb_id": None,
        "other_ids": {},
        "locked_fields": [],
        "added_at": _at(item_id),
        "updated_at": _at(item_id),
    }
    return row | values


async def seed(database: Database, *, rating_source: str = "imdb") -> None:
    """A small catalogue touching every kind of value: a series whose episode was stored before
    its season (a reference to a later row), a collection stored after its movie, people and
    credits, a file whose path is not UTF-8, JSON `null` beside SQL NULL, a user with a token,
    grants, watch state and history, jobs with JSON arguments and a failure."""
    rows: dict[str, list[dict[str, Any]]] = {
        "libraries": [
            {
                "id": 1,
                "name": "Films",
                "kind": "movies",
                "settings": {"language": "fr", "z": [1, 2.5, None]},
                "created_at": T0,
                "updated_at": T0,
            },
            {
                "id": 2,
                "name": "Séries",
                "kind": "tv",
                "settings": {},
                "created_at": T0,
                "updated_at": T0,
            },
        ],
        "library_paths": [{"id": 1, "library_id": 1, "path": "/media/films"}],
        "genres": [{"id": 1, "name": "Drame"}, {"id": 7, "name": "Comédie"}],
        "studios": [{"id": 1, "kind": "studio", "name": "Gaumont", "tmdb_id": 9}],
        "people": [
            {
                "id": 1,
                "name": "Zoë Ærø",
                "sort_name": "zoe aero",
                "birth_date": date(1970, 2, 28),
                "tmdb_id": 2**62,
                "added_at": T0,
                "updated_at": T0,
            },
            {"id": 4, "name": "Jean", "sort_name": "jean", "added_at": T0, "updated_at": T0},
        ],
        "items": [
            _item(
                1,
                "movie",
                "Amélie",
                library_id=1,
                collection_id=6,
                year=2001,
                release_date=date(2001, 4, 25),
                community_rating=7.9,
                overview="Une fée à Montmartre",
                tmdb_id=194,
                other_ids={"imdb": "tt0211915", "nested": {"b": 1, "a": [True, None]}},
                locked_fields=["title", "overview"],
            ),
            _item(2, "series", "Lupin", library_id=2, tmdb_id=96677),
            _item(
                3, "episode", "Chapitre 1", library_id=2, parent_id=5, series_id=2, index_number=1
            ),
            _item(5, "season", "Saison 1", library_id=2, parent_id=2, series_id=2, index_number=1),
            _item(6, "collection", "Collection Amélie", community_rating=0.1 + 0.2),
        ],
        "item_genres": [{"item_id": 1, "genre_id": 7}, {"item_id": 1, "genre_id": 1}],
        "item_studios": [{"item_id": 1, "studio_id": 1}],
        "item_translations": [{"id": 1, "item_id": 1, "language": "en", "title": "Amelie"}],
        "credits": [
            {
                "id": 1,
                "item_id": 1,
                "person_id": 1,
                "role": "cast",
                "character": "Amélie",
                "department": "",
                "job": "",
                "sort_order": 0,
            },
            {
                "id": 2,
                "item_id": 3,
                "person_id": 4,
                "role": "crew",
                "character": "",
                "department": "Directing",
                "job": "Director",
                "sort_order": 1,
            },
        ],
        "ratings": [
            {
                "id": 1,
                "item_id": 1,
                "source": rating_source,
                "value": 7.9,
                "max_value": 10.0,
                "votes": 800_000,
            }
        ],
        "images": [
            {
                "id": 1,
                "item_id": 1,
                "kind": "poster",
                "provider": "tmdb",
                "provider_path": "/a.jpg",
                "width": 500,
                "height": 750,
                "score": 5.5,
                "selected": True,
            },
            {
                "id": 2,
                "person_id": 1,
                "kind": "profile",
                "provider": "tmdb",
                "provider_path": "/p.jpg",
                "selected": False,
            },
        ],
        "media_files": [
            {
                "id": 1,
                "library_id": 2,
                "path": "/media/tv/Été/S01E01.mkv",
                "path_bytes": LATIN1_PATH,
                "size": 2**40,
                "mtime_ns": 1_700_000_000_123_456_789,
                "inode": 2**64 - 1,
                "device": 2**63,
                "container": "mkv",
                "state": "present",
                "identity": {"kind": "episode", "season": 1, "episodes": [1]},
                "first_seen_at": T0,
                "updated_at": T0,
            },
            {
                "id": 2,
                "library_id": 2,
                "path": "/media/tv/S01E01.fr.srt",
                "path_bytes": b"/media/tv/S01E01.fr.srt",
                "size": 0,
                "mtime_ns": 0,
                "inode": 0,
                "device": 1,
                "state": "missing",
                "missing_since": _at(5),
                "identity": JSON.NULL,
                "first_seen_at": T0,
                "updated_at": T0,
            },
            {
                "id": 3,
                "library_id": 1,
                "path": "/media/films/Amélie (2001).mkv",
                "path_bytes": "/media/films/Amélie (2001).mkv".encode(),
                "size": 1,
                "mtime_ns": 1,
                "inode": 1,
                "device": 1,
                "state": "present",
                "identity": None,
                "first_seen_at": T0,
                "updated_at": T0,
            },
        ],
        "media_file_items": [
            {"media_file_id": 1, "item_id": 3, "extra_type": None, "part": None},
            {"media_file_id": 3, "item_id": 1, "extra_type": None, "part": 1},
        ],
        "media_probes": [
            {
                "media_file_id": 1,
                "size": 2**40,
                "mtime_ns": 1,
                "inode": 2**64 - 1,
                "probed_at": T0,
                "facts": {"duration_s": 2700.5, "streams": [{"codec": "hevc", "hdr": None}]},
                "duration_s": 2700.5,
                "width": 3840,
                "resolution": "2160p",
            }
        ],
        "external_subtitles": [{"subtitle_file_id": 2, "video_file_id": 1}],
        "users": [
            {
                "id": 1,
                "username": "Alice",
                "username_key": "alice",
                "password_hash": "$argon2id$v=19$x",
                "is_admin": True,
                "created_at": T0,
                "updated_at": T0,
            },
            {
                "id": 3,
                "username": "bob",
                "username_key": "bob",
                "password_hash": "$argon2id$v=19$y",
                "is_admin": False,
                "created_at": T0,
                "updated_at": T0,
            },
        ],
        "user_libraries": [{"user_id": 3, "library_id": 2}],
        "api_tokens": [
            {
                "id": 1,
                "user_id": 1,
                "kind": "session",
                "name": "web",
                "token_hash": "a" * 64,
                "created_at": T0,
                "expires_at": _at(60 * 24 * 30),
                "device": "d" * 64,
            }
        ],
        "watch_states": [
            {
                "user_id": 1,
                "item_id": 3,
                "position_ms": 1_234_567,
                "position_at": _at(3),
                "played": False,
                "play_count": 0,
                "favourite": True,
                "rating": 8.5,
                "updated_at": _at(3),
            },
            {
                "user_id": 3,
                "item_id": 1,
                "played": True,
                "play_count": 2,
                "last_played_at": _at(9),
                "favourite": False,
                "updated_at": _at(9),
            },
        ],
        "watch_history": [{"id": 1, "user_id": 3, "item_id": 1, "played_at": _at(9)}],
        "jobs": [
            {
                "id": 1,
                "kind": "scan",
                "key": "library:1",
                "args": {"library_id": 1, "paths": ["/media/films"], "full": True},
                "state": "succeeded",
                "priority": 0,
                "attempts": 1,
                "max_attempts": 3,
                "run_at": T0,
                "cancel_requested": False,
                "progress": {"done": 3, "total": 3, "rate_per_s": 1.5},
                "checkpoint": {},
                "created_at": T0,
                "started_at": _at(1),
                "finished_at": _at(2),
            },
            {
                "id": 2,
                "kind": "enrich",
                "args": {"item_ids": [1, 2]},
                "state": "failed",
                "priority": 5,
                "attempts": 3,
                "max_attempts": 3,
                "run_at": T0,
                "cancel_requested": True,
                "progress": {},
                "checkpoint": {"after": 1},
                "error": "provider down",
                "created_at": T0,
            },
        ],
        "job_item_failures": [
            {
                "id": 1,
                "job_id": 2,
                "item": "item 2",
                "error": "timeout",
                "attempt": 3,
                "created_at": T0,
            }
        ],
        "job_schedules": [
            {"name": "full_scan", "next_run_at": _at(60), "last_job_id": 1},
            {"name": "Prune", "next_run_at": _at(90), "last_job_id": None},
        ],
    }
    assert set(rows) == {t.name for t in copied_tables(metadata)}, "seed every table"
    async with database.engine.begin() as connection:
        for seeded in copied_tables(metadata):
            # Rows may refer to later rows of their own table: insert those columns afterwards.
            later = [fk.parent.name for fk in seeded.foreign_keys if fk.column.table is seeded]
            for row in rows[seeded.name]:
                first = {k: (None if k in later else v) for k, v in row.items()}
                await connection.execute(insert(seeded).values(first))
            for row in rows[seeded.name]:
                if any(row.get(name) is not None for name in later):
                    await connection.execute(
                        update(seeded)
                        .where(seeded.c.id == row["id"])
                        .values({name: row.get(name) for name in later})
                    )


async def contents(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every copied table as Python values, sorted by primary key; JSON columns
    also say whether they hold SQL NULL (JSON's `null` reads as `None` too)."""
    found = {}
    async with database.engine.connect() as connection:
        for copied in copied_tables(metadata):
            nulls = [
                column.is_(None).label(f"{column.name}_is_sql_null")
                for column in copied.columns
                if isinstance(column.type, JSON)
            ]
            rows = (await connection.execute(select(*copied.columns, *nulls))).all()
            keys = [list(copied.columns).index(column) for column in copied.primary_key.columns]
            found[copied.name] = sorted(
                (tuple(row) for row in rows), key=lambda row: [row[i] for i in keys]
            )
    return found


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def open_database() -> AsyncIterator[Callable[[str], Database]]:
    opened: list[Database] = []

    def open_(url: str) -> Database:
        opened.append(Database(create_engine(url, DatabaseSettings())))
        return opened[-1]

    yield open_
    for database in opened:
        await database.close()


@pytest.fixture
async def new_postgres(postgres: PostgresServer) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Makes empty PostgreSQL databases (no schema: the copy migrates them)."""
    names: list[str] = []

    async def make() -> str:
        names.append(unique_name("reelhouse_copy"))
        return await postgres.create(names[-1])

    yield make
    for name in names:
        await postgres.drop(name)


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
    source = open_database(_sqlite_url(seeded_sqlite))
    await seed(source)
    before = await contents(source)
    middle = open_database(await new_postgres())
    back = open_database(_sqlite_url(tmp_path / "back" / "reelhouse.db"))

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
    source = open_database(_sqlite_url(seeded_sqlite))
    await seed(source)
    url = make_url(await new_postgres()).set(password="hunter2")
    target_url = url.render_as_string(hide_password=False)
    env = cli_env(tmp_path, _sqlite_url(seeded_sqlite))

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
    behind = open_database(_sqlite_url(seeded_sqlite))
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
    same = open_database(_sqlite_url(parent / ".." / parent.name / seeded_sqlite.name))
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
    source = open_database(_sqlite_url(seeded_sqlite))
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
