"""Scanning real directory trees into the media-file table, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.config import ScanSettings
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.db.engine import Database
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.models import FileState, MediaFile
from reelhouse.libraries.repository import LibraryRepository, MediaFileRepository
from reelhouse.libraries.scan import LibraryScanner, ScanProgress, ScanReport, file_record
from reelhouse.libraries.walk import FoundFile, Problem, readable, walk
from reelhouse.naming import is_junk, is_media_name
from reelhouse.testing.library import generate_library, write_library

#: The cap the walks of these tests read ignore files up to (the setting's default).
IGNORE_MAX = ScanSettings().ignore_file_max_bytes


def touch(root: Path, relative: str, content: bytes = b"") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


async def make_library(database: Database, root: Path, kind: LibraryKind) -> int:
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("lib", kind, [str(root)])
        return library.id


async def rows(database: Database, library_id: int) -> dict[str, MediaFile]:
    async with database.transaction() as session:
        repo = MediaFileRepository(session)
        snapshot = await repo.snapshot(library_id)
        files = [await repo.get(s.id) for s in snapshot]
        return {f.path: f for f in files}


async def scan(database: Database, library_id: int, **settings: Any) -> ScanReport:
    return await LibraryScanner(database, ScanSettings(**settings)).scan(library_id)


def counts(report: ScanReport) -> dict[str, int]:
    p = report.progress
    return {"new": p.new, "changed": p.changed, "unchanged": p.unchanged, "moved": p.moved,
            "missing": p.missing}  # fmt: skip


async def test_first_scan_stores_identified_media_files(database: Database, tmp_path: Path) -> None:
    root = tmp_path / "movies"
    touch(root, "Heat (1995)/Heat (1995).mkv", b"x" * 10)
    touch(root, "Heat (1995)/Heat (1995).en.srt")
    touch(root, "Heat (1995)/Heat (1995).nfo")
    touch(root, "Heat (1995)/poster.jpg")
    touch(root, "Alien.1979.1080p.BluRay.x264-GRP/Alien.1979.1080p.BluRay.x264-GRP.mkv")
    touch(root, "@eaDir/Heat (1995).mkv")
    touch(root, ".hidden/Secret (2000).mkv")
    library_id = await make_library(database, root, LibraryKind.MOVIES)
    seen: list[ScanProgress] = []

    async def record(progress: ScanProgress) -> None:
        seen.append(ScanProgress(**vars(progress)))

    report = await LibraryScanner(database, ScanSettings(write_batch=2)).scan(library_id, record)
    assert counts(report) == {"new": 3, "changed": 0, "unchanged": 0, "moved": 0, "missing": 0}
    assert report.progress.identified == 3
    assert seen
    assert seen[-1].new == 3
    assert {p.to_identify for p in seen[1:]} == {3}
    assert [p.identified for p in seen] == sorted(p.identified for p in seen)
    stored = await rows(database, library_id)
    heat = stored[str(root / "Heat (1995)/Heat (1995).mkv")]
    assert heat.size == 10
    assert heat.path_bytes == os.fsencode(heat.path)
    assert heat.container == "mkv"
    assert heat.identity is not None
    assert heat.identity["kind"] == "movie"
    assert heat.identity["title"] == "Heat"
    assert heat.identity["year"] == 1995
    alien = stored[
        str(root / "Alien.1979.1080p.BluRay.x264-GRP/Alien.1979.1080p.BluRay.x264-GRP.mkv")
    ]
    assert alien.identity is not None
    assert (alien.identity["title"], alien.identity["year"]) == ("Alien", 1979)
    subtitle = stored[str(root / "Heat (1995)/Heat (1995).en.srt")]
    assert subtitle.identity is not None
    assert subtitle.identity["language"] == "en"


async def test_unchanged_rescan_writes_nothing(database: Database, tmp_path: Path) -> None:
    root = tmp_path / "tv"
    for e in range(1, 6):
        touch(root, f"Show (2010)/Season 1/Show (2010) - S01E{e:02d}.mkv")
    library_id = await make_library(database, root, LibraryKind.TV)
    await scan(database, library_id)
    before = {p: r.updated_at for p, r in (await rows(database, library_id)).items()}
    report = await scan(database, library_id)
    assert counts(report) == {"new": 0, "changed": 0, "unchanged": 5, "moved": 0, "missing": 0}
    assert report.progress.identified == 0
    after = {p: r.updated_at for p, r in (await rows(database, library_id)).items()}
    assert after == before
    episode = next(iter((await rows(database, library_id)).values()))
    assert episode.identity is not None
    assert (episode.identity["kind"], episode.identity["series"]) == ("episode", "Show")


async def test_changed_files_are_identified_again(database: Database, tmp_path: Path) -> None:
    root = tmp_path / "m"
    path = touch(root, "Heat (1995).mkv", b"a")
    library_id = await make_library(database, root, LibraryKind.MOVIES)
    await scan(database, library_id)
    path.write_bytes(b"longer")
    report = await scan(database, library_id)
    assert counts(report) == {"new": 0, "changed": 1, "unchanged": 0, "moved": 0, "missing": 0}
    (row,) = (await rows(database, library_id)).values()
    assert row.size == 6


async def test_gone_files_are_missing_and_come_back(database: Database, tmp_path: Path) -> None:
    root = tmp_path / "m"
    path = touch(root, "Heat (1995).mkv", b"abc")
    touch(root, "Alien (1979).mkv")
    library_id = await make_library(database, root, LibraryKind.MOVIES)
    await scan(database, library_id)
    (original_id,) = [r.id for r in (await rows(database, library_id)).values() if "Heat" in r.path]
    saved = path.read_bytes()
    path.unlink()
    report = await scan(database, library_id)
    assert report.progress.missing == 1
    stored = await rows(database, library_id)
    heat = stored[str(path)]
    assert heat.state == FileState.MISSING
    assert heat.missing_since is not None
    assert heat.identity is not None
    assert heat.identity["title"] == "Heat"
    assert (await scan(database, library_id)).progress.missing == 0
    path.write_bytes(saved)
    report = await scan(database, library_id)
    assert report.progress.changed + report.progress.moved == 1
    heat = (await rows(database, library_id))[str(path)]
    assert (heat.id, heat.state, heat.missing_since) == (original_id, FileState.PRESENT, None)


async def test_a_moved_file_keeps_its_row(database: Database, tmp_path: Path) -> None:
    root = tmp_path / "m"
    old = touch(root, "incoming/Heat.1995.1080p.BluRay.x264-GRP.mkv", b"data")
    library_id = await make_library(database, root, LibraryKind.MOVIES)
    await scan(database, library_id)
    (before,) = (await rows(database, library_id)).values()
    new = root / "Heat (1995)" / "Heat (1995).mkv"
    new.parent.mkdir()
    old.rename(new)
    report = await scan(database, library_id)
    assert counts(report) == {"new": 0, "changed": 0, "unchanged": 0, "moved": 1, "missing": 0}
    (after,) = (await rows(database, library_id)).values()
    assert after.id == before.id
    assert after.path == str(new)
    assert after.identity is not None
    assert after.identity["title"] == "Heat"


def odd_tree(root: Path) -> bytes:
    """A good file, a non-UTF-8 name, a broken link and a symlink loop; returns the odd name."""
    touch(root, "Heat (1995).mkv")
    odd = os.fsencode(root) + b"/Caf\xe9 (2001).mkv"
    Path(os.fsdecode(odd)).touch()
    (root / "Broken (2002).mkv").symlink_to(root / "nowhere.mkv")
    (root / "sub").mkdir()
    (root / "sub" / "loop").symlink_to(root)
    touch(root, "sub/Inside (2003).mkv")
    return odd


async def test_odd_names_links_and_loops_are_reported_and_skipped(
    database: Database, tmp_path: Path
) -> None:
    root = tmp_path / "m"
    odd = odd_tree(root)
    library_id = await make_library(database, root, LibraryKind.MOVIES)
    report = await scan(database, library_id)
    problems = {(p.problem, Path(p.path).name) for p in report.problems}
    assert (Problem.BROKEN_LINK, "Broken (2002).mkv") in problems
    assert (Problem.SYMLINK_LOOP, "loop") in problems
    assert (Problem.NOT_UTF8, "Caf\ufffd (2001).mkv") in problems
    assert report.progress.new == 3
    async with database.transaction() as session:
        snapshot = await MediaFileRepository(session).snapshot(library_id)
    assert odd in {s.path_bytes for s in snapshot}
    assert (await scan(database, library_id)).progress.unchanged == 3


def links_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A library of two roots, `movies` and `second`, with links made now: out of the library
    (a folder, a file, a relative one), into its other root, and within a root."""
    root, second, elsewhere = tmp_path / "movies", tmp_path / "second", tmp_path / "elsewhere"
    touch(root, "Heat (1995)/Heat (1995).mkv")
    touch(second, "Alien (1979)/Alien (1979).mkv")
    touch(elsewhere, "Secret (2001)/Secret (2001).mkv")
    touch(elsewhere, "Loose (2002).mkv")
    touch(elsewhere, "Relative (2003).mkv")
    (root / "Secret (2001)").symlink_to(elsewhere / "Secret (2001)")
    (root / "Loose (2002).mkv").symlink_to(elsewhere / "Loose (2002).mkv")
    (root / "Relative (2003).mkv").symlink_to(Path("..") / "elsewhere" / "Relative (2003).mkv")
    (root / "Alien (1979)").symlink_to(second / "Alien (1979)")
    (root / "Heat (1995)" / "Heat (1995) - copy.mkv").symlink_to(
        root / "Heat (1995)/Heat (1995).mkv"
    )
    return root, second


