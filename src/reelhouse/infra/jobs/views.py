"""What the job queue hands to the rest of reelhouse: immutable snapshots of jobs and of the
items that failed in them.

ORM rows stay with the repository and the worker: a row is tied to its session, and whoever
holds one could change it or make it load lazily long after the session closed. A view is
read once, inside the session, and never changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from reelhouse.infra.jobs.models import Job, JobItemFailure, JobState


class JobView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    key: str | None
    args: dict[str, Any]
    state: JobState
    priority: int
    attempts: int
    max_attempts: int
    run_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    cancel_requested: bool
    progress: dict[str, Any]
    #: {"data": <the handler's own resume state>, "progress": <progress at that point>}
    checkpoint: dict[str, Any]
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            kind=job.kind,
            key=job.key,
            args=job.args,
            state=JobState(job.state),
            priority=job.priority,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            run_at=job.run_at,
            lease_owner=job.lease_owner,
            lease_expires_at=job.lease_expires_at,
            cancel_requested=job.cancel_requested,
            progress=job.progress,
            checkpoint=job.checkpoint,
            error=job.error,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class JobFailureView(msgspec.Struct, frozen=True):
    """One item of a batch job that failed, in the attempt that last tried it."""

    item: str
    attempt: int
    error: str

    @classmethod
    def of(cls, failure: JobItemFailure) -> JobFailureView:
        return cls(failure.item, failure.attempt, failure.error)
