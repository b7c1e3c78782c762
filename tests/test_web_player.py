"""The web player: hls.js vendored from the npm registry as the lockfile pins it; the player's
page routes in-process on both databases (the page, Play and Resume on the detail pages, asking
how to play, progress reports, the CSRF token, who may play what); and the player in a real
Chromium against the real server over a library the pipeline scanned and probed: an MP4 played
directly, an MKV with AC-3 remuxed, HEVC transcoded, each seeking and playing on, subtitles,
another audio track, the position kept and resumed, and the next episode at the end of one.

Screenshots are saved in tests/screenshots/ (ignored by git) for a person to look at."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from reelhouse.app import create_app
from reelhouse.config import Settings, WatchSettings, WebSettings
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.playback.profiles import WEB_PROFILE
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.media import external_srt, h264_aac_mp4, long_h264_ac3_mkv, long_hevc_mkv
from reelhouse.testing.server import ThreadedServer
from reelhouse.web.render import STATIC_DIR
from tests.browser_support import DESKTOP, PHONE, log_in_page, page_errors, shot
from tests.pipeline_support import (
    add_library,
    pipeline_settings,
    running_server,
    settled,
    stored_files,
)
from tests.support import PASSWORD, Api
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


async def play(api: Api, item_id: int, token: str | None = None, **fields: str) -> httpx.Response:
    """The player asking how to play an item, as its script does."""
    data = fields | (
        {"csrf": token if token is not None else csrf(api.client)} if token != "" else {}
    )
    return await api.client.post(f"/items/{item_id}/play", data=data)


def invalid_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [error["field"] for error in response.json()["errors"]]


async def test_asking_how_to_play_is_checked_at_the_edge(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    profile = WEB_PROFILE.model_dump_json()

    # Without the page's CSRF token nothing is opened.
    for token in ("", "x" * 43):
        refused = await play(api, catalogue.heat, token, profile=profile)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM_JSON

    # A profile that is not JSON, or not a profile, is a clear 422 naming what is wrong.
    assert invalid_fields(await play(api, catalogue.heat, profile="{not json")) == ["body.profile"]
    assert invalid_fields(await play(api, catalogue.heat)) == ["body.profile"]
    wrong = json.dumps(
        {"containers": ["mp4"], "video_codecs": [{"codec": "h264", "max_level": "41"}]}
    )
    fields = invalid_fields(await play(api, catalogue.heat, profile=wrong))
    assert "body.profile.video_codecs.0.max_level" in fields
    assert "body.profile.audio_codecs" in fields
    for name, value in (
        ("audio", "-1"),
        ("max_height", "100"),
        ("burn_subtitle", "x"),
        ("file", "0"),
    ):
        response = await play(api, catalogue.heat, profile=profile, **{name: value})
        assert invalid_fields(response) == [f"body.{name}"], name

    # A season is not played; an item Bob may not see does not exist for him.
    season = await play(api, catalogue.seasons[1], profile=profile)
    assert season.status_code == 404
    async with logged_in(api, "bob", is_admin=False) as (bob_api, bob):
        await api.services.users.set_user_libraries(bob.user.id, [catalogue.tv])
        hidden = await play(bob_api, catalogue.heat, profile=profile)
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == PROBLEM_JSON
        # Nor can he end a stream that is not his (or does not exist).
        stop = f"/playback/sessions/{'s' * 22}/stop"
        gone = await bob_api.client.post(stop, data={"csrf": csrf(bob_api.client)})
        assert gone.status_code == 404
        assert (await bob_api.client.post(stop, data={})).status_code == 403


# -- the player in a real Chromium, against the real server --------------------------------------

#: The test files last this long: long enough to seek 10 s and play on.
LONG_S = 20
#: A subtitle cue over the whole of the direct-play file, so that one shows wherever it is.
WHOLE_CUE = "1\n00:00:00,000 --> 00:00:20,000\nAll along.\n"
#: The server plays, probes and encodes on a busy two-core machine: generous waits.
PLAYER_TIMEOUT_MS = 60_000


@dataclass
class Films:
    direct: int
    remux: int
    transcode: int
    episodes: tuple[int, int]


def write_media(root: Path, fake: FakeProviders) -> dict[str, Path]:
    """Three films the fake TMDb knows (an MP4 with an external SubRip, an MKV with AC-3 in two
    languages and SubRip, an HEVC MKV with a local trailer) and two short episodes of a series
    TheTVDB knows."""
    titles = fake.catalogue.library_titles()
    films = [t for t in titles if not t.series][:3]
    show = next(t for t in titles if t.series)

    def folder(n: int) -> tuple[Path, str]:
        film = films[n]
        name = f"{film.title} ({film.year})"
        made = root / "Movies" / f"{name} [tmdbid-{film.provider_id}]"
        made.mkdir(parents=True)
        return made, name

    (mp4_dir, mp4_name), (mkv_dir, mkv_name), (hevc_dir, hevc_name) = (folder(n) for n in range(3))
    season = root / "TV" / f"{show.title} ({show.year}) [tvdbid-{show.provider_id}]" / "Season 01"
    season.mkdir(parents=True)
    direct = h264_aac_mp4(mp4_dir, f"{mp4_name}.mp4", seconds=LONG_S)
    external_srt(mp4_dir / f"{mp4_name}.en.srt", WHOLE_CUE, "utf-8")
    return {
        "direct": direct,
        "remux": long_h264_ac3_mkv(mkv_dir, f"{mkv_name}.mkv", seconds=LONG_S),
        "transcode": long_hevc_mkv(hevc_dir, f"{hevc_name}.mkv", seconds=LONG_S),
        "trailer": h264_aac_mp4(hevc_dir, f"{hevc_name}-trailer.mp4"),
        "episode1": h264_aac_mp4(season, f"{show.title} S01E01.mp4"),
        "episode2": h264_aac_mp4(season, f"{show.title} S01E02.mp4"),
    }


async def scanned(settings: Settings, root: Path, paths: dict[str, Path]) -> Films:
    """The library scanned, matched and probed by the real pipeline; each file's item."""
    async with running_server(settings) as (api, admin):
        libraries = []
        for name, kind in (("Movies", "movies"), ("TV", "tv")):
            libraries.append(await add_library(api, admin, name, kind, root / name))
            scan = await api.client.post(f"/api/libraries/{libraries[-1]}/scan", headers=admin)
            assert scan.status_code == 202, scan.text
            await settled(api)
        ann = await api.services.users.create_user("ann", PASSWORD, is_admin=False)
        await api.services.users.set_user_libraries(ann.id, libraries)
        stored = await stored_files(api)
    item = {key: stored[str(path)].item_id for key, path in paths.items()}
    return Films(
        item["direct"], item["remux"], item["transcode"], (item["episode1"], item["episode2"])
    )


