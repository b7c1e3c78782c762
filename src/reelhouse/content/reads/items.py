"""Read services shared by every content module: listings and details, through the cache.

Entries are tagged so that `CatalogueInvalidation` can drop exactly what a write changes:
details and child lists by item, listings by the libraries they cover.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import fields, replace
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.invalidation import PEOPLE_TAG, item_tag, listing_tags
from reelhouse.content.catalogue.items import AnyItemRepository, ItemRepository
from reelhouse.content.catalogue.listing import ItemFilter, PageRequest
from reelhouse.content.catalogue.models import Item
from reelhouse.content.catalogue.people import PeopleRepository
from reelhouse.content.reads.people import PeopleCatalogue
from reelhouse.content.reads.views import (
    CATALOGUE_NAMESPACE,
    CreditedDetails,
    ItemDetailsView,
    ItemView,
    PageView,
    details_view,
)
from reelhouse.errors import NotFoundError
from reelhouse.infra.cache import Cache, CacheNamespace, Read
from reelhouse.infra.db.engine import Database
from reelhouse.playback.repository import ProbeRepository, SubtitleLinkRepository
from reelhouse.watch.tags import watch_user_tag

ItemT = TypeVar("ItemT", bound=Item)


def visible_filter(filters: ItemFilter, visible: frozenset[int] | None) -> ItemFilter:
    """Narrow a listing to the libraries the caller may see."""
    if visible is None:
        return filters
    wanted = visible if filters.library_ids is None else filters.library_ids & visible
    return replace(filters, library_ids=wanted)


def can_see(library_id: int | None, visible: frozenset[int] | None) -> bool:
    """Whether an item of this library is visible to a caller who sees `visible` (None: all)."""
    return visible is None or library_id in visible


_FILTER_FIELDS = tuple(f.name for f in fields(ItemFilter) if f.name != "library_ids")
_PAGE_FIELDS = tuple(f.name for f in fields(PageRequest) if f.name != "after")


def listing_key(kind: str, filters: ItemFilter, page: PageRequest) -> str:
    """A short, canonical key for one page of one listing, built field by field (`asdict` copies
    deeply, and cost more than the rest of a cached page's read)."""
    libraries = sorted(filters.library_ids) if filters.library_ids is not None else None
    values = [
        libraries,
        *(_canonical(getattr(filters, name)) for name in _FILTER_FIELDS),
        *(getattr(page, name) for name in _PAGE_FIELDS),
        page.after.encode() if page.after is not None else None,
    ]
    digest = hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()
    return f"{kind}:page:{digest[:32]}"


def _canonical(value: object) -> object:
    """A filter value as it goes into a key: sets in order, so every process makes one key."""
    return sorted(value) if isinstance(value, frozenset) else value


class ItemCatalogue(Generic[ItemT]):
    """Listings and details of one item class; `repository` names its repository."""

    repository: type[ItemRepository[ItemT]]

    def __init__(self, database: Database, cache: Cache, people: PeopleCatalogue) -> None:
        self.database = database
        self.people = people
        self._pages: CacheNamespace[PageView] = cache.namespace(CATALOGUE_NAMESPACE, PageView)
        self._details: CacheNamespace[ItemDetailsView] = cache.namespace(
            CATALOGUE_NAMESPACE, ItemDetailsView
        )
        self._children: CacheNamespace[tuple[ItemView, ...]] = cache.namespace(
            CATALOGUE_NAMESPACE, tuple[ItemView, ...]
        )

    @property
    def kind(self) -> str:
        return self.repository.model.__name__.lower()

    def listing(
        self, filters: ItemFilter, page: PageRequest, visible: frozenset[int] | None
    ) -> Read[PageView]:
        """One page of a listing, narrowed to the libraries the caller may see, as a read:
        what it shows is cached (and dropped) per page, by the libraries it covers, and by the
        viewer's watch state when it reads it."""
        narrowed = visible_filter(filters, visible)
        tags = listing_tags(narrowed.library_ids)
        if narrowed.viewer_id is not None:
            tags += (watch_user_tag(narrowed.viewer_id),)
        return Read(
            listing_key(self.kind, narrowed, page),
            tags,
            lambda: self._load_page(narrowed, page),
        )

    async def list(
        self, filters: ItemFilter, page: PageRequest, visible: frozenset[int] | None
    ) -> PageView:
        return await self._pages.read(self.listing(filters, page, visible))

    async def _load_page(self, filters: ItemFilter, page: PageRequest) -> PageView:
        async with self.database.read() as session:
            found = await self.repository(session).list_page(filters, page)
        items = tuple(ItemView.of(item) for item in found.items)
        return PageView(items, found.next_cursor, found.total)

    async def details(self, item_id: int, visible: frozenset[int] | None) -> ItemDetailsView:
        async def load() -> ItemDetailsView | None:
            async with self.database.read() as session:
                repo = self.repository(session)
                try:
                    item = await repo.get(item_id)
                except NotFoundError:
                    return None
                files = await repo.files(item_id)
                file_ids = [f.id for f, _ in files]
                return details_view(
                    item,
                    genres=await repo.genres(item_id),
                    studios=await repo.studios(item_id),
                    ratings=await repo.ratings(item_id),
                    credits=await PeopleRepository(session).credits(item_id),
                    images=await repo.images(item_id),
                    files=files,
                    probes=await ProbeRepository(session).of_files(file_ids),
                    subtitles=await SubtitleLinkRepository(session).of_videos(file_ids),
                    videos=await repo.videos(item_id),
                    tags=await repo.tags(item_id),
                )

        details = await self._details.get_or_load(
            f"{self.kind}:details:{item_id}", load, tags=[item_tag(item_id)]
        )
        return self._visible(details, item_id, visible)

    async def credited(self, item_id: int, visible: frozenset[int] | None) -> Read[CreditedDetails]:
        """The details of a visible item with the current names of the people they credit, as
        a read dropped with the item and with any change of a person; `NotFoundError` alike
        for an absent and a hidden item."""
        await self.details(item_id, visible)

        async def load() -> CreditedDetails:
            # Read again inside the load, so that a change while it runs is not kept.
            details = await self.details(item_id, None)
            names = await self.people.names(credit.person_id for credit in details.credits)
            return CreditedDetails(details, names)

        return Read(f"{self.kind}:credited:{item_id}", (item_tag(item_id), PEOPLE_TAG), load)

    async def children(
        self,
        parent_id: int,
        visible: frozenset[int] | None,
        load_children: Callable[[AsyncSession], Awaitable[Sequence[Item]]],
    ) -> tuple[ItemView, ...]:
        """The live children of a visible item (a series' seasons, a season's episodes)."""
        await self.details(parent_id, visible)

        async def load() -> tuple[ItemView, ...]:
            async with self.database.read() as session:
                found = await load_children(session)
            return tuple(ItemView.of(child) for child in found)

        value = await self._children.get_or_load(
            f"{self.kind}:children:{parent_id}", load, tags=[item_tag(parent_id)]
        )
        return value or ()

    def _visible(
        self, details: ItemDetailsView | None, item_id: int, visible: frozenset[int] | None
    ) -> ItemDetailsView:
        """The details, or `NotFoundError` alike for absent and hidden items (ids do not leak)."""
        if details is None or not can_see(details.item.library_id, visible):
            raise NotFoundError(f"{self.kind} {item_id} does not exist")
        return details


class AnyItemCatalogue(ItemCatalogue[Item]):
    """Listings over items of every kind (`ItemFilter.kinds` narrows them), for clients that
    list movies and series together, as Jellyfin's do."""

    repository = AnyItemRepository
