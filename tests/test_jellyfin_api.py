"""The Jellyfin-compatible API driven by jellyfin-apiclient-python (the client library behind
jellyfin-mpv-shim and the Kodi add-on, code nobody here wrote) against a small library that the
real pipeline scanned and enriched from the fake providers, on both databases: log in, list
views, page through a library, open a series, its seasons and episodes, Next Up, search, fetch
an image, mark played and favourite and see it through both APIs. Every answer is checked
against Jellyfin's own shapes (tests/data/jellyfin_schemas.json)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import requests
from jellyfin_apiclient_python import JellyfinClient

from reelhouse.app import create_app
from reelhouse.compat.jellyfin.ids import IdType, encode_id
from reelhouse.config import ServerSettings, Settings
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.library import generate_library, write_library
from reelhouse.testing.server import ThreadedServer
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled
from tests.support import PASSWORD, bearer, running_api

SCHEMAS = json.loads((Path(__file__).parent / "data" / "jellyfin_schemas.json").read_text())
SERIES = "Distant Winter Chronicles 5"
MOVIES = 5


def check(shape: str, body: Any) -> None:
    """`body` has the shape of Jellyfin's `shape`."""
    validator = jsonschema_rs.Draft7Validator({**SCHEMAS, "$ref": f"#/definitions/{shape}"})
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, (shape, errors[:5])


def write_libraries(root: Path, fake: FakeProviders) -> set[str]:
    """A few generated movies and one short series; the movies' titles."""
    generated = generate_library(300, seed=7, titles=fake.catalogue.library_titles())
    movies = [g for g in generated if g.path.startswith("Movies/")
              and g.expected.get("kind") == "movie"][:MOVIES]  # fmt: skip
    episodes = [g for g in generated if g.path.startswith("TV/")
                and g.expected.get("series") == SERIES]  # fmt: skip
    write_library(root, [*movies, *episodes])
    return {str(g.expected["title"]) for g in movies}


def connect(url: str, username: str, device: str) -> JellyfinClient:
    """A client logged in as a Jellyfin app does it: public info, then a login by name."""
    client = JellyfinClient()
    client.config.app("reelhouse-tests", "0.1", "pytest", device)
    client.config.data["auth.ssl"] = False
    state = client.auth.connect_to_address(url)
    assert state["Servers"][0]["Name"] == "reelhouse", state
    login = client.auth.login(url, username, PASSWORD)
    assert login["AccessToken"], login
    check("AuthenticationResult", login)
    return client


