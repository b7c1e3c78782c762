"""Browsing the catalogue over HTTP on both databases: pages, filters, details, visibility."""

from __future__ import annotations

import httpx

from reelhouse.content.catalogue.items import RatingValue
from reelhouse.content.catalogue.models import CreditRole, StudioKind
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import EpisodeRepository, SeriesRepository
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository, MediaFileRecord, MediaFileRepository
from reelhouse.playback.repository import ProbeOutcome, ProbeRepository, ProbeTarget
from tests.support import Api, bearer


def media(path: str) -> MediaFileRecord:
    return MediaFileRecord(path, path.encode(), 1_500_000_000, 1, 1, 1, container="mkv")


async def seed(api: Api) -> dict[str, int]:
    async with api.services.users.database.transaction() as session:
        movies_lib = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        tv_lib = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/tv"])
        movies = MovieRepository(session)
        heat = await movies.add(
            Movie(
                library_id=movies_lib.id,
                title="Heat",
                year=1995,
                tmdb_id=949,
                imdb_id="tt0113277",
                community_rating=8.3,
                overview="A group of professional bank robbers...",
            )
        )
        for n, title in enumerate(["Alien", "The Thing", "Zodiac", "Memento"]):
            await movies.add(Movie(library_id=movies_lib.id, title=title, year=1979 + n))
        await movies.set_genres(heat.id, ["Crime", "Drama"])
        await movies.set_studios(heat.id, StudioKind.STUDIO, ["Regency"])
        await movies.set_ratings(heat.id, {"imdb": RatingValue(8.3, votes=700_000)})
        pacino = await PeopleRepository(session).upsert_by_tmdb_id(1158, "Al Pacino")
        mann = await PeopleRepository(session).upsert_by_tmdb_id(638, "Michael Mann")
        await PeopleRepository(session).set_credits(
            heat.id,
            [
                CreditInput(pacino.id, CreditRole.CAST, character="Vincent Hanna"),
                CreditInput(mann.id, CreditRole.CREW, department="Directing", job="Director"),
            ],
        )
        files = MediaFileRepository(session)
        main, trailer = await files.upsert_many(
            movies_lib.id, [media("/m/Heat (1995)/Heat.mkv"), media("/m/Heat (1995)/t-trailer.mkv")]
        )
        await MediaLinkRepository(session).link_file(heat.id, main)
        await MediaLinkRepository(session).link_file(heat.id, trailer, extra_type="trailer")
        series_repo = SeriesRepository(session)
        dark = await series_repo.add(Series(library_id=tv_lib.id, title="Dark", tvdb_id=2**62))
        season = await series_repo.season(dark, 1)
        episode = await EpisodeRepository(session).add_to_season(season, 1, "Secrets")
    return {
        "movies": movies_lib.id,
        "tv": tv_lib.id,
        "heat": heat.id,
        "pacino": pacino.id,
        "dark": dark.id,
        "season": season.id,
        "episode": episode.id,
    }


