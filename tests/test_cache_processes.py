"""Real subprocesses, each with its own L1, sharing the local Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from reelhouse.testing.cache_worker import WorkerProcess

Spawn = Callable[..., Any]


@pytest.fixture
async def spawn(redis_url: str, cache_prefix: str) -> AsyncIterator[Spawn]:
    workers: list[WorkerProcess] = []

    async def start(count: int) -> list[WorkerProcess]:
        started = await asyncio.gather(
            *(WorkerProcess.spawn(redis_url, cache_prefix) for _ in range(count))
        )
        workers.extend(started)
        for worker in started:
            assert await worker.call("ready", timeout=10.0)
        return list(started)

    yield start
    await asyncio.gather(*(worker.stop() for worker in workers))


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_tag_invalidation_reaches_another_process(
    spawn: Spawn, raw: aioredis.Redis, cache_prefix: str
) -> None:
    a, b = await spawn(2)
    source = f"{cache_prefix}:source"
    await raw.set(source, "old")
    for worker in (a, b):
        got = await worker.call(
            "get_or_load", ns="test", key="m42", tags=["movie:42"], source=source
        )
        assert got == "old"
        await worker.call("get_or_load", ns="test", key="m7", tags=["movie:7"], source=source)
    assert await raw.get(source + ":loads") == b"2"  # b read both from Redis
    assert await b.call("get_local", ns="test", key="m42") == "old"

    await raw.set(source, "new")
    await a.call("invalidate", tags=["movie:42"])
    deadline = time.monotonic() + 2.0
    while await b.call("get_local", ns="test", key="m42") != "MISS":
        assert time.monotonic() < deadline, "the invalidation never reached the other process"
        await asyncio.sleep(0.002)
    assert await b.call("get_local", ns="test", key="m7") == "old"  # other tags untouched
    got = await b.call("get_or_load", ns="test", key="m42", tags=["movie:42"], source=source)
    assert got == "new"
    heard = await b.call("received")
    assert [entry[2] for entry in heard] == [["movie:42"]]


async def test_a_stampede_across_processes_calls_the_loader_once(
    spawn: Spawn, raw: aioredis.Redis, cache_prefix: str
) -> None:
    workers = await spawn(4)
    for round_ in range(3):
        source = f"{cache_prefix}:stampede{round_}"
        await raw.set(source, f"value{round_}")
        start_at = time.time() + 0.5
        results = await asyncio.gather(
            *(
                worker.call(
                    "stampede",
                    ns="test",
                    key=f"hot{round_}",
                    source=source,
                    count=250,
                    start_at=start_at,
                    sleep=0.2,
                )
                for worker in workers
            )
        )
        assert await raw.get(source + ":loads") == b"1"  # 1,000 requests, one loader call
        assert all(result == [f"value{round_}"] for result in results)
