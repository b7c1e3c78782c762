"""Movies and collections."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import aliased

from reelhouse.content.catalogue.items import ItemRepository
from reelhouse.content.metadata.models import Candidate
from reelhouse.content.movies.models import Collection, CollectionPart, Movie
from reelhouse.infra.db.repository import replace_owned


class MovieRepository(ItemRepository[Movie]):
    model = Movie


class CollectionRepository(ItemRepository[Collection]):
    model = Collection

    def in_libraries(self, library_ids: frozenset[int] | None) -> ColumnElement[bool]:
        """A collection belongs to no library: it is of those that hold a live movie of it
        (listed at all only while one does)."""
        movie = aliased(Movie)
        held = exists().where(movie.collection_id == Collection.id, movie.deleted_at.is_(None))
        if library_ids is not None:
            held = held.where(movie.library_id.in_(sorted(library_ids)))
        return held

    async def movies(self, collection_id: int) -> Sequence[Movie]:
        """The live movies of a collection, in release order."""
        return await self.live(
            Movie, Movie.collection_id == collection_id, Movie.release_date, Movie.id
        )

    async def named(self, title: str) -> Collection | None:
        """The live collection of this title that no provider knows (an NFO's `<set>`)."""
        found = await self.session.scalar(
            select(Collection)
            .where(
                Collection.title == title,
                Collection.tmdb_id.is_(None),
                Collection.deleted_at.is_(None),
            )
            .order_by(Collection.id)
            .limit(1)
        )
        return found

    async def set_parts(self, collection_id: int, parts: Sequence[Candidate]) -> None:
        """Make the collection's listed movies these, in this order."""
        wanted = {p.ids.tmdb: p for p in parts if p.ids.tmdb is not None}
        await replace_owned(
            self.session,
            CollectionPart.__table__,  # type: ignore[arg-type]
            ("collection_id", collection_id),
            ("tmdb_id",),
            [
                {"tmdb_id": tmdb_id, "title": part.title, "year": part.year, "sort_order": order}
                for order, (tmdb_id, part) in enumerate(wanted.items())
            ],
            f"parts of collection {collection_id}",
        )

    async def parts(self, collection_id: int) -> Sequence[CollectionPart]:
        """The movies the provider lists in the collection, by year then its order."""
        return (
            await self.session.scalars(
                select(CollectionPart)
                .where(CollectionPart.collection_id == collection_id)
                .order_by(
                    CollectionPart.year.is_(None), CollectionPart.year, CollectionPart.sort_order
                )
                # Rows written by an upsert in this session: read, not the ones loaded before.
                .execution_options(populate_existing=True)
            )
        ).all()
