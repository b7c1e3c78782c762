"""Who may call what: every route of the app, enumerated, on both databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from reelhouse.app import create_app
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.web.render import PageRoute, ScriptRoute
from tests.support import PASSWORD, WEBHOOK_SECRET, Api, bearer, settings_for

PUBLIC = {
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("POST", "/api/auth/login"),
    # The setup wizard: its state, and the first admin (the server's own machine or the setup
    # code, while there is no account: tests/test_setup_api.py).
    ("GET", "/api/setup"),
    ("POST", "/api/setup/admin"),
}
#: The setup wizard's helpers: an admin's, or the wizard's while there is no account yet.
WIZARD_OR_ADMIN = {
    ("POST", "/api/setup/provider-keys/check"),
    ("GET", "/api/setup/folders"),
}
ADMIN_ONLY = {
    ("GET", "/api/items/{item_id}/match-candidates"),
    ("POST", "/api/items/{item_id}/match"),
    ("POST", "/api/items/{item_id}/refresh"),
    ("PUT", "/api/items/{item_id}/locked-fields"),
    ("PATCH", "/api/items/{item_id}"),
    ("POST", "/api/items/{item_id}/write-back"),
    ("GET", "/api/items/{item_id}/image-choices"),
    ("GET", "/api/items/{item_id}/image-choices/preview"),
    ("PUT", "/api/items/{item_id}/images/{kind}"),
    ("POST", "/api/items/{item_id}/images/{kind}"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/users/{user_id}"),
    ("DELETE", "/api/users/{user_id}"),
    ("PUT", "/api/users/{user_id}/libraries"),
    ("GET", "/api/settings"),
    ("PATCH", "/api/settings"),
    ("PUT", "/api/users/{user_id}/password"),
    ("POST", "/api/libraries"),
    ("PATCH", "/api/libraries/{library_id}"),
    ("DELETE", "/api/libraries/{library_id}"),
    ("POST", "/api/libraries/{library_id}/scan"),
    ("POST", "/api/libraries/{library_id}/write-back"),
    ("GET", "/api/jobs"),
    ("GET", "/api/jobs/{job_id}"),
    ("GET", "/api/jobs/{job_id}/events"),
    ("POST", "/api/jobs/{job_id}/cancel"),
    ("GET", "/metrics"),
    ("GET", "/api/playback/sessions"),
    # What Sonarr and Radarr ask of an Emby / Jellyfin server: an admin's token, also in their
    # own headers.
    ("POST", "/Library/Media/Updated"),
    ("GET", "/Items"),
    ("GET", "/System/Configuration"),
    ("POST", "/Notifications/Admin"),
}
#: No token: the shared secret of `webhooks.secret`.
WEBHOOK_SECRET_ONLY = {
    ("POST", "/api/webhooks/arr"),
}
ANY_USER = {
    ("POST", "/api/auth/logout"),
    ("GET", "/api/users/me"),
    ("PUT", "/api/users/me/password"),
    ("GET", "/api/tokens"),
    ("POST", "/api/tokens"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("GET", "/api/libraries"),
    ("GET", "/api/libraries/{library_id}"),
    ("GET", "/api/movies"),
    ("GET", "/api/movies/{movie_id}"),
    ("GET", "/api/collections"),
    ("GET", "/api/collections/{collection_id}"),
    ("GET", "/api/series"),
    ("GET", "/api/series/{series_id}"),
    ("GET", "/api/series/{series_id}/seasons"),
    ("GET", "/api/seasons/{season_id}"),
    ("GET", "/api/seasons/{season_id}/episodes"),
    ("GET", "/api/episodes/{episode_id}"),
    ("GET", "/api/people/{person_id}"),
    ("GET", "/api/genres"),
    ("GET", "/api/search"),
    ("GET", "/api/items/{item_id}/images/{kind}"),
    ("GET", "/api/people/{person_id}/images/{kind}"),
    ("GET", "/api/items/{item_id}/stream"),
    ("HEAD", "/api/items/{item_id}/stream"),
    ("GET", "/api/items/{item_id}/download"),
    ("HEAD", "/api/items/{item_id}/download"),
    ("GET", "/api/items/{item_id}/subtitles/{number}.vtt"),
    ("GET", "/api/items/{item_id}/playback-info"),
    ("POST", "/api/items/{item_id}/playback-info"),
    ("GET", "/api/playback/sessions/{session_id}/master.m3u8"),
    ("GET", "/api/playback/sessions/{session_id}/main.m3u8"),
    ("GET", "/api/playback/sessions/{session_id}/segments/{number}.ts"),
    ("DELETE", "/api/playback/sessions/{session_id}"),
    # Each user's own watch state: about the caller only.
    ("GET", "/api/me/continue-watching"),
    ("GET", "/api/me/next-up"),
    ("GET", "/api/me/recently-watched"),
    ("GET", "/api/me/favourites"),
    ("GET", "/api/me/history"),
    ("GET", "/api/me/stats"),
    ("GET", "/api/me/unplayed-counts"),
    ("GET", "/api/me/items/{item_id}/state"),
    ("POST", "/api/me/items/{item_id}/progress"),
    ("POST", "/api/me/items/{item_id}/played"),
    ("DELETE", "/api/me/items/{item_id}/played"),
    ("POST", "/api/me/items/{item_id}/favourite"),
    ("DELETE", "/api/me/items/{item_id}/favourite"),
    ("PUT", "/api/me/items/{item_id}/rating"),
    ("DELETE", "/api/me/items/{item_id}/rating"),
}


#: The Jellyfin-compatible API (`compat/jellyfin`), authenticated by Jellyfin's own headers
#: (`Authorization: MediaBrowser Token=...`, `X-Emby-Token`, `?ApiKey=`). `GET /Items` is
#: listed above: a bare token reaches Sonarr's lookup, a client's `MediaBrowser` header the
#: Jellyfin listing (tests/test_jellyfin_api.py).
JELLYFIN_PUBLIC = {
    ("GET", "/System/Info/Public"),
    ("GET", "/System/Ping"),
    ("POST", "/System/Ping"),
    ("GET", "/Branding/Configuration"),
    ("GET", "/QuickConnect/Enabled"),
    ("GET", "/Users/Public"),
    ("POST", "/Users/AuthenticateByName"),
}
JELLYFIN_ANY_USER = {
    ("GET", "/System/Info"),
    ("POST", "/Sessions/Logout"),
    ("GET", "/Users/Me"),
    ("GET", "/Users/{userId}"),
    # The caller's own password (with the current one), or an admin's change of another's.
    ("POST", "/Users/Password"),
    ("POST", "/Users/{userId}/Password"),
    ("POST", "/Sessions/Capabilities"),
    ("POST", "/Sessions/Capabilities/Full"),
    ("GET", "/DisplayPreferences/{displayPreferencesId}"),
    ("POST", "/DisplayPreferences/{displayPreferencesId}"),
    # Browsing: the caller's libraries only, with the caller's own state.
    ("GET", "/UserViews"),
    ("GET", "/Users/{userId}/Views"),
    ("GET", "/Users/{userId}/Items"),
    ("GET", "/Items/{itemId}"),
    ("GET", "/Users/{userId}/Items/{itemId}"),
    ("GET", "/Items/Latest"),
    ("GET", "/Users/{userId}/Items/Latest"),
    ("GET", "/UserItems/Resume"),
    ("GET", "/Users/{userId}/Items/Resume"),
    ("GET", "/Items/{itemId}/Similar"),
    ("GET", "/Items/Filters"),
    ("GET", "/Items/Filters2"),
    ("GET", "/Genres"),
    ("GET", "/Persons/{name}"),
    ("GET", "/Search/Hints"),
    ("GET", "/Shows/{seriesId}/Seasons"),
    ("GET", "/Shows/{seriesId}/Episodes"),
    ("GET", "/Shows/NextUp"),
    # The caller's own played marks and favourites.
    ("POST", "/UserPlayedItems/{itemId}"),
    ("DELETE", "/UserPlayedItems/{itemId}"),
    ("POST", "/UserFavoriteItems/{itemId}"),
    ("DELETE", "/UserFavoriteItems/{itemId}"),
    ("POST", "/Users/{userId}/PlayedItems/{itemId}"),
    ("DELETE", "/Users/{userId}/PlayedItems/{itemId}"),
    ("POST", "/Users/{userId}/FavoriteItems/{itemId}"),
    ("DELETE", "/Users/{userId}/FavoriteItems/{itemId}"),
    # Playback: the caller's libraries, and only the caller's own HLS sessions.
    ("POST", "/Items/{itemId}/PlaybackInfo"),
    ("GET", "/Items/{itemId}/PlaybackInfo"),
    ("GET", "/Videos/{itemId}/stream"),
    ("HEAD", "/Videos/{itemId}/stream"),
    ("GET", "/Videos/{itemId}/stream.{container}"),
    ("HEAD", "/Videos/{itemId}/stream.{container}"),
    ("GET", "/Videos/{itemId}/master.m3u8"),
    ("GET", "/Videos/{itemId}/main.m3u8"),
    ("GET", "/Videos/{itemId}/segments/{number}.ts"),
    ("GET", "/Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/Stream.vtt"),
    ("GET", "/Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/{startPositionTicks}/Stream.vtt"),
    ("POST", "/Sessions/Playing"),
    ("POST", "/Sessions/Playing/Progress"),
    ("POST", "/Sessions/Playing/Stopped"),
    ("POST", "/Sessions/Playing/Ping"),
    ("DELETE", "/Videos/ActiveEncodings"),
    ("GET", "/Sessions"),
}
#: Artwork: without a token, as Jellyfin serves it (`jellyfin.public_images`); a token, when
#: sent, narrows it to the caller's libraries.
JELLYFIN_PUBLIC_IMAGES = {
    ("GET", "/Items/{itemId}/Images/{imageType}"),
    ("GET", "/Items/{itemId}/Images/{imageType}/{imageIndex}"),
}
#: An id of the Jellyfin API naming no item.
ABSENT = "7265656c686f0001000000000000000f"


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every operation the app serves, as its OpenAPI document lists them."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_every_route_is_classified(api: Api) -> None:
    assert app_routes(api.app) == (
        PUBLIC
        | ADMIN_ONLY
        | ANY_USER
        | WIZARD_OR_ADMIN
        | WEBHOOK_SECRET_ONLY
        | JELLYFIN_PUBLIC
        | JELLYFIN_ANY_USER
        | JELLYFIN_PUBLIC_IMAGES
    )


@pytest.mark.parametrize(("method", "path"), sorted(JELLYFIN_ANY_USER))
async def test_jellyfin_routes_need_a_token(api: Api, method: str, path: str) -> None:
    for headers in (
        {},
        {"Authorization": 'MediaBrowser Client="x", Device="y", DeviceId="z", Version="1"'},
        {"Authorization": 'MediaBrowser Token="rh_not-a-real-token"'},
        {"X-Emby-Token": "not-a-token"},
    ):
        concrete_path = re.sub(r"\{[^}]+\}", ABSENT, path)
        response = await api.client.request(method, concrete_path, headers=headers)
        assert response.status_code == 401, (method, path, headers)


@pytest.mark.parametrize(("method", "path"), sorted(JELLYFIN_PUBLIC_IMAGES))
async def test_jellyfin_images_answer_strangers(api: Api, method: str, path: str) -> None:
    """Without a token: an absent item's image is a 404 (not a 401), a malformed id a 400."""
    values = {"itemId": ABSENT, "imageType": "Primary", "imageIndex": "0"}
    absent = path.format(**values)
    assert (await api.client.request(method, absent)).status_code == 404
    malformed = path.format(**{**values, "itemId": "1"})
    assert (await api.client.request(method, malformed)).status_code == 400


