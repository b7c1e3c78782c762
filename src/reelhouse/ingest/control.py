"""Manual control of the catalogue: fix a match, refresh an item, write an item back (locks
against refresh are the editor's, `ingest.editing`).

What needs the providers runs as a job (the caller gets the job to follow). Every write goes
through the one invalidation path.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelhouse.content import registry
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.items import AnyItemRepository
from reelhouse.content.catalogue.models import Item
from reelhouse.content.matching.score import MatchQuery, Scored
from reelhouse.content.metadata.enrich import Enricher
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.ingest.pipeline import enqueue_refresh
from reelhouse.ingest.writeback.job import enqueue_write_back
from reelhouse.ingest.writeback.options import WriteBackOptions
from reelhouse.kinds import ItemKind
from reelhouse.libraries.repository import LibraryRepository


@dataclass(frozen=True)
class CatalogueControl:
    database: Database
    queue: JobQueue
    invalidation: CatalogueInvalidation
    enricher: Enricher

    async def search_candidates(
        self, item_id: int, query: str | None = None, year: int | None = None
    ) -> list[Scored]:
        """What the provider offers for the item (or for `query`), best match first."""
        item = await self._matchable(item_id)
        title = (query or item.title).strip()
        if not 1 <= len(title) <= 500:
            raise InvalidInputError("a search has 1 to 500 characters", field="query")
        match = MatchQuery(title, ItemKind(item.kind), year or item.year)
        return list((await self.enricher.rank(match)).ranked)

    async def fix_match(
        self,
        item_id: int,
        *,
        tmdb_id: int | None = None,
        tvdb_id: int | None = None,
        imdb_id: str | None = None,
    ) -> Enqueued:
        """Give the item exactly these provider ids, then re-fetch it under them (a job).

        The old ids go: they named the wrong item. An id another item already has is a
        conflict, not a silent merge.
        """
        if tmdb_id is None and tvdb_id is None and imdb_id is None:
            raise InvalidInputError("name at least one provider id", field="tmdb_id")
        async with self.database.transaction() as session:
            items = AnyItemRepository(session)
            item = await items.get(item_id)
            _check_matchable(item)
            item.tmdb_id, item.tvdb_id, item.imdb_id = tmdb_id, tvdb_id, imdb_id
            await items.save()
            ref = ItemRef.of(item)
        await self.invalidation.items_changed([ref])
        return await enqueue_refresh(self.queue, item_id, bypass_cache=True)

    async def refresh(self, item_id: int, *, bypass_cache: bool = False) -> Enqueued:
        await self._matchable(item_id)
        return await enqueue_refresh(self.queue, item_id, bypass_cache=bypass_cache)

    async def write_back(self, item_id: int) -> Enqueued:
        """Queue a write-back of one item's files (a series' with its seasons and episodes),
        as its library's write-back settings ask; refused when the library writes nothing."""
        async with self.database.read() as session:
            item = await AnyItemRepository(session).get(item_id)
            if item.library_id is None:
                raise InvalidInputError(f"item {item_id} lies in no library", field="item_id")
            library = await LibraryRepository(session).get(item.library_id)
        if not WriteBackOptions.of(library.settings).writes_anything:
            raise InvalidInputError(
                f"library {library.id} writes nothing back: turn on write_nfo or write_artwork",
                field="item_id",
            )
        return await enqueue_write_back(self.queue, library.id, item_id)

    async def _matchable(self, item_id: int) -> Item:
        async with self.database.read() as session:
            item = await AnyItemRepository(session).get(item_id)
        _check_matchable(item)
        return item


def _check_matchable(item: Item) -> None:
    registry.matched(ItemKind(item.kind), item.id)
