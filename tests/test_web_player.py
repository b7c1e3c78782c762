"""The web player: hls.js vendored from the npm registry as the lockfile pins it; the player's
page routes in-process on both databases (the page, Play and Resume on the detail pages, progress
reports with the CSRF token, who may play what)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from reelhouse.config import WebSettings
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.web.render import STATIC_DIR
from tests.support import Api
from tests.test_watch_state import seed
from tests.test_web import csrf, log_in
from tests.test_web_watch import logged_in, page, viewer_of

ROOT = Path(__file__).resolve().parent.parent
VENDOR = STATIC_DIR / "vendor"
HLS_BUNDLE = VENDOR / "hls.light.min.js"


def locked_hls_version() -> str:
    """The hls.js version package-lock.json pins."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version: str = lock["packages"]["node_modules/hls.js"]["version"]
    return version


def test_the_vendored_hls_js_is_the_locked_version() -> None:
    version = locked_hls_version()
    package = json.loads((ROOT / "package.json").read_text())
    assert package["dependencies"]["hls.js"] == version  # pinned exactly, not a range
    # The bundle carries its version as the string `Hls.version` returns.
    assert f'"{version}"' in HLS_BUNDLE.read_text()
    assert f"| {version} |" in (VENDOR / "README.md").read_text()
    assert "Apache License" in (VENDOR / "hls.js.LICENSE").read_text()


async def test_the_player_files_are_served(api: Api) -> None:
    for path, kind in (
        ("player.js", "javascript"),
        ("player.css", "text/css"),
        ("vendor/hls.light.min.js", "javascript"),
    ):
        response = await api.client.get(f"/static/{path}")
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"]


# -- the page routes, in-process on both databases ---------------------------------------------


def attribute(html: str, name: str) -> str:
    """The value of the player's `data-<name>` attribute."""
    match = re.search(rf'data-{name}="([^"]*)"', html)
    assert match, f"no data-{name}"
    return match[1]


async def progress(
    api: Api, item_id: int, token: str | None = None, **fields: str
) -> httpx.Response:
    """The player's report, as its script sends it (a form with the page's CSRF token)."""
    data = fields | (
        {"csrf": token if token is not None else csrf(api.client)} if token != "" else {}
    )
    return await api.client.post(f"/items/{item_id}/progress", data=data)


