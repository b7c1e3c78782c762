"""`jobs.prune`: delete finished jobs older than `jobs.retention_s`, so the queue stays small.

A scan enqueues a job per changed file; without pruning the table only grows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from reelhouse.config import JobsSettings
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.registry import JobRegistry, Schedule
from reelhouse.infra.jobs.repository import JobRepository

PRUNE_KIND = "jobs.prune"


def register_prune(
    registry: JobRegistry,
    database: Database,
    settings: JobsSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    async def prune(ctx: JobContext) -> None:
        # A resumed run keeps its first cutoff, so its total stays true.
        if ctx.checkpoint:
            cutoff = datetime.fromisoformat(ctx.checkpoint["cutoff"])
        else:
            cutoff = clock() - timedelta(seconds=settings.retention_s)
        async with database.read() as session:
            remaining = await JobRepository(session).count_prunable(finished_before=cutoff)
        ctx.progress.set_total(ctx.progress.done + remaining)
        while True:
            async with database.transaction() as session:
                deleted = await JobRepository(session).prune(
                    finished_before=cutoff, limit=settings.prune_batch_size
                )
            ctx.progress.advance(deleted, outcome="deleted")
            await ctx.save_checkpoint({"cutoff": cutoff.isoformat()})
            if deleted < settings.prune_batch_size:
                return

    registry.register(PRUNE_KIND, prune)
    registry.schedule(Schedule("jobs.prune", PRUNE_KIND, settings.prune_interval_s))
