"""The shared provider client against the fake TMDb: cache, coalescing, retries, faults, breaker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from reelhouse.config import TmdbSettings
from reelhouse.content.metadata.cache import DETAILS_NAMESPACE
from reelhouse.content.metadata.client import ProviderClient
from reelhouse.content.metadata.ratelimit import LocalRateLimiter
from reelhouse.errors import (
    NotFoundError,
    RateLimitedError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.breaker import BreakerState
from reelhouse.infra.http import retry_after_seconds
from reelhouse.providers import tmdb_models as wire
from reelhouse.providers.tmdb import TmdbCredentials
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.server import FakeServer
from reelhouse.testing.memory_cache import BoundedMemoryCache

SECRET = "s3cret-v3-key-do-not-log"

ClientFactory = Callable[..., ProviderClient]


@pytest.fixture
async def make_client(
    clean_env: Path, fake_server: FakeServer, memory_cache: BoundedMemoryCache
) -> AsyncIterator[ClientFactory]:
    made: list[ProviderClient] = []

    def build(**overrides: Any) -> ProviderClient:
        values: dict[str, Any] = {
            "base_url": f"{fake_server.url}/3",
            "timeout_s": 1.0,
            "retry_initial_s": 0.01,
            "retry_max_s": 0.05,
            "max_retries": 3,
            "rate_limit_per_s": 1000.0,
            **overrides,
        }
        settings = TmdbSettings(**values)
        client = ProviderClient(
            "tmdb",
            settings,
            cache=memory_cache,
            limiter=LocalRateLimiter(settings.rate_limit_per_s),
            credentials=TmdbCredentials(SecretStr(SECRET)),
        )
        made.append(client)
        return client

    yield build
    for client in made:
        await client.aclose()


def requests_to(fake: FakeProviders, endpoint: str) -> int:
    return fake.control.stats.by_endpoint[endpoint]


async def test_answers_are_cached(make_client: ClientFactory, fake: FakeProviders) -> None:
    client = make_client()
    first = await client.get("movie/1", wire.Movie, namespace=DETAILS_NAMESPACE)
    second = await client.get("movie/1", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert first == second
    assert first.id == 1
    assert requests_to(fake, "tmdb.movie") == 1


async def test_identical_concurrent_requests_are_coalesced(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.configure(latency_ms=100)
    client = make_client()
    answers = await asyncio.gather(
        *(client.get("movie/2", wire.Movie, namespace=DETAILS_NAMESPACE) for _ in range(10))
    )
    assert {a.id for a in answers} == {2}
    assert requests_to(fake, "tmdb.movie") == 1


async def test_refresh_bypasses_the_cache_for_that_item_only(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    client = make_client()
    await client.get("movie/1", wire.Movie, namespace=DETAILS_NAMESPACE)
    await client.get("movie/2", wire.Movie, namespace=DETAILS_NAMESPACE)
    await client.get("movie/1", wire.Movie, namespace=DETAILS_NAMESPACE, refresh=True)
    await client.get("movie/2", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert fake.control.stats.ok_by_path == {"/3/movie/1": 2, "/3/movie/2": 1}


async def test_5xx_is_retried_until_it_succeeds(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/3$", "error", times=2, status=502)
    client = make_client()
    movie = await client.get("movie/3", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert movie.id == 3
    assert requests_to(fake, "tmdb.movie") == 3
    assert client.metrics.value("reelhouse_provider_retries_total", provider="tmdb") == 2


async def test_persistent_5xx_ends_in_upstream_unavailable(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/3$", "error", times=100)
    with pytest.raises(UpstreamUnavailableError, match="HTTP 503"):
        await make_client(max_retries=2).get("movie/3", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert requests_to(fake, "tmdb.movie") == 3


async def test_429_waits_for_retry_after_then_succeeds(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/4$", "rate_limit")
    client = make_client(max_retries=0)
    movie = await client.get("movie/4", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert movie.id == 4
    assert fake.control.stats.by_status[429] == 1
    assert client.metrics.value("reelhouse_provider_rate_limited_total", provider="tmdb") == 1


async def test_429_without_retry_after_backs_off_and_retries(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/4$", "rate_limit_bare")
    movie = await make_client().get("movie/4", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert movie.id == 4
    assert fake.control.stats.by_status[429] == 1
    assert requests_to(fake, "tmdb.movie") == 2


async def test_429_with_a_retry_after_beyond_the_limit_is_a_rate_limited_error(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/4$", "rate_limit")
    with pytest.raises(RateLimitedError) as caught:
        await make_client(max_retry_after_s=0.5).get(
            "movie/4", wire.Movie, namespace=DETAILS_NAMESPACE
        )
    assert caught.value.retry_after_s == 1.0
    assert requests_to(fake, "tmdb.movie") == 1


async def test_the_server_rate_limit_is_never_hit_at_the_configured_rate(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.configure(rate_limit_per_s=40.0, burst=10.0)  # 24 unpaced would see 429s
    client = make_client(rate_limit_per_s=40.0)
    await asyncio.gather(
        *(client.get(f"movie/{i}", wire.Movie, namespace=DETAILS_NAMESPACE) for i in range(1, 25))
    )
    assert fake.control.stats.by_status[429] == 0
    assert requests_to(fake, "tmdb.movie") == 24


async def test_a_hung_request_times_out_and_is_retried(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/5$", "timeout")
    movie = await make_client(timeout_s=0.3).get("movie/5", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert movie.id == 5
    assert requests_to(fake, "tmdb.movie") == 2


async def test_requests_that_always_hang_end_in_upstream_unavailable(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/5$", "timeout", times=10)
    with pytest.raises(UpstreamUnavailableError, match="timed out"):
        await make_client(timeout_s=0.2, max_retries=1).get(
            "movie/5", wire.Movie, namespace=DETAILS_NAMESPACE
        )


@pytest.mark.parametrize("fault", ["malformed", "truncated"])
async def test_unreadable_json_is_retried_then_reported(
    make_client: ClientFactory, fake: FakeProviders, fault: str
) -> None:
    fake.control.inject("/3/movie/6$", fault)
    assert (await make_client().get("movie/6", wire.Movie, namespace=DETAILS_NAMESPACE)).id == 6
    fake.control.inject("/3/movie/7$", fault, times=10)
    with pytest.raises(UpstreamResponseError, match="malformed JSON"):
        await make_client(max_retries=1).get("movie/7", wire.Movie, namespace=DETAILS_NAMESPACE)


async def test_an_oversized_body_is_refused_without_retry(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/8$", "oversized")
    with pytest.raises(UpstreamResponseError, match="larger than"):
        await make_client(max_body_bytes=1_000_000).get(
            "movie/8", wire.Movie, namespace=DETAILS_NAMESPACE
        )
    assert requests_to(fake, "tmdb.movie") == 1


async def test_a_redirect_loop_is_a_typed_error(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.inject("/3/movie/9$", "redirect_loop", times=10)
    with pytest.raises(UpstreamResponseError, match="redirect loop"):
        await make_client().get("movie/9", wire.Movie, namespace=DETAILS_NAMESPACE)


@pytest.mark.parametrize("fault", ["huge_id", "wrong_type"])
async def test_an_invalid_answer_is_a_typed_error_and_is_not_cached(
    make_client: ClientFactory, fake: FakeProviders, fault: str
) -> None:
    client = make_client()
    fake.control.inject("/3/movie/10$", fault)
    with pytest.raises(UpstreamResponseError, match=r"invalid value at id"):
        await client.get("movie/10", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert (await client.get("movie/10", wire.Movie, namespace=DETAILS_NAMESPACE)).id == 10
    assert requests_to(fake, "tmdb.movie") == 2


async def test_not_found_is_not_retried(make_client: ClientFactory, fake: FakeProviders) -> None:
    with pytest.raises(NotFoundError):
        await make_client().get("movie/123456789", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert requests_to(fake, "tmdb.movie") == 1


async def test_the_breaker_opens_fails_fast_and_closes_after_a_good_probe(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    client = make_client(
        max_retries=0, breaker_window=4, breaker_min_requests=4, breaker_open_s=0.3
    )
    fake.control.configure(error_rate=1.0)
    for movie_id in range(1, 5):
        with pytest.raises(UpstreamUnavailableError, match="HTTP"):
            await client.get(f"movie/{movie_id}", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert client.breaker_state is BreakerState.OPEN
    sent = fake.control.stats.requests
    with pytest.raises(UpstreamUnavailableError, match="circuit breaker is open"):
        await client.get("movie/5", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert fake.control.stats.requests == sent
    fake.control.configure(error_rate=0.0)
    await asyncio.sleep(0.35)
    assert (await client.get("movie/5", wire.Movie, namespace=DETAILS_NAMESPACE)).id == 5
    assert client.breaker_state is BreakerState.CLOSED


async def test_scattered_failures_do_not_open_the_breaker(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.configure(error_rate=0.2, seed=1)
    client = make_client()  # the default window and ratio
    movies = await asyncio.gather(
        *(client.get(f"movie/{i}", wire.Movie, namespace=DETAILS_NAMESPACE) for i in range(1, 31))
    )
    assert len(movies) == 30
    assert client.breaker_state is BreakerState.CLOSED
    assert sum(fake.control.stats.faults.values()) > 0


async def test_the_api_key_is_in_no_log_line_and_no_cache_key(
    make_client: ClientFactory,
    fake: FakeProviders,
    memory_cache: BoundedMemoryCache,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.tmdb_api_key = SECRET
    caplog.set_level(logging.DEBUG)
    fake.control.inject("/3/movie/11$", "error", times=5)
    client = make_client(max_retries=1)
    with pytest.raises(UpstreamUnavailableError):
        await client.get("movie/11", wire.Movie, namespace=DETAILS_NAMESPACE)
    await client.get("movie/12", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert "HTTP Request" in caplog.text  # the request lines were captured ...
    assert "api_key=***" in caplog.text
    assert SECRET not in caplog.text  # ... without the key
    assert memory_cache.entries()
    assert all(SECRET not in key for _, key in memory_cache.entries())


async def test_a_wrong_api_key_is_an_upstream_error(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.tmdb_api_key = "another-key"
    with pytest.raises(UpstreamUnavailableError, match="rejected the credentials"):
        await make_client().get("movie/1", wire.Movie, namespace=DETAILS_NAMESPACE)


async def test_a_cancelled_caller_does_not_cancel_the_shared_request(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.configure(latency_ms=200)
    client = make_client()
    first = asyncio.create_task(client.get("movie/13", wire.Movie, namespace=DETAILS_NAMESPACE))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(client.get("movie/13", wire.Movie, namespace=DETAILS_NAMESPACE))
    await asyncio.sleep(0.05)
    first.cancel()
    assert (await second).id == 13
    assert first.cancelled()
    assert requests_to(fake, "tmdb.movie") == 1


async def test_cache_hits_and_breaker_state_are_exported(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    client = make_client()
    for _ in range(3):
        await client.get("movie/14", wire.Movie, namespace=DETAILS_NAMESPACE)
    cache = "reelhouse_provider_cache_total"
    assert client.metrics.value(cache, provider="tmdb", result="miss") == 1
    assert client.metrics.value(cache, provider="tmdb", result="hit") == 2
    requests = "reelhouse_provider_requests_total"
    assert client.metrics.value(requests, provider="tmdb", outcome="ok") == 1
    state = client.metrics.value("reelhouse_provider_breaker_state", provider="tmdb")
    assert state == BreakerState.CLOSED


async def test_a_read_access_token_travels_as_a_bearer_header(
    clean_env: Path,
    fake: FakeProviders,
    fake_server: FakeServer,
    memory_cache: BoundedMemoryCache,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    token = "eyJhbGciOiJIUzI1NiJ9.e30.signature"
    fake.tmdb_api_key = token
    settings = TmdbSettings(base_url=f"{fake_server.url}/3", api_key=token)
    client = ProviderClient(
        "tmdb",
        settings,
        cache=memory_cache,
        limiter=LocalRateLimiter(100.0),
        credentials=TmdbCredentials(settings.api_key),
    )
    try:
        assert (await client.get("movie/1", wire.Movie, namespace=DETAILS_NAMESPACE)).id == 1
        assert "/3/movie/1" in caplog.text  # the request line was logged, with no key in it
        assert "api_key" not in caplog.text
    finally:
        await client.aclose()


async def test_a_client_set_above_the_providers_limit_still_gets_everything(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    fake.control.configure(rate_limit_per_s=10.0, burst=2.0)
    client = make_client(rate_limit_per_s=1000.0, max_retries=0)
    movies = await asyncio.gather(
        *(client.get(f"movie/{i}", wire.Movie, namespace=DETAILS_NAMESPACE) for i in range(1, 7))
    )
    assert [m.id for m in movies] == list(range(1, 7))
    assert fake.control.stats.rate_limited > 0  # the provider pushed back, and was obeyed
    assert fake.control.stats.by_status[200] == 6


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0", 0.0), ("1.5", 1.5), ("-4", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_an_http_date() -> None:
    moment = datetime.now(UTC) + timedelta(seconds=30)
    seconds = retry_after_seconds(format_datetime(moment, usegmt=True))
    assert seconds is not None
    assert 25 <= seconds <= 31
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


@given(st.text(max_size=40))
def test_any_retry_after_header_is_a_delay_or_none(header: str) -> None:
    seconds = retry_after_seconds(header)
    assert seconds is None or seconds >= 0


async def test_a_failed_probe_opens_the_breaker_again(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    client = make_client(
        max_retries=0, breaker_window=2, breaker_min_requests=2, breaker_open_s=0.2
    )
    fake.control.configure(error_rate=1.0)
    for movie_id in (1, 2):
        with pytest.raises(UpstreamUnavailableError):
            await client.get(f"movie/{movie_id}", wire.Movie, namespace=DETAILS_NAMESPACE)
    await asyncio.sleep(0.25)
    with pytest.raises(UpstreamUnavailableError, match="HTTP 503"):  # the probe went out
        await client.get("movie/3", wire.Movie, namespace=DETAILS_NAMESPACE)
    assert client.breaker_state is BreakerState.OPEN
    with pytest.raises(UpstreamUnavailableError, match="circuit breaker is open"):
        await client.get("movie/4", wire.Movie, namespace=DETAILS_NAMESPACE)


async def test_429s_do_not_open_the_breaker(
    make_client: ClientFactory, fake: FakeProviders
) -> None:
    client = make_client(breaker_window=2, breaker_min_requests=2, retry_max_s=0.02)
    fake.control.inject("/3/movie/", "rate_limit_bare", times=6)
    movies = await asyncio.gather(
        *(client.get(f"movie/{i}", wire.Movie, namespace=DETAILS_NAMESPACE) for i in range(1, 4))
    )
    assert [m.id for m in movies] == [1, 2, 3]
    assert fake.control.stats.by_status[429] == 6
    assert client.breaker_state is BreakerState.CLOSED
