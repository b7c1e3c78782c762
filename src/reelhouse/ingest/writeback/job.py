"""`catalogue.write_back`: a library's (or one item's) NFO files and chosen artwork, written
beside its media for Kodi and the like, when the library asks for them (`options`).

Queued after each artwork job of a library that writes anything back, and on demand. Each
file is an item of the job: one that cannot be written (a read-only folder, a path leading
out of the library) is recorded against the job with its path and reason, and the others go
on; one reelhouse did not write is left alone and counted as `skipped` (`files`). Writing the
same again changes nothing on disk, so running the job twice is the same as once.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.repository import BULK_CHUNK, chunked
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.fanout import id_arg, library_key
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.logging import get_logger
from reelhouse.ingest.artwork_names import Owner, kodi_file_name
from reelhouse.ingest.links import ItemFile, MediaLinkRepository
from reelhouse.ingest.writeback.documents import nfo_body
from reelhouse.ingest.writeback.files import (
    Outcome,
    Recorded,
    Written,
    remove_leftovers,
    write_beside,
)
from reelhouse.ingest.writeback.options import WriteBackOptions
from reelhouse.ingest.writeback.plan import Spot, spots_of
from reelhouse.ingest.writeback.repository import ItemFacts, WriteBackRepository
from reelhouse.kinds import ItemKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.users.repository import UserRepository
from reelhouse.watch.repository import StoredState, WatchRepository

log = get_logger(__name__)

WRITE_BACK_KIND = "catalogue.write_back"


async def enqueue_write_back(
    queue: JobQueue, library_id: int, item_id: int | None = None
) -> Enqueued:
    """Write back the library's files (or one item's); asked again while one is queued, that
    one is returned, and while one runs, one more follows it."""
    if item_id is None:
        return await queue.enqueue_follow_up(
            WRITE_BACK_KIND, {"library_id": library_id}, key=library_key(library_id)
        )
    return await queue.enqueue_follow_up(
        WRITE_BACK_KIND, {"library_id": library_id, "item_id": item_id}, key=f"item:{item_id}"
    )


@dataclass(frozen=True, slots=True)
class _File:
    """One file to write: where, under which root, and how to get its bytes."""

    path: str
    root: str
    body: Callable[[], Awaitable[bytes]]


@dataclass(frozen=True)
class WriteBack:
    database: Database
    images: ImageStore

    def register(self, registry: JobRegistry) -> None:
        registry.register(WRITE_BACK_KIND, self.write_back)

    async def write_back(self, ctx: JobContext) -> None:
        started_ns = time.time_ns()  # a leftover temporary file is older than this job
        library_id = id_arg(ctx.args, "library_id")
        item_id = id_arg(ctx.args, "item_id") if "item_id" in ctx.args else None
        async with self.database.read() as session:
            library = await LibraryRepository(session).get(library_id)
            options = WriteBackOptions.of(library.settings)
            roots = [p.path for p in library.paths]
            files = await MediaLinkRepository(session).library_item_files(library_id)
            user_id = await self._user(ctx, session, options.nfo_watch_user)
        if not options.writes_anything:
            log.info("library writes nothing back", library_id=library_id)
            return
        spots = spots_of(_of_item(files, item_id) if item_id else files, roots)
        if item_id is not None:
            spots = _keep(spots, item_id, files)
        series_of = {f.item_id: f.series_id for f in files if f.series_id is not None}
        for chunk in chunked(spots, BULK_CHUNK):
            ctx.check_cancelled()
            await self._chunk(ctx, library_id, options, user_id, chunk, series_of, started_ns)

    async def _user(
        self, ctx: JobContext, session: AsyncSession, username: str | None
    ) -> int | None:
        """The id of the user whose history goes into the NFO files; a name that is no user's
        is reported against the job, and the files are written without history."""
        if username is None:
            return None
        user = await UserRepository(session).find_by_username(username)
        if user is None:
            log.warning("NFO viewing history not written: no such user", username=username)
            ctx.item_failed(f"nfo_watch_user {username!r}", "no such user: no history written")
            return None
        return user.id

    async def _chunk(
        self,
        ctx: JobContext,
        library_id: int,
        options: WriteBackOptions,
        user_id: int | None,
        spots: Sequence[Spot],
        series_of: Mapping[int, int | None],
        started_ns: int,
    ) -> None:
        """Plan and write the files of these spots: their items read at once, what a killed
        write-back left in their folders removed, then each file written on its own and what
        was written recorded together."""
        ids = {i for spot in spots for i in spot.item_ids}
        shows = {series for i in ids if (series := series_of.get(i)) is not None}
        async with self.database.read() as session:
            repository = WriteBackRepository(session)
            facts = await repository.facts(ids | shows)
            collections = await repository.collections(
                {f.collection_id for f in facts.values() if f.collection_id}
            )
            watch: Mapping[int, StoredState] | None = None
            if user_id is not None:
                watch = await WatchRepository(session).states(user_id, ids)
        series_titles = {f.id: f.title for f in facts.values() if f.kind is ItemKind.SERIES}
        planned: list[_File] = []
        for spot in spots:
            items = sorted(
                (facts[i] for i in spot.item_ids if i in facts),
                key=lambda f: (f.parent_index_number or 0, f.index_number or 0),
            )
            if not items:
                continue
            if options.write_nfo and spot.nfo is not None:
                show = series_titles.get(series_of.get(items[0].id) or 0)
                body = nfo_body(
                    spot.owner, items, collections=collections, watch=watch, show_title=show
                )
                planned.append(_File(spot.nfo, spot.root, _ready(body)))
            if options.write_artwork:
                planned += self._artwork(spot, items[0])
        async with self.database.read() as session:
            recorded = await WriteBackRepository(session).recorded(
                library_id, [f.path for f in planned]
            )
        folders = {(os.path.dirname(file.path), file.root) for file in planned}
        removed = await asyncio.to_thread(remove_leftovers, folders, started_ns)
        if removed:
            log.info("removed what a killed write-back left", files=removed)
        ctx.progress.add_total(len(planned))
        # What was written is recorded once for the chunk (a transaction per file cost more
        # than the writing). Records lost to a crash come back by themselves: a file that
        # holds what the next run would write is found unchanged and recorded then.
        written: list[Written] = []
        try:
            for file in planned:
                ctx.check_cancelled()
                done = await self._write(ctx, options, file, recorded.get(file.path))
                if done is not None:
                    written.append(done)
        finally:
            if written:
                async with ctx.transaction(ctx.checkpoint) as session:
                    await WriteBackRepository(session).record(library_id, written)

    def _artwork(self, spot: Spot, facts: ItemFacts) -> list[_File]:
        found = []
        for image in facts.images:
            extension = os.path.splitext(image.path)[1][1:]
            name = kodi_file_name(
                spot.owner, image.kind, extension, stem=spot.stem, season=spot.season
            )
            if name is not None:
                path = os.path.join(spot.folder, name)
                found.append(_File(path, spot.root, self._image_body(image.path)))
        return found

    def _image_body(self, stored: str) -> Callable[[], Awaitable[bytes]]:
        def read_stored() -> bytes:
            return self.images.resolve(stored).read_bytes()

        async def read() -> bytes:
            return await asyncio.to_thread(read_stored)  # one thread hop, not two

        return read

    async def _write(
        self,
        ctx: JobContext,
        options: WriteBackOptions,
        file: _File,
        recorded: Recorded | None,
    ) -> Written | None:
        """Write one file (its failure recorded against it); what is to be recorded as
        reelhouse's, if anything."""
        with ctx.item(file.path) as item:
            body = await file.body()
            written = await asyncio.to_thread(
                write_beside,
                file.path,
                body,
                file.root,
                recorded,
                overwrite_foreign=options.overwrite_foreign_files,
            )
            item.outcome = written.outcome.value
            if written.outcome is Outcome.SKIPPED:
                log.warning("not written over a file reelhouse did not write", path=file.path)
                return None
            if written.outcome is Outcome.UNCHANGED and recorded == Recorded(
                written.size, written.sha256
            ):
                return None
            return written
        return None


def _ready(body: bytes) -> Callable[[], Awaitable[bytes]]:
    async def give() -> bytes:
        return body

    return give


def _of_item(files: Sequence[ItemFile], item_id: int) -> list[ItemFile]:
    """The files of one item, or of its seasons and episodes."""
    held = [f for f in files if item_id in (f.item_id, f.series_id, f.season_id)]
    if not held:
        raise InvalidInputError(f"item {item_id} has no file in its library", field="item_id")
    return held


def _keep(spots: Sequence[Spot], item_id: int, files: Sequence[ItemFile]) -> list[Spot]:
    """The spots of one item: a series' with its seasons and episodes, a season's with its
    episodes."""
    if any(f.series_id == item_id for f in files):
        return list(spots)
    if any(f.season_id == item_id for f in files):
        return [s for s in spots if s.owner in (Owner.SEASON, Owner.EPISODE)]
    return [s for s in spots if item_id in s.item_ids]
