"""Write-back for `pipeline.py --scenario write-back`: every library of a finished pipeline run
written back (NFO and artwork), timed twice (the first run writes every file, the second finds
them all unchanged), against the baselines of writing the same bytes in a loop, plainly and
with the safe writer alone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.ingest.writeback.files import write_beside
from reelhouse.ingest.writeback.job import enqueue_write_back
from reelhouse.ingest.writeback.models import WrittenFile
from reelhouse.ingest.writeback.options import WriteBackOptions
from reelhouse.libraries.models import Library

WRITE_ALL = WriteBackOptions(write_nfo=True, write_artwork=True)


async def write_back_pass(
    runtime: Any, queue: JobQueue, library_ids: list[int], settled: Any
) -> dict[str, Any]:
    """Opt every library in, then write back twice: seconds and files per second of each."""
    async with runtime.database.transaction() as session:
        for library in await session.scalars(select(Library).where(Library.id.in_(library_ids))):
            library.settings = {**library.settings, **WRITE_ALL.as_settings()}
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        jobs = [(await enqueue_write_back(queue, library_id)).job.id for library_id in library_ids]
        await settled(queue)
        wall = time.perf_counter() - started
        counters: dict[str, int] = {}
        for job_id in jobs:
            for name, value in (await queue.get(job_id)).progress.get("counters", {}).items():
                counters[name] = counters.get(name, 0) + value
        files = sum(counters.values())
        runs.append(
            {"wall_s": round(wall, 3), "counters": counters, "files_per_s": round(files / wall, 1)}
        )
    async with runtime.database.read() as session:
        written = [(row.path, row.size) for row in await session.scalars(select(WrittenFile))]
    return {"first": runs[0], "again": runs[1], "files": len(written),
            "bytes": sum(size for _, size in written),
            "paths": [path for path, _ in written]}  # fmt: skip


def write_baselines(paths: list[str], work: Path) -> dict[str, float]:
    """Files per second the same bytes go into fresh folder trees: with `Path.write_bytes`
    (no temporary file, no fsync, no check), and with the write-back's own safe writer alone
    (temporary file, fsync, rename; no job, no database)."""
    bodies = [(path.lstrip("/"), Path(path).read_bytes()) for path in paths]
    for tree in ("plain", "safe"):
        for name, _ in bodies:
            (work / tree / name).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for name, body in bodies:
        (work / "plain" / name).write_bytes(body)
    plain = len(bodies) / (time.perf_counter() - started)
    root = str(work / "safe")
    started = time.perf_counter()
    for name, body in bodies:
        write_beside(f"{root}/{name}", body, root, None, overwrite_foreign=False)
    safe = len(bodies) / (time.perf_counter() - started)
    return {"plain_write_files_per_s": round(plain, 1), "safe_write_files_per_s": round(safe, 1)}
