"""Real-time monitoring: file-system events (inotify, through watchfiles) become targeted scans.

Events are debounced, then reduced to the folders they happened in; each folder is one targeted
scan job (deduplicated by the queue), and a burst touching more than `scan.watch_max_folders`
folders of a library becomes one full scan. Watchers miss events on network mounts, which is why
the periodic full scan stays on. A library opts out with its setting `watch = false`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import PurePosixPath

from watchfiles import Change, awatch

from reelhouse.config import ScanSettings
from reelhouse.infra.db.engine import Database
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.logging import get_logger
from reelhouse.libraries.jobs import enqueue_scan
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.libraries.roots import owning_root

WATCH_SETTING = "watch"
log = get_logger(__name__)


def folders_to_scan(
    changes: Iterable[tuple[Change, str]], roots: Mapping[str, int], max_folders: int
) -> dict[int, set[str] | None]:
    """For each library touched, the folders to rescan (None: the whole library).

    A change is rescanned through its parent folder, which sees additions, deletions and the two
    halves of a move alike. Paths outside every root are ignored.
    """
    found: dict[int, set[str] | None] = {}
    for _, path in changes:
        root = owning_root(path, roots)
        if root is None:
            continue
        library_id = roots[root]
        folder = str(PurePosixPath(path).parent) if path != root else root
        if len(folder) < len(root):
            folder = root
        folders = found.setdefault(library_id, set())
        if folders is None:
            continue
        folders.add(folder)
        if len(folders) > max_folders:
            found[library_id] = None
    return found


class LibraryWatcher:
    """One watch per library, kept running while its folders stay the same (a restarted watch
    would miss what happens while it restarts); `watch_refresh_s` picks up added, changed and
    removed libraries."""

    def __init__(self, database: Database, jobs: JobQueue, settings: ScanSettings) -> None:
        self.database = database
        self.jobs = jobs
        self.settings = settings

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set."""
        watches: dict[int, tuple[tuple[str, ...], asyncio.Event, asyncio.Task[None]]] = {}
        try:
            while not stop.is_set():
                wanted = await self._roots()
                for library_id in list(watches):
                    roots, halt, task = watches[library_id]
                    if wanted.get(library_id) != roots or task.done():
                        halt.set()
                        await asyncio.wait({task})
                        del watches[library_id]
                for library_id, roots in wanted.items():
                    if library_id not in watches:
                        halt = asyncio.Event()
                        task = asyncio.create_task(self._watch(library_id, roots, halt))
                        watches[library_id] = (roots, halt, task)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.watch_refresh_s)
        finally:
            for _, halt, _ in watches.values():
                halt.set()
            if watches:
                await asyncio.wait({task for _, _, task in watches.values()})

    async def _watch(self, library_id: int, roots: tuple[str, ...], halt: asyncio.Event) -> None:
        owner = dict.fromkeys(roots, library_id)
        async for changes in awatch(
            *roots,
            debounce=self.settings.debounce_ms,
            stop_event=halt,
            ignore_permission_denied=True,
        ):
            targets = folders_to_scan(changes, owner, self.settings.watch_max_folders)
            for folders in targets.values():
                for folder in sorted(folders) if folders is not None else [None]:
                    await enqueue_scan(self.jobs, library_id, folder, follow_up=True)
            log.info("changes seen", library_id=library_id, changes=len(changes))

    async def _roots(self) -> dict[int, tuple[str, ...]]:
        """The existing root folders of each library that wants watching."""
        async with self.database.read() as session:
            libraries = await LibraryRepository(session).list()
        wanted = {
            library.id: tuple(path.path for path in library.paths)
            for library in libraries
            if library.settings.get(WATCH_SETTING, True)
        }

        def existing() -> dict[int, tuple[str, ...]]:
            found = {i: tuple(p for p in roots if os.path.isdir(p)) for i, roots in wanted.items()}
            return {i: roots for i, roots in found.items() if roots}

        return await asyncio.to_thread(existing)


@asynccontextmanager
async def running_watcher(watcher: LibraryWatcher) -> AsyncIterator[LibraryWatcher]:
    """Watch library folders in the background for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop), name="library-watcher")
    try:
        yield watcher
    finally:
        stop.set()
        await task
