"""Collections and trailers end to end: a library scanned and enriched from the fake TMDb, its
collections through the API and the web page, each caller seeing their libraries only, on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reelhouse.config import Settings
from reelhouse.testing.fake_providers.app import FakeProviders
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled, touch
from tests.support import Api, bearer
from tests.test_web import log_in

#: Movies of the fake TMDb: 6 and 9 make its collection 2, 12 and 15 its collection 3, 3 alone
#: its collection 1; 1 is in none.
SHOWN = (1, 6, 12, 15)
HIDDEN = (3, 9)


@dataclass
class Scanned:
    api: Api
    admin: dict[str, str]
    plain: dict[str, str]
    shown: int
    hidden: int
    movies: dict[int, int]  # by TMDb id
    collections: dict[int, int]  # by TMDb id


def write_movies(root: Path, fake: FakeProviders, tmdb_ids: tuple[int, ...]) -> None:
    for tmdb_id in tmdb_ids:
        movie = fake.catalogue.movie(tmdb_id)
        assert movie is not None
        name = f"{movie.title} ({movie.year})"
        touch(root / name / f"{name}.mkv")


async def by_tmdb(api: Api, token: dict[str, str], path: str, **query: int) -> dict[int, int]:
    response = await api.client.get(path, params={"limit": 200, **query}, headers=token)
    assert response.status_code == 200, response.text
    return {int(i["provider_ids"]["tmdb"]): i["id"] for i in response.json()["items"]}


@pytest.fixture
async def scanned(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> AsyncIterator[Scanned]:
    write_movies(tmp_path / "shown", fake, SHOWN)
    write_movies(tmp_path / "hidden", fake, HIDDEN)
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, admin):
        shown = await add_library(api, admin, "Movies", "movies", tmp_path / "shown")
        hidden = await add_library(api, admin, "Other", "movies", tmp_path / "hidden")
        for library_id in (shown, hidden):
            response = await api.client.post(f"/api/libraries/{library_id}/scan", headers=admin)
            assert response.status_code == 202, response.text
            await settled(api)
        plain = bearer(await api.token_for("kid"))
        me = (await api.client.get("/api/users/me", headers=plain)).json()
        await api.services.users.set_user_libraries(me["id"], [shown])
        yield Scanned(
            api,
            admin,
            plain,
            shown,
            hidden,
            await by_tmdb(api, admin, "/api/movies"),
            await by_tmdb(api, admin, "/api/collections"),
        )


def parts(body: dict[str, Any]) -> list[tuple[str | None, bool]]:
    return [(p["tmdb_id"], p["in_library"]) for p in body["parts"]]


async def test_collections_list_their_movies_in_order_and_the_missing_ones(
    scanned: Scanned,
) -> None:
    api, admin = scanned.api, scanned.admin
    assert sorted(scanned.collections) == [1, 2, 3]
    assert sorted(scanned.movies) == sorted(SHOWN + HIDDEN)

    response = await api.client.get(f"/api/collections/{scanned.collections[2]}", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "collection"
    assert body["overview"].startswith("Every film of the")
    assert parts(body) == [("6", True), ("9", True)]  # release order: 6 is older
    assert [m["id"] for m in body["movies"]] == [scanned.movies[6], scanned.movies[9]]
    assert body["parts"][0]["item"]["id"] == scanned.movies[6]

    # A plain user sees the collections of their libraries, with their movies only: the one
    # in a library hidden from them is as missing as one in no library.
    plain = scanned.plain
    assert sorted(await by_tmdb(api, plain, "/api/collections")) == [2, 3]
    mine = await api.client.get(f"/api/collections/{scanned.collections[2]}", headers=plain)
    assert parts(mine.json()) == [("6", True), ("9", False)]
    assert mine.json()["parts"][1]["item"] is None
    assert [m["id"] for m in mine.json()["movies"]] == [scanned.movies[6]]
    alone = await api.client.get(f"/api/collections/{scanned.collections[1]}", headers=plain)
    assert alone.status_code == 404

    in_hidden = await by_tmdb(api, admin, "/api/collections", library_id=scanned.hidden)
    assert sorted(in_hidden) == [1, 2]


async def test_movie_listings_filter_by_collection(scanned: Scanned) -> None:
    api = scanned.api
    collection = scanned.collections[3]
    found = await by_tmdb(api, scanned.admin, "/api/movies", collection_id=collection)
    assert sorted(found) == [12, 15]
    two = scanned.collections[2]
    assert sorted(await by_tmdb(api, scanned.plain, "/api/movies", collection_id=two)) == [6]


async def test_trailer_links_are_stored_and_shown(scanned: Scanned) -> None:
    api = scanned.api
    movie_id = scanned.movies[6]
    details = (await api.client.get(f"/api/movies/{movie_id}", headers=scanned.admin)).json()
    assert details["trailers"] == [
        {
            "site": "youtube",
            "key": "yt6",
            "kind": "trailer",
            "name": "Official Trailer",
            "language": "en",
            "url": "https://www.youtube.com/watch?v=yt6",
        }
    ]


async def test_web_pages_of_collections_and_trailers(scanned: Scanned) -> None:
    api = scanned.api
    await log_in(api, "ann")
    me = (await api.client.get("/api/users/me")).json()
    await api.services.users.set_user_libraries(me["id"], [scanned.shown])
    two, three = scanned.collections[2], scanned.collections[3]

    page = await api.client.get(f"/collections/{two}")
    assert page.status_code == 200, page.text
    assert "Every film of the" in page.text
    assert f'href="/movies/{scanned.movies[6]}"' in page.text
    assert page.text.count(">Missing</span>") == 1  # movie 9, in a library ann may not see
    hidden = await api.client.get(f"/collections/{scanned.collections[1]}")
    assert hidden.status_code == 404

    listed = await api.client.get(f"/libraries/{scanned.shown}/collections")
    assert listed.status_code == 200
    assert f'href="/collections/{two}"' in listed.text
    assert f'href="/collections/{three}"' in listed.text
    assert f'href="/collections/{scanned.collections[1]}"' not in listed.text

    grid = await api.client.get(f"/libraries/{scanned.shown}", params={"collection": three})
    assert grid.status_code == 200
    assert f'<option value="{three}" selected>' in grid.text
    shown = {f'href="/movies/{scanned.movies[i]}"' in grid.text for i in (12, 15)}
    assert shown == {True}
    assert f'href="/movies/{scanned.movies[6]}"' not in grid.text

    movie = await api.client.get(f"/movies/{scanned.movies[6]}")
    assert 'href="https://www.youtube.com/watch?v=yt6"' in movie.text
    assert 'rel="noopener noreferrer external"' in movie.text
    assert f'href="/collections/{two}"' in movie.text
    assert "youtube.com/embed" not in movie.text
    assert "<iframe" not in movie.text
    csp = movie.headers["content-security-policy"]
    assert "youtube" not in csp


async def test_an_nfo_set_without_provider_makes_a_collection_by_name(
    provider_settings: Callable[..., Settings], database_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "home"
    for title in ("Our Wedding", "Our Honeymoon"):
        folder = root / f"{title} (2001)"
        touch(folder / f"{title} (2001).mkv")
        nfo = f"<movie><title>{title}</title><set><name>Family Films</name></set></movie>"
        touch(folder / "movie.nfo", nfo.encode())
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, admin):
        library = await add_library(api, admin, "Home", "movies", root)
        response = await api.client.post(f"/api/libraries/{library}/scan", headers=admin)
        assert response.status_code == 202, response.text
        await settled(api)
        listed = (await api.client.get("/api/collections", headers=admin)).json()["items"]
        assert [c["title"] for c in listed] == ["Family Films"]
        body = (await api.client.get(f"/api/collections/{listed[0]['id']}", headers=admin)).json()
        assert sorted(p["title"] for p in body["parts"]) == ["Our Honeymoon", "Our Wedding"]
        assert all(p["in_library"] and p["tmdb_id"] is None for p in body["parts"])
