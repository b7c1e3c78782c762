"""How long the database work of the current request may still take.

An HTTP request runs under a deadline (`http.request_deadline_s`); each transaction it opens is
bounded by what is left of it (PostgreSQL's `statement_timeout`, SQLite's busy timeout), so one
slow query or a held lock cannot hold a connection and a client for as long as it likes. Jobs
run without one: their work is bounded by their own leases and timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("reelhouse_db_deadline", default=None)


@contextmanager
def deadline_in(seconds: float) -> Iterator[None]:
    """Run the block (and the tasks it starts) under a deadline `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def lift() -> None:
    """No deadline from here on in this context (a streamed body's work, once a request has
    answered, is bounded by what streams it)."""
    _deadline.set(None)


def remaining_s() -> float | None:
    """Seconds left before the current deadline (negative once past it); None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()
