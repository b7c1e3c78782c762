"""Every SQL statement about the schedules of periodic jobs (house rule 3).

A schedule row holds when its job is next due. Workers only read it until it is due; then one
compare-and-set of `next_run_at` lets exactly one of them, in any process, enqueue the job.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.infra.jobs.models import JobSchedule
from reelhouse.infra.jobs.repository import rowcount


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take_schedule_slot(self, name: str, *, interval_s: float, now: datetime) -> bool:
        """True for exactly one caller per period of schedule `name`, across all processes.

        The slot is a compare-and-set of `next_run_at`; the caller enqueues the job in the same
        transaction, so a slot is never taken without its job.
        """
        following = now + timedelta(seconds=interval_s)
        taken = await self._update_schedule(
            name, JobSchedule.next_run_at <= now, next_run_at=following
        )
        if taken:
            return True
        # Not due. If the interval was shortened in the settings, pull the next run closer.
        await self._update_schedule(
            name, JobSchedule.next_run_at > following, next_run_at=following
        )
        if await self.session.get(JobSchedule, name) is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(JobSchedule(name=name, next_run_at=following))
        except IntegrityError:
            return False  # another worker created it first, and fired it
        return True

    async def schedules_needing_attention(
        self, intervals: dict[str, float], *, now: datetime
    ) -> list[str]:
        """Names of schedules that are due, new, or whose interval was shortened (a read, so
        idle workers do not write)."""
        rows = await self.session.execute(
            select(JobSchedule.name, JobSchedule.next_run_at).where(JobSchedule.name.in_(intervals))
        )
        next_runs = {name: next_run_at for name, next_run_at in rows}
        return [
            name
            for name, interval_s in intervals.items()
            if name not in next_runs
            or next_runs[name] <= now
            or next_runs[name] > now + timedelta(seconds=interval_s)
        ]

    async def schedule_ran(self, name: str, job_id: int) -> None:
        await self._update_schedule(name, last_job_id=job_id)

    async def _update_schedule(self, name: str, *conditions: Any, **values: Any) -> int:
        result = await self.session.execute(
            update(JobSchedule)
            .where(JobSchedule.name == name, *conditions)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)
