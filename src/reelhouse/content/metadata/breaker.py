"""A circuit breaker per provider: fail fast while the provider is down, probe it now and then.

It judges by the share of failures among the last `window` requests, not by a run of consecutive
failures: under concurrency a provider with a few percent of 5xx produces runs of failures that are
no sign of an outage, while one that is really down fails almost every request.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import IntEnum

from reelhouse.config import ProviderSettings
from reelhouse.errors import UpstreamUnavailableError


class BreakerState(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    def __init__(
        self,
        provider: str,
        settings: ProviderSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] = lambda _: None,
    ) -> None:
        self._provider = provider
        self._window: deque[bool] = deque(maxlen=settings.breaker_window)
        self._min_requests = min(settings.breaker_min_requests, settings.breaker_window)
        self._ratio = settings.breaker_failure_ratio
        self._open_s = settings.breaker_open_s
        self._clock = clock
        self._on_change = on_change
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        self._probe_out = False

    @property
    def state(self) -> BreakerState:
        return self._state

    def before_request(self) -> None:
        """Raise `UpstreamUnavailableError` unless a request may go out now."""
        if self._state is BreakerState.OPEN:
            if self._clock() - self._opened_at < self._open_s:
                raise self._unavailable()
            self._set(BreakerState.HALF_OPEN)
        if self._state is BreakerState.HALF_OPEN:
            if self._probe_out:
                raise self._unavailable()
            self._probe_out = True

    def record(self, *, success: bool) -> None:
        if self._state is BreakerState.HALF_OPEN:
            self._probe_out = False
            if success:
                self._window.clear()
                self._set(BreakerState.CLOSED)
            else:
                self._trip()
            return
        self._window.append(success)
        failures = self._window.count(False)
        if len(self._window) >= self._min_requests and failures / len(self._window) >= self._ratio:
            self._trip()

    def release_probe(self) -> None:
        """A probe that ended without a verdict (e.g. cancelled, or a 429) frees the slot."""
        self._probe_out = False

    def _trip(self) -> None:
        self._opened_at = self._clock()
        self._window.clear()
        self._set(BreakerState.OPEN)

    def _set(self, state: BreakerState) -> None:
        if state is not self._state:
            self._state = state
            self._on_change(state)

    def _unavailable(self) -> UpstreamUnavailableError:
        remaining = self._open_s - (self._clock() - self._opened_at)
        return UpstreamUnavailableError(
            f"{self._provider} is failing; its circuit breaker is open, requests fail fast",
            retry_after_s=max(0.0, remaining),
        )
