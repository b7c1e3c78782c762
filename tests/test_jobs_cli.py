"""`reelhouse jobs list|show|cancel`, `reelhouse worker`, and workers inside `reelhouse serve`."""

from __future__ import annotations

import asyncio
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reelhouse.app import create_app
from reelhouse.cli import app as cli
from reelhouse.cli.display import emit, pipeline_summary
from reelhouse.config import Settings
from reelhouse.errors import NotFoundError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.context import ItemFailure
from reelhouse.infra.jobs.models import Job, JobState
from reelhouse.infra.jobs.prune import PRUNE_KIND
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.repository import AttemptEnd, JobRepository
from reelhouse.infra.jobs.views import JobView
from tests.jobs_support import WorkerProcess, eventually


async def invoke(url: str, *args: str) -> Result:
    """Run the CLI as a user would, in a thread (it runs its own event loop)."""
    env = {"REELHOUSE_DATABASE_URL": url, "COLUMNS": "200"}
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)


async def seed(database: Database) -> tuple[Job, Job, Job]:
    """A queued scan, a running enrich job with progress, and a finished one with failures."""
    queue = JobQueue(database, Settings().jobs)
    queued = (await queue.enqueue("scan", {"library": 1}, key="library:1")).job
    running = (await queue.enqueue("enrich")).job
    done = (await queue.enqueue("artwork")).job
    async with database.transaction() as session:
        repo = JobRepository(session)
        now = done.created_at
        await repo.claim(kinds=["enrich", "artwork"], owner="box:1", limit=2, lease_s=60, now=now)
        progress = {"done": 30, "total": 120, "current": "Heat (1995).mkv", "rate_per_s": 2.5}
        await repo.heartbeat(running.id, owner="box:1", lease_s=60, progress=progress, now=now)
        end = AttemptEnd(
            owner="box:1",
            attempt=1,
            progress={"done": 2, "total": 2, "counters": {"ok": 1, "failed": 1}},
            failures=[ItemFailure("poster 550", "UpstreamUnavailableError: HTTP 503")],
            now=now,
        )
        await repo.succeed(done.id, end)
    return queued, running, done


async def test_jobs_list_shows_jobs_newest_first(clean_env: Path, database_url: str) -> None:
    database = Database.from_settings(Settings(database={"url": database_url}))  # type: ignore[arg-type]
    try:
        await seed(database)
    finally:
        await database.close()
    result = await invoke(database_url, "jobs", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if f" {kind} " in line)
        for kind in ("artwork", "enrich", "scan")
    ]
    assert order == sorted(order)
    assert "library:1" in result.output
    assert "30/120 (25%)" in result.output

    only_running = await invoke(database_url, "jobs", "list", "--state", "running")
    assert " enrich " in only_running.output
    assert " scan " not in only_running.output


async def test_jobs_show_prints_progress_and_failed_items(
    clean_env: Path, database_url: str
) -> None:
    database = Database.from_settings(Settings(database={"url": database_url}))  # type: ignore[arg-type]
    try:
        _, running, done = await seed(database)
    finally:
        await database.close()
    shown = await invoke(database_url, "jobs", "show", str(running.id))
    assert shown.exit_code == 0, shown.output
    assert "Heat (1995).mkv" in shown.output
    assert "box:1" in shown.output

    finished = await invoke(database_url, "jobs", "show", str(done.id))
    assert "failed items (1 of 1)" in finished.output
    assert "poster 550" in finished.output
    assert "failed=1, ok=1" in finished.output

    missing = await invoke(database_url, "jobs", "show", "987654")
    assert isinstance(missing.exception, NotFoundError)


async def test_jobs_cancel_says_what_happened(clean_env: Path, database_url: str) -> None:
    database = Database.from_settings(Settings(database={"url": database_url}))  # type: ignore[arg-type]
    try:
        queued, running, done = await seed(database)
        for job, expected in (
            (queued, "cancelled"),
            (running, "cancel requested; it stops at its next checkpoint"),
            (done, "succeeded"),
        ):
            result = await invoke(database_url, "jobs", "cancel", str(job.id))
            assert result.exit_code == 0, result.output
            assert result.output.strip() == f"job {job.id}: {expected}"
        states = {
            job.id: job.state for job in await JobQueue(database, Settings().jobs).list_jobs()
        }
    finally:
        await database.close()
    assert states[queued.id] == JobState.CANCELLED
    assert states[running.id] == JobState.RUNNING


