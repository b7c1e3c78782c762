"""TheTVDB v4 answers as typed models (only what reelhouse reads; camelCase on the wire)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from reelhouse.content.metadata.models import OptionalDate, OptionalText, ProviderId
from reelhouse.providers.tmdb_models import Items

T = TypeVar("T")


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Envelope(Wire, Generic[T]):
    status: str | None = None
    data: T


class Login(Wire):
    token: str


class RemoteId(Wire):
    id: OptionalText = None
    type: int | None = None
    source_name: OptionalText = Field(None, alias="sourceName")


class SearchHit(Wire):
    tvdb_id: ProviderId
    name: str
    year: OptionalText = None
    type: OptionalText = None
    aliases: Items[str] = []
    translations: dict[str, str] | None = None
    remote_ids: Items[RemoteId] = []


class Named(Wire):
    name: OptionalText = None


class Alias(Wire):
    language: OptionalText = None
    name: str


class SeasonType(Wire):
    type: OptionalText = None


class Season(Wire):
    id: ProviderId
    number: int = Field(ge=0)
    type: SeasonType | None = None


class ArtworkWire(Wire):
    image: str
    language: OptionalText = None
    type: int | None = None
    width: int | None = Field(None, ge=0)
    height: int | None = Field(None, ge=0)
    score: float | None = None


class Series(Wire):
    id: ProviderId
    name: OptionalText = None
    overview: OptionalText = None
    image: OptionalText = None
    first_aired: OptionalDate = Field(None, alias="firstAired")
    last_aired: OptionalDate = Field(None, alias="lastAired")
    status: Named | None = None
    original_language: OptionalText = Field(None, alias="originalLanguage")
    original_country: OptionalText = Field(None, alias="originalCountry")
    average_runtime: int | None = Field(None, ge=0, le=100_000, alias="averageRuntime")
    remote_ids: Items[RemoteId] = Field([], alias="remoteIds")
    aliases: Items[Alias] = []


class SeriesExtended(Series):
    artworks: Items[ArtworkWire] = []
    genres: Items[Named] = []
    seasons: Items[Season] = []


class Episode(Wire):
    id: ProviderId
    name: OptionalText = None
    overview: OptionalText = None
    image: OptionalText = None
    aired: OptionalDate = None
    runtime: int | None = Field(None, ge=0, le=100_000)
    number: int = Field(ge=0)
    season_number: int = Field(ge=0, alias="seasonNumber")
    absolute_number: int | None = Field(None, ge=0, alias="absoluteNumber")


class EpisodePage(Wire):
    episodes: Items[Episode] = []


class Links(Wire):
    next: OptionalText = None
    total_items: int | None = None


class EpisodesAnswer(Wire):
    data: EpisodePage
    links: Links | None = None


class RemoteIdHit(Wire):
    series: Series | None = None
