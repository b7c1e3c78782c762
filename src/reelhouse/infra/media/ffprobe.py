"""Probing a media file with ffprobe: what streams, chapters and HDR it has.

One ffprobe call reads the container's description (`-show_format -show_streams -show_chapters`,
no `-count_frames`: it would decode the whole file). HDR10+ is only visible in the frames, so a
second call reads the first frame of a stream, and only of a PQ stream: folding `-show_frames
-read_intervals %+#1` into the first call costs about the same on a small file, but decodes a
frame of every file (tens of milliseconds on 4K HEVC) and reads whichever stream's packet comes
first, which need not be the video.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from pathlib import PurePath

from reelhouse.config.media import MediaSettings
from reelhouse.infra.media.ffprobe_json import has_hdr10_plus, parse_probe
from reelhouse.infra.media.files import INPUT_OPTIONS, input_url, regular_file_size
from reelhouse.infra.media.process import run_program
from reelhouse.playback.facts import HdrKind, MediaFacts


def probe_argv(program: str, path: str) -> list[str]:
    """The container description of `path`, as JSON."""
    return [
        program,
        "-v",
        "error",
        *INPUT_OPTIONS,
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        "-show_chapters",
        "-i",
        input_url(path),
    ]


def frames_argv(program: str, path: str, stream_index: int) -> list[str]:
    """The side data of the first frame of stream `stream_index` of `path`, as JSON."""
    return [
        program,
        "-v",
        "error",
        *INPUT_OPTIONS,
        "-print_format",
        "json",
        "-select_streams",
        str(stream_index),
        "-read_intervals",
        "%+#1",
        "-show_frames",
        "-show_entries",
        "frame=side_data_list",
        "-i",
        input_url(path),
    ]


class Prober:
    """Probes files with the settings' ffprobe, at most `probe_concurrency` at once per Prober."""

    def __init__(self, settings: MediaSettings) -> None:
        self._settings = settings
        self._limit = asyncio.Semaphore(settings.probe_concurrency)

    @property
    def available(self) -> bool:
        """Whether the ffprobe program is there: found on PATH, or an executable path."""
        return shutil.which(self._settings.ffprobe_path) is not None

    async def probe(self, path: str) -> MediaFacts:
        """The facts of the regular file at `path`. Raises `NotFoundError` / `InvalidInputError`
        for a missing or irregular file, and the `ProgramError`s: unavailable, timed out, failed
        (a corrupt, truncated or empty file, with ffprobe's reason)."""
        size = await regular_file_size(path)
        output = await self._run(probe_argv(self._settings.ffprobe_path, path))
        facts = parse_probe(output, size=size, extension=PurePath(path).suffix)
        return await self._with_hdr10_plus(facts, path)

    async def _with_hdr10_plus(self, facts: MediaFacts, path: str) -> MediaFacts:
        """HDR10 streams whose first frame carries HDR10+ metadata are HDR10+."""
        video = list(facts.video)
        for position, stream in enumerate(video):
            if stream.hdr is HdrKind.HDR10:
                frames = await self._run(
                    frames_argv(self._settings.ffprobe_path, path, stream.index)
                )
                if has_hdr10_plus(frames):
                    video[position] = dataclasses.replace(stream, hdr=HdrKind.HDR10_PLUS)
        return dataclasses.replace(facts, video=tuple(video))

    async def _run(self, argv: list[str]) -> bytes:
        output = await run_program(
            argv,
            timeout_s=self._settings.probe_timeout_s,
            niceness=self._settings.process_niceness,
            max_output=self._settings.probe_max_output_bytes,
            limit=self._limit,
        )
        return output.stdout