async def test_movie_listing_pages_and_filters(api: Api) -> None:
    ids = await seed(api)
    token = bearer(await api.token_for("root", is_admin=True))
    titles: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.client.get("/api/movies", params=params, headers=token)).json()
        titles += [m["title"] for m in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert titles == ["Alien", "Heat", "Memento", "The Thing", "Zodiac"]
    newest = await api.client.get(
        "/api/movies", params={"sort": "year", "order": "desc", "limit": 1}, headers=token
    )
    assert [m["title"] for m in newest.json()["items"]] == ["Heat"]
    filtered = await api.client.get(
        "/api/movies",
        params={"genre": "crime", "person_id": ids["pacino"], "include_total": "true"},
        headers=token,
    )
    assert filtered.json()["total"] == 1
    assert filtered.json()["items"][0]["provider_ids"] == {"tmdb": "949", "imdb": "tt0113277"}
    # A list parameter takes each occurrence, any other its last; unknown ones are ignored.
    both_libraries = await api.client.get(
        "/api/movies",
        params=[
            ("library_id", ids["movies"]),
            ("library_id", ids["tv"]),
            ("limit", 1),
            ("limit", 3),
            ("unknown", "ignored"),
        ],
        headers=token,
    )
    assert [m["title"] for m in both_libraries.json()["items"]] == ["Alien", "Heat", "Memento"]


async def test_movie_details(api: Api) -> None:
    ids = await seed(api)
    token = bearer(await api.token_for("root", is_admin=True))
    heat = (await api.client.get(f"/api/movies/{ids['heat']}", headers=token)).json()
    assert heat["genres"] == ["Crime", "Drama"]
    assert heat["studios"] == [{"name": "Regency", "kind": "studio"}]
    assert heat["ratings"] == [
        {"source": "imdb", "value": 8.3, "max_value": 10.0, "votes": 700_000}
    ]
    assert [(c["name"], c["character"]) for c in heat["cast"]] == [("Al Pacino", "Vincent Hanna")]
    assert [(c["name"], c["job"]) for c in heat["crew"]] == [("Michael Mann", "Director")]
    assert [f["path"] for f in heat["files"]] == ["/m/Heat (1995)/Heat.mkv"]
    assert [f["extra_type"] for f in heat["extras"]] == ["trailer"]
    assert heat["files"][0]["size"] == 1_500_000_000


async def test_series_seasons_episodes(api: Api) -> None:
    ids = await seed(api)
    token = bearer(await api.token_for("root", is_admin=True))
    series = (await api.client.get("/api/series", headers=token)).json()["items"]
    assert [(s["title"], s["provider_ids"]) for s in series] == [("Dark", {"tvdb": str(2**62)})]
    seasons = (await api.client.get(f"/api/series/{ids['dark']}/seasons", headers=token)).json()
    assert [(s["title"], s["index_number"]) for s in seasons] == [("Season 1", 1)]
    episodes = await api.client.get(f"/api/seasons/{ids['season']}/episodes", headers=token)
    assert [(e["title"], e["parent_index_number"]) for e in episodes.json()] == [("Secrets", 1)]
    episode = await api.client.get(f"/api/episodes/{ids['episode']}", headers=token)
    assert episode.json()["kind"] == "episode"
    wrong_kind = await api.client.get(f"/api/movies/{ids['episode']}", headers=token)
    assert wrong_kind.status_code == 404


async def test_plain_users_see_only_granted_libraries(api: Api) -> None:
    ids = await seed(api)
    user = await api.services.users.create_user("kid", "correct horse battery")
    await api.services.users.set_user_libraries(user.id, [ids["tv"]])
    token = bearer((await api.services.users.login("kid", "correct horse battery")).secret)
    assert (await api.client.get("/api/movies", headers=token)).json()["items"] == []
    asked = await api.client.get("/api/movies", params={"library_id": ids["movies"]}, headers=token)
    assert asked.json()["items"] == []
    assert (await api.client.get(f"/api/movies/{ids['heat']}", headers=token)).status_code == 404
    assert len((await api.client.get("/api/series", headers=token)).json()["items"]) == 1


async def test_bad_listing_parameters_name_the_field(api: Api) -> None:
    token = bearer(await api.token_for("root", is_admin=True))
    for params, field in [
        ({"limit": 201}, "query.limit"),
        ({"sort": "popularity"}, "query.sort"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"year_min": "nineteen"}, "query.year_min"),
        ({"rating_max": 11}, "query.rating_max"),
        ({"library_id": 0}, "query.library_id.0"),
        ({"genre": ""}, "query.genre"),
    ]:
        response = await api.client.get("/api/movies", params=params, headers=token)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM_JSON
        assert field in [e["field"] for e in response.json()["errors"]], params
    by_year = await api.client.get(
        "/api/movies", params={"sort": "year", "limit": 1}, headers=token
    )
    assert by_year.json()["next_cursor"] is None


async def test_people_and_genres_follow_visibility(api: Api) -> None:
    ids = await seed(api)
    admin = bearer(await api.token_for("root", is_admin=True))
    pacino = (await api.client.get(f"/api/people/{ids['pacino']}", headers=admin)).json()
    assert pacino["provider_ids"] == {"tmdb": "1158"}
    assert [(c["role"], c["character"], c["item"]["title"]) for c in pacino["credits"]] == [
        ("cast", "Vincent Hanna", "Heat")
    ]
    genres = (await api.client.get("/api/genres", headers=admin)).json()
    assert genres == [{"name": "Crime", "items": 1}, {"name": "Drama", "items": 1}]
    user = await api.services.users.create_user("kid", "correct horse battery")
    await api.services.users.set_user_libraries(user.id, [ids["tv"]])
    kid = bearer((await api.services.users.login("kid", "correct horse battery")).secret)
    # Pacino is credited in no library the kid sees: he is not shown (issue 19, item 7).
    hidden = await api.client.get(f"/api/people/{ids['pacino']}", headers=kid)
    assert hidden.status_code == 404
    assert (await api.client.get("/api/genres", headers=kid)).json() == []
    assert (await api.client.get("/api/people/999999", headers=kid)).status_code == 404


