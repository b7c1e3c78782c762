"""Reads about people and genres, across every content kind."""

from __future__ import annotations

from collections.abc import Iterable

from reelhouse.content.catalogue.genres import GenreRepository
from reelhouse.content.catalogue.invalidation import listing_tags, person_tag
from reelhouse.content.catalogue.people import PeopleRepository
from reelhouse.content.reads.views import (
    CATALOGUE_NAMESPACE,
    ItemView,
    PersonCredit,
    PersonDetails,
)
from reelhouse.errors import NotFoundError
from reelhouse.infra.cache import Cache, CacheNamespace
from reelhouse.infra.db.engine import Database


class PeopleCatalogue:
    def __init__(self, database: Database, cache: Cache) -> None:
        self.database = database
        self._names: CacheNamespace[str] = cache.namespace(CATALOGUE_NAMESPACE, str)
        self._genres: CacheNamespace[tuple[tuple[str, int], ...]] = cache.namespace(
            CATALOGUE_NAMESPACE, tuple[tuple[str, int], ...]
        )

    async def names(self, person_ids: Iterable[int]) -> dict[int, str]:
        """Names of people, each cached on its own so that a rename touches one entry."""
        found: dict[int, str] = {}
        for person_id in dict.fromkeys(person_ids):

            async def load(person_id: int = person_id) -> str | None:
                async with self.database.read() as session:
                    try:
                        return (await PeopleRepository(session).get(person_id)).name
                    except NotFoundError:
                        return None

            name = await self._names.get_or_load(
                f"person:name:{person_id}", load, tags=[person_tag(person_id)]
            )
            if name is not None:
                found[person_id] = name
        return found

    async def details(self, person_id: int, visible: frozenset[int] | None) -> PersonDetails:
        """A person with their credits in the libraries the caller may see, if one of them
        credits the person (`PeopleRepository.get_visible`)."""
        async with self.database.read() as session:
            people = PeopleRepository(session)
            person = await people.get_visible(person_id, visible)
            credits = await people.filmography(person_id, visible)
            return PersonDetails.of(
                person,
                [
                    PersonCredit(c.role, c.character, c.department, c.job, ItemView.of(item))
                    for c, item in credits
                ],
            )

    async def genres(self, visible: frozenset[int] | None) -> list[tuple[str, int]]:
        """Genres in use in these libraries (None: all), with counts; cached like a listing
        (a count over a large library is too slow for every page that offers the filter)."""

        async def load() -> tuple[tuple[str, int], ...]:
            async with self.database.read() as session:
                return tuple(await GenreRepository(session).counts(visible))

        scope = "all" if visible is None else ",".join(str(i) for i in sorted(visible))
        counts = await self._genres.get_or_load(f"genres:{scope}", load, tags=listing_tags(visible))
        return list(counts or ())
