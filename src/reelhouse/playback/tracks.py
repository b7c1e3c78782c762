"""The subtitle tracks a file offers: its embedded ones, then the external files beside it, in
one numbering (`GET .../subtitles/{n}.vtt` serves track n)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from reelhouse.content.enrichment import UnlinkedFile
from reelhouse.playback.facts import MediaFacts

#: External subtitle formats that convert to WebVTT; VobSub (`.sub` + `.idx`) is images.
TEXT_FORMATS = frozenset({"srt", "ass", "ssa", "vtt"})


class TrackSource(StrEnum):
    EMBEDDED = "embedded"
    EXTERNAL = "external"


@dataclass(frozen=True, slots=True, kw_only=True)
class SubtitleTrack:
    number: int
    source: TrackSource
    #: The codec (embedded) or the file's extension (external).
    format: str
    language: str | None = None
    title: str | None = None
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False
    #: Convertible to WebVTT (text, not images).
    text: bool
    #: The stream's index in the file (embedded), or the subtitle file's id (external).
    stream_index: int | None = None
    file_id: int | None = None


def subtitle_tracks(
    facts: MediaFacts | None, externals: Sequence[UnlinkedFile]
) -> tuple[SubtitleTrack, ...]:
    tracks = [
        SubtitleTrack(
            number=number,
            source=TrackSource.EMBEDDED,
            format=stream.codec,
            language=stream.language,
            title=stream.title,
            default=stream.default,
            forced=stream.forced,
            hearing_impaired=stream.hearing_impaired,
            text=stream.text,
            stream_index=stream.index,
        )
        for number, stream in enumerate(facts.subtitles if facts else ())
    ]
    for external in externals:
        identity = external.identity
        extension = (identity.container or "").lower()
        tracks.append(
            SubtitleTrack(
                number=len(tracks),
                source=TrackSource.EXTERNAL,
                format=extension,
                language=identity.language,
                default=bool(identity.default),
                forced=bool(identity.forced),
                hearing_impaired=bool(identity.sdh),
                text=extension in TEXT_FORMATS,
                file_id=external.id,
            )
        )
    return tuple(tracks)
