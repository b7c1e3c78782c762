"""Where Kodi, Jellyfin and Plex keep artwork beside the media, as data: one row per file name,
which item it belongs to, where it lies and which kind of image it is.

Curated libraries (tinyMediaManager, Kodi, Jellyfin, Plex, by hand) name their images by these
conventions; each row says which of the three reads it. Names are matched ignoring case (Jellyfin
and Plex do; Kodi on a case-insensitive share does too), with any of `IMAGE_EXTENSIONS`. Within an
item and a kind, the first matching row of the table wins, then the first extension. Nothing
here touches the disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from reelhouse.content.catalogue.models import ImageKind

#: Extensions of local artwork, in the order they win when one name has several (`.tbn` is
#: Kodi's old name for a JPEG thumbnail).
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "tbn")


class Owner(StrEnum):
    """The item an image belongs to."""

    MOVIE = "movie"
    SERIES = "series"
    SEASON = "season"
    EPISODE = "episode"


class Place(StrEnum):
    """Where the image lies, relative to its item."""

    #: `<name>.<ext>` in the item's own folder (a movie's only when it holds that one movie).
    FOLDER = "folder"
    #: `<video stem>-<name>.<ext>` beside a video; an empty name is `<video stem>.<ext>`.
    BESIDE = "beside"
    #: `season<NN>-<name>.<ext>` (`season-specials-...` for season 0) in the series folder;
    #: an empty name is `season<NN>.<ext>`.
    SERIES_FOLDER = "series_folder"


@dataclass(frozen=True, slots=True)
class Convention:
    owner: Owner
    place: Place
    name: str
    #: None: a known image of a kind reelhouse keeps none of (clear art, disc art): left alone.
    kind: ImageKind | None
    #: Which media centres read it.
    readers: tuple[str, ...]


_ALL = ("kodi", "jellyfin", "plex")
_KJ = ("kodi", "jellyfin")


def _rows(
    owner: Owner, place: Place, kind: ImageKind | None, names: str, readers: tuple[str, ...]
) -> list[Convention]:
    return [Convention(owner, place, name, kind, readers) for name in names.split(",")]


_M, _S, _SE, _E = Owner.MOVIE, Owner.SERIES, Owner.SEASON, Owner.EPISODE
_BESIDE, _FOLDER, _SERIES = Place.BESIDE, Place.FOLDER, Place.SERIES_FOLDER
_POSTER, _BACKDROP, _LOGO = ImageKind.POSTER, ImageKind.BACKDROP, ImageKind.LOGO
_BANNER, _THUMB, _STILL = ImageKind.BANNER, ImageKind.THUMB, ImageKind.STILL

#: The table: within an owner and a kind, earlier rows win (a file named for the video is more
#: specific than one named for the folder).
CONVENTIONS: tuple[Convention, ...] = (
    # Movies: named for the video first (Kodi, Jellyfin; Plex also takes the bare stem).
    *_rows(_M, _BESIDE, _POSTER, "poster", _ALL),
    *_rows(_M, _BESIDE, _POSTER, "", ("plex",)),
    *_rows(_M, _BESIDE, _BACKDROP, "fanart", _ALL),
    *_rows(_M, _BESIDE, _BANNER, "banner", _KJ),
    *_rows(_M, _BESIDE, _LOGO, "clearlogo,logo", _KJ),
    *_rows(_M, _BESIDE, _THUMB, "landscape,thumb", _KJ),
    *_rows(_M, _BESIDE, None, "clearart,discart,disc", _KJ),
    # Movies: in a folder holding that one movie.
    *_rows(_M, _FOLDER, _POSTER, "poster,folder,cover,default,movie", _ALL),
    *_rows(_M, _FOLDER, _BACKDROP, "fanart,backdrop,background,art", _ALL),
    *_rows(_M, _FOLDER, _BANNER, "banner", _ALL),
    *_rows(_M, _FOLDER, _LOGO, "clearlogo,logo", _KJ),
    *_rows(_M, _FOLDER, _THUMB, "landscape,thumb", _KJ),
    *_rows(_M, _FOLDER, None, "clearart,discart,disc,cdart", _KJ),
    # Series: in the series folder.
    *_rows(_S, _FOLDER, _POSTER, "poster,folder,cover,show,default", _ALL),
    *_rows(_S, _FOLDER, _BACKDROP, "fanart,backdrop,background,art", _ALL),
    *_rows(_S, _FOLDER, _BANNER, "banner", _ALL),
    *_rows(_S, _FOLDER, _LOGO, "clearlogo,logo", _KJ),
    *_rows(_S, _FOLDER, _THUMB, "landscape,thumb", _KJ),
    *_rows(_S, _FOLDER, None, "clearart,characterart", _KJ),
    # Seasons: named for the season in the series folder, then in the season's own folder.
    *_rows(_SE, _SERIES, _POSTER, "poster", _ALL),
    *_rows(_SE, _SERIES, _POSTER, "", ("plex",)),
    *_rows(_SE, _SERIES, _BANNER, "banner", _KJ),
    *_rows(_SE, _SERIES, _BACKDROP, "fanart,backdrop", _KJ),
    *_rows(_SE, _SERIES, _THUMB, "landscape,thumb", _KJ),
    *_rows(_SE, _FOLDER, _POSTER, "poster,folder,cover", _ALL),
    *_rows(_SE, _FOLDER, _BACKDROP, "fanart,backdrop,background", _KJ),
    *_rows(_SE, _FOLDER, _BANNER, "banner", _KJ),
    *_rows(_SE, _FOLDER, _THUMB, "landscape,thumb", _KJ),
    # Episodes: named for the video.
    *_rows(_E, _BESIDE, _STILL, "thumb", _KJ),
    *_rows(_E, _BESIDE, _STILL, "", _ALL),
)

_INDEX: dict[tuple[Owner, Place, str], tuple[int, Convention]] = {}
for _rank, _convention in enumerate(CONVENTIONS):
    _INDEX.setdefault(
        (_convention.owner, _convention.place, _convention.name), (_rank, _convention)
    )

_SEASON_NAME = re.compile(r"season(?:(\d{1,4})|-specials)(?:-(\w+))?")


@dataclass(frozen=True, slots=True)
class Match:
    kind: ImageKind
    #: Lower wins: the convention's row, then the extension.
    rank: tuple[int, int]


def match(
    owner: Owner,
    place: Place,
    file_name: str,
    *,
    stem: str | None = None,
    season: int | None = None,
) -> Match | None:
    """The kind of image `file_name` is for an `owner` item, found at `place` (`stem`: the
    video's name without extension, for `BESIDE`; `season`: the season's number, for
    `SERIES_FOLDER`); None when it is none of its images, or of a kind reelhouse keeps none of."""
    base, dot, extension = file_name.rpartition(".")
    extension = extension.lower()
    if not dot or extension not in IMAGE_EXTENSIONS:
        return None
    name = _name(place, base.casefold(), stem, season)
    found = _INDEX.get((owner, place, name)) if name is not None else None
    if found is None or found[1].kind is None:
        return None
    return Match(found[1].kind, (found[0], IMAGE_EXTENSIONS.index(extension)))


def _name(place: Place, base: str, stem: str | None, season: int | None) -> str | None:
    """The convention's name in a file's base name, as its place spells it."""
    if place is Place.FOLDER:
        return base
    if place is Place.BESIDE:
        if stem is None or not base.startswith(stem.casefold()):
            return None
        rest = base[len(stem) :]
        return rest[1:] if rest.startswith("-") else (None if rest else "")
    found = _SEASON_NAME.fullmatch(base)
    if found is None or season is None:
        return None
    number = int(found.group(1)) if found.group(1) is not None else 0
    return (found.group(2) or "") if number == season else None


#: Where write-back puts each owner's images: Kodi's first choice for it.
WRITE_PLACES = {
    Owner.MOVIE: Place.BESIDE,
    Owner.SERIES: Place.FOLDER,
    Owner.SEASON: Place.SERIES_FOLDER,
    Owner.EPISODE: Place.BESIDE,
}


def kodi_file_name(
    owner: Owner,
    kind: ImageKind,
    extension: str,
    *,
    stem: str | None = None,
    season: int | None = None,
) -> str | None:
    """The name Kodi reads first for an `owner` item's image of `kind` at its `WRITE_PLACES`
    place (what `match` reads back as that kind); None when Kodi has no name for it there."""
    place = WRITE_PLACES[owner]
    extension = extension.lower()
    if extension not in IMAGE_EXTENSIONS:
        return None
    row = next(
        (
            c
            for c in CONVENTIONS
            if c.owner is owner and c.place is place and c.kind is kind and "kodi" in c.readers
        ),
        None,
    )
    if row is None:
        return None
    if place is Place.FOLDER:
        base = row.name
    elif place is Place.BESIDE:
        if stem is None:
            return None
        base = f"{stem}-{row.name}" if row.name else stem
    else:
        if season is None:
            return None
        prefix = f"season{season:02d}" if season else "season-specials"
        base = f"{prefix}-{row.name}" if row.name else prefix
    return f"{base}.{extension}"
