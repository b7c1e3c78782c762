"""Conditional and range requests on one stored representation (RFC 9110 §13 and §14), decided
from the request's headers alone, so every route that serves bytes answers them alike.

The choices, each one the RFC allows:

- A `Range` the server does not understand is ignored (the whole body, 200): another unit, bad
  syntax, a last position before the first (§14.1.1, §14.2).
- A `Range` of more than one range is ignored too (§14.2: a server MAY ignore Range): players
  ask for one range at a time, and a whole body is always a correct answer, where multipart
  bodies would be a second, rarely used code path (and many small ranges a cheap way to make
  the server work).
- A single valid range that starts at or past the end is refused: 416 with `bytes */size`.
- An empty representation has no range to serve: its (empty) whole body is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from enum import Enum

#: One `int-range` or `suffix-range` of the `bytes` unit, digits ASCII only (RFC 9110 §14.1.2);
#: the unit is case-insensitive.
_BYTES_RANGE = re.compile(r"(?i:bytes)=([0-9]*)-([0-9]*)")
#: A number of more digits than this is past the end of any file: it is not parsed (Python
#: refuses to parse more than 4300 digits), only known to be huge.
_MAX_DIGITS = 19
_HUGE = 10**_MAX_DIGITS


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes `start` to `end` (exclusive) of a representation of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end - 1}/{self.size}"


class Unsatisfiable(Enum):
    """A valid range that lies wholly past the end: 416."""

    RANGE = "unsatisfiable"


UNSATISFIABLE = Unsatisfiable.RANGE


def requested_range(header: str | None, size: int) -> ByteRange | Unsatisfiable | None:
    """The range a `Range` header asks of `size` bytes; None for the whole representation."""
    if header is None or size == 0:
        return None
    found = _BYTES_RANGE.fullmatch(header.strip(" \t"))
    if found is None:
        return None  # another unit, several ranges, or not a range at all: ignored
    first, last = found.groups()
    if not first:
        if not last:
            return None  # "bytes=-": no range
        suffix = _position(last)
        if suffix == 0:
            return UNSATISFIABLE
        return ByteRange(max(0, size - suffix), size, size)
    if last and _magnitude(last) < _magnitude(first):
        return None  # last before first: invalid, ignored
    start = _position(first)
    if start >= size:
        return UNSATISFIABLE
    end = min(size, _position(last) + 1) if last else size
    return ByteRange(start, end, size)


def _magnitude(digits: str) -> tuple[int, str]:
    """A key that orders digit strings as the numbers they write, of any length."""
    significant = digits.lstrip("0")
    return len(significant), significant


def _position(digits: str) -> int:
    """The number, or one past any file's end if it is longer than that."""
    length, significant = _magnitude(digits)
    return _HUGE if length > _MAX_DIGITS else int(significant or "0")


def http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """`If-None-Match` holds `*` or a tag equal to `etag` by the weak comparison (§13.1.2)."""
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def if_range_holds(if_range: str | None, etag: str, modified_s: int) -> bool:
    """Whether a `Range` may be served: no `If-Range`, or one naming the current representation
    (§13.1.5): the same tag by the strong comparison (a weak tag never matches), or exactly its
    `Last-Modified` date."""
    if if_range is None:
        return True
    validator = if_range.strip()
    if validator.startswith(('"', "W/")):
        return validator == etag and not etag.startswith("W/")
    try:
        date = parsedate_to_datetime(validator)
        if date.tzinfo is None:  # "-0000": a time in UTC, its zone unknown
            date = date.replace(tzinfo=UTC)
        return int(date.timestamp()) == modified_s
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # not a date: the condition does not hold
