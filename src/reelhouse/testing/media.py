"""Real media made at test time with ffmpeg (lavfi test sources, a couple of seconds, small
frames): what the probe, direct play and subtitle tests read. Nothing here is committed as a
binary; each maker writes one file into a folder and returns its path."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

#: Seconds every sample lasts.
DURATION_S = 2

_SRT = """1
00:00:00,000 --> 00:00:01,000
{first}

2
00:00:01,000 --> 00:00:02,000
{second}
"""

_ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 320
PlayResY: 180

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,\
2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,{first}
Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{{\\i1}}{second}{{\\i0}}
"""

_CHAPTERS = """;FFMETADATA1
[CHAPTER]
TIMEBASE=1/1000
START=0
END=1000
title=Opening

[CHAPTER]
TIMEBASE=1/1000
START=1000
END=2000
title=Ending
"""


def ffmpeg_program() -> str:
    """ffmpeg on PATH (the test command installs Debian's package when it is missing)."""
    found = shutil.which("ffmpeg")
    if found is None:
        raise RuntimeError("ffmpeg is not installed: run scripts/services.sh")
    return found


def _run(*groups: Sequence[str]) -> None:
    """ffmpeg with the arguments of each group in turn (a group per input, map, codec...)."""
    arguments = [argument for group in groups for argument in group]
    subprocess.run(  # noqa: S603 - our own arguments, no shell
        [ffmpeg_program(), "-hide_banner", "-loglevel", "error", "-y", *arguments],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _video(size: str = "320x180", rate: int = 25, seconds: float = DURATION_S) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def _tone(frequency: int, layout: str = "stereo", seconds: float = DURATION_S) -> list[str]:
    return [
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={frequency}:duration={seconds},aformat=channel_layouts={layout}",
    ]


def srt_text(first: str = "Hello there.", second: str = "Goodbye.") -> str:
    return _SRT.format(first=first, second=second)


def ass_text(first: str = "Hello there.", second: str = "Goodbye.") -> str:
    return _ASS.format(first=first, second=second)


def h264_aac_mp4(
    folder: Path, name: str = "h264_aac.mp4", size: str = "320x180", seconds: float = DURATION_S
) -> Path:
    """H.264 (yuv420p) with stereo AAC, in MP4 with its index at the front."""
    path = folder / name
    _run(
        [*_video(size, seconds=seconds), *_tone(440, seconds=seconds)],
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        ["-c:a", "aac", "-movflags", "+faststart", "-shortest", str(path)],
    )
    return path


def h264_ac3_two_languages_mkv(folder: Path, name: str = "h264_ac3.mkv") -> Path:
    """H.264 with two AC-3 tracks: English stereo (default), German 5.1 commentary; two
    chapters."""
    path = folder / name
    chapters = folder / f".{name}.chapters.txt"
    chapters.write_text(_CHAPTERS)
    _run(
        [*_video(), *_tone(440), *_tone(660, "5.1"), "-i", str(chapters)],
        ["-map", "0:v", "-map", "1:a", "-map", "2:a", "-map_chapters", "3"],
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "ac3"],
        ["-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=ger"],
        ["-metadata:s:a:1", "title=Director's commentary"],
        ["-disposition:a:0", "default", "-disposition:a:1", "comment", str(path)],
    )
    chapters.unlink()
    return path


def hevc_hdr10_mkv(folder: Path, name: str = "hevc_hdr10.mkv") -> Path:
    """HEVC Main 10 with HDR10 signalling (BT.2020, PQ) and mastering display metadata."""
    path = folder / name
    x265 = (
        "log-level=error:hdr10=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:"
        "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)"
        "L(10000000,1):max-cll=1000,400"
    )
    _run(
        [*_video(), "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le"],
        ["-x265-params", x265, "-color_primaries", "bt2020", "-color_trc", "smpte2084"],
        ["-colorspace", "bt2020nc", str(path)],
    )
    return path


def mkv_with_subtitles(folder: Path, name: str = "subtitled.mkv") -> Path:
    """H.264 + AAC with two embedded text subtitles: SubRip in English (default), ASS in French
    (forced)."""
    path = folder / name
    srt = folder / f".{name}.srt"
    ass = folder / f".{name}.ass"
    srt.write_text(srt_text())
    ass.write_text(ass_text("Bonjour.", "Au revoir."))
    _run(
        [*_video(), *_tone(440), "-i", str(srt), "-i", str(ass)],
        ["-map", "0:v", "-map", "1:a", "-map", "2:s", "-map", "3:s"],
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
        ["-c:s:0", "srt", "-c:s:1", "ass"],
        ["-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fre"],
        ["-disposition:s:0", "default", "-disposition:s:1", "forced", str(path)],
    )
    srt.unlink()
    ass.unlink()
    return path


def long_h264_ac3_mkv(
    folder: Path,
    name: str = "long.mkv",
    seconds: int = 20,
    keyframe_s: float = 2.0,
    size: str = "320x180",
) -> Path:
    """H.264 with a keyframe every `keyframe_s` seconds (what a remux cuts at) and two AC-3
    tracks (English stereo, German 5.1), with an English SubRip track: long enough for
    several HLS segments."""
    path = folder / name
    srt = folder / f".{name}.srt"
    srt.write_text(srt_text())
    keyint = str(round(25 * keyframe_s))
    _run(
        [*_video(size, seconds=seconds), *_tone(440, seconds=seconds)],
        [*_tone(660, "5.1", seconds=seconds), "-i", str(srt)],
        ["-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:s"],
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        ["-g", keyint, "-keyint_min", keyint, "-sc_threshold", "0", "-c:a", "ac3", "-c:s", "srt"],
        ["-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=ger"],
        ["-metadata:s:s:0", "language=eng", str(path)],
    )
    srt.unlink()
    return path


def long_hevc_mkv(folder: Path, name: str = "long_hevc.mkv", seconds: int = 20) -> Path:
    """HEVC Main 10 with stereo AAC: what a browser cannot decode, so it is transcoded."""
    path = folder / name
    _run(
        [*_video(seconds=seconds), *_tone(440, seconds=seconds)],
        ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
        ["-pix_fmt", "yuv420p10le", "-c:a", "aac", str(path)],
    )
    return path


def truncated(source: Path, folder: Path, name: str = "truncated.mkv", keep: int = 200) -> Path:
    """The first `keep` bytes of `source`, cut inside its header: what an interrupted download
    leaves, and nothing a probe can read."""
    path = folder / name
    path.write_bytes(source.read_bytes()[:keep])
    return path


def external_srt(path: Path, text: str, encoding: str, *, bom: bool = False) -> Path:
    """A SubRip file beside a video, in a legacy code page or UTF-8 with a byte order mark."""
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path
