"""Libraries and their media files: the only SQL about them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.errors import NotFoundError
from reelhouse.infra.db.repository import (
    BULK_CHUNK,
    chunked,
    constraint_errors,
    get_or_raise,
    upsert,
)
from reelhouse.infra.db.types import uint64_from_stored, utcnow
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.models import FileState, Library, LibraryPath, MediaFile
from reelhouse.naming import Identity


class LibraryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        name: str,
        kind: LibraryKind,
        paths: Sequence[str],
        settings: dict[str, Any] | None = None,
    ) -> Library:
        library = Library(
            name=name,
            kind=kind,
            settings=settings or {},
            paths=[LibraryPath(path=path) for path in paths],
        )
        self.session.add(library)
        with constraint_errors(f"library {name!r}"):
            await self.session.flush()
        return library

    async def get(self, library_id: int) -> Library:
        return await get_or_raise(self.session, Library, library_id, "library")

    async def get_by_name(self, name: str) -> Library:
        library = await self.session.scalar(select(Library).where(Library.name == name))
        if library is None:
            raise NotFoundError(f"library {name!r} does not exist")
        return library

    async def list(self) -> Sequence[Library]:
        return (await self.session.scalars(select(Library).order_by(Library.name))).all()

    async def set_paths(self, library: Library, paths: Sequence[str]) -> None:
        wanted = list(dict.fromkeys(paths))
        library.paths = [
            next((p for p in library.paths if p.path == path), None) or LibraryPath(path=path)
            for path in wanted
        ]
        with constraint_errors(f"library {library.name!r}"):
            await self.session.flush()

    async def save(self, library: Library) -> None:
        """Flush changes to a loaded library; a name taken by another is a conflict."""
        with constraint_errors(f"library {library.name!r}"):
            await self.session.flush()

    async def delete(self, library_id: int) -> None:
        """Delete a library with its paths, files and items (the database cascades)."""
        result = await self.session.execute(delete(Library).where(Library.id == library_id))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFoundError(f"library {library_id} does not exist")


@dataclass(frozen=True, slots=True)
class MediaFileRecord:
    """What a scan knows about one file on disk."""

    path: str
    path_bytes: bytes
    size: int
    mtime_ns: int
    inode: int
    device: int
    container: str | None = None
    identity: dict[str, Any] | None = None


class StoredFile(NamedTuple):
    """The stored facts a scan compares with the disk (a tuple, like the walk's `FoundFile`:
    one per file of the library, and the garbage collector soon stops tracking tuples)."""

    id: int
    path_bytes: bytes
    size: int
    mtime_ns: int
    inode: int
    device: int
    state: FileState


_SNAPSHOT = text(
    "SELECT id, path_bytes, size, mtime_ns, inode, device, state FROM media_files"
    " WHERE library_id = :library_id"
)
_FILE_STATES = {state.value: state for state in FileState}

_UPSERT_COLUMNS = ("path", "size", "mtime_ns", "inode", "device", "container", "identity")
#: What a file seen again takes from its new row; the SET has no parameters of its own, so that
#: SQLAlchemy sends each chunk as one multi-row INSERT (its "insertmanyvalues") rather than one
#: statement per file.
_REFRESHED_COLUMNS = (*_UPSERT_COLUMNS, "state", "missing_since", "updated_at")


class MediaFileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def snapshot(self, library_id: int) -> list[StoredFile]:
        """Every stored file of a library, in the compact form a rescan compares against.

        Read as plain rows and converted here, not by the columns' types: that makes the read
        much cheaper, and an unchanged rescan is mostly this read.
        """
        rows = await self.session.execute(_SNAPSHOT, {"library_id": library_id})
        state = _FILE_STATES
        return [
            StoredFile(
                file_id,
                path,
                size,
                mtime_ns,
                uint64_from_stored(inode),
                uint64_from_stored(device),
                state[stored_state],
            )
            for file_id, path, size, mtime_ns, inode, device, stored_state in rows
        ]

    async def upsert_many(self, library_id: int, records: Sequence[MediaFileRecord]) -> list[int]:
        """Insert new files and update changed ones, in statements of `BULK_CHUNK` rows.

        A file seen again is present again. Returns the ids in the order of `records`.
        """
        now = utcnow()
        ids_by_path: dict[bytes, int] = {}
        table = MediaFile.__table__
        for chunk in chunked(records, BULK_CHUNK):
            insert = upsert(self.session, table)  # type: ignore[arg-type]
            statement = insert.on_conflict_do_update(
                index_elements=["library_id", "path_bytes"],
                set_={column: insert.excluded[column] for column in _REFRESHED_COLUMNS},
            ).returning(table.c.id, table.c.path_bytes)
            rows = [
                {
                    "library_id": library_id,
                    "path_bytes": record.path_bytes,
                    "state": FileState.PRESENT.value,
                    "missing_since": None,
                    "first_seen_at": now,
                    "updated_at": now,
                    **{column: getattr(record, column) for column in _UPSERT_COLUMNS},
                }
                for record in chunk
            ]
            with constraint_errors("media file"):
                result = await self.session.execute(statement, rows)
            ids_by_path.update({path: file_id for file_id, path in result})
        return [ids_by_path[record.path_bytes] for record in records]

    async def move(self, file_id: int, record: MediaFileRecord) -> bool:
        """A file renamed or moved inside the library keeps its row and history; True when its
        new name says it is something else (another movie, another episode)."""
        before = await self.session.scalar(
            select(MediaFile.identity).where(MediaFile.id == file_id)
        )
        await self.session.execute(
            update(MediaFile)
            .where(MediaFile.id == file_id)
            .values(
                path=record.path,
                path_bytes=record.path_bytes,
                size=record.size,
                mtime_ns=record.mtime_ns,
                inode=record.inode,
                device=record.device,
                container=record.container,
                identity=record.identity,
                state=FileState.PRESENT,
                missing_since=None,
                updated_at=utcnow(),
            )
        )
        was, now = (
            Identity.from_json(i or {}, path=record.path) for i in (before, record.identity)
        )
        return was.names_item() != now.names_item()

    async def mark_missing(self, file_ids: Sequence[int], at: datetime | None = None) -> None:
        """Files gone from disk keep their metadata, so a disk that comes back restores them."""
        when = at or utcnow()
        for chunk in chunked(file_ids, BULK_CHUNK):
            await self.session.execute(
                update(MediaFile)
                .where(MediaFile.id.in_(chunk), MediaFile.state == FileState.PRESENT)
                .values(state=FileState.MISSING, missing_since=when, updated_at=when)
            )

    async def delete_missing_since(self, library_id: int, cutoff: datetime) -> int:
        """Remove files missing since before `cutoff` (the cleanup after a grace period)."""
        result = await self.session.execute(
            delete(MediaFile).where(
                MediaFile.library_id == library_id,
                MediaFile.state == FileState.MISSING,
                MediaFile.missing_since < cutoff,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count(self, library_id: int, state: FileState | None = None) -> int:
        query = select(func.count()).where(MediaFile.library_id == library_id)
        if state is not None:
            query = query.where(MediaFile.state == state)
        return int(await self.session.scalar(query) or 0)

    async def get(self, file_id: int) -> MediaFile:
        return await get_or_raise(self.session, MediaFile, file_id, "media file")