OUT_OF_THE_LIBRARY = {"Secret (2001)", "Loose (2002).mkv", "Relative (2003).mkv"}


async def test_links_out_of_the_library_are_skipped_unless_allowed(
    database: Database, tmp_path: Path
) -> None:
    root, second = links_tree(tmp_path)
    async with database.transaction() as session:
        library = await LibraryRepository(session).add(
            "lib", LibraryKind.MOVIES, [str(root), str(second)]
        )
    inside = {
        str(root / "Heat (1995)/Heat (1995).mkv"),
        str(root / "Heat (1995)/Heat (1995) - copy.mkv"),
        str(root / "Alien (1979)/Alien (1979).mkv"),
        str(second / "Alien (1979)/Alien (1979).mkv"),
    }
    outside = {
        str(root / "Secret (2001)/Secret (2001).mkv"),
        str(root / "Loose (2002).mkv"),
        str(root / "Relative (2003).mkv"),
    }

    followed = await scan(database, library.id, follow_symlinks_outside_roots=True)
    assert not [p for p in followed.problems if p.problem == Problem.OUTSIDE_LIBRARY]
    assert set(await rows(database, library.id)) == inside | outside

    # Off (the default): skipped, reported with the reason, and what an earlier scan stored
    # through them is missing now (never served: see test_direct_play.py).
    confined = await scan(database, library.id)
    skipped = {Path(p.path).name: p for p in confined.problems}
    assert set(skipped) == OUT_OF_THE_LIBRARY
    for problem in skipped.values():
        assert problem.problem == Problem.OUTSIDE_LIBRARY
        assert "scan.follow_symlinks_outside_roots" in problem.detail
    stored = await rows(database, library.id)
    assert {path for path, f in stored.items() if f.state == FileState.PRESENT} == inside
    assert {path for path, f in stored.items() if f.state == FileState.MISSING} == outside
    assert confined.progress.missing == 3

    scanner = LibraryScanner(database, ScanSettings())
    below = await scanner.scan(library.id, folder=str(root / "Secret (2001)"))
    assert [(p.problem, Path(p.path).name) for p in below.problems] == [
        (Problem.OUTSIDE_LIBRARY, "Secret (2001)")
    ]
    assert below.progress.files_seen == 0


