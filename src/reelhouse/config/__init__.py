"""Typed settings: defaults, then an optional TOML file, then ``REELHOUSE_*`` environment variables.

Every knob of reelhouse lives here (house rule 5). A section ``[database]`` in the TOML file maps to
``REELHOUSE_DATABASE_<FIELD>`` in the environment, e.g. ``REELHOUSE_DATABASE_URL``.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from reelhouse.errors import ConfigError

ENV_PREFIX = "REELHOUSE_"
CONFIG_ENV_VAR = "REELHOUSE_CONFIG"

PositiveFloat = Annotated[float, Field(gt=0)]
PositiveInt = Annotated[int, Field(gt=0)]


class Section(BaseModel):
    """A settings section: unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(8420, ge=1, le=65535, description="TCP port the HTTP server listens on.")
    run_workers: bool = Field(
        True,
        description="Run background job workers inside `reelhouse serve` "
        "(turn off when separate `reelhouse worker` processes do the work).",
    )


_ORIGIN = re.compile(r"^https?://[^/?#\s]+$")


class HttpSettings(Section):
    max_body_bytes: PositiveInt = Field(
        1024 * 1024,
        description="Largest request body accepted; a bigger one is refused with 413 before it "
        "is read (by its `Content-Length`, or as soon as the streamed bytes pass the limit).",
    )
    max_header_bytes: int = Field(
        16 * 1024,
        ge=1024,
        description="Largest request target and headers accepted; bigger ones are refused with "
        "431, and `reelhouse serve` stops buffering a request head soon past this size.",
    )
    gzip_min_bytes: int = Field(
        1024, ge=0, description="Smallest response body compressed for clients that accept gzip."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins (`https://app.example:8443`) whose browser pages may call the API, "
        'or `["*"]` for any; empty sends no CORS headers at all.',
    )
    request_id_max_length: int = Field(
        128,
        ge=32,
        le=1024,
        description="Longest `X-Request-ID` taken from a client (letters, digits, `-_.:`); "
        "another or a longer one is replaced by a generated id.",
    )
    sse_poll_interval_s: PositiveFloat = Field(
        1.0, description="Seconds between reads of a job followed by a server-sent event stream."
    )
    sse_keepalive_s: PositiveFloat = Field(
        15.0,
        description="Seconds without an event after which a job's event stream sends a "
        "keep-alive comment (so proxies keep the connection open).",
    )

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme and host (and port) only, "
                    "such as https://app.example"
                )
        return origins


class LogSettings(Section):
    level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Lowest level that is logged."
    )
    format: Literal["auto", "json", "console"] = Field(
        "auto",
        description="`json` for machines, `console` for people; `auto` picks console on a "
        "terminal and JSON otherwise.",
    )


class DatabaseSettings(Section):
    url: str | None = Field(
        None,
        description="SQLAlchemy URL. Unset means SQLite at `<data_dir>/reelhouse.db`; use "
        "`postgresql+asyncpg://user:pass@host/db` for the scale-out.",
    )
    migrate_on_start: bool = Field(
        True, description="`reelhouse serve` applies pending migrations before it listens."
    )
    pool_size: PositiveInt = Field(10, description="PostgreSQL connections kept open per process.")
    max_overflow: int = Field(
        10, ge=0, description="PostgreSQL connections allowed beyond `pool_size` under load."
    )
    pool_timeout_s: PositiveFloat = Field(
        10.0, description="Seconds to wait for a free pooled connection before failing."
    )
    connect_timeout_s: PositiveFloat = Field(
        5.0, description="Seconds to wait when opening a database connection."
    )
    sqlite_busy_timeout_ms: PositiveInt = Field(
        30_000,
        description="Milliseconds SQLite waits on a locked database before failing: its one "
        "writer may be storing a long series while a job wants to record its progress.",
    )


class RedisSettings(Section):
    url: str | None = Field(
        None,
        description="Redis, Valkey or Dragonfly URL (`redis://host:6379/0`). Unset means one "
        "process with only the in-process cache.",
    )
    timeout_s: PositiveFloat = Field(
        0.25, description="Seconds any Redis call may take before the cache degrades to L1 only."
    )
    retry_after_s: PositiveFloat = Field(
        1.0,
        description="After a failed Redis call, seconds the cache stays L1-only before it tries "
        "Redis again (the pub/sub listener reconnects on the same rhythm).",
    )
    max_connections: PositiveInt = Field(
        50, description="Redis connections one process may open for cache reads and writes."
    )


