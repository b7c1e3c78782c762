"""The worker in-process, on real SQLite and PostgreSQL: progress, item failures, retries,
cancellation, graceful stop, lost leases, schedules, and the `jobs.prune` job."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, text, update

from reelhouse.config import DatabaseSettings, JobsSettings
from reelhouse.errors import InvalidInputError, RateLimitedError, UpstreamUnavailableError
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.jobs.context import JobContext, LeaseLost
from reelhouse.infra.jobs.models import Job, JobState
from reelhouse.infra.jobs.progress import FAILED
from reelhouse.infra.jobs.prune import PRUNE_KIND, register_prune
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry, Schedule
from reelhouse.infra.jobs.repository import AttemptEnd, JobRepository
from reelhouse.infra.jobs.worker import Worker, running_worker
from tests.job_handlers import BATCH, RECORD, register_test_handlers
from tests.jobs_support import T0, Clock, create_test_tables, eventually, fast_settings, rows


@asynccontextmanager
async def worker(
    database: Database,
    registry: JobRegistry,
    settings: JobsSettings,
    clock: Clock | None = None,
    name: str = "w1",
) -> AsyncIterator[Worker]:
    options = {"clock": clock} if clock else {}
    async with running_worker(Worker(database, registry, settings, name=name, **options)) as w:
        yield w


async def until_state(queue: JobQueue, job_id: int, *states: JobState) -> Job:
    async def check() -> Job | None:
        job = await queue.get(job_id)
        return job if job.state in states else None

    job: Job = await eventually(check, what=f"job {job_id} reaching {states}")
    return job


async def test_a_batch_reports_progress_and_records_item_failures(database: Database) -> None:
    await create_test_tables(database)
    registry = JobRegistry()
    register_test_handlers(registry, database, "w1")
    queue = JobQueue(database, fast_settings())
    args = {"tag": "t", "items": 10, "bad": [3, 7], "checkpoint_every": 2}
    job_id = (await queue.enqueue(BATCH, args)).job.id

    async with worker(database, registry, fast_settings()):
        job = await until_state(queue, job_id, JobState.SUCCEEDED, JobState.FAILED)

    assert job.state == JobState.SUCCEEDED
    assert job.error is None
    progress = job.progress
    assert (progress["done"], progress["total"]) == (10, 10)
    assert progress["counters"] == {"ok": 8, "failed": 2}
    assert progress["current"] == "t/9"
    assert progress["rate_per_s"] > 0
    assert progress["eta_s"] == 0
    failures, total = await queue.failures(job_id)
    assert total == 2
    assert [(f.item, f.error, f.attempt) for f in failures] == [
        ("t/3", "ValueError: item 3 is bad", 1),
        ("t/7", "ValueError: item 7 is bad", 1),
    ]
    done = await rows(database, "SELECT item FROM test_results ORDER BY item")
    assert [item for (item,) in done] == [0, 1, 2, 4, 5, 6, 8, 9]


async def test_progress_is_written_while_the_job_runs(database: Database) -> None:
    gate = asyncio.Event()
    registry = JobRegistry()

    @registry.handler("test.slow")
    async def slow(ctx: JobContext) -> None:
        ctx.progress.set_total(4)
        ctx.progress.advance(current="first")
        ctx.progress.advance(outcome="unchanged", current="second")
        await gate.wait()
        ctx.progress.advance(2)

    queue = JobQueue(database, fast_settings())
    job_id = (await queue.enqueue("test.slow")).job.id
    async with worker(database, registry, fast_settings()):

        async def flushed() -> Job | None:
            job = await queue.get(job_id)
            return job if job.progress.get("done") == 2 else None

        running: Job = await eventually(flushed, what="progress flushed without a checkpoint")
        gate.set()
        finished = await until_state(queue, job_id, JobState.SUCCEEDED)

    assert running.state == JobState.RUNNING
    assert running.progress["total"] == 4
    assert running.progress["current"] == "second"
    assert running.progress["counters"] == {"ok": 1, "unchanged": 1}
    assert running.progress["eta_s"] is not None
    assert finished.progress["counters"] == {"ok": 3, "unchanged": 1}


async def test_a_failing_job_is_retried_until_it_succeeds(database: Database) -> None:
    registry, calls = JobRegistry(), [0]

    @registry.handler("test.flaky")
    async def flaky(ctx: JobContext) -> None:
        calls[0] += 1
        if ctx.attempt < 3:
            raise RuntimeError(f"attempt {ctx.attempt} broke")

    queue = JobQueue(database, fast_settings())
    job_id = (await queue.enqueue("test.flaky")).job.id
    async with worker(database, registry, fast_settings()):
        job = await until_state(queue, job_id, JobState.SUCCEEDED, JobState.FAILED)
    assert (job.state, job.attempts, job.error, calls[0]) == (JobState.SUCCEEDED, 3, None, 3)


async def test_the_per_kind_attempt_limit_ends_in_failure(database: Database) -> None:
    registry, calls = JobRegistry(), [0]

    @registry.handler("test.broken")
    async def broken(ctx: JobContext) -> None:
        calls[0] += 1
        raise RuntimeError("always broken")

    settings = fast_settings(max_attempts=9, kinds={"test.broken": {"max_attempts": 3}})
    queue = JobQueue(database, settings)
    job_id = (await queue.enqueue("test.broken")).job.id
    async with worker(database, registry, settings):
        job = await until_state(queue, job_id, JobState.FAILED)
    assert (job.attempts, job.max_attempts, calls[0]) == (3, 3, 3)
    assert job.error is not None
    assert "RuntimeError: always broken" in job.error
    assert "Traceback" in job.error
    assert job.finished_at is not None


async def test_retries_back_off_exponentially_with_jitter(database: Database) -> None:
    registry, clock = JobRegistry(), Clock()

    @registry.handler("test.broken")
    async def broken(ctx: JobContext) -> None:
        raise RuntimeError("down")

    settings = fast_settings(
        retry_backoff_base_s=100, retry_backoff_max_s=300, retry_jitter=0.5, max_attempts=5
    )
    queue = JobQueue(database, settings, clock=clock)
    job_id = (await queue.enqueue("test.broken")).job.id
    delays = []
    async with worker(database, registry, settings, clock):
        for attempt in (1, 2, 3, 4):

            async def retried(attempt: int = attempt) -> Job | None:
                job = await queue.get(job_id)
                return job if job.state == JobState.QUEUED and job.attempts == attempt else None

            job: Job = await eventually(retried, what=f"retry after attempt {attempt}")
            delays.append((job.run_at - clock.now).total_seconds())
            clock.now = job.run_at
    full = [100, 200, 300, 300]  # doubling, capped at retry_backoff_max_s
    assert all(d / 2 <= delay <= d for delay, d in zip(delays, full, strict=True)), delays


async def test_errors_a_retry_cannot_fix_fail_at_once(database: Database) -> None:
    registry = JobRegistry()

    @registry.handler("test.bad_args")
    async def bad_args(ctx: JobContext) -> None:
        raise InvalidInputError(f"library {ctx.args['library']} does not exist")

    queue = JobQueue(database, fast_settings())
    job_id = (await queue.enqueue("test.bad_args", {"library": 42})).job.id
    async with worker(database, registry, fast_settings()):
        job = await until_state(queue, job_id, JobState.FAILED)
    assert job.attempts == 1
    assert "library 42 does not exist" in (job.error or "")


async def test_rate_limited_jobs_wait_as_long_as_they_are_told(database: Database) -> None:
    registry, clock = JobRegistry(), Clock()

    @registry.handler("test.limited")
    async def limited(ctx: JobContext) -> None:
        raise RateLimitedError("slow down", retry_after_s=120)

    queue = JobQueue(database, fast_settings(), clock=clock)
    job_id = (await queue.enqueue("test.limited")).job.id
    async with worker(database, registry, fast_settings(), clock):

        async def waiting() -> Job | None:
            job = await queue.get(job_id)
            return job if job.attempts == 1 and job.state == JobState.QUEUED else None

        job: Job = await eventually(waiting, what="rate-limited retry")
    assert job.run_at == T0 + timedelta(seconds=120)


@pytest.mark.parametrize(
    "error",
    [UpstreamUnavailableError("TMDb is down"), OSError(errno.ENOSPC, "No space left on device")],
    ids=["provider down", "disk full"],
)
async def test_a_job_level_error_inside_an_item_is_not_an_item_failure(
    database: Database, error: Exception
) -> None:
    registry, clock = JobRegistry(), Clock()

    @registry.handler("test.outage")
    async def outage(ctx: JobContext) -> None:
        with ctx.item("first"):
            raise error

    queue = JobQueue(database, fast_settings(), clock=clock)
    job_id = (await queue.enqueue("test.outage")).job.id
    async with worker(database, registry, fast_settings(), clock):

        async def retrying() -> Job | None:
            job = await queue.get(job_id)
            return job if job.state == JobState.QUEUED and job.attempts == 1 else None

        job: Job = await eventually(retrying, what="job-level retry")
    assert str(error) in (job.error or "")
    assert (await queue.failures(job_id))[1] == 0


async def test_a_missing_file_fails_only_its_item(database: Database) -> None:
    registry = JobRegistry()

    @registry.handler("test.files")
    async def files(ctx: JobContext) -> None:
        for name in ("a.mkv", "gone.mkv", "c.mkv"):
            with ctx.item(name):
                if name == "gone.mkv":
                    raise FileNotFoundError(errno.ENOENT, "No such file or directory", name)

    queue = JobQueue(database, fast_settings())
    job_id = (await queue.enqueue("test.files")).job.id
    async with worker(database, registry, fast_settings()):
        job = await until_state(queue, job_id, JobState.SUCCEEDED, JobState.FAILED)
    assert job.state == JobState.SUCCEEDED
    assert job.progress["counters"] == {"ok": 2, "failed": 1}
    [failure], _ = await queue.failures(job_id)
    assert failure.item == "gone.mkv"
    assert failure.error.startswith("FileNotFoundError: [Errno 2]")


async def test_work_counted_as_it_commits_is_counted_once_however_attempts_end(
    database: Database,
) -> None:
    """A handler whose checkpoint is what the database lacks (as the enrichment's): an attempt
    that ends half way, with an item failed, still ends the job counting each item once."""
    await create_test_tables(database)
    registry = JobRegistry()

    @registry.handler("test.left")
    async def left(ctx: JobContext) -> None:
        stored = await rows(database, "SELECT item FROM test_results WHERE tag = 'left'")
        todo = sorted(set(range(10)) - {item for (item,) in stored})
        if ctx.progress.counters.get(FAILED):
            await ctx.retry_failed_items()
        ctx.progress.set_total(ctx.progress.done + len(todo))
        for item in todo:
            with ctx.item(f"left/{item}") as outcome:
                if item == 8 or (item == 3 and ctx.attempt == 1):
                    raise ValueError(f"item {item} is bad")
                async with outcome.transaction() as session:
                    await session.execute(
                        text("INSERT INTO test_results (tag, item, value) VALUES ('left', :i, 0)"),
                        {"i": item},
                    )
            if item == 6 and ctx.attempt == 1:  # no checkpoint saved by the handler itself
                raise UpstreamUnavailableError("the provider went down")

    queue = JobQueue(database, fast_settings())
    job_id = (await queue.enqueue("test.left")).job.id
    async with worker(database, registry, fast_settings()):
        job = await until_state(queue, job_id, JobState.SUCCEEDED, JobState.FAILED)
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 2)
    assert job.progress["done"] == job.progress["total"] == 10
    assert job.progress["counters"] == {"ok": 9, "failed": 1}  # item 3 was tried again
    failures, _ = await queue.failures(job_id)
    assert [f.item for f in failures] == ["left/8"]


async def test_a_running_job_stops_at_its_next_checkpoint_when_cancelled(
    database: Database,
) -> None:
    await create_test_tables(database)
    gate = asyncio.Event()
    registry = JobRegistry()

    @registry.handler("test.gated")
    async def gated(ctx: JobContext) -> None:
        ctx.progress.set_total(10)
        for item in range(10):
            async with database.transaction() as session:
                await session.execute(
                    text("INSERT INTO test_results (tag, item, value) VALUES ('g', :i, :v)"),
                    {"i": item, "v": item},
                )
            ctx.progress.advance()
            if item == 2:
                await gate.wait()
            await ctx.save_checkpoint({"next": item + 1})

    queue = JobQueue(database, fast_settings())
    job_id = (await queue.enqueue("test.gated")).job.id
    async with worker(database, registry, fast_settings()):

        async def at_gate() -> bool:
            return (await queue.get(job_id)).checkpoint.get("data") == {"next": 2}

        await eventually(at_gate, what="job reaching item 2")
        flagged = await queue.cancel(job_id)
        assert (flagged.state, flagged.cancel_requested) == (JobState.RUNNING, True)
        gate.set()
        job = await until_state(queue, job_id, JobState.CANCELLED, JobState.SUCCEEDED)
    assert job.state == JobState.CANCELLED
    assert job.checkpoint["data"] == {"next": 3}
    assert job.progress["done"] == 3
    stored = await rows(database, "SELECT item FROM test_results ORDER BY item")
    assert [item for (item,) in stored] == [0, 1, 2]  # what the checkpoint says, no more
    assert job.finished_at is not None
    assert job.lease_owner is None


async def test_a_stopping_worker_hands_jobs_back_and_another_resumes(database: Database) -> None:
    await create_test_tables(database)
    registry = JobRegistry()
    register_test_handlers(registry, database, "w")
    settings = fast_settings()
    queue = JobQueue(database, settings)
    args = {"tag": "t", "items": 100, "delay_s": 0.02, "checkpoint_every": 4}
    job_id = (await queue.enqueue(BATCH, args)).job.id

    async with worker(database, registry, settings):

        async def started() -> bool:
            return (await queue.get(job_id)).progress.get("done", 0) >= 8

        await eventually(started, what="batch under way")
    released = await queue.get(job_id)
    assert (released.state, released.attempts, released.lease_owner) == (JobState.QUEUED, 0, None)
    stopped_at = released.checkpoint["data"]["next"]
    assert 8 <= stopped_at < 100

    async with worker(database, registry, settings, name="w2"):
        job = await until_state(queue, job_id, JobState.SUCCEEDED)
    assert job.attempts == 1
    assert job.progress["counters"] == {"ok": 100}
    processed = await rows(database, "SELECT item FROM test_processed ORDER BY item")
    assert [item for (item,) in processed] == list(range(100))  # none done twice


async def test_a_worker_that_lost_its_lease_writes_nothing_more(database: Database) -> None:
    noticed = asyncio.Event()
    registry = JobRegistry()

    @registry.handler("test.endless")
    async def endless(ctx: JobContext) -> None:
        step = 0
        try:
            while True:
                step += 1
                ctx.progress.advance()
                await ctx.save_checkpoint({"step": step})
                await asyncio.sleep(0.01)
        except LeaseLost:
            noticed.set()
            raise

    queue = JobQueue(database, fast_settings())
    job_id = (await queue.enqueue("test.endless")).job.id
    async with worker(database, registry, fast_settings()):
        await until_state(queue, job_id, JobState.RUNNING)
        # Another worker took the job over (as after an expired lease) and checkpointed.
        async with database.transaction() as session:
            await session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(lease_owner="thief", checkpoint={"data": "thief's"})
            )
        await eventually(lambda: _is_set(noticed), what="handler noticing the lost lease")
    job = await queue.get(job_id)
    assert (job.state, job.lease_owner) == (JobState.RUNNING, "thief")
    assert job.checkpoint == {"data": "thief's"}


async def _is_set(event: asyncio.Event) -> bool:
    return event.is_set()


async def test_a_schedule_fires_once_across_two_workers(database_url: str) -> None:
    databases = [Database(create_engine(database_url, DatabaseSettings())) for _ in range(2)]
    clock = Clock()
    try:
        await create_test_tables(databases[0])
        registries = []
        for n, db in enumerate(databases):
            registry = JobRegistry()
            register_test_handlers(registry, db, f"w{n}")
            registry.schedule(Schedule("hourly", RECORD, interval_s=3600))
            registries.append(registry)
        # Two slots per worker and jobs that last: one worker cannot drain the queue alone
        # before the other's first polls, so both claim (a claim proves the scheduler ticked).
        settings = fast_settings(concurrency=2)
        queue = JobQueue(databases[0], settings, clock=clock)

        async def both_worked() -> bool:
            workers = await rows(databases[0], "SELECT DISTINCT worker FROM test_executions")
            return len(workers) == 2

        async def scheduled() -> list[Job]:
            return await queue.list_jobs(kind=RECORD, limit=1000)

        async with (
            worker(databases[0], registries[0], settings, clock, "w0"),
            worker(databases[1], registries[1], settings, clock, "w1"),
        ):
            for _ in range(8):
                await queue.enqueue(RECORD, {"delay_s": 0.25})
            await eventually(both_worked, what="both workers polling")
            keyed = [job for job in await scheduled() if job.key == "schedule:hourly"]
            assert len(keyed) == 1
            # A period whose job is still queued or running does not start another one.
            await until_state(queue, keyed[0].id, JobState.SUCCEEDED)
            clock.advance(3600)

            async def second_run() -> bool:
                jobs = await scheduled()
                return len([job for job in jobs if job.key == "schedule:hourly"]) >= 2

            await eventually(second_run, what="the next period")
            for _ in range(40):
                await queue.enqueue(RECORD, {"delay_s": 0.01})

            async def all_done() -> bool:
                jobs = await scheduled()
                return all(job.state == JobState.SUCCEEDED for job in jobs)

            await eventually(all_done, what="every job done")
        keyed = [job for job in await scheduled() if job.key == "schedule:hourly"]
        assert len(keyed) == 2
    finally:
        for db in databases:
            await db.close()


async def test_prune_deletes_old_finished_jobs_in_batches(database: Database) -> None:
    clock = Clock(T0 + timedelta(days=30))
    async with database.transaction() as session:
        repo = JobRepository(session)
        for _ in range(25 + 3):
            await repo.enqueue(
                "old", args={}, key=None, priority=0, max_attempts=1, run_at=T0, now=T0
            )
        claimed = await repo.claim(kinds=["old"], owner="w", limit=100, lease_s=10, now=T0)
        for job in claimed:
            finished = T0 if job.id <= claimed[24].id else clock.now
            end = AttemptEnd(owner="w", attempt=1, progress={}, failures=(), now=finished)
            await repo.succeed(job.id, end)
    registry = JobRegistry()
    settings = fast_settings(retention_s=86_400, prune_batch_size=10, prune_interval_s=0)
    register_prune(registry, database, settings, clock=clock)
    queue = JobQueue(database, settings, clock=clock)
    job_id = (await queue.enqueue(PRUNE_KIND)).job.id
    async with worker(database, registry, settings, clock):
        job = await until_state(queue, job_id, JobState.SUCCEEDED, JobState.FAILED)
    assert job.state == JobState.SUCCEEDED
    assert (job.progress["done"], job.progress["total"]) == (25, 25)
    assert job.progress["counters"] == {"deleted": 25}
    left = await queue.list_jobs(kind="old", limit=100)
    assert len(left) == 3


def test_a_schedule_turned_off_in_the_settings_is_not_registered() -> None:
    registry = JobRegistry()
    registry.register("x.y", _noop)
    registry.schedule(Schedule("off", "x.y", interval_s=0))
    registry.schedule(Schedule("on", "x.y", interval_s=60))
    assert [schedule.name for schedule in registry.schedules] == ["on"]


async def _noop(ctx: JobContext) -> None:
    return None


async def test_a_handler_that_ignores_shutdown_is_interrupted_after_the_grace(
    database: Database,
) -> None:
    interrupted = asyncio.Event()
    registry = JobRegistry()

    @registry.handler("test.deaf")
    async def deaf(ctx: JobContext) -> None:
        await ctx.save_checkpoint({"reached": "the wait"})
        try:
            await asyncio.Event().wait()  # never checks for shutdown
        except asyncio.CancelledError:
            interrupted.set()
            raise

    settings = fast_settings(shutdown_grace_s=0.1)
    queue = JobQueue(database, settings)
    job_id = (await queue.enqueue("test.deaf")).job.id
    async with worker(database, registry, settings):

        async def waiting() -> bool:
            return (await queue.get(job_id)).checkpoint.get("data") == {"reached": "the wait"}

        await eventually(waiting, what="handler waiting")
    assert interrupted.is_set()
    job = await queue.get(job_id)
    assert (job.state, job.attempts, job.lease_owner) == (JobState.QUEUED, 0, None)
    assert job.checkpoint["data"] == {"reached": "the wait"}


async def test_progress_writes_are_throttled(database_url: str) -> None:
    """Thousands of progress updates cost no write of their own between the claim and the end
    when they all fall within one flush interval."""
    database = Database(create_engine(database_url, DatabaseSettings()))
    job_updates: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE JOBS"):
            job_updates.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    registry = JobRegistry()

    @registry.handler("test.chatty")
    async def chatty(ctx: JobContext) -> None:
        ctx.progress.set_total(5_000)
        for n in range(5_000):
            ctx.progress.advance(current=f"item {n}")
            if n % 500 == 0:
                await asyncio.sleep(0)

    settings = fast_settings(progress_flush_interval_s=60, heartbeat_interval_s=60, lease_s=120)
    try:
        queue = JobQueue(database, settings)
        job_id = (await queue.enqueue("test.chatty")).job.id
        async with worker(database, registry, settings):
            job = await until_state(queue, job_id, JobState.SUCCEEDED)
    finally:
        await database.close()
    assert job.progress["done"] == 5_000
    assert len(job_updates) == 2, job_updates  # the claim and the end
