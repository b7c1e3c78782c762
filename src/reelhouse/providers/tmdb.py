"""TMDb v3: one request per movie or series (everything through `append_to_response`).

Text fields fall back per field: the preferred language first, then the item's original language,
then the fallback language, all from the `translations` appended to the same request.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from reelhouse.config import MetadataSettings
from reelhouse.content.metadata import models as rec
from reelhouse.content.metadata.cache import (
    CONFIGURATION_NAMESPACE,
    DETAILS_NAMESPACE,
    SEARCH_NAMESPACE,
)
from reelhouse.content.metadata.client import ProviderClient, edge
from reelhouse.content.metadata.protocol import Fetch, SearchQuery
from reelhouse.kinds import ItemKind
from reelhouse.providers import tmdb_models as wire

MOVIE_APPEND = "credits,images,external_ids,release_dates,keywords,videos,translations"
TV_APPEND = "credits,images,external_ids,content_ratings,keywords,videos,translations"
# TMDb release types: 1 premiere, 2 limited theatrical, 3 theatrical, 4 digital, 5 physical, 6 TV.
# The certification of the wide theatrical release is the one people know.
RELEASE_TYPE_RANK = {3: 0, 2: 1, 4: 2, 5: 3, 6: 4, 1: 5}
CREW_ROLES = {
    "Director": "director",
    "Screenplay": "writer",
    "Writer": "writer",
    "Producer": "producer",
}


class TmdbCredentials:
    """A v4 read access token (a JWT) goes in the Authorization header; a v3 key in the query."""

    def __init__(self, api_key: SecretStr | None) -> None:
        self._key = api_key.get_secret_value() if api_key else ""

    async def headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key.startswith("eyJ") else {}

    def params(self) -> Mapping[str, str]:
        return {"api_key": self._key} if self._key and not self._key.startswith("eyJ") else {}

    async def renew(self, rejected: Mapping[str, str]) -> bool:
        return False


class TmdbProvider:
    name = "tmdb"

    def __init__(self, client: ProviderClient, settings: MetadataSettings) -> None:
        self._client = client
        #: Replaced when the settings page changes the language or country.
        self.settings = settings

    async def configuration(self) -> wire.Configuration:
        return await self._client.get(
            "configuration",
            wire.Configuration,
            namespace=CONFIGURATION_NAMESPACE,
        )

    @edge
    async def search_movies(self, query: SearchQuery) -> list[rec.Candidate]:
        params: dict[str, str | int] = {"query": query.title, "include_adult": "false"}
        if query.year:
            params["year"] = query.year
        params["language"] = query.language or self.settings.language
        page = await self._client.get(
            "search/movie", wire.Page[wire.MovieResult], params=params, namespace=SEARCH_NAMESPACE
        )
        return [_movie_candidate(result) for result in page.results if result.title]

    @edge
    async def search_series(self, query: SearchQuery) -> list[rec.Candidate]:
        params: dict[str, str | int] = {"query": query.title, "include_adult": "false"}
        if query.year:
            params["first_air_date_year"] = query.year
        params["language"] = query.language or self.settings.language
        page = await self._client.get(
            "search/tv", wire.Page[wire.TvResult], params=params, namespace=SEARCH_NAMESPACE
        )
        return [_tv_candidate(result) for result in page.results if result.name]

    @edge
    async def find(self, ids: rec.ExternalIds) -> list[rec.Candidate]:
        if ids.imdb:
            value, source = ids.imdb, "imdb_id"
        elif ids.tvdb:
            value, source = str(ids.tvdb), "tvdb_id"
        else:
            return []
        found = await self._client.get(
            f"find/{value}",
            wire.Find,
            params={"external_source": source},
            namespace=DETAILS_NAMESPACE,
        )
        return [_movie_candidate(r) for r in found.movie_results if r.title] + [
            _tv_candidate(r) for r in found.tv_results if r.name
        ]

    @edge
    async def movie(self, ids: rec.ExternalIds, fetch: Fetch) -> rec.MovieRecord | None:
        if ids.tmdb is None:
            return None
        movie = await self._client.get(
            f"movie/{ids.tmdb}",
            wire.Movie,
            params=self._detail_params(fetch, MOVIE_APPEND),
            namespace=DETAILS_NAMESPACE,
            refresh=fetch.refresh,
        )
        images = await self._image_base()
        text = _Texts(movie.translations, movie.original_language, self.settings, fetch.language)
        external = movie.external_ids or wire.ExternalIdsWire()
        return rec.MovieRecord(
            ids=rec.ExternalIds(tmdb=movie.id, imdb=movie.imdb_id or external.imdb_id),
            title=text.pick("title", movie.title),
            original_title=movie.original_title,
            original_language=movie.original_language,
            overview=text.pick("overview", movie.overview),
            tagline=text.pick("tagline", movie.tagline),
            release_date=movie.release_date,
            runtime_minutes=movie.runtime or None,
            status=movie.status,
            certification=self._movie_certification(movie),
            collection=(
                rec.CollectionRef(
                    name=movie.belongs_to_collection.name,
                    ids=rec.ExternalIds(tmdb=movie.belongs_to_collection.id),
                )
                if movie.belongs_to_collection
                else None
            ),
            countries=tuple(c.iso_3166_1 for c in movie.production_countries),
            **_common(movie, images),
        )

    @edge
    async def series(self, ids: rec.ExternalIds, fetch: Fetch) -> rec.SeriesRecord | None:
        if ids.tmdb is None:
            return None
        tv = await self._client.get(
            f"tv/{ids.tmdb}",
            wire.Tv,
            params=self._detail_params(fetch, TV_APPEND),
            namespace=DETAILS_NAMESPACE,
            refresh=fetch.refresh,
        )
        images = await self._image_base()
        text = _Texts(tv.translations, tv.original_language, self.settings, fetch.language)
        external = tv.external_ids or wire.ExternalIdsWire()
        rating = next(
            (
                r.rating
                for r in (tv.content_ratings or wire.ContentRatings()).results
                if r.iso_3166_1 == self.settings.country and r.rating
            ),
            None,
        )
        common = _common(tv, images)
        common["studios"] = tuple(n.name for n in (*tv.networks, *tv.production_companies))
        return rec.SeriesRecord(
            ids=rec.ExternalIds(tmdb=tv.id, tvdb=external.tvdb_id, imdb=external.imdb_id),
            title=text.pick("name", tv.name),
            original_title=tv.original_name,
            original_language=tv.original_language,
            overview=text.pick("overview", tv.overview),
            tagline=text.pick("tagline", tv.tagline),
            release_date=tv.first_air_date,
            end_date=tv.last_air_date if tv.status in ("Ended", "Canceled") else None,
            runtime_minutes=tv.episode_run_time[0] if tv.episode_run_time else None,
            status=tv.status,
            certification=rating,
            countries=tuple(tv.origin_country),
            seasons=tuple(
                rec.SeasonSummary(
                    season_number=s.season_number, episode_count=s.episode_count, title=s.name
                )
                for s in tv.seasons
            ),
            **common,
        )

    @edge
    async def season(
        self, ids: rec.ExternalIds, number: int, fetch: Fetch
    ) -> rec.SeasonRecord | None:
        if ids.tmdb is None:
            return None
        season = await self._client.get(
            f"tv/{ids.tmdb}/season/{number}",
            wire.Season,
            params={"language": fetch.language},
            namespace=DETAILS_NAMESPACE,
            refresh=fetch.refresh,
        )
        images = await self._image_base()
        return rec.SeasonRecord(
            ids=rec.ExternalIds(tmdb=season.id),
            season_number=season.season_number,
            title=season.name,
            overview=season.overview,
            release_date=season.air_date,
            artwork=_artwork(images, "poster", [season.poster_path]),
            episodes=tuple(_episode(e, images) for e in season.episodes),
            sources=(self.name,),
        )

    @edge
    async def episode(
        self, ids: rec.ExternalIds, season: int, number: int, fetch: Fetch
    ) -> rec.EpisodeRecord | None:
        if ids.tmdb is None:
            return None
        episode = await self._client.get(
            f"tv/{ids.tmdb}/season/{season}/episode/{number}",
            wire.Episode,
            params={"language": fetch.language},
            namespace=DETAILS_NAMESPACE,
            refresh=fetch.refresh,
        )
        return _episode(episode, await self._image_base())

    @edge
    async def collection(self, collection_id: int, fetch: Fetch) -> rec.CollectionRecord:
        found = await self._client.get(
            f"collection/{collection_id}",
            wire.Collection,
            params={"language": fetch.language},
            namespace=DETAILS_NAMESPACE,
            refresh=fetch.refresh,
        )
        images = await self._image_base()
        return rec.CollectionRecord(
            ids=rec.ExternalIds(tmdb=found.id),
            name=found.name,
            overview=found.overview,
            parts=tuple(_movie_candidate(p) for p in found.parts if p.title),
            artwork=_artwork(images, "poster", [found.poster_path])
            + _artwork(images, "backdrop", [found.backdrop_path]),
        )

    @edge
    async def offered_images(self, kind: ItemKind, ids: rec.ExternalIds) -> list[rec.OfferedImage]:
        """`/movie|tv/{id}/images` with no language: TMDb then lists the images of every
        language (and of none), each with the sizes its configuration offers."""
        if ids.tmdb is None or kind not in (ItemKind.MOVIE, ItemKind.SERIES):
            return []
        path = "movie" if kind is ItemKind.MOVIE else "tv"
        found = await self._client.get(
            f"{path}/{ids.tmdb}/images", wire.Images, namespace=DETAILS_NAMESPACE
        )
        config = (await self.configuration()).images
        base = config.secure_base_url.rstrip("/")
        return [
            rec.OfferedImage(
                provider=self.name,
                kind=kind_name,
                url=f"{base}/original{image.file_path}",
                language=image.iso_639_1,
                width=image.width,
                height=image.height,
                score=image.vote_average,
                sizes={size: f"{base}/{size}{image.file_path}" for size in sizes},
            )
            for kind_name, group, sizes in (
                ("poster", found.posters, config.poster_sizes),
                ("backdrop", found.backdrops, config.backdrop_sizes),
                ("logo", found.logos, config.logo_sizes),
            )
            for image in group
        ]

    def _detail_params(self, fetch: Fetch, append: str) -> dict[str, str | int]:
        primary = fetch.language.split("-")[0]
        languages = dict.fromkeys([primary, self.settings.fallback_language, "null"])
        return {
            "language": fetch.language,
            "append_to_response": append,
            "include_image_language": ",".join(languages),
        }

    async def _image_base(self) -> str:
        return (await self.configuration()).images.secure_base_url.rstrip("/") + "/original"

    def _movie_certification(self, movie: wire.Movie) -> str | None:
        for country in (movie.release_dates or wire.ReleaseDates()).results:
            if country.iso_3166_1 == self.settings.country:
                ranked = sorted(
                    country.release_dates, key=lambda r: RELEASE_TYPE_RANK.get(r.type or 0, 99)
                )
                for release in ranked:
                    if release.certification:
                        return release.certification
        return None


class _Texts:
    """Field-level language fallback: preferred, then original language, then the fallback."""

    def __init__(
        self,
        translations: wire.Translations | None,
        original_language: str | None,
        settings: MetadataSettings,
        language: str,
    ) -> None:
        by_language: dict[str, wire.TranslationData] = {}
        for translation in (translations or wire.Translations()).translations:
            by_language.setdefault(translation.iso_639_1, translation.data)
        order = [language.split("-")[0], original_language, settings.fallback_language]
        self._chain = [by_language[code] for code in dict.fromkeys(order) if code in by_language]

    def pick(self, field: str, value: str | None) -> str | None:
        if value:
            return value
        for data in self._chain:
            candidate = getattr(data, field)
            if candidate:
                return str(candidate)
        return None


def _common(details: wire.Details, images: str) -> dict[str, object]:
    credits = details.credits or wire.Credits()
    artwork = details.images or wire.Images()
    keywords = details.keywords or wire.Keywords()
    votes = details.vote_count or 0
    return {
        "genres": tuple(g.name for g in details.genres),
        "keywords": tuple(k.name for k in (*keywords.keywords, *keywords.results)),
        "studios": tuple(c.name for c in details.production_companies),
        "ratings": (
            {"tmdb": rec.Rating(value=details.vote_average, votes=votes)}
            if details.vote_average is not None and votes
            else {}
        ),
        "credits": tuple(
            rec.Credit(
                name=c.name,
                role="actor",
                character=c.character or "",
                order=c.order or 0,
                ids=rec.ExternalIds(tmdb=c.id),
                image=f"{images}{c.profile_path}" if c.profile_path else None,
            )
            for c in credits.cast
        )
        + tuple(
            rec.Credit(
                name=c.name,
                role=CREW_ROLES[c.job],
                job=c.job,
                department=c.department or "",
                ids=rec.ExternalIds(tmdb=c.id),
            )
            for c in credits.crew
            if c.job in CREW_ROLES
        ),
        "artwork": tuple(
            rec.Artwork(
                kind=kind,
                url=f"{images}{image.file_path}",
                language=image.iso_639_1,
                width=image.width,
                height=image.height,
                score=image.vote_average,
            )
            for kind, group in (
                ("poster", artwork.posters),
                ("backdrop", artwork.backdrops),
                ("logo", artwork.logos),
            )
            for image in group
        ),
        "videos": tuple(
            rec.Video(
                site=v.site, key=v.key, kind=v.type or "", name=v.name or "", language=v.iso_639_1
            )
            for v in (details.videos or wire.Videos()).results
        ),
        "sources": ("tmdb",),
    }


def _artwork(images: str, kind: str, paths: list[str | None]) -> tuple[rec.Artwork, ...]:
    return tuple(rec.Artwork(kind=kind, url=f"{images}{p}") for p in paths if p)


def _episode(episode: wire.Episode, images: str) -> rec.EpisodeRecord:
    votes = episode.vote_count or 0
    return rec.EpisodeRecord(
        ids=rec.ExternalIds(tmdb=episode.id),
        season_number=episode.season_number,
        episode_number=episode.episode_number,
        title=episode.name,
        overview=episode.overview,
        release_date=episode.air_date,
        runtime_minutes=episode.runtime,
        ratings=(
            {"tmdb": rec.Rating(value=episode.vote_average, votes=votes)}
            if episode.vote_average is not None and votes
            else {}
        ),
        artwork=_artwork(images, "still", [episode.still_path]),
        sources=("tmdb",),
    )


def _movie_candidate(result: wire.MovieResult) -> rec.Candidate:
    return rec.Candidate(
        provider="tmdb",
        kind=ItemKind.MOVIE,
        ids=rec.ExternalIds(tmdb=result.id),
        title=result.title or "",
        original_title=result.original_title,
        year=result.release_date.year if result.release_date else None,
        popularity=result.popularity,
    )


def _tv_candidate(result: wire.TvResult) -> rec.Candidate:
    return rec.Candidate(
        provider="tmdb",
        kind=ItemKind.SERIES,
        ids=rec.ExternalIds(tmdb=result.id),
        title=result.name or "",
        original_title=result.original_name,
        year=result.first_air_date.year if result.first_air_date else None,
        popularity=result.popularity,
    )
