"""ffprobe's JSON, validated at the edge (house rule 9) and turned into `MediaFacts` once.

The structs declare only the part of `-show_format -show_streams -show_chapters` (and of the
frame side data probed for HDR10+) that reelhouse uses; msgspec ignores the rest. ffprobe prints
many numbers as strings ("2.000000", "739204") and leaves out what it does not know, so those
fields take a string or a number and are converted here: a value that is not a number or is out
of range becomes None rather than something wrong, and a stream whose essentials (size, channel
count) are unusable is left out. A document that is not ffprobe's shape at all is a
`ProgramFailedError`: nothing else escapes this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, TypeVar

import msgspec

from reelhouse.errors import ProgramFailedError
from reelhouse.playback.facts import (
    AudioStream,
    Chapter,
    HdrKind,
    MediaFacts,
    SubtitleStream,
    VideoStream,
)

PROGRAM = "ffprobe"

#: Subtitle codecs that are text (and convert to WebVTT); every other one is images (PGS,
#: VobSub, DVB, XSUB) or unknown, and can only be burnt in.
TEXT_SUBTITLE_CODECS = frozenset({"subrip", "ass", "ssa", "webvtt", "mov_text", "text"})

#: Side data naming a Dolby Vision stream, and the frame side data of HDR10+.
DOLBY_VISION_RECORD = "DOVI configuration record"
HDR10_PLUS_METADATA = "HDR Dynamic Metadata SMPTE2094-40 (HDR10+)"
#: Transfer characteristics: PQ (HDR10, and HDR10+ when frames carry its metadata) and HLG.
PQ_TRANSFER = "smpte2084"
HLG_TRANSFER = "arib-std-b67"

# Bounds of what a real stream can be: beyond them a value is corrupt, not large.
_MAX_DIMENSION = 65_535
_MAX_CHANNELS = 64
_MAX_FRAME_RATE = 1_000.0
_MAX_BIT_DEPTH = 32
_MAX_LEVEL = 1_000
_MAX_DV_PROFILE = 127  # dv_profile is a 7-bit field of the configuration record
_MAX_INT64 = 2**63 - 1

#: A file's extension naming one of the formats ffprobe lists, when it is not itself listed.
_EXTENSION_FORMATS = {"m4v": "mp4"}
#: Pixel formats: planar YUV/RGB/gray with an optional bit depth, and P010-style semi-planar.
_PIXEL_DEPTH = re.compile(
    r"^(?:yuvj?a?\d{3}p|gbra?p|gray|nv(?:12|16|21|24|42)|p0|p2|p4)(\d{1,2})?(?:le|be)?$"
)
_SDH = re.compile(r"\bsdh\b", re.IGNORECASE)

_T = TypeVar("_T")
_Number = str | float | None
_Integer = str | int | None


class _SideData(msgspec.Struct):
    side_data_type: str | None = None
    dv_profile: int | None = None


class _Stream(msgspec.Struct):
    index: Annotated[int, msgspec.Meta(ge=0, le=_MAX_INT64)]
    codec_type: str | None = None
    codec_name: str | None = None
    profile: str | None = None
    level: int | None = None
    width: int | None = None
    height: int | None = None
    avg_frame_rate: str | None = None
    r_frame_rate: str | None = None
    bits_per_raw_sample: _Integer = None
    pix_fmt: str | None = None
    color_transfer: str | None = None
    channels: int | None = None
    channel_layout: str | None = None
    disposition: dict[str, int] = {}
    tags: dict[str, str] = {}
    side_data_list: list[_SideData] = []


class _Format(msgspec.Struct):
    format_name: str
    duration: _Number = None
    bit_rate: _Integer = None


class _Chapter(msgspec.Struct):
    start_time: _Number = None
    end_time: _Number = None
    tags: dict[str, str] = {}


class _Document(msgspec.Struct):
    format: _Format
    streams: list[_Stream] = []
    chapters: list[_Chapter] = []


class _Frame(msgspec.Struct):
    side_data_list: list[_SideData] = []


class _Frames(msgspec.Struct):
    frames: list[_Frame] = []


def parse_probe(data: bytes, *, size: int, extension: str | None = None) -> MediaFacts:
    """The facts in ffprobe's output for a file of `size` bytes; `extension` (".mp4") picks the
    container's name among those ffprobe lists. HDR10+ needs the frames: see `has_hdr10_plus`."""
    document = _decode(data, _Document)
    container = _container(document.format.format_name, extension)
    video: list[VideoStream] = []
    audio: list[AudioStream] = []
    subtitles: list[SubtitleStream] = []
    for stream in document.streams:
        if stream.codec_type == "video" and (found := _video(stream)) is not None:
            video.append(found)
        elif stream.codec_type == "audio" and (heard := _audio(stream)) is not None:
            audio.append(heard)
        elif stream.codec_type == "subtitle" and stream.codec_name:
            subtitles.append(_subtitle(stream))
    return MediaFacts(
        container=container,
        duration_s=_seconds(document.format.duration),
        bit_rate=_positive(document.format.bit_rate, _MAX_INT64),
        size=size,
        video=tuple(video),
        audio=tuple(audio),
        subtitles=tuple(subtitles),
        chapters=tuple(c for c in map(_chapter, document.chapters) if c is not None),
    )


def has_hdr10_plus(data: bytes) -> bool:
    """Whether ffprobe's `-show_frames` output carries HDR10+ dynamic metadata."""
    frames = _decode(data, _Frames)
    return any(
        side.side_data_type == HDR10_PLUS_METADATA
        for frame in frames.frames
        for side in frame.side_data_list
    )