async def player_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = await page.evaluate(
        """() => { const v = document.querySelector("video"); const p = window.reelhousePlayer;
          return {time: v.currentTime, paused: v.paused, seeking: v.seeking, ended: v.ended,
                  mode: p.info && p.info.mode, audio: p.info && p.info.audio && p.info.audio.number,
                  session: p.info && p.info.session_id}; }"""
    )
    return state


async def plays_past(page: Page, seconds: float) -> None:
    """Wait until the video is playing beyond `seconds` (the player starts it by itself: the
    test browser lets a page play without a click)."""
    await page.wait_for_function(
        "(t) => { const v = document.querySelector('video');"
        " return !v.paused && !v.seeking && v.currentTime > t; }",
        arg=seconds,
        timeout=PLAYER_TIMEOUT_MS,
    )


async def opened(page: Page, path: str, button: str | re.Pattern[str], mode: str) -> None:
    """Open a detail page, press its Play (or Resume) button, wait for the player to play the
    stream of `mode`."""
    await page.goto(path)
    await page.get_by_role("link", name=button).click()
    await expect(page.locator("[data-player]")).to_have_attribute(
        "data-mode", mode, timeout=PLAYER_TIMEOUT_MS
    )
    await plays_past(page, 0.5)


async def seeks_forward(page: Page) -> None:
    """→ skips 10 s: the video lands there and plays on."""
    before = (await player_state(page))["time"]
    await page.evaluate("document.activeElement.blur()")  # a menu keeps its arrows
    await page.keyboard.press("ArrowRight")
    await page.wait_for_function(
        "(t) => { const v = document.querySelector('video');"
        " return !v.seeking && v.currentTime >= t; }",
        arg=before + 9,
        timeout=PLAYER_TIMEOUT_MS,
    )
    landed = (await player_state(page))["time"]
    assert landed < before + 12, (before, landed)  # where it was asked to go, not beyond
    await plays_past(page, landed + 0.5)


async def shows_subtitles(page: Page, *, active: bool) -> None:
    """Pick the first subtitle track: its cues load (and one shows now, if `active`)."""
    menu = page.get_by_label("Subtitles")
    value = await menu.locator("option").nth(1).get_attribute("value")
    assert value
    await menu.select_option(value)
    await page.wait_for_function(
        "(active) => { const t = [...document.querySelector('video').textTracks]"
        ".find((t) => t.mode === 'showing');"
        " return t && t.cues && t.cues.length > 0 && (!active || t.activeCues.length > 0); }",
        arg=active,
        timeout=PLAYER_TIMEOUT_MS,
    )


