"""Job queue throughput: no-op jobs through real `Worker`s, against the bare claim-and-finish
round trips of the repository (the floor any worker pays), on SQLite or PostgreSQL.

    .venv/bin/python bench/jobs_queue.py --backend postgresql --jobs 2000 --workers 2

Workers run in this process, each with its own engine and pool (as separate processes would);
prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from reelhouse.config import DatabaseSettings, JobsSettings
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.models import JobState
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.repository import AttemptEnd, JobRepository
from reelhouse.infra.jobs.worker import Worker, running_worker

POSTGRES = os.environ.get(
    "REELHOUSE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
KIND = "bench.noop"


@asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        return
    url = make_url(POSTGRES)
    name = f"bench_jobs_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def fill(database: Database, settings: JobsSettings, count: int) -> None:
    queue = JobQueue(database, settings)
    async with database.transaction() as session:
        for _ in range(count):
            await queue.enqueue_in(session, KIND)


async def bare(databases: list[Database], settings: JobsSettings, count: int) -> float:
    """Claim and finish with the repository alone: no handler, heartbeat or scheduler."""
    await fill(databases[0], settings, count)

    async def drain(database: Database, owner: str) -> None:
        while True:
            async with database.transaction() as session:
                jobs = await JobRepository(session).claim(
                    kinds=[KIND], owner=owner, limit=settings.concurrency, lease_s=60, now=utcnow()
                )
            if not jobs:
                return
            for job in jobs:
                async with database.transaction() as session:
                    end = AttemptEnd(owner, 1, {}, (), utcnow())
                    await JobRepository(session).succeed(job.id, end)

    started = time.perf_counter()
    await asyncio.gather(*(drain(db, f"bare{n}") for n, db in enumerate(databases)))
    return count / (time.perf_counter() - started)


async def workers(databases: list[Database], settings: JobsSettings, count: int) -> float:
    await fill(databases[0], settings, count)

    async def noop(ctx: JobContext) -> None:
        ctx.progress.advance()

    registry = JobRegistry()
    registry.register(KIND, noop)
    queue = JobQueue(databases[0], settings)
    started = time.perf_counter()
    async with _all_running([Worker(db, registry, settings) for db in databases]):
        while True:
            active = await queue.list_jobs(states=[JobState.QUEUED, JobState.RUNNING], limit=1)
            if not active:
                break
            await asyncio.sleep(0.05)
    return count / (time.perf_counter() - started)


@asynccontextmanager
async def _all_running(all_workers: list[Worker]) -> AsyncIterator[None]:
    if not all_workers:
        yield
        return
    async with running_worker(all_workers[0]), _all_running(all_workers[1:]):
        yield


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    options = parser.parse_args()
    settings = JobsSettings(concurrency=options.concurrency, poll_interval_s=0.05)
    results = {}
    for name, run in (("bare_claim_finish", bare), ("workers", workers)):
        async with scratch_database(options.backend) as url:
            databases = [
                Database(create_engine(url, DatabaseSettings())) for _ in range(options.workers)
            ]
            await migrate.upgrade(databases[0])
            try:
                results[f"{name}_jobs_per_s"] = round(await run(databases, settings, options.jobs))
            finally:
                for db in databases:
                    await db.close()
    print(json.dumps({**vars(options), **results}))


if __name__ == "__main__":
    asyncio.run(main())
