"""Libraries as users manage them: validated at the edge, visible only to who may see them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from reelhouse.content.catalogue.invalidation import LIBRARIES_TAG, CatalogueInvalidation
from reelhouse.content.catalogue.items import AnyItemRepository
from reelhouse.content.catalogue.located import LocatedItem, LocatedItemsRepository
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.cache import CacheNamespace, Read
from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.logging import get_logger
from reelhouse.ingest.artwork import enqueue_artwork
from reelhouse.ingest.local_artwork import PREFER_LOCAL_SETTING, prefers_local
from reelhouse.ingest.writeback.job import enqueue_write_back
from reelhouse.ingest.writeback.options import WriteBackOptions
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.libraries.folders import FolderListing, check_readable, list_folders
from reelhouse.libraries.jobs import enqueue_scan
from reelhouse.libraries.models import Library
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.libraries.roots import normalize_root, owning_root
from reelhouse.naming import is_media_name

log = get_logger(__name__)
LIBRARIES_NAMESPACE = "libraries"


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    id: int
    name: str
    kind: LibraryKind
    paths: tuple[str, ...]
    created_at: datetime
    #: Local artwork wins over the provider's (see `ingest.local_artwork`).
    prefer_local_artwork: bool = True
    #: What is written back beside the media (see `ingest.writeback`).
    write_back: WriteBackOptions = field(default_factory=WriteBackOptions)

    @classmethod
    def of(cls, library: Library) -> LibraryInfo:
        paths = tuple(p.path for p in library.paths)
        prefer = prefers_local(library.settings)
        return cls(
            library.id,
            library.name,
            library.kind,
            paths,
            library.created_at,
            prefer,
            WriteBackOptions.of(library.settings),
        )


@dataclass(frozen=True, slots=True)
class ItemFolder:
    """A movie or a series and the folder it lies in (None while no file is linked to it)."""

    item: LocatedItem
    folder: str | None


def item_folder(file_path: str, roots: Collection[str]) -> str:
    """The folder of the item a main file belongs to: the top folder below its library root
    (`/tv/Show` for `/tv/Show/Season 1/x.mkv`); a file right in a root stands for itself."""
    root = owning_root(file_path, roots)
    if root is None:
        return str(PurePosixPath(file_path).parent)
    relative = PurePosixPath(file_path).relative_to(root).parts
    return str(PurePosixPath(root, relative[0])) if len(relative) > 1 else file_path


def _checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInputError("a library name has 1 to 200 characters", field="name")
    if "\x00" in name:  # PostgreSQL text cannot hold it (SQLite's can): refused on both
        raise InvalidInputError("a library name has no NUL character", field="name")
    return name


def _checked_roots(paths: Sequence[str]) -> list[str]:
    if not paths:
        raise InvalidInputError("a library needs at least one folder", field="paths")
    return list(dict.fromkeys(normalize_root(path) for path in paths))


class LibrariesService:
    def __init__(
        self, database: Database, invalidation: CatalogueInvalidation, jobs: JobQueue
    ) -> None:
        self.database = database
        self.invalidation = invalidation
        self.jobs = jobs
        # Every screen of every client starts by listing the libraries: one cached entry.
        self._all: CacheNamespace[tuple[LibraryInfo, ...]] = invalidation.cache.namespace(
            LIBRARIES_NAMESPACE, tuple[LibraryInfo, ...]
        )

    async def create(
        self, name: str, kind: LibraryKind, paths: Sequence[str], *, readable: bool = False
    ) -> LibraryInfo:
        """A new library; with `readable`, only when the server can list each of its folders
        now (else `InvalidInputError` with the reason), as the setup wizard asks. Without it,
        folders not mounted yet are fine: a scan reports them."""
        name, roots = _checked_name(name), _checked_roots(paths)
        if readable:
            await check_readable(roots)
        async with self.database.transaction() as session:
            created = LibraryInfo.of(await LibraryRepository(session).add(name, kind, roots))
        await self.invalidation.libraries_changed()
        return created

    async def update(
        self,
        library_id: int,
        *,
        name: str | None = None,
        paths: Sequence[str] | None = None,
        prefer_local_artwork: bool | None = None,
        write_back: WriteBackOptions | None = None,
    ) -> LibraryInfo:
        """Rename a library, change its folders, whether its local artwork wins or what it
        writes back (what is given changes); files below a folder no longer listed are marked
        missing by the next scan, like deleted ones. A change of the artwork preference is
        applied by an artwork job, queued here; a write-back newly asked for runs at the
        library's next artwork job, or when asked for (`write_back`)."""
        new_name = None if name is None else _checked_name(name)
        roots = None if paths is None else _checked_roots(paths)
        async with self.database.transaction() as session:
            libraries = LibraryRepository(session)
            library = await libraries.get(library_id)
            if new_name is not None:
                library.name = new_name
            if roots is not None:
                await libraries.set_paths(library, roots)
            artwork = prefer_local_artwork is not None and (
                prefer_local_artwork != prefers_local(library.settings)
            )
            if artwork:
                library.settings = {**library.settings, PREFER_LOCAL_SETTING: prefer_local_artwork}
            if write_back is not None and write_back != WriteBackOptions.of(library.settings):
                library.settings = {**library.settings, **write_back.as_settings()}
            await libraries.save(library)
            changed = LibraryInfo.of(library)
        await self.invalidation.libraries_changed()
        if artwork:
            await enqueue_artwork(self.jobs, library_id)
        return changed

    async def write_back(self, library_id: int) -> Enqueued:
        """Queue a write-back of the library's files now; a library that writes nothing back
        is refused here, not left to do nothing in the job."""
        async with self.database.read() as session:
            library = await LibraryRepository(session).get(library_id)
        if not WriteBackOptions.of(library.settings).writes_anything:
            raise InvalidInputError(
                f"library {library_id} writes nothing back: turn on write_nfo or write_artwork",
                field="library_id",
            )
        return await enqueue_write_back(self.jobs, library_id)

    async def browse(self, path: str, *, limit: int) -> FolderListing:
        """The server's subfolders of `path`, for an admin choosing a library's folders."""
        return await list_folders(path, limit=limit)

    async def list(self, visible_to: frozenset[int] | None = None) -> list[LibraryInfo]:
        """All libraries (by name), or those whose ids are in `visible_to`."""
        libraries = await self._all.read(Read("libraries", (LIBRARIES_TAG,), self._load_all))
        return [library for library in libraries if visible_to is None or library.id in visible_to]

    async def _load_all(self) -> tuple[LibraryInfo, ...]:
        async with self.database.read() as session:
            libraries = await LibraryRepository(session).list()
        return tuple(LibraryInfo.of(library) for library in libraries)

    async def get(self, library_id: int, visible_to: frozenset[int] | None = None) -> LibraryInfo:
        if visible_to is not None and library_id not in visible_to:
            # Indistinguishable from a library that does not exist: ids are not leaked.
            raise NotFoundError(f"library {library_id} does not exist")
        for library in await self.list():
            if library.id == library_id:
                return library
        raise NotFoundError(f"library {library_id} does not exist")

    async def find(self, name_or_id: str) -> LibraryInfo:
        """A library by its name, or by its id given as digits."""
        async with self.database.read() as session:
            libraries = LibraryRepository(session)
            if name_or_id.isdigit():
                return LibraryInfo.of(await libraries.get(int(name_or_id)))
            return LibraryInfo.of(await libraries.get_by_name(name_or_id))

    async def scan(self, library_id: int, folder: str | None = None) -> Enqueued:
        """Queue a scan of the library (or of one folder in it); a scan already queued or
        running for the same target is returned instead of a second one. A folder outside
        the library's roots is refused here, not left to fail in the job."""
        async with self.database.read() as session:
            library = await LibraryRepository(session).get(library_id)
        target = normalize_root(folder, field="folder") if folder else None
        if target is not None and owning_root(target, [r.path for r in library.paths]) is None:
            raise InvalidInputError(f"{target!r} is not inside the library", field="folder")
        return await enqueue_scan(self.jobs, library_id, target)

    async def scan_path(self, path: str) -> Enqueued | None:
        """Queue a targeted scan for a change another program reports (Sonarr, Radarr...).

        `path` is a folder, or a media file whose folder is scanned; it may be gone already (a
        deletion). The library whose root holds it is scanned, the deepest root when roots nest;
        a path in no library queues nothing and returns None. Like a change the watcher sees, a
        scan of that folder already running gets one follow-up scan.
        """
        target = normalize_root(path, field="path")
        if is_media_name(PurePosixPath(target).name):
            target = str(PurePosixPath(target).parent)
        async with self.database.read() as session:
            libraries = await LibraryRepository(session).list()
        owners = {root.path: library.id for library in libraries for root in library.paths}
        root = owning_root(target, owners)
        if root is None:
            log.info("no library holds this path; nothing to scan", path=target)
            return None
        return await enqueue_scan(self.jobs, owners[root], target, follow_up=True)

    async def item_folders(
        self, kinds: Collection[ItemKind], years: Collection[int], offset: int, limit: int
    ) -> tuple[Sequence[ItemFolder], int]:
        """Movies and series (by sort title) with their folders, and how many there are."""
        async with self.database.read() as session:
            items, total = await LocatedItemsRepository(session).page(kinds, years, offset, limit)
            libraries = await LibraryRepository(session).list()
        roots = [root.path for library in libraries for root in library.paths]
        return [
            ItemFolder(item, item.file_path and item_folder(item.file_path, roots))
            for item in items
        ], total

    async def delete(self, library_id: int) -> None:
        """Delete a library with its files and items, and drop every cached read of them."""
        async with self.database.transaction() as session:
            items = await AnyItemRepository(session).refs_of_library(library_id)
            await LibraryRepository(session).delete(library_id)
        await self.invalidation.library_deleted(library_id, items)
