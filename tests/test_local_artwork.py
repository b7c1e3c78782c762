"""A library curated with tinyMediaManager-style artwork beside its media, scanned with the real
server, workers and fake providers on SQLite and PostgreSQL: the API serves exactly the local
images (the very bytes, resized on request), the provider's when the library says so or when the
local file goes, a changed file after a rescan, and bad files are skipped and reported."""

from __future__ import annotations

import hashlib
import io
import os
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image as PILImage
from sqlalchemy import select

from reelhouse.config import ImagesSettings, ScanSettings, Settings
from reelhouse.content.catalogue.artwork import LOCAL_PROVIDER
from reelhouse.content.catalogue.models import Image, Item
from reelhouse.infra.jobs.models import JobState
from reelhouse.infra.jobs.views import JobView
from reelhouse.ingest.artwork import ARTWORK_KIND
from reelhouse.kinds import ItemKind
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.server import LOOPBACK
from tests.jobs_support import eventually
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled, touch
from tests.support import Api


def picture(size: tuple[int, int], colour: tuple[int, int, int], fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    PILImage.new(mode, size, colour).save(out, format=fmt)
    return out.getvalue()


def noise(size: tuple[int, int], seed: int) -> bytes:
    """A JPEG that does not compress: large for its size."""
    rng = random.Random(seed)
    out = io.BytesIO()
    PILImage.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3)).save(
        out, format="JPEG", quality=95
    )
    return out.getvalue()


