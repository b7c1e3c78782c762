"""TheTVDB v4: login with the API key (and PIN), token reused until a 401, paged episodes.

TheTVDB numbers episodes in several orders ("season types"); reelhouse asks for one of aired
(`official`), DVD or absolute order and pages through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from enum import StrEnum

from pydantic import SecretStr

from reelhouse.config import TvdbSettings
from reelhouse.content.metadata import models as rec
from reelhouse.content.metadata.cache import DETAILS_NAMESPACE, SEARCH_NAMESPACE
from reelhouse.content.metadata.client import ProviderClient, edge
from reelhouse.content.metadata.protocol import Fetch, SearchQuery
from reelhouse.errors import NotFoundError, UpstreamUnavailableError
from reelhouse.kinds import ItemKind
from reelhouse.providers import tvdb_models as wire


class EpisodeOrder(StrEnum):
    AIRED = "official"
    DVD = "dvd"
    ABSOLUTE = "absolute"


class TvdbCredentials:
    """Holds one bearer token for the process; a 401 triggers one login for all waiting callers."""

    def __init__(self, client: ProviderClient, api_key: SecretStr | None, pin: SecretStr | None):
        self._client = client
        self._api_key = api_key
        self._pin = pin
        self._token: str | None = None
        self._lock = asyncio.Lock()

    async def headers(self) -> Mapping[str, str]:
        if self._token is None:
            async with self._lock:
                if self._token is None:
                    self._token = await self._login()
        return {"Authorization": f"Bearer {self._token}"}

    def params(self) -> Mapping[str, str]:
        return {}

    async def renew(self, rejected: Mapping[str, str]) -> bool:
        async with self._lock:
            if rejected.get("Authorization") == f"Bearer {self._token}":
                self._token = await self._login()
        return True

    async def _login(self) -> str:
        if self._api_key is None:
            raise UpstreamUnavailableError("tvdb needs an API key (REELHOUSE_TVDB_API_KEY)")
        body: dict[str, str] = {"apikey": self._api_key.get_secret_value()}
        if self._pin is not None:
            body["pin"] = self._pin.get_secret_value()
        answer = await self._client.send("POST", "login", json_body=body, authenticated=False)
        return wire.Envelope[wire.Login].model_validate_json(answer).data.token


class TvdbProvider:
    name = "tvdb"

    def __init__(self, client: ProviderClient, settings: TvdbSettings) -> None:
        self._client = client
        self._max_pages = settings.max_episode_pages

    @edge
    async def search_series(self, query: SearchQuery) -> list[rec.Candidate]:
        params: dict[str, str | int] = {"query": query.title, "type": "series"}
        if query.year:
            params["year"] = query.year
        answer = await self._client.get(
            "search", wire.Envelope[list[wire.SearchHit]], params=params, namespace=SEARCH_NAMESPACE
        )
        return [
            rec.Candidate(
                provider=self.name,
                kind=ItemKind.SERIES,
                ids=_ids(hit.tvdb_id, hit.remote_ids),
                title=hit.name,
                alternative_titles=tuple(
                    dict.fromkeys([*hit.aliases, *(hit.translations or {}).values()])
                ),
                year=int(hit.year) if hit.year and hit.year.isdigit() else None,
            )
            for hit in answer.data
            if hit.type in (None, "series")
        ]

    @edge
    async def find(self, ids: rec.ExternalIds) -> list[rec.Candidate]:
        remote = ids.imdb or (str(ids.tmdb) if ids.tmdb else None)
        if remote is None:
            return []
        answer = await self._client.get(
            f"search/remoteid/{remote}",
            wire.Envelope[list[wire.RemoteIdHit]],
            namespace=DETAILS_NAMESPACE,
        )
        return [
            rec.Candidate(
                provider=self.name,
                kind=ItemKind.SERIES,
                ids=_ids(hit.series.id, hit.series.remote_ids),
                title=hit.series.name or "",
                year=hit.series.first_aired.year if hit.series.first_aired else None,
            )
            for hit in answer.data
            if hit.series is not None
        ]

    @edge
    async def series(self, ids: rec.ExternalIds, fetch: Fetch) -> rec.SeriesRecord | None:
        tvdb_id = await self._tvdb_id(ids)
        if tvdb_id is None:
            return None
        answer = await self._client.get(
            f"series/{tvdb_id}/extended",
            wire.Envelope[wire.SeriesExtended],
            params={"short": "true"},
            namespace=DETAILS_NAMESPACE,
            refresh=fetch.refresh,
        )
        series = answer.data
        status = series.status.name if series.status else None
        numbers = sorted(
            {s.number for s in series.seasons if s.type is None or s.type.type == "official"}
        )
        return rec.SeriesRecord(
            ids=_ids(series.id, series.remote_ids),
            title=series.name,
            overview=series.overview,
            release_date=series.first_aired,
            end_date=series.last_aired if status == "Ended" else None,
            runtime_minutes=series.average_runtime,
            status=status,
            genres=tuple(g.name for g in series.genres if g.name),
            artwork=tuple(
                rec.Artwork(
                    kind=_ARTWORK_KINDS.get(a.type or 0, "other"),
                    url=a.image,
                    language=a.language,
                    width=a.width,
                    height=a.height,
                    score=a.score,
                )
                for a in series.artworks
            ),
            seasons=tuple(rec.SeasonSummary(season_number=n) for n in numbers),
            sources=(self.name,),
        )

    @edge
    async def episodes(
        self, ids: rec.ExternalIds, order: EpisodeOrder, fetch: Fetch
    ) -> list[rec.EpisodeRecord]:
        """Every episode of the series in `order`, following TheTVDB's pages to the end."""
        tvdb_id = await self._tvdb_id(ids)
        if tvdb_id is None:
            return []
        found: list[rec.EpisodeRecord] = []
        for page in range(self._max_pages):
            answer = await self._client.get(
                f"series/{tvdb_id}/episodes/{order.value}",
                wire.EpisodesAnswer,
                params={"page": page},
                namespace=DETAILS_NAMESPACE,
                refresh=fetch.refresh,
            )
            found.extend(_episode(e) for e in answer.data.episodes)
            if answer.links is None or not answer.links.next or not answer.data.episodes:
                return found
        return found

    async def season(
        self, ids: rec.ExternalIds, number: int, fetch: Fetch
    ) -> rec.SeasonRecord | None:
        episodes = [
            e
            for e in await self.episodes(ids, EpisodeOrder.AIRED, fetch)
            if e.season_number == number
        ]
        if not episodes:
            return None
        return rec.SeasonRecord(
            season_number=number, episodes=tuple(episodes), sources=(self.name,)
        )

    async def episode(
        self, ids: rec.ExternalIds, season: int, number: int, fetch: Fetch
    ) -> rec.EpisodeRecord | None:
        found = await self.season(ids, season, fetch)
        return (
            next((e for e in found.episodes if e.episode_number == number), None) if found else None
        )

    async def _tvdb_id(self, ids: rec.ExternalIds) -> int | None:
        if ids.tvdb is not None:
            return ids.tvdb
        try:
            found = await self.find(ids)
        except NotFoundError:
            return None
        return next((c.ids.tvdb for c in found if c.ids.tvdb), None)