async def test_reelhouse_worker_runs_jobs_and_stops_on_sigterm(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    queue = JobQueue(database, Settings().jobs)
    job_id = (await queue.enqueue(PRUNE_KIND)).job.id
    reelhouse = shutil.which("reelhouse", path=str(Path(sys.executable).parent))
    assert reelhouse is not None
    process = WorkerProcess(database_url, tmp_path, "cli")
    process.env["REELHOUSE_DATABASE_URL"] = database_url
    await process.start([reelhouse, "worker", "--concurrency", "2"])
    try:

        async def pruned() -> bool:
            return (await queue.get(job_id)).state == JobState.SUCCEEDED

        await eventually(pruned, what="prune job run by `reelhouse worker`")
    finally:
        code = await process.terminate()
    assert code == 0, process.log.read_text()[-2000:]


async def test_serve_runs_workers_and_the_prune_schedule(
    clean_env: Path, database: Database, database_url: str
) -> None:
    month_ago = utcnow() - timedelta(days=30)  # beyond the default 7-day retention
    async with database.transaction() as session:
        repo = JobRepository(session)
        old, _ = await repo.enqueue(
            "scan", args={}, key=None, priority=0, max_attempts=1, run_at=month_ago, now=month_ago
        )
        await repo.claim(kinds=["scan"], owner="w", limit=1, lease_s=10, now=month_ago)
        end = AttemptEnd(owner="w", attempt=1, progress={}, failures=(), now=month_ago)
        await repo.succeed(old.id, end)
    settings = Settings(
        database={"url": database_url},  # type: ignore[arg-type]
        jobs={"poll_interval_s": 0.05, "heartbeat_interval_s": 0.5, "lease_s": 5},  # type: ignore[arg-type]
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        queue: JobQueue = app.state.jobs

        async def pruned() -> Job | None:
            jobs = await queue.list_jobs(kind=PRUNE_KIND)
            done = [job for job in jobs if job.state == JobState.SUCCEEDED]
            return done[0] if done else None

        prune: Job = await eventually(pruned, what="scheduled prune inside serve")
        assert prune.key == "schedule:jobs.prune"
        assert await queue.list_jobs(kind="scan") == []  # the old job was pruned
        assert prune.progress["counters"] == {"deleted": 1}


async def test_serve_without_workers_only_queues(clean_env: Path, database_url: str) -> None:
    settings = Settings(
        database={"url": database_url},  # type: ignore[arg-type]
        server={"run_workers": False},  # type: ignore[arg-type]
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        queue: JobQueue = app.state.jobs
        job = (await queue.enqueue(PRUNE_KIND)).job
        await asyncio.sleep(0.2)  # nothing may pick it up; there is no worker to wait for
        assert (await queue.get(job.id)).state == JobState.QUEUED


LONG_KEY = "library:" + "/srv/media/" + "Some Rather Long Folder Name/" * 4
LONG_ITEM = "/srv/media/movies/" + "A Film With A Very Long Title Indeed " * 3 + "(2001).mkv"


async def invoke_piped(url: str, *args: str) -> Result:
    """The CLI with its output piped and no `COLUMNS` (rich's default width there is 80)."""
    env: dict[str, str | None] = {"REELHOUSE_DATABASE_URL": url, "COLUMNS": None}
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)


async def seed_finished_with_a_rate(database: Database) -> tuple[Job, Job]:
    """A running job and a finished one, each with the rate and ETA of its last progress,
    a key and a failed item longer than 80 columns."""
    queue = JobQueue(database, Settings().jobs)
    running = (await queue.enqueue("enrich")).job
    done = (await queue.enqueue("artwork", key=LONG_KEY)).job
    async with database.transaction() as session:
        repo = JobRepository(session)
        now = done.created_at
        await repo.claim(kinds=["enrich", "artwork"], owner="box:1", limit=2, lease_s=60, now=now)
        progress = {"done": 30, "total": 120, "rate_per_s": 2.5, "eta_s": 36.0}
        await repo.heartbeat(running.id, owner="box:1", lease_s=60, progress=progress, now=now)
        end = AttemptEnd(
            owner="box:1",
            attempt=1,
            progress={"done": 2, "total": 2, "rate_per_s": 7.25, "eta_s": 95.0},
            failures=[ItemFailure(LONG_ITEM, "InvalidInputError: " + "no luck " * 12)],
            now=now,
        )
        await repo.succeed(done.id, end)
    return running, done


async def test_only_a_running_job_has_a_rate_and_piped_cells_are_whole(
    clean_env: Path, database_url: str
) -> None:
    database = Database.from_settings(Settings(database={"url": database_url}))  # type: ignore[arg-type]
    try:
        running, done = await seed_finished_with_a_rate(database)
    finally:
        await database.close()
    listed = await invoke_piped(database_url, "jobs", "list")
    assert listed.exit_code == 0, listed.output
    rows = {
        kind: next(line for line in listed.output.splitlines() if f" {kind} " in line)
        for kind in ("enrich", "artwork")
    }
    assert " 2.5 " in rows["enrich"]
    assert "0m36s" in rows["enrich"]
    assert "7.25" not in listed.output
    assert "1m35s" not in listed.output
    assert LONG_KEY in rows["artwork"], listed.output  # on the job's one line, not folded

    shown = await invoke_piped(database_url, "jobs", "show", str(done.id))
    assert shown.exit_code == 0, shown.output
    assert "7.25" not in shown.output
    assert "1m35s" not in shown.output
    assert LONG_KEY in shown.output
    failure = next(line for line in shown.output.splitlines() if LONG_ITEM in line)
    assert "no luck " * 12 in failure  # the item and its error on one line

    running_shown = await invoke_piped(database_url, "jobs", "show", str(running.id))
    assert "2.5" in running_shown.output
    assert "0m36s" in running_shown.output


def test_the_scan_summary_is_whole_when_piped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    now = utcnow()
    counters = {f"outcome_number_{n}": n for n in range(8)}
    job = JobView(
        id=7, kind="libraries.scan", key="library:1", args={}, state=JobState.SUCCEEDED,
        priority=0, attempts=1, max_attempts=3, run_at=now, lease_owner=None,
        lease_expires_at=None, cancel_requested=False,
        progress={"done": 9, "total": 9, "counters": counters, "rate_per_s": 3.0},
        checkpoint={}, error=None, created_at=now, started_at=now, finished_at=now,
    )  # fmt: skip
    emit(pipeline_summary([("files", job)]))
    printed = capsys.readouterr().out
    outcomes = ", ".join(f"{k}={v}" for k, v in sorted(counters.items()))
    assert len(outcomes) > 80
    assert outcomes in printed
