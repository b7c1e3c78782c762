"""HLS remux and transcode through reelhouse's sessions against ffmpeg run by hand, as JSON.

For each case (remux of an H.264/AC-3 MKV; transcodes of it to 720p and to 1080p with the
default preset) the same ffmpeg command runs twice in the same run, interleaved, best of
`--rounds`:

- **by hand**: the command `hls_argv` builds, started with `subprocess.Popen`, timed to the
  first segment it lists on stdout and to its exit;
- **reelhouse**: a `SessionManager` session (what the API's segment route calls): the time
  until `segment(0)` returns, then every segment fetched in order as fast as they come.

Targets: time to first segment ≤ 1.2 times by hand, steady speed (media seconds per wall second over
the whole file) ≥ 0.95 times by hand. Also per session: ffmpeg's CPU (cores busy) and peak RSS,
and the server process's own CPU time and RSS growth while it serves the session.
Run: ``python bench/transcode.py [--seconds 60] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from reelhouse.config import LogSettings, MediaSettings, StreamingSettings
from reelhouse.infra.logging import configure_logging
from reelhouse.infra.media.hls import AudioEncode, HlsJob, VideoEncode, hls_argv
from reelhouse.infra.media.keyframes import keyframe_positions
from reelhouse.kinds import ItemKind
from reelhouse.playback.decision import Mode
from reelhouse.playback.streaming.manager import SessionManager
from reelhouse.playback.streaming.metrics import StreamingMetrics
from reelhouse.playback.streaming.playlists import media_playlist
from reelhouse.playback.streaming.segments import SegmentMap, remux_cuts, transcode_cuts
from reelhouse.playback.streaming.session import SessionOwner, SessionPlaylists
from reelhouse.testing.media import long_h264_ac3_mkv

TARGET_FIRST_SEGMENT = 1.2
TARGET_SPEED = 0.95
SETTINGS = StreamingSettings(segments_ahead=10_000)
MEDIA = MediaSettings()


def job(source: Path, height: int | None) -> HlsJob:
    """A remux (`height` None) or a transcode to `height` lines, as the service builds it."""
    audio = AudioEncode(channels=2, bitrate=2 * SETTINGS.audio_bitrate_per_channel)
    video = None
    if height is not None:
        width = height * 16 // 9
        bitrate = min(
            SETTINGS.max_video_bitrate, int(width * height * 25 * SETTINGS.bits_per_pixel)
        )
        video = VideoEncode(
            width=width, height=height, bitrate=bitrate, preset=SETTINGS.video_preset
        )
    return HlsJob(path=str(source), video_index=0, video=video, audio_index=1, audio=audio)


def by_hand(argv: list[str], duration: float) -> dict[str, float]:
    """The command run bare: seconds to its first listed segment and to its end."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True
    )
    assert process.stdout is not None
    first = None
    for line in process.stdout:
        if first is None and line.strip():
            first = time.perf_counter() - started
    process.wait()
    total = time.perf_counter() - started
    assert process.returncode == 0, process.returncode
    return {"first_segment_s": first or total, "speed": duration / total}


async def through_session(
    folder: Path, job_: HlsJob, segments: SegmentMap, mode: Mode
) -> dict[str, float]:
    manager = SessionManager(folder, MEDIA, SETTINGS, StreamingMetrics())
    me = psutil.Process()
    rss_before, cpu_before = me.memory_info().rss, me.cpu_times()
    owner = SessionOwner(
        user_id=1, item_id=1, item_kind=ItemKind.MOVIE, item_title="Bench", file_id=1, mode=mode
    )
    listed = SessionPlaylists(master="", media=media_playlist(segments, "{number}.ts"))
    session = await manager.open(owner, job_, segments, listed)
    started = time.perf_counter()
    await session.segment(0)
    first = time.perf_counter() - started
    (encoder,) = [p for p in me.children(recursive=True) if p.name() == "ffmpeg"]
    peak_rss = 0
    for number in range(1, segments.count):
        await session.segment(number)
        try:
            peak_rss = max(peak_rss, encoder.memory_info().rss)
            ffmpeg_cpu = encoder.cpu_times()
        except psutil.NoSuchProcess:
            pass
    total = time.perf_counter() - started
    cpu_after = me.cpu_times()
    server_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    rss_growth = me.memory_info().rss - rss_before
    await manager.close()
    return {
        "first_segment_s": first,
        "speed": segments.duration_s / total,
        "ffmpeg_cores_busy": (ffmpeg_cpu.user + ffmpeg_cpu.system) / total,
        "ffmpeg_peak_rss_mib": peak_rss / 2**20,
        "server_cpu_s": server_cpu,
        "server_rss_growth_mib": rss_growth / 2**20,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    configure_logging(LogSettings(level="warning"))  # to stderr: stdout is the JSON
    work = Path(tempfile.mkdtemp(prefix="reelhouse-transcode-"))
    try:
        source = long_h264_ac3_mkv(work, "source.mkv", seconds=args.seconds, size="1920x1080")
        keyframes = await keyframe_positions(
            MEDIA.ffprobe_path, str(source), 0, timeout_s=600, niceness=0, max_output=10**8
        )
        duration = float(args.seconds)
        cases = {
            "remux": (job(source, None), remux_cuts(keyframes, duration, SETTINGS.segment_s)),
            "transcode_720p": (job(source, 720), transcode_cuts(duration, SETTINGS.segment_s)),
            "transcode_1080p": (job(source, 1080), transcode_cuts(duration, SETTINGS.segment_s)),
        }
        results: dict[str, Any] = {}
        for name, (job_, segments) in cases.items():
            mode = Mode.REMUX if job_.video is None else Mode.TRANSCODE
            hand_runs, ours_runs = [], []
            for round_ in range(args.rounds):
                scratch = work / f"{name}-{round_}"
                scratch.mkdir()
                argv = hls_argv(shutil.which("ffmpeg") or "ffmpeg", job_, segments.cuts, 0, scratch)
                argv = ["nice", "-n", str(MEDIA.process_niceness), *argv]
                hand_runs.append(await asyncio.to_thread(by_hand, argv, duration))
                ours_runs.append(
                    await through_session(work / f"{name}-ours-{round_}", job_, segments, mode)
                )
            hand = {
                "first_segment_s": min(r["first_segment_s"] for r in hand_runs),
                "speed": max(r["speed"] for r in hand_runs),
            }
            ours = min(ours_runs, key=lambda r: r["first_segment_s"])
            ours["speed"] = max(r["speed"] for r in ours_runs)
            results[name] = {
                "segments": segments.count,
                "by_hand": hand,
                "reelhouse": ours,
                "first_segment_ratio": ours["first_segment_s"] / hand["first_segment_s"],
                "speed_ratio": ours["speed"] / hand["speed"],
                "meets_targets": ours["first_segment_s"]
                <= TARGET_FIRST_SEGMENT * hand["first_segment_s"]
                and ours["speed"] >= TARGET_SPEED * hand["speed"],
            }
        source_info = {
            "seconds": args.seconds,
            "size": "1920x1080",
            "video": "h264",
            "audio": "ac3",
        }
        targets = {"first_segment_ratio_max": TARGET_FIRST_SEGMENT, "speed_ratio_min": TARGET_SPEED}
        report = {
            "source": source_info,
            "preset": SETTINGS.video_preset,
            "segment_s": SETTINGS.segment_s,
            "cores": os.cpu_count(),
            "rounds": args.rounds,
            "targets": targets,
            "cases": results,
        }
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
