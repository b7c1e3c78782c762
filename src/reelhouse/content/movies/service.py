"""Reads of the movie catalogue."""

from __future__ import annotations

from reelhouse.content.movies.models import Collection, Movie
from reelhouse.content.movies.repository import CollectionRepository, MovieRepository
from reelhouse.content.reads.items import ItemCatalogue, can_see
from reelhouse.content.reads.views import ItemView


class MovieCatalogue(ItemCatalogue[Movie]):
    repository = MovieRepository


class CollectionCatalogue(ItemCatalogue[Collection]):
    repository = CollectionRepository

    async def movies(
        self, collection_id: int, visible: frozenset[int] | None
    ) -> tuple[ItemView, ...]:
        """The movies of a collection that the caller may see. A collection belongs to no
        library: it is listed whole, once, and narrowed per caller."""
        movies = await self.children(
            collection_id, None, lambda session: CollectionRepository(session).movies(collection_id)
        )
        return tuple(movie for movie in movies if can_see(movie.library_id, visible))