def test_a_walk_confined_to_the_roots_skips_links_out(tmp_path: Path) -> None:
    root, second = links_tree(tmp_path)
    found = walk(str(root), ignore_max_bytes=IGNORE_MAX)
    assert len(found.files) == 6
    confined = walk(str(root), ignore_max_bytes=IGNORE_MAX, confine_to=[str(root), str(second)])
    assert len(confined.files) == 3
    assert {Path(p.path).name for p in confined.problems} == OUT_OF_THE_LIBRARY
    alone = walk(str(root), ignore_max_bytes=IGNORE_MAX, confine_to=[str(root)])
    assert {Path(p.path).name for p in alone.problems} == OUT_OF_THE_LIBRARY | {"Alien (1979)"}


@contextmanager
def unreadable(folder: Path) -> Iterator[None]:
    """Make ``folder`` unreadable; running as root ignores modes, so also refuse it in scandir."""
    mode = folder.stat().st_mode
    folder.chmod(0)
    try:
        yield
    finally:
        folder.chmod(mode)


def test_unreadable_folders_are_reported_and_the_walk_goes_on(tmp_path: Path) -> None:
    touch(tmp_path, "ok/Heat (1995).mkv")
    touch(tmp_path, "locked/Alien (1979).mkv")
    locked = os.fsencode(tmp_path / "locked")

    def scandir(path: bytes) -> Any:
        if path == locked:
            raise PermissionError(13, "Permission denied")
        return os.scandir(path)

    with unreadable(tmp_path / "locked"):
        result = walk(str(tmp_path), scandir=scandir, ignore_max_bytes=IGNORE_MAX)
    assert [Path(f.path).name for f in result.files] == ["Heat (1995).mkv"]
    assert [(p.problem, p.detail) for p in result.problems] == [
        (Problem.UNREADABLE, "Permission denied")
    ]


