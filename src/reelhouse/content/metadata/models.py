"""Provider-neutral metadata records: what every provider is mapped to and what enrichment returns.

Values from outside are validated here (house rule 9): ids are positive 64-bit integers, dates are
dates, ratings are on a 0-10 scale; anything out of range is a validation error, never a truncation.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from reelhouse.kinds import ItemKind

INT64_MAX = 2**63 - 1
#: The most plays a watch state counts (`watch_states.play_count` is a 32-bit INTEGER).
PLAY_COUNT_MAX = 2**31 - 1
#: The latest resume point in seconds (`watch_states.position_ms` is a 64-bit BIGINT).
POSITION_MAX_S = INT64_MAX // 1000
#: The longest tag an item keeps (`tags.name` is a VARCHAR(100)).
TAG_NAME_MAX = 100
#: No time zone is further ahead of UTC than this (nor further behind than 12 hours): a
#: wall-clock time in an unnamed zone, such as Kodi's `<lastplayed>`, is this uncertain.
MAX_UTC_OFFSET = timedelta(hours=14)


def _empty_to_none(value: Any) -> Any:
    """Providers send "" (and sometimes "0000-00-00") where they mean 'unknown'."""
    if isinstance(value, str) and value.strip() in ("", "0000-00-00"):
        return None
    return value


ProviderId = Annotated[int, Field(ge=1, le=INT64_MAX)]
ImdbId = Annotated[str, StringConstraints(pattern=r"^tt[0-9]{7,12}$")]
OptionalDate = Annotated[date | None, BeforeValidator(_empty_to_none)]
OptionalText = Annotated[str | None, BeforeValidator(_empty_to_none)]
Score = Annotated[float, Field(ge=0, le=10)]


class Record(BaseModel):
    """Base of every record: strict about values, deaf to fields it does not know."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ExternalIds(Record):
    """The ids that cross-link providers; each provider fills what it knows."""

    tmdb: ProviderId | None = None
    tvdb: ProviderId | None = None
    imdb: ImdbId | None = None

    def merged(self, other: ExternalIds) -> ExternalIds:
        return ExternalIds(
            tmdb=self.tmdb or other.tmdb,
            tvdb=self.tvdb or other.tvdb,
            imdb=self.imdb or other.imdb,
        )

    def is_empty(self) -> bool:
        return self.tmdb is None and self.tvdb is None and self.imdb is None


class Rating(Record):
    value: Score
    votes: int = Field(0, ge=0, le=INT64_MAX)


class Credit(Record):
    name: str
    role: str = Field(description="`actor`, `director`, `writer`, `producer`, ... ")
    character: str = ""
    department: str = ""
    job: str = ""
    order: int = Field(0, ge=0)
    ids: ExternalIds = Field(default_factory=ExternalIds)
    image: str | None = None


class Artwork(Record):
    kind: str = Field(description="`poster`, `backdrop`, `logo`, `still`, `banner`, ...")
    url: str
    language: str | None = None
    width: int | None = Field(None, ge=0)
    height: int | None = Field(None, ge=0)
    score: float | None = None


class OfferedImage(Artwork):
    """An image a provider has for an item (the image picker's list), with the sizes it serves
    it in: size name (`w92`, `original`...) -> URL."""

    provider: str
    sizes: dict[str, str] = Field(default_factory=dict)


class Video(Record):
    site: str
    key: str
    kind: str = ""
    name: str = ""
    language: str | None = None


class CollectionRef(Record):
    name: str
    ids: ExternalIds = Field(default_factory=ExternalIds)
    #: What an NFO's `<set><overview>` says of it (a provider's record says more).
    overview: str | None = None


class Candidate(Record):
    """One search result, as much as matching needs to score it."""

    provider: str
    kind: ItemKind
    ids: ExternalIds
    title: str
    original_title: str | None = None
    alternative_titles: tuple[str, ...] = ()
    year: int | None = Field(None, ge=1800, le=2200)
    popularity: float | None = None


class ItemRecord(Record):
    """Fields common to every kind of catalogue item; `None` / empty means 'not known'."""

    ids: ExternalIds = Field(default_factory=ExternalIds)
    title: str | None = None
    original_title: str | None = None
    original_language: str | None = None
    overview: str | None = None
    tagline: str | None = None
    release_date: date | None = None
    runtime_minutes: int | None = Field(None, ge=0, le=100_000)
    genres: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    #: Labels the library's own files give (an NFO's `<tag>`), stored as the item's tags.
    tags: tuple[str, ...] = ()
    studios: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    certification: str | None = None
    ratings: dict[str, Rating] = Field(default_factory=dict)
    credits: tuple[Credit, ...] = ()
    artwork: tuple[Artwork, ...] = ()
    videos: tuple[Video, ...] = ()
    sources: tuple[str, ...] = Field((), description="Providers that contributed, first wins.")


class MovieRecord(ItemRecord):
    collection: CollectionRef | None = None
    status: str | None = None


class EpisodeRecord(ItemRecord):
    season_number: int = Field(ge=0, le=100_000)
    episode_number: int = Field(ge=0, le=100_000)
    absolute_number: int | None = Field(None, ge=0, le=1_000_000)


class SeasonRecord(ItemRecord):
    season_number: int = Field(ge=0, le=100_000)
    episodes: tuple[EpisodeRecord, ...] = ()


class SeasonSummary(Record):
    season_number: int = Field(ge=0, le=100_000)
    episode_count: int | None = Field(None, ge=0)
    title: str | None = None


class SeriesRecord(ItemRecord):
    status: str | None = None
    end_date: date | None = None
    seasons: tuple[SeasonSummary, ...] = ()


class CollectionRecord(Record):
    ids: ExternalIds
    name: str
    overview: str | None = None
    parts: tuple[Candidate, ...] = ()
    artwork: tuple[Artwork, ...] = ()


class LocalWatch(Record):
    """Viewing history a local file holds for one item: Kodi's `<playcount>`, `<lastplayed>`
    and `<resume>`, tinyMediaManager's `<watched>`. `None` means the file does not say (or
    said something malformed, which the parser logged and left out)."""

    play_count: int | None = Field(None, ge=0, le=PLAY_COUNT_MAX)
    watched: bool | None = None
    #: When it was last played (UTC; Kodi writes a wall-clock time without a zone).
    last_played: AwareDatetime | None = None
    position_s: float | None = Field(None, ge=0, le=POSITION_MAX_S, allow_inf_nan=False)
    total_s: float | None = Field(None, ge=0, le=POSITION_MAX_S, allow_inf_nan=False)
    #: The episode it is of, as the NFO numbers it (a file holding several episodes).
    season_number: int | None = Field(None, ge=0, le=100_000)
    episode_number: int | None = Field(None, ge=0, le=100_000)

    @model_validator(mode="after")
    def _position_within_total(self) -> LocalWatch:
        if self.position_s is not None and self.total_s and self.position_s > self.total_s:
            raise ValueError("the resume position is past the total")
        return self

    @property
    def played(self) -> bool:
        return (self.play_count or 0) > 0 or self.watched is True

    @property
    def position_ms(self) -> int | None:
        """The resume point; Kodi writes a position of 0 for none."""
        if self.position_s is None:
            return None
        return round(self.position_s * 1000) or None

    @property
    def says_anything(self) -> bool:
        """Whether it says whether the item was played, or where to resume it."""
        return (
            self.play_count is not None or self.watched is not None or self.position_ms is not None
        )