class CacheNamespaceSettings(Section):
    max_entries: PositiveInt = Field(description="Bound of the in-process (L1) cache.")
    ttl_s: PositiveFloat = Field(description="Seconds an entry lives, in L1 and L2.")
    negative_ttl_s: PositiveFloat = Field(
        60.0, description="Seconds a remembered 'not found' lives."
    )


def _default_cache_namespaces() -> dict[str, CacheNamespaceSettings]:
    return {
        "provider": CacheNamespaceSettings(max_entries=50_000, ttl_s=7 * 86_400),
        "provider_search": CacheNamespaceSettings(max_entries=20_000, ttl_s=86_400),
        "provider_config": CacheNamespaceSettings(max_entries=100, ttl_s=30 * 86_400),
        "catalogue": CacheNamespaceSettings(max_entries=100_000, ttl_s=3_600),
        "images": CacheNamespaceSettings(max_entries=50_000, ttl_s=86_400),
        "auth": CacheNamespaceSettings(max_entries=10_000, ttl_s=300, negative_ttl_s=10),
    }


class CacheSettings(Section):
    ttl_jitter: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="Fraction of random spread taken off entry TTLs so keys written together "
        "do not expire together (a TTL is never longer than the namespace's `ttl_s`).",
    )
    namespaces: dict[str, CacheNamespaceSettings] = Field(
        default_factory=_default_cache_namespaces,
        description="Per-namespace bounds and TTLs: `provider` (provider details), "
        "`provider_search`, `provider_config` (provider configuration), `catalogue` (API "
        "reads), `images` (image metadata), `auth` (usable tokens by their hash, so a request "
        "authenticates without a database read; a revocation, a deleted user or a change of "
        "a user's libraries drops them at once). A value given here is merged over the defaults: "
        "a namespace not named keeps its default, and a default namespace given in part "
        "keeps its other fields.",
    )
    key_prefix: str = Field(
        "reelhouse",
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="First part of every Redis key and of the invalidation channel, so several "
        "installations can share one Redis.",
    )
    schema_version: PositiveInt = Field(
        1,
        description="Version of the cached value layout, part of every Redis key: raise it when "
        "cached types change so an upgrade never reads an incompatible value.",
    )
    lock_ttl_s: PositiveFloat = Field(
        10.0,
        description="Seconds the cross-process fill lock lives if its holder never releases it "
        "(it crashed); longer than a slow loader call.",
    )
    lock_wait_s: PositiveFloat = Field(
        3.0,
        description="Seconds a process waits for another process's fill of the same key before "
        "it calls the loader itself.",
    )
    lock_poll_s: PositiveFloat = Field(
        0.005,
        description="First interval between checks for another process's fill; it doubles up "
        "to 10 times this value.",
    )
    version_ttl_s: PositiveFloat = Field(
        86_400.0,
        description="Seconds Redis keeps the per-key and per-tag invalidation counters; longer "
        "than any loader call.",
    )
    invalidation_memory: PositiveInt = Field(
        100_000,
        description="Recent invalidations (keys and tags) each process remembers to reject "
        "fills that raced them; past this bound the oldest is folded into one watermark "
        "(safe, at the price of extra misses).",
    )
    pending_invalidations: PositiveInt = Field(
        10_000,
        description="Invalidations kept while Redis is unreachable and sent when it is back; "
        "past this bound every process clears its L1 at recovery instead.",
    )
    pubsub_ping_s: PositiveFloat = Field(
        1.0,
        description="Seconds between heartbeats on the invalidation channel; a missed answer "
        "means the channel is lost, and the L1 is cleared when it is back.",
    )

    @field_validator("namespaces", mode="before")
    @classmethod
    def _merge_namespace_defaults(cls, value: Any) -> Any:
        """A partial `namespaces` (from the environment or the file) never drops a default."""
        if not isinstance(value, dict):
            return value
        merged: dict[str, Any] = {
            name: settings.model_dump() for name, settings in _default_cache_namespaces().items()
        }
        for name, given in value.items():
            if isinstance(given, CacheNamespaceSettings):
                given = given.model_dump()
            if isinstance(given, dict) and isinstance(merged.get(name), dict):
                merged[name] = {**merged[name], **given}
            else:
                merged[name] = given
        return merged