def test_a_cancelled_walk_stops(tmp_path: Path) -> None:
    touch(tmp_path, "Heat (1995).mkv")
    cancel = threading.Event()
    cancel.set()
    result = walk(str(tmp_path), cancel=cancel, ignore_max_bytes=IGNORE_MAX)
    assert result.cancelled
    assert result.files == []


async def test_files_below_an_unreadable_folder_are_not_marked_missing(
    database: Database, tmp_path: Path
) -> None:
    root = tmp_path / "m"
    touch(root, "ok/Heat (1995).mkv")
    touch(root, "locked/Alien (1979).mkv")
    library_id = await make_library(database, root, LibraryKind.MOVIES)
    await scan(database, library_id)
    locked = os.fsencode(root / "locked")

    def scandir(path: bytes) -> Any:
        if path == locked:
            raise PermissionError(13, "Permission denied")
        return os.scandir(path)

    report = await LibraryScanner(database, ScanSettings(), scandir).scan(library_id)
    assert [p.problem for p in report.problems] == [Problem.UNREADABLE]
    assert report.progress.missing == 0
    assert report.progress.unchanged == 1
    states = {Path(r.path).name: r.state for r in (await rows(database, library_id)).values()}
    assert states == {"Heat (1995).mkv": FileState.PRESENT, "Alien (1979).mkv": FileState.PRESENT}


def test_a_missing_root_is_one_problem(tmp_path: Path) -> None:
    result = walk(str(tmp_path / "not-mounted"), ignore_max_bytes=IGNORE_MAX)
    assert (result.files, [p.problem for p in result.problems]) == ([], [Problem.UNREADABLE])


async def test_a_missing_root_marks_its_files_missing(database: Database, tmp_path: Path) -> None:
    root = tmp_path / "disk"
    touch(root, "Heat (1995).mkv")
    library_id = await make_library(database, root, LibraryKind.MOVIES)
    await scan(database, library_id)
    moved = root.rename(tmp_path / "elsewhere")
    report = await scan(database, library_id)
    assert report.progress.missing == 1
    moved.rename(root)
    assert (await scan(database, library_id)).progress.changed == 1


