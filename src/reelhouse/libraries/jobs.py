"""Library scans as jobs, as the queue knows them: one queued or running per library (or per
folder). What a scan job does is the ingest pipeline's (`reelhouse.ingest.scans`)."""

from __future__ import annotations

from typing import Any

from reelhouse.infra.jobs.queue import Enqueued, JobQueue

SCAN_KIND = "libraries.scan"
SCAN_ALL_KIND = "libraries.scan_all"
CLEANUP_KIND = "libraries.cleanup_missing"
#: Library setting that takes a library out of the periodic full scan (default: included).
PERIODIC_SCAN_SETTING = "periodic_scan"


def scan_key(library_id: int, folder: str | None) -> str:
    """One queued-or-running scan per library, and per folder for targeted scans."""
    return f"library:{library_id}" + (f":{folder}" if folder else "")


async def enqueue_scan(
    queue: JobQueue, library_id: int, folder: str | None = None, *, follow_up: bool = False
) -> Enqueued:
    """Queue a scan; a scan of the same target already queued or running is returned instead.

    With `follow_up` (for changes seen on disk), a scan that is already running may have walked
    past the change, so one more scan is queued after it (one, however many changes arrive).
    """
    args: dict[str, Any] = {"library_id": library_id}
    if folder:
        args["folder"] = folder
    key = scan_key(library_id, folder)
    if follow_up:
        return await queue.enqueue_follow_up(SCAN_KIND, args, key=key)
    return await queue.enqueue(SCAN_KIND, args, key=key)
