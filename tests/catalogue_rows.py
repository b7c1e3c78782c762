"""A small catalogue touching every table and every kind of value, and every row of a database
read back as Python values: what the tests that move whole databases (`reelhouse db copy`,
`reelhouse backup` / `restore`) seed and compare."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, insert, inspect, select, update

from reelhouse.infra.db.copy import copied_tables
from reelhouse.infra.db.engine import Database
from reelhouse.schema import metadata

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
        "tags": [{"id": 3, "name": "Préférés"}, {"id": 8, "name": "4K"}],
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
        "item_tags": [{"item_id": 1, "tag_id": 8}, {"item_id": 2, "tag_id": 3}],
        "item_translations": [{"id": 1, "item_id": 1, "language": "en", "title": "Amelie"}],
        "item_videos": [
            {
                "item_id": 1,
                "site": "youtube",
                "key": "Am_l-1e",
                "kind": "trailer",
                "name": "Bande-annonce",
                "language": "fr",
                "sort_order": 0,
            }
        ],
        "collection_parts": [
            {"collection_id": 6, "tmdb_id": 194, "title": "Amélie", "year": 2001, "sort_order": 0},
            {
                "collection_id": 6,
                "tmdb_id": 2**62,
                "title": "Amélie 2",
                "year": None,
                "sort_order": 1,
            },
        ],
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
        "written_files": [
            {
                "id": 1,
                "library_id": 1,
                "path": "/films/Heat (1995)/Heat (1995).nfo",
                "size": 2048,
                "sha256": "cd" * 32,
                "written_at": T0,
            },
        ],
        "setup_codes": [
            {"id": 1, "code_hash": "ab" * 32, "created_at": T0, "expires_at": _at(1440)},
        ],
        "server_settings": [
            {"key": "metadata.language", "value": '"fr"', "updated_by": "ana", "updated_at": T0},
            {"key": "tmdb.api_key", "value": '"clé-secrète"', "updated_by": "bo", "updated_at": T0},
        ],
    }
    assert set(rows) == {t.name for t in copied_tables(metadata)}, "seed every table"
    async with database.engine.begin() as connection:
        # A database at an older migration has only some of the tables.
        present = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        for seeded in copied_tables(metadata):
            if seeded.name not in present:
                continue
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


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
