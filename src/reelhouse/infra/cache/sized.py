"""An in-process cache bounded by the bytes it holds, for immutable content.

The two-tier cache bounds each namespace by its number of entries, which bounds nothing when
one value is a few hundred bytes and the next a few megabytes (served image files); and a copy
of such bytes in Redis saves no work. This one holds values whose content never changes under
their key (files named by their content), so nothing ever needs to invalidate it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    """The most recently used values up to `max_bytes` in all (as `size_of` counts them); a
    value over `max_value_bytes` is never held."""

    def __init__(self, max_bytes: int, max_value_bytes: int, size_of: Callable[[V], int]) -> None:
        self.max_value_bytes = min(max_value_bytes, max_bytes)
        self._size_of = size_of
        self._values: LRUCache[K, V] = LRUCache(max_bytes, getsizeof=size_of)

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def put(self, key: K, value: V) -> bool:
        """Hold `value` unless it is too large; whether it is held."""
        if self._size_of(value) > self.max_value_bytes:
            return False
        self._values[key] = value
        return True

    @property
    def held_bytes(self) -> int:
        return int(self._values.currsize)
