"""How metadata is chosen, matched and kept fresh."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from reelhouse.config.base import PositiveInt, Section

ProviderName = Literal["nfo", "tmdb", "tvdb"]


def _movie_providers() -> list[ProviderName]:
    return ["nfo", "tmdb"]


def _series_providers() -> list[ProviderName]:
    return ["nfo", "tmdb", "tvdb"]


class MetadataSettings(Section):
    language: str = Field(
        "en", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$", description="Preferred metadata language."
    )
    fallback_language: str = Field(
        "en",
        pattern=r"^[a-z]{2,3}$",
        description="Language of the last resort for a field empty in the preferred and the "
        "original language.",
    )
    country: str = Field(
        "US",
        pattern=r"^[A-Z]{2}$",
        description="Country whose certification (age rating) is kept, ISO 3166-1.",
    )
    movie_providers: list[ProviderName] = Field(
        default_factory=_movie_providers,
        description="Providers for movies, first wins; later ones fill only empty fields.",
    )
    series_providers: list[ProviderName] = Field(
        default_factory=_series_providers,
        description="Providers for series, seasons and episodes, first wins.",
    )
    merged_fields: list[str] = Field(
        default_factory=lambda: ["ratings"],
        description="Fields every provider contributes to instead of only the first one.",
    )
    match_threshold: float = Field(
        0.86,
        gt=0,
        le=1,
        description="Lowest match confidence accepted; below it the item stays unmatched "
        "for review.",
    )
    match_margin: float = Field(
        0.04,
        ge=0,
        lt=1,
        description="Confidence by which the best candidate must beat a different runner-up, "
        "or the match is ambiguous and left for review.",
    )
    nfo_max_bytes: PositiveInt = Field(
        1024 * 1024, description="Largest NFO file read; a bigger one is reported and skipped."
    )
    rate_limit_key_prefix: str = Field(
        "reelhouse:ratelimit:",
        min_length=1,
        description="Redis key prefix of the provider rate limits shared across processes.",
    )


class EnrichmentSettings(Section):
    concurrency: PositiveInt = Field(
        16,
        description="Items one enrichment job fetches from the providers at once: enough to keep "
        "the rate limit busy at the providers' latency (writes still go one at a time).",
    )
    checkpoint_every: PositiveInt = Field(
        20,
        description="Items enriched between two checkpoints, where progress and failures are "
        "saved and a cancellation takes effect.",
    )
    refresh_interval_s: int = Field(
        3_600, ge=0, description="Seconds between runs of the staleness refresh (0 = never)."
    )
    refresh_batch: PositiveInt = Field(
        500, description="Stale movies and series one staleness refresh re-fetches at most."
    )
    recent_days: PositiveInt = Field(
        60, description="Items released this many days ago or less count as new."
    )
    refresh_new_after_s: PositiveInt = Field(
        2 * 86_400, description="Age of the metadata of a new item before it is re-fetched."
    )
    refresh_continuing_after_s: PositiveInt = Field(
        7 * 86_400,
        description="Age of the metadata of a series still running before it is re-fetched.",
    )
    refresh_after_s: PositiveInt = Field(
        30 * 86_400,
        description="Age of the metadata of any other item (old movies, ended series) before "
        "it is re-fetched.",
    )
