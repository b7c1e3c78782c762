"""Library scans as jobs, through the API, on both databases: queued once, progress, problems
recorded on the job, periodic scans of the libraries that want them."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from reelhouse.libraries.jobs import CLEANUP_KIND, SCAN_ALL_KIND, SCAN_KIND
from reelhouse.libraries.models import FileState, MediaFile
from reelhouse.libraries.repository import LibraryRepository, MediaFileRepository
from tests.jobs_support import eventually
from tests.pipeline_support import settled
from tests.support import Api, bearer, cli_env, run_cli


def make_tree(root: Path) -> None:
    for name in (
        "Alien (1979)/Alien (1979).mkv",
        "Heat (1995)/Heat (1995).mkv",
        "Heat (1995)/Heat (1995)-trailer.mkv",
    ):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * 16)
    os.symlink(root / "nowhere.mkv", root / "Broken (2000).mkv")


async def finished(api: Api, token: dict[str, str], job_id: int) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job: dict[str, Any] = (await api.client.get(f"/api/jobs/{job_id}", headers=token)).json()
        return job if job["state"] in {"succeeded", "failed", "cancelled"} else None

    result: dict[str, Any] = await eventually(done, what=f"job {job_id} to end")
    return result


async def test_scan_through_the_api(api: Api, tmp_path: Path) -> None:
    make_tree(tmp_path)
    token = bearer(await api.token_for("root", is_admin=True))
    library = await api.client.post(
        "/api/libraries",
        json={"name": "Movies", "kind": "movies", "paths": [str(tmp_path)]},
        headers=token,
    )
    library_id = library.json()["id"]
    queued = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
    assert queued.status_code == 202
    assert queued.json()["kind"] == SCAN_KIND
    job = await finished(api, token, queued.json()["id"])
    assert job["state"] == "succeeded", job
    counters = job["progress"]["counters"]
    assert (counters["new"], counters["missing"]) == (3, 0)
    assert counters["failed"] == 1  # the broken link, recorded against the job
    assert job["progress"]["done"] == 4
    async with api.services.users.database.read() as session:
        assert await MediaFileRepository(session).count(library_id, FileState.PRESENT) == 3

    (tmp_path / "Alien (1979)" / "Alien (1979).mkv").unlink()
    again = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
    job = await finished(api, token, again.json()["id"])
    assert (job["progress"]["counters"]["missing"], job["progress"]["counters"]["new"]) == (1, 0)


async def test_scan_requests_are_checked(api: Api, tmp_path: Path) -> None:
    token = bearer(await api.token_for("root", is_admin=True))
    assert (await api.client.post("/api/libraries/999/scan", headers=token)).status_code == 404
    library = await api.client.post(
        "/api/libraries",
        json={"name": "Movies", "kind": "movies", "paths": [str(tmp_path)]},
        headers=token,
    )
    scan = f"/api/libraries/{library.json()['id']}/scan"
    relative = await api.client.post(scan, json={"folder": "relative"}, headers=token)
    assert relative.status_code == 422
    # A folder outside the library's roots is refused, not queued to fail (issue 19, item 11).
    for folder in ["/etc", str(tmp_path) + "-other", str(tmp_path.parent)]:
        outside = await api.client.post(scan, json={"folder": folder}, headers=token)
        assert outside.status_code == 422, (folder, outside.text)
        assert [e["field"] for e in outside.json()["errors"]] == ["folder"]
    assert await api.services.jobs.list_jobs(kind=SCAN_KIND) == []
    inside = await api.client.post(scan, json={"folder": f"{tmp_path}/Heat"}, headers=token)
    assert inside.status_code == 202, inside.text
    assert (await api.client.get("/api/jobs/424242", headers=token)).status_code == 404


async def test_periodic_full_scan_skips_libraries_that_opt_out(api: Api, tmp_path: Path) -> None:
    token = bearer(await api.token_for("root", is_admin=True))
    async with api.services.users.database.transaction() as session:
        libraries = LibraryRepository(session)
        wanted = await libraries.add("Movies", "movies", [str(tmp_path / "m")])  # type: ignore[arg-type]
        await libraries.add(
            "Archive",
            "movies",  # type: ignore[arg-type]
            [str(tmp_path / "a")],
            {"periodic_scan": False},
        )
    started = await api.services.jobs.enqueue(SCAN_ALL_KIND)
    await finished(api, token, started.job.id)
    scans = await api.services.jobs.list_jobs(kind=SCAN_KIND)
    assert [job.args for job in scans] == [{"library_id": wanted.id}]


def test_cli_adds_and_scans_a_library(database_url: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    make_tree(media)
    env = cli_env(tmp_path, database_url)
    added = run_cli(env, "library", "add", "Movies", str(media), "--kind", "movies")
    assert added.returncode == 0, added.stderr
    assert "Movies" in run_cli(env, "library", "list").stdout
    scanned = run_cli(env, "scan", "Movies", "--wait")
    assert scanned.returncode == 0, scanned.stderr
    assert "succeeded" in scanned.stdout
    assert "new=3" in scanned.stdout
    # The summary follows the scan through matching (no provider key here: the two movies are
    # stored from their names, for review), artwork and probing (the files are empty: each
    # gets ffprobe's reason).
    assert "unmatched=2" in scanned.stdout
    assert "artwork" in scanned.stdout
    assert "failed=3" in scanned.stdout
    assert "Invalid data found when processing input" in scanned.stdout
    assert "4/4 (100%)" in scanned.stdout  # the broken link counts in the total it is done in
    # The scan ran alone: a process that waits for one scan starts no periodic job.
    assert run_cli(env, "jobs", "list", "--kind", "libraries.scan").stdout.count("library:1") == 1
    for periodic in ("libraries.scan_all", "jobs.prune"):
        assert "schedule:" not in run_cli(env, "jobs", "list", "--kind", periodic).stdout
    missing = run_cli(env, "scan", "Nope")
    assert missing.returncode == 2
    assert "library 'Nope' does not exist" in missing.stderr


async def test_cleanup_forgets_long_missing_files_and_keeps_their_items(
    api: Api, tmp_path: Path
) -> None:
    token, library_id = await scanned_tree(api, tmp_path)
    (tmp_path / "Alien (1979)" / "Alien (1979).mkv").unlink()
    (tmp_path / "Heat (1995)" / "Heat (1995).mkv").unlink()
    again = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
    await finished(api, token, again.json()["id"])
    database = api.services.users.database
    async with database.transaction() as session:
        files = MediaFileRepository(session)
        gone = [f for f in await files.snapshot(library_id) if f.state == FileState.MISSING]
        heat = next(f.id for f in gone if f.path_bytes.endswith(b"Heat (1995).mkv"))
        # Heat went missing long ago; Alien just now, still within the grace period.
        await session.execute(
            update(MediaFile)
            .where(MediaFile.id == heat)
            .values(missing_since=datetime(2000, 1, 1, tzinfo=UTC))
        )

    cleanup = await api.services.jobs.enqueue(CLEANUP_KIND)
    job = await finished(api, token, cleanup.job.id)
    assert job["progress"]["counters"]["deleted"] == 1
    async with database.read() as session:
        left = {
            f.path_bytes.rsplit(b"/", 1)[-1]
            for f in await MediaFileRepository(session).snapshot(library_id)
        }
    assert b"Heat (1995).mkv" not in left
    assert b"Alien (1979).mkv" in left
    # Both movies are still in the catalogue, without a file, and the listing says so at once.
    titles = await movies_with_files(api, token, False)
    assert titles == ["Alien", "Heat"]


async def movies_with_files(api: Api, token: dict[str, str], has_file: bool) -> list[str]:
    listing = await api.client.get(
        "/api/movies", params={"has_file": str(has_file).lower()}, headers=token
    )
    return sorted(m["title"] for m in listing.json()["items"])


async def test_a_rescan_shows_at_once_in_the_cached_details(api: Api, tmp_path: Path) -> None:
    token, library_id = await scanned_tree(api, tmp_path)
    listing = await api.client.get("/api/movies", headers=token)
    alien = next(m for m in listing.json()["items"] if m["title"] == "Alien")
    before = await api.client.get(f"/api/movies/{alien['id']}", headers=token)
    assert [f["state"] for f in before.json()["files"]] == ["present"]  # now cached

    (tmp_path / "Alien (1979)" / "Alien (1979).mkv").unlink()
    again = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
    await finished(api, token, again.json()["id"])
    after = await api.client.get(f"/api/movies/{alien['id']}", headers=token)
    assert [f["state"] for f in after.json()["files"]] == ["missing"]
    assert await movies_with_files(api, token, False) == ["Alien"]


async def scanned_tree(api: Api, root: Path) -> tuple[dict[str, str], int]:
    """An admin's token, and a movie library of `make_tree` scanned and stored."""
    make_tree(root)
    token = bearer(await api.token_for("root", is_admin=True))
    library = await api.client.post(
        "/api/libraries",
        json={"name": "Movies", "kind": "movies", "paths": [str(root)]},
        headers=token,
    )
    library_id: int = library.json()["id"]
    scan = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
    await finished(api, token, scan.json()["id"])
    # Every movie stored, not just the first: the enrichment the scan queued has ended.
    await settled(api)
    return token, library_id


