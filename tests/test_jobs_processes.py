"""Worker processes for real: two sharing a PostgreSQL queue, and one killed with SIGKILL
mid-batch whose job another process resumes from the checkpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reelhouse.config import JobsSettings
from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.models import Job, JobState
from reelhouse.infra.jobs.queue import JobQueue
from tests.job_handlers import BATCH, RECORD
from tests.jobs_support import WorkerProcess, create_test_tables, eventually, rows


@pytest.fixture
async def processes() -> AsyncIterator[list[WorkerProcess]]:
    """Worker processes started by a test; any left running at the end are killed."""
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        await process.close()


async def start(
    processes: list[WorkerProcess], url: str, directory: Path, name: str, **settings: object
) -> WorkerProcess:
    process = WorkerProcess(url, directory, name, **settings)
    processes.append(process)
    return await process.start()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_two_processes_share_a_thousand_jobs_and_run_none_twice(
    database: Database, database_url: str, tmp_path: Path, processes: list[WorkerProcess]
) -> None:
    await create_test_tables(database)
    first = await start(processes, database_url, tmp_path, "first")
    second = await start(processes, database_url, tmp_path, "second")
    queue = JobQueue(database, JobsSettings())
    async with database.transaction() as session:
        for _ in range(1000):
            await queue.enqueue_in(session, RECORD, {"delay_s": 0.002})

    async def all_done() -> bool:
        [(finished,)] = await rows(database, "SELECT count(*) FROM jobs WHERE state = 'succeeded'")
        return bool(finished == 1000)

    await eventually(all_done, within_s=300, what="1,000 jobs done")
    assert await first.terminate() == 0
    assert await second.terminate() == 0

    executions = await rows(database, "SELECT job_id, worker FROM test_executions")
    assert len(executions) == 1000
    assert len({job_id for job_id, _ in executions}) == 1000
    per_worker = {first.name: 0, second.name: 0}
    for _, worker in executions:
        per_worker[worker] += 1
    assert all(count > 0 for count in per_worker.values()), per_worker
    assert await rows(database, "SELECT count(*) FROM jobs WHERE attempts <> 1") == [(0,)]


async def test_a_killed_worker_s_job_resumes_from_its_checkpoint_elsewhere(
    database: Database, database_url: str, tmp_path: Path, processes: list[WorkerProcess]
) -> None:
    await create_test_tables(database)
    queue = JobQueue(database, JobsSettings())
    batch = {"items": 100, "delay_s": 0.05, "checkpoint_every": 5}
    job_id = (await queue.enqueue(BATCH, {"tag": "killed", **batch})).job.id
    doomed = await start(processes, database_url, tmp_path, "doomed")

    async def far_enough() -> Job | None:
        job = await queue.get(job_id)
        return job if job.checkpoint.get("data", {}).get("next", 0) >= 20 else None

    await eventually(far_enough, what="batch a third done")
    await doomed.kill()
    orphan = await queue.get(job_id)
    assert (orphan.state, orphan.lease_owner) == (JobState.RUNNING, doomed.name)
    resume_at = orphan.checkpoint["data"]["next"]
    assert 20 <= resume_at < 100

    await start(processes, database_url, tmp_path, "heir")
    job = await _finished(queue, job_id)
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 2)
    assert job.progress["done"] == 100
    assert job.progress["counters"] == {"ok": 100}  # resumed progress is not counted twice
    resumed = await rows(
        database, "SELECT min(item) FROM test_processed WHERE tag = 'killed' AND attempt = 2"
    )
    assert resumed == [(resume_at,)]  # neither from scratch nor skipping unfinished items

    clean_id = (await queue.enqueue(BATCH, {"tag": "clean", **batch})).job.id
    assert (await _finished(queue, clean_id)).state == JobState.SUCCEEDED
    killed = await rows(database, "SELECT item, value FROM test_results WHERE tag = 'killed'")
    clean = await rows(database, "SELECT item, value FROM test_results WHERE tag = 'clean'")
    assert sorted(killed) == sorted(clean) == [(i, i * i) for i in range(100)]


async def test_sigterm_hands_the_running_job_back(
    database: Database, database_url: str, tmp_path: Path, processes: list[WorkerProcess]
) -> None:
    await create_test_tables(database)
    queue = JobQueue(database, JobsSettings())
    args = {"tag": "t", "items": 200, "delay_s": 0.05, "checkpoint_every": 2}
    job_id = (await queue.enqueue(BATCH, args)).job.id
    worker = await start(processes, database_url, tmp_path, "stopping")

    async def started() -> bool:
        return bool((await queue.get(job_id)).checkpoint.get("data"))

    await eventually(started, what="batch under way")
    assert await worker.terminate() == 0
    job = await queue.get(job_id)
    assert (job.state, job.attempts, job.lease_owner) == (JobState.QUEUED, 0, None)
    assert 0 < job.checkpoint["data"]["next"] < 200


async def _finished(queue: JobQueue, job_id: int) -> Job:
    async def check() -> Job | None:
        job = await queue.get(job_id)
        return job if job.state not in (JobState.QUEUED, JobState.RUNNING) else None

    result: Job = await eventually(check, within_s=120, what=f"job {job_id} finishing")
    return result


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_batch_survives_its_database_connections_being_cut(
    database: Database, database_url: str, tmp_path: Path, processes: list[WorkerProcess]
) -> None:
    """As if PostgreSQL kept restarting mid-job: the worker reconnects, attempts cut short are
    retried from their checkpoint, and every item ends up stored exactly once."""
    await create_test_tables(database)
    queue = JobQueue(database, JobsSettings(max_attempts=100))
    args = {"tag": "cut", "items": 100, "delay_s": 0.02, "checkpoint_every": 1}
    job_id = (await queue.enqueue(BATCH, args)).job.id
    survivor = await start(processes, database_url, tmp_path, "survivor")

    async def under_way() -> bool:
        return (await queue.get(job_id)).checkpoint.get("data", {}).get("next", 0) >= 10

    await eventually(under_way, what="batch under way")
    cuts = 0
    for _ in range(40):  # cut every connection but this one, again and again
        killed = await rows(
            database,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        cuts += len(killed)
        await asyncio.sleep(0.05)
    assert cuts > 0
    job = await _finished(queue, job_id)
    assert job.state == JobState.SUCCEEDED, job.error
    stored = await rows(database, "SELECT item, value FROM test_results WHERE tag = 'cut'")
    assert sorted(stored) == [(i, i * i) for i in range(100)]
    assert await survivor.terminate() == 0
