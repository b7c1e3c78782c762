"""The pipeline survives kill -9: a `reelhouse worker` process killed while it scans and while it
enriches, then started again, leaves the same catalogue as a run that was never interrupted."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reelhouse.config import DatabaseSettings
from reelhouse.content.catalogue.models import (
    MediaFileItem,
)
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.jobs.models import ACTIVE_STATES, JobState
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.ingest.pipeline import ENRICH_KIND
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.jobs import SCAN_KIND, enqueue_scan
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.server import FakeServer
from reelhouse.testing.library import generate_library, write_library
from reelhouse.testing.snapshot import Snapshot, catalogue_snapshot
from tests.conftest import PostgresServer, unique_name
from tests.jobs_support import WorkerProcess, eventually, fast_settings
from tests.pipeline_support import pipeline_process_env

ROOTS = {"Movies": LibraryKind.MOVIES, "TV": LibraryKind.TV}


@pytest.fixture
async def second_database_url(
    backend: str,
    tmp_path: Path,
    postgres: PostgresServer,
    sqlite_template: Path,
    postgres_template: str,
) -> AsyncIterator[str]:
    """Another migrated database of the same backend, for the uninterrupted run."""
    if backend == "sqlite":
        path = tmp_path / "uninterrupted.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = unique_name("reelhouse_test")
    yield await postgres.create(name, template=postgres_template)
    await postgres.drop(name)


def worker(url: str, directory: Path, name: str, fake_server: FakeServer) -> WorkerProcess:
    process = WorkerProcess(url, directory, name, lease_s=2.0, heartbeat_interval_s=0.3)
    process.env.update(
        {
            "REELHOUSE_DATABASE_URL": url,
            "REELHOUSE_DATA_DIR": str(directory / "data"),
            "REELHOUSE_SCAN_WRITE_BATCH": "1",  # a write per file: a scan long enough to kill
            **pipeline_process_env(fake_server.url),
        }
    )
    return process


async def start_worker(process: WorkerProcess) -> WorkerProcess:
    return await process.start([sys.executable, "-m", "reelhouse", "worker"])


async def queue_scans(database: Database, roots: dict[str, Path]) -> None:
    async with database.transaction() as session:
        libraries = [
            await LibraryRepository(session).add(name, ROOTS[name], [str(root)])
            for name, root in roots.items()
        ]
    queue = JobQueue(database, fast_settings())
    for library in libraries:
        await enqueue_scan(queue, library.id)


async def attempts(database: Database, kind: str) -> int:
    """The most attempts any job of `kind` took."""
    jobs = await JobQueue(database, fast_settings()).list_jobs(kind=kind)
    return max((j.attempts for j in jobs), default=0)


async def running(database: Database, kind: str, at_least: int) -> bool:
    """A job of `kind` is running and has done `at_least` items."""
    jobs = await JobQueue(database, fast_settings()).list_jobs(kind=kind)
    return any(j.state == JobState.RUNNING and j.progress.get("done", 0) >= at_least for j in jobs)


async def settled(database: Database) -> None:
    queue = JobQueue(database, fast_settings())

    async def idle() -> bool:
        # Asked by state, not among the newest jobs: a job taken up again after a kill is
        # older than the hundreds of probes and artwork jobs queued since.
        started = await queue.list_jobs(limit=1)
        return bool(started) and not await queue.list_jobs(states=ACTIVE_STATES, limit=1)

    await eventually(idle, within_s=240, what="every job to end")
    unfinished = [state for state in JobState if state is not JobState.SUCCEEDED]
    failed = await queue.list_jobs(states=unfinished, limit=200)
    assert not failed, [(j.kind, j.error) for j in failed]


async def run(
    url: str,
    directory: Path,
    fake_server: FakeServer,
    roots: dict[str, Path],
    interrupt: tuple[str, int] | None,
) -> Snapshot:
    """One run of the pipeline; with `interrupt` (a job kind and a count of items done), the
    worker is killed once a job of that kind has done that many, and another started."""
    database = Database(create_engine(url, DatabaseSettings()))
    try:
        await queue_scans(database, roots)
        processes = [await start_worker(worker(url, directory, "first", fake_server))]
        try:
            if interrupt is not None:
                kind, done = interrupt
                await eventually(
                    lambda: running(database, kind, done), within_s=120, what=f"{kind} under way"
                )
                await processes[0].kill()
                processes.append(await start_worker(worker(url, directory, "second", fake_server)))
            await settled(database)
            if interrupt is not None:  # the killed job was taken up again (a busy machine may
                # make a lease of 2 s run out once more), not started anew
                assert await attempts(database, interrupt[0]) >= 2
        finally:
            for process in processes:
                await process.close()
        return await catalogue_snapshot(database, directory.parent)
    finally:
        await database.close()


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param((SCAN_KIND, 60), id="mid-scan"),
        pytest.param((ENRICH_KIND, 3), id="mid-enrichment"),
    ],
)
async def test_kill_9_then_restart_ends_like_an_uninterrupted_run(
    database_url: str,
    second_database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    fake_server: FakeServer,
    moment: tuple[str, int],
) -> None:
    fake.control.configure(latency_ms=15.0)
    library = tmp_path / "library"
    generated = [
        g
        # Many files (a scan long enough to be killed in), few items: titles repeat.
        for g in generate_library(400, seed=11, titles=fake.catalogue.library_titles())
        if g.path.split("/", 1)[0] in ROOTS
    ]
    write_library(library, generated)
    roots = {name: library / name for name in ROOTS}
    for root in roots.values():
        root.mkdir(parents=True, exist_ok=True)
    (tmp_path / "killed").mkdir()
    (tmp_path / "whole").mkdir()

    killed = await run(database_url, tmp_path / "killed", fake_server, roots, moment)
    whole = await run(second_database_url, tmp_path / "whole", fake_server, roots, None)
    assert killed["items"], "the run stored nothing"
    for table in whole:
        assert killed[table] == whole[table], table


async def linked_files(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(MediaFileItem)) or 0)


async def test_enrichment_progress_counts_every_stored_movie_however_often_it_is_killed(
    database: Database,
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    fake_server: FakeServer,
) -> None:
    """Killed twice mid-enrichment (each time with movies stored since its last checkpoint),
    the job still ends counting each movie once: done == total == the movies stored."""
    fake.control.configure(latency_ms=60.0)
    root = tmp_path / "library" / "Movies"
    movies = [t for t in fake.catalogue.library_titles() if not t.series]
    for title in movies:
        name = f"{title.title} ({title.year})"
        (root / name).mkdir(parents=True)
        (root / name / f"{name}.mkv").write_bytes(b"")
    await queue_scans(database, {"Movies": root})
    processes: list[WorkerProcess] = []
    try:
        for name, linked_at_least in (("first", 6), ("second", 16)):
            process = worker(database_url, tmp_path, name, fake_server)
            # No periodic checkpoint: only the movies' own writes can keep the count.
            process.env["REELHOUSE_ENRICHMENT_CHECKPOINT_EVERY"] = "1000"
            processes.append(await start_worker(process))
            attempt = len(processes)

            async def under_way(attempt: int = attempt, at_least: int = linked_at_least) -> bool:
                return await attempts(database, ENRICH_KIND) >= attempt and (
                    await linked_files(database) >= at_least
                )

            await eventually(under_way, within_s=120, what=f"enrichment attempt {attempt}")
            await processes[-1].kill()
        processes.append(await start_worker(worker(database_url, tmp_path, "last", fake_server)))
        await settled(database)
    finally:
        for process in processes:
            await process.close()

    (job,) = await JobQueue(database, fast_settings()).list_jobs(kind=ENRICH_KIND)
    assert job.attempts >= 3
    assert await linked_files(database) == len(movies)
    progress = job.progress
    assert progress["done"] == progress["total"] == len(movies), progress
    assert progress["counters"] == {"matched": len(movies)}, progress
