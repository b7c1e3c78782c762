"""The typed result of identifying one path, and its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Any, get_type_hints

import msgspec


class Kind(StrEnum):
    MOVIE = "movie"
    EPISODE = "episode"
    EXTRA = "extra"
    SAMPLE = "sample"
    IGNORED = "ignored"
    SUBTITLE = "subtitle"
    SEASON_FOLDER = "season_folder"
    SERIES_FOLDER = "series_folder"
    MOVIE_FOLDER = "movie_folder"
    UNKNOWN = "unknown"


class ExtraType(StrEnum):
    TRAILER = "trailer"
    FEATURETTE = "featurette"
    BEHIND_THE_SCENES = "behind_the_scenes"
    DELETED_SCENE = "deleted_scene"
    INTERVIEW = "interview"
    SCENE = "scene"
    SHORT = "short"
    CLIP = "clip"
    SAMPLE = "sample"
    THEME_SONG = "theme_song"
    THEME_VIDEO = "theme_video"
    OTHER = "other"


class Numbering(StrEnum):
    """How a series counts its episodes: ``Show 112`` is episode 112 of an absolutely numbered
    (anime) series, and season 1 episode 12 of a seasonally numbered one."""

    ABSOLUTE = "absolute"
    SEASONAL = "seasonal"


class DecidedBy(StrEnum):
    FAST = "fast"
    GUESSIT = "guessit"


@dataclass(frozen=True, slots=True)
class Identity:
    """What a path is, as far as its name tells.

    ``path`` is the input exactly as given. ``alternate_title`` is a second title the name gives
    (a fansub name's English title beside the native one); it names the same movie or series.
    ``numbering`` records the reading chosen for a number that reads both ways (``Show 112``).
    ``owner`` is the folder (relative to the library root, ending in ``/``) whose item an extra,
    subtitle or stacked part belongs to. ``provider_ids`` values are strings: digits for
    tmdb/tvdb, ``tt...`` for imdb.
    """

    path: str
    kind: Kind
    decided_by: DecidedBy = DecidedBy.FAST
    title: str | None = None
    alternate_title: str | None = None
    year: int | None = None
    series: str | None = None
    season: int | None = None
    episode: int | None = None
    end_episode: int | None = None
    episodes: tuple[int, ...] = ()
    absolute_episode: int | None = None
    numbering: Numbering | None = None
    air_date: date | None = None
    episode_title: str | None = None
    edition: str | None = None
    version: str | None = None
    part: int | None = None
    extra_type: ExtraType | None = None
    format_3d: str | None = None
    stub_type: str | None = None
    disc: str | None = None
    provider_ids: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    forced: bool | None = None
    sdh: bool | None = None
    default: bool | None = None
    video_stem: str | None = None
    owner: str | None = None
    container: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields that apply (empty ones left out), in declaration order, JSON-ready."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == () or value == {}:
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def names_item(self) -> tuple[object, ...]:
        """What says which item the path belongs to: two identities with the same name the
        same item (a file renamed to another name than this is another item's now)."""
        return tuple(getattr(self, name) for name in _ITEM_FIELDS)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, path: str) -> Identity:
        """The identity `to_json` wrote, as a scan stored it (without its path), each field
        read back as its type. A value of another type (written by hand, or by an older
        reelhouse) is left out rather than guessed at; an unknown kind is `UNKNOWN`."""
        values: dict[str, Any] = {}
        for name, type_ in _FIELD_TYPES.items():
            if name in data:
                try:
                    values[name] = msgspec.convert(data[name], type_)
                except msgspec.ValidationError:
                    continue
        values["path"] = path
        values.setdefault("kind", Kind.UNKNOWN)
        return cls(**values)


#: The fields of an identity that say which item a path belongs to.
_ITEM_FIELDS = ("kind", "title", "year", "series", "season", "episodes", "absolute_episode",
                "air_date", "owner", "extra_type")  # fmt: skip
#: The type of each field `from_json` reads.
_FIELD_TYPES = {name: type_ for name, type_ in get_type_hints(Identity).items() if name != "path"}
