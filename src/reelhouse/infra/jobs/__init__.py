"""The durable job queue: jobs are rows, workers claim them, handlers do the work.

Writing a job kind (registered in `reelhouse.bootstrap.Runtime.job_registry`)::

    async def scan(ctx: JobContext) -> None:
        files = await list_files(ctx.args["library"])      # a bad argument: raise InvalidInputError
        ctx.progress.set_total(len(files))
        start = (ctx.checkpoint or {}).get("next", 0)     # None on a first run
        for n, path in enumerate(files[start:], start):
            with ctx.item(path) as item:                   # an error here fails this item only
                item.outcome = await store(path)           # counted per outcome ("ok", ...)
            if n % 100 == 99:
                await ctx.save_checkpoint({"next": n + 1})  # stops here if cancelled
        await ctx.save_checkpoint({"next": len(files)})

    registry.register("library.scan", scan)

A periodic kind also gets `registry.schedule(Schedule(name, kind, interval_s))`, the interval
from the settings (0 turns it off); it is enqueued once per period across all workers.
Producers call `JobQueue.enqueue(kind, args, key=...)`; with a key, asking again while the job is
queued or running returns it. Work between two checkpoints may run twice (after a crash), so each
item's write must be idempotent.

A handler whose resume point is what the database still lacks (the enrichment: files no item
links to yet) writes each item in `item.transaction()`: the item's rows and its count in the
checkpoint commit together, so however an attempt ends, the next one counts what is stored as
done and finds the rest left; `ctx.retry_failed_items()` uncounts the failed items it will meet
again.

A cancel, or the lease taken over, is heard within seconds (`jobs.cancel_poll_interval_s`), and
ends at once what the handler waits for outside the database: provider requests and image
downloads, with their retries and sleeps (`scope.py`). Database work is never cut short.
"""
