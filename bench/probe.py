"""Probe throughput, printed as JSON.

Files per second and mean wall milliseconds per file through `Prober.probe` at concurrency 1 and
2 (and at 1 without `nice`, to show what the wrapper costs), against a baseline measured in the
same run: the very ffprobe commands the Prober runs for each file (the container description,
plus the first-frame read of PQ streams), run bare and sequentially with `subprocess.run`. The
target is the Prober at concurrency 1 within 10% of the baseline. The files are copies of the
four test samples (made with ffmpeg), so a probe is mostly ffprobe's own start-up. Each variant
runs `--rounds` times, interleaved, and the best round counts: the machine is shared.
Run: ``python bench/probe.py [--files 40] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from reelhouse.config.media import MediaSettings
from reelhouse.infra.media.ffprobe import Prober, frames_argv, probe_argv
from reelhouse.playback.facts import HdrKind
from reelhouse.testing import media

TARGET_OVERHEAD = 0.10


def make_files(folder: Path, count: int) -> list[Path]:
    samples = [
        media.h264_aac_mp4(folder),
        media.h264_ac3_two_languages_mkv(folder),
        media.hevc_hdr10_mkv(folder),
        media.mkv_with_subtitles(folder),
    ]
    copies = []
    for number in range(count):
        sample = samples[number % len(samples)]
        copy = folder / f"copy_{number:03d}{sample.suffix}"
        shutil.copyfile(sample, copy)
        copies.append(copy)
    return copies


async def commands_of(files: list[Path], program: str) -> list[list[str]]:
    """The ffprobe commands a Prober runs for these files."""
    prober = Prober(MediaSettings(ffprobe_path=program))
    commands = []
    for path in files:
        facts = await prober.probe(str(path))
        commands.append(probe_argv(program, str(path)))
        commands.extend(
            frames_argv(program, str(path), video.index)
            for video in facts.video
            if video.hdr in (HdrKind.HDR10, HdrKind.HDR10_PLUS)
        )
    return commands


def bare(commands: list[list[str]]) -> float:
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


async def through_prober(files: list[Path], settings: MediaSettings) -> float:
    prober = Prober(settings)
    start = time.perf_counter()
    await asyncio.gather(*(prober.probe(str(path)) for path in files))
    return time.perf_counter() - start


def rates(seconds: float, files: int) -> dict[str, float]:
    return {
        "files_per_s": round(files / seconds, 1),
        "ms_per_file": round(seconds / files * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    program = shutil.which("ffprobe")
    if program is None:
        raise SystemExit("ffprobe is not installed")
    variants = {
        "prober_concurrency_1": MediaSettings(ffprobe_path=program, probe_concurrency=1),
        "prober_concurrency_2": MediaSettings(ffprobe_path=program, probe_concurrency=2),
        "prober_concurrency_1_not_niced": MediaSettings(
            ffprobe_path=program, probe_concurrency=1, process_niceness=0
        ),
    }
    with tempfile.TemporaryDirectory(prefix="bench_probe_") as folder:
        files = make_files(Path(folder), args.files)
        commands = asyncio.run(commands_of(files, program))
        best = dict.fromkeys(["ffprobe_bare_sequential", *variants], float("inf"))
        for _ in range(args.rounds):
            best["ffprobe_bare_sequential"] = min(best["ffprobe_bare_sequential"], bare(commands))
            for name, settings in variants.items():
                best[name] = min(best[name], asyncio.run(through_prober(files, settings)))

    baseline = best["ffprobe_bare_sequential"]
    overhead = best["prober_concurrency_1"] / baseline - 1
    print(
        json.dumps(
            {
                "files": len(files),
                "ffprobe_calls": len(commands),
                "rounds": args.rounds,
                **{name: rates(seconds, len(files)) for name, seconds in best.items()},
                "prober_concurrency_1_overhead": round(overhead, 3),
                "target_overhead": TARGET_OVERHEAD,
                "target_met": overhead <= TARGET_OVERHEAD,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
