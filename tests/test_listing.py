"""Keyset listings on both databases: every sort, both directions, ties and missing values."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from reelhouse.content.catalogue.items import SORT_COLUMNS
from reelhouse.content.catalogue.listing import (
    Cursor,
    ItemFilter,
    PageRequest,
    SortField,
    cursor_value,
)
from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.reads.items import listing_key
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.engine import Database
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository, MediaFileRecord, MediaFileRepository


def movie(rng: random.Random, library_id: int, n: int) -> Movie:
    letters = "abcdefghij"
    maybe = rng.random
    return Movie(
        library_id=library_id,
        title="".join(rng.choice(letters) for _ in range(2)),  # many ties on purpose
        year=rng.choice([1999, 2000, 2001]) if maybe() > 0.2 else None,
        added_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(5)),
        release_date=date(2000, 1, rng.randrange(1, 4)) if maybe() > 0.3 else None,
        community_rating=rng.choice([5.5, 7.0, 8.25]) if maybe() > 0.25 else None,
        runtime_minutes=rng.choice([90, 120]) if maybe() > 0.4 else None,
        tmdb_id=n + 1 if maybe() > 0.5 else None,
    )


def expected_order(movies: list[Movie], sort: SortField, descending: bool) -> list[int]:
    column = SORT_COLUMNS[sort]
    valued = [m for m in movies if getattr(m, column) is not None]
    empty = [m for m in movies if getattr(m, column) is None]
    valued.sort(key=lambda m: (getattr(m, column), m.id), reverse=descending)
    empty.sort(key=lambda m: m.id, reverse=descending)
    return [m.id for m in valued + empty]


async def page_through(
    repo: MovieRepository, filters: ItemFilter, sort: SortField, descending: bool, limit: int
) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = await repo.list_page(
            filters,
            PageRequest(sort, descending, limit, Cursor.decode(cursor) if cursor else None),
        )
        assert len(page.items) <= limit
        seen += [m.id for m in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


#: The sorts by an item's own columns; those by what probes found are tested with real files
#: (tests/test_media_pipeline.py), and are computed per item, not read from an index.
COLUMN_SORTS = [sort for sort in SortField if sort in SORT_COLUMNS]


@pytest.mark.parametrize("sort", COLUMN_SORTS)
async def test_keyset_pages_cover_everything_once_in_order(
    database: Database, sort: SortField
) -> None:
    rng = random.Random(sort.value)
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        other = await LibraryRepository(session).add("Other", LibraryKind.MOVIES, ["/o"])
        repo = MovieRepository(session)
        movies = [await repo.add(movie(rng, library.id, n)) for n in range(60)]
        await repo.add(Movie(library_id=other.id, title="elsewhere"))
        hidden = await repo.add(Movie(library_id=library.id, title="deleted"))
        await repo.soft_delete(hidden.id)
        only_library = ItemFilter(library_ids=frozenset({library.id}))
        for descending in (False, True):
            want = expected_order(movies, sort, descending)
            for limit in (1, 7, 60, 100):
                got = await page_through(repo, only_library, sort, descending, limit)
                assert got == want, (sort, descending, limit)


@pytest.mark.parametrize("libraries", ["all", "two", "one"])
async def test_every_sort_is_read_from_an_index_in_order(
    database: Database, libraries: str
) -> None:
    """No listing query sorts rows: for every sort, direction and set of libraries, each
    statement a page runs is planned as an index scan in the page's order (PostgreSQL told
    to avoid sorts, which it still plans when no index gives the order), from the first page
    and from a cursor on."""
    async with database.transaction() as session:
        ids = [
            (await LibraryRepository(session).add(name, LibraryKind.MOVIES, [f"/{name}"])).id
            for name in ("a", "b", "c")
        ]
    chosen = {"all": None, "two": frozenset(ids[:2]), "one": frozenset(ids[:1])}[libraries]
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sync_engine = database.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        async with database.read() as session:
            repo = MovieRepository(session)
            for sort in COLUMN_SORTS:
                for descending in (False, True):
                    for after in (None, Cursor(sort, descending, None, 5)):
                        page = PageRequest(sort, descending, 10, after)
                        await repo.list_page(ItemFilter(library_ids=chosen), page)
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    assert len(statements) >= 4 * len(COLUMN_SORTS)
    async with database.engine.connect() as connection:
        if database.backend == "postgresql":
            await connection.exec_driver_sql("SET enable_sort = off")
            await connection.exec_driver_sql("SET enable_seqscan = off")
        explain = "EXPLAIN QUERY PLAN " if database.backend == "sqlite" else "EXPLAIN "
        for statement, parameters in statements:
            rows = await connection.exec_driver_sql(explain + statement, parameters)
            plan = " | ".join(str(row[-1]) for row in rows)
            assert "TEMP B-TREE" not in plan, (statement, plan)  # SQLite's sort
            assert "Sort " not in plan, (statement, plan)  # PostgreSQL's


#: The sorts whose column a row may lack.
NULLABLE_SORTS = [s for s in COLUMN_SORTS if Movie.__table__.c[SORT_COLUMNS[s]].nullable]


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_rows_without_a_sort_value_are_a_range_of_the_listing_index(
    database: Database,
) -> None:
    """Past the rows that have a sort value, a page reads those without one as a range of the
    sort's listing index (kind, column, id), which holds them in id order: not the primary key
    read backwards with every row of every kind and library checked, nor every row of the kind
    without a value sorted, which is what PostgreSQL planned on a catalogue just written (95,000
    movies without a release date: 200 ms a page, for 50 rows)."""
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        repo = MovieRepository(session)
        for n in range(3):
            await repo.add(Movie(library_id=library.id, title=f"m{n}"))  # no value to sort by
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    sync_engine = database.engine.sync_engine
    checked = 0
    async with database.engine.connect() as connection:
        await connection.exec_driver_sql("SET enable_sort = off")
        await connection.exec_driver_sql("SET enable_seqscan = off")
        for sort in NULLABLE_SORTS:
            column = f"items.{SORT_COLUMNS[sort]} IS NULL"
            for descending in (False, True):
                for after in (None, Cursor(sort, descending, None, 2)):
                    statements.clear()
                    event.listen(sync_engine, "before_cursor_execute", capture)
                    try:
                        async with database.read() as session:
                            await MovieRepository(session).list_page(
                                ItemFilter(library_ids=frozenset({library.id})),
                                PageRequest(sort, descending, 10, after),
                            )
                    finally:
                        event.remove(sync_engine, "before_cursor_execute", capture)
                    [(statement, parameters)] = [s for s in statements if column in s[0]]
                    rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
                    plan = [str(row[0]) for row in rows]
                    ranges = [line for line in plan if "Index Cond" in line]
                    assert any(SORT_COLUMNS[sort] + " IS NULL" in r for r in ranges), plan
                    assert not any("Sort" in line for line in plan), plan
                    checked += 1
    assert checked == 4 * len(NULLABLE_SORTS)


async def test_filters_and_total(database: Database) -> None:
    async with database.transaction() as session:
        library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
        repo = MovieRepository(session)
        old = await repo.add(Movie(library_id=library.id, title="Old", year=1950, tmdb_id=1))
        new = await repo.add(
            Movie(library_id=library.id, title="New", year=2020, community_rating=8.0)
        )
        await repo.set_genres(old.id, ["Film-Noir"])
        path = b"/m/Old (1950).mkv"
        [file_id] = await MediaFileRepository(session).upsert_many(
            library.id, [MediaFileRecord(path.decode(), path, 1, 1, 1, 1)]
        )
        await MediaLinkRepository(session).link_file(old.id, file_id)

        async def ids(**filters: object) -> list[int]:
            page = await repo.list_page(
                ItemFilter(**filters),  # type: ignore[arg-type]
                PageRequest(include_total=True),
            )
            assert page.total == len(page.items)
            return [m.id for m in page.items]

        assert await ids() == [new.id, old.id]
        assert await ids(year_min=2000) == [new.id]
        assert await ids(year_max=2000) == [old.id]
        assert await ids(rating_min=7.5) == [new.id]
        assert await ids(genres=frozenset({"film-noir"})) == [old.id]
        assert await ids(title_prefix="ol") == [old.id]
        assert await ids(title_prefix="%") == []  # a LIKE wildcard is a character here
        assert await ids(title_from="o") == [old.id]
        assert await ids(title_before="o") == [new.id]
        assert await ids(has_file=True) == [old.id]
        assert await ids(has_file=False) == [new.id]
        assert await ids(matched=True) == [old.id]
        assert await ids(matched=False) == [new.id]
        assert await ids(library_ids=frozenset()) == []
        await MediaFileRepository(session).mark_missing([file_id])
        assert await ids(has_file=True) == []


def test_a_cursor_for_another_sort_is_refused() -> None:
    cursor = Cursor(SortField.YEAR, False, 1999, 5)
    with pytest.raises(InvalidInputError, match="another sort order"):
        PageRequest(SortField.TITLE, False, 10, cursor)


@given(st.text())
def test_foreign_cursors_are_invalid_input_never_a_crash(text: str) -> None:
    try:
        Cursor.decode(text)
    except InvalidInputError as error:
        field = error.field
    else:
        field = "cursor"
    assert field == "cursor"


#: Text a database row can hold: PostgreSQL's cannot hold NUL, and neither database a lone
#: surrogate (not UTF-8).
STORABLE_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]))


def column_values(sort: SortField) -> st.SearchStrategy[object]:
    """What the column `sort` orders by holds, as a cursor carries it (`cursor_value`)."""
    if sort in (SortField.ADDED, SortField.LAST_PLAYED):
        values: st.SearchStrategy[object] = st.datetimes(timezones=st.just(UTC))
    elif sort is SortField.RELEASE:
        values = st.dates()
    elif sort is SortField.TITLE:
        values = STORABLE_TEXT
    elif sort is SortField.RATING:
        values = st.floats(allow_nan=False, allow_infinity=False)
    else:
        values = st.integers(-MAX_BIGINT, MAX_BIGINT)
    return st.one_of(st.none(), values.map(cursor_value))


@given(
    st.sampled_from(list(SortField)).flatmap(lambda s: st.tuples(st.just(s), column_values(s))),
    st.booleans(),
    st.integers(1, MAX_BIGINT),
)
def test_cursors_round_trip(
    sort_value: tuple[SortField, object], descending: bool, row_id: int
) -> None:
    sort, value = sort_value
    cursor = Cursor(sort, descending, value, row_id)  # type: ignore[arg-type]
    assert Cursor.decode(cursor.encode()) == cursor


#: Values no sort's column holds.
FOREIGN_VALUES = st.one_of(
    st.integers(max_value=-MAX_BIGINT - 1),
    st.integers(min_value=MAX_BIGINT + 1),
    st.sampled_from([float("inf"), float("-inf"), float("nan")]),
    st.text().map(lambda text: text + "\x00"),
    st.text().map(lambda text: text + "\ud800"),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)


@given(st.sampled_from(list(SortField)), FOREIGN_VALUES, st.sampled_from([1, float("inf")]))
def test_cursors_with_values_no_row_holds_are_refused(
    sort: SortField, value: object, row_id: object
) -> None:
    forged = Cursor(sort, False, value, row_id).encode()  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as refused:
        Cursor.decode(forged)
    assert refused.value.field == "cursor"


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        (SortField.ADDED, "2024-01-01T00:00:00"),  # naive: which zone?
        (SortField.LAST_PLAYED, "0001-01-01T00:00:00+01:00"),  # before year 1 in UTC
        (SortField.YEAR, "1999"),  # text for a number
        (SortField.TITLE, 5),  # a number for text
        (SortField.RUNTIME, 1.5),
    ],
)
def test_cursor_values_of_the_wrong_form_are_refused(sort: SortField, value: object) -> None:
    forged = Cursor(sort, False, value, 1).encode()  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        Cursor.decode(forged)


def few(*values: object) -> st.SearchStrategy[Any]:
    """None or one of a few values: small domains, so that equal listings come up often."""
    return st.one_of(st.none(), st.sampled_from(values))


LISTING_FILTERS = st.builds(
    ItemFilter,
    library_ids=st.one_of(st.none(), st.frozensets(st.integers(1, 3))),
    genres=few(frozenset({"drama"}), frozenset({"drama", "crime"})),
    year_min=few(1990, 1991),
    year_max=few(1990, 2000),
    rating_min=few(0.0, 7.5),
    rating_max=few(7.5, 10.0),
    has_file=few(True, False),
    matched=few(True, False),
    added_since=few(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)),
    person_ids=few(frozenset({1}), frozenset({1, 2})),
    title_prefix=few("a", "b"),
    title_before=few("a", "b"),
)


@st.composite
def page_requests(draw: st.DrawFn) -> PageRequest:
    sort, descending = draw(st.sampled_from([SortField.TITLE, SortField.YEAR])), draw(st.booleans())
    after = draw(few(Cursor(sort, descending, "Heat", 7), Cursor(sort, descending, 1995, 7)))
    return PageRequest(sort, descending, draw(st.integers(1, 2)), after, draw(st.booleans()))


@given(LISTING_FILTERS, page_requests(), LISTING_FILTERS, page_requests())
def test_listing_keys_are_equal_exactly_for_equal_listings(
    filters: ItemFilter, page: PageRequest, other_filters: ItemFilter, other_page: PageRequest
) -> None:
    same_key = listing_key("movie", filters, page) == listing_key(
        "movie", other_filters, other_page
    )
    assert same_key == ((filters, page) == (other_filters, other_page))
