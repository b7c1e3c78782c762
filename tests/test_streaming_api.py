"""Playback plans and HLS sessions over HTTP, on both databases: a library of real files made by
ffmpeg (an MP4 a browser plays, an MKV with AC-3 it must remux, an HEVC file it must transcode,
a truncated file), scanned, enriched and probed by the real pipeline, then planned and streamed
by their owner, and refused to everyone else."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from reelhouse.config import Settings, StreamingSettings
from reelhouse.content.catalogue.models import MediaFileItem
from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.libraries.models import MediaFile
from reelhouse.playback.profiles import WEB_PROFILE
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.media import h264_aac_mp4, long_h264_ac3_mkv, long_hevc_mkv, truncated
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled
from tests.support import Api, bearer
from tests.test_web import csrf, log_in

SECONDS = 12


@dataclass
class Streaming:
    api: Api
    admin: dict[str, str]
    viewer: dict[str, str]
    #: Another user who may see the library too.
    other: dict[str, str]
    item: dict[str, int]
    settings: Settings

    async def plan(self, key: str, headers: dict[str, str] | None = None, **query: int) -> dict:
        response = await self.api.client.get(
            f"/api/items/{self.item[key]}/playback-info",
            params=query,
            headers=headers or self.viewer,
        )
        assert response.status_code == 200, response.text
        found: dict = response.json()
        return found


@asynccontextmanager
async def streaming(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    sections: dict[str, object] | None = None,
    **limits: object,
) -> AsyncIterator[Streaming]:
    """The library of test media, played by "viewer" (and "other") with `limits` on streaming
    and other settings `sections`."""
    films = [t for t in fake.catalogue.library_titles() if not t.series]
    root = tmp_path / "library"

    def folder(n: int) -> Path:
        made = root / f"{films[n].title} ({films[n].year}) [tmdbid-{films[n].provider_id}]"
        made.mkdir(parents=True)
        return made

    name = [f"{f.title} ({f.year})" for f in films]
    paths = {
        "mp4": h264_aac_mp4(folder(0), f"{name[0]}.mp4"),
        "mkv": long_h264_ac3_mkv(folder(1), f"{name[1]}.mkv", seconds=SECONDS),
        "hevc": long_hevc_mkv(folder(2), f"{name[2]}.mkv", seconds=SECONDS),
    }
    paths["broken"] = truncated(paths["mkv"], folder(3), f"{name[3]}.mkv")
    settings = pipeline_settings(
        provider_settings,
        database_url,
        tmp_path / "data",
        streaming=StreamingSettings(segment_s=4, **limits),  # type: ignore[arg-type]
        **(sections or {}),
    )
    async with running_server(settings) as (api, admin):
        library = await add_library(api, admin, "Movies", "movies", root)
        scan = await api.client.post(f"/api/libraries/{library}/scan", headers=admin)
        assert scan.status_code == 202, scan.text
        await settled(api)
        async with api.services.users.database.read() as session:
            rows = await session.execute(
                select(MediaFile.path, MediaFileItem.item_id).join(
                    MediaFileItem, MediaFileItem.media_file_id == MediaFile.id
                )
            )
            by_path = {path: item for path, item in rows}

        async def user(name: str) -> dict[str, str]:
            token = bearer(await api.token_for(name))
            me = await api.client.get("/api/users/me", headers=token)
            granted = await api.client.put(
                f"/api/users/{me.json()['id']}/libraries",
                json={"library_ids": [library]},
                headers=admin,
            )
            assert granted.status_code == 200, granted.text
            return token

        items = {key: by_path[str(path)] for key, path in paths.items()}
        viewer, other = await user("viewer"), await user("other")
        yield Streaming(api, admin, viewer, other, items, settings)


async def test_plans_sessions_and_segments(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    async with streaming(provider_settings, database_url, tmp_path, fake) as played:
        client = played.api.client

        direct = await played.plan("mp4")
        assert (direct["mode"], direct["reasons"], direct["session_id"]) == ("direct", [], None)
        assert direct["url"] == f"/api/items/{played.item['mp4']}/stream?file={direct['file_id']}"
        assert direct["video"]["action"] == direct["audio"]["action"] == "copy"

        remux = await played.plan("mkv")
        assert remux["mode"] == "remux"
        assert remux["reasons"] == ["ContainerNotSupported", "AudioCodecNotSupported"]
        assert (remux["video"]["action"], remux["audio"]["action"]) == ("copy", "transcode")
        assert [(t["language"], t["channels"]) for t in remux["audio_tracks"]] == [
            ("eng", 2),
            ("ger", 6),
        ]
        (subtitle,) = remux["subtitle_tracks"]
        assert (
            subtitle["url"]
            == f"/api/items/{played.item['mkv']}/subtitles/0.vtt?file={remux['file_id']}"
        )
        vtt = await client.get(subtitle["url"], headers=played.viewer)
        assert vtt.text.startswith("WEBVTT")

        master = await client.get(remux["url"], headers=played.viewer)
        assert master.status_code == 200
        assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
        assert "RESOLUTION=320x180" in master.text
        # x264's ultrafast makes Constrained Baseline; 320x180 at 25 fps is level 1.2.
        assert 'CODECS="avc1.42400c,mp4a.40.2"' in master.text
        media_url = remux["url"].replace("master.m3u8", "main.m3u8")
        assert master.text.splitlines()[-1] == "main.m3u8"
        media = await client.get(media_url, headers=played.viewer)
        segments = [line for line in media.text.splitlines() if not line.startswith("#")]
        durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", media.text)]
        assert segments == [f"segments/{n}.ts" for n in range(len(durations))]
        assert sum(durations) == pytest.approx(SECONDS, abs=0.05)
        assert media.text.rstrip().endswith("#EXT-X-ENDLIST")
        base = remux["url"].rsplit("/", 1)[0]
        last = await client.get(f"{base}/{segments[-1]}", headers=played.viewer)
        assert last.status_code == 200
        assert last.headers["content-type"] == "video/mp2t"
        assert last.content[0] == 0x47  # an MPEG-TS sync byte
        beyond = await client.get(f"{base}/segments/{len(segments)}.ts", headers=played.viewer)
        assert beyond.status_code == 404

        transcode = await played.plan("hevc", max_height=144)
        assert transcode["mode"] == "transcode"
        assert "VideoCodecNotSupported" in transcode["reasons"]
        assert transcode["video"]["codec"] == "h264"
        assert transcode["video"]["height"] == 144
        first = await client.get(
            transcode["url"].replace("master.m3u8", "segments/0.ts"), headers=played.viewer
        )
        assert first.status_code == 200
        assert first.content[0] == 0x47

        # Someone else's session is none at all; the admin sees and may end every one.
        assert (await client.get(remux["url"], headers=played.other)).status_code == 404
        assert (await client.delete(base, headers=played.other)).status_code == 404
        listed = await client.get("/api/playback/sessions", headers=played.admin)
        assert {(s["id"], s["mode"]) for s in listed.json()} == {
            (remux["session_id"], "remux"),
            (transcode["session_id"], "transcode"),
        }
        assert (await client.delete(base, headers=played.viewer)).status_code == 204
        assert (await client.get(remux["url"], headers=played.viewer)).status_code == 404

        # The admin page lists who plays what, and stops it.
        await log_in(played.api, "root", is_admin=True)
        page = await client.get("/admin/sessions")
        assert page.status_code == 200
        (row,) = re.findall(r'<tr class="session">.*?</tr>', page.text, re.DOTALL)
        assert "viewer" in row
        assert 'class="session-mode">transcode<' in row
        stop = f"/admin/sessions/{transcode['session_id']}/stop"
        assert stop in row
        stopped = await client.post(stop, data={"csrf": csrf(client)})
        assert stopped.status_code == 303
        assert played.api.services.streaming.statuses() == []

        metrics = (await client.get("/metrics", headers=played.admin)).text
        for mode in ("direct", "remux", "transcode"):
            assert f'reelhouse_playback_sessions_total{{mode="{mode}"}} 1.0' in metrics
        assert 'reelhouse_stream_sessions_active{mode="remux"} 0.0' in metrics


async def test_what_cannot_be_played_gets_a_clear_error(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    async with streaming(
        provider_settings, database_url, tmp_path, fake, max_sessions=1, busy_retry_after_s=9
    ) as played:
        client = played.api.client
        broken = await client.get(
            f"/api/items/{played.item['broken']}/playback-info", headers=played.viewer
        )
        assert broken.status_code == 422
        assert broken.headers["content-type"] == PROBLEM_JSON
        assert "cannot be played" in broken.json()["detail"]
        assert str(tmp_path) not in broken.text  # where the library lies is not the viewer's

        no_track = await client.get(
            f"/api/items/{played.item['mkv']}/playback-info",
            params={"audio": 5},
            headers=played.viewer,
        )
        assert no_track.status_code == 422
        text_burn = await client.post(
            f"/api/items/{played.item['mkv']}/playback-info",
            json={"burn_subtitle": 0},
            headers=played.viewer,
        )
        assert text_burn.status_code == 422
        hostile = await client.post(
            f"/api/items/{played.item['mkv']}/playback-info",
            json={"profile": {"containers": ["mp4"] * 10_000}},
            headers=played.viewer,
        )
        assert hostile.status_code == 422

        # A device that plays MKV with AC-3 gets the file itself.
        kodi = WEB_PROFILE.model_dump(mode="json")
        kodi["containers"] = [*kodi["containers"], "mkv"]
        kodi["audio_codecs"] = [*kodi["audio_codecs"], {"codec": "ac3", "max_channels": 6}]
        plan = await client.post(
            f"/api/items/{played.item['mkv']}/playback-info",
            json={"profile": kodi},
            headers=played.viewer,
        )
        assert plan.json()["mode"] == "direct", plan.text

        # One streaming slot: the next session of another user waits its turn.
        await played.plan("hevc")
        busy = await client.get(
            f"/api/items/{played.item['hevc']}/playback-info", headers=played.other
        )
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "9"
