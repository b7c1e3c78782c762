"""Movies and collections."""

from __future__ import annotations

from collections.abc import Sequence

from reelhouse.content.catalogue.items import ItemRepository
from reelhouse.content.movies.models import Collection, Movie


class MovieRepository(ItemRepository[Movie]):
    model = Movie


class CollectionRepository(ItemRepository[Collection]):
    model = Collection

    async def movies(self, collection_id: int) -> Sequence[Movie]:
        """The live movies of a collection, in release order."""
        return await self.live(
            Movie, Movie.collection_id == collection_id, Movie.release_date, Movie.id
        )
