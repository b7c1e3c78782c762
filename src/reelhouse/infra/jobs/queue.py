"""The job queue as the rest of reelhouse uses it: enqueue, look at, cancel. What it returns
are views (`JobView`), never ORM rows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.config import JobsSettings
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.models import ACTIVE_STATES, JobState
from reelhouse.infra.jobs.repository import JobRepository
from reelhouse.infra.jobs.views import JobFailureView, JobView


@dataclass(frozen=True)
class Enqueued:
    job: JobView
    #: False when an equal job (same kind and key) was already queued or running.
    created: bool


class JobQueue:
    def __init__(
        self,
        database: Database,
        settings: JobsSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_enqueue: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        # Wakes an in-process worker, so a job enqueued by `serve` starts without a poll delay.
        self._on_enqueue = on_enqueue

    async def enqueue(
        self,
        kind: str,
        args: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        priority: int = 0,
        delay_s: float = 0.0,
    ) -> Enqueued:
        """Queue a job; with a `key`, asking again while it is queued or running returns it."""
        async with self.database.transaction() as session:
            result = await self.enqueue_in(
                session, kind, args, key=key, priority=priority, delay_s=delay_s
            )
        if self._on_enqueue is not None and result.created:
            self._on_enqueue()
        return result

    async def enqueue_follow_up(
        self, kind: str, args: Mapping[str, Any] | None = None, *, key: str
    ) -> Enqueued:
        """Queue a job for work that appeared just now: an equal job still queued will see it,
        but one already running may have passed it, so one more is queued after that one (one,
        however often this is called while it runs)."""
        enqueued = await self.enqueue(kind, args, key=key)
        if not enqueued.created and enqueued.job.state == JobState.RUNNING:
            return await self.enqueue(kind, args, key=f"{key}:after:{enqueued.job.id}")
        return enqueued

    async def enqueue_in(
        self,
        session: AsyncSession,
        kind: str,
        args: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        priority: int = 0,
        delay_s: float = 0.0,
    ) -> Enqueued:
        """`enqueue` inside a caller's transaction, so the job exists exactly if its cause does
        (a scan commits the files it found and the jobs to match them together)."""
        payload = _json_object(args or {})
        if key is not None and not 0 < len(key) <= 255:
            raise InvalidInputError("a job key has 1 to 255 characters", field="key")
        if delay_s < 0:
            raise InvalidInputError("a job cannot be delayed by a negative time", field="delay_s")
        now = self.clock()
        job, created = await JobRepository(session).enqueue(
            kind,
            args=payload,
            key=key,
            priority=priority,
            max_attempts=self.settings.max_attempts_for(kind),
            run_at=now + timedelta(seconds=delay_s),
            now=now,
        )
        return Enqueued(JobView.of(job), created)

    async def get(self, job_id: int) -> JobView:
        async with self.database.read() as session:
            job = await JobRepository(session).get(job_id)
            view = None if job is None else JobView.of(job)
        if view is None:
            raise NotFoundError(f"there is no job {job_id}")
        return view

    async def poll(self, job_id: int, interval_s: float) -> AsyncGenerator[JobView, None]:
        """The job now and again every `interval_s` until it has finished, which is the last
        one yielded; for followers (a progress bar, an event stream) that outlive many writes.
        Raises `NotFoundError` for an unknown job."""
        while True:
            job = await self.get(job_id)
            yield job
            if job.state not in ACTIVE_STATES:
                return
            await asyncio.sleep(interval_s)

    async def list_jobs(
        self, *, states: Sequence[JobState] = (), kind: str | None = None, limit: int = 50
    ) -> list[JobView]:
        async with self.database.read() as session:
            jobs = await JobRepository(session).list_jobs(states=states, kind=kind, limit=limit)
            return [JobView.of(job) for job in jobs]

    async def latest(
        self, kind: str, args: Mapping[str, Any], *, since: datetime
    ) -> JobView | None:
        """The newest job of `kind` created at or after `since` whose arguments include `args`
        (the step a job queued for the same library, say)."""
        async with self.database.read() as session:
            job = await JobRepository(session).latest(kind, args, since=since)
            return None if job is None else JobView.of(job)

    async def failures(self, job_id: int, *, limit: int = 20) -> tuple[list[JobFailureView], int]:
        async with self.database.read() as session:
            failures, total = await JobRepository(session).failures(job_id, limit=limit)
            return [JobFailureView.of(failure) for failure in failures], total

    async def cancel(self, job_id: int) -> JobView:
        """Cancel a queued job now, or ask a running one to stop at its next checkpoint.
        A finished job is returned unchanged."""
        async with self.database.transaction() as session:
            job = await JobRepository(session).cancel(job_id, now=self.clock())
            view = None if job is None else JobView.of(job)
        if view is None:
            raise NotFoundError(f"there is no job {job_id}")
        return view


def _json_object(args: Mapping[str, Any]) -> dict[str, Any]:
    """Job arguments are stored as JSON: refuse what would not read back the same."""
    try:
        decoded: dict[str, Any] = json.loads(json.dumps(dict(args), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"job arguments must be plain JSON: {exc}", field="args") from exc
    if decoded != dict(args):
        raise InvalidInputError(
            "job arguments must be plain JSON (string keys, lists not tuples)", field="args"
        )
    return decoded
