"""The bounded in-process stand-in for the two-tier cache: bounded, TTL honoured, per namespace."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from reelhouse.testing.memory_cache import BoundedMemoryCache


def loader(value: bytes, calls: list[bytes]) -> Callable[[], Awaitable[bytes]]:
    async def load() -> bytes:
        calls.append(value)
        return value

    return load


async def test_it_never_holds_more_than_its_bound() -> None:
    cache = BoundedMemoryCache(max_entries=3)
    calls: list[bytes] = []
    for n in range(5):
        await cache.get_or_load("ns", str(n), loader(b"%d" % n, calls))
    assert len(cache) == 3
    await cache.get_or_load("ns", "0", loader(b"0", calls))  # evicted first, so loaded again
    assert calls == [b"0", b"1", b"2", b"3", b"4", b"0"]


async def test_entries_expire_after_their_namespace_ttl() -> None:
    cache = BoundedMemoryCache(ttl_s={"short": 0.05}, default_ttl_s=60)
    calls: list[bytes] = []
    await cache.get_or_load("short", "k", loader(b"a", calls))
    await cache.get_or_load("long", "k", loader(b"b", calls))
    await asyncio.sleep(0.1)
    assert await cache.get_or_load("short", "k", loader(b"c", calls)) == b"c"
    assert await cache.get_or_load("long", "k", loader(b"d", calls)) == b"b"
    assert calls == [b"a", b"b", b"c"]


async def test_invalidate_drops_one_key() -> None:
    cache = BoundedMemoryCache()
    calls: list[bytes] = []
    await cache.get_or_load("ns", "a", loader(b"1", calls))
    await cache.get_or_load("ns", "b", loader(b"2", calls))
    await cache.invalidate("ns", "a")
    assert cache.entries() == [("ns", "b")]
