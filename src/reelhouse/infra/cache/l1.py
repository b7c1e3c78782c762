"""The in-process tier: one bounded theine (W-TinyLFU) cache per namespace, and the memory of
recent invalidations that keeps a fill which raced an invalidation out of the L1.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Final

from theine import Cache as TheineCache


class Encoded:
    """A mutable value kept as its encoded bytes: every hit decodes a fresh copy."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class _Negative:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEGATIVE"


NEGATIVE: Final = _Negative()
"""Payload of a remembered 'not found'."""

# What the L1 holds per key: (payload, generation at the start of the fill, invalidation names).
# payload is the immutable value itself, an `Encoded`, or `NEGATIVE`.
L1Entry = tuple[Any, int, tuple[str, ...]]


class L1Store:
    """A theine cache whose entry bound holds after every operation and whose evictions are
    counted.

    theine buffers up to 16 writes when its policy is busy (its maintenance thread holds the
    policy lock once a second); `set` drains that buffer at once, so the number of entries never
    exceeds `max_entries`, not even for a moment. The eviction count wraps theine's write buffer
    callback (pinned to theine 2.0's internals; the tests check both properties).
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.evictions = 0
        self._cache: TheineCache[str, L1Entry] = TheineCache(max_entries)
        self.get: Callable[[str], tuple[L1Entry | None, bool]] = self._cache.get
        buffer = self._cache._write_buffer
        send_to_core = buffer.send_to_core

        def counted(entries: list[tuple[int, int]]) -> list[int]:
            evicted = send_to_core(entries)
            self.evictions += len(evicted)
            return evicted

        buffer.send_to_core = counted
        self._buffer = buffer

    def set(self, key: str, entry: L1Entry, ttl_s: float) -> None:
        self._cache.set(key, entry, timedelta(seconds=ttl_s))
        if self._buffer.tail:
            self._drain()

    def delete(self, key: str) -> None:
        self._cache.delete(key)
        if self._buffer.tail:
            self._drain()

    def _drain(self) -> None:
        cache = self._cache
        buffer = self._buffer
        with cache._core_mutex:
            with buffer.mutex:
                pending = buffer.buffer[: buffer.tail]
                buffer.tail = 0
            evicted = buffer.send_to_core(pending) if pending else []
        cache._remove_keys(evicted)

    def clear(self) -> None:
        self._cache.clear()

    def close(self) -> None:
        self._cache.clear()
        self._cache.close()

    def __len__(self) -> int:
        return len(self._cache)


class InvalidationLog:
    """Generations and the recent invalidations that a fill must not outlive.

    Every fill notes the generation when it starts; every invalidation of a key or a tag takes a
    new generation and remembers it under the key's or tag's name. A fill (or an L1 entry) whose
    generation is older than an invalidation of one of its names is stale. The memory is bounded:
    a record is forgotten when no L1 entry or running fill can be older than it (after the
    longest L1 TTL, with no older fill running), or, past `capacity`, folded into `floor`, below
    which everything counts as stale (safe, at the price of extra misses).
    """

    def __init__(self, capacity: int, horizon_s: float) -> None:
        self.generation = 0
        self.floor = 0
        self._capacity = capacity
        self._horizon_s = horizon_s
        self._records: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._running: dict[int, int] = {}  # generation -> fills started at it and still running

    def begin(self) -> int:
        generation = self.generation
        self._running[generation] = self._running.get(generation, 0) + 1
        return generation

    def end(self, generation: int) -> None:
        left = self._running[generation] - 1
        if left:
            self._running[generation] = left
        else:
            del self._running[generation]

    def record(self, names: Iterable[str]) -> int:
        self.generation += 1
        generation = self.generation
        now = time.monotonic()
        records = self._records
        for name in names:
            records[name] = (generation, now)
            records.move_to_end(name)
        self._prune(now)
        return generation

    def advance(self) -> int:
        """A new generation, which only the fills that start from now on reach."""
        self.generation += 1
        return self.generation

    def raise_floor(self) -> None:
        """Everything filled so far is stale (the L1 was cleared or messages were missed)."""
        self.generation += 1
        self.floor = self.generation
        self._records.clear()

    def is_stale(self, generation: int, names: tuple[str, ...]) -> bool:
        if generation < self.floor:
            return True
        records = self._records
        for name in names:
            record = records.get(name)
            if record is not None and record[0] > generation:
                return True
        return False

    def __len__(self) -> int:
        return len(self._records)

    def _prune(self, now: float) -> None:
        records = self._records
        while len(records) > self._capacity:
            _, (generation, _) = records.popitem(last=False)
            self.floor = max(self.floor, generation)
        oldest_running = min(self._running) if self._running else self.generation
        deadline = now - self._horizon_s
        while records:
            name, (generation, at) = next(iter(records.items()))
            if at > deadline or generation > oldest_running:
                break
            del records[name]
