"""Search on both databases: accents, articles, typos, overviews, people, updates, visibility."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from reelhouse.config import CacheSettings, SearchSettings
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.models import CreditRole
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository
from reelhouse.content.catalogue.search import prefix_end, trigrams, words
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.reads.search import SearchService, normalize_query
from reelhouse.content.registry import SEARCHED_KINDS
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import SeriesRepository
from reelhouse.errors import InvalidInputError
from reelhouse.infra.cache import Cache
from reelhouse.infra.db.engine import Database
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from tests.support import Api, bearer


async def seed(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        movies_lib = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        tv_lib = await LibraryRepository(session).add("TV", LibraryKind.TV, ["/tv"])
        movies = MovieRepository(session)
        ids = {}
        for title, original, overview in [
            ("The Matrix", None, "A hacker learns the truth about his reality."),
            ("Amélie", "Le Fabuleux Destin d'Amélie Poulain", "A shy waitress in Paris."),
            ("Heat", None, "A group of professional bank robbers start to feel the heat."),
            ("Alien", None, "The crew of a commercial spacecraft encounter a deadly lifeform."),
        ]:
            movie = await movies.add(
                Movie(
                    library_id=movies_lib.id,
                    title=title,
                    original_title=original,
                    overview=overview,
                )
            )
            ids[title] = movie.id
        dark = await SeriesRepository(session).add(Series(library_id=tv_lib.id, title="Dark"))
        ids["Dark"] = dark.id
        pacino = await PeopleRepository(session).upsert_by_tmdb_id(1158, "Al Pacino")
        await PeopleRepository(session).set_credits(
            ids["Heat"], [CreditInput(pacino.id, CreditRole.CAST, character="Hanna")]
        )
        ids["pacino"] = pacino.id
        ids["movies_lib"], ids["tv_lib"] = movies_lib.id, tv_lib.id
    return ids


async def titles(
    service: SearchService, query: str, visible: frozenset[int] | None = None
) -> list[str]:
    results = await service.search(query, visible)
    return [item.title for group in results.items.values() for item in group]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("matrix", "The Matrix"),
        ("The Matrix", "The Matrix"),
        ("matirx", "The Matrix"),
        ("amelie", "Amélie"),
        ("AMÉLIE", "Amélie"),
        ("fabuleux destin", "Amélie"),
        ("bank robbers", "Heat"),
        ("alein", "Alien"),
        ("dark", "Dark"),
    ],
)
async def test_finds_what_people_type(database: Database, query: str, expected: str) -> None:
    await seed(database)
    found = await titles(SearchService(database, SEARCHED_KINDS, SearchSettings()), query)
    assert found[:1] == [expected], found


async def test_typos_are_forgiven_in_a_crowd_of_close_titles(database: Database) -> None:
    """Titles with every word of a query come first, however many there are; a typo still
    finds its title among more alike titles than the search takes candidates of each kind."""
    ids = await seed(database)
    crowd = SearchSettings().candidates + 50
    async with database.transaction() as session:
        session.add_all(
            Movie(library_id=ids["movies_lib"], title=f"Silent City {n}") for n in range(crowd)
        )
        session.add(Movie(library_id=ids["movies_lib"], title="Silent River"))
    service = SearchService(database, SEARCHED_KINDS, SearchSettings())
    as_typed = await titles(service, "silent city")
    assert len(as_typed) == 20
    assert all(title.startswith("Silent City") for title in as_typed)
    assert (await titles(service, "silent rivr"))[0] == "Silent River"
    assert (await titles(service, "slient river"))[0] == "Silent River"


async def test_unrelated_queries_find_nothing(database: Database) -> None:
    await seed(database)
    assert await titles(SearchService(database, SEARCHED_KINDS, SearchSettings()), "zzyzx") == []


async def test_people_and_grouping(database: Database) -> None:
    ids = await seed(database)
    results = await SearchService(database, SEARCHED_KINDS, SearchSettings()).search("pacino", None)
    assert [p.id for p in results.people] == [ids["pacino"]]
    results = await SearchService(database, SEARCHED_KINDS, SearchSettings()).search("dark", None)
    assert [i.title for i in results.items[ItemKind.SERIES]] == ["Dark"]


async def test_results_follow_changes(database: Database) -> None:
    ids = await seed(database)
    service = SearchService(database, SEARCHED_KINDS, SearchSettings())
    async with database.transaction() as session:
        movie = await MovieRepository(session).get(ids["Alien"])
        movie.title = "Aliens"
        await MovieRepository(session).save()
        await MovieRepository(session).soft_delete(ids["Heat"])
    assert await titles(service, "aliens") == ["Aliens"]
    assert await titles(service, "bank robbers") == []
    async with database.transaction() as session:
        await session.delete(await MovieRepository(session).get(ids["The Matrix"]))
    assert await titles(service, "matrix") == []


async def test_only_visible_libraries(database: Database) -> None:
    ids = await seed(database)
    service = SearchService(database, SEARCHED_KINDS, SearchSettings())
    tv_only = frozenset({ids["tv_lib"]})
    assert await titles(service, "heat", tv_only) == []
    assert (await service.search("pacino", tv_only)).people == []
    assert await titles(service, "dark", tv_only) == ["Dark"]


@pytest.mark.parametrize(
    "query",
    ['"', "'", "*", "NEAR(a b)", "a OR", "-x", "col:val", "^", "((", "\\", "%", "_", "a&b|c", "!"],
)
async def test_query_syntax_is_never_an_error(database: Database, query: str) -> None:
    await seed(database)
    await SearchService(database, SEARCHED_KINDS, SearchSettings()).search(query, None)


def test_empty_or_huge_queries_are_invalid() -> None:
    for query in ("", "   ", "x" * 201):
        with pytest.raises(InvalidInputError):
            normalize_query(query)


@given(st.text(max_size=300))
def test_query_helpers_never_crash(text: str) -> None:
    assert all(len(gram) == 3 for gram in trigrams(text))
    assert all(word for word in words(text))


async def test_search_endpoint(api: Api) -> None:
    await seed(api.services.users.database)
    token = bearer(await api.token_for("root", is_admin=True))
    response = await api.client.get("/api/search", params={"q": "pacino"}, headers=token)
    assert [p["name"] for p in response.json()["people"]] == ["Al Pacino"]
    response = await api.client.get("/api/search", params={"q": "matirx"}, headers=token)
    assert [m["title"] for m in response.json()["movies"]] == ["The Matrix"]
    too_long = await api.client.get("/api/search", params={"q": "x" * 201}, headers=token)
    assert too_long.status_code == 422


async def test_the_endpoint_answers_from_its_cache_until_the_item_changes(api: Api) -> None:
    ids = await seed(api.services.users.database)
    token = bearer(await api.token_for("root", is_admin=True))

    async def titles_found(encoding: str) -> list[str]:
        response = await api.client.get(
            "/api/search", params={"q": "alien"}, headers={**token, "Accept-Encoding": encoding}
        )
        return [movie["title"] for movie in response.json()["movies"]]

    assert (await titles_found("gzip"))[:1] == ["Alien"]
    async with api.services.users.database.transaction() as session:
        movie = await MovieRepository(session).get(ids["Alien"])
        movie.title = "Aliens"
        await MovieRepository(session).save()
        ref = ItemRef.of(movie)
    assert (await titles_found("identity"))[:1] == ["Alien"]  # the cached answer, until told
    await CatalogueInvalidation(api.app.state.cache).items_changed([ref])
    assert (await titles_found("identity"))[:1] == ["Aliens"]
    assert (await titles_found("gzip"))[:1] == ["Aliens"]


async def test_cached_results_follow_invalidated_changes(database: Database) -> None:
    ids = await seed(database)
    cache = Cache(CacheSettings())
    invalidation = CatalogueInvalidation(cache)
    service = SearchService(database, SEARCHED_KINDS, SearchSettings(), cache)
    movies_only = frozenset({ids["movies_lib"]})
    assert (await titles(service, "alien"))[:1] == ["Alien"]
    assert (await titles(service, "alien", movies_only))[:1] == ["Alien"]
    assert [p.name for p in (await service.search("pacino", None)).people] == ["Al Pacino"]
    async with database.transaction() as session:
        movie = await MovieRepository(session).get(ids["Alien"])
        movie.title = "Aliens"
        await MovieRepository(session).save()
        ref = ItemRef.of(movie)
    assert (await titles(service, "alien"))[:1] == ["Alien"]  # the cached answer, until told
    await invalidation.items_changed([ref])
    assert (await titles(service, "alien"))[:1] == ["Aliens"]
    assert (await titles(service, "alien", movies_only))[:1] == ["Aliens"]
    async with database.transaction() as session:
        await PeopleRepository(session).upsert_by_tmdb_id(1158, "Alfredo Pacino")
    await invalidation.people_changed([ids["pacino"]])
    assert [p.name for p in (await service.search("pacino", None)).people] == ["Alfredo Pacino"]


async def test_a_library_change_drops_only_its_cached_results(database: Database) -> None:
    ids = await seed(database)
    cache = Cache(CacheSettings())
    service = SearchService(database, SEARCHED_KINDS, SearchSettings(), cache)
    tv_only = frozenset({ids["tv_lib"]})
    assert await titles(service, "dark", tv_only) == ["Dark"]
    async with database.transaction() as session:
        await SeriesRepository(session).soft_delete(ids["Dark"])
    await CatalogueInvalidation(cache).items_changed([ItemRef(ids["Dark"], ids["tv_lib"])])
    assert await titles(service, "dark", tv_only) == []


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_titles_are_found_by_prefix_from_a_btree(database: Database) -> None:
    """On PostgreSQL a search asks for the titles that start with the query as a range that the
    title-prefix btree serves (migration 0011), in any collation: a `LIKE 'query%'` went to the
    trigram index, which read 50 to 100 times the pages for it."""
    await seed(database)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "search_words @@" in statement:
            statements.append((statement, parameters))

    service = SearchService(database, SEARCHED_KINDS, SearchSettings())
    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        assert await titles(service, "the mat") == ["The Matrix"]
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    [(statement, parameters)] = statements
    async with database.engine.connect() as connection:
        await connection.exec_driver_sql("SET enable_seqscan = off")
        rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        plan = "\n".join(str(row[0]) for row in rows)
    assert "search_items_title_prefix" in plan, plan
    assert "search_items_trigrams" not in plan, plan


def test_a_prefix_range_ends_where_the_prefix_does() -> None:
    """The range of titles that start with a text stops at the next text in code-point order,
    skipping the surrogates (which PostgreSQL's UTF-8 cannot hold)."""
    assert prefix_end("ab") == "ac"
    assert prefix_end("a\ud7ff") == "a\ue000"
    assert prefix_end("z") == "{"