async def test_renames_and_new_versions_land_on_the_right_items(api: Api, tmp_path: Path) -> None:
    token, library_id = await scanned_tree(api, tmp_path)
    # A second version of a movie in its folder joins it (no provider here: the movie is
    # unmatched, so only its folder and name can say so).
    (tmp_path / "Heat (1995)" / "Heat (1995) - 2160p.mkv").write_bytes(b"\0" * 32)
    # A file moved to another film's name (same inode) is that film now.
    (tmp_path / "Speed (1994)").mkdir()
    os.rename(
        tmp_path / "Alien (1979)" / "Alien (1979).mkv",
        tmp_path / "Speed (1994)" / "Speed (1994).mkv",
    )
    # Two films in one folder are two films.
    (tmp_path / "Action").mkdir()
    (tmp_path / "Action" / "Die Hard (1988).mkv").write_bytes(b"\0" * 16)
    (tmp_path / "Action" / "Point Break (1991).mkv").write_bytes(b"\0" * 16)
    again = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
    job = await finished(api, token, again.json()["id"])
    assert (job["progress"]["counters"]["moved"], job["progress"]["counters"]["new"]) == (1, 3)
    await settled(api)

    assert await movies_with_files(api, token, True) == ["Die Hard", "Heat", "Point Break", "Speed"]
    assert await movies_with_files(api, token, False) == ["Alien"]
    listing = (await api.client.get("/api/movies", headers=token)).json()["items"]
    heat = next(m for m in listing if m["title"] == "Heat")
    detail = (await api.client.get(f"/api/movies/{heat['id']}", headers=token)).json()
    assert len(detail["files"]) == 2
    assert [e["extra_type"] for e in detail["extras"]] == ["trailer"]
