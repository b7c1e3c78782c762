"""The TMDb v3 provider against the fake: one request per item, field-level language fallback."""

from __future__ import annotations

from datetime import date

import pytest

from reelhouse.bootstrap.providers import Providers
from reelhouse.content.metadata.models import ExternalIds
from reelhouse.content.metadata.protocol import Fetch, SearchQuery
from reelhouse.errors import NotFoundError
from reelhouse.kinds import ItemKind
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import HANDWRITTEN_BASE
from reelhouse.testing.fake_providers.server import FakeServer

EN = Fetch(language="en")
AMELIE = HANDWRITTEN_BASE + 9
NULLS = HANDWRITTEN_BASE + 10


async def test_configuration_gives_the_image_base(
    providers: Providers, fake_server: FakeServer
) -> None:
    configuration = await providers.tmdb.configuration()
    assert configuration.images.secure_base_url == f"{fake_server.url}/t/p/"  # the fake serves them
    assert "original" in configuration.images.poster_sizes


async def test_a_movie_is_one_request_with_everything_appended(
    providers: Providers, fake: FakeProviders, fake_server: FakeServer
) -> None:
    movie = await providers.tmdb.movie(ExternalIds(tmdb=HANDWRITTEN_BASE + 1), EN)
    assert movie is not None
    assert fake.control.stats.by_endpoint["tmdb.movie"] == 1
    assert movie.title == "Real Steel"
    assert movie.ids == ExternalIds(tmdb=HANDWRITTEN_BASE + 1, imdb="tt0433035")
    assert movie.release_date == date(2011, 3, 14)
    assert movie.runtime_minutes == 127
    assert movie.certification == "PG-13"  # the theatrical release, not the festival premiere
    assert [c.role for c in movie.credits] == ["actor", "actor", "actor", "director", "writer"]
    assert movie.credits[0].image
    assert movie.credits[0].image.startswith(f"{fake_server.url}/t/p/original/")
    assert {a.kind for a in movie.artwork} == {"poster", "backdrop"}
    assert movie.videos[0].site == "YouTube"
    assert movie.keywords == ("superhero",)
    assert movie.ratings["tmdb"].value == 7.25
    assert movie.sources == ("tmdb",)


async def test_the_second_movie_reuses_the_cached_configuration(
    providers: Providers, fake: FakeProviders
) -> None:
    await providers.tmdb.movie(ExternalIds(tmdb=1), EN)
    await providers.tmdb.movie(ExternalIds(tmdb=2), EN)
    assert fake.control.stats.by_endpoint["tmdb.configuration"] == 1
    assert fake.control.stats.by_endpoint["tmdb.movie"] == 2


async def test_an_empty_field_falls_back_to_the_original_language_then_english(
    providers: Providers,
) -> None:
    movie = await providers.tmdb.movie(ExternalIds(tmdb=AMELIE), Fetch(language="de"))
    assert movie is not None
    assert movie.title == "Die fabelhafte Welt der Amélie"  # German title exists
    assert movie.overview == "Amélie, serveuse."  # no German overview: the original, French
    assert movie.tagline == "She'll change your life."  # neither German nor French: English


async def test_nulls_and_missing_fields_are_tolerated(providers: Providers) -> None:
    movie = await providers.tmdb.movie(ExternalIds(tmdb=NULLS), EN)
    assert movie is not None
    assert movie.overview is None
    assert movie.release_date is None
    assert movie.genres == ()
    assert movie.ratings == {}
    assert [c.role for c in movie.credits] == ["director"]


async def test_a_movie_without_a_tmdb_id_is_not_fetched(
    providers: Providers, fake: FakeProviders
) -> None:
    assert await providers.tmdb.movie(ExternalIds(imdb="tt0433035"), EN) is None
    assert fake.control.stats.requests == 0


async def test_an_unknown_movie_is_not_found(providers: Providers) -> None:
    with pytest.raises(NotFoundError):
        await providers.tmdb.movie(ExternalIds(tmdb=987_654), EN)


async def test_search_movies_returns_candidates_with_years(providers: Providers) -> None:
    found = await providers.tmdb.search_movies(SearchQuery("Charlotte's Web"))
    assert {(c.title, c.year) for c in found} == {
        ("Charlotte's Web", 2006),
        ("Charlotte's Web", 1973),
    }
    assert all(c.kind is ItemKind.MOVIE for c in found)
    narrowed = await providers.tmdb.search_movies(SearchQuery("Charlotte's Web", year=1973))
    assert [c.ids.tmdb for c in narrowed] == [HANDWRITTEN_BASE + 8]


