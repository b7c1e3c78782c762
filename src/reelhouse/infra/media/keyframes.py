"""Where a file's video has keyframes: where a remux (video copied) can cut its segments.

ffprobe lists the video stream's packets with their flags, which reads the whole file once
(demuxing, no decoding): seconds for a film on a local disk, more on a slow share, hence the
caller's timeout and keeping the answer per version of the file.
"""

from __future__ import annotations

from reelhouse.errors import ProgramFailedError
from reelhouse.infra.media.files import INPUT_OPTIONS, input_url, regular_file_size
from reelhouse.infra.media.process import run_program


def keyframes_argv(program: str, path: str, video_index: int) -> list[str]:
    return [
        program,
        *("-v", "error", *INPUT_OPTIONS),
        *("-select_streams", str(video_index)),
        *("-show_entries", "packet=pts_time,flags:format=start_time", "-of", "csv=p=1"),
        input_url(path),
    ]


async def keyframe_positions(
    program: str,
    path: str,
    video_index: int,
    *,
    timeout_s: float,
    niceness: int,
    max_output: int,
) -> list[float]:
    """Seconds from the file's start of each keyframe of stream `video_index`, in order."""
    await regular_file_size(path)  # refuses what is not a regular file
    output = await run_program(
        keyframes_argv(program, path, video_index),
        timeout_s=timeout_s,
        niceness=niceness,
        max_output=max_output,
    )
    return parse_keyframes(output.stdout.decode("ascii", "replace"))


def parse_keyframes(text: str) -> list[float]:
    """The keyframe positions in ffprobe's CSV (`packet,<pts>,<flags>` lines and one
    `format,<start_time>`); packets without a time are skipped."""
    start = 0.0
    times: set[float] = set()
    for line in text.splitlines():
        section, _, rest = line.partition(",")
        if section == "format":
            start = _number(rest) or 0.0
        elif section == "packet":
            pts, _, flags = rest.partition(",")
            time = _number(pts)
            if time is not None and flags.startswith("K"):
                times.add(time)
    if not times and text.strip():
        raise ProgramFailedError("ffprobe", "listed no keyframe in the video stream")
    return sorted(max(0.0, t - start) for t in times)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