async def until_shown(page: Page, path: str, text: str) -> None:
    """Open `path` again until it shows `text` (what a beacon sent as the last page was left
    may land after the next page was asked for)."""
    for _ in range(20):
        await page.goto(path)
        if text in await page.locator("main").inner_text():
            return
        await page.wait_for_timeout(250)
    raise AssertionError(f"{path} never showed {text!r}")


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_play_direct_remux_and_transcode_in_chromium(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    browser: Browser,
) -> None:
    root = tmp_path / "library"
    paths = write_media(root, fake)
    settings = pipeline_settings(
        provider_settings,
        database_url,
        tmp_path / "data",
        # Reports when paused and stopped only (none by the clock, within the test), so that
        # what is stored after leaving a page is the beacon's.
        web=WebSettings(
            progress_report_s=300, next_episode_countdown_s=1, player_heights=(1080, 144)
        ),
        # Short test files keep a resume point.
        watch=WatchSettings(min_resume_duration_s=0),
    )
    films = await scanned(settings, root, paths)
    with ThreadedServer(create_app(settings), lifespan="on", name="reelhouse") as server:
        context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
        context.set_default_timeout(30_000)
        page = await context.new_page()
        errors = page_errors(page)
        await log_in_page(page, "ann")

        # The MP4 plays as it is, with its external subtitles; it seeks, and pausing keeps the
        # position, which Resume starts from.
        await opened(page, f"/movies/{films.direct}", "▶ Play", "direct")
        assert await page.evaluate("Hls.version") == locked_hls_version()
        await expect(page.locator("[data-mode-label]")).to_have_text("Direct play")
        await shows_subtitles(page, active=True)
        await seeks_forward(page)
        await shot(page, "player-direct")
        await page.keyboard.press("Space")
        await page.wait_for_function("document.querySelector('video').paused")
        await expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
        paused_at = int((await player_state(page))["time"])
        await until_shown(page, f"/movies/{films.direct}", f"Resume from 0:{paused_at:02d}")
        await opened(page, f"/movies/{films.direct}", re.compile(r"^Resume from"), "direct")
        assert (await player_state(page))["time"] >= paused_at - 1
        # A quality cap under the file's 180 lines is a transcode, from where it was.
        at = (await player_state(page))["time"]
        await page.get_by_label("Quality").select_option("144")
        await expect(page.locator("[data-player]")).to_have_attribute(
            "data-mode", "transcode", timeout=PLAYER_TIMEOUT_MS
        )
        await plays_past(page, at)
        assert await page.evaluate("reelhousePlayer.info.video.height") == 144

        # The MKV's AC-3 is not for Chromium: remuxed with AAC; its German track is another
        # stream, from where it was.
        await opened(page, f"/movies/{films.remux}", "▶ Play", "remux")
        assert (await player_state(page))["session"]
        await shows_subtitles(page, active=False)
        await seeks_forward(page)
        at, old = (
            (await player_state(page))["time"],
            await page.evaluate("reelhousePlayer.info.url"),
        )
        german = page.get_by_label("Audio").locator("option", has_text="ger")
        await page.get_by_label("Audio").select_option(await german.get_attribute("value"))
        await page.wait_for_function(
            "() => window.reelhousePlayer.info.audio.number === 1", timeout=PLAYER_TIMEOUT_MS
        )
        await plays_past(page, at)
        assert (await player_state(page))["mode"] == "remux"
        # The stream it left is ended, not left to go idle.
        assert (await context.request.get(old)).status == 404
        await shot(page, "player-remux")

        # The HEVC film's local trailer plays on its own, directly, and leaves the film with
        # no resume point (its player reports no progress).
        await page.goto(f"/movies/{films.transcode}")
        await page.get_by_role("link", name="Play trailer 1").click()
        await expect(page.locator("[data-player]")).to_have_attribute(
            "data-mode", "direct", timeout=PLAYER_TIMEOUT_MS
        )
        await plays_past(page, 0.5)
        await expect(page.locator("h1")).to_contain_text("Trailer")
        await shot(page, "player-trailer")
        await page.goto(f"/movies/{films.transcode}")
        assert "Resume from" not in await page.locator("main").inner_text()

        # HEVC: transcoded; a seek lands where asked, the encoder restarting there.
        await opened(page, f"/movies/{films.transcode}", "▶ Play", "transcode")
        await seeks_forward(page)
        await shot(page, "player-transcode")
        await page.set_viewport_size(PHONE)
        await shot(page, "player-phone")
        await page.set_viewport_size(DESKTOP)
        # Leaving the page says where it stopped (a beacon as the page goes).
        left_at = (await player_state(page))["time"]
        await until_shown(page, f"/movies/{films.transcode}", "Resume from")
        resume = await page.get_by_role("link", name=re.compile("^Resume from")).inner_text()
        minutes, seconds = resume.removeprefix("Resume from ").split(":")
        assert left_at - 1 <= int(minutes) * 60 + int(seconds) <= left_at + 5, (resume, left_at)

        # An episode played to its end offers the next one, and plays it after the countdown.
        first, second = films.episodes
        await opened(page, f"/episodes/{first}", "▶ Play", "direct")
        next_up = page.locator(".next-episode")
        await expect(next_up).to_be_visible(timeout=PLAYER_TIMEOUT_MS)
        await shot(page, "player-next-episode")
        await expect(page).to_have_url(re.compile(rf"/items/{second}/play$"))
        await plays_past(page, 0.2)
        await until_shown(page, f"/episodes/{first}", "✓ Played")

        assert errors == []
        await context.close()
