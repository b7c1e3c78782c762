"""Editing items by hand through the API and the editor service, on both databases: only the
fields given are written and each is locked against refresh (a refresh from the fake TMDb
leaves them), concurrent edits of different fields both survive, bad input is a 422 naming the
field (never a 500), and another process's cached reads see an edit at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from reelhouse.config import Settings
from reelhouse.content.catalogue.records import LOCKABLE_FIELDS, RecordWriter
from reelhouse.content.catalogue.sorting import sort_title
from reelhouse.content.metadata.models import TAG_NAME_MAX, MovieRecord
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import SeriesRepository
from reelhouse.ingest.editing import EDITABLE_FIELDS, ItemChanges
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.providers.nfo import parse_movie
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import HANDWRITTEN_BASE
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled, touch
from tests.support import Api, bearer, running_api, settings_for
from tests.test_catalogue_cache import WAIT_S, server
from tests.test_web import csrf, log_in

REAL_STEEL = HANDWRITTEN_BASE + 1


async def seed(api: Api) -> tuple[int, int]:
    """A movie and a series, each with a genre; their ids."""
    async with api.services.users.database.transaction() as session:
        libraries = LibraryRepository(session)
        movies_lib = await libraries.add("Movies", LibraryKind.MOVIES, ["/m"])
        tv_lib = await libraries.add("TV", LibraryKind.TV, ["/tv"])
        movies = MovieRepository(session)
        movie = await movies.add(Movie(library_id=movies_lib.id, title="Alien", year=1979))
        await movies.set_genres(movie.id, ["Horror"])
        series = await SeriesRepository(session).add(
            Series(library_id=tv_lib.id, title="Dark", year=2017)
        )
    return movie.id, series.id


def test_every_editable_field_is_lockable() -> None:
    assert EDITABLE_FIELDS <= LOCKABLE_FIELDS
    assert set(ItemChanges.model_fields) == EDITABLE_FIELDS


async def test_an_edit_locks_its_fields_and_a_refresh_leaves_them(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    root = tmp_path / "movies"
    touch(root / "Real Steel (2011)" / "Real Steel (2011).mkv")
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    async with running_server(settings) as (api, token):
        library = await add_library(api, token, "Movies", "movies", root)
        await api.client.post(f"/api/libraries/{library}/scan", headers=token)
        await settled(api)
        (movie,) = (await api.client.get("/api/movies", headers=token)).json()["items"]
        assert movie["provider_ids"]["tmdb"] == str(REAL_STEEL)
        before = (await api.client.get(f"/api/movies/{movie['id']}", headers=token)).json()
        assert before["locked_fields"] == []

        edited = await api.client.patch(
            f"/api/items/{movie['id']}",
            json={
                "title": "  Real Steel (Director's Cut) ",
                "overview": "Robots, boxing, a father and a son.",
                "genres": ["Sport", "Drama", "Sport"],
                "tags": ["favourite", "4k"],
                "release_date": "2011-10-07",
            },
            headers=token,
        )
        assert edited.status_code == 200, edited.text
        body = edited.json()
        assert body["title"] == "Real Steel (Director's Cut)"
        assert body["sort_title"] == "real steel (director's cut)"
        assert body["overview"] == "Robots, boxing, a father and a son."
        assert body["genres"] == ["Drama", "Sport"]
        assert body["tags"] == ["4k", "favourite"]
        assert (body["release_date"], body["year"]) == ("2011-10-07", 2011)
        locked = ["genres", "overview", "release_date", "tags", "title", "year"]
        assert body["locked_fields"] == locked
        # Only what was sent changed: the provider's tagline and rating are as they were.
        assert body["tagline"] == before["tagline"]
        assert body["community_rating"] == before["community_rating"]

        # A sort title set by hand stays when the title changes again.
        sorted_as = await api.client.patch(
            f"/api/items/{movie['id']}", json={"sort_title": "Steel, Real"}, headers=token
        )
        assert sorted_as.json()["sort_title"] == "steel, real"
        retitled = await api.client.patch(
            f"/api/items/{movie['id']}", json={"title": "Real Steel"}, headers=token
        )
        assert (retitled.json()["title"], retitled.json()["sort_title"]) == (
            "Real Steel",
            "steel, real",
        )

        refreshed = await api.client.post(
            f"/api/items/{movie['id']}/refresh", json={"bypass_cache": True}, headers=token
        )
        assert refreshed.status_code == 202
        await settled(api)
        after = (await api.client.get(f"/api/movies/{movie['id']}", headers=token)).json()
        assert after["title"] == "Real Steel"
        assert after["sort_title"] == "steel, real"
        assert after["overview"] == "Robots, boxing, a father and a son."
        assert after["genres"] == ["Drama", "Sport"]
        assert after["tags"] == ["4k", "favourite"]
        assert after["release_date"] == "2011-10-07"
        assert after["locked_fields"] == sorted([*locked, "sort_title"])
        assert fake.control.stats.ok_by_path[f"/3/movie/{REAL_STEEL}"] >= 2

        # Unlocked, a field is the provider's again at the next refresh.
        unlocked = await api.client.put(
            f"/api/items/{movie['id']}/locked-fields", json={"fields": ["genres"]}, headers=token
        )
        assert unlocked.status_code == 200
        await api.client.post(
            f"/api/items/{movie['id']}/refresh", json={"bypass_cache": True}, headers=token
        )
        await settled(api)
        again = (await api.client.get(f"/api/movies/{movie['id']}", headers=token)).json()
        assert again["title"] == before["title"]
        assert again["sort_title"] == sort_title(before["title"])
        assert again["overview"] == before["overview"]
        assert again["genres"] == ["Drama", "Sport"]
        assert again["tags"] == ["4k", "favourite"]  # no provider has tags: kept


async def test_concurrent_edits_of_different_fields_both_survive(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    movie_id, _ = await seed(api)
    editor = api.services.editor
    await asyncio.gather(
        editor.edit(movie_id, ItemChanges(title="Alien: Director's Cut")),
        editor.edit(movie_id, ItemChanges(genres=["Science Fiction", "Horror"])),
        editor.edit(movie_id, ItemChanges(tagline="In space no one can hear you scream.")),
    )
    details = await api.services.movies.details(movie_id, None)
    assert details.item.title == "Alien: Director's Cut"
    assert details.genres == ("Horror", "Science Fiction")
    assert details.tagline == "In space no one can hear you scream."
    assert details.locked_fields == ("genres", "tagline", "title")

    # Two app instances on one database, each sending a different field at once.
    token = bearer(await api.token_for("root", is_admin=True))
    async with running_api(settings_for(database_url, tmp_path / "other")) as other:
        one, two = await asyncio.gather(
            api.client.patch(f"/api/items/{movie_id}", json={"year": 1980}, headers=token),
            other.client.patch(
                f"/api/items/{movie_id}", json={"tags": ["cult"], "overview": "Ripley."},
                headers=token,
            ),
        )  # fmt: skip
        assert (one.status_code, two.status_code) == (200, 200), (one.text, two.text)
        seen = (await other.client.get(f"/api/movies/{movie_id}", headers=token)).json()
    assert (seen["year"], seen["tags"], seen["overview"]) == (1980, ["cult"], "Ripley.")
    assert seen["title"] == "Alien: Director's Cut"
    assert seen["locked_fields"] == ["genres", "overview", "tagline", "tags", "title", "year"]

    # The same field: the last write wins.
    for title in ("First", "Second"):
        await api.client.patch(f"/api/items/{movie_id}", json={"title": title}, headers=token)
    final = (await api.client.get(f"/api/movies/{movie_id}", headers=token)).json()
    assert final["title"] == "Second"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"colour": "red"}, "body.colour"),
        ({"title": None}, "body.title"),
        ({"title": "   "}, "body.title"),
        ({"title": "x" * 501}, "body.title"),
        ({"overview": "a\x00b"}, "body.overview"),
        ({"community_rating": 10.5}, "body.community_rating"),
        ({"community_rating": -1}, "body.community_rating"),
        ({"year": 1799}, "body.year"),
        ({"release_date": "2011-02-30"}, "body.release_date"),
        ({"release_date": "0001-01-01"}, "body.release_date"),
        ({"certification": "x" * 33}, "body.certification"),
        ({"genres": ["ok", ""]}, "body.genres.1"),
        ({"genres": None}, "body.genres"),
        ({"tags": ["t"] * 101}, "body.tags"),
        ({"sort_title": "\u0301"}, "body.sort_title"),
        ({"end_date": "2020-01-01"}, "end_date"),  # a movie has none
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    movie_id, _ = await seed(api)
    token = bearer(await api.token_for("root", is_admin=True))
    refused = await api.client.patch(f"/api/items/{movie_id}", json=body, headers=token)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in refused.json()["errors"]]
    # Nothing was written, nor locked.
    movie = (await api.client.get(f"/api/movies/{movie_id}", headers=token)).json()
    assert (movie["title"], movie["locked_fields"]) == ("Alien", [])


async def test_series_dates_unknown_items_and_non_admins(api: Api) -> None:
    movie_id, series_id = await seed(api)
    token = bearer(await api.token_for("root", is_admin=True))
    ended = await api.client.patch(
        f"/api/items/{series_id}",
        json={"release_date": "2017-12-01", "end_date": "2020-06-27", "studios": ["Netflix"]},
        headers=token,
    )
    assert ended.status_code == 200, ended.text
    assert (ended.json()["end_date"], ended.json()["year"]) == ("2020-06-27", 2017)
    assert ended.json()["studios"] == [{"name": "Netflix", "kind": "network"}]
    backwards = await api.client.patch(
        f"/api/items/{series_id}", json={"end_date": "2016-01-01"}, headers=token
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "end_date"
    cleared = await api.client.patch(
        f"/api/items/{series_id}", json={"release_date": None, "overview": ""}, headers=token
    )
    assert (cleared.json()["release_date"], cleared.json()["overview"]) == (None, None)
    assert cleared.json()["year"] == 2017  # a cleared date leaves the year

    missing = await api.client.patch("/api/items/999999", json={"title": "x"}, headers=token)
    assert missing.status_code == 404
    viewer = bearer(await api.token_for("viewer"))
    denied = await api.client.patch(f"/api/items/{movie_id}", json={"title": "x"}, headers=viewer)
    assert denied.status_code == 403


async def test_an_edit_is_read_at_once_in_another_process(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    async with AsyncExitStack() as stack:
        _, reader, _ = await stack.enter_async_context(
            server(database_url, tmp_path, redis_url, cache_prefix)
        )
        _, writer, _ = await stack.enter_async_context(
            server(database_url, tmp_path, redis_url, cache_prefix)
        )
        async with writer.users.database.transaction() as session:
            library = await LibraryRepository(session).add("M", LibraryKind.MOVIES, ["/m"])
            movie = await MovieRepository(session).add(
                Movie(library_id=library.id, title="Alien", year=1979)
            )
        assert (await reader.movies.details(movie.id, None)).item.title == "Alien"
        await writer.editor.edit(movie.id, ItemChanges(title="Aliens", tags=["sequel"]))
        # The reader's L1 copy must be gone as soon as the message arrives (milliseconds).
        for _ in range(int(WAIT_S / 0.005)):
            if (await reader.movies.details(movie.id, None)).item.title == "Aliens":
                break
            await asyncio.sleep(0.005)
        details = await reader.movies.details(movie.id, None)
        assert (details.item.title, details.tags) == ("Aliens", ("sequel",))
        assert details.locked_fields == ("tags", "title")


# Any JSON a client could send for each field: text of every kind (NUL, lone surrogates,
# blank, long), numbers of every size, dates as text, lists of those.
_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=10),
    st.sampled_from(["", "   ", "\x00", "\ud800", "a\x00b", "The Matrix", "x" * 600]),
)
_json_value = st.one_of(
    st.none(),
    _text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates().map(date.isoformat),
    st.lists(_text, max_size=4),
)
_fields = [*sorted(EDITABLE_FIELDS - {"end_date"}), "nonsense"]
CHANGES = st.dictionaries(st.sampled_from(_fields), _json_value, min_size=1, max_size=4)


async def test_any_edit_reads_back_as_accepted_or_is_a_422(api: Api) -> None:
    """Whatever a client sends, an edit is a 200 whose fields read back exactly as the model
    accepted them, or a 422 naming what is wrong; never a 500."""
    movie_id, _ = await seed(api)
    token = bearer(await api.token_for("root", is_admin=True))
    loop = asyncio.get_running_loop()

    def call(body: dict[str, Any]) -> httpx.Response:
        # Encoded here: JSON escapes what UTF-8 cannot carry (a lone surrogate).
        request = api.client.patch(
            f"/api/items/{movie_id}",
            content=json.dumps(body),
            headers=token | {"content-type": "application/json"},
        )
        return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)

    @settings(max_examples=120, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(body=CHANGES)
    def answers(body: dict[str, Any]) -> None:
        try:
            accepted = ItemChanges.model_validate(body).given()
        except ValidationError:
            accepted = None
        response = call(body)
        if accepted is None:
            assert response.status_code == 422, (body, response.text[:500])
            assert response.json()["errors"], (body, response.text[:500])
            return
        assert response.status_code == 200, (body, response.text[:500])
        shown = response.json()
        for name, value in accepted.items():
            # Lists are read back in the database's collation order.
            if name in ("genres", "tags"):
                assert sorted(shown[name]) == sorted(value), (body, name)
            elif name == "studios":
                assert sorted(s["name"] for s in shown[name]) == sorted(value), (body, name)
            elif isinstance(value, date):
                assert shown[name] == value.isoformat(), (body, name)
            else:
                assert shown[name] == value, (body, name)
        assert set(accepted) <= set(shown["locked_fields"])

    await asyncio.to_thread(answers)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_refresh_keeps_an_edit_made_while_it_ran(api: Api) -> None:
    """A refresh read the item, then an admin edited it (PostgreSQL lets both run; SQLite's
    refresh would hold the write lock from its start): the refresh writes what is not locked,
    and the NFO's tags, but not over the edit."""
    movie_id, _ = await seed(api)
    async with api.services.users.database.transaction() as session:
        movies = MovieRepository(session)
        movie = await movies.get(movie_id)  # read before the edit
        await api.services.editor.edit(movie_id, ItemChanges(title="Alien (1979)"))
        record = MovieRecord(title="Alien (Original)", overview="In space.", tags=("Classic",))
        async with RecordWriter(session) as writer:
            await writer.write(movies, movie, record)
    details = await api.services.movies.details(movie_id, None)
    assert (details.item.title, details.overview) == ("Alien (1979)", "In space.")
    assert (details.tags, details.locked_fields) == (("Classic",), ("title",))


