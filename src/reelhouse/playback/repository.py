"""The probes of media files and the links of external subtitles to their videos (house rule
3: the SQL of both lives here)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Integer, and_, case, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reelhouse.content.catalogue.invalidation import ItemRef
from reelhouse.content.catalogue.items import REF_COLUMNS
from reelhouse.content.catalogue.models import Item, MediaFileItem
from reelhouse.content.enrichment import UnlinkedFile
from reelhouse.infra.db.repository import BULK_CHUNK, chunked, upsert
from reelhouse.infra.db.types import utcnow
from reelhouse.libraries.models import FileState, MediaFile
from reelhouse.naming import Identity, Kind
from reelhouse.playback.facts import MediaFacts
from reelhouse.playback.models import ExternalSubtitle, MediaProbe

#: The files a probe looks into: everything that is a video (extras too: they play).
PROBED_KINDS = (Kind.MOVIE, Kind.EPISODE, Kind.EXTRA)
#: The files an external subtitle may belong to.
VIDEO_KINDS = (Kind.MOVIE, Kind.EPISODE)


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    """A present video file whose stored probe is missing or older than the file."""

    id: int
    path: str
    path_bytes: bytes
    size: int
    mtime_ns: int
    inode: int
    container: str | None


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    """What one probe of `target` found, or why it found nothing."""

    target: ProbeTarget
    facts: MediaFacts | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StoredProbe:
    facts: MediaFacts | None
    error: str | None


def _of_kinds(kinds: Iterable[Kind]) -> Any:
    return MediaFile.identity["kind"].as_string().in_(sorted(kinds))


class ProbeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _unprobed(self, library_id: int) -> Any:
        """Present video files of the library with no probe, or a probe of other bytes."""
        current = and_(
            MediaProbe.size == MediaFile.size,
            MediaProbe.mtime_ns == MediaFile.mtime_ns,
            MediaProbe.inode == MediaFile.inode,
        )
        return (
            select(MediaFile)
            .outerjoin(MediaProbe, MediaProbe.media_file_id == MediaFile.id)
            .where(
                MediaFile.library_id == library_id,
                MediaFile.state == FileState.PRESENT,
                _of_kinds(PROBED_KINDS),
                or_(MediaProbe.media_file_id.is_(None), ~current),
            )
        )

    async def count_unprobed(self, library_id: int) -> int:
        query = self._unprobed(library_id).with_only_columns(func.count())
        return int((await self.session.execute(query)).scalar_one())

    async def unprobed(self, library_id: int, *, after_id: int, limit: int) -> list[ProbeTarget]:
        """The next `limit` files to probe, by id after `after_id` (a job's checkpoint)."""
        query = (
            self._unprobed(library_id)
            .with_only_columns(
                MediaFile.id,
                MediaFile.path,
                MediaFile.path_bytes,
                MediaFile.size,
                MediaFile.mtime_ns,
                MediaFile.inode,
                MediaFile.container,
            )
            .where(MediaFile.id > after_id)
            .order_by(MediaFile.id)
            .limit(limit)
        )
        return [ProbeTarget(*row) for row in await self.session.execute(query)]

    async def save(self, outcomes: Sequence[ProbeOutcome]) -> None:
        """Store each outcome over the file's earlier probe."""
        for outcome in outcomes:
            target, facts = outcome.target, outcome.facts
            main = facts.main_video if facts else None
            values = {
                "size": target.size,
                "mtime_ns": target.mtime_ns,
                "inode": target.inode,
                "probed_at": utcnow(),
                "error": outcome.error,
                "facts": msgspec.to_builtins(facts) if facts else None,
                "duration_s": facts.duration_s if facts else None,
                "width": main.width if main else None,
                "resolution": main.resolution.value if main else None,
                "hdr": main.hdr.value if main and main.hdr else None,
                "channels": facts.max_channels if facts else None,
            }
            insert = upsert(self.session, MediaProbe.__table__)  # type: ignore[arg-type]
            await self.session.execute(
                insert.values(media_file_id=target.id, **values).on_conflict_do_update(
                    index_elements=["media_file_id"], set_=values
                )
            )

    async def of_files(self, file_ids: Collection[int]) -> dict[int, StoredProbe]:
        """The stored probes of these files, read back typed."""
        found: dict[int, StoredProbe] = {}
        for chunk in chunked(sorted(file_ids), BULK_CHUNK):
            rows = await self.session.execute(
                select(MediaProbe.media_file_id, MediaProbe.facts, MediaProbe.error).where(
                    MediaProbe.media_file_id.in_(chunk)
                )
            )
            for file_id, facts, error in rows:
                typed = msgspec.convert(facts, MediaFacts) if facts is not None else None
                found[file_id] = StoredProbe(typed, error)
        return found

    async def fill_runtimes(self, library_id: int) -> list[ItemRef]:
        """Items of the library the providers left without a runtime get their files' (the
        parts of a stacked item added up, else the longest version); the items changed."""
        duration = (
            select(
                func.coalesce(
                    func.sum(MediaProbe.duration_s).filter(MediaFileItem.part.is_not(None)),
                    func.max(MediaProbe.duration_s),
                )
            )
            .select_from(MediaProbe)
            .join(MediaFileItem, MediaFileItem.media_file_id == MediaProbe.media_file_id)
            .where(MediaFileItem.item_id == Item.id, MediaFileItem.extra_type.is_(None))
            .scalar_subquery()
        )
        lacking = (
            Item.library_id == library_id,
            Item.runtime_minutes.is_(None),
            Item.deleted_at.is_(None),
            duration > 0,
        )
        refs = [
            ItemRef(*row)
            for row in await self.session.execute(select(*REF_COLUMNS).where(*lacking))
        ]
        if refs:
            await self.session.execute(
                update(Item)
                .where(*lacking)
                .values(
                    runtime_minutes=case(
                        (duration < 60, 1), else_=cast(func.round(duration / 60), Integer)
                    )
                )
                .execution_options(synchronize_session=False)
            )
        return refs


class SubtitleLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unattached(self, library_id: int) -> list[UnlinkedFile]:
        """Present subtitle files of the library that belong to no present video."""
        video = aliased(MediaFile)
        rows = await self.session.execute(
            select(MediaFile.id, MediaFile.path, MediaFile.identity)
            .outerjoin(ExternalSubtitle, ExternalSubtitle.subtitle_file_id == MediaFile.id)
            .outerjoin(video, video.id == ExternalSubtitle.video_file_id)
            .where(
                MediaFile.library_id == library_id,
                MediaFile.state == FileState.PRESENT,
                _of_kinds([Kind.SUBTITLE]),
                or_(video.id.is_(None), video.state != FileState.PRESENT),
            )
            .order_by(MediaFile.id)
        )
        return _named(rows)

    async def videos_in(self, library_id: int, folders: Collection[str]) -> list[UnlinkedFile]:
        """Present videos lying directly in these folders (absolute, without a trailing /)."""
        found: list[UnlinkedFile] = []
        for chunk in chunked(sorted(folders), BULK_CHUNK // 10):
            inside = [MediaFile.path.startswith(f"{folder}/", autoescape=True) for folder in chunk]
            rows = await self.session.execute(
                select(MediaFile.id, MediaFile.path, MediaFile.identity)
                .where(
                    MediaFile.library_id == library_id,
                    MediaFile.state == FileState.PRESENT,
                    _of_kinds(VIDEO_KINDS),
                    or_(*inside),
                )
                .order_by(MediaFile.id)
            )
            found += [f for f in _named(rows) if f.path.rpartition("/")[0] in folders]
        return found

    async def attach(self, links: Iterable[tuple[int, int]]) -> None:
        """Each `(subtitle file, video file)`: the subtitle belongs to that video now."""
        for subtitle_id, video_id in links:
            insert = upsert(self.session, ExternalSubtitle.__table__)  # type: ignore[arg-type]
            await self.session.execute(
                insert.values(
                    subtitle_file_id=subtitle_id, video_file_id=video_id
                ).on_conflict_do_update(
                    index_elements=["subtitle_file_id"], set_={"video_file_id": video_id}
                )
            )

    async def path_bytes(self, subtitle_file_id: int) -> bytes | None:
        """The exact name on disk of a present subtitle file."""
        found: bytes | None = await self.session.scalar(
            select(MediaFile.path_bytes).where(
                MediaFile.id == subtitle_file_id, MediaFile.state == FileState.PRESENT
            )
        )
        return found

    async def of_videos(self, video_ids: Collection[int]) -> dict[int, list[UnlinkedFile]]:
        """The present external subtitles of these videos, by video, in path order."""
        found: dict[int, list[UnlinkedFile]] = {}
        for chunk in chunked(sorted(video_ids), BULK_CHUNK):
            rows = await self.session.execute(
                select(
                    ExternalSubtitle.video_file_id,
                    MediaFile.id,
                    MediaFile.path,
                    MediaFile.identity,
                )
                .join(MediaFile, MediaFile.id == ExternalSubtitle.subtitle_file_id)
                .where(
                    ExternalSubtitle.video_file_id.in_(chunk),
                    MediaFile.state == FileState.PRESENT,
                )
                .order_by(MediaFile.path)
            )
            for video_id, file_id, path, identity in rows:
                found.setdefault(video_id, []).extend(_named([(file_id, path, identity)]))
        return found


def _named(rows: Iterable[Any]) -> list[UnlinkedFile]:
    return [
        UnlinkedFile(file_id, path, Identity.from_json(identity or {}, path=path))
        for file_id, path, identity in rows
    ]
