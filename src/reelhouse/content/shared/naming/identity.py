"""The typed result of identifying one path, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Any


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


class LibraryHint(StrEnum):
    """What the library holds, as its owner declared it (``auto`` lets the name decide)."""

    MOVIES = "movies"
    TV = "tv"
    AUTO = "auto"


class DecidedBy(StrEnum):
    FAST = "fast"
    GUESSIT = "guessit"


@dataclass(frozen=True, slots=True)
class Identity:
    """What a path is, as far as its name tells.

    ``path`` is the input exactly as given. ``owner`` is the folder (relative to the library root,
    ending in ``/``) whose item an extra, subtitle or stacked part belongs to. ``provider_ids``
    values are strings: digits for tmdb/tvdb, ``tt...`` for imdb.
    """

    path: str
    kind: Kind
    decided_by: DecidedBy = DecidedBy.FAST
    title: str | None = None
    year: int | None = None
    series: str | None = None
    season: int | None = None
    episode: int | None = None
    end_episode: int | None = None
    episodes: tuple[int, ...] = ()
    absolute_episode: int | None = None
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
