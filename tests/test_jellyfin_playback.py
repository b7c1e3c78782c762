"""Playing through the Jellyfin-compatible API, driven by jellyfin-apiclient-python against a
real threaded server over real files made by ffmpeg (an MP4 a browser plays, an MKV with AC-3 a
browser needs remuxed, an HEVC file it needs transcoded), on both databases: PlaybackInfo with a
browser's and a TV's profile, the file with a range, HLS from the master playlist to a segment
ffprobe reads, a subtitle, and start/progress/stop reports seen through both APIs. Hostile
requests get a 4xx."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import requests
from jellyfin_apiclient_python import JellyfinClient

from reelhouse.app import create_app
from reelhouse.compat.jellyfin.ids import IdType, encode_id
from reelhouse.config import ServerSettings, Settings, WatchSettings
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.server import ThreadedServer
from tests.pipeline_support import add_library, settled
from tests.support import PASSWORD
from tests.test_jellyfin_api import SERIES, check, write_libraries
from tests.test_streaming_api import SECONDS, streaming

TICKS = 10_000_000
#: A browser's profile, as jellyfin-web builds one: MP4 with H.264 and AAC, HLS in MPEG-TS.
BROWSER: dict[str, Any] = {
    "Name": "browser",
    "MaxStreamingBitrate": 120_000_000,
    "DirectPlayProfiles": [
        {"Container": "mp4,m4v", "Type": "Video", "VideoCodec": "h264,vp9",
         "AudioCodec": "aac,mp3"},
    ],
    "TranscodingProfiles": [
        {"Container": "ts", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac,mp3",
         "Protocol": "hls", "Context": "Streaming", "MaxAudioChannels": "2"},
    ],
    "CodecProfiles": [
        {"Type": "Video", "Codec": "h264", "Conditions": [
            {"Condition": "LessThanEqual", "Property": "VideoLevel", "Value": "51"},
            {"Condition": "EqualsAny", "Property": "VideoProfile",
             "Value": "high|main|baseline|constrained baseline"},
            {"Condition": "LessThanEqual", "Property": "VideoBitDepth", "Value": "8"},
            {"Condition": "NotEquals", "Property": "IsAnamorphic", "Value": "true"},
        ]},
        {"Type": "VideoAudio", "Codec": "aac", "Conditions": [
            {"Condition": "LessThanEqual", "Property": "AudioChannels", "Value": "6"},
        ]},
    ],
    "SubtitleProfiles": [{"Format": "vtt", "Method": "External"}],
    "UnknownField": {"ignored": True},
}  # fmt: skip
#: A TV's: Matroska and MP4 with H.264 or HEVC, AAC and AC-3, SubRip shown from the file.
TV: dict[str, Any] = {
    "Name": "tv",
    "DirectPlayProfiles": [
        {"Container": "mkv,mp4", "Type": "Video", "VideoCodec": "h264,hevc",
         "AudioCodec": "aac,ac3,eac3"},
    ],
    "TranscodingProfiles": [
        {"Container": "ts", "Type": "Video", "VideoCodec": "h264,hevc", "AudioCodec": "aac,ac3",
         "Protocol": "hls"},
    ],
    "CodecProfiles": [
        {"Type": "Video", "Codec": "hevc", "Conditions": [
            {"Condition": "LessThanEqual", "Property": "VideoBitDepth", "Value": "10"},
        ]},
    ],
    "SubtitleProfiles": [{"Format": "subrip", "Method": "Embed"}],
}  # fmt: skip


def connect(url: str, username: str, device: str) -> JellyfinClient:
    client = JellyfinClient()
    client.config.app("reelhouse-tests", "0.1", "pytest", device)
    client.config.data["auth.ssl"] = False
    client.auth.connect_to_address(url)
    assert client.auth.login(url, username, PASSWORD)["AccessToken"]
    return client


async def in_thread(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(call, *args, **kwargs)


async def test_a_jellyfin_client_plays_with_resume(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    # Test files last seconds: resume points are kept from the first one.
    sections = {"watch": WatchSettings(min_resume_duration_s=0)}
    async with streaming(provider_settings, database_url, tmp_path, fake, sections) as played:
        ids = {key: encode_id(IdType.ITEM, row) for key, row in played.item.items()}
        files = {key: await _file_path(played, row) for key, row in played.item.items()}
        quiet = played.settings.model_copy(update={"server": ServerSettings(run_workers=False)})
        with ThreadedServer(create_app(quiet), lifespan="on") as server:
            viewer = await in_thread(connect, server.url, "viewer", "viewer-tv")
            other = await in_thread(connect, server.url, "other", "other-tv")
            jf = viewer.jellyfin
            await plays(server.url, jf, ids, files)
            await reports(server.url, jf, other.jellyfin, ids, played.viewer)
            await hostile(server.url, viewer.config.data["auth.token"], ids, other.jellyfin, jf)


async def _file_path(played: Any, row: int) -> Path:
    media = await played.api.services.playback.playable(row, None)
    return Path(media.path)


async def play_info(jf: JellyfinClient, item: str, profile: dict[str, Any], **query: Any) -> Any:
    """PlaybackInfo as the client asks for it, in Jellyfin's shape (its sources and their
    streams too: `PlaybackInfoResponse` in tests/data/jellyfin_schemas.json)."""
    info = await in_thread(jf.get_play_info, item, profile, **query)
    check("PlaybackInfoResponse", info)
    return info


async def plays(url: str, jf: Any, ids: dict[str, str], files: dict[str, Path]) -> None:
    # The MP4 plays as it is, with ranges, at the URL the client makes.
    info = await play_info(jf, ids["mp4"], BROWSER)
    (source,) = info["MediaSources"]
    assert (source["SupportsDirectPlay"], source["SupportsTranscoding"]) == (True, True)
    assert "TranscodingUrl" not in source
    assert "Path" not in source
    assert source["Container"] == "mp4"
    assert [s["Type"] for s in source["MediaStreams"]] == ["Video", "Audio"]
    video = source["MediaStreams"][0]
    assert (video["Codec"], video["Width"], video["Height"]) == ("h264", 320, 180)
    assert video["VideoRange"] == "SDR"
    assert info["PlaySessionId"]
    stream_url = jf.video_url(ids["mp4"], media_source_id=source["Id"])
    ranged = await in_thread(
        requests.get, stream_url, headers={"Range": "bytes=10-109"}, timeout=30
    )
    assert ranged.status_code == 206
    assert ranged.content == files["mp4"].read_bytes()[10:110]
    typed = await in_thread(
        requests.head, url + f"/Videos/{ids['mp4']}/stream.mp4", params={"Static": "true",
        "MediaSourceId": source["Id"], "api_key": jf.config.data["auth.token"]}, timeout=30,
    )  # fmt: skip
    assert typed.status_code == 200
    assert int(typed.headers["content-length"]) == files["mp4"].stat().st_size

    # The MKV: remuxed for a browser (AC-3 to AAC), by HLS that authenticates in its URLs.
    info = await play_info(jf, ids["mkv"], BROWSER)
    (source,) = info["MediaSources"]
    assert (source["SupportsDirectPlay"], source["SupportsDirectStream"]) == (False, False)
    assert source["TranscodingSubProtocol"] == "hls"
    assert source["TranscodingContainer"] == "ts"
    master_url = urljoin(url, source["TranscodingUrl"])
    assert f"PlaySessionId={info['PlaySessionId']}" in master_url
    assert "TranscodeReasons=ContainerNotSupported%2CAudioCodecNotSupported" in master_url
    audio = [s for s in source["MediaStreams"] if s["Type"] == "Audio"]
    assert [(a["Language"], a["Channels"], a["Codec"]) for a in audio] == [
        ("eng", 2, "ac3"),
        ("ger", 6, "ac3"),
    ]
    assert source["DefaultAudioStreamIndex"] == audio[0]["Index"]
    segment = await hls(master_url)
    assert segment["format"]["format_name"] == "mpegts"
    assert {s["codec_name"] for s in segment["streams"]} == {"h264", "aac"}

    (subtitle,) = [s for s in source["MediaStreams"] if s["Type"] == "Subtitle"]
    assert (subtitle["Codec"], subtitle["Language"]) == ("subrip", "eng")
    assert (subtitle["DeliveryMethod"], subtitle["IsTextSubtitleStream"]) == ("External", True)
    vtt = await in_thread(requests.get, urljoin(url, subtitle["DeliveryUrl"]), timeout=30)
    assert vtt.status_code == 200
    assert vtt.text.startswith("WEBVTT")
    assert "Hello there." in vtt.text
    # The same track by the shorter route, with the item's own id as its source.
    short = f"{url}/Videos/{ids['mkv']}/{ids['mkv']}/Subtitles/{subtitle['Index']}/Stream.vtt"
    again = await in_thread(
        requests.get, short, params={"api_key": jf.config.data["auth.token"]}, timeout=30
    )
    assert again.text == vtt.text

    # The second audio track asked for: still a remux, with that track.
    info = await play_info(jf, ids["mkv"], BROWSER, aid=audio[1]["Index"])
    assert info["MediaSources"][0]["DefaultAudioStreamIndex"] == audio[1]["Index"]

    # HEVC: transcoded to H.264 for a browser.
    info = await play_info(jf, ids["hevc"], BROWSER)
    (source,) = info["MediaSources"]
    assert "VideoCodecNotSupported" in source["TranscodingUrl"]
    video = source["MediaStreams"][0]
    assert (video["Codec"], video["BitDepth"]) == ("hevc", 10)
    segment = await hls(urljoin(url, source["TranscodingUrl"]))
    assert [s["codec_name"] for s in segment["streams"] if s["codec_type"] == "video"] == ["h264"]

    # A TV plays both files directly.
    for key in ("mkv", "hevc"):
        info = await play_info(jf, ids[key], TV)
        (source,) = info["MediaSources"]
        assert source["SupportsDirectPlay"] is True, (key, source)
        assert "TranscodingUrl" not in source
        if key == "mkv":
            (subtitle,) = [s for s in source["MediaStreams"] if s["Type"] == "Subtitle"]
            assert subtitle["DeliveryMethod"] == "External"


async def hls(master_url: str) -> dict[str, Any]:
    """Master playlist → media playlist → the first segment, probed; fetched as hls.js does,
    without headers: each URI carries the token and session of the one before."""
    master = await in_thread(requests.get, master_url, timeout=60)
    assert master.status_code == 200, master.text
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    media_uri = master.text.splitlines()[-1]
    assert media_uri.startswith("main.m3u8?")
    assert "ApiKey=" in media_uri
    media = await in_thread(requests.get, urljoin(master_url, media_uri), timeout=60)
    assert media.status_code == 200, media.text
    segments = [line for line in media.text.splitlines() if line and not line.startswith("#")]
    assert len(segments) == len([d for d in media.text.splitlines() if d.startswith("#EXTINF")])
    assert all("PlaySessionId=" in s for s in segments)
    first = await in_thread(requests.get, urljoin(master_url, segments[0]), timeout=120)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "video/mp2t"
    return probe_bytes(first.content)


def probe_bytes(data: bytes) -> dict[str, Any]:
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    )
    parsed: dict[str, Any] = json.loads(found.stdout)
    return parsed


async def reports(
    url: str, jf: Any, other: Any, ids: dict[str, str], native: dict[str, str]
) -> None:
    """Start, progress and stop: the resume point and played state through both APIs."""
    info = await play_info(jf, ids["mkv"], BROWSER)
    session = info["PlaySessionId"]
    source = info["MediaSources"][0]["Id"]
    master = urljoin(url, info["MediaSources"][0]["TranscodingUrl"])
    assert (await in_thread(requests.get, master, timeout=30)).status_code == 200
    report = {"ItemId": ids["mkv"], "MediaSourceId": source, "PlaySessionId": session}
    await in_thread(jf.session_playing, {**report, "PositionTicks": 0})
    await in_thread(jf.session_progress, {**report, "PositionTicks": 4 * TICKS, "IsPaused": True})
    await in_thread(
        requests.post, f"{url}/Sessions/Playing/Ping", params={"playSessionId": session,
        "api_key": jf.config.data["auth.token"]}, timeout=30,
    )  # fmt: skip
    half = SECONDS // 2
    await in_thread(jf.session_stop, {**report, "PositionTicks": half * TICKS})
    item = await in_thread(jf.get_item, ids["mkv"])
    assert item["UserData"]["PlaybackPositionTicks"] == half * TICKS
    assert item["UserData"]["Played"] is False
    row = int(ids["mkv"][16:], 16)
    async with httpx.AsyncClient(base_url=url, headers=native) as http:
        state = (await http.get(f"/api/me/items/{row}/state")).json()
        assert state["position_s"] == half
        assert state["played"] is False
        # The stop ended the HLS session.
        assert (await in_thread(requests.get, master, timeout=30)).status_code == 404
        resume = await in_thread(jf.get_resume_items)
        assert ids["mkv"] in [r["Id"] for r in resume["Items"]]

        # Stopped at the end of the MP4: played, through both APIs.
        info = await play_info(jf, ids["mp4"], BROWSER)
        ticks = info["MediaSources"][0]["RunTimeTicks"]
        stop = {
            "ItemId": ids["mp4"],
            "PlaySessionId": info["PlaySessionId"],
            "PositionTicks": ticks,
        }
        await in_thread(jf.session_playing, {**stop, "PositionTicks": 0})
        await in_thread(jf.session_stop, stop)
        assert (await in_thread(jf.get_item, ids["mp4"]))["UserData"]["Played"] is True
        mp4_row = int(ids["mp4"][16:], 16)
        assert (await http.get(f"/api/me/items/{mp4_row}/state")).json()["played"] is True
        # The other user's state is their own.
        assert (await in_thread(other.get_item, ids["mp4"]))["UserData"]["Played"] is False


async def hostile(url: str, token: str, ids: dict[str, str], other: Any, jf: Any) -> None:
    headers = {"Authorization": f'MediaBrowser Client="t", DeviceId="d", Token="{token}"'}
    info = await play_info(jf, ids["hevc"], BROWSER)
    session = info["PlaySessionId"]
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        playback = f"/Items/{ids['mkv']}/PlaybackInfo"
        for body in (
            {"DeviceProfile": "not a profile"},
            {"DeviceProfile": {"DirectPlayProfiles": "mp4"}},
            {"DeviceProfile": {"DirectPlayProfiles": [{"Container": "mp4;rm -rf"}]}},
            {"DeviceProfile": {"DirectPlayProfiles": [{"Container": "x" * 5000}]}},
            {"DeviceProfile": {"DirectPlayProfiles": [{"Type": "Video"}] * 1000}},
            {"MaxStreamingBitrate": "fast"},
            {"AudioStreamIndex": 2**70},
            [1, 2, 3],
        ):  # fmt: skip
            response = await http.post(playback, json=body)
            assert 400 <= response.status_code < 500, (body, response.text)
        broken = await http.post(playback, content=b'{"DeviceProfile": ', headers={
            "Content-Type": "application/json"})  # fmt: skip
        assert broken.status_code in (400, 422)
        unknown_source = encode_id(IdType.MEDIA_SOURCE, 999_999)
        for path, expected in (
            (f"{playback}?MediaSourceId={unknown_source}", 404),
            (f"{playback}?MediaSourceId={ids['mp4']}", 404),
            (f"{playback}?MediaSourceId=nonsense", 400),
            (f"{playback}?AudioStreamIndex=40", 422),
            (f"{playback}?SubtitleStreamIndex=40", 422),
        ):
            assert (await http.post(path, json={})).status_code == expected, path
        for path, expected in (
            (f"/Videos/{ids['mkv']}/{ids['mkv']}/Subtitles/40/Stream.vtt", 404),
            (f"/Videos/{ids['mkv']}/{ids['mkv']}/Subtitles/0/Stream.vtt", 404),  # the video
            (f"/Videos/{ids['mkv']}/{unknown_source}/Subtitles/3/Stream.vtt", 404),
            (f"/Videos/{ids['mkv']}/stream?MediaSourceId={unknown_source}", 404),
            (f"/Videos/{ids['mkv']}/master.m3u8", 400),
            (f"/Videos/{ids['mkv']}/master.m3u8?PlaySessionId=nothing-of-ours-at-all", 404),
        ):
            assert (await http.get(path)).status_code == expected, path
        # Another user's session is none at all.
        other_token = other.config.data["auth.token"]
        theirs = {"X-Emby-Token": other_token}
        hevc_master = f"/Videos/{ids['hevc']}/master.m3u8?PlaySessionId={session}"
        assert (await http.get(hevc_master, headers=theirs)).status_code == 404
        assert (await http.get(
            f"/Videos/{ids['hevc']}/segments/0.ts?PlaySessionId={session}", headers=theirs
        )).status_code == 404  # fmt: skip
        end = f"/Videos/ActiveEncodings?DeviceId=d&PlaySessionId={session}"
        assert (await http.delete(end, headers=theirs)).status_code == 404
        assert (await http.get(hevc_master)).status_code == 200
        assert (await http.delete(end)).status_code == 204
        assert (await http.get(hevc_master)).status_code == 404
        assert (await http.get("/Sessions")).json() == []
        # A client that plays MP4 only and no HLS: told as Jellyfin tells it, nothing started.
        mp4_only = {"DirectPlayProfiles": [{"Container": "mp4", "Type": "Video"}],
                    "TranscodingProfiles": []}  # fmt: skip
        huge_level = {
            "CodecProfiles": [
                {
                    "Type": "Video",
                    "Codec": "h264",
                    "Conditions": [
                        {
                            "Condition": "LessThanEqual",
                            "Property": "VideoLevel",
                            "Value": "99999999",
                        }
                    ],
                }
            ]
        }
        for profile in (mp4_only, huge_level):
            refused = await http.post(playback, json={"DeviceProfile": profile})
            assert refused.status_code == 200
            assert refused.json()["ErrorCode"] == "NoCompatibleStream"
            assert len(refused.json()["MediaSources"]) == 1  # described, not decided
            assert "TranscodingUrl" not in refused.json()["MediaSources"][0]
        assert (await http.get("/Sessions")).json() == []
        bad_report = await http.post("/Sessions/Playing/Progress", json={"PositionTicks": 5})
        assert bad_report.status_code == 400
        negative = await http.post(
            "/Sessions/Playing/Progress", json={"ItemId": ids["mkv"], "PositionTicks": -5}
        )
        assert negative.status_code == 422


SDK_CLIENT = Path(__file__).parent / "jellyfin_sdk" / "client.mjs"


async def test_the_official_typescript_sdk_browses_and_plays(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    """tests/jellyfin_sdk/client.mjs, on @jellyfin/sdk from the npm registry (`scripts/test`
    installs it), run by Node against the server; its summary checked here."""
    sections = {"watch": WatchSettings(min_resume_duration_s=0)}
    async with streaming(provider_settings, database_url, tmp_path, fake, sections) as played:
        tv_root = tmp_path / "browsed"
        write_libraries(tv_root, fake)
        tv = await add_library(played.api, played.admin, "TV", "tv", tv_root / "TV")
        scanned = await played.api.client.post(f"/api/libraries/{tv}/scan", headers=played.admin)
        assert scanned.status_code == 202
        await settled(played.api)
        viewer = await played.api.client.get("/api/users/me", headers=played.viewer)
        libraries = await played.api.services.users.get_user(viewer.json()["id"])
        await played.api.services.users.set_user_libraries(
            libraries.id, [*libraries.library_ids, tv]
        )
        ids = {key: encode_id(IdType.ITEM, row) for key, row in played.item.items()}
        quiet = played.settings.model_copy(update={"server": ServerSettings(run_workers=False)})
        with ThreadedServer(create_app(quiet), lifespan="on") as server:
            node = await asyncio.create_subprocess_exec(
                "node", str(SDK_CLIENT), server.url, "viewer", PASSWORD, SERIES,
                ids["mp4"], ids["mkv"], ids["hevc"],
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(node.communicate(), timeout=300)
    assert node.returncode == 0, err.decode()
    summary = json.loads(out)
    assert summary["user"] == "viewer"
    assert summary["views"] == ["movies", "tvshows"]
    assert summary["movieCount"] == len(played.item)
    assert len(set(summary["pagedMovies"])) == len(played.item)
    assert summary["series"] == [SERIES]
    assert summary["seasons"] >= 1
    assert summary["episodes"] == sorted(summary["episodes"])
    assert len(summary["episodes"]) >= 2
    assert summary["nextUp"] == [summary["secondEpisode"]]
    assert summary["searchFound"] is True
    assert summary["image"]["status"] == 200
    assert summary["image"]["type"].startswith("image/")
    plays = summary["plays"]
    assert plays["mp4:browser"]["direct"] is True
    assert plays["mp4:browser"]["stream"] == {"status": 206, "bytes": 100}
    for remuxed in ("mkv:browser", "hevc:browser"):
        assert plays[remuxed]["direct"] is False
        assert plays[remuxed]["master"] == "#EXTM3U"
        assert plays[remuxed]["afterStop"] == 404
    for direct in ("mp4:tv", "mkv:tv", "hevc:tv"):
        assert plays[direct]["direct"] is True, direct
        assert plays[direct]["stream"]["status"] == 206
    assert plays["mkv:tv"]["streams"] == ["Video", "Audio", "Audio", "Subtitle"]
    assert summary["resumeTicks"] == 5 * TICKS
    assert summary["played"] is False
