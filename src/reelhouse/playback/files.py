"""Which files of an item can be played, with what the catalogue knows of each and the roots of
its library: what direct play opens (house rule 3: the SQL of it, and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.models import Item, MediaFileItem
from reelhouse.kinds import ItemKind
from reelhouse.libraries.models import FileState, LibraryPath, MediaFile


@dataclass(frozen=True, slots=True)
class PlayableFile:
    """A present file of an item, as the last scan saw it: a main one, or an extra (a trailer,
    a featurette...) played on its own."""

    id: int
    library_id: int
    #: Stack part, from 1 (a file that is not stacked is part 1).
    part: int
    path: str
    path_bytes: bytes
    size: int
    mtime_ns: int
    inode: int
    container: str | None
    #: The item it plays, as a person names it (the admin's list of sessions shows it).
    item_kind: ItemKind
    item_title: str
    #: Set for an extra: what it is ("trailer", "featurette"...); None for a main file.
    extra_type: str | None
    #: The root folders of the file's library; the file must lie inside one (house rule 11)
    #: while `confined`, which only `scan.follow_symlinks_outside_roots` turns off.
    roots: tuple[str, ...]
    confined: bool = True


@dataclass(frozen=True, slots=True)
class ItemFiles:
    """A live item's library and its playable files, first part of the first version first;
    its extras apart, in the same order."""

    library_id: int | None
    files: tuple[PlayableFile, ...]
    extras: tuple[PlayableFile, ...]


#: What a played file needs of its row and its item's (the stack part is added apart).
_FILE_COLUMNS = (MediaFile.id, MediaFile.library_id, MediaFile.path, MediaFile.path_bytes,
                 MediaFile.size, MediaFile.mtime_ns, MediaFile.inode, MediaFile.container,
                 Item.kind, Item.title, MediaFileItem.extra_type)  # fmt: skip


class PlayableFileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def item_files(self, item_id: int) -> ItemFiles | None:
        """The item's playable files and extras; None when there is no such live item."""
        item = (
            await self.session.execute(
                select(Item.library_id).where(Item.id == item_id, Item.deleted_at.is_(None))
            )
        ).first()
        if item is None:
            return None
        part = func.coalesce(MediaFileItem.part, 1)
        rows = (
            await self.session.execute(
                select(*_FILE_COLUMNS, part.label("part"))
                .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
                .join(Item, Item.id == MediaFileItem.item_id)
                .where(MediaFileItem.item_id == item_id, MediaFile.state == FileState.PRESENT)
                .order_by(part, MediaFile.id)
            )
        ).all()
        roots = await self._roots({row.library_id for row in rows})
        files = tuple(
            PlayableFile(
                id=row.id,
                library_id=row.library_id,
                part=row.part,
                path=row.path,
                path_bytes=row.path_bytes,
                size=row.size,
                mtime_ns=row.mtime_ns,
                inode=row.inode,
                container=row.container,
                item_kind=ItemKind(row.kind),  # read back as text
                item_title=row.title,
                extra_type=row.extra_type,
                roots=roots.get(row.library_id, ()),
            )
            for row in rows
        )
        return ItemFiles(
            item.library_id,
            tuple(f for f in files if f.extra_type is None),
            tuple(f for f in files if f.extra_type is not None),
        )

    async def _roots(self, library_ids: set[int]) -> dict[int, tuple[str, ...]]:
        if not library_ids:
            return {}
        rows = await self.session.execute(
            select(LibraryPath.library_id, LibraryPath.path)
            .where(LibraryPath.library_id.in_(sorted(library_ids)))
            .order_by(LibraryPath.id)
        )
        roots: dict[int, tuple[str, ...]] = {}
        for library_id, path in rows:
            roots[library_id] = (*roots.get(library_id, ()), path)
        return roots
