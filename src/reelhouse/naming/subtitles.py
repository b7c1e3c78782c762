"""External subtitle names: ``Movie (2010).en.forced.srt`` is English and forced, for the video
``Movie (2010)``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reelhouse.naming.languages import language_tag
from reelhouse.naming.vocabulary import SUBTITLE_FLAGS

_NUMBERED = re.compile(r"^\d+[_\s-]+(?P<name>.+)$")


@dataclass(frozen=True, slots=True)
class SubtitleName:
    title: str | None
    video_stem: str | None
    language: str | None
    forced: bool
    sdh: bool
    default: bool


def _is_tag(piece: str) -> bool:
    piece = piece.strip().lower()
    return piece in SUBTITLE_FLAGS or language_tag(piece.replace(" ", "")) is not None


def parse_subtitle(stem: str) -> SubtitleName:
    """Peel a track title, the language and flags (in any order) off the end of ``stem``; what
    remains names the video. ``hi`` is hearing-impaired beside another language, else Hindi."""
    pieces = stem.split(".")
    title = None
    if len(pieces) > 2 and _is_tag(pieces[-2]) and not _is_tag(pieces[-1]):
        # Jellyfin's "Video.en.forced.Commentary.srt": free text after the tags titles the track.
        title = pieces.pop().strip() or None
    language: str | None = None
    flags: set[str] = set()
    while len(pieces) > 1:
        piece = pieces[-1].strip().lower()
        if piece in SUBTITLE_FLAGS:
            flags.add(piece)
        elif language is None and (tag := language_tag(piece.replace(" ", ""))) is not None:
            language = tag
        else:
            break
        pieces.pop()
    if language is None and "hi" in flags:
        language = language_tag("hi")
        flags.discard("hi")
    video_stem: str | None = ".".join(pieces)
    if language is None and len(pieces) == 1:
        # Release "Subs" folders: "2_English.srt", "English.srt".
        numbered = _NUMBERED.match(stem)
        language = language_tag((numbered["name"] if numbered else stem).strip())
        if language is not None:
            video_stem = None
    return SubtitleName(
        title=title,
        video_stem=video_stem,
        language=language,
        forced="forced" in flags or "foreign" in flags,
        sdh=bool(flags & {"sdh", "cc", "hi"}),
        default="default" in flags,
    )
