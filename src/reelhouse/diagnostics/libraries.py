"""Each library's folders: there, readable, and how many media files they hold."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence

from reelhouse.config import ScanSettings
from reelhouse.diagnostics.findings import Finding, Status
from reelhouse.ingest.libraries import LibraryInfo
from reelhouse.libraries.walk import walk

#: Seconds the files of one library are counted for at most: a count is a hint that the
#: folders are the right ones, not an inventory, and a library of 100,000 files on a network
#: share would otherwise hold the doctor for minutes. Past it the count says "at least".
COUNT_FOR_S = 5.0


async def check_libraries(libraries: Sequence[LibraryInfo], scan: ScanSettings) -> list[Finding]:
    if not libraries:
        detail = "none yet: `reelhouse library add NAME FOLDER --kind movies`, then scan it"
        return [Finding("libraries", Status.WARN, detail)]
    return [await _library(library, scan) for library in libraries]


async def _library(library: LibraryInfo, scan: ScanSettings) -> Finding:
    stop = threading.Event()
    timer = threading.Timer(COUNT_FOR_S, stop.set)
    timer.start()
    try:
        # Off the event loop: a folder on a sleeping disk or a lost share blocks its caller.
        return await asyncio.to_thread(_examine, library, scan, stop)
    finally:
        timer.cancel()


def _examine(library: LibraryInfo, scan: ScanSettings, stop: threading.Event) -> Finding:
    check = f"library {library.name}"
    for root in library.paths:
        if not os.path.isdir(root):
            return Finding(check, Status.FAIL, f"{root} is missing or not a folder")
        if not os.access(root, os.R_OK | os.X_OK):
            return Finding(check, Status.FAIL, f"{root} is not readable by this user")
    # The scanner's own walk, so the count is what a scan would find.
    confine_to = None if scan.follow_symlinks_outside_roots else list(library.paths)
    walks = [
        walk(root, ignore_max_bytes=scan.ignore_file_max_bytes, cancel=stop, confine_to=confine_to)
        for root in library.paths
    ]
    files = sum(len(result.files) for result in walks)
    problems = [problem for result in walks for problem in result.problems]
    counted = f"at least {files}" if any(result.cancelled for result in walks) else str(files)
    counted += " media file" if files == 1 else " media files"
    folders = ", ".join(library.paths)
    if problems:
        first = problems[0]
        detail = f"{counted} in {folders}; {len(problems)} problems, the first: "
        return Finding(check, Status.WARN, f"{detail}{first.path}: {first.problem.value}")
    if not files:
        return Finding(check, Status.WARN, f"no media files in {folders}")
    return Finding(check, Status.OK, f"{counted} in {folders}")
