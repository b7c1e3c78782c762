"""The badges a file's probe earns on the page (4K, HDR, Dolby Vision, 5.1, languages): what
people scan a detail page for, and what tells an item's versions apart."""

from __future__ import annotations

from reelhouse.content.reads.views import FileView
from reelhouse.playback.facts import HdrKind, ResolutionClass

_RESOLUTION = {
    ResolutionClass.UHD_4K: "4K",
    ResolutionClass.HD_1080: "1080p",
    ResolutionClass.HD_720: "720p",
    ResolutionClass.SD: "SD",
}
_HDR = {
    HdrKind.DOLBY_VISION: "Dolby Vision",
    HdrKind.HDR10_PLUS: "HDR10+",
    HdrKind.HDR10: "HDR10",
    HdrKind.HLG: "HLG",
}
#: Channel counts as home cinema names them.
_CHANNELS = {1: "Mono", 2: "Stereo", 6: "5.1", 8: "7.1"}


def media_badges(file: FileView) -> list[str]:
    """The file's picture and sound in a few words, best first; none before its probe."""
    media = file.media
    if media is None:
        return []
    badges: list[str] = []
    video = media.main_video
    if video is not None:
        badges.append(_RESOLUTION[video.resolution])
        if video.hdr is not None:
            badges.append(_HDR[video.hdr])
        badges.append(video.codec.upper())
    channels = media.max_channels
    if channels is not None:
        badges.append(_CHANNELS.get(channels, f"{channels} ch"))
    return badges


def languages(file: FileView) -> tuple[list[str], list[str]]:
    """The audio languages and the subtitle languages the file offers, each once, in order."""
    audio = [a.language for a in file.media.audio] if file.media else []
    subtitles = [s.language for s in file.subtitles]
    return _unique(audio), _unique(subtitles)


def _unique(values: list[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
