"""The job queue is a table in the application database (DESIGN.md: the job queue)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from reelhouse.infra.db.base import Base, IdMixin, check_in
from reelhouse.infra.db.types import BigIntPrimaryKey, utcnow


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
FINISHED_STATES = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)
#: The predicate of the partial unique index on (kind, key); `ON CONFLICT` names it too.
ACTIVE_KEY = text("state IN ('queued', 'running') AND key IS NOT NULL")


class Job(IdMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(check_in("state", JobState), name="state"),
        CheckConstraint("attempts >= 0 AND max_attempts > 0", name="attempts"),
        # At most one queued-or-running job per (kind, key): one scan per library, say.
        Index(
            "uq_jobs_active_kind_key",
            "kind",
            "key",
            unique=True,
            sqlite_where=ACTIVE_KEY,
            postgresql_where=ACTIVE_KEY,
        ),
        Index("ix_jobs_claim", "state", "run_at", "priority"),
        Index("ix_jobs_lease_expires_at", "lease_expires_at"),
        Index("ix_jobs_finished_at", "finished_at"),
    )

    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(255))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[JobState] = mapped_column(String(16), default=JobState.QUEUED)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"data": <the handler's own resume state>, "progress": <progress at that point>}
    checkpoint: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class JobItemFailure(IdMixin, Base):
    """One item of a batch job that failed, recorded without failing the batch."""

    __tablename__ = "job_item_failures"
    __table_args__ = (Index("ix_job_item_failures_job_id_item", "job_id", "item"),)

    job_id: Mapped[int] = mapped_column(BigIntPrimaryKey, ForeignKey("jobs.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobSchedule(Base):
    """When a periodic job is next due; claimed by compare-and-set, so it fires once overall."""

    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime]
    last_job_id: Mapped[int | None] = mapped_column(
        BigIntPrimaryKey, ForeignKey("jobs.id", ondelete="SET NULL")
    )
