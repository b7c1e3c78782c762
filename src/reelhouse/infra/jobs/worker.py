"""A worker: claims due jobs and runs them, at most `jobs.concurrency` at a time.

Runs inside `reelhouse serve` or alone as `reelhouse worker`; any number of them can share a
PostgreSQL queue. Stopping is graceful: running handlers get `jobs.shutdown_grace_s` to reach a
checkpoint, then are interrupted; either way their jobs go back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from reelhouse.config import JobsSettings
from reelhouse.errors import DatabaseUnavailableError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.models import Job
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.repository import JobRepository
from reelhouse.infra.jobs.runner import JobRun
from reelhouse.infra.jobs.scheduler import Scheduler
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


def worker_name() -> str:
    """Unique per process and start, readable in `reelhouse jobs show`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        database: Database,
        registry: JobRegistry,
        settings: JobsSettings,
        *,
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        run_schedules: bool = True,
    ) -> None:
        """`run_schedules=False` makes a worker that only runs what is queued (`scan --wait`'s,
        which must not start the periodic full scan of every library beside the one it runs)."""
        self.name = name or worker_name()
        self._database = database
        self._registry = registry
        self._settings = settings
        self._clock = clock
        self._scheduler = (
            Scheduler(database, registry, JobQueue(database, settings, clock=clock), clock=clock)
            if run_schedules
            else None
        )
        self._runs: dict[asyncio.Task[None], JobRun] = {}
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._next_housekeeping = 0.0
        self._backlog = False

    def stop(self) -> None:
        """Stop claiming, let running jobs reach a checkpoint, hand the rest back."""
        self._stopping.set()
        self._wake.set()

    def wake(self) -> None:
        """Poll now rather than at the next interval (a job was just enqueued here)."""
        self._wake.set()

    async def run(self) -> None:
        log.info(
            "worker started",
            worker=self.name,
            kinds=self._registry.kinds,
            concurrency=self._settings.concurrency,
        )
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                await self._poll()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.poll_interval_s)
        finally:
            await self._drain()
            log.info("worker stopped", worker=self.name)

    async def _poll(self) -> None:
        try:
            # A slot freeing up wakes the worker to claim at once; the sweeps keep their pace.
            if time.monotonic() >= self._next_housekeeping:
                await self._housekeeping()
                self._next_housekeeping = time.monotonic() + self._settings.poll_interval_s
            free = self._settings.concurrency - len(self._runs)
            if free <= 0:
                return
            kinds = self._registry.kinds
            if not self._backlog:
                async with self._database.read() as session:
                    if not await JobRepository(session).has_due(kinds=kinds, now=self._clock()):
                        return
            async with self._database.transaction() as session:
                jobs = await JobRepository(session).claim(
                    kinds=kinds,
                    owner=self.name,
                    limit=free,
                    lease_s=self._settings.lease_s,
                    now=self._clock(),
                )
            # A full claim suggests more work waits: skip the read-only check next time.
            self._backlog = len(jobs) == free
        except (SQLAlchemyError, DatabaseUnavailableError, OSError):
            log.exception("job queue poll failed; trying again", worker=self.name)
            return
        for job in jobs:
            self._start(job)

    async def _housekeeping(self) -> None:
        # Read first, write only when there is something to do: idle workers take no locks.
        async with self._database.read() as session:
            expired = await JobRepository(session).has_expired(now=self._clock())
        if expired:
            async with self._database.transaction() as session:
                recovered = await JobRepository(session).recover_expired(now=self._clock())
            log.warning("jobs of unresponsive workers recovered", count=recovered)
        if self._scheduler is not None:
            await self._scheduler.tick()

    def _start(self, job: Job) -> None:
        handler = self._registry.get(job.kind)
        if handler is None:  # claims are limited to registered kinds
            raise RuntimeError(f"claimed job {job.id} of unregistered kind {job.kind!r}")
        run = JobRun(
            job,
            handler,
            database=self._database,
            settings=self._settings,
            owner=self.name,
            clock=self._clock,
        )
        task = asyncio.create_task(run.run(), name=f"job-{job.id}")
        self._runs[task] = run
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._runs.pop(task, None)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("job runner crashed", task=task.get_name(), exc_info=task.exception())

    async def _drain(self) -> None:
        if not self._runs:
            return
        log.info("worker stopping; waiting for running jobs", running=len(self._runs))
        for run in self._runs.values():
            run.stop()
        tasks = list(self._runs)
        _, pending = await asyncio.wait(tasks, timeout=self._settings.shutdown_grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


@asynccontextmanager
async def running_worker(worker: Worker) -> AsyncIterator[Worker]:
    """Run `worker` in the background for the duration of the block, then stop it gracefully."""
    task = asyncio.create_task(worker.run(), name="job-worker")
    try:
        yield worker
    finally:
        worker.stop()
        await task
