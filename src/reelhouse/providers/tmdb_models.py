"""TMDb v3 answers as typed models: only the fields reelhouse reads, validated at the edge.

Unknown fields are ignored, `null` and "" mean 'unknown', lists may be `null`; an id outside
1..2^63-1 or a date that is no date fails validation (the client turns that into a typed error).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from reelhouse.content.metadata.models import OptionalDate, OptionalText, ProviderId

T = TypeVar("T")


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


Items = Annotated[list[T], BeforeValidator(_none_to_list)]
Vote = Annotated[float | None, Field(None, ge=0, le=10)]
Count = Annotated[int | None, Field(None, ge=0, le=2**63 - 1)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Named(Wire):
    id: ProviderId | None = None
    name: str


class ImageConfiguration(Wire):
    secure_base_url: str
    poster_sizes: Items[str] = []
    backdrop_sizes: Items[str] = []
    logo_sizes: Items[str] = []
    profile_sizes: Items[str] = []
    still_sizes: Items[str] = []


class Configuration(Wire):
    images: ImageConfiguration


class MovieResult(Wire):
    id: ProviderId
    title: OptionalText = None
    original_title: OptionalText = None
    release_date: OptionalDate = None
    popularity: float | None = None


class TvResult(Wire):
    id: ProviderId
    name: OptionalText = None
    original_name: OptionalText = None
    first_air_date: OptionalDate = None
    popularity: float | None = None


class Page(Wire, Generic[T]):
    page: int = 1
    results: Items[T] = []
    total_pages: int = 0
    total_results: int = 0


class Cast(Wire):
    id: ProviderId
    name: str
    character: OptionalText = None
    order: int | None = Field(None, ge=0)
    profile_path: OptionalText = None


class Crew(Wire):
    id: ProviderId
    name: str
    job: OptionalText = None
    department: OptionalText = None
    profile_path: OptionalText = None


class Credits(Wire):
    cast: Items[Cast] = []
    crew: Items[Crew] = []


class Image(Wire):
    file_path: str
    iso_639_1: OptionalText = None
    width: int | None = Field(None, ge=0)
    height: int | None = Field(None, ge=0)
    vote_average: float | None = None


class Images(Wire):
    posters: Items[Image] = []
    backdrops: Items[Image] = []
    logos: Items[Image] = []
    stills: Items[Image] = []


class ExternalIdsWire(Wire):
    imdb_id: OptionalText = None
    tvdb_id: ProviderId | None = None


class ReleaseDate(Wire):
    certification: OptionalText = None
    type: int | None = None


class CountryReleases(Wire):
    iso_3166_1: str
    release_dates: Items[ReleaseDate] = []


class ReleaseDates(Wire):
    results: Items[CountryReleases] = []


class ContentRating(Wire):
    iso_3166_1: str
    rating: OptionalText = None


class ContentRatings(Wire):
    results: Items[ContentRating] = []


class Keywords(Wire):
    keywords: Items[Named] = []  # movies
    results: Items[Named] = []  # tv


class VideoWire(Wire):
    key: str
    site: str
    type: OptionalText = None
    name: OptionalText = None
    iso_639_1: OptionalText = None


class Videos(Wire):
    results: Items[VideoWire] = []


class TranslationData(Wire):
    title: OptionalText = None
    name: OptionalText = None
    overview: OptionalText = None
    tagline: OptionalText = None


class Translation(Wire):
    iso_639_1: str
    data: TranslationData


class Translations(Wire):
    translations: Items[Translation] = []


class Country(Wire):
    iso_3166_1: str


class Details(Wire):
    """Fields movie and tv details share, including everything `append_to_response` adds."""

    id: ProviderId
    original_language: OptionalText = None
    overview: OptionalText = None
    tagline: OptionalText = None
    genres: Items[Named] = []
    production_companies: Items[Named] = []
    status: OptionalText = None
    vote_average: Vote = None
    vote_count: Count = None
    credits: Credits | None = None
    images: Images | None = None
    external_ids: ExternalIdsWire | None = None
    keywords: Keywords | None = None
    videos: Videos | None = None
    translations: Translations | None = None


class Movie(Details):
    imdb_id: OptionalText = None
    title: OptionalText = None
    original_title: OptionalText = None
    release_date: OptionalDate = None
    runtime: int | None = Field(None, ge=0, le=100_000)
    belongs_to_collection: Named | None = None
    production_countries: Items[Country] = []
    release_dates: ReleaseDates | None = None


class SeasonRef(Wire):
    season_number: int = Field(ge=0)
    episode_count: int | None = Field(None, ge=0)
    name: OptionalText = None


class Tv(Details):
    name: OptionalText = None
    original_name: OptionalText = None
    first_air_date: OptionalDate = None
    last_air_date: OptionalDate = None
    episode_run_time: Items[int] = []
    networks: Items[Named] = []
    origin_country: Items[str] = []
    seasons: Items[SeasonRef] = []
    content_ratings: ContentRatings | None = None


class Episode(Wire):
    id: ProviderId
    name: OptionalText = None
    overview: OptionalText = None
    air_date: OptionalDate = None
    episode_number: int = Field(ge=0)
    season_number: int = Field(ge=0)
    runtime: int | None = Field(None, ge=0, le=100_000)
    still_path: OptionalText = None
    vote_average: Vote = None
    vote_count: Count = None


class Season(Wire):
    id: ProviderId | None = None
    name: OptionalText = None
    overview: OptionalText = None
    air_date: OptionalDate = None
    season_number: int = Field(ge=0)
    poster_path: OptionalText = None
    episodes: Items[Episode] = []


class Find(Wire):
    movie_results: Items[MovieResult] = []
    tv_results: Items[TvResult] = []


class Collection(Wire):
    id: ProviderId
    name: str
    overview: OptionalText = None
    poster_path: OptionalText = None
    backdrop_path: OptionalText = None
    parts: Items[MovieResult] = []