async def in_thread(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(call, *args, **kwargs)


async def test_a_jellyfin_client_browses_and_marks_watched(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    root = tmp_path / "library"
    titles = write_libraries(root, fake)
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, admin):
        movies_lib = await add_library(api, admin, "Movies", "movies", root / "Movies")
        tv_lib = await add_library(api, admin, "TV", "tv", root / "TV")
        for library in (movies_lib, tv_lib):
            scanned = await api.client.post(f"/api/libraries/{library}/scan", headers=admin)
            assert scanned.status_code == 202
        await settled(api)
        ann = await api.services.users.create_user("ann", PASSWORD)
        await api.services.users.set_user_libraries(ann.id, [movies_lib, tv_lib])
    # The client needs a real server: one of its own, started in its own thread and loop.
    quiet = settings.model_copy(update={"server": ServerSettings(run_workers=False)})
    with ThreadedServer(create_app(quiet), lifespan="on") as server:
        client = await in_thread(connect, server.url, "ann", "ann-tv")
        token = client.config.data["auth.token"]
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await browse(http, server.url, client.jellyfin, token, titles)
            one = await views_and_first_movie(http, token)
    # Another process over the same database gives the same ids.
    async with running_api(quiet) as second:
        assert await views_and_first_movie(second.client, token) == one


async def views_and_first_movie(http: httpx.AsyncClient, token: str) -> tuple[list[str], str, str]:
    headers = {"X-Emby-Token": token}
    views = (await http.get("/UserViews", headers=headers)).json()["Items"]
    movie = (
        await http.get(
            "/Items",
            params={"Recursive": "true", "IncludeItemTypes": "Movie", "Limit": "1"},
            headers={"Authorization": f'MediaBrowser Client="a", DeviceId="b", Token="{token}"'},
        )
    ).json()["Items"][0]
    return [v["Id"] for v in views], movie["Id"], movie["ServerId"]


async def browse(
    native_http: httpx.AsyncClient, url: str, jf: Any, token: str, titles: set[str]
) -> None:
    native = bearer(token)
    views = await in_thread(jf.get_views)
    check("BaseItemDtoQueryResult", views)
    by_type = {v["CollectionType"]: v for v in views["Items"]}
    assert sorted(by_type) == ["movies", "tvshows"]
    assert by_type["movies"]["Name"] == "Movies"

    # Page through the movies, two at a time, by name: as the native API lists them.
    listed = (await native_http.get("/api/movies", params={"limit": 50}, headers=native)).json()
    expected = [m["title"] for m in listed["items"]]
    assert len(expected) >= 3
    assert set(expected) <= titles
    names: list[str] = []
    for start in range(0, len(expected) + 2, 2):
        page = await in_thread(
            jf.get_user_items, parent_id=by_type["movies"]["Id"], include_item_types="Movie",
            recursive=True, sort_by="SortName", sort_order="Ascending", start_index=start,
            limit=2, fields="Overview,Genres,ProviderIds", enable_total_record_count=True,
        )  # fmt: skip
        check("BaseItemDtoQueryResult", page)
        assert page["TotalRecordCount"] == len(expected)
        assert page["StartIndex"] == start
        names += [item["Name"] for item in page["Items"]]
    assert names == expected
    movies = (await in_thread(
        jf.get_user_items, parent_id=by_type["movies"]["Id"], recursive=True,
        include_item_types="Movie", fields="Overview",
    ))["Items"]  # fmt: skip
    assert all(m["Type"] == "Movie" and m["MediaType"] == "Video" for m in movies)
    assert any(m.get("ImageTags", {}).get("Primary") for m in movies), movies

    # A series, its seasons and episodes.
    shows = (await in_thread(jf.get_user_items, parent_id=by_type["tvshows"]["Id"]))["Items"]
    assert [s["Name"] for s in shows] == [SERIES]
    series = shows[0]
    seasons = await in_thread(jf.get_seasons, series["Id"])
    check("BaseItemDtoQueryResult", seasons)
    assert seasons["Items"]
    assert all(s["SeriesId"] == series["Id"] for s in seasons["Items"])
    season = seasons["Items"][0]
    episodes = await in_thread(jf.get_episodes, series["Id"], season_id=season["Id"])
    check("BaseItemDtoQueryResult", episodes)
    assert len(episodes["Items"]) >= 2
    first, second = episodes["Items"][:2]
    assert (first["SeasonId"], first["SeriesName"]) == (season["Id"], SERIES)
    assert first["IndexNumber"] < second["IndexNumber"]
    # Latest of the TV view: the series stands for its new episodes, their number its
    # ChildCount, as Jellyfin groups them; ungrouped, the newest episodes themselves.
    all_episodes = await in_thread(jf.get_episodes, series["Id"])
    latest = await in_thread(jf.get_recently_added, parent_id=by_type["tvshows"]["Id"])
    check("BaseItemDtoList", latest)
    assert [(i["Id"], i["Type"]) for i in latest] == [(series["Id"], "Series")]
    assert latest[0]["ChildCount"] == all_episodes["TotalRecordCount"]
    ungrouped = await native_http.get(
        "/Items/Latest", headers={"X-Emby-Token": token},
        params={"ParentId": by_type["tvshows"]["Id"], "GroupItems": "false", "Limit": "2"},
    )  # fmt: skip
    check("BaseItemDtoList", ungrouped.json())
    assert [i["Type"] for i in ungrouped.json()] == ["Episode", "Episode"]
    detail = await in_thread(jf.get_item, first["Id"])
    check("BaseItemDto", detail)
    assert detail["UserData"]["Played"] is False

    # Played through the Jellyfin API: seen by both, and Next Up moves on.
    await in_thread(jf.item_played, first["Id"], True)
    again = await in_thread(jf.get_item, first["Id"])
    assert again["UserData"]["Played"] is True
    assert again["UserData"]["PlayCount"] == 1
    row_id = int(first["Id"][16:], 16)
    state = (await native_http.get(f"/api/me/items/{row_id}/state", headers=native)).json()
    assert state["played"] is True
    next_up = await in_thread(jf.get_next, limit=5)
    check("BaseItemDtoQueryResult", next_up)
    assert [e["Id"] for e in next_up["Items"]] == [second["Id"]]

    # A favourite, through the older route the client uses; seen by both APIs.
    movie = movies[0]
    await in_thread(jf.favorite, movie["Id"], True)
    favourites = (await native_http.get("/api/me/favourites", headers=native)).json()
    assert [f["item"]["title"] for f in favourites] == [movie["Name"]]
    marked = await in_thread(
        jf.get_user_items, recursive=True, filters="IsFavorite", include_item_types="Movie"
    )
    assert [m["Id"] for m in marked["Items"]] == [movie["Id"]]

    # Resume: a position reported natively is the client's resume point.
    resumed = movies[1]
    resumed_row = int(resumed["Id"][16:], 16)
    runtime_s = resumed["RunTimeTicks"] / 10_000_000
    progress = await native_http.post(
        f"/api/me/items/{resumed_row}/progress",
        json={"position_s": runtime_s / 2, "stopped": True}, headers=native,
    )  # fmt: skip
    assert progress.status_code == 204
    resume = await in_thread(jf.get_resume_items)
    check("BaseItemDtoQueryResult", resume)
    assert [r["Id"] for r in resume["Items"]] == [resumed["Id"]]
    ticks = resume["Items"][0]["UserData"]["PlaybackPositionTicks"]
    assert abs(ticks - runtime_s / 2 * 10_000_000) < 10_000_000

    # Search.
    found = await in_thread(jf.search_media_items, term=movie["Name"], media="Movie")
    assert movie["Id"] in [m["Id"] for m in found["Items"]]

    # An image, by the URL the client makes; public, as Jellyfin's are.
    tagged = next(m for m in movies if m.get("ImageTags", {}).get("Primary"))
    image_url = jf.image_url(tagged["Id"], max_width=300, tag=tagged["ImageTags"]["Primary"],
                             include_apikey=False)  # fmt: skip
    image = await in_thread(requests.get, image_url, timeout=30)
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/")

    await schemas_of_the_rest(url, token, movie, series)
    await several_values(url, token)


async def several_values(url: str, token: str) -> None:
    """`Genres` (`|` between them) and `PersonIds` (commas) with two values each: the movies
    with any of them, as Jellyfin lists them. The second value is one whose movies are not all
    the first one's, or else one no movie has (all of them would list nothing)."""
    headers = {"Authorization": f'MediaBrowser Client="t", DeviceId="d", Token="{token}"'}
    movie_query = {"Recursive": "true", "IncludeItemTypes": "Movie"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        found = await http.get("/Items", params={**movie_query, "Fields": "Genres,People,SortName"})
        movies = found.json()["Items"]
        of: dict[str, tuple[Callable[[dict[str, Any]], set[str]], str, str]] = {
            "Genres": (lambda m: set(m.get("Genres") or ()), "Western", "|"),
            "PersonIds": (
                lambda m: {p["Id"] for p in m.get("People") or ()},
                encode_id(IdType.PERSON, 10**12),
                ",",
            ),
        }
        for name, (values, absent, separator) in of.items():
            having = {v: {m["Id"] for m in movies if v in values(m)} for m in movies
                      for v in values(m)}  # fmt: skip
            first = sorted(values(movies[0]))[0]
            others = [v for v, ids in sorted(having.items()) if not ids <= having[first]]
            second = others[0] if others else absent
            expected = having[first] | having.get(second, set())
            listed = await http.get(
                "/Items", params={**movie_query, name: f"{first}{separator}{second}"}
            )
            check("BaseItemDtoQueryResult", listed.json())
            assert {m["Id"] for m in listed.json()["Items"]} == expected, name
            assert listed.json()["TotalRecordCount"] == len(expected)
            if name == "Genres":  # the same by the ids `/Genres` gives them
                genre_ids = {
                    g["Name"]: g["Id"] for g in (await http.get("/Genres")).json()["Items"]
                }
                by_ids = await http.get("/Items", params={
                    **movie_query, "GenreIds": ",".join(genre_ids[g] for g in (first, second)
                                                        if g in genre_ids)})  # fmt: skip
                assert {m["Id"] for m in by_ids.json()["Items"]} == expected
        unknown_genre = await http.get("/Items", params={**movie_query, "GenreIds": "0" * 32})
        assert unknown_genre.json()["Items"] == []
        bad_genre = await http.get("/Items", params={**movie_query, "GenreIds": "western"})
        assert bad_genre.status_code == 400
        await alphabet(http, movie_query, movies)


async def alphabet(
    http: httpx.AsyncClient, movie_query: dict[str, str], movies: list[dict[str, Any]]
) -> None:
    """An alphabet picker's filters, on the sort name (case and a leading "The" aside)."""
    sort_names = {m["Id"]: m["SortName"] for m in movies}
    letter = sorted(sort_names.values())[len(sort_names) // 2][0]
    for parameter, keeps in (
        ("NameStartsWith", lambda n: n.startswith(letter)),
        ("NameStartsWithOrGreater", lambda n: n >= letter),
        ("NameLessThan", lambda n: n < letter),
    ):
        listed = await http.get("/Items", params={**movie_query, parameter: letter.upper()})
        expected = {i for i, n in sort_names.items() if keeps(n)}
        assert {m["Id"] for m in listed.json()["Items"]} == expected, parameter
        assert 0 < len(expected) < len(movies) or parameter != "NameStartsWith"
    the = await http.get("/Items", params={**movie_query, "NameStartsWith": f"The {letter}"})
    assert {m["Id"] for m in the.json()["Items"]} == {
        i for i, n in sort_names.items() if n.startswith(letter)
    }


async def schemas_of_the_rest(
    url: str, token: str, movie: dict[str, Any], series: dict[str, Any]
) -> None:
    """Routes the client library does not call, by plain HTTP, against Jellyfin's shapes."""
    headers = {"Authorization": f'MediaBrowser Client="t", DeviceId="d", Token="{token}"'}
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        check("PublicSystemInfo", (await http.get("/System/Info/Public")).json())
        check("SystemInfo", (await http.get("/System/Info")).json())
        check("UserDto", (await http.get("/Users/Me")).json())
        latest = await http.get("/Items/Latest", params={"Limit": "3"})
        check("BaseItemDtoList", latest.json())
        assert len(latest.json()) == 3
        check("BaseItemDtoQueryResult", (await http.get("/Genres")).json())
        hints = await http.get("/Search/Hints", params={"searchTerm": series["Name"]})
        check("SearchHintResult", hints.json())
        assert series["Id"] in [h["Id"] for h in hints.json()["SearchHints"]]
        similar = await http.get(f"/Items/{movie['Id']}/Similar")
        check("BaseItemDtoQueryResult", similar.json())
        dashed = "-".join((movie["Id"][:8], movie["Id"][8:12], movie["Id"][12:16],
                           movie["Id"][16:20], movie["Id"][20:]))  # fmt: skip
        one = await http.get(f"/Items/{dashed}")
        assert one.json()["Id"] == movie["Id"]
        played = await http.post(f"/UserPlayedItems/{movie['Id']}")
        check("UserItemDataDto", played.json())
        assert played.json()["Played"] is True
        for path, status in (
            ("/Items/not-a-guid", 400),
            (f"/Items/{'0' * 32}", 404),
            ("/Items", 200),
            ("/Items?StartIndex=-1", 400),
            ("/Items?recursive=maybe", 400),
            ("/Items?IncludeItemTypes=MusicAlbum&Recursive=true", 200),
            ("/Items?unknownParameter=1", 200),
        ):
            assert (await http.get(path)).status_code == status, path
