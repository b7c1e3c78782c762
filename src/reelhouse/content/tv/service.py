"""Reads of the TV catalogue: series, their seasons, their episodes."""

from __future__ import annotations

from reelhouse.content.reads.items import ItemCatalogue
from reelhouse.content.reads.views import ItemView
from reelhouse.content.tv.models import Episode, Season, Series
from reelhouse.content.tv.repository import EpisodeRepository, SeasonRepository, SeriesRepository


class SeriesCatalogue(ItemCatalogue[Series]):
    repository = SeriesRepository

    async def seasons(self, series_id: int, visible: frozenset[int] | None) -> tuple[ItemView, ...]:
        return await self.children(
            series_id, visible, lambda session: SeriesRepository(session).seasons(series_id)
        )


class SeasonCatalogue(ItemCatalogue[Season]):
    repository = SeasonRepository

    async def episodes(
        self, season_id: int, visible: frozenset[int] | None
    ) -> tuple[ItemView, ...]:
        return await self.children(
            season_id, visible, lambda session: SeasonRepository(session).episodes(season_id)
        )


class EpisodeCatalogue(ItemCatalogue[Episode]):
    repository = EpisodeRepository