class ProviderSettings(Section):
    base_url: AnyHttpUrl = Field(description="API root of the provider.")
    api_key: SecretStr | None = Field(None, description="API key; never logged or cached.")
    rate_limit_per_s: PositiveFloat = Field(description="Requests per second, across processes.")
    timeout_s: PositiveFloat = Field(10.0, description="Seconds one request may take.")
    max_retries: int = Field(
        8,
        ge=0,
        le=20,
        description="Retries of a failed request (5xx, timeout, connection error, bad JSON); "
        "with the backoff capped at `retry_max_s`, 8 retries span about half a minute.",
    )
    connect_timeout_s: PositiveFloat = Field(
        5.0, description="Seconds opening a connection to the provider may take."
    )
    max_connections: PositiveInt = Field(
        32, description="Pooled HTTP connections to the provider, per process."
    )
    max_body_bytes: PositiveInt = Field(
        8 * 1024 * 1024,
        description="Largest response body accepted; a bigger one is a bad answer, not a crash.",
    )
    max_redirects: int = Field(
        3, ge=0, le=20, description="Redirects followed before the answer is rejected."
    )
    retry_initial_s: PositiveFloat = Field(
        0.2,
        description="First retry delay; it doubles each retry. Also the most random jitter "
        "added to each delay, and to a `Retry-After` wait.",
    )
    retry_max_s: PositiveFloat = Field(10.0, description="Longest delay between two retries.")
    max_rate_limited_retries: int = Field(
        10,
        ge=0,
        le=100,
        description="Retries after 429 answers, counted apart from `max_retries`: being paced "
        "by the provider is not a failure.",
    )
    max_retry_after_s: PositiveFloat = Field(
        60.0,
        description="Longest `Retry-After` honoured on a 429; a longer one fails the request "
        "as rate limited.",
    )
    breaker_window: PositiveInt = Field(
        50, description="Recent requests the circuit breaker judges the provider's health by."
    )
    breaker_min_requests: PositiveInt = Field(
        20, description="Requests in the window before the breaker may open."
    )
    breaker_failure_ratio: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of failed requests in the window that opens the breaker.",
    )
    breaker_open_s: PositiveFloat = Field(
        30.0, description="Seconds the breaker stays open before one probe request is let through."
    )


class TmdbSettings(ProviderSettings):
    base_url: AnyHttpUrl = Field(
        AnyHttpUrl("https://api.themoviedb.org/3"), description="TMDb v3 API root."
    )
    rate_limit_per_s: PositiveFloat = Field(
        40.0, description="Requests per second to TMDb, across processes."
    )


class TvdbSettings(ProviderSettings):
    base_url: AnyHttpUrl = Field(
        AnyHttpUrl("https://api4.thetvdb.com/v4"), description="TheTVDB v4 API root."
    )
    rate_limit_per_s: PositiveFloat = Field(
        20.0, description="Requests per second to TheTVDB, across processes."
    )
    pin: SecretStr | None = Field(None, description="Subscriber PIN, for user-supported keys.")
    max_episode_pages: PositiveInt = Field(
        100, description="Pages of episodes read per series at most (TheTVDB pages hold 500)."
    )


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


class JobKindSettings(Section):
    max_attempts: PositiveInt = Field(description="Attempts before a job of this kind fails.")


def _default_job_kinds() -> dict[str, JobKindSettings]:
    provider_work = ("catalogue.enrich", "catalogue.refresh", "catalogue.artwork")
    return {kind: JobKindSettings(max_attempts=12) for kind in provider_work}


