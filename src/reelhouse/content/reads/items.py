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
from reelhouse.content.catalogue.items import ItemRepository
from reelhouse.content.catalogue.listing import ItemFilter, PageRequest
from reelhouse.content.catalogue.models import Item
from reelhouse.content.catalogue.people import PeopleRepository
from reelhouse.content.reads.views import ItemDetailsView, ItemView, PageView, details_view
from reelhouse.errors import NotFoundError
from reelhouse.infra.cache import Cache, CacheNamespace
from reelhouse.infra.db.engine import Database
from reelhouse.infra.encoded_body import EncodedBody

ItemT = TypeVar("ItemT", bound=Item)
CATALOGUE_NAMESPACE = "catalogue"


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
        *(getattr(filters, name) for name in _FILTER_FIELDS),
        *(getattr(page, name) for name in _PAGE_FIELDS),
        page.after.encode() if page.after is not None else None,
    ]
    digest = hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()
    return f"{kind}:page:{digest[:32]}"


class ItemCatalogue(Generic[ItemT]):
    """Listings and details of one item class; `repository` names its repository."""

    repository: type[ItemRepository[ItemT]]

    def __init__(self, database: Database, cache: Cache) -> None:
        self.database = database
        self._pages: CacheNamespace[PageView] = cache.namespace(CATALOGUE_NAMESPACE, PageView)
        self._rendered: CacheNamespace[EncodedBody] = cache.namespace(
            CATALOGUE_NAMESPACE, EncodedBody
        )
        self._details: CacheNamespace[ItemDetailsView] = cache.namespace(
            CATALOGUE_NAMESPACE, ItemDetailsView
        )
        self._children: CacheNamespace[tuple[ItemView, ...]] = cache.namespace(
            CATALOGUE_NAMESPACE, tuple[ItemView, ...]
        )

    @property
    def kind(self) -> str:
        return self.repository.model.__name__.lower()

    async def list(
        self, filters: ItemFilter, page: PageRequest, visible: frozenset[int] | None
    ) -> PageView:
        narrowed = visible_filter(filters, visible)
        value = await self._pages.get_or_load(
            listing_key(self.kind, narrowed, page),
            lambda: self._load_page(narrowed, page),
            tags=listing_tags(narrowed.library_ids),
        )
        assert value is not None  # noqa: S101 - the loader never answers "not found"
        return value

    async def list_rendered(
        self,
        filters: ItemFilter,
        page: PageRequest,
        visible: frozenset[int] | None,
        form: str,
        render: Callable[[PageView], EncodedBody],
    ) -> EncodedBody:
        """A listing page as `render` writes it (`form` names the rendering, such as the API's
        JSON), cached in that form under the page's tags: a warm read is one lookup, with
        nothing to rebuild or encode again."""
        narrowed = visible_filter(filters, visible)

        async def load() -> EncodedBody:
            return render(await self._load_page(narrowed, page))

        value = await self._rendered.get_or_load(
            f"{listing_key(self.kind, narrowed, page)}:{form}",
            load,
            tags=listing_tags(narrowed.library_ids),
        )
        assert value is not None  # noqa: S101 - the loader never answers "not found"
        return value

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
                return details_view(
                    item,
                    genres=await repo.genres(item_id),
                    studios=await repo.studios(item_id),
                    ratings=await repo.ratings(item_id),
                    credits=await PeopleRepository(session).credits(item_id),
                    images=await repo.images(item_id),
                    files=await repo.files(item_id),
                )

        details = await self._details.get_or_load(
            f"{self.kind}:details:{item_id}", load, tags=[item_tag(item_id)]
        )
        return self._visible(details, item_id, visible)

    async def details_rendered(
        self,
        item_id: int,
        visible: frozenset[int] | None,
        form: str,
        render: Callable[[ItemDetailsView], Awaitable[EncodedBody]],
    ) -> EncodedBody:
        """The details as `render` writes them (`form` names the rendering), with the names of
        the people they credit: cached in that form, dropped with the item and with any change
        of a person."""
        await self.details(item_id, visible)  # absent, or hidden from this caller: not found

        async def load() -> EncodedBody:
            # Read again inside the load, so that a change while it runs is not kept.
            return await render(await self.details(item_id, None))

        value = await self._rendered.get_or_load(
            f"{self.kind}:details:{item_id}:{form}", load, tags=[item_tag(item_id), PEOPLE_TAG]
        )
        assert value is not None  # noqa: S101 - the loader never answers "not found"
        return value

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
