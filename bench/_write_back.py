"""Write-back for `pipeline.py --scenario write-back`: every library of a finished pipeline run
written back (NFO and artwork), timed twice (the first run writes every file, the second finds
them all unchanged), against the baseline of writing the same bytes with plain
`Path.write_bytes` in a loop (no temporary file, no fsync, no ownership check)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reelhouse.infra.jobs.queue import JobQueue
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


def plain_write_baseline(paths: list[str], work: Path) -> float:
    """Files per second `Path.write_bytes` puts the same bytes into a fresh folder tree."""
    bodies = [(work / "plain" / path.lstrip("/"), Path(path).read_bytes()) for path in paths]
    for target, _ in bodies:
        target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for target, body in bodies:
        target.write_bytes(body)
    return len(bodies) / (time.perf_counter() - started)