class JobsSettings(Section):
    concurrency: PositiveInt = Field(4, description="Jobs one worker process runs at once.")
    lease_s: PositiveFloat = Field(
        60.0, description="Seconds a claimed job stays owned without a heartbeat."
    )
    heartbeat_interval_s: PositiveFloat = Field(
        15.0,
        description="Seconds between lease renewals of a running job; must be below `lease_s`.",
    )
    poll_interval_s: PositiveFloat = Field(1.0, description="Seconds between idle queue polls.")
    progress_flush_interval_s: PositiveFloat = Field(
        2.0,
        description="Seconds between writes of a running job's progress (checkpoints and the "
        "end of a job always write it).",
    )
    max_attempts: PositiveInt = Field(
        5, description="Attempts before a job fails, unless `kinds` says otherwise."
    )
    kinds: dict[str, JobKindSettings] = Field(
        default_factory=_default_job_kinds,
        description='Per-kind overrides, e.g. `{"jobs.prune": {"max_attempts": 2}}`. By default '
        "the jobs that call providers retry for about eleven hours of backoff, so a provider "
        "outage delays them instead of failing them.",
    )
    retry_backoff_base_s: PositiveFloat = Field(
        10.0, description="Delay before the first retry; it doubles with each further attempt."
    )
    retry_backoff_max_s: PositiveFloat = Field(
        3_600.0, description="Longest delay between two attempts of a job."
    )
    retry_jitter: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Fraction of a retry delay that is random, so jobs failing together do "
        "not retry together.",
    )
    shutdown_grace_s: float = Field(
        30.0,
        ge=0,
        description="Seconds a stopping worker lets running jobs reach their next checkpoint "
        "before it interrupts them; interrupted jobs go back to the queue.",
    )
    retention_s: PositiveInt = Field(
        7 * 86_400, description="Seconds finished jobs are kept before `jobs.prune` deletes them."
    )
    prune_interval_s: int = Field(
        86_400, ge=0, description="Seconds between periodic `jobs.prune` runs (0 = never)."
    )
    prune_batch_size: PositiveInt = Field(
        1_000, description="Finished jobs `jobs.prune` deletes per transaction."
    )

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> JobsSettings:
        if self.heartbeat_interval_s >= self.lease_s:
            raise ValueError("jobs.heartbeat_interval_s must be below jobs.lease_s")
        return self

    def max_attempts_for(self, kind: str) -> int:
        override = self.kinds.get(kind)
        return override.max_attempts if override else self.max_attempts


class ScanSettings(Section):
    full_scan_interval_s: int = Field(
        6 * 3_600, ge=0, description="Seconds between periodic full library scans (0 = never)."
    )
    watch: bool = Field(True, description="Watch library folders and rescan what changes.")
    watch_refresh_s: PositiveFloat = Field(
        60.0, description="Seconds between reloads of the set of watched library folders."
    )
    watch_max_folders: PositiveInt = Field(
        100,
        description="Folders of one library changed in one burst above which a watched change "
        "becomes a full scan of the library.",
    )
    debounce_ms: PositiveInt = Field(
        2_000, description="Quiet time before watched changes become a scan."
    )
    missing_grace_s: int = Field(
        30 * 86_400,
        ge=0,
        description="Seconds a file stays recorded as missing (a disk may come back) before the "
        "cleanup forgets it; its item stays.",
    )
    cleanup_interval_s: int = Field(
        86_400, ge=0, description="Seconds between cleanups of long-missing files (0 = never)."
    )
    write_batch: PositiveInt = Field(
        1_000,
        description="New or changed files identified and written per transaction during a scan.",
    )


def _variant_widths() -> list[int]:
    return [185, 342, 500, 780, 1280]


class ImagesSettings(Section):
    download_timeout_s: PositiveFloat = Field(
        30.0, description="Seconds one image download may take, from connecting to the last byte."
    )
    connect_timeout_s: PositiveFloat = Field(
        5.0, description="Seconds opening a connection to an image host may take."
    )
    max_bytes: PositiveInt = Field(
        20 * 1024 * 1024,
        description="Largest image downloaded; the download stops there and the image is "
        "refused as bad.",
    )
    max_pixels: PositiveInt = Field(
        80_000_000,
        description="Largest image accepted, in pixels (width times height): a small file can "
        "decode into a huge bitmap.",
    )
    max_redirects: int = Field(
        3, ge=0, le=20, description="Redirects followed per download before the image is refused."
    )
    download_concurrency: PositiveInt = Field(
        8,
        description="Images one process downloads at once (the artwork job's parallelism, and "
        "the pooled connections of the image store).",
    )
    variant_widths: list[Annotated[int, Field(gt=0, le=10_000)]] = Field(
        default_factory=_variant_widths,
        description="Widths a resized copy may be asked for (`?width=`); any other is refused, "
        "so requests cannot fill the disk with sizes.",
    )
    variant_format: Literal["webp", "jpeg"] = Field(
        "webp",
        description="Format of resized copies: `webp` (small, keeps transparency) or `jpeg` "
        "(for old clients; then only JPEG originals become JPEG, others PNG, which keeps "
        "the transparency of logos).",
    )
    variant_quality: int = Field(
        80,
        ge=1,
        le=100,
        description="Encoder quality of resized copies; a copy is made once, so a change "
        "applies to copies made afterwards.",
    )
    variant_lock_stripes: PositiveInt = Field(
        64,
        description="Locks that make concurrent requests for one resized copy make it once; "
        "requests for different copies wait on each other only when they share a lock.",
    )
    blurhash_components_x: int = Field(
        4, ge=1, le=7, description="Horizontal detail of the blurhash placeholder (1-7)."
    )
    blurhash_components_y: int = Field(
        3, ge=1, le=7, description="Vertical detail of the blurhash placeholder (1-7)."
    )
    memory_cache_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="Bytes of served images (originals and resized copies) held in memory, the "
        "most recently served first, so a repeated request reads no file; 0 holds none.",
    )
    memory_cache_max_file_bytes: PositiveInt = Field(
        4 * 1024 * 1024,
        description="Largest image file held in memory (`images.memory_cache_bytes`); a larger "
        "one is read from disk each time it is served.",
    )
    cache_max_age_s: PositiveInt = Field(
        86_400,
        description="Seconds clients may keep a served image without asking again "
        "(`Cache-Control: private, max-age`; after it, the ETag makes asking again cheap); a "
        "newly selected image of the same kind shows after at most this long.",
    )


