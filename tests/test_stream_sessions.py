"""HLS sessions against real ffmpeg on files it made: every segment decodes and they join into
the whole file; a seek restarts the encoder at its segment; idle sessions, closed managers and
failed encoders leave no process; the caps, the pacing and the folder's byte budget hold."""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest

from reelhouse.config import MediaSettings, StreamingSettings
from reelhouse.errors import BusyError, NotFoundError, ProgramFailedError
from reelhouse.infra.media.hls import AudioEncode, HlsJob, VideoEncode
from reelhouse.infra.media.keyframes import keyframe_positions
from reelhouse.kinds import ItemKind
from reelhouse.playback.decision import Mode
from reelhouse.playback.streaming.manager import SessionManager
from reelhouse.playback.streaming.metrics import StreamingMetrics
from reelhouse.playback.streaming.playlists import media_playlist
from reelhouse.playback.streaming.segments import SegmentMap, remux_cuts, transcode_cuts
from reelhouse.playback.streaming.session import SessionOwner, SessionPlaylists, StreamSession
from reelhouse.testing.media import hevc_hdr10_mkv, long_h264_ac3_mkv
from tests.jobs_support import eventually

SECONDS = 20
#: The test video's frame duration (25 fps): how closely the joined segments must match.
FRAME_S = 1 / 25
#: MPEG-TS timestamps start 1.4 s in (ffmpeg's default mux delay), in every run alike.
TS_OFFSET_S = 1.4


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return long_h264_ac3_mkv(tmp_path_factory.mktemp("media"), seconds=SECONDS)


def transcode_job(path: Path) -> HlsJob:
    return HlsJob(
        path=str(path),
        video_index=0,
        video=VideoEncode(width=160, height=90, bitrate=300_000, preset="ultrafast"),
        audio_index=1,
        audio=AudioEncode(channels=2, bitrate=96_000),
    )


def remux_job(path: Path) -> HlsJob:
    return HlsJob(
        path=str(path),
        video_index=0,
        video=None,
        audio_index=1,
        audio=AudioEncode(channels=2, bitrate=96_000),
    )


def owner(user_id: int = 1, mode: Mode = Mode.TRANSCODE) -> SessionOwner:
    return SessionOwner(
        user_id=user_id,
        item_id=7,
        item_kind=ItemKind.MOVIE,
        item_title="Test Pattern",
        file_id=9,
        mode=mode,
    )


def playlists(segments: SegmentMap) -> SessionPlaylists:
    return SessionPlaylists(master="", media=media_playlist(segments, "{number:05d}.ts"))


@pytest.fixture
async def manager_of(tmp_path: Path) -> AsyncIterator[Any]:
    made: list[SessionManager] = []

    def build(media: MediaSettings | None = None, **settings: Any) -> SessionManager:
        manager = SessionManager(
            tmp_path / "transcodes",
            media or MediaSettings(),
            StreamingSettings(**settings),
            StreamingMetrics(),
        )
        made.append(manager)
        return manager

    yield build
    for manager in made:
        await manager.close()


async def open_session(
    manager: SessionManager, job: HlsJob, segments: SegmentMap, user_id: int = 1
) -> StreamSession:
    return await manager.open(owner(user_id), job, segments, playlists(segments))


def ffmpeg_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.name() == "ffmpeg"]


def probe(path: Path) -> dict[str, Any]:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    found: dict[str, Any] = json.loads(output)
    return found


def decodes_cleanly(path: Path) -> str:
    """ffmpeg's complaints decoding the whole file (empty: none)."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def join(playlist: Path, joined: Path) -> Path:
    """The playlist's segments copied into one file, as a player reads them."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(playlist), "-map", "0", "-c", "copy", str(joined)],
        check=True,
        capture_output=True,
    )
    return joined


def video_packets(path: Path) -> int:
    counted = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return int(counted.split()[0])


async def remux_segments(video: Path, segment_s: int = 6) -> SegmentMap:
    keyframes = await keyframe_positions(
        "ffprobe", str(video), 0, timeout_s=30, niceness=0, max_output=10**7
    )
    return remux_cuts(keyframes, SECONDS, segment_s)


