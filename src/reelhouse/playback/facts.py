"""What a probe found in a media file, as reelhouse stores and shows it.

These dataclasses are the stored form (JSON in `media_probes`, written and read back typed with
msgspec) and the API's: ffprobe's own JSON is parsed at the edge
(`reelhouse.infra.media.ffprobe`) and turned into these once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HdrKind(StrEnum):
    HDR10 = "hdr10"
    HDR10_PLUS = "hdr10+"
    HLG = "hlg"
    DOLBY_VISION = "dolby_vision"


class ResolutionClass(StrEnum):
    """The classes people filter by; a scope film (1920x800) is 1080p by its width."""

    SD = "sd"
    HD_720 = "720p"
    HD_1080 = "1080p"
    UHD_4K = "4k"


def resolution_class(width: int, height: int) -> ResolutionClass:
    if width >= 3200 or height >= 1800:
        return ResolutionClass.UHD_4K
    if width >= 1700 or height >= 1000:
        return ResolutionClass.HD_1080
    if width >= 1200 or height >= 700:
        return ResolutionClass.HD_720
    return ResolutionClass.SD


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoStream:
    index: int
    codec: str
    profile: str | None = None
    level: int | None = None
    width: int
    height: int
    frame_rate: float | None = None
    bit_depth: int | None = None
    pixel_format: str | None = None
    hdr: HdrKind | None = None
    #: Dolby Vision profile (5, 7, 8...), when `hdr` is Dolby Vision.
    dv_profile: int | None = None
    default: bool = False

    @property
    def resolution(self) -> ResolutionClass:
        return resolution_class(self.width, self.height)


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioStream:
    index: int
    codec: str
    profile: str | None = None
    channels: int
    channel_layout: str | None = None
    language: str | None = None
    title: str | None = None
    default: bool = False
    commentary: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SubtitleStream:
    index: int
    codec: str
    language: str | None = None
    title: str | None = None
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False
    #: Text subtitles (SubRip, ASS, WebVTT, mov_text) convert to WebVTT; image ones (PGS,
    #: VobSub, DVB) can only be burnt in.
    text: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Chapter:
    start_s: float
    end_s: float
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFacts:
    """Everything one probe of one file found."""

    container: str
    duration_s: float | None = None
    bit_rate: int | None = None
    size: int
    video: tuple[VideoStream, ...] = ()
    audio: tuple[AudioStream, ...] = ()
    subtitles: tuple[SubtitleStream, ...] = ()
    chapters: tuple[Chapter, ...] = ()

    @property
    def main_video(self) -> VideoStream | None:
        """The stream a player shows: the default one, else the first (cover art left out)."""
        return next((v for v in self.video if v.default), self.video[0] if self.video else None)

    @property
    def max_channels(self) -> int | None:
        return max((a.channels for a in self.audio), default=None)
