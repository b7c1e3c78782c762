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
    video_stem: str | None
    language: str | None
    forced: bool
    sdh: bool
    default: bool


def parse_subtitle(stem: str) -> SubtitleName:
    """Peel language and flags off the end of ``stem``; what remains names the video."""
    pieces = stem.split(".")
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
    video_stem: str | None = ".".join(pieces)
    if language is None and len(pieces) == 1:
        # Release "Subs" folders: "2_English.srt", "English.srt".
        numbered = _NUMBERED.match(stem)
        language = language_tag((numbered["name"] if numbered else stem).strip())
        if language is not None:
            video_stem = None
    return SubtitleName(
        video_stem=video_stem,
        language=language,
        forced="forced" in flags or "foreign" in flags,
        sdh=bool(flags & {"sdh", "cc", "hi"}),
        default="default" in flags,
    )