async def test_the_detail_pages_offer_play_and_resume(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    ann = await viewer_of(api)
    heat = await page(api, f"/movies/{catalogue.heat}")
    assert f'<a class="button" href="/items/{catalogue.heat}/play">▶ Play</a>' in heat
    assert "Resume from" not in heat
    await api.services.watch.report_progress(
        ann.user.id, None, catalogue.heat, 3723.4, stopped=True
    )
    resumed = await page(api, f"/movies/{catalogue.heat}")
    assert f'href="/items/{catalogue.heat}/play?start=3723">Resume from 1:02:03</a>' in resumed
    # An episode with a file has the button; one without, a season and a series have none.
    episode = await page(api, f"/episodes/{catalogue.episodes[(1, 1)]}")
    assert f'href="/items/{catalogue.episodes[(1, 1)]}/play"' in episode
    unfiled = catalogue.episodes[(1, 4)]
    for path in (
        f"/episodes/{unfiled}",
        f"/seasons/{catalogue.seasons[1]}",
        f"/series/{catalogue.dark}",
    ):
        assert "▶ Play" not in await page(api, path), path


async def test_the_player_page_carries_what_its_script_needs(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    movie = await page(api, f"/items/{catalogue.heat}/play?start=3723")
    assert attribute(movie, "play-url") == f"/items/{catalogue.heat}/play"
    assert attribute(movie, "start") == "3723.0"
    assert attribute(movie, "csrf") == csrf(api.client)
    assert attribute(movie, "report-s") == str(WebSettings().progress_report_s)
    assert attribute(movie, "progress-url") == f"/items/{catalogue.heat}/progress"
    assert '<script src="/static/vendor/hls.light.min.js' in movie
    assert "<h1>Heat</h1>" in movie
    assert "Next episode" not in movie
    for height in WebSettings().player_heights:
        assert f'<option value="{height}">{height}p</option>' in movie

    # An episode offers the next one with a file (S1E4 has none), played or not.
    dark_1_3, dark_2_1 = catalogue.episodes[(1, 3)], catalogue.episodes[(2, 1)]
    ann = await viewer_of(api)
    await api.services.watch.set_played(ann.user.id, None, dark_2_1, played=True)
    episode = await page(api, f"/items/{dark_1_3}/play")
    assert f'<a class="button" href="/items/{dark_2_1}/play" data-next>Next episode</a>' in episode
    assert "Dark · S01E03" in episode
    assert "S02E01 · E1" in episode
    last = await page(api, f"/items/{catalogue.episodes[(2, 2)]}/play")
    assert "Next episode" not in last

    # A season is not played itself; nor is there a start before 0 or past a week.
    assert (await api.client.get(f"/items/{catalogue.seasons[1]}/play")).status_code == 422
    for start in ("-1", "nan", str(8 * 86_400)):
        refused = await api.client.get(f"/items/{catalogue.heat}/play?start={start}")
        assert refused.status_code == 400, start


async def test_progress_reports_reach_the_watch_state(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    ann = await viewer_of(api)

    # Without the page's CSRF token (or with another one) nothing is stored.
    for token in ("", "x" * 43):
        refused = await progress(api, catalogue.heat, token, position_s="1800")
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM_JSON
    assert (await api.services.watch.state(ann.user.id, None, catalogue.heat)).position_s is None

    playing = await progress(api, catalogue.heat, position_s="1800.5")
    assert playing.status_code == 204
    state = await api.services.watch.state(ann.user.id, None, catalogue.heat)
    assert state.position_s == 1800.5
    paused = await progress(api, catalogue.heat, position_s="2000", paused="true")
    assert paused.status_code == 204
    stopped = await progress(api, catalogue.heat, position_s="2400", stopped="true")
    assert stopped.status_code == 204
    assert (await api.services.watch.state(ann.user.id, None, catalogue.heat)).position_s == 2400
    ended = await progress(api, catalogue.heat, position_s=str(120 * 60), stopped="true")
    assert ended.status_code == 204
    state = await api.services.watch.state(ann.user.id, None, catalogue.heat)
    assert state.played
    assert state.position_s is None

    # The API's bounds, each invalid field named, as a script reads it.
    for bad in ({"position_s": "inf"}, {"position_s": str(8 * 86_400)}, {}, {"position_s": "x"}):
        invalid = await progress(api, catalogue.heat, **bad)
        assert invalid.status_code == 422, bad
        assert invalid.headers["content-type"] == PROBLEM_JSON
        assert [e["field"] for e in invalid.json()["errors"]] == ["body.position_s"]
    season = await progress(api, catalogue.seasons[1], position_s="10")
    assert season.status_code == 422

    # Bob sees the TV library only: Heat is not there for him, and his login is his own.
    async with logged_in(api, "bob", is_admin=False) as (bob_api, bob):
        await api.services.users.set_user_libraries(bob.user.id, [catalogue.tv])
        hidden = await progress(bob_api, catalogue.heat, position_s="60")
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == PROBLEM_JSON
        assert (await bob_api.client.get(f"/items/{catalogue.heat}/play")).status_code == 404
        episode = catalogue.episodes[(1, 1)]
        assert (await progress(bob_api, episode, position_s="600")).status_code == 204
        assert (await api.services.watch.state(bob.user.id, None, episode)).position_s == 600
        assert (await api.services.watch.state(ann.user.id, None, episode)).position_s is None

    # A stranger is asked to log in: a script gets 401, not the login page.
    api.client.cookies.delete("reelhouse_session")
    stranger = await progress(api, catalogue.heat, position_s="60")
    assert stranger.status_code == 401
    assert stranger.headers["content-type"] == PROBLEM_JSON
