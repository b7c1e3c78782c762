"""The one HTTP client every metadata provider goes through (house rules 6 and 8).

Per provider: one pooled `httpx.AsyncClient`, a rate limiter, retries with exponential backoff and
jitter (timeouts, connection errors, 5xx, unreadable bodies), 429 honoured with `Retry-After`, a
circuit breaker, a deadline per attempt, a cap on body size, coalescing of identical requests in
flight and caching of validated answers. Credentials are applied per attempt and never enter cache
keys or log lines.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, ParamSpec, Protocol, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from reelhouse.config import ProviderSettings
from reelhouse.content.metadata.breaker import BreakerState, CircuitBreaker
from reelhouse.content.metadata.cache import ResponseCache
from reelhouse.content.metadata.coalesce import Coalescer
from reelhouse.content.metadata.metrics import ProviderMetrics
from reelhouse.content.metadata.ratelimit import RateLimiter
from reelhouse.errors import (
    DomainError,
    NotFoundError,
    RateLimitedError,
    UpstreamResponseError,
    UpstreamUnavailableError,
)
from reelhouse.infra.http import read_capped, retry_after_seconds, tls_context
from reelhouse.infra.logging import get_logger

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


class _Retry(Exception):  # noqa: N818 - a signal to the retry loop, not an error of its own
    """An attempt failed in a way another attempt may fix; `final` is raised when none is left."""

    def __init__(
        self, final: DomainError, *, retry_after_s: float | None = None, give_up: bool = False
    ) -> None:
        super().__init__(final.detail)
        self.final = final
        self.retry_after_s = retry_after_s
        self.give_up = give_up


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
        budget = _RetryBudget(self._settings)
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_Retry),
            stop=budget.exhausted,
            wait=budget.delay,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    if attempt.retry_state.attempt_number > 1:
                        self.metrics.retries.labels(self.name).inc()
                    return await self._attempt(method, path, params, json_body, authenticated)
        except _Retry as exc:
            log.warning(
                "provider request failed", provider=self.name, path=path, error=exc.final.detail
            )
            raise exc.final from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

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
        self._breaker.before_request()
        healthy: bool | None = None  # the breaker's verdict on this attempt; None: no verdict
        outcome = "error"
        started = time.perf_counter()
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
                    healthy, outcome = status < 500, str(status)
                    if status == 429:
                        healthy = None
                        raise self._throttled(response)
                    if status == 401 and authenticated and await self.credentials.renew(headers):
                        raise _Retry(UpstreamUnavailableError(f"{self.name} refused the login"))
                    self._check_status(status, path)
                    body = await read_capped(
                        response, self._settings.max_body_bytes, f"{self.name} {path}"
                    )
            except httpx.TooManyRedirects:
                outcome = "redirect_loop"
                raise UpstreamResponseError(f"{self.name} {path}: redirect loop") from None
            except (httpx.TimeoutException, TimeoutError):
                healthy, outcome = False, "timeout"
                raise _Retry(UpstreamUnavailableError(f"{self.name} {path}: timed out")) from None
            except httpx.TransportError as exc:
                healthy, outcome = False, "connection_error"
                raise _Retry(
                    UpstreamUnavailableError(f"{self.name} {path}: {type(exc).__name__}")
                ) from None
            try:
                json.loads(body)
            except ValueError:
                healthy, outcome = False, "malformed"
                raise _Retry(UpstreamResponseError(f"{self.name} {path}: malformed JSON")) from None
            outcome = "ok"
            return body
        finally:
            if healthy is None:
                self._breaker.release_probe()
            else:
                self._breaker.record(success=healthy)
            self.metrics.requests.labels(self.name, outcome).inc()
            self.metrics.latency.labels(self.name).observe(time.perf_counter() - started)

    def _check_status(self, status: int, path: str) -> None:
        if status >= 500:
            raise _Retry(UpstreamUnavailableError(f"{self.name} {path}: HTTP {status}"))
        if status == 404:
            raise NotFoundError(f"{self.name} has nothing at {path}")
        if status == 401:
            raise UpstreamUnavailableError(f"{self.name} rejected the credentials")
        if status >= 300:
            raise UpstreamResponseError(f"{self.name} {path}: unexpected HTTP {status}")

    def _throttled(self, response: httpx.Response) -> _Retry:
        self.metrics.rate_limited.labels(self.name).inc()
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        final = RateLimitedError(f"{self.name} is rate limiting us", retry_after_s=wait)
        # Without a Retry-After the usual backoff applies; one too long to wait ends the request.
        return _Retry(
            final,
            retry_after_s=wait,
            give_up=wait is not None and wait > self._settings.max_retry_after_s,
        )

    def _validate(self, model: type[M], body: bytes, path: str) -> M:
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            raise UpstreamResponseError(f"{self.name} {path}: {describe(exc)}") from None

    def _breaker_changed(self, state: BreakerState) -> None:
        self.metrics.breaker_state.labels(self.name).set(state)
        log.warning("provider circuit breaker", provider=self.name, state=state.name.lower())


class _RetryBudget:
    """Failures and 429s have separate budgets: being paced by the provider is not failing."""

    def __init__(self, settings: ProviderSettings) -> None:
        self._max = settings.max_retries
        self._max_throttled = settings.max_rate_limited_retries
        self._jitter_s = (
            settings.retry_initial_s
        )  # waiters on one Retry-After do not return at once
        self._failures = 0
        self._throttled = 0
        self._backoff = wait_exponential_jitter(
            multiplier=settings.retry_initial_s,
            max=settings.retry_max_s,
            jitter=settings.retry_initial_s,
        )

    def exhausted(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if not isinstance(error, _Retry):
            return True
        if isinstance(error.final, RateLimitedError):
            self._throttled += 1
            return error.give_up or self._throttled > self._max_throttled
        self._failures += 1
        return self._failures > self._max

    def delay(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retry) and error.retry_after_s is not None:
            spread = random.uniform(0, self._jitter_s)  # noqa: S311 - jitter, not crypto
            return error.retry_after_s + spread
        return float(self._backoff(state))
