"""The web page in-process, on both databases: sessions and their cookies, CSRF, what a page
shows when things go wrong, who sees what, and the pieces the page's scripts fetch."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from reelhouse.app import create_app
from reelhouse.config import WebSettings
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.errors import AuthenticationError
from reelhouse.web.render import FRAGMENT_HEADER
from tests.support import PASSWORD, Api, bearer, settings_for
from tests.test_api_browse import HEAT_FILE, seed, store_probe_error
from tests.test_scan_jobs import finished, make_tree

FRAGMENT = {FRAGMENT_HEADER: "1"}


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies["reelhouse_csrf"]


async def log_in(api: Api, username: str, *, is_admin: bool = False) -> None:
    """Create an account and log the client in through the login form."""
    await api.services.users.create_user(username, PASSWORD, is_admin=is_admin)
    await api.client.get("/login")
    response = await api.client.post(
        "/login",
        data={"csrf": csrf(api.client), "username": username, "password": PASSWORD, "next": "/"},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"


async def test_a_stranger_is_sent_to_log_in_and_comes_back(api: Api) -> None:
    await api.services.users.create_user("ann", PASSWORD)
    first = await api.client.get("/libraries/7?sort=year")
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Flibraries%2F7%3Fsort%3Dyear"
    form = await api.client.get(first.headers["location"])
    assert 'name="next" value="/libraries/7?sort=year"' in form.text
    wrong = await api.client.post(
        "/login",
        data={"csrf": csrf(api.client), "username": "ann", "password": "nope", "next": "/x"},
    )
    assert wrong.status_code == 401
    assert 'value="ann"' in wrong.text  # what was typed stays, the password does not
    assert "nope" not in wrong.text
    assert "Wrong username or password" in wrong.text
    good = await api.client.post(
        "/login",
        data={"csrf": csrf(api.client), "username": "ann", "password": PASSWORD, "next": "/x"},
    )
    assert good.headers["location"] == "/x"
    cookies = good.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("reelhouse_session="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session
    assert "Secure" not in session  # plain HTTP
    assert "Max-Age=2592000" in session  # auth.session_ttl_s
    assert any(c.startswith("reelhouse_csrf=") and "SameSite=strict" in c for c in cookies)


async def test_login_goes_back_only_to_this_site(api: Api) -> None:
    await api.services.users.create_user("ann", PASSWORD)
    await api.client.get("/login")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = await api.client.post(
            "/login",
            data={"csrf": csrf(api.client), "username": "ann", "password": PASSWORD,
                  "next": target},
        )  # fmt: skip
        assert response.headers["location"] == "/", target


@pytest.fixture
async def https_api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    app = create_app(settings_for(database_url, tmp_path))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://test") as client:
            yield Api(app, client, app.state.services)


async def test_cookies_are_secure_over_https(https_api: Api) -> None:
    await log_in(https_api, "ann")
    page = await https_api.client.get("/account")
    assert page.status_code == 200
    await https_api.client.post("/logout", data={"csrf": csrf(https_api.client)})
    login = await https_api.client.get("/login")
    assert login.status_code == 200
    cookies = (await https_api.client.get("/login")).headers.get_list("set-cookie")
    assert all("Secure" in c for c in cookies)


async def test_every_change_needs_the_csrf_token_of_this_browser(api: Api) -> None:
    await log_in(api, "root", is_admin=True)
    form = {"name": "Films", "kind": "movies", "paths": "/srv/films"}
    missing = await api.client.post("/admin/libraries", data=form)
    forged = await api.client.post("/admin/libraries", data=form | {"csrf": "x" * 43})
    other_site = await api.client.post(
        "/admin/libraries",
        data=form | {"csrf": csrf(api.client)},
        headers={"Origin": "https://evil.example"},
    )
    for response in (missing, forged, other_site):
        assert response.status_code == 403
        assert "text/html" in response.headers["content-type"]
    assert await api.services.libraries.list() == []
    same_site = await api.client.post(
        "/admin/libraries",
        data=form | {"csrf": csrf(api.client)},
        headers={"Origin": "http://test"},
    )
    assert same_site.status_code == 303
    proxied = await api.client.post(
        "/admin/libraries",
        data=form | {"name": "Shows", "csrf": csrf(api.client)},
        headers={"Origin": "https://media.example", "X-Forwarded-Host": "media.example"},
    )
    assert proxied.status_code == 303  # a proxy that rewrote Host said which one the user saw
    names = [library.name for library in await api.services.libraries.list()]
    assert names == ["Films", "Shows"]


async def test_an_expired_session_goes_back_to_login_with_a_message(api: Api) -> None:
    await log_in(api, "ann")
    principal = await api.services.users.authenticate(api.client.cookies["reelhouse_session"])
    await api.services.users.logout(principal)  # as good as expired: the token is unusable
    page = await api.client.get("/account")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Faccount&expired=1"
    assert any(
        c.startswith('reelhouse_session="";') or c.startswith("reelhouse_session=;")
        for c in page.headers.get_list("set-cookie")
    )
    login = await api.client.get(page.headers["location"])
    assert "Your session has expired" in login.text
    # A script fetching a piece of a page gets 401, and reloads the page to get here.
    await log_in(api, "bob")
    principal = await api.services.users.authenticate(api.client.cookies["reelhouse_session"])
    await api.services.users.logout(principal)
    fragment = await api.client.get("/search?q=heat", headers=FRAGMENT)
    assert fragment.status_code == 401


async def test_pages_of_the_catalogue_and_a_friendly_404(api: Api) -> None:
    ids = await seed(api)
    await log_in(api, "root", is_admin=True)
    pages = {
        "/": "Recently added",
        f"/libraries/{ids['movies']}": "Heat",
        f"/movies/{ids['heat']}": "Vincent Hanna",
        f"/series/{ids['dark']}": "Season 1",
        f"/seasons/{ids['season']}": "Secrets",
        f"/episodes/{ids['episode']}": "Secrets",
        f"/people/{ids['pacino']}": "Heat",
        "/search?q=heat": "Heat",
    }
    for path, text in pages.items():
        response = await api.client.get(path)
        assert response.status_code == 200, path
        assert text in response.text, path
        assert response.headers["cache-control"] == "private, no-cache"
        assert "default-src 'self'" in response.headers["content-security-policy"]
    movie = (await api.client.get(f"/movies/{ids['heat']}")).text
    assert "Michael Mann" in movie
    assert "1.5 GB" in movie  # the file, with its size
    assert "trailer" in movie  # and the extra
    # The movie is now among what this browser opened last.
    assert "Continue exploring" in (await api.client.get("/")).text

    async with api.services.users.database.transaction() as session:
        await MovieRepository(session).soft_delete(ids["heat"])
    invalidation = CatalogueInvalidation(api.app.state.cache)
    await invalidation.items_changed([ItemRef(ids["heat"], ids["movies"])])
    gone = await api.client.get(f"/movies/{ids['heat']}")
    assert gone.status_code == 404
    assert "text/html" in gone.headers["content-type"]
    assert "This isn't here any more" in gone.text
    assert "Heat" not in (await api.client.get("/")).text  # nor among what was opened


async def test_grid_filters_sorts_and_cursors(api: Api) -> None:
    ids = await seed(api)
    await log_in(api, "root", is_admin=True)
    library = f"/libraries/{ids['movies']}"
    blank = await api.client.get(library, params={"genre": "", "year_min": "", "rating_min": ""})
    assert blank.status_code == 200
    titles = re.findall(r'class="tile-title">([^<]+)<', blank.text)
    assert titles == ["Alien", "Heat", "Memento", "The Thing", "Zodiac"]
    crime = await api.client.get(library, params={"genre": "Crime"})
    assert re.findall(r'class="tile-title">([^<]+)<', crime.text) == ["Heat"]
    assert '<option value="Crime" selected>' in crime.text
    unmatched = await api.client.get(library, params={"unmatched": "true", "sort": "year"})
    assert "Heat" not in re.findall(r'class="tile-title">([^<]+)<', unmatched.text)
    for bad in ({"sort": "runtime"}, {"year_min": "soon"}, {"cursor": "garbage"}):
        response = await api.client.get(library, params=bad)
        assert response.status_code in (400, 422), bad
        assert "text/html" in response.headers["content-type"]


async def test_the_grid_loads_more_in_pieces(database_url: str, tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path).model_copy(
        update={"web": WebSettings(page_size=2)}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            api = Api(app, client, app.state.services)
            ids = await seed(api)
            await log_in(api, "root", is_admin=True)
            path: str | None = f"/libraries/{ids['movies']}?sort=year&order=desc"
            seen: list[str] = []
            while path:
                piece = await client.get(path, headers=FRAGMENT)
                assert "<html" not in piece.text
                seen += re.findall(r'class="tile-title">([^<]+)<', piece.text)
                found = re.search(r'data-more href="([^"]+)"', piece.text)
                path = found[1].replace("&amp;", "&") if found else None
            assert seen == ["Heat", "Memento", "Zodiac", "The Thing", "Alien"]
            # The unmatched list pages the same way (Heat alone has provider ids).
            path = "/admin/unmatched"
            unmatched: list[str] = []
            while path:
                listed = await client.get(path)
                unmatched += re.findall(r'id="unmatched-\d+"><td><a [^>]+>([^<]+)<', listed.text)
                found = re.search(r'href="(/admin/unmatched\?movies_after=[^"]+)"', listed.text)
                path = found[1] if found else None
            assert unmatched == ["Alien", "Memento", "The Thing", "Zodiac"]


async def test_search_as_you_type_answers_with_results_only(api: Api) -> None:
    await seed(api)
    await log_in(api, "ann", is_admin=True)
    piece = await api.client.get("/search", params={"q": "hea"}, headers=FRAGMENT)
    assert piece.status_code == 200
    assert "<html" not in piece.text
    assert 'aria-label="Movies"' in piece.text
    assert "Heat" in piece.text
    nothing = await api.client.get("/search", params={"q": "zzqx"}, headers=FRAGMENT)
    assert "Nothing found" in nothing.text


async def test_a_form_the_services_refuse_keeps_what_was_typed(api: Api) -> None:
    await log_in(api, "root", is_admin=True)
    response = await api.client.post(
        "/admin/users",
        data={"csrf": csrf(api.client), "username": "newbie", "password": "short"},
    )
    assert response.status_code == 422
    assert 'value="newbie"' in response.text
    assert "short" not in response.text.replace("shortest", "")
    assert "a password has 8 to 1024 characters" in response.text
    library = await api.client.post(
        "/admin/libraries",
        data={"csrf": csrf(api.client), "name": "Films", "kind": "movies", "paths": "films/"},
    )
    assert library.status_code == 422
    assert 'value="Films"' in library.text
    assert ">films/</textarea>" in library.text
    assert "is not an absolute folder path" in library.text


async def test_libraries_can_be_added_edited_scanned_and_deleted(api: Api, tmp_path: Path) -> None:
    await log_in(api, "root", is_admin=True)
    token = {"csrf": csrf(api.client)}
    await api.client.post(
        "/admin/libraries", data=token | {"name": "Films", "kind": "movies", "paths": "/a\n/b/"}
    )
    (library,) = await api.services.libraries.list()
    assert library.paths == ("/a", "/b")
    edited = await api.client.post(
        f"/admin/libraries/{library.id}", data=token | {"name": "Cinema", "paths": str(tmp_path)}
    )
    assert edited.headers["location"] == "/admin/libraries?notice=library-saved"
    (library,) = await api.services.libraries.list()
    assert (library.name, library.paths) == ("Cinema", (str(tmp_path),))
    # Write-back: off until the form turns it on; then asked for from the page.
    page = await api.client.get(f"/admin/libraries/{library.id}")
    assert 'name="write_nfo"' in page.text
    assert "Write back now" not in page.text
    form = {"name": "Cinema", "paths": str(tmp_path), "write_nfo": "on", "nfo_watch_user": "ana"}
    await api.client.post(f"/admin/libraries/{library.id}", data=token | form)
    (library,) = await api.services.libraries.list()
    assert library.write_back.write_nfo
    assert not library.write_back.write_artwork
    assert library.write_back.nfo_watch_user == "ana"
    page = await api.client.get(f"/admin/libraries/{library.id}")
    assert "Write back now" in page.text
    written = await api.client.post(f"/admin/libraries/{library.id}/write-back", data=token)
    assert written.headers["location"] == "/admin/jobs?notice=write-back-queued"
    scanned = await api.client.post(f"/admin/libraries/{library.id}/scan", data=token)
    assert scanned.headers["location"] == "/admin/jobs?notice=scan-queued"
    jobs = await api.client.get("/admin/jobs?notice=scan-queued")
    assert "Scan queued" in jobs.text
    assert "libraries.scan" in jobs.text
    deleted = await api.client.post(f"/admin/libraries/{library.id}/delete", data=token)
    assert deleted.status_code == 303
    assert await api.services.libraries.list() == []


async def test_a_job_page_lists_the_items_that_failed(api: Api, tmp_path: Path) -> None:
    make_tree(tmp_path)  # three films and a broken link
    await log_in(api, "root", is_admin=True)
    library = await api.services.libraries.create("Films", "movies", [str(tmp_path)])  # type: ignore[arg-type]
    enqueued = await api.services.libraries.scan(library.id)
    token = bearer((await api.services.users.login("root", PASSWORD)).secret)
    await finished(api, token, enqueued.job.id)
    jobs = await api.client.get("/admin/jobs")
    assert f'href="/admin/jobs/{enqueued.job.id}">1 failed</a>' in jobs.text
    page = await api.client.get(f"/admin/jobs/{enqueued.job.id}")
    assert page.status_code == 200
    assert "Failed items (1 of 1)" in page.text
    assert f"{tmp_path}/Broken (2000).mkv" in page.text
    assert "broken_link" in page.text
    assert "new 3" in page.text
    missing = await api.client.get("/admin/jobs/987654")
    assert missing.status_code == 404
    assert "not found" in missing.text.lower()


async def test_plain_users_see_their_libraries_and_no_admin_page(api: Api) -> None:
    ids = await seed(api)
    await log_in(api, "kid")
    (kid,) = [u for u in await api.services.users.list_users() if u.username == "kid"]
    await api.services.users.set_user_libraries(kid.id, [ids["tv"]])
    home = await api.client.get("/")
    assert "Dark" in home.text
    assert "Heat" not in home.text
    assert (await api.client.get(f"/movies/{ids['heat']}")).status_code == 404
    for path in (
        "/admin/libraries",
        "/admin/jobs",
        "/admin/jobs/1",
        "/admin/unmatched",
        "/admin/users",
        "/admin/sessions",
        "/admin/settings",
    ):
        response = await api.client.get(path)
        assert response.status_code == 403, path
        assert "Not for you" in response.text
    assert (await api.client.get("/account")).status_code == 200


async def test_the_api_takes_the_login_cookie_for_reads_only(api: Api) -> None:
    await log_in(api, "ann")
    assert (await api.client.get("/api/users/me")).json()["username"] == "ann"
    created = await api.client.post("/api/tokens", json={"name": "by cookie"})
    assert created.status_code == 401  # a change needs a Bearer token, never the cookie
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://test"
    )
    async with anonymous:
        assert (await anonymous.get("/api/users/me")).status_code == 401


async def test_tokens_are_shown_once_and_revocable_from_the_account_page(api: Api) -> None:
    await log_in(api, "ann")
    made = await api.client.post("/account/tokens", data={"csrf": csrf(api.client), "name": "kodi"})
    secret = re.search(r'<code class="secret">(rh_[^<]+)</code>', made.text)
    assert secret
    me = await api.client.get("/api/users/me", headers=bearer(secret[1]))
    assert me.status_code == 200
    page = await api.client.get("/account")
    assert secret[1] not in page.text
    (token,) = [t for t in await api.services.users.list_tokens(
        await api.services.users.authenticate(secret[1])) if t.name == "kodi"]  # fmt: skip
    await api.client.post(f"/account/tokens/{token.id}/revoke", data={"csrf": csrf(api.client)})
    assert (await api.client.get("/api/users/me", headers=bearer(secret[1]))).status_code == 401


async def test_static_files_ship_with_the_package(api: Api) -> None:
    for name, kind in (("app.css", "text/css"), ("app.js", "javascript"), ("icon.svg", "svg")):
        response = await api.client.get(f"/static/{name}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]


async def test_logging_out_revokes_the_login(api: Api) -> None:
    await log_in(api, "ann")
    secret = api.client.cookies["reelhouse_session"]
    out = await api.client.post("/logout", data={"csrf": csrf(api.client)})
    assert out.headers["location"] == "/login"
    with pytest.raises(AuthenticationError):
        await api.services.users.authenticate(secret)


async def test_file_paths_are_shown_to_admins_only(api: Api) -> None:
    ids = await seed(api)
    await store_probe_error(api, ids["movies"])
    await log_in(api, "kid")
    (kid,) = [u for u in await api.services.users.list_users() if u.username == "kid"]
    await api.services.users.set_user_libraries(kid.id, [ids["movies"]])
    page = await api.client.get(f"/movies/{ids['heat']}")
    assert page.status_code == 200
    assert '<td class="path">Heat.mkv</td>' in page.text
    assert '<td class="path">t-trailer.mkv</td>' in page.text
    assert "/m/" not in page.text
    assert "Not readable</span>" in page.text
    assert "Invalid data" not in page.text

    await api.client.post("/logout", data={"csrf": csrf(api.client)})
    await log_in(api, "root", is_admin=True)
    page = await api.client.get(f"/movies/{ids['heat']}")
    assert f'<td class="path">{HEAT_FILE}</td>' in page.text
    assert "Invalid data found when processing input" in page.text
