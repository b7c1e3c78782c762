"""Libraries and media files on both databases: bulk writes, exact values, cascades."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.errors import ConflictError, NotFoundError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.models import FileState
from reelhouse.libraries.repository import (
    BULK_CHUNK,
    LibraryRepository,
    MediaFileRecord,
    MediaFileRepository,
)


def record(name: str, *, size: int = 1, inode: int = 1, mtime_ns: int = 1) -> MediaFileRecord:
    path = f"/media/movies/{name}"
    return MediaFileRecord(
        path=path,
        path_bytes=path.encode(),
        size=size,
        mtime_ns=mtime_ns,
        inode=inode,
        device=64769,
        container=name.rsplit(".", 1)[-1],
    )


async def test_library_round_trip_and_unique_name(database: Database) -> None:
    async with database.transaction() as session:
        libraries = LibraryRepository(session)
        added = await libraries.add("Movies", LibraryKind.MOVIES, ["/a", "/b"], {"watch": False})
    async with database.transaction() as session:
        loaded = await LibraryRepository(session).get_by_name("Movies")
        assert loaded.id == added.id
        assert loaded.kind == LibraryKind.MOVIES
        assert [p.path for p in loaded.paths] == ["/a", "/b"]
        assert loaded.settings == {"watch": False}
    with pytest.raises(ConflictError, match="library 'Movies'"):
        async with database.transaction() as session:
            await LibraryRepository(session).add("Movies", LibraryKind.TV, ["/c"])


async def test_set_paths_keeps_existing_rows(database: Database) -> None:
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/a", "/b"])
        kept_id = library.paths[1].id
        await LibraryRepository(session).set_paths(library, ["/b", "/c", "/c"])
    async with database.transaction() as session:
        library = await LibraryRepository(session).get(library.id)
        assert [p.path for p in library.paths] == ["/b", "/c"]
        assert library.paths[0].id == kept_id


async def test_bulk_upsert_inserts_then_updates_in_chunks(database: Database) -> None:
    count = BULK_CHUNK * 2 + 17
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/media"])
        files = MediaFileRepository(session)
        ids = await files.upsert_many(
            library.id, [record(f"m{i}.mkv", inode=i + 1) for i in range(count)]
        )
    assert len(set(ids)) == count
    async with database.transaction() as session:
        files = MediaFileRepository(session)
        changed = [record(f"m{i}.mkv", inode=i + 1, size=999) for i in range(0, count, 2)]
        again = await files.upsert_many(library.id, changed)
        assert again == ids[0::2]
        snapshot = {f.id: f for f in await files.snapshot(library.id)}
    assert len(snapshot) == count
    assert snapshot[ids[0]].size == 999
    assert snapshot[ids[1]].size == 1


async def test_exact_values_survive_the_round_trip(database: Database) -> None:
    odd_name = b"/media/movies/Am\xe9lie (2001).mkv"  # Latin-1, not UTF-8
    big = MediaFileRecord(
        path=odd_name.decode("utf-8", "backslashreplace"),
        path_bytes=odd_name,
        size=2**40 + 3,
        mtime_ns=1_700_000_000_123_456_789,
        inode=2**64 - 1,
        device=2**63 + 5,
        identity={"kind": "movie", "title": "Amélie", "year": 2001},
    )
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/media"])
        [file_id] = await MediaFileRepository(session).upsert_many(library.id, [big])
    async with database.transaction() as session:
        stored = await MediaFileRepository(session).get(file_id)
        assert (stored.path_bytes, stored.size, stored.mtime_ns) == (
            big.path_bytes,
            big.size,
            big.mtime_ns,
        )
        assert (stored.inode, stored.device) == (big.inode, big.device)
        assert stored.identity == big.identity


async def test_missing_files_come_back_and_are_cleaned_after_grace(database: Database) -> None:
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/media"])
        files = MediaFileRepository(session)
        a, b = await files.upsert_many(library.id, [record("a.mkv"), record("b.mkv", inode=2)])
        await files.mark_missing([a, b], at=utcnow() - timedelta(days=40))
        assert await files.count(library.id, FileState.MISSING) == 2
        await files.upsert_many(library.id, [record("a.mkv")])
        assert (await files.get(a)).state == FileState.PRESENT
        assert (await files.get(a)).missing_since is None
        removed = await files.delete_missing_since(library.id, utcnow() - timedelta(days=30))
        assert removed == 1
        assert await files.count(library.id) == 1
        with pytest.raises(NotFoundError):
            await files.get(b)


async def test_move_keeps_the_row(database: Database) -> None:
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/media"])
        files = MediaFileRepository(session)
        [file_id] = await files.upsert_many(library.id, [record("old.mkv", inode=7)])
        await files.move(file_id, record("new.mkv", inode=7))
        moved = await files.get(file_id)
        assert moved.path == "/media/movies/new.mkv"
        assert [f.id for f in await files.snapshot(library.id)] == [file_id]


async def test_deleting_a_library_cascades(database: Database) -> None:
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/media"])
        [file_id] = await MediaFileRepository(session).upsert_many(library.id, [record("a.mkv")])
        movie = await MovieRepository(session).add(
            Movie(title="Alien", library_id=library.id, tmdb_id=348)
        )
        await MediaLinkRepository(session).link_file(movie.id, file_id)
    async with database.transaction() as session:
        await LibraryRepository(session).delete(library.id)
    async with database.transaction() as session:
        assert await MediaFileRepository(session).count(library.id) == 0
        with pytest.raises(NotFoundError):
            await MovieRepository(session).get(movie.id, include_deleted=True)
        with pytest.raises(NotFoundError):
            await LibraryRepository(session).delete(library.id)
