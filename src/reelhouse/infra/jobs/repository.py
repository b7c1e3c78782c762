"""Every SQL statement about jobs (house rule 3). Callers pass `now`, so tests control time.

Claims are one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`: on
PostgreSQL the row locks let any number of workers claim side by side without waiting on each
other; SQLite ignores `FOR UPDATE` and runs the single statement under its one writer lock, so the
same code is atomic there too. Writes by a worker are compare-and-set on `lease_owner`, so a worker
that lost its lease can no longer change the job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from reelhouse.errors import ConflictError, InvalidInputError
from reelhouse.infra.db.types import UTCDateTime
from reelhouse.infra.jobs.context import ItemFailure
from reelhouse.infra.jobs.models import (
    ACTIVE_KEY,
    ACTIVE_STATES,
    FINISHED_STATES,
    Job,
    JobItemFailure,
    JobState,
)

#: Rows per statement when writing item failures (SQLite caps bound parameters per statement).
_FAILURE_CHUNK = 500
_ENQUEUE_RACE_RETRIES = 5
#: Both dialects spell `INSERT ... ON CONFLICT` the same way; only the construct's module differs.
_INSERTS: dict[str, Callable[[type[Job]], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}
LEASE_EXPIRED = "the worker running this job stopped responding (its lease expired)"


@dataclass(frozen=True)
class AttemptEnd:
    """What a worker writes when an attempt ends, whatever the outcome."""

    owner: str
    attempt: int
    progress: dict[str, Any]
    failures: Sequence[ItemFailure]
    now: datetime


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- producers ---------------------------------------------------------------------------

    async def enqueue(
        self,
        kind: str,
        *,
        args: dict[str, Any],
        key: str | None,
        priority: int,
        max_attempts: int,
        run_at: datetime,
        now: datetime,
    ) -> tuple[Job, bool]:
        """Add a job, or return the queued-or-running job of the same (kind, key).

        Returns (job, created). `INSERT ... ON CONFLICT DO NOTHING` on the partial unique index
        makes the check and the insert one statement: no race between producers, no error (nor
        aborted transaction) on a duplicate, so it can run inside a caller's transaction.
        """
        values = {
            "kind": kind,
            "key": key,
            "args": args,
            "state": JobState.QUEUED,
            "priority": priority,
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_at": run_at,
            "cancel_requested": False,
            "progress": {},
            "checkpoint": {},
            "created_at": now,
        }
        dialect_insert = _INSERTS[self.session.get_bind().dialect.name]
        statement = (
            dialect_insert(Job)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["kind", "key"], index_where=ACTIVE_KEY)
            .returning(Job)
        )
        for _ in range(_ENQUEUE_RACE_RETRIES):
            created = await self.session.scalar(statement)
            if created is not None:
                return created, True
            existing = None if key is None else await self._active(kind, key)
            if existing is not None:
                return existing, False
            # The colliding job finished between the two statements: try again.
        raise ConflictError(f"enqueue of {kind}/{key} kept colliding with concurrent producers")

    async def _active(self, kind: str, key: str) -> Job | None:
        return await self.session.scalar(
            select(Job).where(
                Job.kind == kind,
                Job.key == key,
                Job.state.in_(ACTIVE_STATES),
            )
        )

    # -- readers -----------------------------------------------------------------------------

    async def get(self, job_id: int) -> Job | None:
        return await self.session.get(Job, job_id, populate_existing=True)

    async def list_jobs(
        self,
        *,
        states: Sequence[JobState] = (),
        kind: str | None = None,
        limit: int,
    ) -> list[Job]:
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if states:
            query = query.where(Job.state.in_(states))
        if kind is not None:
            query = query.where(Job.kind == kind)
        return list(await self.session.scalars(query))

    async def latest(self, kind: str, args: Mapping[str, Any], *, since: datetime) -> Job | None:
        """The newest job of `kind` created at or after `since` whose arguments include `args`
        (JSON scalars, compared as their JSON type)."""
        return await self.session.scalar(
            select(Job)
            .where(
                Job.kind == kind,
                Job.created_at >= since,
                *(_argument_is(name, value) for name, value in args.items()),
            )
            .order_by(Job.id.desc())
            .limit(1)
        )

    async def failures(self, job_id: int, *, limit: int) -> tuple[list[JobItemFailure], int]:
        """The first `limit` item failures of a job, and how many there are in all."""
        rows = await self.session.scalars(
            select(JobItemFailure)
            .where(JobItemFailure.job_id == job_id)
            .order_by(JobItemFailure.id)
            .limit(limit)
        )
        total = await self.session.scalar(
            select(func.count()).select_from(JobItemFailure).where(JobItemFailure.job_id == job_id)
        )
        return list(rows), int(total or 0)

    # -- workers -----------------------------------------------------------------------------

    async def has_due(self, *, kinds: Sequence[str], now: datetime) -> bool:
        """A read before the claim, so an idle worker's poll never writes (or locks) anything."""
        found = await self.session.scalar(
            select(Job.id)
            .where(Job.state == JobState.QUEUED, Job.run_at <= now, Job.kind.in_(kinds))
            .limit(1)
        )
        return found is not None

    async def has_expired(self, *, now: datetime) -> bool:
        found = await self.session.scalar(
            select(Job.id).where(Job.state == JobState.RUNNING, Job.lease_expires_at < now).limit(1)
        )
        return found is not None

    async def claim(
        self,
        *,
        kinds: Sequence[str],
        owner: str,
        limit: int,
        lease_s: float,
        now: datetime,
    ) -> list[Job]:
        """Take up to `limit` due jobs of `kinds`, highest priority and oldest first."""
        if limit <= 0 or not kinds:
            return []
        due = (
            select(Job.id)
            .where(Job.state == JobState.QUEUED, Job.run_at <= now, Job.kind.in_(kinds))
            .order_by(Job.priority.desc(), Job.run_at, Job.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await self.session.scalars(
            update(Job)
            .where(Job.id.in_(due))
            .values(
                state=JobState.RUNNING,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_s),
                attempts=Job.attempts + 1,
                started_at=func.coalesce(Job.started_at, _at(now)),
            )
            .returning(Job)
            .execution_options(populate_existing=True)
        )
        return sorted(claimed, key=lambda job: (-job.priority, job.run_at, job.id))

    async def recover_expired(self, *, now: datetime) -> int:
        """Give back jobs whose worker died: queued again (they resume from their checkpoint),
        cancelled if that was asked, failed once they have used up their attempts."""
        expired = [Job.state == JobState.RUNNING, Job.lease_expires_at < now]
        released: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
        finished = {**released, "finished_at": now}
        count = await self._update(
            [*expired, Job.cancel_requested.is_(True)], state=JobState.CANCELLED, **finished
        )
        count += await self._update(
            [*expired, Job.attempts >= Job.max_attempts],
            state=JobState.FAILED,
            error=f"{LEASE_EXPIRED}, and no attempts are left",
            **finished,
        )
        count += await self._update(
            expired, state=JobState.QUEUED, run_at=now, error=LEASE_EXPIRED, **released
        )
        return count

    async def heartbeat(
        self,
        job_id: int,
        *,
        owner: str,
        lease_s: float,
        progress: dict[str, Any] | None,
        now: datetime,
    ) -> bool | None:
        """Renew the lease (and store progress). Returns `cancel_requested`, or None if the lease
        is no longer ours."""
        values: dict[str, Any] = {"lease_expires_at": now + timedelta(seconds=lease_s)}
        if progress is not None:
            values["progress"] = progress
        flag = await self.session.scalar(
            update(Job)
            .where(*_owned(job_id, owner))
            .values(**values)
            .returning(Job.cancel_requested)
            .execution_options(synchronize_session=False)
        )
        return None if flag is None else bool(flag)

    async def standing(self, job_id: int, *, owner: str) -> bool | None:
        """A read of what `heartbeat` returns (`cancel_requested`, or None if the lease is no
        longer `owner`'s), renewing nothing: a cheap look between heartbeats."""
        flag = await self.session.scalar(select(Job.cancel_requested).where(*_owned(job_id, owner)))
        return None if flag is None else bool(flag)

    async def save_checkpoint(
        self,
        job_id: int,
        *,
        owner: str,
        attempt: int,
        data: Any,
        progress: dict[str, Any],
        failures: Sequence[ItemFailure],
        lease_s: float,
        now: datetime,
    ) -> bool | None:
        """Store the handler's resume state with its progress and item failures, in one
        transaction. Returns `cancel_requested`, or None if the lease is no longer ours."""
        flag = await self.session.scalar(
            update(Job)
            .where(*_owned(job_id, owner))
            .values(
                checkpoint={"data": data, "progress": progress},
                progress=progress,
                lease_expires_at=now + timedelta(seconds=lease_s),
            )
            .returning(Job.cancel_requested)
            .execution_options(synchronize_session=False)
        )
        if flag is None:
            return None
        await self._record_failures(job_id, attempt, failures, now)
        return bool(flag)

    async def forget_failures(self, job_id: int) -> None:
        """Drop a job's item failures (its items are to be tried again)."""
        await self.session.execute(delete(JobItemFailure).where(JobItemFailure.job_id == job_id))

    async def succeed(self, job_id: int, end: AttemptEnd) -> bool:
        return await self._end(job_id, end, state=JobState.SUCCEEDED, error=None, finished=True)

    async def fail(self, job_id: int, end: AttemptEnd, *, error: str) -> bool:
        return await self._end(job_id, end, state=JobState.FAILED, error=error, finished=True)

    async def mark_cancelled(self, job_id: int, end: AttemptEnd) -> bool:
        return await self._end(job_id, end, state=JobState.CANCELLED, finished=True)

    async def retry(self, job_id: int, end: AttemptEnd, *, error: str, run_at: datetime) -> bool:
        """Back to the queue until `run_at` after a failed attempt; cancelled instead if a
        cancellation arrived meanwhile. Returns False if the lease is no longer ours."""
        if await self._end(
            job_id,
            end,
            Job.cancel_requested.is_(True),
            state=JobState.CANCELLED,
            error=error,
            finished=True,
        ):
            return True
        return await self._end(job_id, end, state=JobState.QUEUED, run_at=run_at, error=error)

    async def release(self, job_id: int, end: AttemptEnd) -> bool:
        """Hand a job back untouched by failure (its worker is stopping): the attempt does not
        count, and the next worker resumes from the last checkpoint."""
        return await self._end(
            job_id, end, state=JobState.QUEUED, run_at=end.now, attempts=Job.attempts - 1
        )

    async def _end(
        self,
        job_id: int,
        end: AttemptEnd,
        *conditions: ColumnElement[bool],
        finished: bool = False,
        **values: Any,
    ) -> bool:
        if finished:
            values["finished_at"] = end.now
        ended = await self._update(
            [*_owned(job_id, end.owner), *conditions],
            progress=end.progress,
            lease_owner=None,
            lease_expires_at=None,
            **values,
        )
        if not ended:
            return False
        await self._record_failures(job_id, end.attempt, end.failures, end.now)
        return True

    async def _record_failures(
        self, job_id: int, attempt: int, failures: Sequence[ItemFailure], now: datetime
    ) -> None:
        """Store item failures; an item that failed again on a resumed run keeps one row."""
        for start in range(0, len(failures), _FAILURE_CHUNK):
            chunk = failures[start : start + _FAILURE_CHUNK]
            await self.session.execute(
                delete(JobItemFailure).where(
                    JobItemFailure.job_id == job_id,
                    JobItemFailure.item.in_({failure.item for failure in chunk}),
                )
            )
            latest = {failure.item: failure.error for failure in chunk}
            await self.session.execute(
                insert(JobItemFailure),
                [
                    {
                        "job_id": job_id,
                        "item": item,
                        "error": error,
                        "attempt": attempt,
                        "created_at": now,
                    }
                    for item, error in latest.items()
                ],
            )

    # -- operators ---------------------------------------------------------------------------

    async def cancel(self, job_id: int, *, now: datetime) -> Job | None:
        """Cancel a queued job at once; ask a running one to stop at its next checkpoint."""
        await self._update(
            [Job.id == job_id, Job.state == JobState.QUEUED],
            state=JobState.CANCELLED,
            cancel_requested=True,
            finished_at=now,
        )
        await self._update([Job.id == job_id, Job.state == JobState.RUNNING], cancel_requested=True)
        return await self.get(job_id)

    async def prune(self, *, finished_before: datetime, limit: int) -> int:
        """Delete up to `limit` jobs that finished before `finished_before`."""
        oldest = (
            select(Job.id)
            .where(Job.state.in_(FINISHED_STATES), Job.finished_at < finished_before)
            .order_by(Job.id)
            .limit(limit)
        )
        result = await self.session.execute(
            delete(Job).where(Job.id.in_(oldest)).execution_options(synchronize_session=False)
        )
        return rowcount(result)

    async def count_prunable(self, *, finished_before: datetime) -> int:
        total = await self.session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.state.in_(FINISHED_STATES), Job.finished_at < finished_before)
        )
        return int(total or 0)

    async def _update(self, conditions: Sequence[ColumnElement[bool]], **values: Any) -> int:
        result = await self.session.execute(
            update(Job)
            .where(*conditions)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)


def _owned(job_id: int, owner: str) -> tuple[ColumnElement[bool], ...]:
    return (Job.id == job_id, Job.lease_owner == owner, Job.state == JobState.RUNNING)


def _argument_is(name: str, value: Any) -> ColumnElement[bool]:
    """`args[name] == value` in SQL; a missing argument counts as null, as with `dict.get`."""
    element: Any = Job.args[name]
    condition: ColumnElement[bool]
    if value is None:
        condition = element.as_string().is_(None)
    elif isinstance(value, bool):  # before int: a bool is an int to Python, not to JSON
        condition = element.as_boolean() == value
    elif isinstance(value, int):
        condition = element.as_integer() == value
    elif isinstance(value, float):
        condition = element.as_float() == value
    elif isinstance(value, str):
        condition = element.as_string() == value
    else:
        raise InvalidInputError(
            f"job argument {name!r} is not a JSON scalar, so jobs cannot be looked up by it",
            field="args",
        )
    return condition


def _at(moment: datetime) -> ColumnElement[datetime]:
    return literal(moment, UTCDateTime())


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE matched (`session.execute` types them as a plain `Result`)."""
    return int(cast("CursorResult[Any]", result).rowcount)