@pytest.mark.parametrize(("method", "path"), sorted(JELLYFIN_PUBLIC))
async def test_jellyfin_public_routes_answer_strangers(api: Api, method: str, path: str) -> None:
    body = {"Username": "nobody", "Pw": "x"} if path.endswith("ByName") else None
    response = await api.client.request(method, path, json=body)
    assert response.status_code == (401 if body else 200), (method, path)


@pytest.mark.parametrize(("method", "path"), sorted(WEBHOOK_SECRET_ONLY))
async def test_webhooks_are_off_without_a_secret(api: Api, method: str, path: str) -> None:
    admin = await api.token_for("root", is_admin=True)
    for params, headers in (({"secret": WEBHOOK_SECRET}, {}), ({}, bearer(admin))):
        response = await api.client.request(
            method, path, params=params, headers=headers, json={"eventType": "Test"}
        )
        assert response.status_code == 403, (method, path)
        assert response.headers["content-type"] == PROBLEM_JSON
        assert "webhooks.secret" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), sorted(WEBHOOK_SECRET_ONLY))
async def test_webhooks_need_their_secret(ops_api: Api, method: str, path: str) -> None:
    admin = await ops_api.token_for("root", is_admin=True)
    wrong = WEBHOOK_SECRET[:-1] + "x"
    refused = (
        ({}, {}),
        ({"secret": wrong}, {}),
        ({}, {"X-Webhook-Secret": wrong}),
        ({"secret": "é" * 30}, {}),
        ({"secret": WEBHOOK_SECRET}, {"X-Webhook-Secret": wrong}),  # the header wins
        ({}, bearer(admin)),  # a token is not the secret
    )
    for params, headers in refused:
        response = await ops_api.client.request(
            method, path, params=params, headers=headers, json={"eventType": "Test"}
        )
        assert response.status_code == 401, (params, headers)
        assert response.headers["content-type"] == PROBLEM_JSON
    for params, headers in (
        ({"secret": WEBHOOK_SECRET}, {}),
        ({}, {"X-Webhook-Secret": WEBHOOK_SECRET}),
    ):
        response = await ops_api.client.request(
            method, path, params=params, headers=headers, json={"eventType": "Test"}
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(("method", "path"), sorted(ADMIN_ONLY | ANY_USER))
async def test_no_token_no_entry(api: Api, method: str, path: str) -> None:
    for headers in ({}, bearer("rh_not-a-real-token"), {"Authorization": "Basic Zm9vOmJhcg=="}):
        response = await api.client.request(method, concrete(path), headers=headers)
        assert response.status_code == 401, (method, path, headers)
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), sorted(WIZARD_OR_ADMIN))
async def test_wizard_routes_are_an_admins_once_set_up(api: Api, method: str, path: str) -> None:
    plain = await api.token_for("plain")
    for headers, status in (({}, 401), (bearer("rh_not-a-real-token"), 401), (bearer(plain), 403)):
        response = await api.client.request(method, path, headers=headers, json={})
        assert response.status_code == status, (method, path, headers)
        assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize(("method", "path"), sorted(ADMIN_ONLY))
