"""The metadata providers' HTTP APIs: limits, retries and the circuit breaker."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


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
