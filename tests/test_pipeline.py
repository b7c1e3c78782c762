"""The scan -> match -> enrich pipeline end to end: the real server and workers, a generated
library on disk, the fake TMDb and TheTVDB, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from reelhouse.config import Settings
from reelhouse.content.catalogue.artwork import DOWNLOADED_KINDS
from reelhouse.content.catalogue.models import Credit, Image, Item, ItemGenre, MediaFileItem, Person
from reelhouse.content.movies.models import Movie
from reelhouse.content.tv.models import Episode, Series
from reelhouse.infra.jobs.models import JobState
from reelhouse.ingest.pipeline import ENRICH_KIND
from reelhouse.libraries.models import MediaFile
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import TVDB_OFFSET
from reelhouse.testing.library import GeneratedPath, generate_library, write_library
from tests.jobs_support import eventually, fast_settings
from tests.pipeline_support import (
    add_library,
    pipeline_settings,
    running_server,
    settled,
    touch,
)
from tests.support import Api

MOVIE_ROOTS = ("Movies", "Downloads")
TV_ROOTS = ("TV", "Anime")


def write_generated(root: Path, fake: FakeProviders, count: int) -> list[GeneratedPath]:
    generated = [
        g
        for g in generate_library(count, seed=7, titles=fake.catalogue.library_titles())
        if g.path.split("/", 1)[0] in MOVIE_ROOTS + TV_ROOTS
    ]
    write_library(root, generated)
    for folder in MOVIE_ROOTS + TV_ROOTS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    return generated


async def counts(api: Api) -> dict[str, int]:
    """How many rows of each kind the catalogue holds."""
    async with api.services.users.database.read() as session:
        return {
            table.__tablename__: int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in (Item, Person, Credit, ItemGenre, Image, MediaFileItem)
        }


async def scan_all(api: Api, token: dict[str, str], *library_ids: int) -> list[Any]:
    for library_id in library_ids:
        response = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
        assert response.status_code == 202, response.text
    return await settled(api)


async def test_a_generated_library_ends_matched_and_enriched(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    root = tmp_path / "library"
    generated = write_generated(root, fake, 400)
    movie_ids = {t.title: t.provider_id for t in fake.catalogue.library_titles() if not t.series}
    series_ids = {t.title: t.provider_id for t in fake.catalogue.library_titles() if t.series}
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        movies = await add_library(api, token, "Movies", "movies", *(root / r for r in MOVIE_ROOTS))
        shows = await add_library(api, token, "TV", "tv", *(root / r for r in TV_ROOTS))
        # One library after the other, so that every image is fetched exactly once: two
        # artwork jobs at once may both fetch a photo of an actor who is in both libraries.
        jobs = await scan_all(api, token, movies)
        jobs = await scan_all(api, token, shows)

        enrich_jobs = [j for j in jobs if j.kind == ENRICH_KIND]
        assert len(enrich_jobs) == 2
        for job in jobs:
            assert job.state == JobState.SUCCEEDED, (job.kind, job.error)
        for job in enrich_jobs:  # (counts are of the last attempt: a busy disk may cause two)
            counters = job.progress["counters"]
            assert counters.get("failed", 0) == counters.get("unmatched", 0) == 0, counters
            assert counters.get("matched", 0) == job.progress["done"] == job.progress["total"]

        by_path = {str(root / g.path): g.expected for g in generated}
        async with api.services.users.database.read() as session:
            links = (
                await session.execute(
                    select(MediaFile.path, MediaFileItem.extra_type, Item)
                    .join(MediaFileItem, MediaFileItem.media_file_id == MediaFile.id)
                    .join(Item, Item.id == MediaFileItem.item_id)
                )
            ).all()
            series_of = {s.id: s for s in (await session.scalars(select(Series))).all()}
            credited = await session.scalar(select(func.count()).select_from(Credit))
            genres = await session.scalar(select(func.count()).select_from(ItemGenre))
        linked: dict[str, list[tuple[str | None, Item]]] = {}
        for path, extra_type, item in links:
            linked.setdefault(path, []).append((extra_type, item))
        for path, expected in by_path.items():
            kind = expected["kind"]
            if kind == "movie":
                ((extra, movie),) = linked[path]
                assert extra is None
                assert isinstance(movie, Movie)
                assert movie.tmdb_id == movie_ids[expected["title"]], path
            elif kind == "episode":
                episodes = [item for _, item in linked[path]]
                assert all(isinstance(e, Episode) for e in episodes), path
                series = series_of[episodes[0].series_id]  # type: ignore[index]
                assert series.tmdb_id == series_ids[expected["series"]] - TVDB_OFFSET, path
                if "season" in expected:
                    # The links are read in no order (PostgreSQL's plan decides).
                    numbers = sorted((e.parent_index_number, e.index_number) for e in episodes)
                    assert numbers == sorted((expected["season"], n) for n in expected["episodes"])
            elif kind == "extra":
                assert [extra for extra, _ in linked[path]] not in ([], [None]), path
        assert credited
        assert genres

        # The chosen artwork is downloaded, each image once, and served.
        stats = fake.control.stats.by_endpoint
        async with api.services.users.database.read() as session:
            chosen = (
                await session.execute(
                    select(Image.kind, Image.local_path, Image.item_id, Image.provider_path).where(
                        Image.selected.is_(True), Image.kind.in_(DOWNLOADED_KINDS)
                    )
                )
            ).all()
        assert chosen
        assert all(local_path for _, local_path, _, _ in chosen)
        poster = next(item_id for kind, _, item_id, _ in chosen if kind == "poster")
        served = await api.client.get(f"/api/items/{poster}/images/poster", headers=token)
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("image/")
        assert stats["tmdb.image"] == len({url for _, _, _, url in chosen})

        # One detail request per movie: the cache and append_to_response do the rest.
        distinct_movies = {movie_ids[e["title"]] for e in by_path.values() if e["kind"] == "movie"}
        assert stats["tmdb.movie"] == len(distinct_movies)

        # Running the enrichment again finds nothing left to do and changes nothing.
        before, requests = await counts(api), fake.control.stats.requests
        for library_id in (movies, shows):
            await api.services.jobs.enqueue(
                ENRICH_KIND, {"library_id": library_id}, key=f"library:{library_id}"
            )
        await settled(api)
        assert await counts(api) == before
        assert fake.control.stats.requests == requests


async def movies_by_title(api: Api) -> dict[str, Movie]:
    async with api.services.users.database.read() as session:
        return {m.title: m for m in (await session.scalars(select(Movie))).all()}


async def test_local_nfo_wins_and_an_unknown_title_stays_unmatched(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    root = tmp_path / "movies"
    touch(root / "Heat (1995)" / "Heat (1995).mkv")
    touch(
        root / "Heat (1995)" / "movie.nfo",
        b"<movie><title>My Own Heat</title><uniqueid type='tmdb'>5</uniqueid></movie>",
    )
    touch(root / "Qwzx Vlorp (1987)" / "Qwzx Vlorp (1987).mkv")
    touch(root / "Qwzx Vlorp (1987)" / "Qwzx Vlorp (1987)-trailer.mkv")
    touch(root / "Broken (2001)" / "Broken (2001).mkv")
    touch(root / "Broken (2001)" / "movie.nfo", b"<movie><title>unclosed")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", root)
        jobs = await scan_all(api, token, library)
        (enrich,) = [j for j in jobs if j.kind == ENRICH_KIND]
        assert enrich.progress["counters"] == {"matched": 1, "unmatched": 2}
        found = await movies_by_title(api)
        assert set(found) == {"My Own Heat", "Qwzx Vlorp", "Broken"}
        local = found["My Own Heat"]
        assert local.tmdb_id == 5
        assert local.overview == fake.catalogue.movie(5).translations["en"].overview  # type: ignore[union-attr]
        # Unmatched items keep their names, files and extras, and are listed for review.
        listing = await api.client.get("/api/movies?matched=false", headers=token)
        assert sorted(m["title"] for m in listing.json()["items"]) == ["Broken", "Qwzx Vlorp"]
        detail = await api.client.get(f"/api/movies/{found['Qwzx Vlorp'].id}", headers=token)
        assert [f["extra_type"] for f in detail.json()["extras"]] == ["trailer"]
        assert len(detail.json()["files"]) == 1


async def test_a_provider_outage_retries_the_job_and_stores_everything_once(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    root = tmp_path / "movies"
    titles = [t for t in fake.catalogue.library_titles() if not t.series][:6]
    for t in titles:
        touch(root / f"{t.title} ({t.year})" / f"{t.title} ({t.year}).mkv")
    fake.control.configure(error_rate=1.0)
    settings = pipeline_settings(
        provider_settings,
        database_url,
        tmp_path / "data",
        providers={"breaker_open_s": 0.5},
        jobs=fast_settings(max_attempts=3),
    )
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", root)
        await api.client.post(f"/api/libraries/{library}/scan", headers=token)

        async def failed_once() -> bool:
            jobs = await api.services.jobs.list_jobs(kind=ENRICH_KIND)
            return bool(jobs) and jobs[0].attempts >= 1 and jobs[0].error is not None

        await eventually(failed_once, what="the enrichment to fail while TMDb is down")
        fake.control.configure(error_rate=0.0)
        jobs = await settled(api)
        (enrich,) = [j for j in jobs if j.kind == ENRICH_KIND]
        # Each attempt waited for the breaker to half-open, so three were plenty.
        assert enrich.state == JobState.SUCCEEDED
        assert enrich.attempts >= 2
        found = await movies_by_title(api)
        assert sorted(found) == sorted(t.title for t in titles)
        assert {m.tmdb_id for m in found.values()} == {t.provider_id for t in titles}


async def test_a_refresh_updates_in_place_and_keeps_locked_fields(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    root = tmp_path / "movies"
    title = next(t for t in fake.catalogue.library_titles() if not t.series)
    touch(root / f"{title.title} ({title.year})" / f"{title.title} ({title.year}).mkv")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", root)
        await scan_all(api, token, library)
        before = await counts(api)
        (movie,) = (await movies_by_title(api)).values()
        database = api.services.users.database
        async with database.transaction() as session:
            stored = await session.get(Movie, movie.id)
            assert stored is not None
            stored.title, stored.overview = "Renamed By Hand", "Edited by hand."
            stored.locked_fields = ["title"]
        requests = fake.control.stats.by_endpoint["tmdb.movie"]

        pipeline_jobs = api.app.state.jobs
        await pipeline_jobs.enqueue(
            "catalogue.refresh", {"item_id": movie.id, "bypass_cache": True}, key="t"
        )
        await settled(api)
        assert fake.control.stats.by_endpoint["tmdb.movie"] == requests + 1
        refreshed = (await movies_by_title(api))["Renamed By Hand"]
        assert refreshed.id == movie.id
        assert refreshed.overview == movie.overview  # not locked: TMDb's again
        assert await counts(api) == before  # credits, genres, images: updated, not recreated
