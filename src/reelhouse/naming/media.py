"""Which file names a scan keeps at all: videos, subtitles, disc stubs and theme songs."""

from __future__ import annotations

from reelhouse.naming.vocabulary import (
    AUDIO_EXTENSIONS,
    STUB_EXTENSION,
    SUBTITLE_EXTENSIONS,
    VIDEO_EXTENSIONS,
)

_KEPT = VIDEO_EXTENSIONS | SUBTITLE_EXTENSIONS | {STUB_EXTENSION}
_DISC_ENTRIES = frozenset({"video_ts.ifo", "index.bdmv"})


def is_media_name(name: str) -> bool:
    """Decided by the name alone, so an unchanged library is filtered without identifying it."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return False
    ext = ext.lower()
    if ext in _KEPT or name.lower() in _DISC_ENTRIES:
        return True
    return ext in AUDIO_EXTENSIONS and stem.lower() == "theme"
