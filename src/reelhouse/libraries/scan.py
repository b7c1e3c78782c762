"""Keep a library's media files in step with its folders.

Unchanged files (same path, size, mtime, inode and device) cost neither parsing nor writes. New
and changed files are identified off the event loop and written in batches, one transaction per
batch, so an interrupted scan keeps what it wrote. Files gone from disk are marked missing, never
deleted; a file that reappears with the inode and size of a missing one was moved and keeps its
row. Problems on disk are reported on the scan and never stop it. A file reached by a link out
of every root of the library is such a problem (and not stored) unless
`scan.follow_symlinks_outside_roots` is on.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from reelhouse.config import ScanSettings
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.repository import chunked
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.models import CONTAINER_MAX, FileState
from reelhouse.libraries.repository import (
    LibraryRepository,
    MediaFileRecord,
    MediaFileRepository,
    StoredFile,
)
from reelhouse.libraries.roots import owning_root
from reelhouse.libraries.walk import FoundFile, Scandir, ScanProblem, WalkResult, walk
from reelhouse.naming import identify


@dataclass
class ScanProgress:
    """Counts so far; ``identified`` out of ``to_identify`` is the done/total of the write phase."""

    folders: int = 0
    files_seen: int = 0
    to_identify: int = 0
    identified: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    problems: int = 0


@dataclass
class ScanReport:
    progress: ScanProgress
    problems: list[ScanProblem] = field(default_factory=list)
    #: Stored files whose facts changed (changed, moved, gone): the items showing them are stale.
    touched: list[int] = field(default_factory=list)
    #: Moved files whose new name says they are another item: their links are wrong now.
    renamed: list[int] = field(default_factory=list)


ProgressCallback = Callable[[ScanProgress], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Pending:
    """A file to identify and write, with the library root it was found under."""

    found: FoundFile
    root: str
    moved_from: int | None = None


class LibraryScanner:
    def __init__(
        self, database: Database, settings: ScanSettings, scandir: Scandir = os.scandir
    ) -> None:
        self.database = database
        self.settings = settings
        self.scandir = scandir

    async def scan(
        self,
        library_id: int,
        on_progress: ProgressCallback | None = None,
        *,
        folder: str | None = None,
    ) -> ScanReport:
        """Scan every root of the library, or only ``folder`` (inside one of its roots).

        A targeted scan marks missing only what was stored below ``folder``, and sees a move only
        within it. Raises ``NotFoundError`` for an unknown library, ``InvalidInputError`` for a
        folder outside it.
        """
        async with self.database.read() as session:
            library = await LibraryRepository(session).get(library_id)
            roots = [p.path for p in library.paths]
            kind = LibraryKind(library.kind)
        targets = _targets(roots, folder)
        # The disk, then the database: read at the same time, the walk's thread and the
        # driver's work (a thread for SQLite, the event loop for asyncpg) take turns at the GIL
        # and take longer together than one after the other.
        walks = await self._walk(targets, roots)
        stored = await self._snapshot(library_id)
        if folder is not None:
            root, below = targets[0]
            inside = os.fsencode("/".join(p for p in (root.rstrip("/"), below) if p) + "/")
            stored = [s for s in stored if s.path_bytes.startswith(inside)]
        progress = ScanProgress()
        report = ScanReport(progress)
        by_path = {s.path_bytes: s for s in stored}
        seen: set[bytes] = set()
        unread: list[bytes] = []
        pending: list[_Pending] = []
        for (root, _), walked in zip(targets, walks, strict=True):
            progress.folders += walked.folders
            report.problems += walked.problems
            unread += walked.unread
            progress.problems = len(report.problems)
            for found in walked.files:
                if found.path_bytes in seen:  # roots that overlap list a file twice
                    continue
                seen.add(found.path_bytes)
                progress.files_seen += 1
                before = by_path.get(found.path_bytes)
                if before is not None and _same(before, found):
                    progress.unchanged += 1
                else:
                    pending.append(_Pending(found, root))
            if on_progress is not None:
                await on_progress(progress)
        # What sits below a folder that could not be listed is unknown, not gone.
        unknown = tuple(folder.rstrip(b"/") + b"/" for folder in unread)
        gone = [
            s for s in stored if s.path_bytes not in seen and not s.path_bytes.startswith(unknown)
        ]
        pending = _detect_moves(pending, gone, by_path)
        progress.to_identify = len(pending)
        for batch in chunked(pending, self.settings.write_batch):
            touched, renamed = await self._write(library_id, batch, by_path, kind, progress)
            report.touched += touched
            report.renamed += renamed
            if on_progress is not None:
                await on_progress(progress)
        moved_ids = {p.moved_from for p in pending if p.moved_from is not None}
        vanished = [s.id for s in gone if s.state == FileState.PRESENT and s.id not in moved_ids]
        if vanished:
            async with self.database.transaction() as session:
                await MediaFileRepository(session).mark_missing(vanished)
        progress.missing = len(vanished)
        report.touched += vanished
        if on_progress is not None:
            await on_progress(progress)
        return report

    async def _walk(self, targets: list[tuple[str, str]], roots: list[str]) -> list[WalkResult]:
        """Walk each `(root, below)` in turn, in one thread (several walking at once in this
        process would only take turns at the GIL); links out of the library's `roots` are
        skipped unless `scan.follow_symlinks_outside_roots`."""
        cancel = threading.Event()
        confine_to = None if self.settings.follow_symlinks_outside_roots else roots

        def walk_all() -> list[WalkResult]:
            return [
                walk(
                    root,
                    below=below,
                    cancel=cancel,
                    scandir=self.scandir,
                    ignore_max_bytes=self.settings.ignore_file_max_bytes,
                    confine_to=confine_to,
                )
                for root, below in targets
            ]

        try:
            return await asyncio.to_thread(walk_all)
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def _snapshot(self, library_id: int) -> list[StoredFile]:
        async with self.database.read() as session:
            return await MediaFileRepository(session).snapshot(library_id)

    async def _write(
        self,
        library_id: int,
        batch: Sequence[_Pending],
        by_path: dict[bytes, StoredFile],
        kind: LibraryKind,
        progress: ScanProgress,
    ) -> tuple[list[int], list[int]]:
        """Identify and store a batch; the ids of the stored files it changed, and of those
        that moved to a name of another item."""
        records = await asyncio.to_thread(_records, batch, kind)
        progress.identified += len(records)
        moves = [(p.moved_from, r) for p, r in zip(batch, records, strict=True) if p.moved_from]
        upserts = [r for p, r in zip(batch, records, strict=True) if not p.moved_from]
        async with self.database.transaction() as session:
            files = MediaFileRepository(session)
            renamed = [file_id for file_id, record in moves if await files.move(file_id, record)]
            ids = await files.upsert_many(library_id, upserts) if upserts else []
        progress.moved += len(moves)
        touched = [file_id for file_id, _ in moves]
        for record, file_id in zip(upserts, ids, strict=True):
            if record.path_bytes in by_path:
                progress.changed += 1
                touched.append(file_id)
            else:
                progress.new += 1
        return touched, renamed


def _targets(roots: list[str], folder: str | None) -> list[tuple[str, str]]:
    """``(root, folder below it)`` pairs to walk: every root, or the one holding ``folder``."""
    if folder is None:
        return [(root, "") for root in roots]
    root = owning_root(folder, roots)
    if root is None:
        raise InvalidInputError(f"{folder!r} is not inside the library's folders", field="folder")
    return [(root, folder.rstrip("/")[len(root.rstrip("/")) :].strip("/"))]


def _same(stored: StoredFile, found: FoundFile) -> bool:
    return (
        stored.state == FileState.PRESENT
        and stored.size == found.size
        and stored.mtime_ns == found.mtime_ns
        and stored.inode == found.inode
        and stored.device == found.device
    )


def _detect_moves(
    pending: list[_Pending], gone: list[StoredFile], by_path: dict[bytes, StoredFile]
) -> list[_Pending]:
    """New paths with the inode, device and size of a vanished file are that file, moved."""
    candidates = {(s.device, s.inode, s.size): s for s in gone}
    out: list[_Pending] = []
    for item in pending:
        found = item.found
        source = None
        if found.path_bytes not in by_path:
            source = candidates.pop((found.device, found.inode, found.size), None)
        out.append(_Pending(found, item.root, source.id) if source else item)
    return out


def _records(batch: Sequence[_Pending], kind: LibraryKind) -> list[MediaFileRecord]:
    """Identify a batch (CPU work, run in a thread)."""
    return [file_record(item.found, item.root, kind) for item in batch]


def file_record(found: FoundFile, root: str, kind: LibraryKind) -> MediaFileRecord:
    """What a scan stores of one file: its facts on disk and what its name says."""
    identity = identify(found.path, library=kind, root=root).to_json()
    identity.pop("path", None)
    return MediaFileRecord(
        path=found.path,
        path_bytes=found.path_bytes,
        size=found.size,
        mtime_ns=found.mtime_ns,
        inode=found.inode,
        device=found.device,
        container=container_of(found.path),
        identity=identity,
    )


def container_of(path: str) -> str | None:
    """The file's extension, as its container; one longer than any container is none we know,
    and is left out rather than cut short."""
    _, dot, ext = path.rsplit("/", 1)[-1].rpartition(".")
    return ext.lower() if dot and len(ext) <= CONTAINER_MAX else None
