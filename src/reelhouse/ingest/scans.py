"""Library scans as jobs: one per library (or per folder), with progress, problems recorded
against the job, cancellation at every batch, and a periodic full scan of every library. After a
scan, the items showing the files it changed are invalidated, files renamed to another item are
unlinked, and the pipeline's next step (matching and enriching) is queued."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from reelhouse.config import ScanSettings
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db import statistics
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry, Schedule
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.libraries.jobs import (
    CLEANUP_KIND,
    PERIODIC_SCAN_SETTING,
    SCAN_ALL_KIND,
    SCAN_KIND,
    enqueue_scan,
)
from reelhouse.libraries.repository import LibraryRepository, MediaFileRepository
from reelhouse.libraries.scan import LibraryScanner, ScanProgress

_COUNTERS = ("new", "changed", "unchanged", "moved", "missing")


def _scan_args(args: Mapping[str, Any]) -> tuple[int, str | None]:
    library_id, folder = args.get("library_id"), args.get("folder")
    if not isinstance(library_id, int) or isinstance(library_id, bool) or library_id < 1:
        raise InvalidInputError(
            f"library_id {library_id!r} is not a library id", field="library_id"
        )
    if folder is not None and not isinstance(folder, str):
        raise InvalidInputError(f"folder {folder!r} is not a path", field="folder")
    return library_id, folder


def register_scans(
    registry: JobRegistry,
    database: Database,
    queue: JobQueue,
    scanner: LibraryScanner,
    settings: ScanSettings,
    invalidation: CatalogueInvalidation,
    *,
    after_scan: Callable[[int], Awaitable[object]] | None = None,
    refresh_statistics: bool = False,
) -> None:
    """`after_scan(library_id)` runs when a scan has stored what it found (the pipeline's
    next step: matching and enriching the new files). With `refresh_statistics`, a scan that
    wrote many rows (a first scan of a large library) leaves fresh planner statistics behind
    it (see `reelhouse.infra.db.statistics`)."""

    async def scan(ctx: JobContext) -> None:
        library_id, folder = _scan_args(ctx.args)
        identified = 0

        async def on_progress(progress: ScanProgress) -> None:
            nonlocal identified
            ctx.check_cancelled()
            ctx.progress.set_total(progress.to_identify)
            ctx.progress.advance(progress.identified - identified, outcome="identified")
            identified = progress.identified
            for name in _COUNTERS:
                ctx.progress.set_counter(name, getattr(progress, name))

        report = await scanner.scan(library_id, on_progress, folder=folder)
        ctx.progress.add_total(len(report.problems))
        for problem in report.problems:  # recorded on the job, never a reason to stop
            detail = f": {problem.detail}" if problem.detail else ""
            ctx.item_failed(problem.path, f"{problem.problem}{detail}")
        if report.touched:  # items show their files (size, state): those reads are stale now
            async with database.transaction() as session:
                links = MediaLinkRepository(session)
                items = await links.refs_of_files(report.touched)
                # A file moved to another item's name is matched again, as a new one would be.
                await links.unlink(report.renamed)
            await invalidation.items_changed(items)
        if refresh_statistics:
            await statistics.refresh_statistics(database)
        if after_scan is not None:
            await after_scan(library_id)

    async def scan_all(ctx: JobContext) -> None:
        async with database.read() as session:
            libraries = await LibraryRepository(session).list()
        wanted = [lib for lib in libraries if lib.settings.get(PERIODIC_SCAN_SETTING, True)]
        ctx.progress.set_total(len(wanted))
        for library in wanted:
            with ctx.item(library.name):
                await enqueue_scan(queue, library.id)

    async def cleanup_missing(ctx: JobContext) -> None:
        """Files missing for longer than the grace period are forgotten; their items stay (a
        movie whose file is gone is still in the catalogue, shown without a file)."""
        cutoff = utcnow() - timedelta(seconds=settings.missing_grace_s)
        async with database.read() as session:
            libraries = await LibraryRepository(session).list()
        ctx.progress.set_total(len(libraries))
        for library in libraries:
            with ctx.item(library.name):
                async with database.transaction() as session:
                    items = await MediaLinkRepository(session).refs_of_missing_files(
                        library.id, cutoff
                    )
                    deleted = await MediaFileRepository(session).delete_missing_since(
                        library.id, cutoff
                    )
                await invalidation.items_changed(items)
                ctx.progress.set_counter(
                    "deleted", ctx.progress.counters.get("deleted", 0) + deleted
                )

    registry.register(SCAN_KIND, scan)
    registry.register(SCAN_ALL_KIND, scan_all)
    registry.register(CLEANUP_KIND, cleanup_missing)
    registry.schedule(Schedule("libraries.full_scan", SCAN_ALL_KIND, settings.full_scan_interval_s))
    registry.schedule(
        Schedule("libraries.cleanup_missing", CLEANUP_KIND, settings.cleanup_interval_s)
    )
