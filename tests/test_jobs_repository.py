"""The job repository on real SQLite and PostgreSQL: uniqueness, claims, leases, cancellation,
schedules, item failures and pruning. Time is passed in, so nothing here depends on the clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from reelhouse.config import DatabaseSettings, JobsSettings
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.jobs.context import ItemFailure
from reelhouse.infra.jobs.models import Job, JobItemFailure, JobSchedule, JobState
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.repository import LEASE_EXPIRED, AttemptEnd, JobRepository
from reelhouse.infra.jobs.schedules import ScheduleRepository
from tests.jobs_support import T0


@pytest.fixture
async def other_databases(database_url: str) -> AsyncIterator[list[Database]]:
    """Separate engines (own connection pools) on the same database, to race each other."""
    databases = [Database(create_engine(database_url, DatabaseSettings())) for _ in range(3)]
    yield databases
    for db in databases:
        await db.close()


async def enqueue(database: Database, kind: str = "k", **options: object) -> Job:
    values: dict[str, object] = {
        "args": {},
        "key": None,
        "priority": 0,
        "max_attempts": 3,
        "run_at": T0,
        "now": T0,
    }
    values.update(options)
    async with database.transaction() as session:
        job, _ = await JobRepository(session).enqueue(kind, **values)  # type: ignore[arg-type]
    return job


async def claim(database: Database, owner: str = "w1", **options: object) -> list[Job]:
    values: dict[str, object] = {"kinds": ["k"], "limit": 10, "lease_s": 10.0, "now": T0}
    values.update(options)
    async with database.transaction() as session:
        return await JobRepository(session).claim(owner=owner, **values)  # type: ignore[arg-type]


async def recover(database: Database, at: float) -> int:
    async with database.transaction() as session:
        return await JobRepository(session).recover_expired(now=T0 + timedelta(seconds=at))


async def get(database: Database, job_id: int) -> Job:
    async with database.transaction() as session:
        job = await JobRepository(session).get(job_id)
    assert job is not None
    return job


def end(owner: str = "w1", *, failures: tuple[ItemFailure, ...] = (), at: float = 1) -> AttemptEnd:
    return AttemptEnd(
        owner=owner,
        attempt=1,
        progress={"done": 1},
        failures=failures,
        now=T0 + timedelta(seconds=at),
    )


async def test_asking_again_returns_the_queued_or_running_job(database: Database) -> None:
    queue = JobQueue(database, JobsSettings(), clock=lambda: T0)
    first = await queue.enqueue("scan", {"library": 1}, key="library:1")
    again = await queue.enqueue("scan", {"library": 1}, key="library:1")
    other = await queue.enqueue("scan", {"library": 2}, key="library:2")
    assert first.created
    assert not again.created
    assert other.created
    assert again.job.id == first.job.id != other.job.id

    async with database.transaction() as session:
        await JobRepository(session).claim(kinds=["scan"], owner="w", limit=1, lease_s=10, now=T0)
    running = await queue.enqueue("scan", {"library": 1}, key="library:1")
    assert (running.created, running.job.id) == (False, first.job.id)

    async with database.transaction() as session:
        assert await JobRepository(session).succeed(first.job.id, end("w"))
    after = await queue.enqueue("scan", {"library": 1}, key="library:1")
    assert after.created
    assert after.job.id != first.job.id


async def test_jobs_without_a_key_are_never_merged(database: Database) -> None:
    queue = JobQueue(database, JobsSettings())
    ids = {(await queue.enqueue("scan")).job.id for _ in range(3)}
    assert len(ids) == 3


async def test_concurrent_producers_create_one_job(
    database: Database, other_databases: list[Database]
) -> None:
    queues = [JobQueue(db, JobsSettings()) for db in other_databases]
    results = await asyncio.gather(
        *(queue.enqueue("scan", key="library:7") for queue in queues * 3)
    )
    assert len({result.job.id for result in results}) == 1
    assert sum(result.created for result in results) == 1
    async with database.transaction() as session:
        jobs = await JobRepository(session).list_jobs(kind="scan", limit=100)
    assert len(jobs) == 1


async def test_enqueue_refuses_arguments_that_are_not_plain_json(database: Database) -> None:
    queue = JobQueue(database, JobsSettings())
    for args in ({"when": T0}, {"pair": (1, 2)}, {"nan": float("nan")}):
        with pytest.raises(InvalidInputError):
            await queue.enqueue("scan", args)
    with pytest.raises(InvalidInputError):
        await queue.enqueue("scan", key="")


async def test_per_kind_attempt_limit_comes_from_the_settings(database: Database) -> None:
    settings = JobsSettings(max_attempts=4, kinds={"scan": {"max_attempts": 2}})  # type: ignore[dict-item]
    queue = JobQueue(database, settings)
    assert (await queue.enqueue("scan")).job.max_attempts == 2
    assert (await queue.enqueue("enrich")).job.max_attempts == 4


async def test_latest_finds_the_job_behind_many_newer_ones_of_its_kind(database: Database) -> None:
    """The arguments are matched in the database, not among a page of the newest jobs: sixty
    newer scans of other libraries do not hide the scan of the library asked for."""
    queue = JobQueue(database, JobsSettings(), clock=lambda: T0)
    await queue.enqueue("scan", {"library_id": 1, "folder": "/a"})
    wanted = (await queue.enqueue("scan", {"library_id": 1, "folder": "/b"})).job
    for library_id in range(2, 62):
        await queue.enqueue("scan", {"library_id": library_id, "folder": "/b"})
    await queue.enqueue("match", {"library_id": 1})

    found = await queue.latest("scan", {"library_id": 1}, since=T0)
    assert found is not None
    assert found.id == wanted.id
    both = await queue.latest("scan", {"library_id": 1, "folder": "/b"}, since=T0)
    assert both is not None
    assert both.id == wanted.id
    assert await queue.latest("scan", {"library_id": 62}, since=T0) is None
    assert await queue.latest("scan", {"library_id": 1}, since=T0 + timedelta(seconds=1)) is None


async def test_claim_takes_due_jobs_of_known_kinds_by_priority(database: Database) -> None:
    low = await enqueue(database, priority=0)
    high = await enqueue(database, priority=5)
    later = await enqueue(database, priority=9, run_at=T0 + timedelta(seconds=60))
    other_kind = await enqueue(database, "unknown", priority=9)

    claimed = await claim(database, limit=10)
    assert [job.id for job in claimed] == [high.id, low.id]
    assert all(job.state == JobState.RUNNING and job.attempts == 1 for job in claimed)
    assert all(job.lease_owner == "w1" for job in claimed)
    assert claimed[0].lease_expires_at == T0 + timedelta(seconds=10)
    assert claimed[0].started_at == T0
    assert await claim(database) == []
    assert [j.id for j in await claim(database, now=T0 + timedelta(seconds=60))] == [later.id]
    assert (await get(database, other_kind.id)).state == JobState.QUEUED


async def test_concurrent_claims_never_hand_out_a_job_twice(
    database: Database, other_databases: list[Database]
) -> None:
    async with database.transaction() as session:
        repo = JobRepository(session)
        for _ in range(120):
            await repo.enqueue(
                "k", args={}, key=None, priority=0, max_attempts=1, run_at=T0, now=T0
            )

    async def drain(db: Database, owner: str) -> list[int]:
        taken: list[int] = []
        while batch := await claim(db, owner, limit=7):
            taken += [job.id for job in batch]
        return taken

    results = await asyncio.gather(*(drain(db, f"w{n}") for n, db in enumerate(other_databases)))
    everything = [job_id for taken in results for job_id in taken]
    assert len(everything) == len(set(everything)) == 120


async def test_an_expired_lease_puts_the_job_back_with_its_checkpoint(database: Database) -> None:
    job = await enqueue(database)
    await claim(database, "dead-worker")
    async with database.transaction() as session:
        await JobRepository(session).save_checkpoint(
            job.id,
            owner="dead-worker",
            attempt=1,
            data={"next": 40},
            progress={"done": 40},
            failures=[],
            lease_s=10,
            now=T0 + timedelta(seconds=1),
        )
    assert await recover(database, at=10) == 0  # lease renewed until T0+11
    assert await recover(database, at=12) == 1
    recovered = await get(database, job.id)
    assert recovered.state == JobState.QUEUED
    assert recovered.lease_owner is None
    assert recovered.error == LEASE_EXPIRED
    assert recovered.checkpoint["data"] == {"next": 40}

    [again] = await claim(database, "w2", now=T0 + timedelta(seconds=12))
    assert (again.attempts, again.lease_owner) == (2, "w2")
    async with database.transaction() as session:
        stale = await JobRepository(session).heartbeat(
            job.id, owner="dead-worker", lease_s=10, progress=None, now=T0
        )
        assert stale is None  # the old owner can no longer touch it
        assert not await JobRepository(session).succeed(job.id, end("dead-worker"))


async def test_expired_leases_fail_without_attempts_and_honour_cancel(database: Database) -> None:
    exhausted = await enqueue(database, max_attempts=1)
    cancelling = await enqueue(database, max_attempts=5)
    await claim(database)
    async with database.transaction() as session:
        await JobRepository(session).cancel(cancelling.id, now=T0)
    assert await recover(database, at=11) == 2
    failed, cancelled = await get(database, exhausted.id), await get(database, cancelling.id)
    assert failed.state == JobState.FAILED
    assert "no attempts are left" in (failed.error or "")
    assert cancelled.state == JobState.CANCELLED
    assert failed.finished_at == cancelled.finished_at == T0 + timedelta(seconds=11)


async def test_cancel_stops_a_queued_job_now_and_flags_a_running_one(database: Database) -> None:
    queued = await enqueue(database, run_at=T0 + timedelta(hours=1))
    running = await enqueue(database)
    await claim(database)
    queue = JobQueue(database, JobsSettings(), clock=lambda: T0)

    cancelled = await queue.cancel(queued.id)
    assert (cancelled.state, cancelled.finished_at) == (JobState.CANCELLED, T0)
    flagged = await queue.cancel(running.id)
    assert (flagged.state, flagged.cancel_requested) == (JobState.RUNNING, True)
    async with database.transaction() as session:
        flag = await JobRepository(session).heartbeat(
            running.id, owner="w1", lease_s=10, progress=None, now=T0
        )
    assert flag is True

    async with database.transaction() as session:
        assert await JobRepository(session).succeed(running.id, end())
    assert (await queue.cancel(running.id)).state == JobState.SUCCEEDED  # finished stays so
    with pytest.raises(NotFoundError):
        await queue.cancel(999_999)


async def test_retry_requeues_or_cancels_when_asked(database: Database) -> None:
    job = await enqueue(database)
    await claim(database)
    later = T0 + timedelta(seconds=30)
    async with database.transaction() as session:
        assert await JobRepository(session).retry(job.id, end(), error="boom", run_at=later)
    retried = await get(database, job.id)
    assert (retried.state, retried.run_at, retried.error) == (JobState.QUEUED, later, "boom")
    assert retried.finished_at is None

    await claim(database, now=later)
    async with database.transaction() as session:
        await JobRepository(session).cancel(job.id, now=later)
        assert await JobRepository(session).retry(job.id, end(), error="boom", run_at=later)
    assert (await get(database, job.id)).state == JobState.CANCELLED


async def test_release_does_not_count_the_attempt(database: Database) -> None:
    job = await enqueue(database)
    await claim(database)
    async with database.transaction() as session:
        assert await JobRepository(session).release(job.id, end())
    released = await get(database, job.id)
    assert (released.state, released.attempts, released.lease_owner) == (JobState.QUEUED, 0, None)


async def test_an_item_failing_again_on_a_resumed_run_keeps_one_row(database: Database) -> None:
    job = await enqueue(database)
    await claim(database)
    first = (ItemFailure("a.mkv", "ValueError: one"), ItemFailure("b.mkv", "ValueError: two"))
    async with database.transaction() as session:
        await JobRepository(session).save_checkpoint(
            job.id,
            owner="w1",
            attempt=1,
            data={},
            progress={},
            failures=first,
            lease_s=10,
            now=T0,
        )
        again = (ItemFailure("a.mkv", "ValueError: three"),)
        assert await JobRepository(session).succeed(job.id, end(failures=again))
    async with database.transaction() as session:
        failures, total = await JobRepository(session).failures(job.id, limit=10)
    assert total == 2
    assert sorted((f.item, f.error) for f in failures) == [
        ("a.mkv", "ValueError: three"),
        ("b.mkv", "ValueError: two"),
    ]


async def test_prune_deletes_only_old_finished_jobs(database: Database) -> None:
    old = await enqueue(database)
    fresh = await enqueue(database)
    active = await enqueue(database)
    await claim(database, limit=2)
    async with database.transaction() as session:
        repo = JobRepository(session)
        await repo.fail(old.id, end(failures=(ItemFailure("x", "y"),), at=1), error="e")
        await repo.succeed(fresh.id, end(at=100))
    cutoff = T0 + timedelta(seconds=50)
    async with database.transaction() as session:
        assert await JobRepository(session).count_prunable(finished_before=cutoff) == 1
        assert await JobRepository(session).prune(finished_before=cutoff, limit=10) == 1
    async with database.transaction() as session:
        left = {job.id for job in await JobRepository(session).list_jobs(limit=10)}
        orphans = list(await session.scalars(select(JobItemFailure)))
    assert left == {fresh.id, active.id}
    assert orphans == []


async def test_a_schedule_slot_is_taken_once_per_period_across_processes(
    database: Database, other_databases: list[Database]
) -> None:
    async def take(db: Database, at: float) -> bool:
        async with db.transaction() as session:
            return await ScheduleRepository(session).take_schedule_slot(
                "scan", interval_s=100, now=T0 + timedelta(seconds=at)
            )

    for at in (0, 50, 99, 100, 150, 250, 260):
        takers = await asyncio.gather(*(take(db, at) for db in other_databases))
        expected = 1 if at in (0, 100, 250) else 0
        assert sum(takers) == expected, at

    async with database.transaction() as session:
        schedule = await session.get(JobSchedule, "scan")
    assert schedule is not None
    assert schedule.next_run_at == T0 + timedelta(seconds=350)

    # The interval was shortened in the settings: the next run moves closer, without firing now.
    async with database.transaction() as session:
        repo = ScheduleRepository(session)
        assert not await repo.take_schedule_slot(
            "scan", interval_s=10, now=T0 + timedelta(seconds=300)
        )
    async with database.transaction() as session:
        schedule = await session.get(JobSchedule, "scan", populate_existing=True)
    assert schedule is not None
    assert schedule.next_run_at == T0 + timedelta(seconds=310)
