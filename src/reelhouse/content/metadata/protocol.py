"""What a metadata provider offers; movies and TV talk to providers only through these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from reelhouse.content.metadata.models import (
    Candidate,
    CollectionRecord,
    EpisodeRecord,
    ExternalIds,
    MovieRecord,
    OfferedImage,
    SeasonRecord,
    SeriesRecord,
)
from reelhouse.kinds import ItemKind


@dataclass(frozen=True)
class SearchQuery:
    title: str
    year: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class Fetch:
    """How to fetch one item: in which language, and whether to bypass the cache for it."""

    language: str
    refresh: bool = False


class MovieProvider(Protocol):
    name: str

    async def search_movies(self, query: SearchQuery) -> list[Candidate]: ...

    async def movie(self, ids: ExternalIds, fetch: Fetch) -> MovieRecord | None:
        """The whole record in one request, or None when this provider has no id for it."""

    async def collection(self, collection_id: int, fetch: Fetch) -> CollectionRecord: ...

    async def find(self, ids: ExternalIds) -> list[Candidate]:
        """Items this provider knows under another provider's id (cross-linking)."""


class SeriesProvider(Protocol):
    name: str

    async def search_series(self, query: SearchQuery) -> list[Candidate]: ...

    async def series(self, ids: ExternalIds, fetch: Fetch) -> SeriesRecord | None: ...

    async def season(self, ids: ExternalIds, number: int, fetch: Fetch) -> SeasonRecord | None: ...

    async def episode(
        self, ids: ExternalIds, season: int, number: int, fetch: Fetch
    ) -> EpisodeRecord | None: ...

    async def find(self, ids: ExternalIds) -> list[Candidate]: ...


@runtime_checkable
class ImageProvider(Protocol):
    """A provider that lists every image it has for an item (the image picker's)."""

    name: str

    async def offered_images(self, kind: ItemKind, ids: ExternalIds) -> list[OfferedImage]:
        """Every image of the movie or series, in every language, each with its sizes; none
        when this provider has no id for it."""
