"""Changing passwords, on both databases: one's own (proven by the current one, which the login
throttle counts like a login), an admin's reset of another's, the console's for a locked-out
admin, the Jellyfin clients' route and the web page's forms. Each revokes the user's other
logins and tokens; one's own change keeps the one it was made with."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.compat.jellyfin.ids import IdType, encode_id
from reelhouse.config import CacheSettings, RedisSettings
from reelhouse.http.problems import PROBLEM_JSON
from tests.support import PASSWORD, Api, bearer, cli_env, run_cli, running_api, settings_for
from tests.test_jellyfin_auth import mediabrowser
from tests.test_login_throttle import client_from, throttled
from tests.test_revocation import cache, eventually
from tests.test_web import csrf, log_in

NEW = "a brand new passphrase"
ME = "/api/users/me/password"


async def logins(api: Api, username: str, password: str = PASSWORD) -> int:
    """The status of a login with this password."""
    body = {"username": username, "password": password}
    return (await api.client.post("/api/auth/login", json=body)).status_code


async def status(api: Api, token: str) -> int:
    return (await api.client.get("/api/users/me", headers=bearer(token))).status_code


async def user_id(api: Api, token: str) -> int:
    return int((await api.client.get("/api/users/me", headers=bearer(token))).json()["id"])


async def test_ones_own_change_revokes_every_other_token_but_this_one(api: Api) -> None:
    here = await api.token_for("ann")
    elsewhere = (await api.services.users.login("ann", PASSWORD)).secret
    made = await api.client.post("/api/tokens", json={"name": "tv"}, headers=bearer(here))
    script = made.json()["token"]
    other_user = await api.token_for("bob")
    for token in (here, elsewhere, script):
        assert await status(api, token) == 200  # each now in the cache

    changed = await api.client.put(
        ME, json={"current_password": PASSWORD, "new_password": NEW}, headers=bearer(here)
    )
    assert changed.status_code == 204, changed.text
    assert await status(api, here) == 200
    assert (await status(api, elsewhere), await status(api, script)) == (401, 401)
    assert await status(api, other_user) == 200
    listed = await api.client.get("/api/tokens", headers=bearer(here))
    assert [t["name"] for t in listed.json()] == ["login"]
    assert (await logins(api, "ann"), await logins(api, "ann", NEW)) == (401, 200)


async def test_a_wrong_current_password_is_refused_and_counted_as_a_failed_login(
    database_url: str, tmp_path: Path
) -> None:
    async with running_api(throttled(database_url, tmp_path, login_delay_s=60)) as api:
        here = await api.token_for("ann")
        other = (await api.services.users.login("ann", PASSWORD)).secret
        async with client_from(api, "10.0.0.1") as guesser:
            for _ in range(3):  # two free failures, and the one that earns the first wait
                wrong = await guesser.put(
                    ME, json={"current_password": "a guess", "new_password": NEW},
                    headers=bearer(here),
                )  # fmt: skip
                assert wrong.status_code == 403
                assert wrong.headers["content-type"] == PROBLEM_JSON
                assert wrong.json()["detail"] == "the current password is wrong"
            blocked = await guesser.put(
                ME, json={"current_password": PASSWORD, "new_password": NEW}, headers=bearer(here)
            )
            assert blocked.status_code == 429, "the right password waits too"
            assert int(blocked.headers["retry-after"]) > 50
            login = {"username": "ann", "password": PASSWORD}
            assert (await guesser.post("/api/auth/login", json=login)).status_code == 429
        assert (await status(api, here), await status(api, other)) == (200, 200)
        assert await api.services.users.throttle.wait_s(["account:ann"]) > 50


async def test_the_new_password_follows_the_rules_of_a_new_account(api: Api) -> None:
    here = await api.token_for("ann")
    other = (await api.services.users.login("ann", PASSWORD)).secret
    short = await api.client.put(
        ME, json={"current_password": PASSWORD, "new_password": "short"}, headers=bearer(here)
    )
    assert short.status_code == 422
    assert short.json()["errors"] == [{"field": "new_password", "message": short.json()["detail"]}]
    assert await status(api, other) == 200
    assert await logins(api, "ann") == 200


async def test_admins_reset_other_users_passwords(api: Api) -> None:
    admin = await api.token_for("root", is_admin=True)
    dave = await api.token_for("dave")
    dave_elsewhere = (await api.services.users.login("dave", PASSWORD)).secret
    dave_id, admin_id = await user_id(api, dave), await user_id(api, admin)
    for token in (dave, dave_elsewhere):
        assert await status(api, token) == 200

    def reset(target: int, token: str, new: str = NEW) -> Any:
        return api.client.put(
            f"/api/users/{target}/password", json={"new_password": new}, headers=bearer(token)
        )

    assert (await reset(admin_id, dave)).status_code == 403  # not an admin
    assert (await reset(dave_id, admin, "short")).status_code == 422
    assert (await reset(999_999, admin)).status_code == 404
    own = await reset(admin_id, admin)
    assert own.status_code == 422  # one's own takes the current one
    assert "current" in own.json()["detail"]
    assert await logins(api, "root") == 200

    assert (await reset(dave_id, admin)).status_code == 204
    assert (await status(api, dave), await status(api, dave_elsewhere)) == (401, 401)
    assert await status(api, admin) == 200
    assert (await logins(api, "dave"), await logins(api, "dave", NEW)) == (401, 200)


async def test_the_console_sets_a_password_and_other_processes_hear_the_revocation(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    app_settings = settings_for(database_url, tmp_path).model_copy(
        update={
            "redis": RedisSettings(url=redis_url),
            "cache": CacheSettings(key_prefix=cache_prefix),
        }
    )
    env = cli_env(tmp_path, database_url) | {
        "REELHOUSE_REDIS_URL": redis_url,
        "REELHOUSE_CACHE_KEY_PREFIX": cache_prefix,
    }
    async with running_api(app_settings) as api:
        await eventually(lambda: cache(api).hears_invalidations)
        root = await api.token_for("root", is_admin=True)
        for _ in range(2):
            assert await status(api, root) == 200

        def console(*args: str, stdin: str) -> Any:
            return asyncio.to_thread(run_cli, env, "user", "password", *args, stdin=stdin)

        ghost = await console("ghost", "--password-stdin", stdin=NEW + "\n")
        assert ghost.returncode == 2
        assert "there is no user 'ghost'" in ghost.stderr
        short = await console("root", "--password-stdin", stdin="short\n")
        assert short.returncode == 2
        assert "a password has 8 to" in short.stderr
        assert await status(api, root) == 200

        done = await console("ROOT", "--password-stdin", stdin=NEW + "\n")
        assert done.returncode == 0, done.stderr
        assert "password of 'root' set" in done.stdout
        for _ in range(1000):  # the invalidation comes through Redis, soon after
            if await status(api, root) == 401:
                break
            await asyncio.sleep(0.01)
        assert await status(api, root) == 401
        assert (await logins(api, "root"), await logins(api, "root", NEW)) == (401, 200)


async def test_jellyfin_clients_change_passwords(api: Api) -> None:
    await api.token_for("root", is_admin=True)
    await api.services.users.create_user("kid", PASSWORD)

    async def jellyfin_login(username: str, device: str, password: str = PASSWORD) -> str:
        answer = await api.client.post(
            "/Users/AuthenticateByName",
            json={"Username": username, "Pw": password},
            headers=mediabrowser(DeviceId=device),
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["AccessToken"])

    phone, tv = await jellyfin_login("kid", "phone"), await jellyfin_login("kid", "tv")
    admin = await jellyfin_login("root", "laptop")
    kid = encode_id(IdType.USER, await user_id(api, phone))

    async def post(path: str, token: str, body: dict[str, Any]) -> httpx.Response:
        return await api.client.post(path, json=body, headers=mediabrowser(token))

    wrong = await post(f"/Users/{kid}/Password", phone, {"CurrentPw": "nope", "NewPw": NEW})
    assert wrong.status_code == 403
    reset = await post("/Users/Password", phone, {"ResetPassword": True})
    assert reset.status_code == 400
    changed = await post(f"/users/{kid}/password", phone, {"currentPw": PASSWORD, "newPw": NEW})
    assert changed.status_code == 204, changed.text
    assert (await status(api, phone), await status(api, tv)) == (200, 401)

    root = encode_id(IdType.USER, await user_id(api, admin))
    refused = await post(f"/Users/Password?userId={root}", phone, {"NewPw": "x" * 12})
    assert refused.status_code == 403
    by_admin = await post(f"/Users/Password?UserId={kid}", admin, {"NewPw": "third password"})
    assert by_admin.status_code == 204
    assert await status(api, phone) == 401
    assert await logins(api, "kid", "third password") == 200


async def test_no_password_input_makes_a_server_error(api: Api) -> None:
    """Whatever a client sends as passwords (any text, lone surrogates, huge values, other
    JSON), the answer is a 4xx naming what is wrong, never a 500."""
    here = await api.token_for("ann")
    loop = asyncio.get_running_loop()
    surrogates = st.text(st.characters(categories=("Cs", "Ll")), min_size=1, max_size=24)
    huge = st.integers(1_000, 5_000).map(lambda n: "é" * n)
    values = st.one_of(
        st.text(max_size=24), surrogates, huge, st.none(), st.integers(), st.lists(st.text())
    )

    @settings(max_examples=120, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(current=values, new=values)
    def answers(current: object, new: object) -> None:
        body = json.dumps({"current_password": current, "new_password": new}).encode()
        headers = bearer(here) | {"content-type": "application/json"}
        request = api.client.put(ME, content=body, headers=headers)
        response = asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)
        assert response.status_code in (403, 422, 429), (current, new, response.text[:300])
        assert response.headers["content-type"] == PROBLEM_JSON

    await asyncio.to_thread(answers)
    assert await status(api, here) == 200


# -- the web page ------------------------------------------------------------------------------


async def test_the_account_page_changes_the_password(api: Api) -> None:
    await log_in(api, "ann")
    other = (await api.services.users.login("ann", PASSWORD)).secret
    page = await api.client.get("/account")
    assert 'action="/account/password"' in page.text

    def change(current: str, new: str, again: str) -> Any:
        form = {"current_password": current, "new_password": new, "new_password_again": again}
        return api.client.post("/account/password", data=form | {"csrf": csrf(api.client)})

    wrong = await change("a guess", NEW, NEW)
    assert wrong.status_code == 403
    assert "the current password is wrong" in wrong.text
    differ = await change(PASSWORD, NEW, NEW + "!")
    assert differ.status_code == 422
    assert 'id="error-new_password_again"' in differ.text
    assert "the two new passwords differ" in differ.text
    short = await change(PASSWORD, "short", "short")
    assert short.status_code == 422
    assert 'id="error-new_password"' in short.text
    for refused in (wrong, differ, short):
        assert PASSWORD not in refused.text
        assert 'id="error-name"' not in refused.text  # not the token form's error
    assert await status(api, other) == 200

    changed = await change(PASSWORD, NEW, NEW)
    assert changed.status_code == 303
    assert changed.headers["location"] == "/account?notice=password-changed"
    after = await api.client.get(changed.headers["location"])
    assert after.status_code == 200  # this browser stays logged in
    assert "Your other logins and tokens are revoked" in after.text
    assert await status(api, other) == 401
    assert (await logins(api, "ann"), await logins(api, "ann", NEW)) == (401, 200)


async def test_admins_set_passwords_on_the_users_page(api: Api) -> None:
    await log_in(api, "root", is_admin=True)
    dave = await api.token_for("dave")
    dave_id = await user_id(api, dave)
    page = await api.client.get("/admin/users")
    assert f'action="/admin/users/{dave_id}/password"' in page.text
    root_id = (await api.services.users.authenticate(api.client.cookies["reelhouse_session"])).user
    assert f'action="/admin/users/{root_id.id}/password"' not in page.text

    def reset(new: str) -> Any:
        form = {"new_password": new, "csrf": csrf(api.client)}
        return api.client.post(f"/admin/users/{dave_id}/password", data=form)

    short = await reset("short")
    assert short.status_code == 422
    assert 'id="error-new_password"' in short.text
    assert 'id="error-password"' not in short.text  # not the add form's
    assert await status(api, dave) == 200
    done = await reset(NEW)
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/users?notice=password-reset"
    assert await status(api, dave) == 401
    assert await logins(api, "dave", NEW) == 200
