"""Column types that keep outside values exact on SQLite and PostgreSQL alike (house rule 9)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer
from sqlalchemy.types import TypeDecorator

_TWO_TO_64 = 1 << 64
_TWO_TO_63 = 1 << 63

#: 64-bit integer primary key. SQLite only auto-numbers ``INTEGER PRIMARY KEY`` (its 64-bit rowid).
BigIntPrimaryKey = BigInteger().with_variant(Integer(), "sqlite")


class UInt64(TypeDecorator[int]):
    """An unsigned 64-bit integer (inode and device numbers) in a signed BIGINT column.

    Values 2**63 .. 2**64-1 are stored as their two's complement, so nothing is truncated and the
    stored value reads back exactly; anything outside 0 .. 2**64-1 is refused, not wrapped.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not 0 <= value < _TWO_TO_64:
            raise ValueError(f"{value} is not an unsigned 64-bit integer")
        return value - _TWO_TO_64 if value >= _TWO_TO_63 else value

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else uint64_from_stored(int(value))


def uint64_from_stored(value: int) -> int:
    """The unsigned value a `UInt64` column holds as `value` (for rows read without types)."""
    return value + _TWO_TO_64 if value < 0 else value


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """`value` in UTC, as stored and compared; a naive time (which zone?) or one outside years
    1-9999 once in UTC (`0001-01-01T00:00+01:00`) is a `ValueError`, so a caller validating
    input from outside refuses it rather than failing at the database."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is outside years 1 to 9999 in UTC") from None


def utcnow() -> datetime:
    return datetime.now(UTC)