def test_nfo_tags_are_read_as_tags() -> None:
    long = "x" * (TAG_NAME_MAX + 1)
    nfo = f"<movie><title>Heat</title><tag>Heist</tag><tag> </tag><tag>{long}</tag></movie>"
    record = parse_movie(nfo.encode(), "Heat.nfo")
    assert record.tags == ("Heist",)


async def test_the_edit_form_sends_only_what_the_admin_changed(api: Api) -> None:
    """The web form (both databases): a field left as it was shown is not sent, so a form
    opened before another admin's edit does not undo it; a list is its lines; an unlock
    lifts one lock."""
    movie_id, _ = await seed(api)
    await log_in(api, "ann", is_admin=True)
    page = await api.client.get(f"/admin/items/{movie_id}/edit")
    assert page.status_code == 200
    assert 'name="was:title" value="Alien"' in page.text
    shown = {"title": "Alien", "tagline": "", "genres": "Horror", "tags": "", "year": "1979"}
    # Another admin sets the tagline after this form was shown.
    await api.services.editor.edit(movie_id, ItemChanges(tagline="In space."))
    form = shown | {f"was:{name}": value for name, value in shown.items()}
    changed = {"title": "Alien ", "genres": "Horror\r\nSci-Fi\r\n\r\n"}
    sent = form | changed | {"csrf": csrf(api.client)}
    saved = await api.client.post(f"/admin/items/{movie_id}/edit", data=sent)
    assert (saved.status_code, saved.headers["location"]) == (303, f"/movies/{movie_id}")
    details = await api.services.movies.details(movie_id, None)
    assert (details.item.title, details.tagline) == ("Alien", "In space.")
    assert details.genres == ("Horror", "Sci-Fi")
    # The title came back as shown but for a space: changed, so sent (and locked).
    assert details.locked_fields == ("genres", "tagline", "title")

    refused = await api.client.post(
        f"/admin/items/{movie_id}/edit", data=form | {"year": "1700", "csrf": csrf(api.client)}
    )
    assert refused.status_code == 422
    assert 'id="error-year"' in refused.text
    assert 'value="1700"' in refused.text

    unlocked = await api.client.post(
        f"/admin/items/{movie_id}/unlock", data={"field": "tagline", "csrf": csrf(api.client)}
    )
    assert unlocked.status_code == 303
    details = await api.services.movies.details(movie_id, None)
    assert details.locked_fields == ("genres", "title")
    bad = await api.client.post(
        f"/admin/items/{movie_id}/unlock", data={"field": "colour", "csrf": csrf(api.client)}
    )
    assert bad.status_code == 422
