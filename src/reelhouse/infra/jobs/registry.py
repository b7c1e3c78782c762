"""Which job kinds a worker can run, and which of them run periodically."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reelhouse.infra.jobs.context import JobContext

Handler = Callable[["JobContext"], Coroutine[Any, Any, None]]

_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


@dataclass(frozen=True)
class Schedule:
    """A job enqueued every `interval_s` seconds, once across all workers.

    `key` keeps one run active at a time: a run still going when the next is due is not doubled.
    """

    name: str
    kind: str
    interval_s: float
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"schedule:{self.name}"


class JobRegistry:
    """Handlers by job kind; a worker claims only the kinds registered here."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._schedules: dict[str, Schedule] = {}

    def register(self, kind: str, handler: Handler) -> None:
        if not _KIND.match(kind) or len(kind) > 64:
            raise ValueError(f"job kind {kind!r} must be dotted lower-case words, 64 chars at most")
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} is already registered")
        self._handlers[kind] = handler

    def handler(self, kind: str) -> Callable[[Handler], Handler]:
        """Decorator form of `register`."""

        def decorate(handler: Handler) -> Handler:
            self.register(kind, handler)
            return handler

        return decorate

    def schedule(self, schedule: Schedule) -> None:
        """Run `schedule` periodically; an interval of 0 means never (a setting turned it off)."""
        if schedule.kind not in self._handlers:
            raise ValueError(f"schedule {schedule.name!r}: no handler for kind {schedule.kind!r}")
        if schedule.name in self._schedules:
            raise ValueError(f"schedule {schedule.name!r} is already registered")
        if schedule.interval_s < 0:
            raise ValueError(f"schedule {schedule.name!r}: interval must not be negative")
        if schedule.interval_s > 0:
            self._schedules[schedule.name] = schedule

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    @property
    def schedules(self) -> Iterable[Schedule]:
        return tuple(self._schedules.values())
