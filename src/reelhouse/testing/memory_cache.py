"""A small, bounded in-process `ResponseCache` for tests, benchmarks and the fakes' users.

It stands in for `reelhouse.infra.cache` behind the same narrow seam. Bounded on purpose (house
rule 1): least recently used entries go first, and no entry outlives its TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping


class BoundedMemoryCache:
    def __init__(
        self,
        max_entries: int = 10_000,
        default_ttl_s: float = 3_600.0,
        ttl_s: Mapping[str, float] | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._max = max_entries
        self._default_ttl = default_ttl_s
        self._ttl = dict(ttl_s or {})
        self._entries: OrderedDict[tuple[str, str], tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get_or_load(
        self,
        namespace: str,
        key: str,
        loader: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        slot = (namespace, key)
        entry = self._entries.get(slot)
        if entry is not None and entry[0] > time.monotonic():
            self._entries.move_to_end(slot)
            return entry[1]
        value = await loader()
        expires = time.monotonic() + self._ttl.get(namespace, self._default_ttl)
        self._entries[slot] = (expires, value)
        self._entries.move_to_end(slot)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return value

    def entries(self) -> list[tuple[str, str]]:
        return list(self._entries)

    async def invalidate(self, namespace: str, key: str) -> None:
        self._entries.pop((namespace, key), None)
