"""The metadata pipeline as jobs: after a scan, match and enrich what it found; refresh one item
or the stale ones; download the chosen artwork.

- `catalogue.enrich` (one per library): media files no item links to yet are grouped into units
  (`units.py`); each unit is fetched from the providers, many at once, and stored in its own
  transaction, one at a time (`store.py`). The unlinked files are the job's real checkpoint: a
  job run again, after a crash or on purpose, finds only what is still left, so nothing is
  stored twice.
- `catalogue.refresh` (one per item): re-fetch an item, bypassing the provider cache on request;
  `catalogue.refresh_stale` (periodic) does that for items whose metadata is old for their kind.
- then `catalogue.artwork` (`artwork.py`) downloads the artwork chosen for what was stored (and
  queues `catalogue.write_back` for a library that writes NFO files or artwork back), and
  `after_enrich` queues the next step of the library's files (probing them).
- After each stored unit (enriched or refreshed), the viewing history its NFO files hold goes
  to `watch_import` (a user's watch state, wired in by the composition root), in a transaction
  of its own after the unit's: the unit is stored whatever becomes of its history.

Every write goes through `CatalogueInvalidation` after its transaction (house rule 2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from reelhouse.config import EnrichmentSettings
from reelhouse.content import registry
from reelhouse.content.catalogue.items import AnyItemRepository
from reelhouse.content.enrichment import ContentEnrichment, ItemWatch, Stored, Unit
from reelhouse.content.metadata.models import ExternalIds
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.fanout import for_each, id_arg, library_key
from reelhouse.infra.jobs.progress import FAILED
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.jobs.registry import JobRegistry, Schedule
from reelhouse.ingest.artwork import enqueue_artwork
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.ingest.store import UnitStore
from reelhouse.ingest.units import group_units, owner_folder
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.naming import Kind

ENRICH_KIND = "catalogue.enrich"
REFRESH_KIND = "catalogue.refresh"
REFRESH_STALE_KIND = "catalogue.refresh_stale"
#: Series statuses (TMDb's and TheTVDB's words) that mean more episodes are coming.
CONTINUING = ("Returning Series", "In Production", "Planned", "Continuing", "Upcoming")


async def enqueue_refresh(queue: JobQueue, item_id: int, *, bypass_cache: bool) -> Enqueued:
    """Re-fetch one movie or series; asked again while queued, the queued job is returned."""
    return await queue.enqueue(
        REFRESH_KIND, {"item_id": item_id, "bypass_cache": bypass_cache}, key=f"item:{item_id}"
    )


class WatchImportRun(Protocol):
    async def apply(self, found: Sequence[ItemWatch]) -> None:
        """Bring this viewing history, found in the NFO files of stored items, into the watch
        state it is for."""


class WatchImport(Protocol):
    def begin(self) -> WatchImportRun:
        """The imports of one job (what they need to look up is looked up once a job)."""


@dataclass(frozen=True)
class MetadataPipeline:
    database: Database
    queue: JobQueue
    store: UnitStore
    #: Each content module's enrichment, by the kind of item its units become.
    enrichments: Mapping[ItemKind, ContentEnrichment]
    settings: EnrichmentSettings
    #: The step after a library's enrichment besides its artwork (probing its files).
    after_enrich: Callable[[int], Awaitable[object]] | None = None
    #: Where the viewing history in NFO files goes (a user's watch state); None: nowhere.
    watch_import: WatchImport | None = None

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
            module = registry.for_library(LibraryKind(library.kind))
            wanted = (module.file_kind, Kind.EXTRA)
            files = await MediaLinkRepository(session).unlinked(library_id, wanted)
        enrichment = self.enrichments[module.kind]
        grouped = group_units(files, roots, module)
        if ctx.progress.counters.get(FAILED):  # failed units are still unlinked: tried again
            await ctx.retry_failed_items()
        # What the checkpoint counts is stored; what is left is all the rest.
        ctx.progress.set_total(ctx.progress.done + len(grouped.units))
        finished = 0
        checkpoint = asyncio.Lock()
        imports = self._imports()

        async def one(unit: Unit) -> None:
            nonlocal finished
            ctx.check_cancelled()
            with ctx.item(unit.label) as item:
                fetched = await enrichment.fetch(unit)
                item.outcome = fetched.outcome
                stored = await self.store.store(
                    module, enrichment, library_id, unit, fetched, transaction=item.transaction
                )
                await imports.apply(stored.watch)
            finished += 1
            if finished % self.settings.checkpoint_every == 0:
                async with checkpoint:
                    await ctx.save_checkpoint({"enriched": ctx.progress.done})

        await for_each(grouped.units, self.settings.concurrency, one)
        await self.store.attach_extras(library_id, grouped.orphan_extras, roots)
        await ctx.save_checkpoint({"enriched": ctx.progress.done})
        await enqueue_artwork(self.queue, library_id)
        if self.after_enrich is not None:
            await self.after_enrich(library_id)

    # -- refresh --------------------------------------------------------------------------

    async def refresh_item(self, ctx: JobContext) -> None:
        item_id = id_arg(ctx.args, "item_id")
        bypass = ctx.args.get("bypass_cache", False)
        if not isinstance(bypass, bool):
            raise InvalidInputError("bypass_cache must be true or false", field="bypass_cache")
        ctx.progress.set_total(1)
        imports = self._imports()
        with ctx.item(f"item {item_id}") as item:
            stored = await self._refresh(item_id, bypass)
            item.outcome = stored.outcome
            await imports.apply(stored.watch)

    async def refresh_stale(self, ctx: JobContext) -> None:
        settings = self.settings
        now = utcnow()
        async with self.database.read() as session:
            stale = await AnyItemRepository(session).stale(
                kinds=[module.kind for module in registry.MODULES],
                new_since=(now - timedelta(days=settings.recent_days)).date(),
                new_before=now - timedelta(seconds=settings.refresh_new_after_s),
                continuing=CONTINUING,
                continuing_before=now - timedelta(seconds=settings.refresh_continuing_after_s),
                before=now - timedelta(seconds=settings.refresh_after_s),
                limit=settings.refresh_batch,
            )
        ctx.progress.set_total(len(stale))
        imports = self._imports()

        async def one(item_id: int) -> None:
            ctx.check_cancelled()
            with ctx.item(f"item {item_id}") as item:
                stored = await self._refresh(item_id, bypass_cache=True)
                item.outcome = stored.outcome
                await imports.apply(stored.watch)

        await for_each(stale, settings.concurrency, one)

    def _imports(self) -> WatchImportRun:
        return self.watch_import.begin() if self.watch_import is not None else _NoImports()

    async def _refresh(self, item_id: int, bypass_cache: bool) -> Stored:
        """Re-fetch one movie or series by its ids (by its title when it has none) and update
        it in place; its local NFO files are read again, so they keep winning."""
        async with self.database.read() as session:
            item = await AnyItemRepository(session).get(item_id)
            module = registry.matched(ItemKind(item.kind), item_id)
            if item.library_id is None:
                raise InvalidInputError(f"item {item_id} belongs to no library", field="item_id")
            files = await MediaLinkRepository(session).main_files(item_id)
            library = await LibraryRepository(session).get(item.library_id)
            roots = [p.path for p in library.paths]
        enrichment = self.enrichments[module.kind]
        folder = next((f for f in (owner_folder(file, roots) for file in files) if f), None)
        unit = Unit(
            module.kind,
            item.title,
            item.year,
            folder,
            ExternalIds(tmdb=item.tmdb_id, tvdb=item.tvdb_id, imdb=item.imdb_id),
            files=files,
        )
        fetched = await enrichment.fetch(unit, refresh=bypass_cache)
        return await self.store.store(
            module, enrichment, library.id, unit, fetched, item_id=item_id
        )


class _NoImports:
    async def apply(self, found: Sequence[ItemWatch]) -> None:
        return None
