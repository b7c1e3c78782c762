"""Group commit for progress reports: every player reports every few seconds, and one
transaction per report would queue hundreds of writers on SQLite's one lock. Reports arriving
within a short window are written together, the latest per user and item winning; each caller
waits for the transaction holding its report, so a reply still means the report is stored.

What waits is bounded: at most `max_batch` reports are held (a full batch is written at once).
The writer may refuse single reports (an item that is gone): it returns their errors by key,
and only their callers get them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class GroupCommit(Generic[K, V]):
    def __init__(
        self,
        write: Callable[[list[V]], Awaitable[Mapping[K, Exception]]],
        *,
        window_s: float,
        max_batch: int,
    ) -> None:
        self._write = write
        self._window_s = window_s
        self._max_batch = max_batch
        self._pending: dict[K, V] = {}
        self._written: asyncio.Future[Mapping[K, Exception]] | None = None
        self._full = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, key: K, value: V) -> None:
        """Hold `value` (replacing an earlier one of `key` not yet written) and return once
        the transaction holding it has committed; the batch's error is raised to every
        waiter, a refused report's to its own."""
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._flush_after_window(self._written))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        written = self._written
        self._pending[key] = value
        if len(self._pending) >= self._max_batch:
            self._full.set()
        refused = await asyncio.shield(written)
        if key in refused:
            raise refused[key]

    async def drain(self) -> None:
        """Wait until every report held so far is written (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _flush_after_window(self, written: asyncio.Future[Mapping[K, Exception]]) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), self._window_s)
        batch, self._pending, self._written = list(self._pending.values()), {}, None
        self._full.clear()
        try:
            refused = await self._write(batch)
        except BaseException as exc:
            written.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        else:
            written.set_result(refused)