async def test_plain_users_are_refused_admin_routes(api: Api, method: str, path: str) -> None:
    token = await api.token_for("plain")
    response = await api.client.request(method, concrete(path), headers=bearer(token), json={})
    assert response.status_code == 403, (method, path)
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_login_logout_and_wrong_passwords(api: Api) -> None:
    await api.services.users.create_user("Alice", PASSWORD)
    wrong = await api.client.post("/api/auth/login", json={"username": "alice", "password": "nope"})
    unknown = await api.client.post(
        "/api/auth/login", json={"username": "bob", "password": PASSWORD}
    )
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert wrong.json()["detail"] == unknown.json()["detail"]
    login = await api.client.post(
        "/api/auth/login", json={"username": "ALICE", "password": PASSWORD}
    )
    assert login.status_code == 200
    token = login.json()["token"]
    assert login.json()["details"]["kind"] == "session"
    me = await api.client.get("/api/users/me", headers=bearer(token))
    assert me.json() == {"id": me.json()["id"], "username": "Alice", "is_admin": False,
                         "library_ids": []}  # fmt: skip
    assert (await api.client.post("/api/auth/logout", headers=bearer(token))).status_code == 204
    assert (await api.client.get("/api/users/me", headers=bearer(token))).status_code == 401


async def test_api_tokens_are_shown_once_and_revocable(api: Api) -> None:
    login_token = await api.token_for("carol")
    created = await api.client.post(
        "/api/tokens", json={"name": "kodi"}, headers=bearer(login_token)
    )
    assert created.status_code == 201
    secret, token_id = created.json()["token"], created.json()["details"]["id"]
    listed = await api.client.get("/api/tokens", headers=bearer(secret))
    assert {t["name"] for t in listed.json()} == {"login", "kodi"}
    assert secret not in listed.text
    revoked = await api.client.delete(f"/api/tokens/{token_id}", headers=bearer(login_token))
    assert revoked.status_code == 204
    assert (await api.client.get("/api/tokens", headers=bearer(secret))).status_code == 401
    again = await api.client.delete(f"/api/tokens/{token_id}", headers=bearer(login_token))
    assert again.status_code == 404


