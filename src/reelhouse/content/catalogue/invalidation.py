"""The one invalidation path of catalogue reads (house rule 2).

Every writer of catalogue data (scan, enrichment, refresh, manual edit, webhook, delete) calls
this after its transaction commits. It drops cache entries by tag, here, in Redis and in every
other process's L1, without scanning the key space.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reelhouse.content.catalogue.models import Item
from reelhouse.infra.cache import Cache

ALL_LIBRARIES_LISTING = "listing:all"
#: Entries that hold which libraries a user may see (cached authentications): a deleted
#: library's id may be given to a new one, which no grant of the old one may then reach.
LIBRARY_GRANTS_TAG = "library-grants"
#: Entries that list the libraries (their names, kinds and folders).
LIBRARIES_TAG = "libraries"
#: Entries that depend on any person (search results that list people).
PEOPLE_TAG = "people"
# Tags per cache call: a whole library's items are dropped in rounds of this size.
TAGS_PER_CALL = 1_000


def item_tag(item_id: int) -> str:
    """Entries about one item: its details, and the list of its children."""
    return f"item:{item_id}"


def person_tag(person_id: int) -> str:
    """Entries about one person: their name and details."""
    return f"person:{person_id}"


def listing_tags(library_ids: frozenset[int] | None) -> tuple[str, ...]:
    """Tags of a listing over these libraries (None: all of them)."""
    if library_ids is None:
        return (ALL_LIBRARIES_LISTING,)
    return tuple(f"listing:library:{library_id}" for library_id in sorted(library_ids))


@dataclass(frozen=True, slots=True)
class ItemRef:
    """What invalidation needs to know about a changed item, captured before it is gone."""

    id: int
    library_id: int | None
    parent_id: int | None = None
    series_id: int | None = None
    #: A movie's collection, whose details list the movie.
    collection_id: int | None = None

    @classmethod
    def of(cls, item: Item) -> ItemRef:
        return cls(item.id, item.library_id, item.parent_id, item.series_id, item.collection_id)


class CatalogueInvalidation:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    async def items_changed(self, items: Iterable[ItemRef]) -> None:
        """Items were added, changed or deleted: their details, their parents' child lists and
        every listing that could contain them are dropped."""
        tags: set[str] = set()
        for item in items:
            tags.add(item_tag(item.id))
            owners = (item.parent_id, item.series_id, item.collection_id)
            tags.update(item_tag(i) for i in owners if i is not None)
            tags.add(ALL_LIBRARIES_LISTING)
            if item.library_id is not None:
                tags.update(listing_tags(frozenset({item.library_id})))
        ordered = sorted(tags)
        for start in range(0, len(ordered), TAGS_PER_CALL):
            await self.cache.invalidate(tags=ordered[start : start + TAGS_PER_CALL])

    async def people_changed(self, person_ids: Iterable[int]) -> None:
        tags = sorted({person_tag(p) for p in person_ids})
        if tags:
            await self.cache.invalidate(tags=[*tags, PEOPLE_TAG])

    async def libraries_changed(self) -> None:
        """A library was added, renamed or given other folders."""
        await self.cache.invalidate(tags=[LIBRARIES_TAG])

    async def library_deleted(self, library_id: int, items: Iterable[ItemRef]) -> None:
        """A library and its items are gone (`items` were read before the delete)."""
        await self.items_changed(items)
        await self.cache.invalidate(
            tags=[*listing_tags(frozenset({library_id})), LIBRARY_GRANTS_TAG, LIBRARIES_TAG]
        )
