"""The metadata pipeline as jobs: after a scan, match and enrich what it found; refresh one item
or the stale ones; download the chosen artwork.

- `catalogue.enrich` (one per library): media files no item links to yet are grouped into units
  (`units.py`); each unit is fetched from the providers, many at once, and stored in its own
  transaction, one at a time. The unlinked files are the job's real checkpoint: a job run again,
  after a crash or on purpose, finds only what is still left, so nothing is stored twice.
- `catalogue.refresh` (one per item): re-fetch an item, bypassing the provider cache on request;
  `catalogue.refresh_stale` (periodic) does that for items whose metadata is old for their kind.
- then `catalogue.artwork` (`artwork_jobs.py`) downloads the artwork chosen for what was stored.

Every write goes through `CatalogueInvalidation` after its transaction (house rule 2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta

from reelhouse.config import EnrichmentSettings
from reelhouse.content.shared.artwork_jobs import enqueue_artwork
from reelhouse.content.shared.enrichment import ContentEnrichment, Fetched, Stored
from reelhouse.content.shared.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.shared.metadata.models import ExternalIds
from reelhouse.content.shared.models import ItemKind
from reelhouse.content.shared.repository import AnyItemRepository, MediaLinkRepository
from reelhouse.content.shared.units import (
    Unit,
    UnlinkedFile,
    group_units,
    main_kind,
    owner_folder,
)
from reelhouse.errors import ConflictError, InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.fanout import for_each, id_arg, library_key
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.jobs.registry import JobRegistry, Schedule
from reelhouse.libraries.models import LibraryKind
from reelhouse.libraries.repository import LibraryRepository

ENRICH_KIND = "catalogue.enrich"
REFRESH_KIND = "catalogue.refresh"
REFRESH_STALE_KIND = "catalogue.refresh_stale"
#: Series statuses (TMDb's and TheTVDB's words) that mean more episodes are coming.
CONTINUING = ("Returning Series", "In Production", "Planned", "Continuing", "Upcoming")
_ITEM_LIBRARY_KIND = {ItemKind.MOVIE: LibraryKind.MOVIES, ItemKind.SERIES: LibraryKind.TV}


async def enqueue_refresh(queue: JobQueue, item_id: int, *, bypass_cache: bool) -> Enqueued:
    """Re-fetch one movie or series; asked again while queued, the queued job is returned."""
    return await queue.enqueue(
        REFRESH_KIND, {"item_id": item_id, "bypass_cache": bypass_cache}, key=f"item:{item_id}"
    )


class MetadataPipeline:
    def __init__(
        self,
        database: Database,
        queue: JobQueue,
        invalidation: CatalogueInvalidation,
        enrichments: Mapping[LibraryKind, ContentEnrichment],
        settings: EnrichmentSettings,
    ) -> None:
        self.database = database
        self.queue = queue
        self.invalidation = invalidation
        self.enrichments = enrichments
        self.settings = settings
        # One write at a time per process: SQLite allows no more, and two units that turn out to
        # be the same movie must not both insert it.
        self._store_lock = asyncio.Lock()

    def register(self, registry: JobRegistry) -> None:
        registry.register(ENRICH_KIND, self.enrich_library)
        registry.register(REFRESH_KIND, self.refresh_item)
        registry.register(REFRESH_STALE_KIND, self.refresh_stale)
        registry.schedule(
            Schedule(
                "catalogue.refresh_stale", REFRESH_STALE_KIND, self.settings.refresh_interval_s
            )
        )

    async def enqueue_enrich(self, library_id: int) -> Enqueued:
        """Enrich what the library's latest scan found (run after every scan)."""
        return await self.queue.enqueue_follow_up(
            ENRICH_KIND, {"library_id": library_id}, key=library_key(library_id)
        )

    # -- enrichment of a library ----------------------------------------------------------

    async def enrich_library(self, ctx: JobContext) -> None:
        library_id = id_arg(ctx.args, "library_id")
        async with self.database.read() as session:
            library = await LibraryRepository(session).get(library_id)
            roots = [p.path for p in library.paths]
            enrichment = self.enrichments[LibraryKind(library.kind)]
            wanted = {main_kind(enrichment.kind), "extra"}
            files = await MediaLinkRepository(session).unlinked(library_id, wanted)
        grouped = group_units(files, roots, enrichment.kind)
        ctx.progress.set_total(ctx.progress.done + len(grouped.units))
        finished = 0
        checkpoint = asyncio.Lock()

        async def one(unit: Unit) -> None:
            nonlocal finished
            ctx.check_cancelled()
            with ctx.item(unit.label) as item:
                fetched = await enrichment.fetch(unit)
                stored = await self._store(enrichment, library_id, unit, fetched)
                item.outcome = stored.outcome
            finished += 1
            if finished % self.settings.checkpoint_every == 0:
                async with checkpoint:
                    await ctx.save_checkpoint({"enriched": ctx.progress.done})

        await for_each(grouped.units, self.settings.concurrency, one)
        await self._attach_extras(library_id, grouped.orphan_extras, roots)
        await ctx.save_checkpoint({"enriched": ctx.progress.done})
        await enqueue_artwork(self.queue, library_id)

    async def _store(
        self,
        enrichment: ContentEnrichment,
        library_id: int,
        unit: Unit,
        fetched: Fetched,
        item_id: int | None = None,
    ) -> Stored:
        """One unit in one transaction, then its invalidation. A conflict means another
        process stored the same item a moment ago: the second try finds and updates it."""
        async with self._store_lock:
            for attempt in (1, 2):
                try:
                    async with self.database.transaction() as session:
                        stored = await enrichment.store(
                            session, library_id, unit, fetched, item_id=item_id
                        )
                    break
                except ConflictError:
                    if attempt == 2:
                        raise
        await self.invalidation.items_changed(stored.items)
        if stored.people:
            await self.invalidation.people_changed(stored.people)
        return stored

    async def _attach_extras(
        self, library_id: int, extras: list[UnlinkedFile], roots: list[str]
    ) -> None:
        """Extras found after their item was stored join it; others wait for their item."""
        changed: list[ItemRef] = []
        async with self.database.transaction() as session:
            links = MediaLinkRepository(session)
            items = AnyItemRepository(session)
            for extra in extras:
                folder = owner_folder(extra, roots)
                owner = await links.item_in_folder(library_id, folder) if folder else None
                if owner is None:
                    continue
                kind = extra.identity.get("extra_type")
                await items.link_file(owner, extra.id, extra_type=str(kind or "other"))
                changed.append(ItemRef(owner, library_id))
        await self.invalidation.items_changed(changed)

    # -- refresh --------------------------------------------------------------------------

    async def refresh_item(self, ctx: JobContext) -> None:
        item_id = id_arg(ctx.args, "item_id")
        bypass = ctx.args.get("bypass_cache", False)
        if not isinstance(bypass, bool):
            raise InvalidInputError("bypass_cache must be true or false", field="bypass_cache")
        ctx.progress.set_total(1)
        with ctx.item(f"item {item_id}") as item:
            item.outcome = (await self._refresh(item_id, bypass)).outcome

    async def refresh_stale(self, ctx: JobContext) -> None:
        settings = self.settings
        now = utcnow()
        async with self.database.read() as session:
            stale = await AnyItemRepository(session).stale(
                new_since=(now - timedelta(days=settings.recent_days)).date(),
                new_before=now - timedelta(seconds=settings.refresh_new_after_s),
                continuing=CONTINUING,
                continuing_before=now - timedelta(seconds=settings.refresh_continuing_after_s),
                before=now - timedelta(seconds=settings.refresh_after_s),
                limit=settings.refresh_batch,
            )
        ctx.progress.set_total(len(stale))

        async def one(item_id: int) -> None:
            ctx.check_cancelled()
            with ctx.item(f"item {item_id}") as item:
                item.outcome = (await self._refresh(item_id, bypass_cache=True)).outcome

        await for_each(stale, settings.concurrency, one)

    async def _refresh(self, item_id: int, bypass_cache: bool) -> Stored:
        """Re-fetch one movie or series by its ids (by its title when it has none) and update
        it in place; its local NFO files are read again, so they keep winning."""
        async with self.database.read() as session:
            items = AnyItemRepository(session)
            item = await items.get(item_id)
            library_kind = _ITEM_LIBRARY_KIND.get(ItemKind(item.kind))
            if library_kind is None or item.library_id is None:
                raise InvalidInputError(
                    f"item {item_id} is a {item.kind}: refresh its movie or series", field="item_id"
                )
            files = await items.main_files(item_id)
            library = await LibraryRepository(session).get(item.library_id)
            roots = [p.path for p in library.paths]
        enrichment = self.enrichments[library_kind]
        folder = next((f for f in (owner_folder(file, roots) for file in files) if f), None)
        unit = Unit(
            enrichment.kind,
            item.title,
            item.year,
            folder,
            ExternalIds(tmdb=item.tmdb_id, tvdb=item.tvdb_id, imdb=item.imdb_id),
            files=files,
        )
        fetched = await enrichment.fetch(unit, refresh=bypass_cache)
        return await self._store(enrichment, library.id, unit, fetched, item_id=item_id)