@pytest.mark.parametrize("mode", [Mode.REMUX, Mode.TRANSCODE])
async def test_segments_decode_and_join_into_the_whole_file(
    manager_of: Any, video: Path, mode: Mode, tmp_path: Path
) -> None:
    if mode is Mode.REMUX:
        job, segments = remux_job(video), await remux_segments(video)
        # A keyframe every 2 s (the first frame at 6 ms), segments of at least 6 s.
        assert segments.cuts == pytest.approx((0.0, 6.0, 12.0, 18.0), abs=FRAME_S)
    else:
        job, segments = transcode_job(video), transcode_cuts(SECONDS, 6)
        assert segments.cuts == (0, 6, 12, 18)
    manager = manager_of()
    session = await open_session(manager, job, segments)
    paths = [await session.segment(n) for n in range(segments.count)]
    for number, path in enumerate(paths):
        decodes_cleanly(path)
        found = probe(path)
        video_stream = next(s for s in found["streams"] if s["codec_type"] == "video")
        start = float(video_stream["start_time"]) - TS_OFFSET_S
        assert start == pytest.approx(segments.cuts[number], abs=FRAME_S)
        assert video_stream["codec_name"] == "h264"
        assert (video_stream["width"], video_stream["height"]) == (
            (320, 180) if mode is Mode.REMUX else (160, 90)
        )
    # The media playlist as a player reads it, segments beside it: ffmpeg joins them.
    listed = session.folder / "play.m3u8"
    listed.write_text(session.playlists.media)
    joined = join(listed, tmp_path / "joined.ts")
    whole = probe(joined)
    assert video_packets(joined) == SECONDS * 25, "every frame once: no gap, no overlap"
    video_whole = next(s for s in whole["streams"] if s["codec_type"] == "video")
    assert float(video_whole["duration"]) == pytest.approx(SECONDS, abs=FRAME_S)
    assert sum(segments.durations()) == pytest.approx(SECONDS)


async def test_a_seek_restarts_the_encoder_at_its_segment(manager_of: Any, video: Path) -> None:
    segments = transcode_cuts(SECONDS, 2)
    manager = manager_of(segments_ahead=2, restart_distance=1)
    # An encoder slow enough (about 4 s for the 20 s, on one thread) to be paused long before
    # the far segment: at 160x90 it made all of them in 0.2 s, before a loaded machine's event
    # loop heard of the first, and the seek found the far one made.
    slower = VideoEncode(width=640, height=360, bitrate=1_000_000, preset="medium")
    job = replace(transcode_job(video), video=slower, threads=1)
    session = await open_session(manager, job, segments)
    await session.segment(0)
    (first,) = ffmpeg_children()
    assert "-ss" not in first.cmdline()
    far = segments.count - 2
    path = await session.segment(far)
    assert not first.is_running() or first.status() == psutil.STATUS_ZOMBIE
    (second,) = ffmpeg_children()
    command = second.cmdline()
    assert float(command[command.index("-ss") + 1]) == pytest.approx(segments.cuts[far])
    assert command[command.index("-segment_start_number") + 1] == str(far)
    started = float(probe(path)["format"]["start_time"]) - TS_OFFSET_S
    assert started == pytest.approx(segments.cuts[far], abs=0.1)
    assert 1 not in session.made, "what lies between was never made"
    # Back to the start: made before, so served from the folder, with no new encoder.
    assert await session.segment(0) == session.path(0)
    assert {p.pid for p in ffmpeg_children()} <= {second.pid}


async def test_an_encoder_far_ahead_is_paused_until_the_player_nears(
    manager_of: Any, video: Path
) -> None:
    segments = transcode_cuts(SECONDS, 2)
    manager = manager_of(segments_ahead=2)
    session = await open_session(manager, transcode_job(video), segments)
    await session.segment(0)

    async def paused() -> bool | None:
        return True if session.status().paused else None

    await eventually(paused, within_s=30, what="the encoder to pause")
    assert max(session.made) <= 3
    (encoder,) = ffmpeg_children()
    assert encoder.status() == psutil.STATUS_STOPPED
    await session.segment(3)
    assert not session.status().paused
    assert await session.segment(segments.count - 1) == session.path(segments.count - 1)


async def test_idle_sessions_end_with_their_process_and_folder(
    manager_of: Any, video: Path
) -> None:
    segments = transcode_cuts(SECONDS, 2)
    manager = manager_of(segments_ahead=1, idle_timeout_s=0.5, reap_interval_s=0.05)
    session = await open_session(manager, transcode_job(video), segments)
    await session.segment(0)
    (encoder,) = ffmpeg_children()
    assert session.folder.is_dir()

    async def ended() -> bool | None:
        return True if not manager.statuses() else None

    await eventually(ended, within_s=10, what="the idle session to end")
    assert not psutil.pid_exists(encoder.pid)
    assert not ffmpeg_children()
    assert not session.folder.exists()
    with pytest.raises(NotFoundError):
        manager.get(session.id, 1)
    assert manager.bytes == 0


async def test_closing_stops_every_encoder_and_removes_the_folder(
    manager_of: Any, video: Path, tmp_path: Path
) -> None:
    manager = manager_of(segments_ahead=1, max_sessions=3)
    for user in (1, 2):
        segments = transcode_cuts(SECONDS, 2)
        session = await open_session(manager, transcode_job(video), segments, user)
        await session.segment(0)
    assert len(ffmpeg_children()) == 2
    await manager.close()
    assert not ffmpeg_children()
    assert list((tmp_path / "transcodes").iterdir()) == []


