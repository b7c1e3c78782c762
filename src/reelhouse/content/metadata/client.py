"""The one HTTP client every metadata provider goes through (house rules 6 and 8).

Per provider: one pooled `httpx.AsyncClient`, a rate limiter, retries with exponential backoff and
jitter (timeouts, connection errors, 5xx, unreadable bodies), 429 honoured with `Retry-After`, a
circuit breaker, a deadline per attempt, a cap on body size, coalescing of identical requests in
flight and caching of validated answers. Credentials are applied per attempt and never enter cache
keys or log lines. A job waiting for an answer stops waiting when it is cancelled or loses its
lease (`infra.jobs.scope`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, ParamSpec, Protocol, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError

from reelhouse.config import ProviderSettings
from reelhouse.content.metadata.cache import ResponseCache
from reelhouse.content.metadata.coalesce import Coalescer
from reelhouse.content.metadata.metrics import ProviderMetrics
from reelhouse.content.metadata.ratelimit import RateLimiter
from reelhouse.errors import (
    CredentialsRejectedError,
    NotFoundError,
    UpstreamResponseError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)
from reelhouse.infra.breaker import BreakerState, CircuitBreaker
from reelhouse.infra.http import read_capped, tls_context
from reelhouse.infra.jobs.scope import interruptible
from reelhouse.infra.logging import get_logger
from reelhouse.infra.retry import Retry, retry_for_status, with_retries

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)
P = ParamSpec("P")
R = TypeVar("R")


def describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "top level"
    return f"invalid value at {where}: {first['msg']}"


def edge(method: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Turn a provider answer that fails validation while being mapped into a typed error."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except ValidationError as exc:
            raise UpstreamResponseError(f"{method.__qualname__}: {describe(exc)}") from None

    return wrapper


_SECRET_PARAM = re.compile(r"(?i)\b(api_?key|pin|token)=[^&\s'\"]+")


class _RedactSecrets(logging.Filter):
    """httpx logs each request URL; a TMDb v3 key travels in the query, so hide it there."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET_PARAM.search(message):
            record.msg, record.args = _SECRET_PARAM.sub(r"\1=***", message), None
        return True


def _redact_httpx_logs() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactSecrets) for f in logger.filters):
        logger.addFilter(_RedactSecrets())


class Credentials(Protocol):
    """How a provider authenticates; applied to each attempt, never part of a cache key."""

    async def headers(self) -> Mapping[str, str]: ...

    def params(self) -> Mapping[str, str]: ...

    async def renew(self, rejected: Mapping[str, str]) -> bool:
        """Called on a 401 with the headers that were rejected; True if a retry may succeed."""


class NoCredentials:
    async def headers(self) -> Mapping[str, str]:
        return {}

    def params(self) -> Mapping[str, str]:
        return {}

    async def renew(self, rejected: Mapping[str, str]) -> bool:
        return False


