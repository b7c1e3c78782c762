"""Long-running processes: the HTTP server (with workers, by default) and workers alone."""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack
from typing import Annotated

import typer
import uvicorn

from reelhouse.app import create_app
from reelhouse.bootstrap import Runtime
from reelhouse.cli.root import app, run, settings_of
from reelhouse.http.server_protocol import bounded_httptools
from reelhouse.infra.db import migrate
from reelhouse.infra.db.peers import Peers, joined
from reelhouse.infra.db.sole_process import needs_sole_process, sole_process
from reelhouse.infra.logging import get_logger
from reelhouse.libraries.watch import running_watcher

log = get_logger(__name__)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Override server.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Override server.port.")] = None,
) -> None:
    """Run the HTTP server (and, by default, the job workers)."""
    settings = settings_of(ctx)
    listen = {"host": host or settings.server.host, "port": port or settings.server.port}
    settings = settings.model_copy(update={"server": settings.server.model_copy(update=listen)})

    async def prepare(runtime: Runtime) -> None:
        await migrate.prepare(runtime.database, migrate_on_start=settings.database.migrate_on_start)
        await Peers(runtime.database, settings, "serve").ensure_compatible()

    with sole_process(settings, "serve"):
        if not settings.server.run_workers and needs_sole_process(settings):
            log.warning(
                "server.run_workers is off on SQLite without Redis: queued jobs wait, since no "
                "`reelhouse worker` may run next to this server (turn server.run_workers on, or "
                "set redis.url)"
            )
        run(settings, prepare, current_schema=False)
        uvicorn.run(
            create_app(settings, command="serve"),
            host=settings.server.host,
            port=settings.server.port,
            log_config=None,
            http=bounded_httptools(settings.http.max_header_bytes),
            # Not uvloop: saturated, it runs new requests before finishing started ones, and a
            # few connections wait seconds; asyncio's loop serves them in turn.
            loop="asyncio",
        )


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Override jobs.concurrency.")
    ] = None,
) -> None:
    """Run job workers only, no HTTP server (scale-out: several of these share PostgreSQL and
    Redis; on SQLite without Redis, it refuses to run next to another reelhouse process)."""
    settings = settings_of(ctx)
    if concurrency is not None:
        jobs = settings.jobs.model_copy(update={"concurrency": concurrency})
        settings = settings.model_copy(update={"jobs": jobs})

    async def work(runtime: Runtime) -> None:
        await migrate.prepare(
            runtime.database,
            migrate_on_start=settings.database.migrate_on_start,
            refresh_statistics=settings.database.refresh_statistics,
        )
        await runtime.cache.start()
        runner = runtime.worker()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, runner.stop)
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(joined(runtime.database, settings, "worker"))
            if runtime.settings.scan.watch:
                await stack.enter_async_context(running_watcher(runtime.watcher()))
            await runner.run()

    with sole_process(settings, "worker"):
        run(settings, work, current_schema=False)
