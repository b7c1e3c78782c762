"""Failed logins earn growing waits, per account and per client address, in one process and
shared by all through Redis; a burst of logins hashes at most a few passwords at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from reelhouse.config import AuthSettings, CacheSettings, RedisSettings, Settings
from reelhouse.users.throttle import LocalLoginThrottle, RedisLoginThrottle, delay_after
from tests.support import FAST_HASHING, PASSWORD, Api, running_api, settings_for


def throttled(database_url: str, tmp_path: Path, **auth: Any) -> Settings:
    return settings_for(database_url, tmp_path, login_free_failures=2, **auth)


@asynccontextmanager
async def client_from(api: Api, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=api.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_failures_block_the_account_and_the_address(
    database_url: str, tmp_path: Path
) -> None:
    async with running_api(throttled(database_url, tmp_path, login_delay_s=60)) as api:
        for name in ("ann", "bob", "cat"):
            await api.services.users.create_user(name, PASSWORD)
        async with client_from(api, "10.0.0.1") as guesser, client_from(api, "10.0.0.2") as other:
            for _ in range(3):  # two free failures, and the one that earns the first wait
                assert (await log_in(guesser, "ann", "wrong password")).status_code == 401
            blocked = await log_in(guesser, "ann", PASSWORD)
            assert blocked.status_code == 429, "the right password waits too"
            assert 55 <= int(blocked.headers["retry-after"]) <= 60
            assert "too many failed logins" in blocked.json()["detail"]
            # The account waits from anywhere; the address waits for any account.
            assert (await log_in(other, "ann", PASSWORD)).status_code == 429
            assert (await log_in(guesser, "bob", PASSWORD)).status_code == 429
            assert (await log_in(other, "bob", PASSWORD)).status_code == 200
            # A name that does not exist is counted like one that does.
            for _ in range(3):
                assert (await log_in(other, "nobody", "x" * 8)).status_code == 401
            assert (await log_in(other, "nobody", "x" * 8)).status_code == 429


async def test_a_success_forgets_the_account_failures(database_url: str, tmp_path: Path) -> None:
    async with running_api(throttled(database_url, tmp_path, login_delay_s=0.2)) as api:
        await api.services.users.create_user("ann", PASSWORD)
        async with client_from(api, "10.0.0.1") as client:
            for _ in range(3):
                assert (await log_in(client, "ann", "wrong password")).status_code == 401
            await asyncio.sleep(0.3)
            assert (await log_in(client, "ann", PASSWORD)).status_code == 200
        async with client_from(api, "10.0.0.3") as elsewhere:
            assert (await log_in(elsewhere, "ann", "wrong password")).status_code == 401
            assert (await log_in(elsewhere, "ann", "wrong password")).status_code == 401


def test_each_failure_past_the_free_ones_doubles_the_wait() -> None:
    settings = AuthSettings(login_free_failures=3, login_delay_s=2, login_max_delay_s=60)
    waits = [delay_after(n, settings) for n in range(1, 11)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert delay_after(10**6, settings) == 60


@pytest.mark.parametrize("shared", [False, True])
async def test_the_throttles_count_alike(shared: bool, redis_url: str, cache_prefix: str) -> None:
    settings = AuthSettings(**FAST_HASHING, login_free_failures=1, login_delay_s=10)  # type: ignore[arg-type]
    redis = Redis.from_url(redis_url)
    throttle = (
        RedisLoginThrottle(redis, settings, cache_prefix)
        if shared
        else LocalLoginThrottle(settings)
    )
    try:
        keys = ["account:ann", "address:10.0.0.1"]
        await throttle.failed(keys)
        assert await throttle.wait_s(keys) == 0
        await throttle.failed(keys)
        assert 9 < await throttle.wait_s(["address:10.0.0.1"]) <= 10
        await throttle.failed(keys[:1])
        assert 19 < await throttle.wait_s(keys) <= 20
        await throttle.succeeded("account:ann")
        assert await throttle.wait_s(["account:ann"]) == 0
        assert await throttle.wait_s(keys) > 9, "the address keeps its failures"
    finally:
        await redis.aclose()


async def test_processes_share_the_counts_through_redis(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    settings = throttled(database_url, tmp_path, login_delay_s=60).model_copy(
        update={
            "redis": RedisSettings(url=redis_url),
            "cache": CacheSettings(key_prefix=cache_prefix),
        }
    )
    async with running_api(settings) as first, running_api(settings) as second:
        await first.services.users.create_user("ann", PASSWORD)
        async with client_from(first, "10.0.0.1") as one, client_from(second, "10.0.0.9") as two:
            for _ in range(3):
                assert (await log_in(one, "ann", "wrong password")).status_code == 401
            assert (await log_in(two, "ann", PASSWORD)).status_code == 429


async def test_a_burst_of_logins_hashes_a_few_at_a_time(database_url: str, tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path, max_concurrent_hashes=2)
    async with running_api(settings) as api:
        await api.services.users.create_user("ann", PASSWORD)
        passwords = api.services.users.passwords
        verify: Callable[..., bool] = passwords._verify  # type: ignore[attr-defined]
        lock, running, most = threading.Lock(), [0], [0]

        def counted(*args: Any) -> bool:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                return verify(*args)
            finally:
                with lock:
                    running[0] -= 1

        passwords._verify = counted  # type: ignore[attr-defined]
        answers = await asyncio.gather(*(log_in(api.client, "ann", PASSWORD) for _ in range(16)))
        assert {a.status_code for a in answers} == {200}
        assert most[0] == 2
