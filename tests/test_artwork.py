"""The artwork job against an image host that misbehaves: the real server and workers, the fake
TMDb and its image host, on SQLite and PostgreSQL.

A failed image is the image's failure, recorded on the job, never the job's; the others are
stored, each once, and recorded as they come."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from reelhouse.config import ImagesSettings, JobKindSettings, JobsSettings, Settings
from reelhouse.content.catalogue.artwork import DOWNLOADED_KINDS
from reelhouse.content.catalogue.models import Image
from reelhouse.infra.jobs.models import JobState
from reelhouse.infra.jobs.views import JobView
from reelhouse.ingest.artwork import ARTWORK_KIND, RoundProgress
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.server import LOOPBACK
from tests.jobs_support import eventually, fast_settings
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled, touch
from tests.support import Api

MOVIES = 12  # four images each: a poster, a backdrop and two actors' photos; and a poster of
# each collection they are in

#: Quick retries, so that tests do not wait out real backoff; the breaker as by default.
QUICK = {
    "allowed_networks": LOOPBACK,
    "retry_initial_s": 0.01,
    "retry_max_s": 0.05,
    "max_retries": 6,
}


def write_movies(root: Path, fake: FakeProviders, count: int = MOVIES) -> list[int]:
    """A folder of `count` movies the fake TMDb knows; their TMDb ids."""
    titles = [t for t in fake.catalogue.library_titles() if not t.series][:count]
    for title in titles:
        touch(root / f"{title.title} ({title.year})" / f"{title.title} ({title.year}).mkv")
    return [title.provider_id for title in titles]


def settings_with(
    provider_settings: Callable[..., Settings],
    database_url: str,
    data_dir: Path,
    *,
    jobs: JobsSettings | None = None,
    **images: Any,
) -> Settings:
    return pipeline_settings(
        provider_settings,
        database_url,
        data_dir,
        images=ImagesSettings(**{**QUICK, **images}),
        jobs=jobs or fast_settings(),
    )


async def chosen_images(api: Api) -> dict[str, str | None]:
    """The chosen (downloaded) artwork of the catalogue: the image host's path of each, and
    where it is stored (None: not yet)."""
    async with api.services.users.database.read() as session:
        rows = await session.execute(
            select(Image.provider_path, Image.local_path).where(
                Image.selected.is_(True), Image.kind.in_(DOWNLOADED_KINDS)
            )
        )
        return {urlsplit(url).path: local for url, local in rows}


async def artwork_job(api: Api) -> JobView:
    (job,) = await api.services.jobs.list_jobs(kind=ARTWORK_KIND)
    return job


async def failures_of(api: Api, job: JobView) -> dict[str, str]:
    """The job's item failures: the image host's path of each failed image, and why."""
    failures, total = await api.services.jobs.failures(job.id, limit=1_000)
    assert total == len(failures)
    return {urlsplit(f.item).path: f.error for f in failures}


async def run_library(api: Api, token: dict[str, str], root: Path) -> JobView:
    library = await add_library(api, token, "Movies", "movies", root)
    response = await api.client.post(f"/api/libraries/{library}/scan", headers=token)
    assert response.status_code == 202, response.text
    jobs = await settled(api)
    for job in jobs:
        if job.kind != ARTWORK_KIND:
            assert job.state == JobState.SUCCEEDED, (job.kind, job.error)
    return await artwork_job(api)


async def test_a_flaky_image_host_still_gives_every_image(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """5xx and 429s with Retry-After on a share of the image requests (the metadata requests
    answer well): every image ends stored, in one attempt, each fetched once."""
    root = tmp_path / "movies"
    movies = [fake.catalogue.movie(tmdb_id) for tmdb_id in write_movies(root, fake)]
    collections = {movie.collection_id for movie in movies if movie and movie.collection_id}
    fake.control.configure(fault_path="^/t/p/", error_rate=0.15, rate_limit_rate=0.05, seed=7)
    settings = settings_with(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        job = await run_library(api, token, root)
        images = await chosen_images(api)
        assert job.state == JobState.SUCCEEDED, job.error
        assert job.attempts == 1
        assert await failures_of(api, job) == {}
        assert len(images) == 4 * MOVIES + len(collections)
        assert all(images.values()), [path for path, local in images.items() if not local]
        stats = fake.control.stats
        assert stats.faults["error"] > 0
        assert stats.faults["rate_limit"] > 0
        assert stats.by_status[429] == stats.faults["rate_limit"]  # answered with Retry-After
        assert {stats.ok_by_path[path] for path in images} == {1}
        assert job.progress["done"] == job.progress["total"] == len(images)
        assert job.progress["counters"] == {"ok": len(images)}


async def test_an_image_that_cannot_be_had_fails_alone(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """One image always answers 500, one is not an image, one is gone (404): each is recorded
    against the job with its reason, the job succeeds, and every other image is stored."""
    root = tmp_path / "movies"
    first = write_movies(root, fake)[0]
    broken = {
        "error": f"/t/p/original/mp{first}_0.jpg",  # its poster: 500 every time
        "not_image": f"/t/p/original/mb{first}_0.jpg",  # its backdrop: HTML, not an image
        "gone": f"/t/p/original/actor{first}_0.jpg",  # its lead actor's photo: 404
    }
    fake.control.inject(f"^{broken['error']}$", "error", times=10_000, status=500)
    fake.control.inject(f"^{broken['not_image']}$", "not_image", times=10_000)
    fake.control.inject(f"^{broken['gone']}$", "error", times=10_000, status=404)
    settings = settings_with(provider_settings, database_url, tmp_path / "data", max_retries=3)
    async with running_server(settings) as (api, token):
        job = await run_library(api, token, root)
        images = await chosen_images(api)
        failed = await failures_of(api, job)

    assert job.state == JobState.SUCCEEDED, job.error
    assert set(failed) == set(broken.values())
    assert "HTTP 500" in failed[broken["error"]]
    assert failed[broken["not_image"]].startswith("UpstreamResponseError")
    assert failed[broken["gone"]].startswith("NotFoundError")
    assert {path for path, local in images.items() if not local} == set(failed)
    stats = fake.control.stats
    assert stats.by_status[500] == 4  # the first try and its three retries
    assert stats.by_status[404] == 1  # a missing image is not tried again
    assert job.progress["done"] == job.progress["total"] == len(images)
    assert job.progress["counters"] == {"ok": len(images) - 3, "failed": 3}


async def test_a_dead_image_host_trips_its_breaker(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """Every image request fails: once the breaker of the host opens, its images fail at once
    without a request, and the job ends with each of them recorded."""
    root = tmp_path / "movies"
    write_movies(root, fake)
    fake.control.inject("^/t/p/", "error", times=100_000, status=503)
    settings = settings_with(
        provider_settings,
        database_url,
        tmp_path / "data",
        max_retries=5,
        breaker_window=10,
        breaker_min_requests=10,
        breaker_open_s=3_600,
    )
    async with running_server(settings) as (api, token):
        job = await run_library(api, token, root)
        images = await chosen_images(api)
        failed = await failures_of(api, job)

    assert job.state == JobState.SUCCEEDED, job.error
    assert set(failed) == set(images)
    assert not any(images.values())
    assert any("circuit breaker is open" in error for error in failed.values())
    # Without the breaker each image would have been asked for six times.
    requests = fake.control.stats.by_endpoint["tmdb.image"]
    assert requests < len(images), requests
    assert job.progress["done"] == job.progress["total"] == len(images)
    assert job.progress["counters"] == {"failed": len(images)}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system that holds a few images only (a tmpfs), made larger on demand."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


async def test_an_attempt_that_ends_half_way_keeps_what_it_stored(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    small_disk: Path,
) -> None:
    """The disk fills up after a few images, which fails the attempt (a full disk fails every
    image alike). The images stored before are kept and counted; once there is room, the next
    attempt fetches only the others."""
    root = tmp_path / "movies"
    write_movies(root, fake)
    # Attempts come quickly, and many: the disk is made larger while they fail.
    jobs = fast_settings(kinds={ARTWORK_KIND: JobKindSettings(max_attempts=1_000)})
    settings = settings_with(provider_settings, database_url, small_disk, jobs=jobs)
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", root)
        await api.client.post(f"/api/libraries/{library}/scan", headers=token)

        async def disk_full() -> JobView | None:
            jobs = await api.services.jobs.list_jobs(kind=ARTWORK_KIND)
            if jobs and jobs[0].error and "No space left" in jobs[0].error:
                return jobs[0]
            return None

        await eventually(disk_full, what="the artwork job to fill the disk")
        before = {path for path, local in (await chosen_images(api)).items() if local}
        remount = ["mount", "-o", "remount,size=16m", str(small_disk)]
        await asyncio.to_thread(subprocess.run, remount, check=True)
        await settled(api)
        job = await artwork_job(api)
        images = await chosen_images(api)

    assert job.state == JobState.SUCCEEDED, job.error
    assert job.attempts >= 2
    assert all(images.values())
    assert 0 < len(before) < len(images)
    # What the first attempt stored was fetched once; the others at least once.
    ok = fake.control.stats.ok_by_path
    assert {ok[path] for path in before} == {1}
    assert all(ok[path] >= 1 for path in images)
    assert job.progress["done"] == job.progress["total"] == len(images)
    assert job.progress["counters"] == {"ok": len(images)}


@given(
    st.lists(st.integers(1, 10_000), unique=True, max_size=30).flatmap(
        lambda ids: st.tuples(
            st.just(sorted(ids)),
            st.permutations(ids),
            st.lists(st.booleans(), min_size=len(ids), max_size=len(ids)),
        )
    )
)
def test_a_checkpoint_resumes_exactly_what_is_unfinished(
    case: tuple[list[int], list[int], list[bool]],
) -> None:
    """Images finish in any order, some failed: after each, a resumed attempt would try exactly
    those not finished yet (the stored ones are no longer pending; the failed ones are after
    the checkpoint's `after` and in its `failed`, or not after it)."""
    ids, order, failures = case
    progress = RoundProgress(ids, 0, set())
    finished: set[int] = set()
    for image, failed in zip(order, failures, strict=True):
        progress.finish([image], failed=failed)
        finished.add(image)
        checkpoint = progress.checkpoint()
        failed_after = set(checkpoint["failed"])
        tried_again = {
            i
            for i in ids
            if i > checkpoint["after"]
            and i not in failed_after
            and not (i in finished and i not in progress.failed)
        }
        assert tried_again == set(ids) - finished
        assert failed_after <= progress.failed


def test_a_resumed_round_skips_the_images_that_failed_before() -> None:
    # The checkpoint said: all finished up to 10, and 15 failed; 12 is still to do.
    progress = RoundProgress([12, 15, 20], 10, {15})
    assert progress.checkpoint() == {"after": 10, "failed": [15]}
    progress.finish([12], failed=False)
    assert progress.checkpoint() == {"after": 15, "failed": []}
    progress.finish([20], failed=True)
    assert progress.checkpoint() == {"after": 20, "failed": []}
