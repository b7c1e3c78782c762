"""A library's write-back choices, kept in its `settings` (all off by default)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WRITE_NFO = "write_nfo"
WRITE_ARTWORK = "write_artwork"
OVERWRITE_FOREIGN = "overwrite_foreign_files"
WATCH_USER = "nfo_watch_user"


@dataclass(frozen=True, slots=True)
class WriteBackOptions:
    #: Kodi NFO files for its movies, series, seasons and episodes.
    write_nfo: bool = False
    #: The chosen artwork beside the media, under Kodi's names.
    write_artwork: bool = False
    #: Replace files reelhouse did not write (or that changed since it wrote them).
    overwrite_foreign_files: bool = False
    #: Whose playcount, last played time and resume point go into the NFO files (none: no
    #: viewing history is written).
    nfo_watch_user: str | None = None

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> WriteBackOptions:
        user = settings.get(WATCH_USER)
        return cls(
            write_nfo=settings.get(WRITE_NFO) is True,
            write_artwork=settings.get(WRITE_ARTWORK) is True,
            overwrite_foreign_files=settings.get(OVERWRITE_FOREIGN) is True,
            nfo_watch_user=user if isinstance(user, str) and user else None,
        )

    @property
    def writes_anything(self) -> bool:
        return self.write_nfo or self.write_artwork

    def as_settings(self) -> dict[str, Any]:
        return {
            WRITE_NFO: self.write_nfo,
            WRITE_ARTWORK: self.write_artwork,
            OVERWRITE_FOREIGN: self.overwrite_foreign_files,
            WATCH_USER: self.nfo_watch_user,
        }
