"""Job handlers used by the tests, in-process and in the worker subprocess alike.

They write through raw SQL into the test's own tables (see `jobs_support.TEST_TABLES`), each item
idempotently, and checkpoint as a real pipeline step would.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.registry import JobRegistry

RECORD = "test.record"
BATCH = "test.batch"


def register_test_handlers(registry: JobRegistry, database: Database, worker: str) -> None:
    async def record(ctx: JobContext) -> None:
        """Note that this job ran, and where."""
        await asyncio.sleep(float(ctx.args.get("delay_s", 0)))
        async with database.transaction() as session:
            await session.execute(
                text("INSERT INTO test_executions (job_id, worker) VALUES (:job, :worker)"),
                {"job": ctx.job_id, "worker": worker},
            )

    async def batch(ctx: JobContext) -> None:
        """Square `items` numbers into test_results, resuming from the checkpoint; items listed
        in `bad` fail (recorded against the item, the batch goes on)."""
        tag, items = str(ctx.args["tag"]), int(ctx.args["items"])
        every, delay = int(ctx.args.get("checkpoint_every", 1)), float(ctx.args.get("delay_s", 0))
        bad = set(ctx.args.get("bad", []))
        start = int((ctx.checkpoint or {}).get("next", 0))
        ctx.progress.set_total(items)
        for item in range(start, items):
            await asyncio.sleep(delay)
            with ctx.item(f"{tag}/{item}"):
                if item in bad:
                    raise ValueError(f"item {item} is bad")
                async with database.transaction() as session:
                    await session.execute(
                        text(
                            "INSERT INTO test_results (tag, item, value) VALUES (:tag, :item, :v)"
                            " ON CONFLICT (tag, item) DO UPDATE SET value = excluded.value"
                        ),
                        {"tag": tag, "item": item, "v": item * item},
                    )
                    await session.execute(
                        text(
                            "INSERT INTO test_processed (tag, item, attempt)"
                            " VALUES (:tag, :item, :attempt)"
                        ),
                        {"tag": tag, "item": item, "attempt": ctx.attempt},
                    )
            if (item + 1) % every == 0 or item + 1 == items:
                await ctx.save_checkpoint({"next": item + 1})

    registry.register(RECORD, record)
    registry.register(BATCH, batch)
