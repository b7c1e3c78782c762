"""Direct play: which file of an item a caller may play, opened for serving."""

from __future__ import annotations

import anyio

from reelhouse.content.reads.items import can_see
from reelhouse.errors import NotFoundError
from reelhouse.infra.db.engine import Database
from reelhouse.playback.files import PlayableFile, PlayableFileRepository
from reelhouse.playback.opening import OpenedFile, open_playable


class PlaybackService:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def open_file(
        self,
        item_id: int,
        visible: frozenset[int] | None,
        *,
        file_id: int | None = None,
        part: int | None = None,
    ) -> OpenedFile:
        """The item's file, open: file `file_id` of the item, else part `part` (from 1) of its
        first version, else the first part of the first version. `NotFoundError` alike for an
        absent item and one the caller may not see; also when the item holds no such file (a
        series, a season, a movie without a present file), and `FileGoneError` when the disk
        no longer has the file the catalogue has. The caller closes what it gets."""
        async with self.database.read() as session:
            found = await PlayableFileRepository(session).item_files(item_id)
        if found is None or not can_see(found.library_id, visible):
            raise NotFoundError(f"item {item_id} does not exist")
        files = [f for f in found.files if can_see(f.library_id, visible)]
        return await anyio.to_thread.run_sync(open_playable, _chosen(item_id, files, file_id, part))


def _chosen(
    item_id: int, files: list[PlayableFile], file_id: int | None, part: int | None
) -> PlayableFile:
    if file_id is not None:
        wanted = next((f for f in files if f.id == file_id), None)
        if wanted is None:
            raise NotFoundError(f"item {item_id} has no playable file {file_id}")
        return wanted
    if part is not None:
        wanted = next((f for f in files if f.part == part), None)
        if wanted is None:
            raise NotFoundError(f"item {item_id} has no part {part}")
        return wanted
    if not files:
        raise NotFoundError(f"item {item_id} has no file to play")
    return files[0]