async def test_plain_users_see_only_their_libraries(api: Api) -> None:
    admin = await api.token_for("root", is_admin=True)
    made = [
        await api.client.post(
            "/api/libraries",
            json={"name": name, "kind": kind, "paths": [f"/media/{name}/"]},
            headers=bearer(admin),
        )
        for name, kind in (("Movies", "movies"), ("Shows", "tv"))
    ]
    assert [m.status_code for m in made] == [201, 201]
    movies, shows = (m.json()["id"] for m in made)
    assert made[0].json()["paths"] == ["/media/Movies"]
    user = await api.token_for("kid")
    kid_id = (await api.client.get("/api/users/me", headers=bearer(user))).json()["id"]
    grant = await api.client.put(
        f"/api/users/{kid_id}/libraries", json={"library_ids": [shows]}, headers=bearer(admin)
    )
    assert grant.json()["library_ids"] == [shows]
    listed = await api.client.get("/api/libraries", headers=bearer(user))
    assert [lib["name"] for lib in listed.json()] == ["Shows"]
    hidden = await api.client.get(f"/api/libraries/{movies}", headers=bearer(user))
    absent = await api.client.get("/api/libraries/999999", headers=bearer(user))
    assert (hidden.status_code, absent.status_code) == (404, 404)
    assert hidden.json()["detail"].replace(str(movies), "N") == absent.json()["detail"].replace(
        "999999", "N"
    )
    all_libraries = await api.client.get("/api/libraries", headers=bearer(admin))
    assert len(all_libraries.json()) == 2


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "X", "kind": "movies", "paths": ["relative/path"]}, 422, "paths"),
        ({"name": "X", "kind": "movies", "paths": ["/a/../etc"]}, 422, "paths"),
        ({"name": "X", "kind": "music", "paths": ["/a"]}, 422, "body.kind"),
        ({"name": "X", "kind": "movies", "paths": []}, 422, "body.paths"),
        ({"name": "X", "kind": "movies", "paths": ["/a"], "extra": 1}, 422, "body.extra"),
    ],
)
async def test_library_input_is_validated(
    api: Api, body: dict[str, object], status: int, field: str
) -> None:
    admin = await api.token_for("root", is_admin=True)
    response = await api.client.post("/api/libraries", json=body, headers=bearer(admin))
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_duplicate_names_conflict(api: Api) -> None:
    admin = await api.token_for("root", is_admin=True)
    body = {"name": "Movies", "kind": "movies", "paths": ["/m"]}
    assert (await api.client.post("/api/libraries", json=body, headers=bearer(admin))).is_success
    again = await api.client.post("/api/libraries", json=body, headers=bearer(admin))
    assert again.status_code == 409
    user = await api.client.post(
        "/api/users", json={"username": "root", "password": PASSWORD}, headers=bearer(admin)
    )
    assert user.status_code == 409


