"""The provider clients, built from the settings: one pooled client and limiter per provider,
the limits shared across processes through Redis when it is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pydantic import SecretStr
from redis.asyncio import Redis

from reelhouse.config import ProviderSettings, Settings
from reelhouse.content.metadata.cache import ResponseCache
from reelhouse.content.metadata.client import ProviderClient
from reelhouse.content.metadata.enrich import Enricher
from reelhouse.content.metadata.metrics import ProviderMetrics
from reelhouse.content.metadata.protocol import MovieProvider, SeriesProvider
from reelhouse.content.metadata.ratelimit import (
    LocalRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from reelhouse.providers.tmdb import TmdbCredentials, TmdbProvider
from reelhouse.providers.tvdb import TvdbCredentials, TvdbProvider


@dataclass
class Providers:
    tmdb: TmdbProvider
    tvdb: TvdbProvider
    clients: tuple[ProviderClient, ...]
    #: The credentials the clients were given: TMDb's key, TheTVDB's key and PIN.
    keys: tuple[SecretStr | None, ...]
    #: The Redis the limits shared across processes live in (also the login throttle's).
    redis: Redis | None = None

    def enricher(self, settings: Settings) -> Enricher:
        return Enricher(settings.metadata, *self._keyed(settings))

    def take_up(self, settings: Settings, enricher: Enricher) -> None:
        """Use changed credentials and metadata settings from now on (the settings page)."""
        tmdb_client, tvdb_client = self.clients
        if settings.tmdb.api_key != self.keys[0]:
            tmdb_client.credentials = TmdbCredentials(settings.tmdb.api_key)
        if (settings.tvdb.api_key, settings.tvdb.pin) != self.keys[1:]:
            tvdb_client.credentials = TvdbCredentials(
                tvdb_client, settings.tvdb.api_key, settings.tvdb.pin
            )
        self.keys = _keys(settings)
        self.tmdb.settings = settings.metadata
        enricher.use(settings.metadata, *self._keyed(settings))

    def _keyed(
        self, settings: Settings
    ) -> tuple[dict[str, MovieProvider], dict[str, SeriesProvider]]:
        """Providers without an API key are left out rather than failing every item."""
        movie: dict[str, MovieProvider] = {}
        series: dict[str, SeriesProvider] = {}
        if settings.tmdb.api_key is not None:
            movie["tmdb"] = series["tmdb"] = self.tmdb
        if settings.tvdb.api_key is not None:
            series["tvdb"] = self.tvdb
        return movie, series

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


def _keys(settings: Settings) -> tuple[SecretStr | None, ...]:
    return (settings.tmdb.api_key, settings.tvdb.api_key, settings.tvdb.pin)


def rate_limiter(
    name: str, provider: ProviderSettings, settings: Settings, redis: Redis | None
) -> RateLimiter:
    """Shared across processes through Redis when it is configured, else per process."""
    if redis is None:
        return LocalRateLimiter(provider.rate_limit_per_s)
    key = f"{settings.metadata.rate_limit_key_prefix}{name}"
    return RedisRateLimiter(redis, key, provider.rate_limit_per_s)


def build_providers(
    settings: Settings,
    cache: ResponseCache,
    redis: Redis | None,
    metrics: ProviderMetrics | None = None,
) -> Providers:
    metrics = metrics or ProviderMetrics()
    tmdb_client = ProviderClient(
        "tmdb",
        settings.tmdb,
        cache=cache,
        limiter=rate_limiter("tmdb", settings.tmdb, settings, redis),
        credentials=TmdbCredentials(settings.tmdb.api_key),
        metrics=metrics,
    )
    tvdb_client = ProviderClient(
        "tvdb",
        settings.tvdb,
        cache=cache,
        limiter=rate_limiter("tvdb", settings.tvdb, settings, redis),
        metrics=metrics,
    )
    tvdb_client.credentials = TvdbCredentials(tvdb_client, settings.tvdb.api_key, settings.tvdb.pin)
    return Providers(
        tmdb=TmdbProvider(tmdb_client, settings.metadata),
        tvdb=TvdbProvider(tvdb_client, settings.tvdb),
        clients=(tmdb_client, tvdb_client),
        keys=_keys(settings),
        redis=redis,
    )


@asynccontextmanager
async def open_providers(
    settings: Settings, cache: ResponseCache, metrics: ProviderMetrics | None = None
) -> AsyncIterator[Providers]:
    """The providers for one process; with `redis.url` set their rate limits (and the login
    throttle) are shared."""
    redis = (
        Redis.from_url(
            settings.redis.url,
            socket_timeout=settings.redis.timeout_s,
            socket_connect_timeout=settings.redis.timeout_s,
        )
        if settings.redis.url
        else None
    )
    providers = build_providers(settings, cache, redis, metrics)
    try:
        yield providers
    finally:
        await providers.aclose()
        if redis is not None:
            await redis.aclose()
