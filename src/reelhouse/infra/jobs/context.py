"""What a job handler sees: its arguments, its checkpoint, progress, cancellation, item failures."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.errors import RateLimitedError, UpstreamUnavailableError
from reelhouse.infra.jobs.progress import FAILED, OK, Progress
from reelhouse.infra.jobs.scope import JobScope

#: Errors that say "everything is failing now", not "this item is bad": they stop the job, which
#: is retried later, instead of being recorded against every remaining item.
JOB_LEVEL_ERRORS: tuple[type[BaseException], ...] = (
    UpstreamUnavailableError,
    RateLimitedError,
    DBAPIError,
)
#: A full disk fails every item after it too (a missing file fails only its own item).
_JOB_LEVEL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_job_level(exc: BaseException) -> bool:
    if isinstance(exc, JOB_LEVEL_ERRORS):
        return True
    return isinstance(exc, OSError) and exc.errno in _JOB_LEVEL_ERRNOS


class JobInterrupted(BaseException):
    """The handler must stop now. Not an error of the job, so `except Exception` lets it pass."""


class JobCancelled(JobInterrupted):
    """Someone cancelled the job; the worker records it as cancelled."""


class WorkerStopping(JobInterrupted):
    """The worker is shutting down; the job goes back to the queue and resumes elsewhere."""


class LeaseLost(JobInterrupted):
    """Another worker owns the job now (this one stalled past its lease); write nothing more."""


@dataclass(frozen=True)
class ItemFailure:
    item: str
    error: str


class Checkpointer(Protocol):
    def transaction(
        self, data: Any, count: int, outcome: str
    ) -> AbstractAsyncContextManager[AsyncSession]: ...

    async def forget_failures(self) -> None: ...


class ItemOutcome:
    """Lets the body of `JobContext.item` say how the item ended (default `ok`), and store its
    work together with its count."""

    def __init__(self, context: JobContext) -> None:
        self.outcome = OK
        self.counted = False
        self._context = context

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A database transaction that counts this item (as `outcome`) in the job's checkpoint
        as it commits. For work a resumed attempt does not do again (what is left to do is
        read from the database): stored and counted at once, it is never lost from the count,
        nor counted twice, whenever the attempt ends."""
        context = self._context
        async with context.transaction(context.checkpoint, count=1, outcome=self.outcome) as s:
            yield s
        self.counted = True


class JobContext:
    """Handed to a handler for one attempt of one job.

    A handler resumes from `checkpoint` (None on a first run), reports progress, and calls
    `save_checkpoint` after each unit of finished work; that is where it stops when the job is
    cancelled or the worker shuts down (its provider requests and downloads end at once: they
    wait in its `scope`).
    """

    def __init__(
        self,
        *,
        job_id: int,
        kind: str,
        key: str | None,
        args: Mapping[str, Any],
        attempt: int,
        checkpoint: Any,
        progress: Progress,
        checkpointer: Checkpointer,
        lease_s: float,
    ) -> None:
        self.job_id = job_id
        self.kind = kind
        self.key = key
        self.args = args
        self.attempt = attempt
        self.checkpoint = checkpoint
        self.progress = progress
        self.cancel_requested = False
        self.stopping = False
        self.lease_lost = False
        self.pending_failures: list[ItemFailure] = []
        self._checkpointer = checkpointer
        #: Where the handler runs: its outbound waits end as the job must stop.
        self.scope = JobScope(self._interruption, lease_s=lease_s)

    def check_cancelled(self) -> None:
        """Raise `JobCancelled` / `WorkerStopping` / `LeaseLost` if the job should stop here."""
        interruption = self._interruption()
        if interruption is not None:
            raise interruption

    def cancel(self) -> None:
        """The job was cancelled: its outbound waits end now, the rest at its next check."""
        self.cancel_requested = True
        self.scope.stop()

    def lose_lease(self) -> None:
        """Another worker owns the job now: as `cancel`, and nothing more is written."""
        self.lease_lost = True
        self.scope.stop()

    def stop(self) -> None:
        """The worker is stopping: as `cancel`, and the job goes back to the queue."""
        self.stopping = True
        self.scope.stop()

    def _interruption(self) -> JobInterrupted | None:
        if self.lease_lost:
            return LeaseLost(f"job {self.job_id} is leased by another worker now")
        if self.cancel_requested:
            return JobCancelled(f"job {self.job_id} was cancelled")
        if self.stopping:
            return WorkerStopping(f"worker stopping; job {self.job_id} goes back to the queue")
        return None

    async def save_checkpoint(self, data: Any) -> None:
        """Persist `data` (JSON), the progress and the item failures so far, atomically; then stop
        here if the job was cancelled or the worker is shutting down."""
        async with self.transaction(data):
            pass
        self.check_cancelled()

    @asynccontextmanager
    async def transaction(
        self, data: Any, *, count: int = 0, outcome: str = OK
    ) -> AsyncIterator[AsyncSession]:
        """A database transaction that also saves the checkpoint `data`, with the progress and
        the item failures so far, and counts `count` more items as `outcome`: the work done in
        it and what the checkpoint says of it commit together."""
        async with self._checkpointer.transaction(data, count, outcome) as session:
            yield session
        self.checkpoint = data

    async def retry_failed_items(self) -> None:
        """The items earlier attempts counted as failed are to be tried again (for handlers
        whose failed items stay among what is left to do): their failures are forgotten, from
        the counts and the recorded failures at once, and each is counted as it ends now."""
        await self._checkpointer.forget_failures()

    def item_failed(self, item: str, error: BaseException | str) -> None:
        """Record that `item` failed; the batch goes on. Stored with the next checkpoint."""
        self.pending_failures.append(_failure(item, error))
        self.progress.advance(outcome=FAILED, current=item)

    @contextmanager
    def item(self, label: str) -> Iterator[ItemOutcome]:
        """Process one item: its error is recorded against it (unless the error is job-level,
        see `is_job_level`) and counted, and the job goes on with the next one."""
        self.progress.set_current(label)
        outcome = ItemOutcome(self)
        try:
            yield outcome
        except Exception as exc:
            if is_job_level(exc):
                raise
            if outcome.counted:  # its work is stored and counted: what failed after is told
                self.pending_failures.append(_failure(label, exc))
            else:
                self.item_failed(label, exc)  # recorded against the item, not swallowed
            return
        if not outcome.counted:
            self.progress.advance(outcome=outcome.outcome)


def _failure(item: str, error: BaseException | str) -> ItemFailure:
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return ItemFailure(item, message)
