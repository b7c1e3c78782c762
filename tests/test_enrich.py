"""Enrichment end to end against the fakes: identify, fetch by priority, cross-link, merge."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import pytest

from reelhouse.bootstrap.providers import Providers
from reelhouse.config import MetadataSettings, Settings
from reelhouse.content.enrichment import Unit, UnlinkedFile
from reelhouse.content.matching.score import MatchQuery, Verdict
from reelhouse.content.metadata.aggregate import merge
from reelhouse.content.metadata.enrich import Enriched, Enricher, Unmatched
from reelhouse.content.metadata.models import (
    EpisodeRecord,
    ExternalIds,
    MovieRecord,
    Rating,
    SeasonRecord,
)
from reelhouse.errors import UpstreamResponseError, UpstreamUnavailableError
from reelhouse.kinds import ItemKind
from reelhouse.naming import Identity, Kind
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import HANDWRITTEN_BASE, TVDB_OFFSET

MOVIE, SERIES = ItemKind.MOVIE, ItemKind.SERIES


@pytest.fixture
def enricher(providers: Providers, provider_settings: Callable[..., Settings]) -> Enricher:
    return providers.enricher(provider_settings())


def enriched(result: Enriched[MovieRecord] | Unmatched) -> MovieRecord:
    assert isinstance(result, Enriched), result
    return result.record


def test_merge_first_wins_later_fill_gaps_and_ratings_combine() -> None:
    local = MovieRecord(
        title="My Cut", ratings={"imdb": Rating(value=7.0, votes=5)}, sources=("nfo",)
    )
    remote = MovieRecord(
        ids=ExternalIds(tmdb=1),
        title="Real Title",
        overview="From TMDb.",
        release_date=date(2011, 1, 1),
        ratings={"tmdb": Rating(value=6.0, votes=9), "imdb": Rating(value=1.0)},
        sources=("tmdb",),
    )
    merged = merge([local, remote], ["ratings"])
    assert merged.title == "My Cut"
    assert merged.overview == "From TMDb."
    assert merged.ids.tmdb == 1
    assert merged.ratings == {
        "imdb": Rating(value=7.0, votes=5),
        "tmdb": Rating(value=6.0, votes=9),
    }
    assert merged.sources == ("nfo", "tmdb")
    assert merge([local, remote], []).ratings == local.ratings


async def test_a_movie_found_by_search_takes_one_detail_request(
    enricher: Enricher, fake: FakeProviders
) -> None:
    result = await enricher.movie(MatchQuery("Real Steel", MOVIE, 2011))
    assert isinstance(result, Enriched)
    assert result.matched_by == "search"
    assert result.record.ids.tmdb == HANDWRITTEN_BASE + 1
    assert result.record.overview == "Robot boxing."
    stats = fake.control.stats.by_endpoint
    assert (stats["tmdb.search_movie"], stats["tmdb.movie"]) == (1, 1)


async def test_a_second_title_is_searched_when_the_first_finds_nothing(
    enricher: Enricher, fake: FakeProviders
) -> None:
    """A fansub name's native title beside its English one: either may be the provider's."""
    query = MatchQuery("鋼の拳", MOVIE, 2011, alternative_titles=("Real Steel",))
    record = enriched(await enricher.movie(query))
    assert record.ids.tmdb == HANDWRITTEN_BASE + 1
    assert fake.control.stats.by_endpoint["tmdb.search_movie"] == 3  # native ±year, English


def test_a_unit_offers_the_second_titles_of_its_files() -> None:
    def file(n: int, alternate: str | None) -> UnlinkedFile:
        path = f"{n}.mkv"
        identity = Identity(
            path=path, kind=Kind.EPISODE, series="銀河食堂", alternate_title=alternate
        )
        return UnlinkedFile(n, path, identity)

    files = [file(1, "Galaxy Diner"), file(2, None), file(3, "Galaxy Diner"), file(4, "銀河食堂")]
    unit = Unit(SERIES, "銀河食堂", None, None, files=files)
    assert unit.alternate_titles == ("Galaxy Diner",)


async def test_known_ids_skip_search(enricher: Enricher, fake: FakeProviders) -> None:
    record = enriched(await enricher.movie(MatchQuery("whatever", MOVIE), ids=ExternalIds(tmdb=5)))
    assert record.ids.tmdb == 5
    assert fake.control.stats.by_endpoint["tmdb.search_movie"] == 0


async def test_an_ambiguous_title_stays_unmatched_and_fetches_nothing(
    enricher: Enricher, fake: FakeProviders
) -> None:
    result = await enricher.movie(MatchQuery("Charlotte's Web", MOVIE))
    assert isinstance(result, Unmatched)
    assert result.result.verdict is Verdict.AMBIGUOUS
    assert fake.control.stats.by_endpoint["tmdb.movie"] == 0


async def test_a_wrong_year_widens_the_search_but_never_takes_a_poor_match(
    enricher: Enricher, fake: FakeProviders
) -> None:
    off_by_one = enriched(await enricher.movie(MatchQuery("Uncut Gems", MOVIE, 2020)))
    assert off_by_one.ids.tmdb == HANDWRITTEN_BASE + 4
    result = await enricher.movie(MatchQuery("Cam", MOVIE, 2003))  # "Camp" is the 2003 one
    assert isinstance(result, Unmatched)
    assert fake.control.stats.by_endpoint["tmdb.movie"] == 1


async def test_local_nfo_wins_and_remote_fills_the_gaps(enricher: Enricher) -> None:
    nfo = MovieRecord(
        ids=ExternalIds(tmdb=HANDWRITTEN_BASE + 1),
        title="Real Steel (Director's Cut)",
        ratings={"imdb": Rating(value=7.1, votes=340_000)},
        sources=("nfo",),
    )
    record = enriched(await enricher.movie(MatchQuery("Real Steel", MOVIE), nfo=nfo))
    assert record.title == "Real Steel (Director's Cut)"
    assert record.overview == "Robot boxing."
    assert set(record.ratings) == {"imdb", "tmdb"}
    assert record.sources == ("nfo", "tmdb")


async def test_an_imdb_id_from_an_nfo_is_cross_linked_to_tmdb(
    enricher: Enricher, fake: FakeProviders
) -> None:
    nfo = MovieRecord(ids=ExternalIds(imdb="tt7014006"), sources=("nfo",))
    record = enriched(await enricher.movie(MatchQuery("Cam", MOVIE), nfo=nfo))
    assert record.ids == ExternalIds(tmdb=HANDWRITTEN_BASE + 5, imdb="tt7014006")
    assert record.title == "Cam"
    assert fake.control.stats.by_endpoint["tmdb.find"] == 1


async def test_a_series_merges_tmdb_and_tvdb_through_cross_linked_ids(
    enricher: Enricher, fake: FakeProviders
) -> None:
    result = await enricher.series(MatchQuery("The Office", SERIES, 2005))
    assert isinstance(result, Enriched)
    series = result.record
    assert series.ids == ExternalIds(
        tmdb=HANDWRITTEN_BASE + 1, tvdb=TVDB_OFFSET + HANDWRITTEN_BASE + 1, imdb="tt0386676"
    )
    assert series.sources == ("tmdb", "tvdb")
    assert [len(s.episodes) for s in result.seasons] == [6, 22, 25]
    assert result.seasons[0].episodes[0].absolute_number == 1  # only TheTVDB knows it
    assert result.seasons[0].episodes[0].ids.tmdb is not None
    stats = fake.control.stats.by_endpoint
    assert (stats["tmdb.tv"], stats["tmdb.season"], stats["tvdb.series"]) == (1, 3, 1)


async def test_tmdb_only_series_takes_one_request_plus_one_per_season(
    providers: Providers, provider_settings: Callable[..., Settings], fake: FakeProviders
) -> None:
    settings = provider_settings(MetadataSettings(series_providers=["tmdb"]))
    result = await providers.enricher(settings).series(
        MatchQuery("x", SERIES), ids=ExternalIds(tmdb=2)
    )
    assert isinstance(result, Enriched)
    seasons = len(result.record.seasons)
    assert fake.control.stats.by_endpoint["tmdb.tv"] == 1
    assert fake.control.stats.by_endpoint["tmdb.season"] == seasons
    assert fake.control.stats.requests == 1 + seasons + 1  # + the configuration, once


async def test_a_refresh_bypasses_the_cache_for_that_item_only(
    enricher: Enricher, fake: FakeProviders
) -> None:
    for tmdb in (1, 2):
        await enricher.movie(MatchQuery("x", MOVIE), ids=ExternalIds(tmdb=tmdb))
    await enricher.movie(MatchQuery("x", MOVIE), ids=ExternalIds(tmdb=1), refresh=True)
    await enricher.movie(MatchQuery("x", MOVIE), ids=ExternalIds(tmdb=2))
    assert fake.control.stats.ok_by_path["/3/movie/1"] == 2
    assert fake.control.stats.ok_by_path["/3/movie/2"] == 1
    assert fake.control.stats.by_endpoint["tmdb.configuration"] == 1


async def test_a_failing_secondary_provider_is_reported_not_fatal(
    enricher: Enricher, fake: FakeProviders
) -> None:
    fake.control.inject("^/v4/series", "error", times=100)
    result = await enricher.series(
        MatchQuery("x", SERIES), ids=ExternalIds(tmdb=HANDWRITTEN_BASE + 2), with_seasons=False
    )
    assert isinstance(result, Enriched)
    assert result.failed == ("tvdb",)
    assert result.record.title == "Dark"


async def test_a_season_no_provider_answers_fails_the_series_rather_than_dropping_it(
    providers: Providers, provider_settings: Callable[..., Settings], fake: FakeProviders
) -> None:
    settings = provider_settings(MetadataSettings(series_providers=["tmdb"]))
    fake.control.inject("^/3/tv/2/season/2$", "error", times=100)
    with pytest.raises(UpstreamUnavailableError):
        await providers.enricher(settings).series(MatchQuery("x", SERIES), ids=ExternalIds(tmdb=2))


async def test_when_no_remote_provider_answers_the_item_fails(
    enricher: Enricher, fake: FakeProviders
) -> None:
    fake.control.inject("^/3/movie", "error", times=100)
    nfo = MovieRecord(ids=ExternalIds(tmdb=3), title="Local", sources=("nfo",))
    with pytest.raises(UpstreamUnavailableError):
        await enricher.movie(MatchQuery("x", MOVIE), nfo=nfo)


async def test_one_bad_answer_fails_its_item_and_the_batch_goes_on(
    enricher: Enricher, fake: FakeProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.control.inject("^/3/movie/2$", "huge_id")
    results = await asyncio.gather(
        *(enricher.movie(MatchQuery("x", MOVIE), ids=ExternalIds(tmdb=i)) for i in (1, 2, 3)),
        return_exceptions=True,
    )
    first, bad, third = results
    assert isinstance(bad, UpstreamResponseError)
    assert "movie/2" in bad.detail
    assert isinstance(first, Enriched)
    assert isinstance(third, Enriched)
    assert (first.record.ids.tmdb, third.record.ids.tmdb) == (1, 3)
    captured = capsys.readouterr()
    output = (captured.out + captured.err).splitlines()
    logged = [line for line in output if "provider failed" in line]
    assert len(logged) == 1
    assert "movie/2" in logged[0]


async def test_every_generated_movie_is_found_by_its_title_and_year(
    enricher: Enricher, fake: FakeProviders
) -> None:
    for tmdb_id in fake.catalogue.movie_ids():
        movie = fake.catalogue.movie(tmdb_id)
        assert movie is not None
        if movie.year is None:
            continue
        result = await enricher.movie(MatchQuery(movie.title, MOVIE, movie.year))
        assert isinstance(result, Enriched), (movie.title, movie.year)
        assert result.record.ids.tmdb == tmdb_id


async def test_local_episode_nfos_win_per_episode(enricher: Enricher) -> None:
    local = SeasonRecord(
        season_number=1,
        title="Season One (local)",
        episodes=(
            EpisodeRecord(season_number=1, episode_number=2, title="My Title", sources=("nfo",)),
        ),
        sources=("nfo",),
    )
    result = await enricher.series(
        MatchQuery("x", SERIES), ids=ExternalIds(tmdb=HANDWRITTEN_BASE + 1), local_seasons=[local]
    )
    assert isinstance(result, Enriched)
    first = result.seasons[0]
    assert first.title == "Season One (local)"
    assert [e.title for e in first.episodes[:3]] == ["Episode 1", "My Title", "Episode 3"]
    assert first.episodes[1].overview == "Season 1, episode 2."  # the gap filled remotely
    assert first.episodes[1].sources == ("nfo", "tmdb", "tvdb")


async def test_a_provider_without_an_api_key_is_left_out(
    providers: Providers, provider_settings: Callable[..., Settings], fake: FakeProviders
) -> None:
    settings = provider_settings()
    keyless = settings.model_copy(
        update={"tvdb": settings.tvdb.model_copy(update={"api_key": None})}
    )
    result = await providers.enricher(keyless).series(
        MatchQuery("x", SERIES), ids=ExternalIds(tmdb=HANDWRITTEN_BASE + 1), with_seasons=False
    )
    assert isinstance(result, Enriched)
    assert result.record.sources == ("tmdb",)
    assert result.failed == ()
    assert fake.control.stats.logins == 0


async def test_tvdb_first_gives_tmdb_its_id(
    providers: Providers, provider_settings: Callable[..., Settings], fake: FakeProviders
) -> None:
    settings = provider_settings(MetadataSettings(series_providers=["tvdb", "tmdb"]))
    result = await providers.enricher(settings).series(
        MatchQuery("x", SERIES), ids=ExternalIds(tvdb=TVDB_OFFSET + HANDWRITTEN_BASE + 2)
    )
    assert isinstance(result, Enriched)
    assert result.record.ids.tmdb == HANDWRITTEN_BASE + 2  # from TheTVDB's remote ids
    assert result.record.sources == ("tvdb", "tmdb")
    assert result.record.certification == "TV-14"  # a field only TMDb has
    assert fake.control.stats.by_endpoint["tmdb.find"] == 0  # no lookup was needed
