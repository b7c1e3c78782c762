"""The download of an image URL found in a provider answer or a library's NFO, treated as
hostile: http(s) only, to public addresses only (checked at every connection, each redirect's
included: `infra.public_hosts`), a deadline on each attempt, a cap on redirects and on the bytes
read, and a bound on how many downloads run at once.

Image hosts get what metadata providers get (house rule 6, the same `infra.retry` and
`infra.breaker`): 5xx, timeouts and connection errors are retried with backoff and jitter, a
429 or 503 waits for its `Retry-After` (up to a bound), and a circuit breaker per host makes the
images of a host that is down fail at once instead of each waiting out its retries. What is
left when they give up becomes the domain error its cause means."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from reelhouse.config import ImagesSettings
from reelhouse.errors import (
    InvalidInputError,
    NotFoundError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.breaker import BreakerState, CircuitBreaker, HostBreakers
from reelhouse.infra.http import read_capped, tls_context
from reelhouse.infra.images.codec import CONTENT_TYPES
from reelhouse.infra.images.metrics import ImageMetrics
from reelhouse.infra.jobs.scope import interruptible
from reelhouse.infra.logging import get_logger
from reelhouse.infra.public_hosts import AddressPolicy, checked_transport
from reelhouse.infra.retry import Retry, retry_for_status, with_retries

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Download:
    body: bytes
    #: How errors about this image name it: its host and path.
    label: str


class Downloader:
    """One pooled HTTP client for every image download; `aclose` it at shutdown."""

    def __init__(self, settings: ImagesSettings, metrics: ImageMetrics | None = None) -> None:
        self._settings = settings
        self._metrics = metrics or ImageMetrics()
        self._slots = asyncio.Semaphore(settings.download_concurrency)
        self._breakers = HostBreakers(
            "image host", settings, settings.breaker_hosts, on_change=_breaker_changed
        )
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
        """The body at `url`, retried as `infra.retry` says. Raises `InvalidInputError` (not an
        http(s) URL, or a forbidden address), `NotFoundError`, `UpstreamUnavailableError` (the
        host's breaker is open, or its retries ran out), `RateLimitedError` or
        `UpstreamResponseError`."""
        target = _checked_url(url)
        label = f"image {target.host}{target.path}"
        breaker = self._breakers.of(_host(target))
        with interruptible():  # a job that must stop stops downloading (`infra.jobs.scope`)
            body = await with_retries(
                lambda: self._attempt(target, label, breaker),
                self._settings,
                on_retry=self._metrics.retries.inc,
            )
        return Download(body, label)

    async def _attempt(self, url: httpx.URL, label: str, breaker: CircuitBreaker) -> bytes:
        """One try; raises `Retry` when another may succeed. A download slot is held for the
        transfer only, never while waiting to retry."""
        settings = self._settings
        with breaker.guard() as verdict:
            async with self._slots:
                try:
                    async with (
                        asyncio.timeout(settings.download_timeout_s),
                        self._http.stream("GET", url) as response,
                    ):
                        status = response.status_code
                        # A 429 is no verdict on the host's health: being paced is not failing.
                        verdict.healthy = None if status == 429 else status < 500
                        retry = retry_for_status(
                            status, response.headers.get("Retry-After"), label, settings
                        )
                        if retry is not None:
                            raise retry
                        _check_status(status, label)
                        return await read_capped(response, settings.max_bytes, label)
                except httpx.TooManyRedirects:
                    raise UpstreamResponseError(
                        f"{label}: more than {settings.max_redirects} redirects"
                    ) from None
                except httpx.UnsupportedProtocol:
                    raise UpstreamResponseError(
                        f"{label}: redirected to a non-HTTP address"
                    ) from None
                except (httpx.TimeoutException, TimeoutError):
                    verdict.healthy = False
                    raise Retry(UpstreamUnavailableError(f"{label}: timed out")) from None
                except httpx.TransportError as exc:
                    verdict.healthy = False
                    raise Retry(
                        UpstreamUnavailableError(f"{label}: {type(exc).__name__}")
                    ) from None


def _host(url: httpx.URL) -> str:
    """What a breaker is kept per: the host and port an image comes from."""
    return url.host if url.port is None else f"{url.host}:{url.port}"


def _breaker_changed(host: str, state: BreakerState) -> None:
    log.warning("image host circuit breaker", host=host, state=state.name.lower())


def _checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidInputError(f"{url!r} is not a URL: {exc}", field="url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInputError(f"{url!r} is not an http(s) URL", field="url")
    return parsed


def _check_status(status: int, label: str) -> None:
    """An answer that is neither an image nor worth another try (429 and 5xx are retried)."""
    if status in (404, 410):
        raise NotFoundError(f"{label}: the host has no such image")
    if not 200 <= status < 300:
        raise UpstreamResponseError(f"{label}: unexpected HTTP {status}")
