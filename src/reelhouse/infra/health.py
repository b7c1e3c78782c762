"""Readiness: can this process serve requests right now?"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from reelhouse.errors import ReelhouseError

Check = Callable[[], Awaitable[str | None]]
"""A readiness check: raises a `ReelhouseError` when not ready; may return a note (for example
"degraded") that is reported while the check still counts as ready."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str | None = None


class HealthService:
    """Runs the readiness checks the composition root registers (`Runtime.health`)."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def readiness(self) -> list[CheckResult]:
        results = []
        for name, check in self._checks.items():
            try:
                note = await check()
            except ReelhouseError as exc:
                results.append(CheckResult(name, ok=False, detail=exc.detail))
            else:
                results.append(CheckResult(name, ok=True, detail=note))
        return results