async def test_series_details_cross_link_to_tvdb(providers: Providers, fake: FakeProviders) -> None:
    series = await providers.tmdb.series(ExternalIds(tmdb=HANDWRITTEN_BASE + 1), EN)
    assert series is not None
    assert fake.control.stats.by_endpoint["tmdb.tv"] == 1
    assert series.title == "The Office"
    assert series.ids.tvdb == 70_000 + HANDWRITTEN_BASE + 1
    assert series.ids.imdb == "tt0386676"
    assert [s.episode_count for s in series.seasons] == [6, 22, 25]
    assert series.certification == "TV-14"
    assert series.studios == ("NBC",)


async def test_season_and_episode(providers: Providers) -> None:
    ids = ExternalIds(tmdb=HANDWRITTEN_BASE + 1)
    season = await providers.tmdb.season(ids, 2, EN)
    assert season is not None
    assert len(season.episodes) == 22
    assert season.episodes[0].episode_number == 1
    episode = await providers.tmdb.episode(ids, 2, 5, EN)
    assert episode is not None
    assert (episode.season_number, episode.episode_number) == (2, 5)
    assert episode.artwork[0].kind == "still"


async def test_find_by_imdb_and_by_tvdb_id(providers: Providers) -> None:
    by_imdb = await providers.tmdb.find(ExternalIds(imdb="tt1396484"))
    assert [(c.kind, c.ids.tmdb) for c in by_imdb] == [(ItemKind.MOVIE, HANDWRITTEN_BASE + 2)]
    by_tvdb = await providers.tmdb.find(ExternalIds(tvdb=70_000 + HANDWRITTEN_BASE + 2))
    assert [(c.kind, c.title) for c in by_tvdb] == [(ItemKind.SERIES, "Dark")]


async def test_collection(providers: Providers) -> None:
    movie = await providers.tmdb.movie(ExternalIds(tmdb=3), EN)
    assert movie is not None
    assert movie.collection is not None
    assert movie.collection.ids.tmdb is not None
    collection = await providers.tmdb.collection(movie.collection.ids.tmdb, EN)
    assert 3 in {part.ids.tmdb for part in collection.parts}


async def test_every_image_of_every_language_with_its_sizes(
    providers: Providers, fake: FakeProviders, fake_server: FakeServer
) -> None:
    """The image picker's list: `/images` without a language gives every language (the
    details ask for a few), each image with the sizes the configuration offers; once cached."""
    for kind, path in ((ItemKind.MOVIE, "m"), (ItemKind.SERIES, "t")):
        offered = await providers.tmdb.offered_images(kind, ExternalIds(tmdb=1))
        posters = [o for o in offered if o.kind == "poster"]
        assert [o.language for o in posters] == ["en", "de", "fr", "ja"]
        assert {o.kind for o in offered} == {"poster", "backdrop", "logo"}
        assert all(o.provider == "tmdb" for o in offered)
        first = posters[0]
        assert first.url == f"{fake_server.url}/t/p/original/{path}p1_0.jpg"
        assert (first.width, first.height) == (2000, 3000)
        assert first.sizes["w92"] == f"{fake_server.url}/t/p/w92/{path}p1_0.jpg"
        assert list(first.sizes)[-1] == "original"
    await providers.tmdb.offered_images(ItemKind.MOVIE, ExternalIds(tmdb=1))
    assert fake.control.stats.by_endpoint["tmdb.movie_images"] == 1
    assert fake.control.stats.by_endpoint["tmdb.tv_images"] == 1
    movie = await providers.tmdb.movie(ExternalIds(tmdb=1), EN)
    assert movie is not None
    assert {a.language for a in movie.artwork if a.kind == "poster"} == {"en"}
    assert await providers.tmdb.offered_images(ItemKind.SEASON, ExternalIds(tmdb=1)) == []
    assert await providers.tmdb.offered_images(ItemKind.MOVIE, ExternalIds()) == []
    with pytest.raises(NotFoundError):
        await providers.tmdb.offered_images(ItemKind.MOVIE, ExternalIds(tmdb=10**9))
