"""Input from outside that once reached the database or Python's date arithmetic and came back
as a 500 (issue 19, item 6): each is refused at the edge with the field named, on both
databases: 422 on the native API, 400 on the Jellyfin routes (as they refuse bad parameters)."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.content.catalogue.listing import SortField
from reelhouse.content.catalogue.models import CreditRole
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import SeriesRepository
from reelhouse.errors import InvalidInputError
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.libraries.roots import PATH_MAX
from tests.support import Api, bearer
from tests.test_jellyfin_auth import mediabrowser
from tests.test_web import log_in


def fields_of(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [error["field"] for error in body["errors"]]


@pytest.mark.parametrize(
    "added_since",
    [
        "2024-01-01T00:00:00",  # no time zone: compared with stored UTC times, it fails
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
    ],
)
async def test_added_since_needs_a_time_zone_and_a_representable_time(
    api: Api, added_since: str
) -> None:
    token = bearer(await api.token_for("root", is_admin=True))
    response = await api.client.get(
        "/api/movies", params={"added_since": added_since}, headers=token
    )
    assert response.status_code == 422, response.text[:500]
    assert fields_of(response) == ["query.added_since"]


def crafted(cursor: str) -> str:
    return base64.urlsafe_b64encode(cursor.encode()).decode()


@pytest.mark.parametrize(
    ("sort", "raw"),
    [
        ("rating", '["rating", false, Infinity, 1]'),
        ("rating", '["rating", false, NaN, 1]'),
        ("title", '["title", false, "\\ud800", 1]'),  # a lone surrogate: not UTF-8
        ("added", '["added", false, "0001-01-01T00:00:00+01:00", 1]'),
    ],
)
async def test_crafted_cursor_values_are_refused(api: Api, sort: str, raw: str) -> None:
    token = bearer(await api.token_for("root", is_admin=True))
    params = {"cursor": crafted(raw), "sort": sort}
    response = await api.client.get("/api/movies", params=params, headers=token)
    assert response.status_code == 422, response.text[:500]
    assert fields_of(response) == ["cursor"]


async def test_media_server_items_refuses_an_offset_past_64_bits(api: Api) -> None:
    token = {"X-MediaBrowser-Token": await api.token_for("root", is_admin=True)}
    response = await api.client.get(
        "/Items", params={"startIndex": "100000000000000000000"}, headers=token
    )
    assert response.status_code == 422, response.text[:500]
    assert fields_of(response) == ["query.startIndex"]


async def test_jellyfin_items_refuses_an_offset_past_64_bits(api: Api) -> None:
    headers = mediabrowser(await api.token_for("root", is_admin=True))
    params = {"recursive": "true", "startIndex": "100000000000000000000"}
    response = await api.client.get("/Items", params=params, headers=headers)
    assert response.status_code == 400, response.text[:500]
    assert fields_of(response) == ["startIndex"]


async def test_a_library_name_with_nul_is_refused_on_rename(api: Api) -> None:
    token = bearer(await api.token_for("root", is_admin=True))
    created = await api.client.post(
        "/api/libraries", json={"name": "Movies", "kind": "movies", "paths": ["/m"]}, headers=token
    )
    assert created.status_code == 201, created.text
    library = created.json()["id"]
    response = await api.client.patch(
        f"/api/libraries/{library}", json={"name": "Mo\x00vies"}, headers=token
    )
    assert response.status_code == 422, response.text[:500]
    assert fields_of(response) == ["body.name"]
    assert (await api.client.get(f"/api/libraries/{library}", headers=token)).json()["name"] == (
        "Movies"
    )


async def test_library_paths_are_bounded(api: Api) -> None:
    """Bounded as every path from a client is, at the edge and in the service (the CLI's and
    the web page's libraries go through it)."""
    token = bearer(await api.token_for("root", is_admin=True))
    body = {"name": "Movies", "kind": "movies", "paths": ["/" + "m" * PATH_MAX]}
    response = await api.client.post("/api/libraries", json=body, headers=token)
    assert response.status_code == 422, response.text[:500]
    assert fields_of(response) == ["body.paths.0"]
    with pytest.raises(InvalidInputError) as refused:
        await api.services.libraries.create("Movies", LibraryKind.MOVIES, ["/" + "m" * PATH_MAX])
    assert refused.value.field == "paths"
    with pytest.raises(InvalidInputError) as refused:
        await api.services.libraries.create("Mo\x00vies", LibraryKind.MOVIES, ["/m"])
    assert refused.value.field == "name"
    assert (await api.client.get("/api/libraries", headers=token)).json() == []


# -- every listing parameter at once, from a hostile client -----------------------------------

#: Text a query string carries (httpx cannot encode a lone surrogate; the server decodes
#: invalid UTF-8 to U+FFFD), NUL and the odd included.
QUERY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "-0", "0x10", "1_000", " 5", "\uff15"]),
    st.floats().map(str),
)
MOMENTS = st.one_of(
    st.datetimes().map(datetime.isoformat),  # naive
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),  # any zone, to the edges
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2024-13-01"]),
    QUERY_TEXT,
)
CURSOR_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=10),
    MOMENTS,
    st.lists(st.integers(), max_size=2),
)
CURSORS = st.one_of(
    st.builds(
        lambda sort, value, row_id: crafted(json.dumps([sort, False, value, row_id])),
        st.sampled_from([*SortField, "nope"]),
        CURSOR_VALUES,
        st.one_of(st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=3)),
    ),
    QUERY_TEXT,
)
LISTING_PARAMETERS = st.fixed_dictionaries(
    {},
    optional={
        "library_id": st.lists(NUMBERS, max_size=3),
        "genre": QUERY_TEXT,
        "year_min": NUMBERS,
        "year_max": NUMBERS,
        "rating_min": NUMBERS,
        "rating_max": NUMBERS,
        "has_file": st.sampled_from(["true", "false", "1", "yes", "maybe"]),
        "matched": st.sampled_from(["true", "false", "0", ""]),
        "added_since": MOMENTS,
        "person_id": NUMBERS,
        "resolution": st.one_of(st.sampled_from(["4k", "1080p", "sd"]), QUERY_TEXT),
        "hdr": st.sampled_from(["true", "false", "x"]),
        "min_channels": NUMBERS,
        "played": st.sampled_from(["true", "false"]),
        "in_progress": st.sampled_from(["true", "false"]),
        "favourite": st.sampled_from(["true", "false"]),
        "sort": st.one_of(st.sampled_from(list(SortField)), QUERY_TEXT),
        "order": st.sampled_from(["asc", "desc", "up"]),
        "limit": NUMBERS,
        "cursor": CURSORS,
        "include_total": st.sampled_from(["true", "false"]),
    },
)


