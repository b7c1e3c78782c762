"""Authentication through the cache: a usable token is read from the database once, and every
change that could make it unusable, or change what it sees, takes effect at the next request."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event

from reelhouse.users.service import AUTH_NAMESPACE
from tests.support import Api, bearer, running_api, settings_for, token_reads


async def library(api: Api, admin: str, name: str) -> int:
    made = await api.client.post(
        "/api/libraries",
        json={"name": name, "kind": "movies", "paths": [f"/media/{name}"]},
        headers=bearer(admin),
    )
    assert made.status_code == 201
    return int(made.json()["id"])


async def test_a_used_token_is_not_read_again(api: Api) -> None:
    token = await api.token_for("alice")
    for _ in range(2):  # the first use writes `last_used_at`, which the next one reads back
        assert (await api.client.get("/api/users/me", headers=bearer(token))).status_code == 200
    with token_reads(api) as reads:
        for _ in range(5):
            me = await api.client.get("/api/users/me", headers=bearer(token))
            assert me.status_code == 200
    assert reads == []
    assert api.app.state.cache.size(AUTH_NAMESPACE) == 1


async def test_revoked_and_unknown_tokens_are_refused_at_once(api: Api) -> None:
    login = await api.token_for("carol")
    created = await api.client.post("/api/tokens", json={"name": "tv"}, headers=bearer(login))
    secret, token_id = created.json()["token"], created.json()["details"]["id"]
    assert (await api.client.get("/api/users/me", headers=bearer(secret))).status_code == 200
    revoked = await api.client.delete(f"/api/tokens/{token_id}", headers=bearer(login))
    assert revoked.status_code == 204
    assert (await api.client.get("/api/users/me", headers=bearer(secret))).status_code == 401
    assert (await api.client.get("/api/users/me", headers=bearer(login))).status_code == 200
    unknown = bearer("rh_" + "x" * 43)
    assert [(await api.client.get("/api/users/me", headers=unknown)).status_code
            for _ in range(2)] == [401, 401]  # fmt: skip


async def test_a_deleted_user_is_refused_at_once(api: Api) -> None:
    admin = await api.token_for("root", is_admin=True)
    dave = await api.token_for("dave")
    me = await api.client.get("/api/users/me", headers=bearer(dave))
    assert me.status_code == 200
    deleted = await api.client.delete(f"/api/users/{me.json()['id']}", headers=bearer(admin))
    assert deleted.status_code == 204
    assert (await api.client.get("/api/users/me", headers=bearer(dave))).status_code == 401


async def test_a_change_of_libraries_shows_at_the_next_request(api: Api) -> None:
    admin = await api.token_for("root", is_admin=True)
    movies, shows = await library(api, admin, "Movies"), await library(api, admin, "Shows")
    kid = await api.token_for("kid")
    kid_id = (await api.client.get("/api/users/me", headers=bearer(kid))).json()["id"]
    for granted in ([movies], [shows], []):
        put = await api.client.put(
            f"/api/users/{kid_id}/libraries", json={"library_ids": granted}, headers=bearer(admin)
        )
        assert put.status_code == 200
        listed = await api.client.get("/api/libraries", headers=bearer(kid))
        assert [lib["id"] for lib in listed.json()] == granted


async def test_a_grant_never_reaches_a_library_made_after_its_deletion(api: Api) -> None:
    admin = await api.token_for("root", is_admin=True)
    await library(api, admin, "Old")
    doomed = await library(api, admin, "Doomed")
    kid = await api.token_for("kid")
    kid_id = (await api.client.get("/api/users/me", headers=bearer(kid))).json()["id"]
    await api.client.put(
        f"/api/users/{kid_id}/libraries", json={"library_ids": [doomed]}, headers=bearer(admin)
    )
    assert len((await api.client.get("/api/libraries", headers=bearer(kid))).json()) == 1
    deleted = await api.client.delete(f"/api/libraries/{doomed}", headers=bearer(admin))
    assert deleted.status_code == 204
    await library(api, admin, "New")  # on SQLite it may get the deleted library's id
    assert (await api.client.get("/api/libraries", headers=bearer(kid))).json() == []


async def test_a_cached_token_expires_on_time(database_url: str, tmp_path: Path) -> None:
    async with running_api(settings_for(database_url, tmp_path, session_ttl_s=1)) as api:
        token = await api.token_for("erin")
        assert (await api.client.get("/api/users/me", headers=bearer(token))).status_code == 200
        await asyncio.sleep(1.1)
        assert (await api.client.get("/api/users/me", headers=bearer(token))).status_code == 401


async def test_concurrent_requests_write_last_used_once(api: Api) -> None:
    token = await api.token_for("frank")
    writes: list[str] = []
    engine = api.services.users.database.engine.sync_engine

    def record(*args: Any) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        answers = await asyncio.gather(
            *(api.client.get("/api/users/me", headers=bearer(token)) for _ in range(20))
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [a.status_code for a in answers] == [200] * 20
    assert len(writes) == 1
    tokens = await api.client.get("/api/tokens", headers=bearer(token))
    assert tokens.json()[0]["last_used_at"] is not None
