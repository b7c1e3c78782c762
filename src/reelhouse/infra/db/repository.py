"""What every repository needs: dialect-aware upserts and integrity errors as domain errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Table, delete, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.errors import ConflictError, InvalidInputError, NotFoundError

T = TypeVar("T")

# Rows per statement in bulk writes: large enough to amortize round trips, small enough to stay
# well under SQLite's bound-parameter limit (32,766) with ~12 columns a row.
BULK_CHUNK = 1_000

# SQLSTATE classes (PostgreSQL) and message prefixes (SQLite) of constraint failures.
_UNIQUE = ("23505", "UNIQUE constraint failed")
_FOREIGN_KEY = ("23503", "FOREIGN KEY constraint failed")
_CHECK = ("23514", "CHECK constraint failed", "23502", "NOT NULL constraint failed")


def upsert(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ``on_conflict_do_update`` on whichever database is in use."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@contextmanager
def constraint_errors(what: str) -> Iterator[None]:
    """Turn a violated constraint into the typed domain error it means (house rule 4)."""
    try:
        yield
    except IntegrityError as exc:
        raise _translate(exc, what) from exc


def _translate(exc: IntegrityError, what: str) -> Exception:
    orig = exc.orig
    code = str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")
    message = str(orig)
    first_line = message.strip().splitlines()[0] if message.strip() else type(orig).__name__

    def matches(signs: Sequence[str]) -> bool:
        return code in signs or any(sign in message for sign in signs)

    if matches(_UNIQUE):
        return ConflictError(f"{what} conflicts with an existing record ({first_line})")
    if matches(_FOREIGN_KEY):
        return NotFoundError(f"{what} refers to a record that does not exist ({first_line})")
    if matches(_CHECK):
        return InvalidInputError(f"{what} has a value out of range ({first_line})")
    return exc


async def replace_owned(
    session: AsyncSession,
    table: Table,
    owner: tuple[str, int],
    keys: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    what: str,
) -> None:
    """Make the rows of one owner (an item's videos, say) these: the others deleted, these
    upserted by `keys` (the table's key, after the owner's column), so a second run of the same
    rows changes nothing."""
    column, owner_id = owner
    stale = delete(table).where(table.c[column] == owner_id)
    if rows:
        wanted = [tuple(row[k] for k in keys) for row in rows]
        stale = stale.where(tuple_(*(table.c[k] for k in keys)).not_in(wanted))
    await session.execute(stale)
    if not rows:
        return
    insert = upsert(session, table)
    changed = [name for name in rows[0] if name != column and name not in keys]
    statement = insert.on_conflict_do_update(
        index_elements=[column, *keys], set_={c: insert.excluded[c] for c in changed}
    )
    with constraint_errors(what):
        await session.execute(statement, [{column: owner_id, **row} for row in rows])


async def get_or_raise(session: AsyncSession, model: type[T], row_id: int, what: str) -> T:
    """The row with this primary key, or `NotFoundError` naming `what`."""
    row = await session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"{what} {row_id} does not exist")
    return row


def chunked(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