async def seed_listing(api: Api) -> None:
    """Movies and a series with what the filters and sorts read."""
    async with api.services.users.database.transaction() as session:
        movies_lib = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        tv_lib = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/tv"])
        movies = MovieRepository(session)
        for n, title in enumerate(["Heat", "Alien", "Zodiac"]):
            movie = await movies.add(
                Movie(library_id=movies_lib.id, title=title, year=1979 + n,
                      community_rating=6.5 + n, release_date=date(1979 + n, 5, 1))
            )  # fmt: skip
            await movies.set_genres(movie.id, ["Crime"])
            person = await PeopleRepository(session).upsert_by_tmdb_id(100 + n, f"Actor {n}")
            await PeopleRepository(session).set_credits(
                movie.id, [CreditInput(person.id, CreditRole.CAST, character="Someone")]
            )
        await SeriesRepository(session).add(Series(library_id=tv_lib.id, title="Dark", year=2017))


@pytest.mark.parametrize("path", ["/api/movies", "/api/series"])
async def test_no_listing_parameters_make_a_server_error(api: Api, path: str) -> None:
    """Whatever a client puts in a listing's query, the answer is a page or a 4xx naming what
    is wrong, on both databases."""
    await seed_listing(api)
    headers = bearer(await api.token_for("root", is_admin=True))
    loop = asyncio.get_running_loop()

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(params=LISTING_PARAMETERS)
    def answers(params: dict[str, Any]) -> None:
        request = api.client.get(path, params=params, headers=headers)
        response = asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)
        assert response.status_code in (200, 422), (params, response.text[:500])
        if response.status_code == 422:
            assert response.json()["errors"], (params, response.text[:500])

    await asyncio.to_thread(answers)


@pytest.mark.parametrize(
    ("path", "field"), [("/libraries/{library}?genre=a%00b", "genre"), ("/search?q=a%00b", "q")]
)
async def test_web_pages_refuse_nul_in_what_they_look_up(api: Api, path: str, field: str) -> None:
    """The web page's grid and search, as the API's listing and search: NUL is refused before
    the database (PostgreSQL's text cannot hold it; SQLite's full-text query chokes on it), as
    the page refuses a bad address (400, naming the parameter)."""
    await seed_listing(api)
    await log_in(api, "root", is_admin=True)
    library = (await api.services.libraries.list(None))[0].id
    response = await api.client.get(path.format(library=library))
    assert response.status_code == 400, response.text[:500]
    assert f"valid ({field})" in response.text
