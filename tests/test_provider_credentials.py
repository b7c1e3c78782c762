"""Checking a provider credential live: each verdict (accepted, refused, unreachable, rate
limited) against the fake TMDb and TheTVDB servers, which accept one key each."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from reelhouse.config import TmdbSettings, TvdbSettings
from reelhouse.content.metadata.credentials import CredentialStatus, check_tmdb, check_tvdb
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.control import FaultConfig
from reelhouse.testing.fake_providers.server import FakeServer

TMDB_KEY = "tmdb-key-0123456789abcdef"
TMDB_TOKEN = "eyJhbGciOiJIUzI1NiJ9.read-access-token"  # a v4 token goes in the header
TVDB_KEY = "tvdb-key-0123456789abcdef"


@pytest.fixture
def keyed() -> Iterator[FakeServer]:
    fake = FakeProviders(
        Catalogue(movies=2, series=1),
        FaultConfig(hang_s=2.0),
        tmdb_api_key=TMDB_KEY,
        tvdb_api_key=TVDB_KEY,
    )
    with FakeServer(fake) as server:
        yield server


def tmdb_at(url: str, **overrides: float) -> TmdbSettings:
    return TmdbSettings(base_url=f"{url}/3", **overrides)  # type: ignore[arg-type]


def tvdb_at(url: str, **overrides: float) -> TvdbSettings:
    return TvdbSettings(base_url=f"{url}/v4", **overrides)  # type: ignore[arg-type]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_good_keys_are_accepted(keyed: FakeServer) -> None:
    tmdb = await check_tmdb(tmdb_at(keyed.url), SecretStr(TMDB_KEY))
    tvdb = await check_tvdb(tvdb_at(keyed.url), SecretStr(TVDB_KEY))
    assert (tmdb.status, tvdb.status) == (CredentialStatus.OK, CredentialStatus.OK)
    assert tmdb.ok
    assert tvdb.ok
    assert tmdb.detail == "TMDb accepted the key"


async def test_a_read_access_token_goes_in_the_header(keyed: FakeServer) -> None:
    keyed.fake.tmdb_api_key = TMDB_TOKEN
    tmdb = await check_tmdb(tmdb_at(keyed.url), SecretStr(TMDB_TOKEN))
    assert tmdb.status is CredentialStatus.OK


async def test_the_configured_key_is_checked_by_default(keyed: FakeServer) -> None:
    settings = tmdb_at(keyed.url).model_copy(update={"api_key": SecretStr(TMDB_KEY)})
    assert (await check_tmdb(settings)).ok
    assert (await check_tvdb(tvdb_at(keyed.url))).status is CredentialStatus.MISSING


async def test_wrong_keys_are_refused_with_the_reason(keyed: FakeServer) -> None:
    tmdb = await check_tmdb(tmdb_at(keyed.url), SecretStr("wrong"))
    tvdb = await check_tvdb(tvdb_at(keyed.url), SecretStr("wrong"))
    assert (tmdb.status, tvdb.status) == (CredentialStatus.INVALID, CredentialStatus.INVALID)
    assert tmdb.detail.startswith("TMDb refused the key (HTTP 401)")
    assert tvdb.detail.startswith("TheTVDB refused the key (HTTP 401)")
    assert "wrong" not in tmdb.detail + tvdb.detail  # a key is never echoed


async def test_blank_keys_are_missing_without_a_request(keyed: FakeServer) -> None:
    for key in (None, SecretStr(""), SecretStr("   ")):
        assert (await check_tvdb(tvdb_at(keyed.url), key)).status is CredentialStatus.MISSING
    assert (await check_tmdb(tmdb_at(keyed.url), SecretStr(" "))).status is (
        CredentialStatus.MISSING
    )
    assert keyed.fake.control.stats.requests == 0


async def test_no_network_is_said_so() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    tmdb = await check_tmdb(tmdb_at(url), SecretStr(TMDB_KEY))
    assert tmdb.status is CredentialStatus.NO_NETWORK
    assert "could not reach TMDb" in tmdb.detail


async def test_a_provider_that_does_not_answer_is_no_network(keyed: FakeServer) -> None:
    keyed.fake.control.inject("/v4/login", "timeout")
    tvdb = await check_tvdb(tvdb_at(keyed.url, timeout_s=0.2), SecretStr(TVDB_KEY))
    assert tvdb.status is CredentialStatus.NO_NETWORK
    assert "did not answer in time" in tvdb.detail


async def test_rate_limits_are_reported_with_the_wait(keyed: FakeServer) -> None:
    keyed.fake.control.inject("/3/configuration", "rate_limit", retry_after=7)
    tmdb = await check_tmdb(tmdb_at(keyed.url), SecretStr(TMDB_KEY))
    assert tmdb.status is CredentialStatus.RATE_LIMITED
    assert tmdb.detail.endswith("try again in 7 s")


async def test_other_answers_are_unexpected(keyed: FakeServer) -> None:
    keyed.fake.control.inject("/3/configuration", "error", status=502)
    tmdb = await check_tmdb(tmdb_at(keyed.url), SecretStr(TMDB_KEY))
    assert tmdb.status is CredentialStatus.UNEXPECTED
    assert "HTTP 502" in tmdb.detail


async def test_an_address_that_is_not_the_api_names_the_setting(keyed: FakeServer) -> None:
    elsewhere = TmdbSettings(base_url=f"{keyed.url}/not-tmdb")  # type: ignore[arg-type]
    tmdb = await check_tmdb(elsewhere, SecretStr(TMDB_KEY))
    assert tmdb.status is CredentialStatus.NOT_THE_API
    assert "tmdb.base_url" in tmdb.detail
