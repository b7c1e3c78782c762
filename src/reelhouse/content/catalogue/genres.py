"""Genres in use, with how many items have each."""

from __future__ import annotations

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.models import Genre, Item, ItemGenre


class GenreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, library_ids: frozenset[int] | None) -> list[tuple[str, int]]:
        """Genres in use by live items of the given libraries, with how many items each has."""
        query = (
            select(Genre.name, func.count(ItemGenre.item_id))
            .join(ItemGenre, ItemGenre.genre_id == Genre.id)
            .join(Item, Item.id == ItemGenre.item_id)
            .where(Item.deleted_at.is_(None))
            .group_by(Genre.name)
            .order_by(Genre.name)
        )
        if library_ids is not None:
            query = query.where(Item.library_id.in_(sorted(library_ids)))
        return [(name, int(count)) for name, count in await self.session.execute(query)]
