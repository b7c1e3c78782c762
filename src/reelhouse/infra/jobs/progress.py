"""Progress of a running job: done/total, current item, rate, ETA and counters per outcome.

Handlers update it in memory (cheap, synchronous); the runner writes a snapshot to the job row at
a throttled rate, at every checkpoint and at the end (house rule 7).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OK = "ok"
FAILED = "failed"


@dataclass(frozen=True)
class ProgressView:
    """A stored progress snapshot, as readers (CLI, API) see it."""

    done: int = 0
    total: int | None = None
    current: str | None = None
    rate_per_s: float | None = None
    eta_s: float | None = None
    counters: Mapping[str, int] = field(default_factory=dict)
    updated_at: str | None = None

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ProgressView:
        return cls(
            done=int(value.get("done", 0)),
            total=value.get("total"),
            current=value.get("current"),
            rate_per_s=value.get("rate_per_s"),
            eta_s=value.get("eta_s"),
            counters=dict(value.get("counters", {})),
            updated_at=value.get("updated_at"),
        )

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class Progress:
    """The live progress of one attempt, resumed from the snapshot saved with the checkpoint."""

    def __init__(
        self,
        snapshot: Mapping[str, Any] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        view = ProgressView.from_json(snapshot or {})
        self.done = view.done
        self.total = view.total
        self.current = view.current
        self.counters: dict[str, int] = dict(view.counters)
        self._clock = clock
        # The rate counts only this attempt's work, so a resumed job does not look fast.
        self._started = clock()
        self._done_at_start = self.done
        self.version = 0

    def set_total(self, total: int) -> None:
        if total < 0:
            raise ValueError(f"a total cannot be negative: {total}")
        self.total = total
        self.version += 1

    def add_total(self, count: int) -> None:
        self.set_total((self.total or 0) + count)

    def set_current(self, item: str | None) -> None:
        self.current = item
        self.version += 1

    def advance(self, count: int = 1, *, outcome: str = OK, current: str | None = None) -> None:
        if count < 0:
            raise ValueError(f"progress cannot go back: {count}")
        self.done += count
        self.counters[outcome] = self.counters.get(outcome, 0) + count
        if current is not None:
            self.current = current
        self.version += 1

    def forget(self, outcome: str) -> None:
        """Uncount the items that ended as `outcome`: they are to be done again."""
        count = self.counters.pop(outcome, 0)
        self.done -= count
        self._done_at_start -= count
        self.version += 1

    def set_counter(self, outcome: str, value: int) -> None:
        """Set a counter outright, for work that reports running totals (a scan's new files)."""
        if value < 0:
            raise ValueError(f"a counter cannot be negative: {value}")
        self.counters[outcome] = value
        self.version += 1

    def rate_per_s(self, *, plus: int = 0) -> float | None:
        elapsed = self._clock() - self._started
        worked = self.done + plus - self._done_at_start
        if elapsed <= 0 or worked <= 0:
            return None
        return worked / elapsed

    def snapshot(self, now: datetime, *, plus: int = 0, outcome: str = OK) -> dict[str, Any]:
        """The progress as stored; `plus` more items counted as `outcome` (the items of a
        transaction about to commit, counted in memory once it has)."""
        done = self.done + plus
        counters = dict(self.counters)
        if plus:
            counters[outcome] = counters.get(outcome, 0) + plus
        rate = self.rate_per_s(plus=plus)
        eta = None
        if rate and self.total is not None:
            eta = max(0, self.total - done) / rate
        return {
            "done": done,
            "total": self.total,
            "current": self.current,
            "rate_per_s": None if rate is None else round(rate, 3),
            "eta_s": None if eta is None else round(eta, 1),
            "counters": counters,
            "updated_at": now.isoformat(),
        }