async def test_a_cached_page_goes_gzipped_or_plain_as_the_client_asks(api: Api) -> None:
    ids = await seed(api)
    async with api.services.users.database.transaction() as session:
        for n in range(20):
            await MovieRepository(session).add(
                Movie(library_id=ids["movies"], title=f"Sequel {n}", year=2000 + n)
            )
    token = bearer(await api.token_for("root", is_admin=True))

    async def page(encoding: str) -> httpx.Response:
        response = await api.client.get(
            "/api/movies", headers={**token, "Accept-Encoding": encoding}
        )
        assert response.status_code == 200
        assert "accept-encoding" in response.headers["vary"].lower()
        return response

    plain = await page("identity")  # loads the page and caches both forms
    assert "content-encoding" not in plain.headers
    assert len(plain.json()["items"]) == 25
    for _ in range(2):
        packed = await page("gzip, deflate")
        assert packed.headers["content-encoding"] == "gzip"
        assert int(packed.headers["content-length"]) < len(plain.content) / 2
        assert packed.json() == plain.json()
    assert (await page("identity")).content == plain.content


HEAT_FILE = "/m/Heat (1995)/Heat.mkv"
PROBE_ERROR = f"ffprobe: exited with 1: file:{HEAT_FILE}: Invalid data found when processing input"


async def store_probe_error(api: Api, library_id: int) -> None:
    """Heat's main file unreadable, as a probe stored before errors named files by name only."""
    async with api.services.users.database.transaction() as session:
        files = MediaFileRepository(session)
        (stored,) = [
            s for s in await files.snapshot(library_id) if s.path_bytes.endswith(b"Heat.mkv")
        ]
        target = ProbeTarget(
            stored.id, HEAT_FILE, stored.path_bytes, stored.size, stored.mtime_ns, stored.inode,
            "mkv",
        )  # fmt: skip
        await ProbeRepository(session).save([ProbeOutcome(target, error=PROBE_ERROR)])


async def test_server_paths_are_shown_to_admins_only(api: Api) -> None:
    ids = await seed(api)
    await store_probe_error(api, ids["movies"])
    admin = bearer(await api.token_for("root", is_admin=True))
    user = await api.services.users.create_user("kid", "correct horse battery")
    await api.services.users.set_user_libraries(user.id, [ids["movies"]])
    kid = bearer((await api.services.users.login("kid", "correct horse battery")).secret)

    # Each in turn, twice: the two forms of the cached answer never stand in for each other.
    for _ in range(2):
        seen = (await api.client.get(f"/api/movies/{ids['heat']}", headers=admin)).json()
        assert [f["path"] for f in seen["files"]] == [HEAT_FILE]
        assert [f["path"] for f in seen["extras"]] == ["/m/Heat (1995)/t-trailer.mkv"]
        assert seen["files"][0]["probe_error"] == PROBE_ERROR

        shown = await api.client.get(f"/api/movies/{ids['heat']}", headers=kid)
        assert shown.status_code == 200
        heat = shown.json()
        assert [f["path"] for f in heat["files"] + heat["extras"]] == [None, None]
        assert heat["files"][0]["probe_error"] == "the file could not be read"
        assert heat["files"][0]["size"] == 1_500_000_000
        assert "/m/" not in shown.text

    for path in ("/api/libraries", f"/api/libraries/{ids['movies']}"):
        for_admin = (await api.client.get(path, headers=admin)).json()
        for_kid = (await api.client.get(path, headers=kid)).json()
        libraries = for_admin if isinstance(for_admin, list) else [for_admin]
        assert ["/m"] in [lib["paths"] for lib in libraries], path
        for library in for_kid if isinstance(for_kid, list) else [for_kid]:
            assert library["paths"] is None, path
