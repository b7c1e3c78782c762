"""Enrichment of one movie or series: identify it, fetch it from each provider, merge the records.

Identification: known ids (from the file name or an NFO) short-circuit search; otherwise the first
provider that can search is asked and its candidates are scored; an item below the confidence
threshold is returned as `Unmatched` for review. Fetching follows the configured provider order
for the content kind; "nfo" in that order is where the local record ranks (first by default, so
local data wins). Each provider's ids feed the next one (TMDb's external ids give the TVDb id and
the other way round). A refresh bypasses the cache for this item's requests only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from reelhouse.config import MetadataSettings
from reelhouse.content.matching.score import MatchQuery, MatchResult, Verdict, choose
from reelhouse.content.metadata.aggregate import merge
from reelhouse.content.metadata.models import (
    Candidate,
    CollectionRecord,
    ExternalIds,
    ItemRecord,
    MovieRecord,
    OfferedImage,
    SeasonRecord,
    SeriesRecord,
)
from reelhouse.content.metadata.protocol import (
    Fetch,
    ImageProvider,
    MovieProvider,
    SearchQuery,
    SeriesProvider,
)
from reelhouse.errors import DomainError, NotFoundError
from reelhouse.infra.logging import get_logger
from reelhouse.kinds import ItemKind

log = get_logger(__name__)

R = TypeVar("R", bound=ItemRecord)
P = TypeVar("P", bound="_Finder")


class _Finder(Protocol):
    name: str

    async def find(self, ids: ExternalIds) -> list[Candidate]: ...


@dataclass(frozen=True)
class Enriched(Generic[R]):
    record: R
    confidence: float
    matched_by: str  # "id" or "search"
    seasons: tuple[SeasonRecord, ...] = ()
    failed: tuple[str, ...] = field(default=(), metadata={"doc": "providers that errored"})


@dataclass(frozen=True)
class Unmatched:
    """Nothing reached the confidence threshold, or two candidates were too close to call."""

    query: MatchQuery
    result: MatchResult


class Enricher:
    def __init__(
        self,
        settings: MetadataSettings,
        movie_providers: Mapping[str, MovieProvider],
        series_providers: Mapping[str, SeriesProvider],
    ) -> None:
        self.use(settings, movie_providers, series_providers)

    def use(
        self,
        settings: MetadataSettings,
        movie_providers: Mapping[str, MovieProvider],
        series_providers: Mapping[str, SeriesProvider],
    ) -> None:
        """Enrich with these settings and providers from now on (the settings page changes
        them in a running process)."""
        self._settings = settings
        self._movie_providers = movie_providers
        self._series_providers = series_providers

    async def movie(
        self,
        query: MatchQuery,
        *,
        ids: ExternalIds | None = None,
        nfo: MovieRecord | None = None,
        refresh: bool = False,
    ) -> Enriched[MovieRecord] | Unmatched:
        order = self._settings.movie_providers
        providers: dict[str, MovieProvider] = {
            n: self._movie_providers[n] for n in order if n in self._movie_providers
        }
        known = (ids or ExternalIds()).merged(nfo.ids if nfo else ExternalIds())
        found = await self._identify(query, known)
        if isinstance(found, Unmatched):
            return found
        resolved, confidence, how = found
        fetch = self._fetch(refresh)
        records, failed = await _gather_records(
            order,
            nfo,
            providers,
            resolved,
            ItemKind.MOVIE,
            lambda provider, current: provider.movie(current, fetch),
        )
        return Enriched(
            merge(records, self._settings.merged_fields), confidence, how, failed=failed
        )

    async def offered_images(self, kind: ItemKind, ids: ExternalIds) -> list[OfferedImage]:
        """Every image the providers of a movie or series offer for it (in provider order),
        for someone to choose one; a provider's failure is the caller's error."""
        providers: Mapping[str, object]
        if kind is ItemKind.MOVIE:
            order, providers = self._settings.movie_providers, self._movie_providers
        elif kind is ItemKind.SERIES:
            order, providers = self._settings.series_providers, self._series_providers
        else:
            return []
        found: list[OfferedImage] = []
        for name in order:
            provider = providers.get(name)
            if isinstance(provider, ImageProvider):
                found += await provider.offered_images(kind, ids)
        return found

    async def collection(self, tmdb_id: int, *, refresh: bool = False) -> CollectionRecord | None:
        """A movie collection (a TMDb "set") from the first movie provider that has it. A
        collection is not what the movie is: when no provider answers it, that is logged and
        the movie is stored without the collection's details rather than retried."""
        fetch = self._fetch(refresh)
        for name in self._settings.movie_providers:
            provider = self._movie_providers.get(name)
            if provider is None:
                continue
            try:
                return await provider.collection(tmdb_id, fetch)
            except NotFoundError:
                continue
            except DomainError as exc:
                log.warning("collection not fetched", provider=name, tmdb=tmdb_id, error=exc.detail)
        return None

    async def series(
        self,
        query: MatchQuery,
        *,
        ids: ExternalIds | None = None,
        nfo: SeriesRecord | None = None,
        local_seasons: Sequence[SeasonRecord] = (),
        refresh: bool = False,
        with_seasons: bool = True,
    ) -> Enriched[SeriesRecord] | Unmatched:
        """`local_seasons` are read from `season.nfo` and episode NFO files: they rank where
        "nfo" is in the provider order, so by default they win, field by field, per episode."""
        order = self._settings.series_providers
        providers: dict[str, SeriesProvider] = {
            n: self._series_providers[n] for n in order if n in self._series_providers
        }
        known = (ids or ExternalIds()).merged(nfo.ids if nfo else ExternalIds())
        found = await self._identify(query, known)
        if isinstance(found, Unmatched):
            return found
        resolved, confidence, how = found
        fetch = self._fetch(refresh)
        records, failed = await _gather_records(
            order,
            nfo,
            providers,
            resolved,
            ItemKind.SERIES,
            lambda provider, current: provider.series(current, fetch),
        )
        series = merge(records, self._settings.merged_fields)
        seasons: tuple[SeasonRecord, ...] = ()
        if with_seasons:
            local = {s.season_number: s for s in local_seasons}
            numbers = sorted({s.season_number for s in series.seasons} | set(local))
            seasons = tuple(
                s
                for s in await asyncio.gather(
                    *(
                        self._season(order, providers, series.ids, n, fetch, local.get(n))
                        for n in numbers
                    )
                )
                if s is not None
            )
        return Enriched(series, confidence, how, seasons=seasons, failed=failed)

    async def _season(
        self,
        order: Sequence[str],
        providers: Mapping[str, SeriesProvider],
        ids: ExternalIds,
        number: int,
        fetch: Fetch,
        local: SeasonRecord | None,
    ) -> SeasonRecord | None:
        """One season, merged from the providers in order. A provider that fails is tolerated
        when another remote one answered the season; when none did, the error is raised, so
        that the series is retried rather than stored with the season missing."""
        records: list[SeasonRecord] = []
        errors: list[DomainError] = []
        for name in order:
            if name == "nfo":
                if local is not None:
                    records.append(local)
                continue
            provider = providers.get(name)
            if provider is None:
                continue
            try:
                season = await provider.season(ids, number, fetch)
            except NotFoundError:
                continue
            except DomainError as exc:
                log.warning(
                    "season not fetched",
                    provider=name,
                    ids=ids.model_dump(),
                    season=number,
                    error=exc.detail,
                )
                errors.append(exc)
                continue
            if season is not None:
                records.append(season)
        if errors and all(r.sources == ("nfo",) for r in records):
            raise errors[0]
        return merge(records, self._settings.merged_fields) if records else None

    async def _identify(
        self, query: MatchQuery, ids: ExternalIds
    ) -> tuple[ExternalIds, float, str] | Unmatched:
        if not ids.is_empty():
            return ids, 1.0, "id"
        result = await self.rank(query)
        if result.best is None:
            log.info("unmatched", title=query.title, year=query.year, verdict=result.verdict.value)
            return Unmatched(query, result)
        return result.best.ids, result.confidence, "search"

    async def rank(self, query: MatchQuery) -> MatchResult:
        """Search the first provider that can, score its candidates, and say which one wins
        (if any): what matching decides, and what a person fixing a match chooses from."""
        search = self._search(query.kind)
        if search is None:
            return MatchResult(Verdict.NO_CANDIDATES, ())
        language = self._settings.language
        candidates: list[Candidate] = []
        result = MatchResult(Verdict.NO_CANDIDATES, ())
        # The name's own title first; a second title it gives (a fansub name's English title
        # beside the native one) when the first finds nothing good enough.
        for title in dict.fromkeys((query.title, *query.alternative_titles)):
            candidates += await search(SearchQuery(title, query.year, language))
            result = self._choose(query, candidates)
            if result.best is None and query.year is not None:
                # The provider's year filter is exact; ±1 (festival vs release year) needs a
                # wider net.
                candidates += await search(SearchQuery(title, None, language))
                result = self._choose(query, candidates)
            if result.best is not None:
                break
        return result

    def _search(self, kind: ItemKind) -> Callable[[SearchQuery], Awaitable[list[Candidate]]] | None:
        if kind is ItemKind.MOVIE:
            movies = self._movie_providers
            found = next((n for n in self._settings.movie_providers if n in movies), None)
            return movies[found].search_movies if found else None
        series = self._series_providers
        name = next((n for n in self._settings.series_providers if n in series), None)
        return series[name].search_series if name else None

    def _choose(self, query: MatchQuery, candidates: list[Candidate]) -> MatchResult:
        unique = list({(c.provider, c.ids): c for c in candidates}.values())
        return choose(
            query,
            unique,
            threshold=self._settings.match_threshold,
            margin=self._settings.match_margin,
        )

    def _fetch(self, refresh: bool) -> Fetch:
        return Fetch(language=self._settings.language, refresh=refresh)


