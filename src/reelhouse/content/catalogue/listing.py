"""Listing requests: filters, sorts and keyset cursors shared by every content module.

A cursor is the sort value and id of the last row served, so page 1,000 costs what page 1 does:
an index range scan from that key, never an OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, TypeVar

from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.errors import InvalidInputError
from reelhouse.infra.db.types import as_utc

T = TypeVar("T")
SortValue = str | int | float | None


class SortField(StrEnum):
    TITLE = "title"
    YEAR = "year"
    ADDED = "added"
    RELEASE = "release"
    RATING = "rating"
    RUNTIME = "runtime"
    #: The widest main video of the item's present files (4K first, descending).
    RESOLUTION = "resolution"
    #: The most audio channels of the item's present files.
    CHANNELS = "channels"
    #: When the viewer last finished the item (theirs; needs `ItemFilter.viewer_id`).
    LAST_PLAYED = "last_played"
    #: How often the viewer finished it.
    PLAY_COUNT = "play_count"


#: Sorts by the viewer's own watch state.
VIEWER_SORTS = frozenset({SortField.LAST_PLAYED, SortField.PLAY_COUNT})


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """What a listing keeps; `library_ids` None means every library."""

    library_ids: frozenset[int] | None = None
    #: Items of these kinds only (a listing over every kind, as a Jellyfin client asks).
    kinds: frozenset[str] | None = None
    #: Items of any of these genres (names, in any case).
    genres: frozenset[str] | None = None
    #: Items whose sort title starts with this, sorts at or after it, or sorts before it
    #: (sort keys, as `sort_title` makes them: an alphabet picker's letters).
    title_prefix: str | None = None
    title_from: str | None = None
    title_before: str | None = None
    year_min: int | None = None
    year_max: int | None = None
    #: Items of any of these years.
    years: frozenset[int] | None = None
    rating_min: float | None = None
    rating_max: float | None = None
    has_file: bool | None = None
    matched: bool | None = None
    added_since: datetime | None = None
    #: Movies of any of these collections.
    collection_ids: frozenset[int] | None = None
    #: Items crediting any of these people.
    person_ids: frozenset[int] | None = None
    #: What the probes of the item's present files found: one file of that resolution class,
    #: with (or without) HDR, with at least that many audio channels.
    resolution: str | None = None
    hdr: bool | None = None
    min_channels: int | None = None
    #: Whose watch state the next filters (and the viewer's sorts) read; None for none.
    viewer_id: int | None = None
    played: bool | None = None
    in_progress: bool | None = None
    favourite: bool | None = None

    @property
    def by_viewer(self) -> bool:
        """Whether the listing reads the viewer's watch state (and is theirs alone)."""
        return (self.played, self.in_progress, self.favourite) != (None, None, None)


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: SortField
    descending: bool
    value: SortValue
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.sort.value, self.descending, self.value, self.id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            sort, descending, value, row_id = json.loads(base64.urlsafe_b64decode(padded))
            cursor = cls(SortField(sort), bool(descending), value, int(row_id))
        except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
            raise _bad_cursor() from exc
        if not 0 < cursor.id <= MAX_BIGINT:
            raise _bad_cursor()
        parse_cursor_value(cursor.sort, cursor.value)  # a value its column cannot hold: a 422
        return cursor


@dataclass(frozen=True, slots=True)
class PageRequest:
    sort: SortField = SortField.TITLE
    descending: bool = False
    limit: int = 50
    after: Cursor | None = None
    include_total: bool = False
    #: Rows skipped before the page, for clients that page by index (Jellyfin's `StartIndex`):
    #: an OFFSET, so deep pages cost more than with a cursor; never both.
    offset: int = 0

    def __post_init__(self) -> None:
        if self.offset and self.after is not None:
            raise InvalidInputError("a page starts at a cursor or at an offset, not both")
        if self.after and (self.after.sort, self.after.descending) != (self.sort, self.descending):
            raise InvalidInputError(
                "the cursor belongs to another sort order; start again without it", field="cursor"
            )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None


def cursor_value(value: object) -> SortValue:
    """A sort value as it travels in a cursor (dates and times as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def parse_cursor_value(sort: SortField, value: SortValue) -> object:
    """The inverse of `cursor_value` for the column `sort` orders by. A crafted cursor must be
    a 422, not the driver's error: a value of another type than the column's, a naive or
    out-of-range time, a non-finite number, one past 64 bits, text with NUL (PostgreSQL's text
    cannot hold it) or a lone surrogate (not UTF-8) is refused."""
    if value is None:
        return None
    try:
        return _column_value(sort, value)
    except (ValueError, OverflowError) as exc:
        raise _bad_cursor() from exc


#: Sorts whose cursor value is text: ISO dates and times, or a title.
_TEXT_SORTS = frozenset(
    {SortField.TITLE, SortField.ADDED, SortField.LAST_PLAYED, SortField.RELEASE}
)


def _column_value(sort: SortField, value: str | int | float) -> object:
    if sort in _TEXT_SORTS:
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError("text without NUL")
        value.encode()  # a lone surrogate is a UnicodeEncodeError, a ValueError
        if sort in (SortField.ADDED, SortField.LAST_PLAYED):
            return as_utc(datetime.fromisoformat(value))
        return date.fromisoformat(value) if sort is SortField.RELEASE else value
    if sort is SortField.RATING and isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("a finite rating")
        return value
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_BIGINT:
        raise ValueError("a whole number of 64 bits")
    return float(value) if sort is SortField.RATING else value


def _bad_cursor() -> InvalidInputError:
    return InvalidInputError("the cursor is not one this server made", field="cursor")
