"""TheTVDB v4 provider against the fake: login, token reuse and renewal, search, paged episodes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from reelhouse.bootstrap.providers import Providers, build_providers
from reelhouse.config import Settings
from reelhouse.content.metadata.models import ExternalIds
from reelhouse.content.metadata.protocol import Fetch, SearchQuery
from reelhouse.errors import UpstreamUnavailableError
from reelhouse.providers.tvdb import EpisodeOrder
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import HANDWRITTEN_BASE, TVDB_OFFSET
from reelhouse.testing.memory_cache import BoundedMemoryCache

EN = Fetch(language="en")
OFFICE = ExternalIds(tvdb=TVDB_OFFSET + HANDWRITTEN_BASE + 1)


async def test_one_login_serves_many_requests(providers: Providers, fake: FakeProviders) -> None:
    await providers.tvdb.series(OFFICE, EN)
    await providers.tvdb.search_series(SearchQuery("Office"))
    await providers.tvdb.series(ExternalIds(tvdb=TVDB_OFFSET + 1), EN)
    assert fake.control.stats.logins == 1


async def test_an_expired_token_is_renewed_once_for_all_waiting_requests(
    providers: Providers, fake: FakeProviders
) -> None:
    await providers.tvdb.series(OFFICE, EN)
    fake.control.expire_tokens()
    found = await asyncio.gather(
        *(providers.tvdb.series(ExternalIds(tvdb=TVDB_OFFSET + i), EN) for i in range(1, 6))
    )
    assert all(series is not None for series in found)
    assert fake.control.stats.logins == 2
    assert fake.control.stats.by_status[401] >= 1


async def test_a_wrong_api_key_is_an_upstream_error(
    fake: FakeProviders, provider_settings: Callable[..., Settings]
) -> None:
    fake.tvdb_api_key = "the-right-key"
    built = build_providers(provider_settings(), BoundedMemoryCache(), None)
    try:
        with pytest.raises(UpstreamUnavailableError, match="rejected the credentials"):
            await built.tvdb.series(OFFICE, EN)
    finally:
        await built.aclose()


async def test_series_extended_cross_links_ids(providers: Providers) -> None:
    series = await providers.tvdb.series(OFFICE, EN)
    assert series is not None
    assert series.ids == ExternalIds(tvdb=OFFICE.tvdb, tmdb=HANDWRITTEN_BASE + 1, imdb="tt0386676")
    assert series.title == "The Office"
    assert [s.season_number for s in series.seasons] == [0, 1, 2, 3]
    assert series.artwork[0].kind == "poster"
    assert series.status == "Ended"


async def test_series_found_by_imdb_id_when_the_tvdb_id_is_unknown(providers: Providers) -> None:
    series = await providers.tvdb.series(ExternalIds(imdb="tt5753856"), EN)
    assert series is not None
    assert series.title == "Dark"


async def test_search(providers: Providers) -> None:
    found = await providers.tvdb.search_series(SearchQuery("Dark"))
    assert [c.ids.tvdb for c in found] == [TVDB_OFFSET + HANDWRITTEN_BASE + 2]
    assert found[0].year == 2017
    assert "Dark (US)" in found[0].alternative_titles


async def test_episodes_follow_every_page(providers: Providers, fake: FakeProviders) -> None:
    fake.control.configure(tvdb_page_size=4)
    episodes = await providers.tvdb.episodes(OFFICE, EpisodeOrder.AIRED, EN)
    assert len(episodes) == 6 + 22 + 25
    assert fake.control.stats.by_endpoint["tvdb.episodes"] == 14  # ceil(53 / 4)
    assert len({(e.season_number, e.episode_number) for e in episodes}) == 53


async def test_dvd_and_absolute_orders(providers: Providers) -> None:
    dvd = await providers.tvdb.episodes(OFFICE, EpisodeOrder.DVD, EN)
    aired = await providers.tvdb.episodes(OFFICE, EpisodeOrder.AIRED, EN)
    first_dvd = next(e for e in dvd if (e.season_number, e.episode_number) == (1, 1))
    first_aired = next(e for e in aired if (e.season_number, e.episode_number) == (1, 1))
    assert first_dvd.ids != first_aired.ids
    absolute = await providers.tvdb.episodes(OFFICE, EpisodeOrder.ABSOLUTE, EN)
    assert [e.episode_number for e in absolute] == list(range(1, 54))


async def test_season_and_episode(providers: Providers) -> None:
    season = await providers.tvdb.season(OFFICE, 3, EN)
    assert season is not None
    assert len(season.episodes) == 25
    episode = await providers.tvdb.episode(OFFICE, 3, 25, EN)
    assert episode is not None
    assert episode.absolute_number == 53
    assert await providers.tvdb.season(OFFICE, 9, EN) is None


async def test_find_by_tmdb_or_imdb_id(providers: Providers) -> None:
    by_tmdb = await providers.tvdb.find(ExternalIds(tmdb=HANDWRITTEN_BASE + 2))
    by_imdb = await providers.tvdb.find(ExternalIds(imdb="tt5753856"))
    assert [c.ids.tvdb for c in by_tmdb] == [c.ids.tvdb for c in by_imdb]
    assert by_tmdb[0].ids.tvdb == TVDB_OFFSET + HANDWRITTEN_BASE + 2
    assert await providers.tvdb.find(ExternalIds(imdb="tt0000001")) == []