async def test_admins_manage_accounts(api: Api) -> None:
    admin = await api.token_for("root", is_admin=True)
    short = await api.client.post(
        "/api/users", json={"username": "dave", "password": "short"}, headers=bearer(admin)
    )
    assert short.status_code == 422
    assert short.json()["errors"] == [{"field": "password", "message": short.json()["detail"]}]
    created = await api.client.post(
        "/api/users", json={"username": "dave", "password": PASSWORD}, headers=bearer(admin)
    )
    dave = created.json()["id"]
    me = (await api.client.get("/api/users/me", headers=bearer(admin))).json()["id"]
    assert (await api.client.delete(f"/api/users/{me}", headers=bearer(admin))).status_code == 422
    assert (await api.client.delete(f"/api/users/{dave}", headers=bearer(admin))).status_code == 204
    assert (await api.client.get(f"/api/users/{dave}", headers=bearer(admin))).status_code == 404


async def test_initial_admin_from_settings(database_url: str, tmp_path: Path) -> None:
    settings = settings_for(
        database_url,
        tmp_path,
        initial_admin_username="owner",
        initial_admin_password=SecretStr(PASSWORD),
    )
    for _ in range(2):  # the second start finds an account and creates nothing
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            users = await app.state.services.users.list_users()
    assert [(u.username, u.is_admin) for u in users] == [("owner", True)]


# -- the web page's routes (not in the OpenAPI document): every one classified as well ----------