def _decode(data: bytes, kind: type[_T]) -> _T:
    try:
        return msgspec.json.decode(data, type=kind, strict=False)
    except msgspec.DecodeError as error:
        raise ProgramFailedError(PROGRAM, f"unusable output: {error}") from error


def _container(format_name: str, extension: str | None) -> str:
    names = [name for name in format_name.split(",") if name]
    if not names:
        raise ProgramFailedError(PROGRAM, "unusable output: no format name")
    wanted = (extension or "").lower().lstrip(".")
    wanted = _EXTENSION_FORMATS.get(wanted, wanted)
    return wanted if wanted in names else names[0]


def _video(stream: _Stream) -> VideoStream | None:
    """A video stream, or None for cover art (an attached picture) or one without a size."""
    width = _positive(stream.width, _MAX_DIMENSION)
    height = _positive(stream.height, _MAX_DIMENSION)
    if stream.disposition.get("attached_pic") or not stream.codec_name or not width or not height:
        return None
    hdr, dv_profile = _hdr(stream)
    return VideoStream(
        index=stream.index,
        codec=stream.codec_name,
        profile=stream.profile or None,
        level=_positive(stream.level, _MAX_LEVEL),
        width=width,
        height=height,
        frame_rate=_frame_rate(stream.avg_frame_rate) or _frame_rate(stream.r_frame_rate),
        bit_depth=_positive(stream.bits_per_raw_sample, _MAX_BIT_DEPTH)
        or _pixel_depth(stream.pix_fmt),
        pixel_format=stream.pix_fmt or None,
        hdr=hdr,
        dv_profile=dv_profile,
        default=bool(stream.disposition.get("default")),
    )


def _hdr(stream: _Stream) -> tuple[HdrKind | None, int | None]:
    """The HDR kind the stream itself declares: Dolby Vision over HDR10 over HLG."""
    for side in stream.side_data_list:
        if side.side_data_type == DOLBY_VISION_RECORD:
            profile = side.dv_profile
            return HdrKind.DOLBY_VISION, profile if _in_range(profile, 0, _MAX_DV_PROFILE) else None
    if stream.color_transfer == PQ_TRANSFER:
        return HdrKind.HDR10, None
    if stream.color_transfer == HLG_TRANSFER:
        return HdrKind.HLG, None
    return None, None


def _audio(stream: _Stream) -> AudioStream | None:
    channels = _positive(stream.channels, _MAX_CHANNELS)
    if not stream.codec_name or channels is None:
        return None
    tags = _tags(stream.tags)
    title = tags.get("title") or None
    return AudioStream(
        index=stream.index,
        codec=stream.codec_name,
        profile=stream.profile or None,
        channels=channels,
        channel_layout=stream.channel_layout or None,
        language=_language(tags),
        title=title,
        default=bool(stream.disposition.get("default")),
        commentary=bool(stream.disposition.get("comment"))
        or (title is not None and "commentary" in title.casefold()),
    )


def _subtitle(stream: _Stream) -> SubtitleStream:
    codec = stream.codec_name or ""
    tags = _tags(stream.tags)
    title = tags.get("title") or None
    return SubtitleStream(
        index=stream.index,
        codec=codec,
        language=_language(tags),
        title=title,
        default=bool(stream.disposition.get("default")),
        forced=bool(stream.disposition.get("forced")),
        hearing_impaired=bool(stream.disposition.get("hearing_impaired"))
        or (title is not None and _SDH.search(title) is not None),
        text=codec in TEXT_SUBTITLE_CODECS,
    )


def _chapter(chapter: _Chapter) -> Chapter | None:
    start, end = _seconds(chapter.start_time), _seconds(chapter.end_time)
    if start is None or end is None or end < start:
        return None
    return Chapter(start_s=start, end_s=end, title=_tags(chapter.tags).get("title") or None)


def _tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags by lower-case key: containers spell them LANGUAGE, language, Title..."""
    return {key.casefold(): value for key, value in tags.items()}


def _language(tags: Mapping[str, str]) -> str | None:
    language = tags.get("language")
    return None if not language or language == "und" else language


def _seconds(value: _Number) -> float | None:
    """A time or duration in seconds: finite and not negative, else unknown."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _positive(value: _Integer, maximum: int) -> int | None:
    """A whole number in 1..maximum (ffprobe prints some as strings), else unknown."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
            return None
        value = int(value)
    return value if _in_range(value, 1, maximum) else None


def _in_range(value: int | None, low: int, high: int) -> bool:
    return value is not None and low <= value <= high


def _frame_rate(value: str | None) -> float | None:
    """ffprobe's "num/den" ("25/1", "24000/1001"); "0/0" and absurd rates are unknown."""
    numerator, _, denominator = (value or "").partition("/")
    top = _positive(numerator, _MAX_INT64)
    bottom = _positive(denominator, _MAX_INT64)
    if top is None or bottom is None:
        return None
    rate = top / bottom
    return rate if rate <= _MAX_FRAME_RATE else None


def _pixel_depth(pixel_format: str | None) -> int | None:
    """Bits per sample from a pixel format's name: yuv420p → 8, yuv420p10le → 10, p010le → 10."""
    match = _PIXEL_DEPTH.match(pixel_format or "")
    if match is None:
        return None
    return _positive(match.group(1), _MAX_BIT_DEPTH) if match.group(1) else 8
