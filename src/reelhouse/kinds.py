"""The kinds of things reelhouse keeps, named once for every layer: what a library holds, and
what an item of the catalogue is."""

from __future__ import annotations

from enum import StrEnum


class LibraryKind(StrEnum):
    MOVIES = "movies"
    TV = "tv"


class ItemKind(StrEnum):
    MOVIE = "movie"
    COLLECTION = "collection"
    SERIES = "series"
    SEASON = "season"
    EPISODE = "episode"


#: Items that are played themselves (hold positions and played marks of their own).
PLAYABLE_KINDS = frozenset({ItemKind.MOVIE, ItemKind.EPISODE})
