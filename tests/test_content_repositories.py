"""Catalogue constraints on both databases: unique provider ids, soft delete, cascades."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from reelhouse.content.catalogue.items import RatingValue
from reelhouse.content.catalogue.models import (
    Credit,
    CreditRole,
    Image,
    ImageKind,
    ItemGenre,
    Provider,
    Rating,
    StudioKind,
)
from reelhouse.content.catalogue.people import CreditInput, PeopleRepository
from reelhouse.content.catalogue.records import KNOWN_SOURCES, image_source
from reelhouse.content.movies.models import Collection, Movie
from reelhouse.content.movies.repository import CollectionRepository, MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import EpisodeRepository, SeasonRepository, SeriesRepository
from reelhouse.errors import ConflictError, InvalidInputError, NotFoundError
from reelhouse.infra.db.engine import Database

MAX_BIGINT = 2**63 - 1


async def test_provider_ids_are_unique_per_kind(database: Database) -> None:
    async with database.transaction() as session:
        await MovieRepository(session).add(
            Movie(title="The Matrix", tmdb_id=603, imdb_id="tt0133093")
        )
        await SeriesRepository(session).add(Series(title="Not a movie", tmdb_id=603))
    with pytest.raises(ConflictError, match="movie"):
        async with database.transaction() as session:
            await MovieRepository(session).add(Movie(title="Duplicate", tmdb_id=603))
    with pytest.raises(ConflictError):
        async with database.transaction() as session:
            await MovieRepository(session).add(Movie(title="Same IMDb", imdb_id="tt0133093"))


async def test_soft_delete_then_reinsert_the_same_ids(database: Database) -> None:
    async with database.transaction() as session:
        movies = MovieRepository(session)
        first = await movies.add(Movie(title="Alien", tmdb_id=348, imdb_id="tt0078748"))
        await movies.soft_delete(first.id)
        second = await movies.add(Movie(title="Alien", tmdb_id=348, imdb_id="tt0078748"))
        assert (await movies.find_by_provider_id(Provider.TMDB, 348)) is second
        with pytest.raises(NotFoundError):
            await movies.get(first.id)
        kept = await movies.get(first.id, include_deleted=True)
        assert kept.deleted_at is not None
        with pytest.raises(NotFoundError):
            await movies.soft_delete(first.id)


async def test_64_bit_ids_round_trip_and_larger_ones_are_refused(database: Database) -> None:
    async with database.transaction() as session:
        movie = await MovieRepository(session).add(
            Movie(title="Big", tmdb_id=MAX_BIGINT, tvdb_id=MAX_BIGINT - 1)
        )
    async with database.transaction() as session:
        loaded = await MovieRepository(session).get(movie.id)
        assert (loaded.tmdb_id, loaded.tvdb_id) == (MAX_BIGINT, MAX_BIGINT - 1)
    with pytest.raises(InvalidInputError, match="64-bit") as error:
        Movie(title="Too big", tmdb_id=MAX_BIGINT + 1)
    assert error.value.field == "tmdb_id"
    with pytest.raises(InvalidInputError):
        Movie(title="Negative", tvdb_id=-5)
    with pytest.raises(InvalidInputError):
        Movie(title="Bad IMDb", imdb_id="0133093")


async def test_seasons_and_episodes_are_unique_among_live_rows(database: Database) -> None:
    async with database.transaction() as session:
        series_repo = SeriesRepository(session)
        series = await series_repo.add(Series(title="Dark", tvdb_id=334824))
        season = await series_repo.season(series, 1)
        assert await series_repo.season(series, 1) is season
        specials = await series_repo.season(series, 0)
        assert specials.title == "Specials"
        episodes = EpisodeRepository(session)
        pilot = await episodes.add_to_season(season, 1, "Secrets")
        assert (pilot.series_id, pilot.parent_index_number) == (series.id, 1)
    async with database.transaction() as session:
        season = await SeasonRepository(session).get(season.id)
        with pytest.raises(ConflictError):
            await EpisodeRepository(session).add_to_season(season, 1, "Again")
    async with database.transaction() as session:
        await SeriesRepository(session).soft_delete(series.id)
        with pytest.raises(NotFoundError):
            await EpisodeRepository(session).get(pilot.id)
        series = await SeriesRepository(session).add(Series(title="Dark", tvdb_id=334824))
        season = await SeriesRepository(session).season(series, 1)
        await EpisodeRepository(session).add_to_season(season, 1, "Secrets")
        assert [s.index_number for s in await SeriesRepository(session).seasons(series.id)] == [1]


async def test_deleting_an_item_cascades_to_what_hangs_off_it(database: Database) -> None:
    async with database.transaction() as session:
        movies = MovieRepository(session)
        movie = await movies.add(Movie(title="Heat", tmdb_id=949, year=1995))
        await movies.set_genres(movie.id, ["Crime", "Thriller"])
        await movies.set_studios(movie.id, StudioKind.STUDIO, ["Warner Bros."])
        await movies.set_ratings(movie.id, {"tmdb": RatingValue(7.9, votes=7000)})
        await movies.set_translation(movie.id, "de", title="Heat", overview="Los Angeles...")
        await movies.add_image(
            Image(item_id=movie.id, kind=ImageKind.POSTER, provider="tmdb", provider_path="/h.jpg")
        )
        person = await PeopleRepository(session).upsert_by_tmdb_id(380, "Robert De Niro")
        await PeopleRepository(session).set_credits(
            movie.id, [CreditInput(person.id, CreditRole.CAST, character="Neil McCauley")]
        )
    async with database.transaction() as session:
        await session.delete(await MovieRepository(session).get(movie.id))
    async with database.transaction() as session:
        for table in (ItemGenre, Rating, Image, Credit):
            count = await session.scalar(
                select(func.count()).select_from(table).where(table.item_id == movie.id)
            )
            assert count == 0, table.__tablename__
        assert await MovieRepository(session).translations(movie.id) == []
        assert (await PeopleRepository(session).get(person.id)).name == "Robert De Niro"


async def test_deleting_a_collection_unlinks_its_movies(database: Database) -> None:
    async with database.transaction() as session:
        collection = await CollectionRepository(session).add(
            Collection(title="Alien Collection", tmdb_id=8091)
        )
        movie = await MovieRepository(session).add(
            Movie(title="Aliens", tmdb_id=679, collection_id=collection.id)
        )
        assert [m.id for m in await CollectionRepository(session).movies(collection.id)] == [
            movie.id
        ]
    async with database.transaction() as session:
        await session.delete(await CollectionRepository(session).get(collection.id))
    async with database.transaction() as session:
        assert (await MovieRepository(session).get(movie.id)).collection_id is None


async def test_credits_update_in_place(database: Database) -> None:
    async with database.transaction() as session:
        movie = await MovieRepository(session).add(Movie(title="Heat", tmdb_id=949))
        people = PeopleRepository(session)
        pacino = await people.upsert_by_tmdb_id(1158, "Al Pacino")
        mann = await people.upsert_by_tmdb_id(638, "Michael Mann")
        await people.set_credits(
            movie.id,
            [
                CreditInput(pacino.id, CreditRole.CAST, character="Vincent Hanna", sort_order=0),
                CreditInput(mann.id, CreditRole.CREW, department="Directing", job="Director"),
            ],
        )
        before = {c.person_id: c.id for c in await people.credits(movie.id)}
        await people.set_credits(
            movie.id,
            [CreditInput(pacino.id, CreditRole.CAST, character="Vincent Hanna", sort_order=3)],
        )
        after = await people.credits(movie.id)
        assert [(c.id, c.sort_order) for c in after] == [(before[pacino.id], 3)]
        again = await people.upsert_by_tmdb_id(1158, "Al Pacino", imdb_id="nm0000199")
        assert again.id == pacino.id


async def test_genres_are_replaced_not_duplicated(database: Database) -> None:
    async with database.transaction() as session:
        movies = MovieRepository(session)
        movie = await movies.add(Movie(title="Heat", tmdb_id=949))
        other = await movies.add(Movie(title="Ronin", tmdb_id=8195))
        await movies.set_genres(movie.id, ["Crime", "Drama", "Crime", " "])
        await movies.set_genres(other.id, ["Crime"])
        await movies.set_genres(movie.id, ["Drama", "Thriller"])
        rows = await session.execute(
            select(ItemGenre.item_id, func.count()).group_by(ItemGenre.item_id)
        )
        assert dict(rows.all()) == {movie.id: 2, other.id: 1}


async def test_out_of_range_values_are_invalid_input(database: Database) -> None:
    async with database.transaction() as session:
        movie = await MovieRepository(session).add(Movie(title="Heat", tmdb_id=949))
    async with database.transaction() as session:
        with pytest.raises(InvalidInputError):
            await MovieRepository(session).set_ratings(movie.id, {"imdb": RatingValue(11.0)})
    with pytest.raises(InvalidInputError):
        async with database.transaction() as session:
            await MovieRepository(session).add(Movie(title="Heat", community_rating=-1))


async def test_an_image_belongs_to_exactly_one_owner(database: Database) -> None:
    with pytest.raises(InvalidInputError):
        async with database.transaction() as session:
            await MovieRepository(session).add_image(
                Image(kind=ImageKind.POSTER, provider="tmdb", provider_path="/orphan.jpg")
            )


async def test_sort_title_ignores_articles_case_and_accents(database: Database) -> None:
    async with database.transaction() as session:
        movie = await MovieRepository(session).add(Movie(title="The Éclair"))
        assert movie.sort_title == "eclair"
        movie.title = "A Beautiful Mind"
        await MovieRepository(session).save()
        assert (await MovieRepository(session).get(movie.id)).sort_title == "beautiful mind"


@given(st.from_regex(r"[a-z0-9.-]{1,60}", fullmatch=True))
def test_an_image_source_is_a_known_provider_or_web_never_a_cut_host(host: str) -> None:
    source = image_source(f"https://{host}/poster.jpg")
    assert source in {*KNOWN_SOURCES, "web"}
    assert (source == "web") == all(name not in host for name in KNOWN_SOURCES)
