"""Identical concurrent requests share one upstream call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Coalescer:
    """Runs one task per key at a time; callers of a running key await the same task.

    Only calls in flight are held (each removed as it finishes), so the map is bounded by the
    client's concurrency, not by its input. A caller that is cancelled does not cancel the shared
    task, which the other callers still need; every task is bounded by the request timeouts.
    """

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[bytes]] = {}

    async def run(self, key: str, call: Callable[[], Awaitable[bytes]]) -> bytes:
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(call())
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    def _finished(self, key: str, task: asyncio.Task[bytes]) -> None:
        self._running.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every caller was cancelled
