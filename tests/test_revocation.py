"""Revocation reaches every process, also while Redis is down.

Two app instances share a database and a redis-server of the test's own, which the test stops:
what one of them revokes (a token, a library grant, the other logins of a password change) is
refused by the other at once, though no invalidation can reach it, and once Redis is back the
other caches authentications again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from reelhouse.config import CacheSettings, RedisSettings, Settings
from reelhouse.infra.cache import Cache
from reelhouse.users.service import AUTH_NAMESPACE
from tests.cache_support import PrivateRedis
from tests.support import PASSWORD, Api, bearer, running_api, settings_for, token_reads


def shared_settings(database_url: str, tmp_path: Path, redis_url: str) -> Settings:
    return settings_for(database_url, tmp_path).model_copy(
        update={
            "redis": RedisSettings(url=redis_url, timeout_s=0.25, retry_after_s=0.2),
            "cache": CacheSettings(key_prefix="revocation", pubsub_ping_s=0.5),
        }
    )


@pytest.fixture
async def two_apps(
    database_url: str, tmp_path: Path, private_redis: PrivateRedis
) -> AsyncIterator[tuple[Api, Api]]:
    """Two processes' worth of app (each its own cache and engine) on one database and Redis."""
    async with AsyncExitStack() as stack:
        apps = []
        for name in ("a", "b"):
            settings = shared_settings(database_url, tmp_path / name, private_redis.url)
            apps.append(await stack.enter_async_context(running_api(settings)))
        for api in apps:
            await eventually(lambda api=api: cache(api).hears_invalidations)
        yield apps[0], apps[1]


def cache(api: Api) -> Cache:
    found = api.app.state.cache
    assert isinstance(found, Cache)
    return found


async def eventually(check: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def status(api: Api, token: str, path: str = "/api/users/me") -> int:
    return (await api.client.get(path, headers=bearer(token))).status_code


async def warm(api: Api, token: str) -> None:
    """Use `token` until `api` authenticates it from its L1 (its first use writes
    `last_used_at`, which the next one reads back), and check that it does."""
    for _ in range(2):
        assert await status(api, token) == 200
    with token_reads(api) as reads:
        assert await status(api, token) == 200
    assert reads == []


async def outage(redis: PrivateRedis, *apps: Api) -> None:
    redis.stop()
    for api in apps:
        await eventually(lambda api=api: not cache(api).hears_invalidations)


async def test_a_token_revoked_during_a_redis_outage_is_refused_at_once_elsewhere(
    two_apps: tuple[Api, Api], private_redis: PrivateRedis
) -> None:
    a, b = two_apps
    login = await a.token_for("carol")
    created = await a.client.post("/api/tokens", json={"name": "tv"}, headers=bearer(login))
    secret, token_id = created.json()["token"], created.json()["details"]["id"]
    await warm(b, secret)
    await warm(b, login)

    await outage(private_redis, a, b)
    revoked = await a.client.delete(f"/api/tokens/{token_id}", headers=bearer(login))
    assert revoked.status_code == 204
    assert await status(b, secret) == 401  # B never heard of it: it asked the database
    with token_reads(b) as reads:
        for _ in range(3):
            assert await status(b, login) == 200
    assert len(reads) == 3  # every authentication reads the database during the outage
    assert cache(b).metrics.namespace(AUTH_NAMESPACE).bypassed >= 4

    private_redis.start()
    for api in (a, b):
        await eventually(lambda api=api: cache(api).hears_invalidations)
    assert await status(b, secret) == 401
    with token_reads(b) as reads:
        for _ in range(3):
            assert await status(b, login) == 200
    assert len(reads) == 1  # read once after the outage, then from the L1 again
    hits = cache(b).metrics.namespace(AUTH_NAMESPACE).l1_hits
    assert await status(b, login) == 200
    assert cache(b).metrics.namespace(AUTH_NAMESPACE).l1_hits == hits + 1


async def test_a_grant_removed_during_a_redis_outage_hides_the_library_at_once_elsewhere(
    two_apps: tuple[Api, Api], private_redis: PrivateRedis
) -> None:
    a, b = two_apps
    admin = await a.token_for("root", is_admin=True)
    ids = []
    for name in ("Movies", "Shows"):
        made = await a.client.post(
            "/api/libraries",
            json={"name": name, "kind": "movies", "paths": [f"/media/{name}"]},
            headers=bearer(admin),
        )
        assert made.status_code == 201
        ids.append(made.json()["id"])
    kid = await a.token_for("kid")
    kid_id = (await a.client.get("/api/users/me", headers=bearer(kid))).json()["id"]
    granted = await a.client.put(
        f"/api/users/{kid_id}/libraries", json={"library_ids": ids}, headers=bearer(admin)
    )
    assert granted.status_code == 200
    await warm(b, kid)

    async def visible() -> list[int]:
        listed = await b.client.get("/api/libraries", headers=bearer(kid))
        assert listed.status_code == 200
        return sorted(library["id"] for library in listed.json())

    assert await visible() == sorted(ids)
    for library_id in ids:
        assert await status(b, kid, f"/api/libraries/{library_id}") == 200

    await outage(private_redis, a, b)
    removed = await a.client.put(
        f"/api/users/{kid_id}/libraries", json={"library_ids": ids[:1]}, headers=bearer(admin)
    )
    assert removed.status_code == 200
    assert await visible() == ids[:1]
    assert await status(b, kid, f"/api/libraries/{ids[1]}") == 404

    private_redis.start()
    await eventually(lambda: cache(b).hears_invalidations)
    assert await visible() == ids[:1]


async def test_a_password_change_during_a_redis_outage_revokes_the_other_logins_elsewhere(
    two_apps: tuple[Api, Api], private_redis: PrivateRedis
) -> None:
    a, b = two_apps
    here = await a.token_for("carol")
    elsewhere = (await a.services.users.login("carol", PASSWORD)).secret
    await warm(b, here)
    await warm(b, elsewhere)

    await outage(private_redis, a, b)
    body = {"current_password": PASSWORD, "new_password": "another passphrase"}
    changed = await a.client.put("/api/users/me/password", json=body, headers=bearer(here))
    assert changed.status_code == 204
    assert await status(b, elsewhere) == 401  # B never heard of it: it asked the database
    assert await status(b, here) == 200  # the login that made the change stays

    private_redis.start()
    for api in (a, b):
        await eventually(lambda api=api: cache(api).hears_invalidations)
    assert (await status(b, elsewhere), await status(b, here)) == (401, 200)
