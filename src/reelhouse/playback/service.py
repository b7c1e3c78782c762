"""Playing an item's files: which file a caller may play, opened for direct play, and its
subtitle tracks as WebVTT."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, replace

from reelhouse.config import MediaSettings
from reelhouse.content.reads.items import can_see
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.media.ffmpeg import extract_subtitle
from reelhouse.playback.files import ItemFiles, PlayableFile, PlayableFileRepository
from reelhouse.playback.opening import OpenedFile, open_playable
from reelhouse.playback.repository import ProbeRepository, StoredProbe, SubtitleLinkRepository
from reelhouse.playback.subtitle_cache import SubtitleCache
from reelhouse.playback.subtitles import webvtt_from_bytes, webvtt_from_file
from reelhouse.playback.tracks import SubtitleTrack, TrackSource, subtitle_tracks


@dataclass(frozen=True, slots=True)
class FileDetails:
    probe: StoredProbe | None
    subtitles: tuple[SubtitleTrack, ...]


class PlaybackService:
    def __init__(
        self,
        database: Database,
        settings: MediaSettings,
        cache: SubtitleCache,
        *,
        follow_links_out: bool = False,
    ) -> None:
        """`follow_links_out` (`scan.follow_symlinks_outside_roots`): files reached by a link
        out of their library's folders are served too; otherwise they never are."""
        self.database = database
        self.settings = settings
        self.cache = cache
        self.follow_links_out = follow_links_out
        self._extractions = asyncio.Semaphore(settings.extract_concurrency)

    async def open_file(
        self,
        item_id: int,
        visible: frozenset[int] | None,
        *,
        file_id: int | None = None,
        part: int | None = None,
    ) -> OpenedFile:
        """The item's file, open (see `playable`); `FileGoneError` when the disk no longer has
        the file the catalogue has. The caller closes what it gets."""
        media = await self.playable(item_id, visible, file_id=file_id, part=part)
        return await asyncio.to_thread(open_playable, media)

    async def playable(
        self,
        item_id: int,
        visible: frozenset[int] | None,
        *,
        file_id: int | None = None,
        part: int | None = None,
    ) -> PlayableFile:
        """File `file_id` of the item (a version, a part, or an extra such as a local
        trailer), else part `part` (from 1) of its first version, else the first part of the
        first version. `NotFoundError` alike for an absent item and one the caller may not see;
        also when the item holds no such file (a series, a season, a movie without a present
        file)."""
        if file_id is None:
            return _chosen(item_id, await self.playables(item_id, visible), None, part)
        found = await self._files(item_id, visible)
        return _chosen(item_id, [*found.files, *found.extras], file_id, part)

    async def playables(self, item_id: int, visible: frozenset[int] | None) -> list[PlayableFile]:
        """Every main file of the item the caller may play (versions, then parts; no
        extras), as `playable` chooses among them; `NotFoundError` when there is none."""
        files = list((await self._files(item_id, visible)).files)
        if not files:
            raise NotFoundError(f"item {item_id} has no file to play")
        return files

    async def _files(self, item_id: int, visible: frozenset[int] | None) -> ItemFiles:
        """The item's files and extras the caller may see, confined unless links out are
        followed."""
        async with self.database.read() as session:
            found = await PlayableFileRepository(session).item_files(item_id)
        if found is None or not can_see(found.library_id, visible):
            raise NotFoundError(f"item {item_id} does not exist")

        def allowed(files: tuple[PlayableFile, ...]) -> tuple[PlayableFile, ...]:
            seen = (f for f in files if can_see(f.library_id, visible))
            return tuple(replace(f, confined=False) if self.follow_links_out else f for f in seen)

        return ItemFiles(found.library_id, allowed(found.files), allowed(found.extras))

    async def subtitle(
        self,
        item_id: int,
        visible: frozenset[int] | None,
        number: int,
        *,
        file_id: int | None = None,
        part: int | None = None,
    ) -> bytes:
        """Subtitle track `number` of the file (as the item's details number them) as UTF-8
        WebVTT: an external file converted, an embedded stream extracted with ffmpeg then
        converted and kept in the subtitle cache. `InvalidInputError` for image subtitles and
        for text that cannot be read."""
        media = await self.playable(item_id, visible, file_id=file_id, part=part)
        details = await self.details(media)
        track = next((t for t in details.subtitles if t.number == number), None)
        if track is None:
            raise NotFoundError(f"file {media.id} has no subtitle track {number}")
        external_path = None
        if track.file_id is not None:
            async with self.database.read() as session:
                external_path = await SubtitleLinkRepository(session).path_bytes(track.file_id)
        if not track.text:
            raise InvalidInputError(
                f"subtitle track {number} is images ({track.format}): it cannot be WebVTT"
            )
        if track.source is TrackSource.EXTERNAL:
            if external_path is None:
                raise NotFoundError(f"subtitle file {track.file_id} is gone")
            return await webvtt_from_file(
                external_path,
                self.settings.subtitle_max_bytes,
                media.roots if media.confined else None,
                track.format,
                track.language,
            )
        return await self._embedded(media, track)

    async def details(self, media: PlayableFile) -> FileDetails:
        """What the last probe of the file found (None before its first), and its subtitle
        tracks."""
        async with self.database.read() as session:
            probe = (await ProbeRepository(session).of_files([media.id])).get(media.id)
            links = SubtitleLinkRepository(session)
            externals = (await links.of_videos([media.id])).get(media.id, [])
        return FileDetails(probe, subtitle_tracks(probe.facts if probe else None, externals))

    async def _embedded(self, media: PlayableFile, track: SubtitleTrack) -> bytes:
        """An embedded stream, extracted once per version of the file (its tag names it)."""
        opened = await asyncio.to_thread(open_playable, media)  # checks it is still servable
        opened.close()
        index = track.stream_index if track.stream_index is not None else -1

        async def extract() -> bytes:
            path = os.fsdecode(media.path_bytes)
            data = await extract_subtitle(
                self.settings, path, index, track.format, limit=self._extractions
            )
            return await asyncio.to_thread(webvtt_from_bytes, data, track.format)

        return await self.cache.get_or_make(f"embedded:{media.id}:{index}:{opened.etag}", extract)


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
    return files[0]
