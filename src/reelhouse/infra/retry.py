"""Retries of outbound HTTP requests, shared by the metadata providers' client and the image
downloads (house rule 6): exponential backoff with jitter for failures (5xx, timeouts, connection
errors, unreadable answers), `Retry-After` honoured on 429 and 503 up to a bound, and separate
budgets for failures and for being paced.

An attempt signals "another attempt may fix this" by raising `Retry` with the error to raise when
none is left; anything else it raises ends the request at once.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from reelhouse.errors import DomainError, RateLimitedError, UpstreamUnavailableError
from reelhouse.infra.http import retry_after_seconds
from reelhouse.infra.jobs.scope import lease_left_s

T = TypeVar("T")


class RetryPolicy(Protocol):
    """The settings retries read (fields of a settings section)."""

    @property
    def max_retries(self) -> int: ...
    @property
    def max_rate_limited_retries(self) -> int: ...
    @property
    def retry_initial_s(self) -> float: ...
    @property
    def retry_max_s(self) -> float: ...
    @property
    def max_retry_after_s(self) -> float: ...


class Retry(Exception):  # noqa: N818 - a signal to the retry loop, not an error of its own
    """An attempt failed in a way another attempt may fix; `final` is raised when none is left.
    A `final` `RateLimitedError` counts against the budget of 429s, anything else against the
    budget of failures."""

    def __init__(
        self, final: DomainError, *, retry_after_s: float | None = None, give_up: bool = False
    ) -> None:
        super().__init__(final.detail)
        self.final = final
        self.retry_after_s = retry_after_s
        self.give_up = give_up


def retry_for_status(
    status: int, retry_after: str | None, label: str, policy: RetryPolicy
) -> Retry | None:
    """The retry an answer's status calls for: a 429 (`RateLimitedError`) or a 5xx
    (`UpstreamUnavailableError`); None for any other. A 429 or 503 may say when to come back
    (`retry_after`, its `Retry-After` header): that long is waited, up to
    `policy.max_retry_after_s` and, inside a job, up to what its lease has left; a longer wait
    ends the request at once (a job is then retried when the server said). Without one, the
    usual backoff applies."""
    if status == 429:
        wait = retry_after_seconds(retry_after)
        final: DomainError = RateLimitedError(
            f"{label}: rate limited (HTTP 429)", retry_after_s=wait
        )
    elif status >= 500:
        wait = retry_after_seconds(retry_after) if status == 503 else None
        final = UpstreamUnavailableError(f"{label}: HTTP {status}", retry_after_s=wait)
    else:
        return None
    lease_left = lease_left_s()
    too_long = wait is not None and (
        wait > policy.max_retry_after_s or (lease_left is not None and wait > lease_left)
    )
    return Retry(final, retry_after_s=wait, give_up=too_long)


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[], object] | None = None,
    on_give_up: Callable[[DomainError], object] | None = None,
) -> T:
    """`attempt()`'s result, attempted again while it raises `Retry` and the budget lasts; when
    it runs out, `on_give_up` sees the last `Retry.final`, which is raised."""
    budget = RetryBudget(policy)
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(Retry),
        stop=budget.exhausted,
        wait=budget.delay,
        reraise=True,
    )
    try:
        async for try_ in retrying:
            with try_:
                if try_.retry_state.attempt_number > 1 and on_retry is not None:
                    on_retry()
                return await attempt()
    except Retry as exc:
        if on_give_up is not None:
            on_give_up(exc.final)
        raise exc.final from None
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover


class RetryBudget:
    """Failures and 429s have separate budgets: being paced by the remote is not failing."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._max = policy.max_retries
        self._max_throttled = policy.max_rate_limited_retries
        # Waiters on one Retry-After do not all come back at once.
        self._jitter_s = policy.retry_initial_s
        self._failures = 0
        self._throttled = 0
        self._backoff = wait_exponential_jitter(
            multiplier=policy.retry_initial_s,
            max=policy.retry_max_s,
            jitter=policy.retry_initial_s,
        )

    def exhausted(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if not isinstance(error, Retry):
            return True
        if error.give_up:
            return True
        if isinstance(error.final, RateLimitedError):
            self._throttled += 1
            return self._throttled > self._max_throttled
        self._failures += 1
        return self._failures > self._max

    def delay(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Retry) and error.retry_after_s is not None:
            spread = random.uniform(0, self._jitter_s)  # noqa: S311 - jitter, not crypto
            return error.retry_after_s + spread
        return float(self._backoff(state))
