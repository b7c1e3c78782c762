"""Reading whole tables in one snapshot, and the row count and checksum of each: what
`reelhouse db copy` verifies its copy with, and what a backup records and its restore checks.

JSON columns are read as their text, so that JSON's `null` and SQL's NULL (both `None` once
decoded) stay apart. The checksum of a table is the sum (mod 2**256) of the sha256 of each of its
rows, each value written in one canonical form: it does not depend on the order rows are read
in, which for text keys differs between the two databases' collations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Float,
    MetaData,
    Table,
    Text,
    cast,
    func,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from reelhouse.errors import DatabaseCopyError
from reelhouse.infra.db.engine import READ_ONLY_OPTION, Database

_MOD = 1 << 256
#: Tables and columns that are derived (search indexes) or the schema's own (Alembic's).
_NOT_DATA = ("search_", "alembic_version")


class TableProgress(Protocol):
    """Told what a long run over tables is doing: `step` names it ("copy", "verify"...)."""

    def table_started(self, step: str, table: str, total: int) -> None: ...

    def rows_done(self, rows: int) -> None: ...


class Silent:
    def table_started(self, step: str, table: str, total: int) -> None:
        return None

    def rows_done(self, rows: int) -> None:
        return None


@dataclass(frozen=True)
class TableSum:
    """A table's row count and checksum."""

    rows: int
    checksum: str


@asynccontextmanager
async def snapshot(database: Database) -> AsyncIterator[AsyncConnection]:
    """A connection in one read-only transaction: every read sees the same moment."""
    async with database.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            await connection.execution_options(**{READ_ONLY_OPTION: True})
        async with connection.begin():
            yield connection


async def stored_tables(connection: AsyncConnection) -> list[Table]:
    """The data tables as the database has them, whatever its migration, without the derived
    search indexes and columns (only their columns and primary keys: enough to read them)."""

    def reflect(sync: Any) -> list[Table]:
        found = MetaData()
        found.reflect(sync, only=lambda name, _: not name.startswith(_NOT_DATA))
        return [_data_only(table) for table in found.sorted_tables]

    return await connection.run_sync(reflect)


def _data_only(table: Table) -> Table:
    columns = [
        Column(column.name, column.type, primary_key=column.primary_key)
        for column in table.columns
        if not column.name.startswith(_NOT_DATA)
    ]
    return Table(table.name, MetaData(), *columns)


async def table_sums(
    connection: AsyncConnection,
    tables: Sequence[Table],
    batch_size: int,
    progress: TableProgress | None = None,
    *,
    step: str = "verify",
) -> dict[str, TableSum]:
    """The row count and checksum of each of `tables`, read on `connection`."""
    progress = progress or Silent()
    sums = {}
    for table in tables:
        progress.table_started(step, table.name, await count_rows(connection, table))
        found = Checksum()
        async for rows in batches(connection, table, batch_size):
            found.add(table, rows)
            progress.rows_done(len(rows))
        sums[table.name] = found.sum
    return sums


async def count_rows(connection: AsyncConnection, table: Table) -> int:
    return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


def is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _read_columns(table: Table) -> list[ColumnElement[Any]]:
    """The table's columns, JSON ones as their text (JSON `null` is not SQL NULL)."""
    return [
        cast(column, Text).label(column.name) if is_json(column) else column
        for column in table.columns
    ]


async def batches(
    connection: AsyncConnection, table: Table, batch_size: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """The table's rows in primary key order, `batch_size` at a time (keyset paging), as
    Python values; a JSON value decoded, its `null` as `JSON.NULL`."""
    keys = list(table.primary_key.columns)
    json_columns = [column.name for column in table.columns if is_json(column)]
    query = select(*_read_columns(table)).order_by(*keys).limit(batch_size)
    last: list[Any] | None = None
    while True:
        page = query
        if last is not None:
            if len(keys) == 1:
                page = query.where(keys[0] > last[0])
            else:
                page = query.where(tuple_(*keys) > tuple_(*last))
        rows = [dict(row._mapping) for row in await connection.execute(page)]
        if not rows:
            return
        for row in rows:
            for name in json_columns:
                row[name] = _decode_json(row[name])
        yield rows
        if len(rows) < batch_size:
            return
        last = [rows[-1][key.name] for key in keys]


def _decode_json(stored: str | None) -> Any:
    if stored is None:
        return None
    value = json.loads(stored)
    return JSON.NULL if value is None else value


class Checksum:
    """Row count and order-independent checksum of a table's rows (see the module's doc)."""

    def __init__(self) -> None:
        self.rows = 0
        self._sum = 0

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = [(column.name, _kind(column)) for column in table.columns]
        for row in rows:
            values = [_canonical(row[name], kind) for name, kind in columns]
            encoded = json.dumps(values, ensure_ascii=True, separators=(",", ":"))
            digest = hashlib.sha256(encoded.encode("ascii")).digest()
            self._sum = (self._sum + int.from_bytes(digest, "big")) % _MOD
            self.rows += 1

    @property
    def hex(self) -> str:
        return f"{self._sum:064x}"

    @property
    def sum(self) -> TableSum:
        return TableSum(self.rows, self.hex)


def _kind(column: Column[Any]) -> str:
    if is_json(column):
        return "json"
    return "float" if isinstance(column.type, Float) else ""


def _canonical(value: Any, kind: str) -> Any:
    """`value` as JSON that is the same whichever database it was read from."""
    if value is None:
        return None
    if kind == "json":
        decoded = None if value is JSON.NULL else value
        return ["json", json.dumps(decoded, sort_keys=True, separators=(",", ":"))]
    if kind == "float":
        return ["float", float(value).hex()]
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["bytes", bytes(value).hex()]
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo is not None else value
        return ["datetime", moment.isoformat()]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    raise DatabaseCopyError(f"cannot compare a value of type {type(value).__name__}")
