"""Real-time monitoring: real inotify events become targeted scans, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from watchfiles import Change

from reelhouse.app import create_app
from reelhouse.bootstrap import Services
from reelhouse.config import JobsSettings, ScanSettings
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.repository import JobRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.jobs import SCAN_KIND, enqueue_scan
from reelhouse.libraries.models import FileState
from reelhouse.libraries.repository import LibraryRepository, MediaFileRepository
from reelhouse.libraries.watch import folders_to_scan
from tests.jobs_support import eventually
from tests.support import settings_for

ROOTS = {"/media/movies": 1, "/media/movies/kids": 2, "/media/tv": 3}


def test_changes_become_folders_of_their_libraries() -> None:
    changes = {
        (Change.added, "/media/movies/Alien (1979)/Alien (1979).mkv"),
        (Change.deleted, "/media/movies/kids/Up (2009)/Up (2009).mkv"),
        (Change.added, "/media/tv/Dark/Season 1/Dark - S01E01.mkv"),
        (Change.modified, "/media/tv/Dark/Season 1/Dark - S01E02.mkv"),
        (Change.added, "/elsewhere/file.mkv"),
        (Change.deleted, "/media/tv"),
    }
    assert folders_to_scan(changes, ROOTS, max_folders=10) == {
        1: {"/media/movies/Alien (1979)"},
        2: {"/media/movies/kids/Up (2009)"},
        3: {"/media/tv/Dark/Season 1", "/media/tv"},
    }


def test_a_burst_of_folders_becomes_a_full_scan() -> None:
    changes = {(Change.added, f"/media/tv/Show {n}/e.mkv") for n in range(5)}
    assert folders_to_scan(changes, ROOTS, max_folders=4) == {3: None}


@given(st.lists(st.tuples(st.sampled_from(list(Change)), st.text()), max_size=20))
def test_folders_are_always_inside_their_root(changes: list[tuple[Change, str]]) -> None:
    for library_id, folders in folders_to_scan(changes, ROOTS, max_folders=100).items():
        root = next(r for r, i in ROOTS.items() if i == library_id)
        assert folders is None or all(f == root or f.startswith(root + "/") for f in folders)


@pytest.fixture
async def watching(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    settings = settings_for(database_url, tmp_path / "data").model_copy(
        # No periodic full scan: every scan in these tests comes from the watcher.
        update={"scan": ScanSettings(debounce_ms=50, watch_refresh_s=0.2, full_scan_interval_s=0)}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app.state.services


async def test_new_and_deleted_files_are_scanned_without_being_asked(
    watching: Services, tmp_path: Path
) -> None:
    media, quiet = tmp_path / "media", tmp_path / "quiet"
    media.mkdir()
    quiet.mkdir()
    async with watching.users.database.transaction() as session:
        libraries = LibraryRepository(session)
        library = await libraries.add("Movies", LibraryKind.MOVIES, [str(media)])
        await libraries.add("Quiet", LibraryKind.MOVIES, [str(quiet)], {"watch": False})

    async def count(state: FileState) -> int:
        async with watching.users.database.read() as session:
            return await MediaFileRepository(session).count(library.id, state)

    # The watcher picks the new library up at its next refresh; keep touching until it does.
    film = media / "Alien (1979)" / "Alien (1979).mkv"
    film.parent.mkdir()

    async def scanned() -> bool:
        film.write_bytes(b"\0")
        return await count(FileState.PRESENT) == 1

    await eventually(scanned, what="the new file to be scanned")
    film.unlink()

    async def gone() -> bool:
        return await count(FileState.MISSING) == 1

    await eventually(gone, what="the deleted file to be marked missing")
    (quiet / "Heat (1995).mkv").write_bytes(b"\0")
    scans = await watching.jobs.list_jobs(kind=SCAN_KIND, limit=200)
    assert {job.args["library_id"] for job in scans} == {library.id}
    assert all(job.args.get("folder", "").startswith(str(media)) for job in scans)


async def test_a_change_during_a_running_scan_queues_one_follow_up(database: Database) -> None:
    queue = JobQueue(database, JobsSettings())
    first = await enqueue_scan(queue, 1, "/media/a", follow_up=True)
    assert (await enqueue_scan(queue, 1, "/media/a", follow_up=True)).job.id == first.job.id
    async with database.transaction() as session:
        [running] = await JobRepository(session).claim(
            kinds=[SCAN_KIND], owner="test", limit=1, lease_s=60, now=utcnow()
        )
    follow_up = await enqueue_scan(queue, 1, "/media/a", follow_up=True)
    assert follow_up.created
    assert follow_up.job.id != running.id
    again = await enqueue_scan(queue, 1, "/media/a", follow_up=True)
    assert again.job.id == follow_up.job.id
    asked = await enqueue_scan(queue, 1, "/media/a")  # a person asking gets the running scan
    assert asked.job.id == running.id
