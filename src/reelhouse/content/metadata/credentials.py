"""Is a provider credential good? One live request to the provider, and a typed verdict a person
can act on: accepted, refused (invalid), unreachable, rate limited, or an answer that makes no
sense.

Deliberately not the shared `ProviderClient`: that one retries, paces, caches and trips its
breaker, all of which would hide or delay the one answer wanted here (a wrong key must say so
at once, not after half a minute of retries). The check still uses the provider's configured
base URL, timeouts, redirect limit, body cap and TLS set-up.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
from pydantic import SecretStr

from reelhouse.config import ProviderSettings, Settings, TmdbSettings, TvdbSettings
from reelhouse.errors import UpstreamResponseError
from reelhouse.infra.http import read_capped, retry_after_seconds, tls_context
from reelhouse.providers.tmdb import TmdbCredentials


class CredentialStatus(StrEnum):
    OK = "ok"
    MISSING = "missing"  # nothing to check
    INVALID = "invalid"  # the provider refused it (401 / 403)
    NO_NETWORK = "no_network"  # no connection, or no answer in time
    RATE_LIMITED = "rate_limited"  # 429: the key may be fine, ask again later
    NOT_THE_API = "not_the_api"  # 404: the base URL is not the provider's API
    UNEXPECTED = "unexpected"  # another status, or an answer that is not the provider's


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    """The verdict on one provider's credential: `detail` is a sentence for a person."""

    provider: KeyedProvider
    status: CredentialStatus
    detail: str

    @property
    def ok(self) -> bool:
        return self.status is CredentialStatus.OK


class KeyedProvider(StrEnum):
    """The providers that need a key."""

    TMDB = "tmdb"
    TVDB = "tvdb"


TITLES = {KeyedProvider.TMDB: "TMDb", KeyedProvider.TVDB: "TheTVDB"}


class ProviderKeys:
    """Checks keys against the providers as this server is configured to reach them (base
    URL, timeouts); without a key, the configured one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def check(
        self,
        provider: KeyedProvider,
        api_key: SecretStr | None = None,
        pin: SecretStr | None = None,
    ) -> CredentialCheck:
        if provider is KeyedProvider.TMDB:
            return await check_tmdb(self.settings.tmdb, api_key)
        return await check_tvdb(self.settings.tvdb, api_key, pin)


async def check_tmdb(settings: TmdbSettings, api_key: SecretStr | None = None) -> CredentialCheck:
    """Check a TMDb v3 API key or v4 read access token (by default the configured one) by
    reading TMDb's configuration, which needs one."""
    key = api_key if api_key is not None else settings.api_key
    if not _given(key):
        return _missing(KeyedProvider.TMDB)
    credentials = TmdbCredentials(key)
    request = _Request("GET", "configuration", await credentials.headers(), credentials.params())
    return await _check(KeyedProvider.TMDB, settings, request)


async def check_tvdb(
    settings: TvdbSettings, api_key: SecretStr | None = None, pin: SecretStr | None = None
) -> CredentialCheck:
    """Check a TheTVDB v4 API key (and subscriber PIN), by default the configured ones, by
    logging in with them."""
    key = api_key if api_key is not None else settings.api_key
    pin = pin if pin is not None else settings.pin
    if key is None or not _given(key):
        return _missing(KeyedProvider.TVDB)
    body = {"apikey": key.get_secret_value()}
    if pin is not None and _given(pin):
        body["pin"] = pin.get_secret_value()
    return await _check(KeyedProvider.TVDB, settings, _Request("POST", "login", json=body))


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    headers: Any = None
    params: Any = None
    json: Any = None


def _given(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value().strip())


def _missing(provider: KeyedProvider) -> CredentialCheck:
    return CredentialCheck(provider, CredentialStatus.MISSING, f"no {TITLES[provider]} key given")


async def _check(
    provider: KeyedProvider, settings: ProviderSettings, request: _Request
) -> CredentialCheck:
    title = TITLES[provider]
    base = str(settings.base_url).rstrip("/") + "/"
    try:
        async with (
            httpx.AsyncClient(
                base_url=base,
                timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
                follow_redirects=settings.max_redirects > 0,
                max_redirects=settings.max_redirects,
                verify=tls_context(),
                headers={"Accept": "application/json"},
            ) as client,
            asyncio.timeout(settings.timeout_s + settings.connect_timeout_s),
            client.stream(
                request.method,
                request.path,
                headers=request.headers,
                params=request.params,
                json=request.json,
            ) as response,
        ):
            status = response.status_code
            if status == 200:
                await read_capped(response, settings.max_body_bytes, title)
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    except (httpx.TimeoutException, TimeoutError):
        return CredentialCheck(
            provider,
            CredentialStatus.NO_NETWORK,
            f"{title} did not answer in time ({base}): check the server's network",
        )
    except httpx.TransportError as exc:
        return CredentialCheck(
            provider,
            CredentialStatus.NO_NETWORK,
            f"could not reach {title} at {base} ({type(exc).__name__}): check the server's network",
        )
    except UpstreamResponseError as exc:
        return CredentialCheck(provider, CredentialStatus.UNEXPECTED, exc.detail)
    return _verdict(provider, status, retry_after)


def _verdict(provider: KeyedProvider, status: int, retry_after: float | None) -> CredentialCheck:
    title = TITLES[provider]
    if status == 200:
        return CredentialCheck(provider, CredentialStatus.OK, f"{title} accepted the key")
    if status in (401, 403):
        return CredentialCheck(
            provider,
            CredentialStatus.INVALID,
            f"{title} refused the key (HTTP {status}): check that it is copied whole",
        )
    if status == 429:
        wait = f" in {math.ceil(retry_after)} s" if retry_after is not None else " later"
        return CredentialCheck(
            provider,
            CredentialStatus.RATE_LIMITED,
            f"{title} is rate limiting this server (HTTP 429): try again{wait}",
        )
    if status == 404:
        return CredentialCheck(
            provider,
            CredentialStatus.NOT_THE_API,
            f"no {title} API there (HTTP 404): check {provider.value}.base_url",
        )
    return CredentialCheck(
        provider, CredentialStatus.UNEXPECTED, f"{title} answered HTTP {status}: try again later"
    )
