"""Circuit breakers for outbound HTTP: fail fast while a remote service is down, probe it now and
then. Metadata providers have one each; image hosts one per host (`HostBreakers`).

A breaker judges by the share of failures among the last `window` requests, not by a run of
consecutive failures: under concurrency a service with a few percent of 5xx produces runs of
failures that are no sign of an outage, while one that is really down fails almost every request.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from cachetools import LRUCache

from reelhouse.errors import UpstreamUnavailableError


class BreakerPolicy(Protocol):
    """The settings a breaker reads (the `breaker_*` fields of a settings section)."""

    @property
    def breaker_window(self) -> int: ...
    @property
    def breaker_min_requests(self) -> int: ...
    @property
    def breaker_failure_ratio(self) -> float: ...
    @property
    def breaker_open_s(self) -> float: ...


class BreakerState(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


@dataclass(slots=True)
class Verdict:
    """What one request says about the service's health: `healthy` True or False, or None for no
    verdict (a 429: being paced is not failing; a request cancelled half way)."""

    healthy: bool | None = None


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        policy: BreakerPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] = lambda _: None,
    ) -> None:
        self._name = name
        self._window: deque[bool] = deque(maxlen=policy.breaker_window)
        self._min_requests = min(policy.breaker_min_requests, policy.breaker_window)
        self._ratio = policy.breaker_failure_ratio
        self._open_s = policy.breaker_open_s
        self._clock = clock
        self._on_change = on_change
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        self._probe_out = False

    @property
    def state(self) -> BreakerState:
        return self._state

    @contextmanager
    def guard(self) -> Iterator[Verdict]:
        """One request through the breaker: raises `UpstreamUnavailableError` at once while it is
        open; the body sets the `Verdict`, which is recorded however the body ends."""
        self.before_request()
        verdict = Verdict()
        try:
            yield verdict
        finally:
            if verdict.healthy is None:
                self.release_probe()
            else:
                self.record(success=verdict.healthy)

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
            f"{self._name} is failing; its circuit breaker is open, requests fail fast",
            retry_after_s=max(0.0, remaining),
        )


class HostBreakers:
    """A breaker per host, for hosts named by outside data (image URLs in provider answers and
    NFO files): the most recently used `max_hosts` are remembered (house rule 1), a forgotten
    host starts again closed."""

    def __init__(
        self,
        label: str,
        policy: BreakerPolicy,
        max_hosts: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, BreakerState], None] = lambda _host, _state: None,
    ) -> None:
        self._label = label
        self._policy = policy
        self._clock = clock
        self._on_change = on_change
        self._breakers: LRUCache[str, CircuitBreaker] = LRUCache(max_hosts)

    def __len__(self) -> int:
        return len(self._breakers)

    def of(self, host: str) -> CircuitBreaker:
        breaker = self._breakers.get(host)
        if breaker is None:
            breaker = CircuitBreaker(
                f"{self._label} {host}",
                self._policy,
                clock=self._clock,
                on_change=lambda state: self._on_change(host, state),
            )
            self._breakers[host] = breaker
        return breaker