class AuthSettings(Section):
    session_ttl_s: PositiveInt = Field(
        30 * 86_400, description="Seconds a login token stays valid."
    )
    min_password_length: int = Field(
        8, ge=1, le=1024, description="Shortest password an account may have."
    )
    password_hash_iterations: int = Field(
        3, ge=1, le=100, description="Argon2id passes per password hash (the time cost)."
    )
    password_hash_memory_kib: int = Field(
        65_536,
        ge=8,
        le=4_194_304,
        description="Argon2id memory per password hash, in KiB (lower it on very small machines).",
    )
    initial_admin_username: str | None = Field(
        None, description="Admin account created at start when no account exists yet."
    )
    initial_admin_password: SecretStr | None = Field(
        None, description="Password of `initial_admin_username`."
    )
    touch_interval_s: int = Field(
        60,
        ge=0,
        description="A token's `last_used_at` is written at most this often (0: at every "
        "request): a page with fifty posters authenticates fifty-one times.",
    )


class WebSettings(Section):
    session_cookie: str = Field(
        "reelhouse_session",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Name of the web page's login cookie (HttpOnly, SameSite=Lax; it holds a "
        "login token, valid for `auth.session_ttl_s`).",
    )
    csrf_cookie: str = Field(
        "reelhouse_csrf",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Name of the cookie every form of the web page must echo (CSRF protection).",
    )
    recent_cookie: str = Field(
        "reelhouse_recent",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Name of the cookie that remembers what this browser opened last, for the "
        'home page\'s "continue exploring" rows.',
    )
    secure_cookies: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Mark the page's cookies Secure: `auto` when the request came over HTTPS "
        "(behind a proxy, as its `X-Forwarded-Proto` says when uvicorn trusts it), `always` "
        "for a proxy that does not say, `never` for plain-HTTP test setups only.",
    )
    page_size: int = Field(
        60, ge=1, le=200, description="Posters per page of a library grid (one more load each)."
    )
    row_size: int = Field(20, ge=1, le=200, description="Posters per row of the home page.")
    recent_items: int = Field(
        24, ge=0, le=100, description='Items remembered for "continue exploring".'
    )
    search_results: int = Field(
        8, ge=1, le=50, description="Results per group (movies, series...) in the search box."
    )
    search_debounce_ms: int = Field(
        200, ge=0, le=5_000, description="Typing pause before the search box asks the server."
    )
    jobs_shown: int = Field(50, ge=1, le=200, description="Jobs on the admin's jobs page.")
    match_candidates: int = Field(
        10, ge=1, le=50, description="Provider candidates the fix-match dialog offers."
    )
    poster_width: int = Field(
        342, description="Width of poster images on the page; one of `images.variant_widths`."
    )
    backdrop_width: int = Field(
        1280, description="Width of backdrops on the page; one of `images.variant_widths`."
    )
    photo_width: int = Field(
        185, description="Width of people's photos on the page; one of `images.variant_widths`."
    )
    still_width: int = Field(
        342, description="Width of episode stills on the page; one of `images.variant_widths`."
    )


