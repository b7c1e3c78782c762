"""The download of an image URL found in a provider answer or a library's NFO, treated as
hostile: http(s) only, to public addresses only (checked at every connection, each redirect's
included: `infra.public_hosts`), a deadline on the whole transfer, a cap on redirects and on
the bytes read, and a bound on how many downloads run at once. Failures become the domain
errors their cause means."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from reelhouse.config import ImagesSettings
from reelhouse.errors import (
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.http import read_capped, retry_after_seconds, tls_context
from reelhouse.infra.images.codec import CONTENT_TYPES
from reelhouse.infra.public_hosts import AddressPolicy, checked_transport


@dataclass(frozen=True, slots=True)
class Download:
    body: bytes
    #: How errors about this image name it: its host and path.
    label: str


class Downloader:
    """One pooled HTTP client for every image download; `aclose` it at shutdown."""

    def __init__(self, settings: ImagesSettings) -> None:
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.download_concurrency)
        policy = AddressPolicy(settings.allowed_hosts, settings.allowed_networks)
        transport = checked_transport(
            policy,
            limits=httpx.Limits(
                max_connections=settings.download_concurrency,
                max_keepalive_connections=settings.download_concurrency,
            ),
            verify=tls_context(),
        )
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(settings.download_timeout_s, connect=settings.connect_timeout_s),
            follow_redirects=settings.max_redirects > 0,
            max_redirects=settings.max_redirects,
            headers={"Accept": ", ".join(CONTENT_TYPES.values())},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, url: str) -> Download:
        """The body at `url`. Raises `InvalidInputError` (not an http(s) URL), `NotFoundError`,
        `UpstreamUnavailableError`, `RateLimitedError` or `UpstreamResponseError`."""
        target = _checked_url(url)
        label = f"image {target.host}{target.path}"
        async with self._slots:
            return Download(await self._download(target, label), label)

    async def _download(self, url: httpx.URL, label: str) -> bytes:
        settings = self._settings
        try:
            async with (
                asyncio.timeout(settings.download_timeout_s),
                self._http.stream("GET", url) as response,
            ):
                _check_status(response, label)
                return await read_capped(response, settings.max_bytes, label)
        except httpx.TooManyRedirects:
            raise UpstreamResponseError(
                f"{label}: more than {settings.max_redirects} redirects"
            ) from None
        except httpx.UnsupportedProtocol:
            raise UpstreamResponseError(f"{label}: redirected to a non-HTTP address") from None
        except (httpx.TimeoutException, TimeoutError):
            raise UpstreamUnavailableError(f"{label}: timed out") from None
        except httpx.TransportError as exc:
            raise UpstreamUnavailableError(f"{label}: {type(exc).__name__}") from None


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidInputError(f"{url!r} is not a URL: {exc}", field="url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError(f"{url!r} is not an http(s) URL", field="url")
    return parsed


def _check_status(response: httpx.Response, label: str) -> None:
    status = response.status_code
    if status in (404, 410):
        raise NotFoundError(f"{label}: the host has no such image")
    if status == 429:
        raise RateLimitedError(
            f"{label}: the image host is rate limiting us",
            retry_after_s=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise UpstreamUnavailableError(f"{label}: HTTP {status}")
    if not 200 <= status < 300:
        raise UpstreamResponseError(f"{label}: unexpected HTTP {status}")
