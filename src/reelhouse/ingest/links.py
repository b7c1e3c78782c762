"""The one owner of the media-file <-> item link: which files an item holds, which files are
not in the catalogue yet, and which items a change of files touches (house rule 3)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.invalidation import ItemRef
from reelhouse.content.catalogue.items import REF_COLUMNS
from reelhouse.content.catalogue.models import Item, MediaFileItem
from reelhouse.content.enrichment import FileLink, UnlinkedFile
from reelhouse.infra.db.repository import BULK_CHUNK, chunked, constraint_errors, upsert
from reelhouse.kinds import ItemKind
from reelhouse.libraries.models import FileState, MediaFile
from reelhouse.naming import Identity, Kind
from reelhouse.playback.models import ExternalSubtitle


@dataclass(frozen=True, slots=True)
class ItemFile:
    """A live item's main file, with where the item hangs (an episode's season and series)."""

    item_id: int
    kind: ItemKind
    file: UnlinkedFile
    season_id: int | None = None
    series_id: int | None = None
    season_number: int | None = None


class MediaLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def link(self, links: Iterable[FileLink]) -> None:
        """Each main file holds its item (as part `part` of it)."""
        for link in links:
            await self.link_file(link.item_id, link.file_id, part=link.part)

    async def link_extra(self, item_id: int, file: UnlinkedFile) -> None:
        """`file` is an extra (trailer, featurette...) of the item."""
        extra_type = str(file.identity.extra_type or "other")
        await self.link_file(item_id, file.id, extra_type=extra_type)

    async def link_file(
        self,
        item_id: int,
        file_id: int,
        *,
        part: int | None = None,
        extra_type: str | None = None,
    ) -> None:
        """The file belongs to the item, as a part of it or as one of its extras, whether or
        not it did before."""
        insert = upsert(self.session, MediaFileItem.__table__)  # type: ignore[arg-type]
        statement = insert.values(
            item_id=item_id, media_file_id=file_id, extra_type=extra_type, part=part
        ).on_conflict_do_update(
            index_elements=["media_file_id", "item_id"],
            set_={"extra_type": extra_type, "part": part},
        )
        with constraint_errors(f"file link of item {item_id}"):
            await self.session.execute(statement)

    async def unlink(self, file_ids: Sequence[int]) -> None:
        """These files belong to no item any more (until enrichment links them again)."""
        for chunk in chunked(list(file_ids), BULK_CHUNK):
            await self.session.execute(
                delete(MediaFileItem).where(MediaFileItem.media_file_id.in_(chunk))
            )

    async def unlinked(self, library_id: int, kinds: Collection[Kind]) -> list[UnlinkedFile]:
        """Present files of the library that no item links to, of the kinds given."""
        linked = exists().where(MediaFileItem.media_file_id == MediaFile.id)
        rows = await self.session.execute(
            select(MediaFile.id, MediaFile.path, MediaFile.identity)
            .where(
                MediaFile.library_id == library_id,
                MediaFile.state == FileState.PRESENT,
                MediaFile.identity["kind"].as_string().in_(sorted(kinds)),
                ~linked,
            )
            .order_by(MediaFile.id)
        )
        return _unlinked(rows)

    async def main_files(self, item_id: int) -> list[UnlinkedFile]:
        """The item's own media files, and for a series its episodes' files (extras left out)."""
        rows = await self.session.execute(
            select(MediaFile.id, MediaFile.path, MediaFile.identity)
            .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
            .join(Item, Item.id == MediaFileItem.item_id)
            .where(
                or_(Item.id == item_id, Item.series_id == item_id),
                MediaFileItem.extra_type.is_(None),
            )
            .order_by(MediaFile.id)
        )
        return _unlinked(rows)

    async def library_item_files(self, library_id: int) -> list[ItemFile]:
        """The main files of the library's live items, each with its item (files present on
        disk only: a missing one has no folder to look in)."""
        rows = await self.session.execute(
            select(
                Item.id,
                Item.kind,
                Item.parent_id,
                Item.series_id,
                Item.parent_index_number,
                MediaFile.id,
                MediaFile.path,
                MediaFile.identity,
            )
            .join(MediaFileItem, MediaFileItem.item_id == Item.id)
            .join(MediaFile, MediaFile.id == MediaFileItem.media_file_id)
            .where(
                Item.library_id == library_id,
                Item.deleted_at.is_(None),
                MediaFile.state == FileState.PRESENT,
                MediaFileItem.extra_type.is_(None),
            )
            .order_by(Item.id, MediaFile.id)
        )
        return [
            ItemFile(
                item_id,
                ItemKind(kind),
                _unlinked([(file_id, path, identity)])[0],
                season_id if kind == ItemKind.EPISODE else None,
                series_id,
                season_number,
            )
            for item_id, kind, season_id, series_id, season_number, file_id, path, identity in rows
        ]

    async def item_in_folder(self, library_id: int, folder: str) -> int | None:
        """The item whose main files lie below `folder` (for an episode, its series)."""
        row = (
            await self.session.execute(
                select(Item.id, Item.series_id)
                .join(MediaFileItem, MediaFileItem.item_id == Item.id)
                .join(MediaFile, MediaFile.id == MediaFileItem.media_file_id)
                .where(
                    MediaFile.library_id == library_id,
                    MediaFile.path.startswith(folder.rstrip("/") + "/", autoescape=True),
                    MediaFileItem.extra_type.is_(None),
                    Item.deleted_at.is_(None),
                )
                .order_by(MediaFile.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        item_id, series_id = row
        return int(series_id or item_id)

    async def refs_of_files(self, file_ids: Sequence[int]) -> list[ItemRef]:
        """The items these media files are linked to, and for external subtitle files the
        items of their videos (whose details list them)."""
        refs: set[ItemRef] = set()
        for chunk in chunked(list(file_ids), BULK_CHUNK):
            videos = select(ExternalSubtitle.video_file_id).where(
                ExternalSubtitle.subtitle_file_id.in_(chunk)
            )
            rows = await self.session.execute(
                select(*REF_COLUMNS)
                .join(MediaFileItem, MediaFileItem.item_id == Item.id)
                .where(
                    or_(
                        MediaFileItem.media_file_id.in_(chunk),
                        MediaFileItem.media_file_id.in_(videos),
                    )
                )
                .distinct()
            )
            refs.update(ItemRef(*row) for row in rows)
        return sorted(refs, key=lambda ref: ref.id)

    async def refs_of_missing_files(self, library_id: int, cutoff: datetime) -> list[ItemRef]:
        """The items linked to the library's files missing since before `cutoff`."""
        rows = await self.session.execute(
            select(*REF_COLUMNS)
            .join(MediaFileItem, MediaFileItem.item_id == Item.id)
            .join(MediaFile, MediaFile.id == MediaFileItem.media_file_id)
            .where(
                MediaFile.library_id == library_id,
                MediaFile.state == FileState.MISSING,
                MediaFile.missing_since < cutoff,
            )
            .distinct()
        )
        return [ItemRef(*row) for row in rows]


def _unlinked(rows: Iterable[Any]) -> list[UnlinkedFile]:
    return [
        UnlinkedFile(file_id, path, Identity.from_json(identity or {}, path=path))
        for file_id, path, identity in rows
    ]