async def _gather_records(
    order: Sequence[str],
    nfo: R | None,
    providers: Mapping[str, P],
    ids: ExternalIds,
    kind: ItemKind,
    fetch: Callable[[P, ExternalIds], Awaitable[R | None]],
) -> tuple[list[R], tuple[str, ...]]:
    """Each provider in order, each fed the ids the ones before it found."""
    records: list[R] = []
    failed: list[str] = []
    errors: list[DomainError] = []
    for name in order:
        if name == "nfo":
            if nfo is not None:
                records.append(nfo)
            continue
        provider = providers.get(name)
        if provider is None:
            continue
        try:
            record = await fetch(provider, ids)
            if record is None:
                linked = await _cross_link(provider, ids, kind)
                record = await fetch(provider, linked) if linked != ids else None
        except NotFoundError:
            log.info("provider has no such item", provider=name, ids=ids.model_dump())
            continue
        except DomainError as exc:
            log.warning("provider failed", provider=name, ids=ids.model_dump(), error=exc.detail)
            failed.append(name)
            errors.append(exc)
            continue
        if record is not None:
            records.append(record)
            ids = ids.merged(record.ids)
    if errors and all(r.sources == ("nfo",) for r in records):
        raise errors[0]  # no remote provider answered: the item must be retried, not half-stored
    if not records:
        raise NotFoundError(f"no provider has the {kind.value} with ids {ids.model_dump()}")
    return records, tuple(failed)


async def _cross_link(provider: _Finder, ids: ExternalIds, kind: ItemKind) -> ExternalIds:
    """This provider's id for an item known only by other providers' ids, if exactly one."""
    if ids.is_empty():
        return ids
    found = [c for c in await provider.find(ids) if c.kind is kind]
    return ids.merged(found[0].ids) if len(found) == 1 else ids
