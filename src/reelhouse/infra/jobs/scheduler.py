"""Periodic jobs from the settings, enqueued once per period across every worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.schedules import ScheduleRepository
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)


class Scheduler:
    def __init__(
        self,
        database: Database,
        registry: JobRegistry,
        queue: JobQueue,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._registry = registry
        self._queue = queue
        self._clock = clock

    async def tick(self) -> list[int]:
        """Enqueue every schedule that is due; returns the ids of the jobs it enqueued.

        Taking the period's slot and enqueueing the job are one transaction: whichever worker
        takes the slot enqueues, the others see the slot taken and do nothing.
        """
        enqueued: list[int] = []
        schedules = {schedule.name: schedule for schedule in self._registry.schedules}
        if not schedules:
            return enqueued
        async with self._database.read() as session:
            names = await ScheduleRepository(session).schedules_needing_attention(
                {name: schedule.interval_s for name, schedule in schedules.items()},
                now=self._clock(),
            )
        for schedule in (schedules[name] for name in names):
            async with self._database.transaction() as session:
                repo = ScheduleRepository(session)
                now = self._clock()
                if not await repo.take_schedule_slot(
                    schedule.name, interval_s=schedule.interval_s, now=now
                ):
                    continue
                result = await self._queue.enqueue_in(
                    session, schedule.kind, dict(schedule.args), key=schedule.key
                )
                await repo.schedule_ran(schedule.name, result.job.id)
            if result.created:
                enqueued.append(result.job.id)
                log.info("scheduled job enqueued", schedule=schedule.name, job_id=result.job.id)
            else:
                log.info("scheduled job still active", schedule=schedule.name, job_id=result.job.id)
        return enqueued
