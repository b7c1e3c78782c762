"""Movies and series with where they lie on disk."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import (
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reelhouse.content.catalogue.models import Item, MediaFileItem
from reelhouse.kinds import ItemKind
from reelhouse.libraries.models import MediaFile


@dataclass(frozen=True, slots=True)
class LocatedItem:
    """A movie or a series, with the first (by path) of its main files, if it has one."""

    id: int
    kind: ItemKind
    title: str
    year: int | None
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None
    file_path: str | None


class LocatedItemsRepository:
    """Movies and series with where they lie on disk, for the tools that ask a media server
    for a series' or a movie's folder (Sonarr, Radarr)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, kinds: Collection[ItemKind], years: Collection[int], offset: int, limit: int
    ) -> tuple[list[LocatedItem], int]:
        """One page of the items (by sort title), and how many there are in all."""
        conditions = [Item.kind.in_(sorted(kinds)), Item.deleted_at.is_(None)]
        if years:
            conditions.append(Item.year.in_(sorted(years)))
        owner = aliased(Item)
        first_file = (
            select(func.min(MediaFile.path))
            .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
            .join(owner, owner.id == MediaFileItem.item_id)
            .where(
                or_(owner.id == Item.id, owner.series_id == Item.id),
                MediaFileItem.extra_type.is_(None),
            )
            .correlate(Item)
            .scalar_subquery()
        )
        columns = (Item.id, Item.kind, Item.title, Item.year, Item.tmdb_id, Item.tvdb_id,
                   Item.imdb_id, first_file)  # fmt: skip
        rows = await self.session.execute(
            select(*columns)
            .where(*conditions)
            .order_by(Item.sort_title, Item.id)
            .offset(offset)
            .limit(limit)
        )
        total = await self.session.scalar(select(func.count()).select_from(Item).where(*conditions))
        located = [LocatedItem(i, ItemKind(kind), *rest) for i, kind, *rest in rows]
        return located, int(total or 0)
