"""Extracting one embedded text subtitle stream with ffmpeg, in its own format.

The stream is copied when a subtitle file format holds it as it is (SubRip, ASS, WebVTT), and
converted to SubRip when none does (mov_text, raw text); turning it into WebVTT is the caller's
job, with the subtitle library that also reads external files.
"""

from __future__ import annotations

import asyncio

from reelhouse.config.media import MediaSettings
from reelhouse.errors import InvalidInputError
from reelhouse.infra.media.files import INPUT_OPTIONS, input_url, regular_file_size
from reelhouse.infra.media.process import run_program

#: ffprobe's codec name → (ffmpeg's subtitle codec option, output format), for every codec in
#: `ffprobe_json.TEXT_SUBTITLE_CODECS`.
OUTPUT_FORMATS: dict[str, tuple[str, str]] = {
    "subrip": ("copy", "srt"),
    "ass": ("copy", "ass"),
    "ssa": ("ass", "ass"),
    "webvtt": ("copy", "webvtt"),
    "mov_text": ("srt", "srt"),
    "text": ("srt", "srt"),
}


def extract_argv(program: str, path: str, stream_index: int, codec: str) -> list[str]:
    """ffmpeg writing stream `stream_index` of `path` to stdout in the format of `codec`."""
    if codec not in OUTPUT_FORMATS:
        raise InvalidInputError(
            f"{codec} subtitles are not text: they can only be burnt in", field="codec"
        )
    if stream_index < 0:
        raise InvalidInputError(f"no stream {stream_index}", field="stream_index")
    codec_option, output_format = OUTPUT_FORMATS[codec]
    return [
        program,
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        *INPUT_OPTIONS,
        "-i",
        input_url(path),
        "-map",
        f"0:{stream_index}",
        "-c:s",
        codec_option,
        "-f",
        output_format,
        "pipe:1",
    ]


async def extract_subtitle(
    settings: MediaSettings,
    path: str,
    stream_index: int,
    codec: str,
    *,
    limit: asyncio.Semaphore | None = None,
) -> bytes:
    """The subtitle stream `stream_index` (ffprobe's absolute index) of the regular file at
    `path`, whose codec ffprobe named `codec`, as a SubRip, ASS or WebVTT document. `limit` is
    the caller's cap on extractions at once. Raises `InvalidInputError` for an image codec, and
    the `ProgramError`s on ffmpeg's failure."""
    argv = extract_argv(settings.ffmpeg_path, path, stream_index, codec)
    await regular_file_size(path)  # refuses what is not a regular file
    output = await run_program(
        argv,
        timeout_s=settings.extract_timeout_s,
        niceness=settings.process_niceness,
        max_output=settings.extract_max_bytes,
        limit=limit,
    )
    return output.stdout