def bomb(side: int) -> bytes:
    """A small PNG of `side`² pixels: a decompression bomb under a low pixel limit."""
    out = io.BytesIO()
    PILImage.new("1", (side, side)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def settings_for(
    provider_settings: Callable[..., Settings], database_url: str, data_dir: Path, **images: object
) -> Settings:
    return pipeline_settings(
        provider_settings,
        database_url,
        data_dir,
        images=ImagesSettings(allowed_networks=LOOPBACK, **images),  # type: ignore[arg-type]
    )


async def rescan(api: Api, token: dict[str, str], library_id: int) -> JobView:
    """Scan the library, wait for the pipeline; the newest artwork job."""
    response = await api.client.post(f"/api/libraries/{library_id}/scan", headers=token)
    assert response.status_code == 202, response.text
    jobs = await settled(api)
    for job in jobs:
        assert job.state == JobState.SUCCEEDED, (job.kind, job.error)
    return next(job for job in jobs if job.kind == ARTWORK_KIND)


async def served(api: Api, token: dict[str, str], item_id: int, kind: str) -> bytes | None:
    response = await api.client.get(f"/api/items/{item_id}/images/{kind}", headers=token)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.content


async def provider_copy(api: Api, item_id: int, kind: str) -> str:
    """The stored file name of the provider's chosen image (what its ETag is)."""
    async with api.services.users.database.read() as session:
        path = await session.scalar(
            select(Image.local_path).where(
                Image.item_id == item_id,
                Image.kind == kind,
                Image.provider != LOCAL_PROVIDER,
                Image.selected.is_(True),
            )
        )
    assert path is not None
    return os.path.basename(path)


async def item_ids(api: Api, kind: ItemKind, **where: int) -> list[int]:
    """The items of `kind` (with these column values)."""
    async with api.services.users.database.read() as session:
        found = await session.scalars(
            select(Item.id).filter_by(kind=kind, **where).order_by(Item.id)
        )
        return list(found)


async def test_a_curated_library_shows_its_own_images(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    movie = next(t for t in fake.catalogue.library_titles() if not t.series)
    show = next(t for t in fake.catalogue.library_titles() if t.series)
    name = f"{movie.title} ({movie.year})"
    folder = tmp_path / "movies" / name
    local = {
        "poster": picture((300, 450), (200, 10, 10)),
        "backdrop": picture((640, 360), (10, 200, 10)),
        "logo": picture((400, 155), (10, 10, 200, 128), "PNG"),  # type: ignore[arg-type]
    }
    touch(folder / f"{name}.mkv")
    touch(folder / "poster.jpg", local["poster"])
    touch(folder / "fanart.jpg", local["backdrop"])
    touch(folder / "clearlogo.png", local["logo"])
    series = tmp_path / "tv" / f"{show.title} ({show.year})"
    episode = f"{show.title} ({show.year}) - S01E01"
    tv_local = {
        "series": picture((340, 500), (1, 2, 3)),
        "season": picture((340, 500), (4, 5, 6)),
        "still": picture((400, 225), (7, 8, 9)),
    }
    touch(series / "Season 01" / f"{episode}.mkv")
    touch(series / "poster.jpg", tv_local["series"])
    touch(series / "season01-poster.jpg", tv_local["season"])
    touch(series / "Season 01" / f"{episode}-thumb.jpg", tv_local["still"])

    settings = settings_for(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        movies = await add_library(api, token, "Movies", "movies", tmp_path / "movies")
        await rescan(api, token, movies)
        (movie_id,) = await item_ids(api, ItemKind.MOVIE)
        for kind, data in local.items():
            assert await served(api, token, movie_id, kind) == data, kind
        # Resized and placeholdered as a download is.
        response = await api.client.get(
            f"/api/items/{movie_id}/images/poster?width=185", headers=token
        )
        assert PILImage.open(io.BytesIO(response.content)).size == (185, 278)
        assert response.headers["etag"] == f'"{sha(local["poster"])}-185.webp"'
        # The provider's poster is stored too, and not served.
        assert sha(local["poster"]) not in await provider_copy(api, movie_id, "poster")

        shows = await add_library(api, token, "TV", "tv", tmp_path / "tv")
        await rescan(api, token, shows)
        (series_id,) = await item_ids(api, ItemKind.SERIES)
        (season_id,) = await item_ids(api, ItemKind.SEASON, index_number=1)
        (episode_id,) = await item_ids(api, ItemKind.EPISODE, parent_index_number=1, index_number=1)
        assert await served(api, token, series_id, "poster") == tv_local["series"]
        assert await served(api, token, season_id, "poster") == tv_local["season"]
        assert await served(api, token, episode_id, "still") == tv_local["still"]


async def test_local_artwork_follows_the_preference_changes_and_deletes(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    movie = next(t for t in fake.catalogue.library_titles() if not t.series)
    name = f"{movie.title} ({movie.year})"
    folder = tmp_path / "movies" / name
    first = picture((300, 450), (250, 0, 0))
    touch(folder / f"{name}.mkv")
    touch(folder / "poster.jpg", first)
    logo = picture((400, 155), (10, 10, 10, 10), "PNG")  # type: ignore[arg-type]
    touch(folder / "logo.png", logo)  # a kind the provider offers none of
    settings = settings_for(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", tmp_path / "movies")
        await rescan(api, token, library)
        (movie_id,) = await item_ids(api, ItemKind.MOVIE)
        assert await served(api, token, movie_id, "poster") == first
        providers = await provider_copy(api, movie_id, "poster")

        async def etag() -> str:
            response = await api.client.get(f"/api/items/{movie_id}/images/poster", headers=token)
            return str(response.headers["etag"]).strip('"')

        # Preferring the provider's: its poster, at once (the change queues an artwork job).
        response = await api.client.patch(
            f"/api/libraries/{library}", json={"prefer_local_artwork": False}, headers=token
        )
        assert response.status_code == 200, response.text
        assert response.json()["prefer_local_artwork"] is False
        await settled(api)
        assert await etag() == providers
        assert await served(api, token, movie_id, "logo") == logo  # standing in
        # Back to local, then the poster changes: the new one after a rescan.
        response = await api.client.patch(
            f"/api/libraries/{library}", json={"prefer_local_artwork": True}, headers=token
        )
        await settled(api)
        assert await served(api, token, movie_id, "poster") == first
        second = picture((300, 450), (0, 0, 250))
        (folder / "poster.jpg").write_bytes(second)
        stat = (folder / "poster.jpg").stat()
        os.utime(folder / "poster.jpg", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        await rescan(api, token, library)
        assert await served(api, token, movie_id, "poster") == second
        # Deleted: the provider's again.
        (folder / "poster.jpg").unlink()
        await rescan(api, token, library)
        assert await etag() == providers
        async with api.services.users.database.read() as session:
            left = await session.scalars(select(Image.kind).where(Image.provider == LOCAL_PROVIDER))
            assert list(left) == ["logo"]


async def test_bad_local_images_are_skipped_and_reported(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """A poster that is no image, a fanart over the size cap and a logo that decodes into too
    many pixels: each reported on the artwork job, which succeeds; the item keeps the provider's
    images of those kinds and its good local banner."""
    movie = next(t for t in fake.catalogue.library_titles() if not t.series)
    name = f"{movie.title} ({movie.year})"
    folder = tmp_path / "movies" / name
    banner = picture((758, 140), (9, 9, 9))
    touch(folder / f"{name}.mkv")
    touch(folder / "poster.jpg", b"<html>not an image</html>")
    touch(folder / "fanart.jpg", noise((400, 400), seed=3))
    touch(folder / "clearlogo.png", bomb(2_000))
    touch(folder / "banner.jpg", banner)
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(picture((10, 10), (1, 1, 1)))
    os.symlink(outside, folder / "landscape.jpg")  # a link out of the library
    assert len(noise((400, 400), seed=3)) > 100_000
    settings = settings_for(
        provider_settings,
        database_url,
        tmp_path / "data",
        local_max_bytes=100_000,
        max_pixels=1_000_000,
    )
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", tmp_path / "movies")
        job = await rescan(api, token, library)
        failures, _ = await api.services.jobs.failures(job.id, limit=100)
        reasons = {os.path.basename(f.item): f.error for f in failures}
        assert set(reasons) == {"poster.jpg", "fanart.jpg", "clearlogo.png", "landscape.jpg"}
        assert "not an image" in reasons["poster.jpg"]
        assert "larger than 100000 bytes" in reasons["fanart.jpg"]
        assert "pixels" in reasons["clearlogo.png"]
        assert "not inside its library" in reasons["landscape.jpg"]
        assert job.progress["counters"]["failed"] == 4
        (movie_id,) = await item_ids(api, ItemKind.MOVIE)
        assert await served(api, token, movie_id, "banner") == banner
        assert await served(api, token, movie_id, "thumb") is None
        for kind in ("poster", "backdrop"):  # the provider's, served
            response = await api.client.get(f"/api/items/{movie_id}/images/{kind}", headers=token)
            assert response.headers["etag"].strip('"') == await provider_copy(api, movie_id, kind)


async def test_a_series_in_two_libraries_reads_each_file_under_its_own_roots(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """Episodes of one series under two libraries' folders are one series (the first library's):
    the thumb beside the second library's episode is read under that library's folder."""
    show = next(t for t in fake.catalogue.library_titles() if t.series)
    title = f"{show.title} ({show.year})"
    thumbs = {}
    for library, number in (("tv", 1), ("anime", 2)):
        episode = tmp_path / library / title / "Season 01" / f"{title} - S01E0{number}.mkv"
        touch(episode)
        thumbs[number] = picture((400, 225), (number, number, number))
        touch(episode.with_name(f"{episode.stem}-thumb.jpg"), thumbs[number])
    settings = settings_for(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        tv = await add_library(api, token, "TV", "tv", tmp_path / "tv")
        await rescan(api, token, tv)
        anime = await add_library(api, token, "Anime", "tv", tmp_path / "anime")
        job = await rescan(api, token, anime)
        failures, _ = await api.services.jobs.failures(job.id, limit=100)
        assert failures == []
        await rescan(api, token, tv)  # the series' own library's pass takes both
        for number, data in thumbs.items():
            (episode_id,) = await item_ids(
                api, ItemKind.EPISODE, parent_index_number=1, index_number=number
            )
            assert await served(api, token, episode_id, "still") == data, number


async def test_the_watcher_brings_a_changed_poster_in(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """A poster replaced in a watched folder is served without anyone asking for a scan."""
    movie = next(t for t in fake.catalogue.library_titles() if not t.series)
    name = f"{movie.title} ({movie.year})"
    folder = tmp_path / "movies" / name
    touch(folder / f"{name}.mkv")
    touch(folder / "poster.jpg", picture((300, 450), (1, 100, 1)))
    settings = settings_for(provider_settings, database_url, tmp_path / "data").model_copy(
        update={"scan": ScanSettings(debounce_ms=50, watch_refresh_s=0.2, full_scan_interval_s=0)}
    )
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", tmp_path / "movies")
        await rescan(api, token, library)
        (movie_id,) = await item_ids(api, ItemKind.MOVIE)
        replaced = picture((300, 450), (1, 1, 100))

        async def shown() -> bool:
            (folder / "poster.jpg").write_bytes(replaced)  # again: the watch may start late
            return await served(api, token, movie_id, "poster") == replaced

        await eventually(shown, what="the replaced poster to be served")
