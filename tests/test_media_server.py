"""The Emby calls Sonarr's and Radarr's "Emby / Jellyfin" connection makes besides the library
update: its test, its notices, and the folder lookup it does before every update."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import EpisodeRepository, SeriesRepository
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.jobs import SCAN_KIND
from reelhouse.libraries.repository import LibraryRepository, MediaFileRecord, MediaFileRepository
from tests.support import PASSWORD, Api

SHOW = "/media/tv/Breaking Bad"
HEAT = "/media/movies/Heat (1995)"
ALIEN_FILE = "/media/movies/Alien.1979.1080p.BluRay.mkv"
#: What Sonarr v4 asks for a series of 2008 (MediaBrowserProxy.GetPaths).
SONARR_LOOKUP = {
    "recursive": "true",
    "includeItemTypes": "Series",
    "fields": "Path,ProviderIds",
    "years": "2008",
}


def media(path: str) -> MediaFileRecord:
    return MediaFileRecord(path, path.encode(), 1_500_000_000, 1, 1, 1, container="mkv")


async def seed(api: Api) -> None:
    """Movies and series as the scanner and enrichment leave them: files linked to items."""
    async with api.services.users.database.transaction() as session:
        movies_lib = await LibraryRepository(session).add(
            "Movies", LibraryKind.MOVIES, ["/media/movies"]
        )
        tv_lib = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/media/tv"])
        files = MediaFileRepository(session)
        heat_main, heat_trailer, alien_main = await files.upsert_many(
            movies_lib.id,
            [media(f"{HEAT}/Heat.mkv"), media(f"{HEAT}/Trailers/Heat.mkv"), media(ALIEN_FILE)],
        )
        movies = MovieRepository(session)
        heat = await movies.add(
            Movie(library_id=movies_lib.id, title="Heat", year=1995, tmdb_id=949,
                  imdb_id="tt0113277")
        )  # fmt: skip
        alien = await movies.add(Movie(library_id=movies_lib.id, title="Alien", year=1979))
        gone = await movies.add(Movie(library_id=movies_lib.id, title="Gone", year=1995))
        await MediaLinkRepository(session).link_file(heat.id, heat_main)
        await MediaLinkRepository(session).link_file(heat.id, heat_trailer, extra_type="trailer")
        await MediaLinkRepository(session).link_file(alien.id, alien_main)
        await movies.soft_delete(gone.id)
        [episode_file] = await files.upsert_many(
            tv_lib.id, [media(f"{SHOW}/Season 01/Breaking Bad - S01E01 - Pilot.mkv")]
        )
        series = SeriesRepository(session)
        bad = await series.add(
            Series(library_id=tv_lib.id, title="Breaking Bad", year=2008, tvdb_id=81189,
                   imdb_id="tt0903747")
        )  # fmt: skip
        pilot = await EpisodeRepository(session).add_to_season(
            await series.season(bad, 1), 1, "Pilot"
        )
        await MediaLinkRepository(session).link_file(pilot.id, episode_file)
        await series.add(Series(library_id=tv_lib.id, title="Dark", year=2017))


async def emby_headers(api: Api) -> dict[str, str]:
    """An admin's token (one account for every example of a property test), the way Sonarr
    sends it."""
    if not await api.services.users.list_users():
        await api.services.users.create_user("root", PASSWORD, is_admin=True)
    return {"X-MediaBrowser-Token": (await api.services.users.login("root", PASSWORD)).secret}


def without_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in item.items() if key != "Id"} for item in items]


async def test_a_series_is_found_with_its_folder_and_ids_as_sonarr_asks(api: Api) -> None:
    await seed(api)
    response = await api.client.get("/Items", params=SONARR_LOOKUP, headers=await emby_headers(api))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["TotalRecordCount"] == 1
    assert body["StartIndex"] == 0
    assert without_ids(body["Items"]) == [
        {
            "Name": "Breaking Bad",
            "Type": "Series",
            "ProductionYear": 2008,
            "Path": SHOW,
            "ProviderIds": {"Tvdb": "81189", "Imdb": "tt0903747"},
        }
    ]
    assert body["Items"][0]["Id"].isdigit()


async def test_movies_lie_in_their_folder_or_stand_for_themselves_in_the_root(api: Api) -> None:
    await seed(api)
    headers = await emby_headers(api)
    params = {"includeItemTypes": "Movie", "years": "1995,1979"}
    body = (await api.client.get("/Items", params=params, headers=headers)).json()
    assert without_ids(body["Items"]) == [
        {"Name": "Alien", "Type": "Movie", "ProductionYear": 1979, "Path": ALIEN_FILE,
         "ProviderIds": {}},
        {"Name": "Heat", "Type": "Movie", "ProductionYear": 1995, "Path": HEAT,
         "ProviderIds": {"Tmdb": "949", "Imdb": "tt0113277"}},
    ]  # fmt: skip
    page = await api.client.get(
        "/Items", params={**params, "startIndex": 1, "limit": 1}, headers=headers
    )
    assert [item["Name"] for item in page.json()["Items"]] == ["Heat"]
    assert page.json()["TotalRecordCount"] == 2


async def test_without_filters_every_movie_and_series_is_listed_and_files_are_optional(
    api: Api,
) -> None:
    await seed(api)
    body = (await api.client.get("/Items", headers=await emby_headers(api))).json()
    assert [(item["Name"], item.get("Path")) for item in body["Items"]] == [
        ("Alien", ALIEN_FILE),
        ("Breaking Bad", SHOW),
        ("Dark", None),
        ("Heat", HEAT),
    ]


async def test_sonarrs_lookup_then_update_scans_the_series_folder(api: Api) -> None:
    await seed(api)
    headers = await emby_headers(api)
    found = (await api.client.get("/Items", params=SONARR_LOOKUP, headers=headers)).json()
    paths = {item["Path"] for item in found["Items"] if item["ProviderIds"].get("Tvdb") == "81189"}
    updates = {"Updates": [{"Path": path, "UpdateType": "Created"} for path in paths]}
    response = await api.client.post("/Library/Media/Updated", json=updates, headers=headers)
    assert response.status_code == 202, response.text
    jobs = await api.services.jobs.list_jobs(kind=SCAN_KIND)
    assert [job.args["folder"] for job in jobs] == [SHOW]


async def test_the_connection_test_and_notices_are_answered(api: Api) -> None:
    headers = await emby_headers(api)
    configuration = await api.client.get("/System/Configuration", headers=headers)
    assert configuration.status_code == 200
    notice = {
        "Name": "Test from Sonarr",
        "Description": "Success! MediaBrowser has been successfully configured!",
        "ImageUrl": "https://raw.github.com/Sonarr/Sonarr/develop/Logo/64.png",
    }
    answered = await api.client.post("/Notifications/Admin", json=notice, headers=headers)
    assert answered.status_code == 204
    wrong = {"X-MediaBrowser-Token": "rh_not-a-real-token"}
    refused = await api.client.post("/Notifications/Admin", json=notice, headers=wrong)
    assert refused.status_code == 401  # what Sonarr reports as "API key is incorrect"


async def test_bad_lookups_are_422_naming_the_parameter(api: Api) -> None:
    headers = await emby_headers(api)
    for params, field in (
        ({"includeItemTypes": "Episode"}, "includeItemTypes"),
        ({"includeItemTypes": ","}, "includeItemTypes"),
        ({"years": "2008,abc"}, "years"),
        ({"years": "12345"}, "years"),
        ({"years": "\uff12\uff10\uff10\uff18"}, "years"),  # full-width digits
        ({"limit": "0"}, "limit"),
        ({"startIndex": "-1"}, "startIndex"),
    ):
        response = await api.client.get("/Items", params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM_JSON
        assert field in response.text, (params, response.text)
    notice = await api.client.post("/Notifications/Admin", json={"Description": "no name"},
                                   headers=headers)  # fmt: skip
    assert notice.status_code == 422


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(types=st.none() | st.text(max_size=30), years=st.none() | st.text(max_size=30))
async def test_no_lookup_is_a_server_error(api: Api, types: str | None, years: str | None) -> None:
    params = {
        name: value
        for name, value in (("includeItemTypes", types), ("years", years))
        if value is not None
    }
    response = await api.client.get("/Items", params=params, headers=await emby_headers(api))
    assert response.status_code in (200, 422), (params, response.text)