PUBLIC_PAGES = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),  # without a login, it has nothing to end
    # The setup wizard's first step: while there is no account only, from the server's own
    # machine or with the setup code (tests/test_setup_web.py); the login page afterwards.
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("POST", "/setup/code"),
}
ADMIN_PAGES = {
    # The setup wizard's steps after the first admin, who is logged in by then.
    ("GET", "/setup/metadata"),
    ("POST", "/setup/metadata"),
    ("GET", "/setup/providers"),
    ("POST", "/setup/providers"),
    ("GET", "/setup/libraries"),
    ("POST", "/setup/libraries"),
    ("POST", "/setup/finish"),
    ("GET", "/admin"),
    ("GET", "/admin/libraries"),
    ("POST", "/admin/libraries"),
    ("GET", "/admin/libraries/{library_id}"),
    ("POST", "/admin/libraries/{library_id}"),
    ("POST", "/admin/libraries/{library_id}/delete"),
    ("POST", "/admin/libraries/{library_id}/scan"),
    ("POST", "/admin/libraries/{library_id}/write-back"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{user_id}/libraries"),
    ("POST", "/admin/users/{user_id}/password"),
    ("POST", "/admin/users/{user_id}/delete"),
    ("GET", "/admin/settings"),
    ("POST", "/admin/settings"),
    ("POST", "/admin/settings/reset"),
    ("GET", "/admin/jobs"),
    ("GET", "/admin/jobs/{job_id}"),
    ("POST", "/admin/jobs/{job_id}/cancel"),
    ("GET", "/admin/unmatched"),
    ("GET", "/admin/items/{item_id}/match"),
    ("POST", "/admin/items/{item_id}/match"),
    ("GET", "/admin/items/{item_id}/edit"),
    ("POST", "/admin/items/{item_id}/edit"),
    ("POST", "/admin/items/{item_id}/unlock"),
    ("GET", "/admin/items/{item_id}/images"),
    ("POST", "/admin/items/{item_id}/images/{kind}"),
    ("POST", "/admin/items/{item_id}/images/{kind}/upload"),
    ("GET", "/admin/sessions"),
    ("POST", "/admin/sessions/{session_id}/stop"),
}
VIEWER_PAGES = {
    ("GET", "/"),
    ("GET", "/libraries/{library_id}"),
    ("GET", "/libraries/{library_id}/collections"),
    ("GET", "/collections/{collection_id}"),
    ("GET", "/movies/{movie_id}"),
    ("GET", "/series/{series_id}"),
    ("GET", "/seasons/{season_id}"),
    ("GET", "/episodes/{episode_id}"),
    ("GET", "/people/{person_id}"),
    ("GET", "/search"),
    ("POST", "/items/{item_id}/played"),
    ("POST", "/items/{item_id}/favourite"),
    ("GET", "/favourites"),
    ("GET", "/history"),
    ("GET", "/account"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{token_id}/revoke"),
    ("POST", "/account/password"),
    # The player: its page, and what its script calls (problem+json rather than pages).
    ("GET", "/items/{item_id}/play"),
    ("POST", "/items/{item_id}/play"),
    ("POST", "/items/{item_id}/progress"),
    ("POST", "/playback/sessions/{session_id}/stop"),
}
#: Called by the page's scripts: a stranger gets 401, not the login page.
SCRIPT_PAGES = {
    ("POST", "/items/{item_id}/play"),
    ("POST", "/items/{item_id}/progress"),
    ("POST", "/playback/sessions/{session_id}/stop"),
}


def page_routes(app: FastAPI) -> dict[tuple[str, str], PageRoute]:
    """Every route of the web page, by method and path."""
    return {
        (method, route.path): route
        for route in app.routes
        if isinstance(route, PageRoute)
        for method in route.methods
    }


async def test_every_page_route_is_classified(api: Api) -> None:
    routes = page_routes(api.app)
    assert set(routes) == PUBLIC_PAGES | ADMIN_PAGES | VIEWER_PAGES
    assert {key for key, route in routes.items() if isinstance(route, ScriptRoute)} == SCRIPT_PAGES


async def _csrf_cookie(api: Api) -> str:
    await api.client.get("/login", follow_redirects=True)  # the setup wizard, with no account
    return api.client.cookies["reelhouse_csrf"]


@pytest.mark.parametrize(("method", "path"), sorted(ADMIN_PAGES | VIEWER_PAGES))
async def test_strangers_are_sent_to_log_in(api: Api, method: str, path: str) -> None:
    data = {"csrf": await _csrf_cookie(api)} if method == "POST" else None
    response = await api.client.request(method, concrete(path), data=data)
    if (method, path) in SCRIPT_PAGES:
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"] == PROBLEM_JSON
    else:
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(("method", "path"), sorted(ADMIN_PAGES))
async def test_plain_users_are_refused_admin_pages(api: Api, method: str, path: str) -> None:
    await api.services.users.create_user("plain", PASSWORD)
    token = await _csrf_cookie(api)
    login = {"csrf": token, "username": "plain", "password": PASSWORD, "next": "/"}
    assert (await api.client.post("/login", data=login)).status_code == 303
    data = {"csrf": api.client.cookies["reelhouse_csrf"]} if method == "POST" else None
    response = await api.client.request(method, concrete(path), data=data)
    assert response.status_code == 403, (method, path)