_ARTWORK_KINDS = {1: "banner", 2: "poster", 3: "backdrop", 5: "icon", 6: "season_poster"}
_SOURCE_FIELDS = {"IMDB": "imdb", "TheMovieDB.com": "tmdb", "TheMovieDB": "tmdb"}


def _ids(tvdb_id: int, remote_ids: list[wire.RemoteId]) -> rec.ExternalIds:
    found: dict[str, str | int] = {"tvdb": tvdb_id}
    for remote in remote_ids:
        field = _SOURCE_FIELDS.get(remote.source_name or "")
        if field and remote.id and field not in found:
            found[field] = int(remote.id) if field == "tmdb" and remote.id.isdigit() else remote.id
    return rec.ExternalIds.model_validate(found)


def _episode(episode: wire.Episode) -> rec.EpisodeRecord:
    return rec.EpisodeRecord(
        ids=rec.ExternalIds(tvdb=episode.id),
        season_number=episode.season_number,
        episode_number=episode.number,
        absolute_number=episode.absolute_number,
        title=episode.name,
        overview=episode.overview,
        release_date=episode.aired,
        runtime_minutes=episode.runtime,
        artwork=(rec.Artwork(kind="still", url=episode.image),) if episode.image else (),
        sources=("tvdb",),
    )
