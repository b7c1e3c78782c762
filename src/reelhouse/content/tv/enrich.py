"""Series in the metadata pipeline: one unit is one series folder (every episode file below it),
fetched as one series request plus one per season, stored with its seasons and episodes, each
episode file linked to the episodes it holds.

Files name their episodes in three ways: season and episode numbers, an absolute number (anime)
or an air date (daily shows). Numbers the provider does not know still become episodes, from the
file name, so nothing on disk is left out of the catalogue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.invalidation import ItemRef
from reelhouse.content.catalogue.records import RecordWriter
from reelhouse.content.enrichment import (
    Fetched,
    FileLink,
    FileWatch,
    ItemWatch,
    Stored,
    Unit,
    UnlinkedFile,
    by_ids_or_title,
)
from reelhouse.content.matching.score import MatchQuery
from reelhouse.content.metadata.enrich import Enricher
from reelhouse.content.metadata.local import (
    episode_nfo_paths,
    find_nfo,
    nfo_candidates,
    read_local,
    season_nfo_paths,
)
from reelhouse.content.metadata.models import EpisodeRecord, LocalWatch, SeasonRecord
from reelhouse.content.tv.models import Episode, Season, Series
from reelhouse.content.tv.repository import EpisodeRepository, SeasonRepository, SeriesRepository
from reelhouse.kinds import ItemKind
from reelhouse.providers.nfo import NfoReader


class SeriesEnrichment:
    def __init__(self, enricher: Enricher, nfo: NfoReader) -> None:
        self.enricher = enricher
        self.nfo = nfo

    async def fetch(self, unit: Unit, *, refresh: bool = False) -> Fetched:
        local = await read_local(
            self.nfo.series, await find_nfo(nfo_candidates(unit.folder, None, "tvshow.nfo"))
        )
        local_seasons, watch = await self._local_episodes(unit.files, unit.folder)
        query = MatchQuery(unit.title, ItemKind.SERIES, unit.year, unit.alternate_titles)
        result = await by_ids_or_title(
            lambda ids: self.enricher.series(
                query, ids=ids, nfo=local, local_seasons=local_seasons, refresh=refresh
            ),
            unit.ids,
        )
        return Fetched(result, local, local_seasons, watch)

    async def _local_episodes(
        self, files: Sequence[UnlinkedFile], folder: str | None
    ) -> tuple[tuple[SeasonRecord, ...], tuple[FileWatch, ...]]:
        """Episode NFO files beside the videos and `season.nfo` files in season folders, as
        seasons ranked where "nfo" is, and the viewing history in each episode NFO, by the
        file it is beside."""
        by_season: dict[int, dict[int, EpisodeRecord]] = {}
        watch: list[FileWatch] = []
        videos = [f.path for f in files]
        paths = await asyncio.to_thread(episode_nfo_paths, videos)
        described: dict[int, SeasonRecord] = {}
        for season_path in await asyncio.to_thread(season_nfo_paths, videos, folder):
            season = await read_local(self.nfo.season, season_path)
            if season is not None:
                described.setdefault(season.season_number, season)
                by_season.setdefault(season.season_number, {})
        for file in files:
            path = paths.get(file.path)
            contents = await read_local(self.nfo.episode_contents, path) if path else None
            if contents is None:
                continue
            for episode in contents.record or []:
                by_season.setdefault(episode.season_number, {})[episode.episode_number] = episode
            watch += (FileWatch(file.id, found) for found in contents.watch)
        seasons = tuple(
            (
                described.get(number) or SeasonRecord(season_number=number, sources=("nfo",))
            ).model_copy(update={"episodes": tuple(episodes[n] for n in sorted(episodes))})
            for number, episodes in sorted(by_season.items())
        )
        return seasons, tuple(watch)

    async def store(
        self, session: AsyncSession, series: Series, unit: Unit, fetched: Fetched
    ) -> Stored:
        shows = SeriesRepository(session)
        record = fetched.record
        stored = Stored(fetched.outcome)
        tree = _Tree(session, series, await shows.episodes(series.id))
        async with RecordWriter(session) as writer:
            if record is not None:
                await writer.write(shows, series, record)
            for season_record in fetched.seasons:
                season = await tree.season(season_record.season_number)
                await writer.write(tree.seasons_repo, season, season_record)
                for episode_record in season_record.episodes:
                    episode = await tree.episode(
                        episode_record.season_number,
                        episode_record.episode_number,
                        episode_record.title,
                    )
                    await writer.write(tree.episodes_repo, episode, episode_record)
                    number = episode_record.absolute_number
                    if number is not None and episode.absolute_number != number:
                        episode.absolute_number = number
        stored.people = writer.credited
        await tree.episodes_repo.save()
        watch_of: dict[int | None, list[LocalWatch]] = {}
        for found in fetched.watch:
            watch_of.setdefault(found.file_id, []).append(found.watch)
        for file in unit.files:
            held: dict[tuple[int, int], int] = {}
            for season_number, number in tree.numbers_of(file):
                episode = await tree.episode(season_number, number, file.identity.episode_title)
                stored.links.append(FileLink(episode.id, file.id, file.identity.part))
                held[(season_number, number)] = episode.id
            stored.watch += _watched(held, watch_of.get(file.id, ()))
        stored.items += [ItemRef.of(series), *(ItemRef.of(s) for s in tree.touched_seasons)]
        stored.items += [ItemRef.of(e) for e in tree.touched_episodes]
        return stored


def _watched(held: dict[tuple[int, int], int], found: Sequence[LocalWatch]) -> list[ItemWatch]:
    """The episodes a file holds, with the viewing history of its NFO: an `<episodedetails>`
    is of the episode it numbers (a multi-episode file has one for each); the only one of a
    file that numbers none of its episodes (or none at all) is of every episode it holds."""
    matched = []
    for watch in found:
        season, number = watch.season_number, watch.episode_number
        episode_id = None if season is None or number is None else held.get((season, number))
        if episode_id is not None:
            matched.append(ItemWatch(episode_id, watch))
        elif len(found) == 1:
            matched += (ItemWatch(episode, watch) for episode in held.values())
    return matched


class _Tree:
    """A series' seasons and episodes as stored, created on demand, looked up by number."""

    def __init__(self, session: AsyncSession, series: Series, episodes: Sequence[Episode]):
        self.series = series
        self.shows = SeriesRepository(session)
        self.seasons_repo = SeasonRepository(session)
        self.episodes_repo = EpisodeRepository(session)
        self.episodes = {(e.parent_index_number or 0, e.index_number or 0): e for e in episodes}
        self._seasons: dict[int, Season] = {}
        self.touched_seasons: list[Season] = []
        self.touched_episodes: list[Episode] = []

    async def season(self, number: int) -> Season:
        season = self._seasons.get(number)
        if season is None:
            season = self._seasons[number] = await self.shows.season(self.series, number)
            self.touched_seasons.append(season)
        return season

    async def episode(self, season_number: int, number: int, title: str | None) -> Episode:
        key = (season_number, number)
        episode = self.episodes.get(key)
        if episode is None:
            season = await self.season(season_number)
            episode = await self.episodes_repo.add_to_season(
                season, number, title or f"Episode {number}"
            )
            self.episodes[key] = episode
        self.touched_episodes.append(episode)
        return episode

    def numbers_of(self, file: UnlinkedFile) -> list[tuple[int, int]]:
        """(season, episode) pairs a file holds, by the way its name numbers them."""
        identity = file.identity
        numbers = identity.episodes or (() if identity.episode is None else (identity.episode,))
        if identity.season is not None and numbers:
            return [(identity.season, n) for n in numbers]
        if identity.absolute_episode is not None:
            return [self._by_absolute(identity.absolute_episode)]
        if identity.air_date is not None:
            return [self._by_air_date(identity.air_date)]
        return []

    def _by_absolute(self, absolute: int) -> tuple[int, int]:
        """The provider's absolute number, else the position among regular episodes in order
        (TMDb has no absolute numbers), else season 1 with that number."""
        regular = sorted(key for key in self.episodes if key[0] > 0)
        for key in regular:
            if self.episodes[key].absolute_number == absolute:
                return key
        if absolute <= len(regular):
            return regular[absolute - 1]
        return (1, absolute)

    def _by_air_date(self, aired: date) -> tuple[int, int]:
        """The episode first aired that day, else season = year and number = month and day,
        the way Plex files daily shows."""
        for key, episode in sorted(self.episodes.items()):
            if episode.release_date == aired:
                return key
        return (aired.year, aired.month * 100 + aired.day)