def test_ignore_files_and_junk_prune_the_walk(tmp_path: Path) -> None:
    touch(tmp_path, "keep/Heat (1995).mkv")
    touch(tmp_path, "skip/.ignore")
    touch(tmp_path, "skip/Alien (1979).mkv")
    touch(tmp_path, "part/.ignore", b"*.sample.mkv\nwip/\n")
    touch(tmp_path, "part/Aliens (1986).mkv")
    touch(tmp_path, "part/aliens.sample.mkv")
    touch(tmp_path, "part/wip/Alien 3 (1992).mkv")
    touch(tmp_path, "#recycle/Gone (2001).mkv")
    touch(tmp_path, "keep/Thumbs.db")
    walked = walk(str(tmp_path), ignore_max_bytes=IGNORE_MAX)
    found = sorted(Path(f.path).relative_to(tmp_path).as_posix() for f in walked.files)
    assert found == ["keep/Heat (1995).mkv", "part/Aliens (1986).mkv"]


async def test_hostile_ignore_files_are_skipped_and_reported(
    database: Database, tmp_path: Path
) -> None:
    """A FIFO (which would block a reader for good), a link to /dev/zero (endless) and a
    sparse file of 1.5 GB named as ignore files: each is reported and skipped without reading
    it, and the scan finds the films beside them."""
    touch(tmp_path, "fifo/Heat (1995).mkv")
    os.mkfifo(tmp_path / "fifo" / ".plexignore")
    touch(tmp_path, "zero/Alien (1979).mkv")
    (tmp_path / "zero" / ".ignore").symlink_to("/dev/zero")
    touch(tmp_path, "huge/Aliens (1986).mkv")
    with (tmp_path / "huge" / ".ignore").open("wb") as sparse:
        sparse.truncate(1536 * 1024 * 1024)
    touch(tmp_path, "big/Alien 3 (1992).mkv")
    touch(tmp_path, "big/.ignore", b"# padding\n" * (IGNORE_MAX // 10 + 1))
    library_id = await make_library(database, tmp_path, LibraryKind.MOVIES)
    report = await scan(database, library_id, ignore_file_max_bytes=IGNORE_MAX)
    assert counts(report)["new"] == 4
    problems = {(p.path.rsplit("/", 2)[-2], p.problem): p.detail for p in report.problems}
    assert "is not a regular file" in problems["fifo", Problem.UNREADABLE]
    assert "is not a regular file" in problems["zero", Problem.UNREADABLE]
    assert f"is larger than {IGNORE_MAX} bytes" in problems["huge", Problem.UNREADABLE]
    assert f"is larger than {IGNORE_MAX} bytes" in problems["big", Problem.UNREADABLE]


async def test_overlapping_roots_store_each_file_once(database: Database, tmp_path: Path) -> None:
    touch(tmp_path, "Movies/Heat (1995).mkv")
    touch(tmp_path, "Movies/Old/Alien (1979).mkv")
    async with database.transaction() as session:
        library = await LibraryRepository(session).add(
            "lib", LibraryKind.MOVIES, [str(tmp_path / "Movies"), str(tmp_path / "Movies/Old")]
        )
    report = await scan(database, library.id)
    assert (report.progress.files_seen, report.progress.new) == (2, 2)
    assert len(await rows(database, library.id)) == 2


async def test_a_targeted_scan_touches_only_its_folder(database: Database, tmp_path: Path) -> None:
    root = tmp_path / "tv"
    touch(root, "Show/Season 1/Show S01E01.mkv")
    touch(root, "Other/Season 1/Other S01E01.mkv")
    library_id = await make_library(database, root, LibraryKind.TV)
    await scan(database, library_id)
    (root / "Other/Season 1/Other S01E01.mkv").unlink()
    touch(root, "Show/Season 1/Show S01E02.mkv")
    scanner = LibraryScanner(database, ScanSettings())
    report = await scanner.scan(library_id, folder=str(root / "Show") + "/")
    assert counts(report) == {"new": 1, "changed": 0, "unchanged": 1, "moved": 0, "missing": 0}
    states = {Path(r.path).name: r.state for r in (await rows(database, library_id)).values()}
    assert states["Other S01E01.mkv"] == FileState.PRESENT
    new = (await rows(database, library_id))[str(root / "Show/Season 1/Show S01E02.mkv")]
    assert new.identity is not None
    assert (new.identity["series"], new.identity["episode"]) == ("Show", 2)
    whole = await scanner.scan(library_id, folder=str(root))
    assert whole.progress.missing == 1
    with pytest.raises(InvalidInputError):
        await scanner.scan(library_id, folder=str(tmp_path / "elsewhere"))


def test_a_walk_below_a_folder_keeps_the_rules_above_it(tmp_path: Path) -> None:
    touch(tmp_path, ".ignore", b"wip/\n")
    touch(tmp_path, "Show/wip/Show S01E01.mkv")
    touch(tmp_path, "Show/Season 1/Show S01E01.mkv")
    touch(tmp_path, "Private/.ignore")
    touch(tmp_path, "Private/Deep/Show S01E01.mkv")
    touch(tmp_path, "@eaDir/Deep/Show S01E01.mkv")
    assert walk(str(tmp_path), ignore_max_bytes=IGNORE_MAX, below="Show/wip").files == []
    assert walk(str(tmp_path), ignore_max_bytes=IGNORE_MAX, below="Private/Deep").files == []
    assert walk(str(tmp_path), ignore_max_bytes=IGNORE_MAX, below="@eaDir/Deep").files == []
    (found,) = walk(str(tmp_path), ignore_max_bytes=IGNORE_MAX, below="Show").files
    assert found.path == str(tmp_path / "Show/Season 1/Show S01E01.mkv")


async def test_unknown_library(database: Database) -> None:
    with pytest.raises(NotFoundError):
        await scan(database, 12345)


async def test_a_generated_library_is_stored_with_the_expected_identities(
    database: Database, tmp_path: Path
) -> None:
    library = [g for g in generate_library(600, seed=38) if g.path.startswith("Movies/")]
    write_library(tmp_path, library)
    library_id = await make_library(database, tmp_path / "Movies", LibraryKind.MOVIES)
    report = await scan(database, library_id, write_batch=50)
    stored = await rows(database, library_id)
    kept = [g for g in library if g.expected["kind"] != "ignored"]
    junk = [g for g in library if g.expected["kind"] == "ignored" and g.path.endswith(".mkv")]
    assert junk, "the sample should hold junk video files for the walk to prune"
    assert report.progress.new == len(kept) == len(stored)
    for generated in kept:
        identity = stored[str(tmp_path / generated.path)].identity
        assert identity is not None
        assert {k: identity.get(k) for k in generated.expected} == generated.expected


names = st.lists(
    st.binary(min_size=1, max_size=12).filter(
        lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")
    ),
    min_size=1,
    max_size=8,
    unique=True,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(folders=names, files=names)
def test_the_walk_finds_exactly_the_media_files(
    tmp_path: Path, folders: list[bytes], files: list[bytes]
) -> None:
    base = os.fsencode(tmp_path) + b"/" + os.urandom(6).hex().encode()
    os.mkdir(base)
    expected = set()
    for i, folder in enumerate(folders):
        os.mkdir(base + b"/" + folder)
        for j, stem in enumerate(files):
            name = stem + (b".mkv" if (i + j) % 2 else b".nfo")
            path = base + b"/" + folder + b"/" + name
            with open(path, "wb"):
                pass
            shown = [readable(part)[0] for part in (folder, name)]
            if not any(is_junk(part) for part in shown) and is_media_name(shown[1]):
                expected.add(path)
    found = walk(os.fsdecode(base), ignore_max_bytes=IGNORE_MAX)
    assert {f.path_bytes for f in found.files} == expected


@given(st.text(alphabet="abcXYZ.", min_size=1, max_size=40))
def test_a_container_is_the_whole_extension_or_none(name: str) -> None:
    record = file_record(FoundFile(b"", f"/m/{name}", 1, 1, 1, 1), "/m", LibraryKind.MOVIES)
    _, dot, extension = name.rpartition(".")
    assert record.container in ({extension.lower()} if dot and len(extension) <= 16 else {None})
