"""The narrow seam between provider responses and the two-tier cache.

The client needs only `get_or_load` and `invalidate`; any cache with those two (the real
`reelhouse.infra.cache`, or the bounded in-process one in `reelhouse.testing`) plugs in.
Values are the raw response bodies, so any backend can store them. Each kind of answer has its
own namespace, whose settings (`cache.namespaces`) give its bound and TTL: search answers live
shortest, details long, a provider's configuration longest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from reelhouse.infra.cache import Cache, get_or_load


class ResponseCache(Protocol):
    async def get_or_load(
        self,
        namespace: str,
        key: str,
        loader: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        """The cached value, or the loader's result, stored for the namespace's TTL."""

    async def invalidate(self, namespace: str, key: str) -> None: ...


SEARCH_NAMESPACE = "provider_search"
DETAILS_NAMESPACE = "provider"
CONFIGURATION_NAMESPACE = "provider_config"


class TwoTierResponses:
    """The two-tier cache (`reelhouse.infra.cache`) seen through the `ResponseCache` seam, so
    every process shares provider answers through Redis when it is configured."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    async def get_or_load(
        self,
        namespace: str,
        key: str,
        loader: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        value = await get_or_load(self._cache, namespace, key, loader, type_=bytes)
        if value is None:  # a loader never answers "not found": it raises
            raise RuntimeError(f"cached provider answer {namespace}:{key} is empty")
        return value

    async def invalidate(self, namespace: str, key: str) -> None:
        await self._cache.invalidate(keys=[(namespace, key)])