async def test_caps_on_sessions_overall_and_per_user(manager_of: Any, video: Path) -> None:
    manager = manager_of(max_sessions=2, max_sessions_per_user=1, busy_retry_after_s=17)
    segments = transcode_cuts(SECONDS, 6)
    first = await open_session(manager, transcode_job(video), segments, user_id=1)
    again = await open_session(manager, transcode_job(video), segments, user_id=1)
    with pytest.raises(NotFoundError):
        manager.get(first.id, 1)  # the user's older session made room for the new one
    assert manager.get(again.id, 1) is again
    await open_session(manager, transcode_job(video), segments, user_id=2)
    with pytest.raises(BusyError) as refused:
        await open_session(manager, transcode_job(video), segments, user_id=3)
    assert refused.value.retry_after_s == 17
    assert manager.metrics.value("reelhouse_stream_sessions_refused_total") == 1
    with pytest.raises(NotFoundError):
        manager.get(again.id, 2)  # someone else's session is no session at all
    with pytest.raises(NotFoundError):
        await again.segment(segments.count)


async def test_a_failing_ffmpeg_is_restarted_once_then_fails_clearly(
    manager_of: Any, video: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'Invalid data found when processing input' >&2\nexit 1\n")
    broken.chmod(0o755)
    manager = manager_of(MediaSettings(ffmpeg_path=str(broken)), max_restarts=1)
    session = await open_session(manager, transcode_job(video), transcode_cuts(SECONDS, 6))
    with pytest.raises(ProgramFailedError, match="Invalid data found"):
        await session.segment(0)
    assert session.failures == 2
    assert manager.metrics.value("reelhouse_ffmpeg_failures_total", mode="transcode") == 2
    with pytest.raises(ProgramFailedError):
        await session.segment(1)  # no third try
    assert session.failures == 2


async def test_the_folder_keeps_to_its_budget(manager_of: Any, video: Path) -> None:
    manager = manager_of(folder_max_bytes=1)
    segments = transcode_cuts(SECONDS, 2)
    session = await open_session(manager, transcode_job(video), segments)
    await session.segment(0)

    async def all_made() -> bool | None:
        return True if len(session.made) == segments.count else None

    # The encoder runs to the end before the player moves on: the player's moves alone must
    # then keep the folder within its budget.
    await eventually(all_made, within_s=60, what="every segment to be made")
    for number in range(1, 5):
        await session.segment(number)
    assert min(session.made) >= 4, "what the player has passed is deleted first"
    on_disk = {p.name for p in session.folder.glob("*.ts")}
    assert {f"{n:05d}.ts" for n in session.made} <= on_disk
    assert not {f"{n:05d}.ts" for n in range(4)} & on_disk
    assert manager.bytes == sum(session.made.values())
    # Back to a deleted one: made again (by an encoder started there), not waited for.
    again = await session.segment(1)
    assert again.stat().st_size > 0
    decodes_cleanly(again)


async def test_folders_of_dead_processes_are_removed_and_live_ones_kept(
    manager_of: Any, video: Path, tmp_path: Path
) -> None:
    root = tmp_path / "transcodes"
    living = manager_of()
    await open_session(living, transcode_job(video), transcode_cuts(SECONDS, 6))
    (living_folder,) = root.iterdir()
    dead = root / "4242-deadbeef"
    (dead / "session").mkdir(parents=True)
    (dead / "session" / "00001.ts").write_bytes(b"x" * 100)
    (dead / ".lock").touch()
    unrelated = root / "keep me"
    unrelated.mkdir()
    other = manager_of()
    await open_session(other, transcode_job(video), transcode_cuts(SECONDS, 6), user_id=2)
    names = {p.name for p in root.iterdir()}
    assert dead.name not in names
    assert {living_folder.name, "keep me"} < names
    assert len(names) == 3


async def test_hdr_is_tone_mapped_to_sdr_for_h264(manager_of: Any, tmp_path: Path) -> None:
    source = hevc_hdr10_mkv(tmp_path)
    job = HlsJob(
        path=str(source),
        video_index=0,
        video=VideoEncode(width=320, height=180, bitrate=500_000, preset="ultrafast", tonemap=True),
        audio_index=None,
        audio=None,
    )
    session = await open_session(manager_of(), job, transcode_cuts(2, 6))
    found = probe(await session.segment(0))
    (stream,) = found["streams"]
    assert (stream["codec_name"], stream["pix_fmt"]) == ("h264", "yuv420p")
    assert stream["color_transfer"] == "bt709"  # the source's is smpte2084 (PQ)
