"""One attempt of one claimed job: run the handler, keep the lease, write down how it ended."""

from __future__ import annotations

import asyncio
import contextlib
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.config import JobsSettings
from reelhouse.errors import (
    DatabaseUnavailableError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UpstreamUnavailableError,
)
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.backoff import retry_delay_s
from reelhouse.infra.jobs.context import (
    JobCancelled,
    JobContext,
    LeaseLost,
    WorkerStopping,
)
from reelhouse.infra.jobs.models import Job
from reelhouse.infra.jobs.progress import FAILED, OK, Progress
from reelhouse.infra.jobs.registry import Handler
from reelhouse.infra.jobs.repository import AttemptEnd, JobRepository
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

#: Errors a retry cannot fix: the job fails at once instead of using up its attempts.
PERMANENT_ERRORS = (InvalidInputError, NotFoundError, PermissionDeniedError)
#: Outcomes after which the job runs again, from its checkpoint.
_UNFINISHED = frozenset({"released", "retrying"})


class JobRun:
    """Runs `handler` for `job`, which this worker (`owner`) has just claimed."""

    def __init__(
        self,
        job: Job,
        handler: Handler,
        *,
        database: Database,
        settings: JobsSettings,
        owner: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.job_id = job.id
        self.kind = job.kind
        self.attempt = job.attempts
        self.max_attempts = job.max_attempts
        self._handler = handler
        self._database = database
        self._settings = settings
        self._owner = owner
        self._clock = clock
        saved = job.checkpoint or {}
        # Progress restarts from the checkpoint's snapshot: work after it is done again (work
        # that is not is counted in the checkpoint as it commits: `JobContext.transaction`).
        self.progress = Progress(saved.get("progress"))
        #: The progress the checkpoint holds: where an unfinished attempt leaves the job.
        self._kept: dict[str, Any] = saved.get("progress") or {}
        self.context = JobContext(
            job_id=job.id,
            kind=job.kind,
            key=job.key,
            args=job.args,
            attempt=job.attempts,
            checkpoint=saved.get("data"),
            progress=self.progress,
            checkpointer=self,
            lease_s=settings.lease_s,
        )
        self._lock = asyncio.Lock()
        self._flushed_version = -1
        self._keeper_done = asyncio.Event()
        self._log = log.bind(job_id=job.id, kind=job.kind, attempt=job.attempts)

    def stop(self) -> None:
        """Ask the handler to stop (its outbound waits at once, the rest at its next
        checkpoint); the job goes back to the queue."""
        self.context.stop()

    async def run(self) -> None:
        self._log.info("job started")
        handler_task = self.context.scope.start(self._handler(self.context), name="handler")
        keeper = asyncio.create_task(self._keep_lease())
        try:
            try:
                await handler_task
            finally:
                # Stopped by a flag, never cancelled: a task cancelled in the middle of a database
                # call can leave its connection holding SQLite's write lock.
                self._keeper_done.set()
                await asyncio.wait([keeper])
        except JobCancelled:
            await self._end("cancelled", lambda repo, end: repo.mark_cancelled(self.job_id, end))
        except WorkerStopping:
            await self._end("released", lambda repo, end: repo.release(self.job_id, end))
        except LeaseLost:
            self._log.warning("job lease lost to another worker; this attempt stops")
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                # The worker is being torn down: hand the job back, then keep cancelling.
                await asyncio.shield(
                    self._end("released", lambda repo, end: repo.release(self.job_id, end))
                )
                raise
            # Nothing here cancels handlers, so the handler cancelled itself (a timeout, say).
            await self._failed(RuntimeError("the handler was cancelled from inside"))
        except Exception as exc:  # noqa: BLE001 - every handler error is recorded on the job
            await self._failed(exc)
        else:
            await self._end("succeeded", lambda repo, end: repo.succeed(self.job_id, end))

    # -- the Checkpointer protocol of JobContext --------------------------------------------

    @asynccontextmanager
    async def transaction(self, data: Any, count: int, outcome: str) -> AsyncIterator[AsyncSession]:
        # The lock before the transaction: SQLite's write lock is taken as a transaction
        # begins, and the heartbeat takes this lock before it begins its own.
        async with self._lock:
            async with self._database.transaction() as session:
                yield session
                failures = list(self.context.pending_failures)
                version = self.progress.version
                now = self._clock()
                progress = self.progress.snapshot(now, plus=count, outcome=outcome)
                flag = await JobRepository(session).save_checkpoint(
                    self.job_id,
                    owner=self._owner,
                    attempt=self.attempt,
                    data=data,
                    progress=progress,
                    failures=failures,
                    lease_s=self._settings.lease_s,
                    now=now,
                )
                self._heard(flag)
                if flag is None:  # nothing of this transaction is written
                    raise LeaseLost(f"job {self.job_id} is no longer leased by {self._owner}")
            if count:
                self.progress.advance(count, outcome=outcome)
            del self.context.pending_failures[: len(failures)]
            self._flushed_version = version
            self._kept = progress
            self.context.scope.renewed()

    async def forget_failures(self) -> None:
        async with self.transaction(self.context.checkpoint, 0, OK) as session:
            self.progress.forget(FAILED)
            await JobRepository(session).forget_failures(self.job_id)

    # -- internals ----------------------------------------------------------------------------

    async def _keep_lease(self) -> None:
        """Renew the lease and write progress at their own rates; between heartbeats, read
        whether the job was cancelled or taken over, so that either is heard within seconds."""
        settings = self._settings
        tick = min(
            settings.heartbeat_interval_s,
            settings.progress_flush_interval_s,
            settings.cancel_poll_interval_s,
        )
        last_beat = last_look = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._keeper_done.wait(), tick)
            if self._keeper_done.is_set():
                return
            progress_due = self.progress.version != self._flushed_version
            beat_due = time.monotonic() - last_beat >= settings.heartbeat_interval_s
            look_due = time.monotonic() - last_look >= settings.cancel_poll_interval_s
            if not (progress_due or beat_due or look_due):
                continue
            try:
                if progress_due or beat_due:
                    flag = await self._heartbeat(with_progress=progress_due)
                    last_beat = time.monotonic()
                else:
                    flag = await self._look()
            except (SQLAlchemyError, DatabaseUnavailableError, OSError):
                # The lease may still be ours when the database is back; the next beat tells.
                self._log.exception("job heartbeat failed")
                continue
            last_look = time.monotonic()
            self._heard(flag)
            if flag is None:
                # The handler's waits end now, its database work at its next checkpoint (never
                # cancelled mid-query, see `run`); the work is idempotent, so the overlap with
                # the new owner is harmless.
                return

    def _heard(self, flag: bool | None) -> None:
        """What a write or read of the job row told: `cancel_requested`, or None if the lease
        is another worker's now."""
        if flag is None:
            self.context.lose_lease()
        elif flag and not self.context.cancel_requested:
            self.context.cancel()

    async def _look(self) -> bool | None:
        async with self._database.read() as session:
            return await JobRepository(session).standing(self.job_id, owner=self._owner)

    async def _heartbeat(self, *, with_progress: bool) -> bool | None:
        async with self._lock:
            version = self.progress.version
            async with self._database.transaction() as session:
                now = self._clock()
                flag = await JobRepository(session).heartbeat(
                    self.job_id,
                    owner=self._owner,
                    lease_s=self._settings.lease_s,
                    progress=self.progress.snapshot(now) if with_progress else None,
                    now=now,
                )
            if with_progress:
                self._flushed_version = version
            if flag is not None:
                self.context.scope.renewed()
            return flag

    async def _failed(self, exc: Exception) -> None:
        error = "".join(traceback.format_exception(exc)).strip()
        now = self._clock()
        if isinstance(exc, PERMANENT_ERRORS) or self.attempt >= self.max_attempts:
            self._log.error("job failed", error=str(exc), exc_info=exc)
            await self._end("failed", lambda repo, end: repo.fail(self.job_id, end, error=error))
            return
        if isinstance(exc, RateLimitedError) and exc.retry_after_s is not None:
            delay = exc.retry_after_s
        else:
            delay = retry_delay_s(self.attempt, self._settings)
            if isinstance(exc, UpstreamUnavailableError) and exc.retry_after_s is not None:
                # An open circuit breaker: an attempt before it half-opens would fail at once.
                delay = max(delay, exc.retry_after_s)
        self._log.warning("job attempt failed; retrying", error=str(exc), retry_in_s=delay)
        run_at = now + timedelta(seconds=delay)
        await self._end(
            "retrying", lambda repo, end: repo.retry(self.job_id, end, error=error, run_at=run_at)
        )

    async def _end(
        self,
        outcome: str,
        write: Callable[[JobRepository, AttemptEnd], Awaitable[bool]],
    ) -> None:
        # An attempt that ends unfinished leaves the job as its checkpoint has it: the next
        # attempt resumes from there, meeting again the failures counted since.
        finished = outcome not in _UNFINISHED
        try:
            async with self._lock, self._database.transaction() as session:
                now = self._clock()
                end = AttemptEnd(
                    owner=self._owner,
                    attempt=self.attempt,
                    progress=self.progress.snapshot(now) if finished else self._kept,
                    failures=list(self.context.pending_failures) if finished else [],
                    now=now,
                )
                recorded = await write(JobRepository(session), end)
        except (SQLAlchemyError, DatabaseUnavailableError, OSError):
            # Nothing is lost: the lease runs out and another attempt resumes from the checkpoint.
            self._log.exception("job outcome could not be recorded", outcome=outcome)
            return
        if recorded:
            self._log.info("job ended", outcome=outcome, progress=self.progress.done)
        else:
            self._log.warning("job lease lost before its outcome was recorded", outcome=outcome)