class ProviderClient:
    def __init__(
        self,
        name: str,
        settings: ProviderSettings,
        *,
        cache: ResponseCache,
        limiter: RateLimiter,
        credentials: Credentials | None = None,
        metrics: ProviderMetrics | None = None,
    ) -> None:
        _redact_httpx_logs()
        self.metrics = metrics or ProviderMetrics()
        self.name = name
        self.credentials: Credentials = credentials or NoCredentials()
        self._settings = settings
        self._cache = cache
        self._limiter = limiter
        self._coalescer = Coalescer()
        self._breaker = CircuitBreaker(
            name, settings, on_change=lambda state: self._breaker_changed(state)
        )
        self.metrics.breaker_state.labels(name).set(BreakerState.CLOSED)
        self._http = httpx.AsyncClient(
            base_url=str(settings.base_url).rstrip("/") + "/",
            timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            limits=httpx.Limits(
                max_connections=settings.max_connections,
                max_keepalive_connections=settings.max_connections,
            ),
            follow_redirects=settings.max_redirects > 0,
            max_redirects=settings.max_redirects,
            verify=tls_context(),
            headers={"Accept": "application/json"},
        )

    @property
    def breaker_state(self) -> BreakerState:
        return self._breaker.state

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(
        self,
        path: str,
        model: type[M],
        *,
        params: Mapping[str, str | int] | None = None,
        namespace: str,
        refresh: bool = False,
    ) -> M:
        """GET `path`, validated as `model`, cached in `namespace`; `refresh` bypasses the cache
        for this one key."""
        clean = {k: str(v) for k, v in sorted((params or {}).items())}
        key = f"{self.name}:{path}?{urlencode(clean)}"
        if refresh:
            await self._cache.invalidate(namespace, key)
        loaded: list[M] = []

        async def load() -> bytes:
            body = await self._coalescer.run(key, lambda: self.send("GET", path, params=clean))
            loaded.append(self._validate(model, body, path))  # invalid answers are not cached
            return body

        # The request, its retries and their sleeps run in tasks shared by every caller of the
        # key: a job that must stop stops waiting for them (`infra.jobs.scope`).
        with interruptible():
            body = await self._cache.get_or_load(namespace, key, load)
        self.metrics.cache.labels(self.name, "miss" if loaded else "hit").inc()
        return loaded[0] if loaded else self._validate(model, body, path)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        authenticated: bool = True,
    ) -> bytes:
        """One logical request with retries; the body of a 2xx answer that parses as JSON."""
        return await with_retries(
            lambda: self._attempt(method, path, params, json_body, authenticated),
            self._settings,
            on_retry=self.metrics.retries.labels(self.name).inc,
            on_give_up=lambda final: log.warning(
                "provider request failed", provider=self.name, path=path, error=final.detail
            ),
        )

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        authenticated: bool,
    ) -> bytes:
        # Credentials first: a login is a request of its own, with its own breaker verdict.
        headers = dict(await self.credentials.headers()) if authenticated else {}
        label = f"{self.name} {path}"
        outcome = "error"
        started = time.perf_counter()
        with self._breaker.guard() as verdict:
            try:
                await self._limiter.acquire()
                started = time.perf_counter()  # latency is the provider's, not our own pacing
                query = {**(params or {}), **(self.credentials.params() if authenticated else {})}
                try:
                    async with (
                        asyncio.timeout(self._settings.timeout_s),
                        self._http.stream(
                            method, path.lstrip("/"), params=query, json=json_body, headers=headers
                        ) as response,
                    ):
                        status = response.status_code
                        outcome = str(status)
                        # A 429 is no verdict on the provider's health: being paced is not failing.
                        verdict.healthy = None if status == 429 else status < 500
                        retry = retry_for_status(
                            status, response.headers.get("Retry-After"), label, self._settings
                        )
                        if retry is not None:
                            if status == 429:
                                self.metrics.rate_limited.labels(self.name).inc()
                            raise retry
                        if (
                            status == 401
                            and authenticated
                            and await self.credentials.renew(headers)
                        ):
                            raise Retry(UpstreamUnavailableError(f"{self.name} refused the login"))
                        self._check_status(status, path)
                        body = await read_capped(response, self._settings.max_body_bytes, label)
                except httpx.TooManyRedirects:
                    outcome = "redirect_loop"
                    raise UpstreamResponseError(f"{label}: redirect loop") from None
                except (httpx.TimeoutException, TimeoutError):
                    verdict.healthy, outcome = False, "timeout"
                    raise Retry(UpstreamUnavailableError(f"{label}: timed out")) from None
                except httpx.ConnectError as exc:
                    verdict.healthy, outcome = False, "connection_error"
                    raise Retry(
                        UpstreamUnreachableError(f"{label}: {type(exc).__name__}")
                    ) from None
                except httpx.TransportError as exc:
                    verdict.healthy, outcome = False, "connection_error"
                    raise Retry(
                        UpstreamUnavailableError(f"{label}: {type(exc).__name__}")
                    ) from None
                try:
                    json.loads(body)
                except ValueError:
                    verdict.healthy, outcome = False, "malformed"
                    raise Retry(UpstreamResponseError(f"{label}: malformed JSON")) from None
                outcome = "ok"
                return body
            finally:
                self.metrics.requests.labels(self.name, outcome).inc()
                self.metrics.latency.labels(self.name).observe(time.perf_counter() - started)

    def _check_status(self, status: int, path: str) -> None:
        if status == 404:
            raise NotFoundError(f"{self.name} has nothing at {path}")
        if status == 401:
            raise CredentialsRejectedError(f"{self.name} rejected the credentials")
        if status >= 300:
            raise UpstreamResponseError(f"{self.name} {path}: unexpected HTTP {status}")

    def _validate(self, model: type[M], body: bytes, path: str) -> M:
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            raise UpstreamResponseError(f"{self.name} {path}: {describe(exc)}") from None

    def _breaker_changed(self, state: BreakerState) -> None:
        self.metrics.breaker_state.labels(self.name).set(state)
        log.warning("provider circuit breaker", provider=self.name, state=state.name.lower())
