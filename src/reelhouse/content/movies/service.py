"""Reads of the movie catalogue."""

from __future__ import annotations

from dataclasses import replace

import msgspec

from reelhouse.content.catalogue.invalidation import ALL_LIBRARIES_LISTING, item_tag
from reelhouse.content.catalogue.listing import ItemFilter, PageRequest
from reelhouse.content.movies.models import Collection, Movie
from reelhouse.content.movies.repository import CollectionRepository, MovieRepository
from reelhouse.content.reads.items import ItemCatalogue, can_see
from reelhouse.content.reads.people import PeopleCatalogue
from reelhouse.content.reads.views import CATALOGUE_NAMESPACE, ItemDetailsView, ItemView, PageView
from reelhouse.errors import NotFoundError
from reelhouse.infra.cache import Cache, CacheNamespace, Read
from reelhouse.infra.db.engine import Database


class MovieCatalogue(ItemCatalogue[Movie]):
    repository = MovieRepository


class PartView(msgspec.Struct, frozen=True):
    """A movie the provider lists in a collection."""

    tmdb_id: int
    title: str
    year: int | None


class CollectionEntry(msgspec.Struct, frozen=True):
    """One movie of a collection: the catalogue's movie when the caller may see it, else the
    provider's listing of a movie the library misses."""

    title: str
    year: int | None
    tmdb_id: int | None
    movie: ItemView | None

    @property
    def missing(self) -> bool:
        return self.movie is None


class CollectionOverview(msgspec.Struct, frozen=True):
    """A collection's details and its movies in release order, those the caller may see and
    those the libraries miss."""

    details: ItemDetailsView
    entries: tuple[CollectionEntry, ...]

    @property
    def movies(self) -> tuple[ItemView, ...]:
        return tuple(e.movie for e in self.entries if e.movie is not None)

    @property
    def missing(self) -> tuple[CollectionEntry, ...]:
        return tuple(e for e in self.entries if e.movie is None)


class CollectionCatalogue(ItemCatalogue[Collection]):
    """Collections belong to no library: one is listed, and shown, to a caller who may see one
    of its movies, with those movies only."""

    repository = CollectionRepository

    def __init__(self, database: Database, cache: Cache, people: PeopleCatalogue) -> None:
        super().__init__(database, cache, people)
        self._parts: CacheNamespace[tuple[PartView, ...]] = cache.namespace(
            CATALOGUE_NAMESPACE, tuple[PartView, ...]
        )

    def listing(
        self, filters: ItemFilter, page: PageRequest, visible: frozenset[int] | None
    ) -> Read[PageView]:
        """As every listing, and dropped with any item's change too: a collection's title or
        poster changes without a change in the libraries its movies are in."""
        read = super().listing(filters, page, visible)
        return replace(read, tags=(*read.tags, ALL_LIBRARIES_LISTING))

    async def details(self, item_id: int, visible: frozenset[int] | None) -> ItemDetailsView:
        details = await super().details(item_id, None)
        if visible is not None and not await self.movies(item_id, visible):
            raise NotFoundError(f"{self.kind} {item_id} does not exist")
        return details

    async def movies(
        self, collection_id: int, visible: frozenset[int] | None
    ) -> tuple[ItemView, ...]:
        """The movies of a collection that the caller may see, in release order."""
        movies = await self.children(
            collection_id, None, lambda session: CollectionRepository(session).movies(collection_id)
        )
        return tuple(movie for movie in movies if can_see(movie.library_id, visible))

    async def overview(
        self, collection_id: int, visible: frozenset[int] | None
    ) -> CollectionOverview:
        """The collection with its movies: the provider's list of them, each matched to a movie
        the caller may see or said missing, and any movie of it the provider does not list
        (a collection from NFO files alone)."""
        details = await self.details(collection_id, visible)
        movies = await self.movies(collection_id, visible)
        by_tmdb = {_tmdb_id(movie): movie for movie in movies}
        entries: list[CollectionEntry] = []
        for part in await self._listed_parts(collection_id):
            movie = by_tmdb.pop(part.tmdb_id, None)
            entries.append(CollectionEntry(part.title, part.year, part.tmdb_id, movie))
        listed = {e.movie.id for e in entries if e.movie is not None}
        entries += [
            CollectionEntry(movie.title, movie.year, _tmdb_id(movie), movie)
            for movie in movies
            if movie.id not in listed
        ]
        entries.sort(key=_release_order)
        return CollectionOverview(details, tuple(entries))

    async def _listed_parts(self, collection_id: int) -> tuple[PartView, ...]:
        async def load() -> tuple[PartView, ...]:
            async with self.database.read() as session:
                parts = await CollectionRepository(session).parts(collection_id)
            return tuple(PartView(p.tmdb_id, p.title, p.year) for p in parts)

        found = await self._parts.get_or_load(
            f"{self.kind}:parts:{collection_id}", load, tags=[item_tag(collection_id)]
        )
        return found or ()


def _tmdb_id(movie: ItemView) -> int | None:
    return next((int(value) for name, value in movie.provider_ids if name == "tmdb"), None)


def _release_order(entry: CollectionEntry) -> tuple[bool, str]:
    """By release date (a missing movie's year), those without one last; stable otherwise."""
    movie = entry.movie
    if movie is not None and movie.release_date is not None:
        return False, movie.release_date.isoformat()
    year = movie.year if movie is not None else entry.year
    return year is None, f"{year:04d}" if year is not None else ""