class WebhookSettings(Section):
    secret: SecretStr | None = Field(
        None,
        min_length=16,
        description="Shared secret (16 characters or more) Sonarr and Radarr send to "
        "`/api/webhooks/arr`, in the header `X-Webhook-Secret` or as `?secret=` in the URL; "
        "unset turns that webhook off.",
    )
    max_paths: PositiveInt = Field(
        100, description="Paths one webhook call may name; a call naming more is refused (422)."
    )


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "reelhouse"


class Settings(BaseSettings):
    """All settings of one reelhouse process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the SQLite database, artwork and other state live.",
    )
    server: ServerSettings = Field(default_factory=ServerSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    metadata: MetadataSettings = Field(default_factory=MetadataSettings)
    enrichment: EnrichmentSettings = Field(default_factory=EnrichmentSettings)
    tmdb: TmdbSettings = Field(default_factory=TmdbSettings)
    tvdb: TvdbSettings = Field(default_factory=TvdbSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    images: ImagesSettings = Field(default_factory=ImagesSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @model_validator(mode="after")
    def _web_widths_offered(self) -> Settings:
        """The page asks for resized images the store offers, or every one would be refused."""
        for name in ("poster_width", "backdrop_width", "photo_width", "still_width"):
            if getattr(self.web, name) not in self.images.variant_widths:
                raise ValueError(f"web.{name} must be one of images.variant_widths")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first, then the TOML file (passed as init values by `load_settings`).
        return (env_settings, init_settings)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite+aiosqlite:///{self.data_dir / 'reelhouse.db'}"


def load_settings(config_file: Path | None = None) -> Settings:
    """Build the settings, or raise `ConfigError` with one line that says what to fix."""
    path = config_file or _path_from_env()
    file_values = _read_toml(path) if path else {}
    try:
        return Settings(**file_values)
    except ValidationError as exc:
        raise ConfigError(_describe_validation_error(exc)) from exc


def _path_from_env() -> Path | None:
    value = os.environ.get(CONFIG_ENV_VAR)
    return Path(value) if value else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def _describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        if not location:  # a check across sections: its message names the settings
            problems.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        name = ".".join(location)
        env_name = ENV_PREFIX + "_".join(location[:2]).upper()
        problems.append(f"setting {name} ({env_name}): {error['msg']}")
    return "invalid settings: " + "; ".join(problems)


_URL_PASSWORD = re.compile(r"(?P<head>://[^:/@]*:)[^@/]*(?P<tail>@)")


def mask_url(url: str) -> str:
    """Hide the password of a URL such as ``postgresql://user:secret@host/db``."""
    return _URL_PASSWORD.sub(r"\g<head>***\g<tail>", url)


def public_view(settings: Settings) -> dict[str, Any]:
    """The effective settings with every secret masked, for `reelhouse config show`."""
    view = settings.model_dump(mode="json")
    view["database"]["url"] = mask_url(settings.database_url)
    if settings.redis.url:
        view["redis"]["url"] = mask_url(settings.redis.url)
    return view


def settings_reference() -> str:
    """Markdown reference of every setting, generated from the model so it cannot drift."""
    lines = [
        "# Settings",
        "",
        "Generated by `reelhouse config docs`; do not edit by hand.",
        "",
        "Each setting can be given in the TOML file (`--config FILE` or `$REELHOUSE_CONFIG`)",
        "or as an environment variable, which wins over the file. A setting `x` of section",
        "`[section]` is `REELHOUSE_SECTION_X`; a table or list value is given there as JSON.",
        "",
        "| setting | environment variable | default | description |",
        "|---|---|---|---|",
    ]
    defaults = Settings.model_construct().model_dump(mode="json")
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub_name, sub_field in annotation.model_fields.items():
                lines.append(
                    _reference_row(
                        f"{name}.{sub_name}",
                        f"{ENV_PREFIX}{name}_{sub_name}".upper(),
                        defaults[name][sub_name],
                        sub_field.description,
                    )
                )
        else:
            lines.append(
                _reference_row(name, f"{ENV_PREFIX}{name}".upper(), None, field.description)
            )
    return "\n".join(lines) + "\n"


def _reference_row(name: str, env: str, default: Any, description: str | None) -> str:
    shown = "" if default is None else f"`{json.dumps(default)}`"
    text = (description or "").replace("|", "\\|")
    return f"| `{name}` | `{env}` | {shown} | {text} |"
