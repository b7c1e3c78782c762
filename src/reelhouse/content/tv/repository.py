"""Series, seasons and episodes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from reelhouse.content.catalogue.items import ItemRepository
from reelhouse.content.tv.models import Episode, Season, Series


class SeriesRepository(ItemRepository[Series]):
    model = Series

    async def seasons(self, series_id: int) -> Sequence[Season]:
        return await self.live(Season, Season.parent_id == series_id, Season.index_number)

    async def episodes(self, series_id: int) -> Sequence[Episode]:
        """Every live episode of a series, of all its seasons."""
        return await self.live(
            Episode,
            Episode.series_id == series_id,
            Episode.parent_index_number,
            Episode.index_number,
        )

    async def season(self, series: Series, number: int) -> Season:
        """The live season `number` of a series, created when it does not exist yet."""
        season = await self.session.scalar(
            select(Season).where(
                Season.parent_id == series.id,
                Season.index_number == number,
                Season.deleted_at.is_(None),
            )
        )
        if season is not None:
            return season
        title = "Specials" if number == 0 else f"Season {number}"
        return await SeasonRepository(self.session).add(
            Season(
                parent_id=series.id,
                series_id=series.id,
                library_id=series.library_id,
                index_number=number,
                title=title,
            )
        )


class SeasonRepository(ItemRepository[Season]):
    model = Season

    async def episodes(self, season_id: int) -> Sequence[Episode]:
        return await self.live(Episode, Episode.parent_id == season_id, Episode.index_number)


class EpisodeRepository(ItemRepository[Episode]):
    model = Episode

    async def add_to_season(self, season: Season, number: int, title: str) -> Episode:
        return await self.add(
            Episode(
                parent_id=season.id,
                series_id=season.parent_id,
                library_id=season.library_id,
                index_number=number,
                parent_index_number=season.index_number,
                title=title,
            )
        )
