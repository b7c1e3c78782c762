"""Write-back with the real server, workers and fake providers, on SQLite and PostgreSQL: a
library scanned and enriched, written back (Kodi NFO files and the chosen artwork beside the
media), then rescanned into a new, empty database with the NFO files as the only metadata
provider, gives the same catalogue, the same images and the same viewing history; a foreign
NFO is left alone unless the library says so; writing again changes no file; a read-only
folder fails its own files only, with the path, and leaves nothing half-written."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reelhouse.config import MetadataSettings, Settings, WatchSettings
from reelhouse.content.catalogue.models import Item
from reelhouse.infra.jobs.models import JobState
from reelhouse.infra.jobs.views import JobView
from reelhouse.ingest.editing import ItemChanges
from reelhouse.ingest.writeback.repository import WriteBackRepository
from reelhouse.kinds import ItemKind
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.users.repository import UserRepository
from reelhouse.watch.repository import StateWrite, WatchRepository
from tests.conftest import TemplateCopies, migrated_database
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled, touch
from tests.support import Api
from tests.test_nfo_writer import read_only

WRITE_ALL = {"write_nfo": True, "write_artwork": True, "nfo_watch_user": "ana"}
PLAYED_AT = datetime(2025, 3, 1, 20, 30, 15, tzinfo=UTC)


@pytest.fixture
async def second_database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, postgres_copies: TemplateCopies
) -> AsyncIterator[str]:
    """Another new database, migrated and empty (the rescan's)."""
    path = tmp_path / "second.db"
    async with migrated_database(backend, path, sqlite_template, postgres_copies) as url:
        yield url


def build_library(root: Path, fake: FakeProviders) -> dict[str, Path]:
    """Two movies (one in a collection), a series with two season folders and a file holding
    two episodes."""
    movies = [fake.catalogue.movie(3), fake.catalogue.movie(4)]
    show = fake.catalogue.series(1)
    assert show is not None
    paths: dict[str, Path] = {}
    for movie in movies:
        assert movie is not None
        name = f"{movie.title} ({movie.year})"
        paths[f"movie{movie.id}"] = root / "movies" / name / f"{name}.mkv"
    series = root / "tv" / f"{show.title} ({show.year})"
    paths["series"] = series
    base = f"{show.title} ({show.year})"
    paths["e1"] = series / "Season 01" / f"{base} - S01E01.mkv"
    paths["e2"] = series / "Season 01" / f"{base} - S01E02-E03.mkv"
    paths["e4"] = series / "Season 02" / f"{base} - S02E01.mkv"
    for key, path in paths.items():
        if key != "series":
            touch(path)
    return paths


def settings_for(
    provider_settings: Callable[..., Settings],
    database_url: str,
    data_dir: Path,
    *,
    nfo_only: bool = False,
) -> Settings:
    metadata = MetadataSettings(movie_providers=["nfo"], series_providers=["nfo"])
    return pipeline_settings(
        provider_settings,
        database_url,
        data_dir,
        **({"metadata": metadata} if nfo_only else {}),
        watch=WatchSettings(nfo_import_user="ana"),
    )


async def set_write_back(api: Api, token: dict[str, str], library: int, **change: Any) -> None:
    response = await api.client.patch(
        f"/api/libraries/{library}", json={"write_back": change}, headers=token
    )
    assert response.status_code == 200, response.text
    assert {k: response.json()["write_back"][k] for k in change} == change


async def write_back(api: Api, token: dict[str, str], library: int) -> JobView:
    response = await api.client.post(f"/api/libraries/{library}/write-back", headers=token)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    await settled(api)
    return await api.services.jobs.get(job_id)


async def scan(api: Api, token: dict[str, str], library: int) -> None:
    response = await api.client.post(f"/api/libraries/{library}/scan", headers=token)
    assert response.status_code == 202, response.text
    for job in await settled(api):
        assert job.state == JobState.SUCCEEDED, (job.kind, job.error)


async def catalogue(api: Api) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every movie, series, season and episode as write-back says it (and its collection), by
    what identifies it across databases."""
    async with api.services.users.database.read() as session:
        items = {
            item.id: item
            for item in await session.scalars(
                select(Item).where(Item.kind != ItemKind.COLLECTION, Item.deleted_at.is_(None))
            )
        }
        repository = WriteBackRepository(session)
        facts = await repository.facts(items)
        collections = await repository.collections(
            {f.collection_id for f in facts.values() if f.collection_id}
        )
    found = {}
    for item_id, fact in facts.items():
        parent = items[item_id].series_id or items[item_id].parent_id
        owner = (items[parent].title,) if parent else ()
        key = (fact.kind.value, *owner, fact.parent_index_number, fact.index_number, fact.title)
        entry = asdict(fact)
        for unstable in ("id", "collection_id", "crew", "images"):
            entry.pop(unstable)
        entry["collection"] = collections.get(fact.collection_id or 0)
        found[key] = entry
    return found


async def user_id(api: Api, username: str) -> int:
    async with api.services.users.database.read() as session:
        user = await UserRepository(session).find_by_username(username)
    assert user is not None
    return user.id


async def watch_of(api: Api, username: str) -> dict[str, tuple[Any, ...]]:
    user = await user_id(api, username)
    async with api.services.users.database.read() as session:
        titles = {i.id: i.title for i in await session.scalars(select(Item))}
        states = await WatchRepository(session).states(user, titles)
    return {
        titles[item_id]: (s.played, s.play_count, s.last_played_at, s.position_ms)
        for item_id, s in states.items()
    }


async def served(api: Api, token: dict[str, str]) -> dict[tuple[str, str], bytes]:
    """The bytes of every image each movie, series, season and episode shows, by its title
    (and its series') and kind."""
    async with api.services.users.database.read() as session:
        items = list(
            await session.scalars(
                select(Item).where(Item.kind != ItemKind.COLLECTION, Item.deleted_at.is_(None))
            )
        )
    titles = {item.id: item.title for item in items}
    found = {}
    for item in items:
        owner = titles.get(item.series_id or item.parent_id or 0, "")
        for kind in ("poster", "backdrop", "logo", "still"):
            response = await api.client.get(f"/api/items/{item.id}/images/{kind}", headers=token)
            if response.status_code == 200:
                found[label(owner, item), kind] = response.content
            else:
                assert response.status_code == 404, response.text
    return found


async def shown_titles(api: Api) -> set[str]:
    async with api.services.users.database.read() as session:
        items = list(await session.scalars(select(Item)))
    titles = {item.id: item.title for item in items}
    return {label(titles.get(i.series_id or i.parent_id or 0, ""), i) for i in items}


def label(owner: str, item: Item) -> str:
    """An item by its title, numbers and series', the same in both databases."""
    return f"{owner}/{item.parent_index_number}/{item.index_number}/{item.title}"


def files_below(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


async def test_a_library_written_back_rescans_into_the_same_catalogue(
    provider_settings: Callable[..., Settings],
    database_url: str,
    second_database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    media = tmp_path / "media"
    paths = build_library(media, fake)
    first = settings_for(provider_settings, database_url, tmp_path / "data")
    async with running_server(first) as (api, token):
        await api.token_for("ana")
        ana = await user_id(api, "ana")
        movies = await add_library(api, token, "Movies", "movies", media / "movies")
        shows = await add_library(api, token, "TV", "tv", media / "tv")
        await scan(api, token, movies)
        await scan(api, token, shows)
        # Ana's history: a movie played twice, an episode half watched.
        async with api.services.users.database.read() as session:
            ids = {i.title: i.id for i in await session.scalars(select(Item))}
            kinds = {
                i.id: (i.kind, i.parent_index_number, i.index_number)
                for i in await session.scalars(select(Item))
            }
        movie3 = fake.catalogue.movie(3)
        assert movie3 is not None
        pilot = next(i for i, k in kinds.items() if k == (ItemKind.EPISODE, 1, 1))
        async with api.services.users.database.transaction() as session:
            await WatchRepository(session).write_states(
                [
                    StateWrite(ana, ids[movie3.title], None, None, True, 2, PLAYED_AT),
                    StateWrite(ana, pilot, 600_000, PLAYED_AT, False, 0, None),
                ]
            )
        # Tags an admin gave a movie by hand.
        await api.services.editor.edit(
            ids[movie3.title], ItemChanges(tags=["Box set", "Seen in 35 mm"])
        )
        before = await catalogue(api)
        assert before[("movie", None, None, movie3.title)]["tags"] == ["Box set", "Seen in 35 mm"]
        images = await served(api, token)
        history = await watch_of(api, "ana")
        assert len(history) == 2
        collection = next(e["collection"] for e in before.values() if e["collection"])
        assert collection[1], "the fake's collection has an overview"
        assert any(e["cast"] for e in before.values())
        assert any(e["ratings"] for e in before.values())

        # Nothing is written until the library asks for it.
        response = await api.client.post(f"/api/libraries/{movies}/write-back", headers=token)
        assert response.status_code == 422, response.text
        assert list((media / "movies").rglob("*.nfo")) == []
        for library in (movies, shows):
            await set_write_back(api, token, library, **WRITE_ALL)
            job = await write_back(api, token, library)
            assert job.state == JobState.SUCCEEDED, job.error
            assert job.progress["counters"].get("failed", 0) == 0, job.progress
        written = files_below(media)
        stem = paths["movie3"].with_suffix("").relative_to(media)
        series = paths["series"].relative_to(media)
        for expected in (
            stem.with_suffix(".nfo"),
            f"{stem}-poster.jpg",
            f"{stem}-fanart.jpg",
            series / "tvshow.nfo",
            series / "poster.jpg",
            series / "season01-poster.jpg",
            series / "Season 01" / "season.nfo",
            paths["e1"]
            .with_suffix("")
            .relative_to(media)
            .with_name(paths["e1"].stem + "-thumb.jpg"),
        ):
            assert str(expected) in written, expected
        two = written[str(paths["e2"].with_suffix(".nfo").relative_to(media))][0]
        assert two.count(b"<episodedetails>") == 2
        assert not [name for name in written if name.endswith(".tmp")]

    # A new, empty database; the NFO files are the only metadata there is.
    second = settings_for(provider_settings, second_database_url, tmp_path / "data2", nfo_only=True)
    async with running_server(second) as (api, token):
        await api.token_for("ana")
        movies = await add_library(api, token, "Movies", "movies", media / "movies")
        shows = await add_library(api, token, "TV", "tv", media / "tv")
        await scan(api, token, movies)
        await scan(api, token, shows)
        after = await catalogue(api)
        # The providers list episodes the library has no file of; the files' NFOs do not.
        on_disk = {(1, 1), (1, 2), (1, 3), (2, 1)}
        before = {k: v for k, v in before.items() if k[0] != "episode" or k[2:4] in on_disk}
        assert after.keys() == before.keys()
        for key, entry in before.items():
            differing = {k: (v, after[key][k]) for k, v in entry.items() if after[key][k] != v}
            assert not differing, key
        again, present = await served(api, token), await shown_titles(api)
        images = {k: v for k, v in images.items() if k[0] in present}
        # A file holding two episodes has one thumb (its first episode's), which both show.
        show = series_title(before)
        images[f"{show}/1/3/Episode 3", "still"] = images[f"{show}/1/2/Episode 2", "still"]
        assert again == images
        assert await watch_of(api, "ana") == history
        # Rescanned, nothing moved.
        assert files_below(media) == written


def series_title(found: dict[tuple[Any, ...], dict[str, Any]]) -> str:
    return next(str(key[-1]) for key in found if key[0] == "series")


async def test_foreign_files_a_second_run_and_a_read_only_folder(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    media = tmp_path / "media"
    paths = build_library(media, fake)
    settings = settings_for(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        movies = await add_library(api, token, "Movies", "movies", media / "movies")
        shows = await add_library(api, token, "TV", "tv", media / "tv")
        await scan(api, token, movies)
        await scan(api, token, shows)
        hand_made = b"<movie><title>Curated by hand</title></movie>"
        foreign = paths["movie4"].with_suffix(".nfo")
        touch(foreign, hand_made)
        # What a write-back killed mid-write left (an hour old) goes with the next one.
        leftover = paths["movie3"].with_name(f".{paths['movie3'].stem}.nfo.reelhouse-0a1b2c3d.tmp")
        touch(leftover, b"<movie><ti")
        hour_ago = time.time() - 3600
        os.utime(leftover, (hour_ago, hour_ago))

        # A file reelhouse did not write is left alone, and reported as skipped.
        await set_write_back(api, token, movies, write_nfo=True, write_artwork=True)
        job = await write_back(api, token, movies)
        assert job.state == JobState.SUCCEEDED, job.error
        assert job.progress["counters"]["skipped"] == 1, job.progress
        assert job.progress["counters"]["written"] >= 3, job.progress
        assert foreign.read_bytes() == hand_made
        assert b"<uniqueid" in paths["movie3"].with_suffix(".nfo").read_bytes()
        assert not leftover.exists()

        # Again: nothing to write, no file touched.
        before = files_below(media)
        job = await write_back(api, token, movies)
        counters = job.progress["counters"]
        assert counters.get("written", 0) == 0, counters
        assert counters["unchanged"] >= 3, counters
        assert files_below(media) == before

        # The library allows it: the foreign file is replaced (and reelhouse's from then on).
        await set_write_back(api, token, movies, overwrite_foreign_files=True)
        job = await write_back(api, token, movies)
        assert job.progress["counters"]["written"] == 1, job.progress
        assert b"<uniqueid" in foreign.read_bytes()

        # After the library's next scan, write-back follows its artwork by itself.
        paths["movie3"].with_suffix(".nfo").unlink()
        await scan(api, token, movies)
        assert paths["movie3"].with_suffix(".nfo").is_file()

        # One item on demand.
        paths["movie3"].with_suffix(".nfo").unlink()
        title = fake.catalogue.movie(3).title  # type: ignore[union-attr]
        async with api.services.users.database.read() as session:
            movie3 = await session.scalar(select(Item.id).where(Item.title == title))
        response = await api.client.post(f"/api/items/{movie3}/write-back", headers=token)
        assert response.status_code == 202, response.text
        job = await api.services.jobs.get(response.json()["id"])
        await settled(api)
        job = await api.services.jobs.get(job.id)
        assert job.state == JobState.SUCCEEDED, job.error
        assert job.progress["counters"]["written"] == 1, job.progress

        # A read-only season folder: its files fail, each with its path; the rest is written;
        # nothing half-written is left.
        season2 = paths["e4"].parent
        await set_write_back(api, token, shows, write_nfo=True, write_artwork=True)
        with read_only(season2):
            job = await write_back(api, token, shows)
        assert job.state == JobState.SUCCEEDED, job.error
        failures, total = await api.services.jobs.failures(job.id)
        assert total == 3, failures  # the season's NFO, the episode's and its thumb
        for failure in failures:
            assert failure.item.startswith(str(season2) + "/"), failure
            assert failure.item in failure.error, failure
            assert "Operation not permitted" in failure.error, failure
        assert sorted(p.name for p in season2.iterdir()) == [paths["e4"].name]
        assert (paths["series"] / "tvshow.nfo").is_file()
        assert paths["e1"].with_suffix(".nfo").is_file()
        assert not list(media.rglob("*.tmp"))
        # Writable again: the next run writes what failed.
        job = await write_back(api, token, shows)
        assert job.progress["counters"]["written"] == 3, job.progress
        assert paths["e4"].with_suffix(".nfo").is_file()

        # A viewing-history user that is no user's: said once, the files written without.
        await set_write_back(api, token, shows, nfo_watch_user="nobody")
        job = await write_back(api, token, shows)
        assert job.state == JobState.SUCCEEDED, job.error
        failures, total = await api.services.jobs.failures(job.id)
        assert [(f.item, f.error) for f in failures] == [
            ("nfo_watch_user 'nobody'", "no such user: no history written")
        ]
        assert b"<playcount>" not in paths["e1"].with_suffix(".nfo").read_bytes()
