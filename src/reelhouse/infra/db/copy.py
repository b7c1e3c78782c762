"""Copy a whole reelhouse database into another (`reelhouse db copy`): SQLite to PostgreSQL, back,
or PostgreSQL to PostgreSQL.

- The source is read only, in one read-only snapshot (one transaction), so a server still running
  on it cannot make the copy inconsistent; it must be at this reelhouse's newest migration.
- The target is migrated to the same migration first, must be empty (or is cleared, with
  `replace`), and is marked incomplete (`reelhouse.infra.db.markers`) before its first row is
  written: an interrupted copy is never served.
- Tables are copied in dependency order, in batches read by primary key (keyset) and written
  through SQLAlchemy Core, so every value keeps its Python type and the column types convert it
  for the other database (booleans, JSON, aware datetimes, bytes, unsigned 64-bit integers).
  Every id is kept; PostgreSQL's sequences then continue after the copied ids.
- A reference from a row to a row of its own table that comes later in key order (an episode
  whose season was stored after it) is written as NULL and set once the whole table is copied,
  so foreign keys stay checked on both databases during the copy.
- At the end every table of the target is read again and its row count and checksum compared
  with the source's; only then is the mark removed.

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
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Float,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from reelhouse.config import mask_url
from reelhouse.errors import DatabaseCopyError, SchemaMismatchError
from reelhouse.infra.db import migrate, statistics
from reelhouse.infra.db.engine import READ_ONLY_OPTION, Database
from reelhouse.infra.db.markers import (
    COPY_INCOMPLETE,
    clear_marker,
    markers,
    read_marker,
    set_marker,
)
from reelhouse.infra.db.types import utcnow

_MOD = 1 << 256


class CopyProgress(Protocol):
    """Told what the copy is doing: `step` is "copy" or "verify"."""

    def table_started(self, step: str, table: str, total: int) -> None: ...

    def rows_done(self, rows: int) -> None: ...


class _Silent:
    def table_started(self, step: str, table: str, total: int) -> None:
        return None

    def rows_done(self, rows: int) -> None:
        return None


@dataclass(frozen=True)
class TableCheck:
    """One table's row count and checksum, in the source and in the target after the copy."""

    table: str
    source_rows: int
    source_checksum: str
    target_rows: int
    target_checksum: str

    @property
    def matches(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


@dataclass(frozen=True)
class CopyReport:
    tables: tuple[TableCheck, ...]

    @property
    def verified(self) -> bool:
        return all(check.matches for check in self.tables)

    @property
    def rows(self) -> int:
        return sum(check.source_rows for check in self.tables)


def copied_tables(metadata: MetaData) -> list[Table]:
    """The tables a copy carries, parents before children; the markers stay behind."""
    return [table for table in metadata.sorted_tables if table.name != markers.name]


async def copy_database(
    source: Database,
    target: Database,
    metadata: MetaData,
    *,
    replace: bool = False,
    batch_size: int = 5_000,
    progress: CopyProgress | None = None,
    refresh_statistics: bool = True,
) -> CopyReport:
    """Copy every table of `metadata` from `source` into `target`, then verify it. Refusals and
    a failed write are `DatabaseCopyError` (or `SchemaMismatchError`), with the reason; the
    target keeps its incomplete mark unless the report says `verified`. With
    `refresh_statistics`, a verified PostgreSQL target has its every table analyzed before it
    is served (written in bulk, it would be planned as if empty: see `statistics`)."""
    progress = progress or _Silent()
    if batch_size < 1:
        raise DatabaseCopyError("the batch size must be at least 1")
    if _same_database(source.engine.url, target.engine.url):
        raise DatabaseCopyError("the source and the target are the same database")
    await source.ping()
    await target.ping()
    await _check_source_schema(source)
    await _migrate_target(target)
    tables = copied_tables(metadata)
    detail = f"from {_shown(source)}, started {utcnow().isoformat(timespec='seconds')}"
    async with _snapshot(source) as reader:
        if await read_marker(reader, COPY_INCOMPLETE) is not None:
            raise DatabaseCopyError(
                "the source database holds an incomplete copy itself: copy from its source"
            )
        totals = {table.name: await _count(reader, table) for table in tables}
        async with target.engine.connect() as writer:
            await _claim(writer, tables, replace=replace, detail=detail)
            sums = {}
            for table in tables:
                progress.table_started("copy", table.name, totals[table.name])
                sums[table.name] = await _copy_table(reader, writer, table, batch_size, progress)
            if writer.dialect.name == "postgresql":
                async with writer.begin():
                    await _reset_sequences(writer, tables)
    checks = []
    async with _snapshot(target) as checker:
        for table in tables:
            progress.table_started("verify", table.name, sums[table.name].rows)
            found = _Checksum()
            async for rows in _batches(checker, table, batch_size):
                found.add(table, rows)
                progress.rows_done(len(rows))
            expected = sums[table.name]
            checks.append(
                TableCheck(table.name, expected.rows, expected.hex, found.rows, found.hex)
            )
    report = CopyReport(tuple(checks))
    if report.verified:
        if refresh_statistics:
            await statistics.refresh_statistics(target, every_table=True)
        async with target.engine.begin() as connection:
            await clear_marker(connection, COPY_INCOMPLETE)
    return report


# -- refusals ---------------------------------------------------------------------------------


def _same_database(a: URL, b: URL) -> bool:
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        if not a.database or not b.database or ":memory:" in (a.database, b.database):
            return False
        return Path(a.database).resolve() == Path(b.database).resolve()
    return (a.host, a.port or 5432, a.database) == (b.host, b.port or 5432, b.database)


def _shown(database: Database) -> str:
    return mask_url(database.engine.url.render_as_string(hide_password=False))


async def _check_source_schema(source: Database) -> None:
    try:
        current = await migrate.check_not_newer(source)
    except SchemaMismatchError as exc:
        raise SchemaMismatchError(f"the source: {exc.detail}") from exc
    if current != migrate.head_revision():
        raise SchemaMismatchError(
            f"the source database is at migration {current or 'none'} but this reelhouse "
            f"copies {migrate.head_revision()}: run `reelhouse db upgrade` on it first"
        )


async def _migrate_target(target: Database) -> None:
    try:
        await migrate.upgrade(target)
    except SchemaMismatchError as exc:
        raise SchemaMismatchError(f"the target: {exc.detail}") from exc


async def _claim(
    writer: AsyncConnection, tables: Sequence[Table], *, replace: bool, detail: str
) -> None:
    """Check the target is empty, or clear it with `replace`; mark it incomplete either way."""
    async with writer.begin():
        if replace:
            await _clear(writer, tables)
        else:
            for table in tables:
                if (await writer.execute(select(literal(1)).select_from(table).limit(1))).first():
                    raise DatabaseCopyError(
                        f"the target database is not empty (table {table.name} has rows): "
                        "pass --replace to overwrite it"
                    )
        await set_marker(writer, COPY_INCOMPLETE, detail)


async def _clear(writer: AsyncConnection, tables: Sequence[Table]) -> None:
    if writer.dialect.name == "postgresql":
        names = ", ".join(writer.dialect.identifier_preparer.format_table(t) for t in tables)
        await writer.execute(text(f"TRUNCATE TABLE {names}"))
        return
    for table in reversed(tables):
        await writer.execute(delete(table))


# -- reading ----------------------------------------------------------------------------------


@asynccontextmanager
async def _snapshot(database: Database) -> AsyncIterator[AsyncConnection]:
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


async def _count(connection: AsyncConnection, table: Table) -> int:
    return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _read_columns(table: Table) -> list[ColumnElement[Any]]:
    """The table's columns, JSON ones as their text (JSON `null` is not SQL NULL)."""
    return [
        cast(column, Text).label(column.name) if _is_json(column) else column
        for column in table.columns
    ]


async def _batches(
    connection: AsyncConnection, table: Table, batch_size: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """The table's rows in primary key order, `batch_size` at a time (keyset paging), as
    Python values; a JSON value decoded, its `null` as `JSON.NULL`."""
    keys = list(table.primary_key.columns)
    json_columns = [column.name for column in table.columns if _is_json(column)]
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


# -- writing ----------------------------------------------------------------------------------


def _write_table(table: Table) -> Table:
    """`table` with its column types and nothing else (no defaults, no keys), JSON columns
    writing `None` as SQL NULL and `JSON.NULL` as JSON's `null`."""
    columns = [
        Column(column.name, JSON(none_as_null=True) if _is_json(column) else column.type)
        for column in table.columns
    ]
    return Table(table.name, MetaData(), *columns)


def _later_self_references(table: Table) -> list[str]:
    """The columns of `table` that refer to its own single-column primary key."""
    keys = list(table.primary_key.columns)
    names = []
    for foreign_key in table.foreign_keys:
        if foreign_key.column.table is not table:
            continue
        if len(keys) != 1 or foreign_key.column is not keys[0]:
            raise DatabaseCopyError(
                f"table {table.name} refers to itself other than by its primary key: "
                "this copy does not know how to order it"
            )
        if not foreign_key.parent.nullable:
            raise DatabaseCopyError(
                f"{table.name}.{foreign_key.parent.name} refers to its own table and is never "
                "NULL: this copy does not know how to order it"
            )
        names.append(foreign_key.parent.name)
    return names


async def _copy_table(
    reader: AsyncConnection,
    writer: AsyncConnection,
    table: Table,
    batch_size: int,
    progress: CopyProgress,
) -> _Checksum:
    writes = _write_table(table)
    self_references = _later_self_references(table)
    key = table.primary_key.columns[0].name if self_references else ""
    later: dict[str, list[dict[str, Any]]] = {name: [] for name in self_references}
    checksum = _Checksum()
    async for rows in _batches(reader, table, batch_size):
        checksum.add(table, rows)
        for row in rows:
            for name in self_references:
                if row[name] is not None and row[name] > row[key]:
                    later[name].append({"_key": row[key], "_value": row[name]})
                    row[name] = None
        await _write(writer, table, insert(writes), rows)
        progress.rows_done(len(rows))
    for name, values in later.items():
        statement = (
            update(writes)
            .where(writes.c[key] == bindparam("_key", type_=writes.c[key].type))
            .values({name: bindparam("_value", type_=writes.c[name].type)})
        )
        for start in range(0, len(values), batch_size):
            await _write(writer, table, statement, values[start : start + batch_size])
    return checksum


async def _write(
    writer: AsyncConnection, table: Table, statement: Any, rows: list[dict[str, Any]]
) -> None:
    try:
        async with writer.begin():
            await writer.execute(statement, rows)
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DatabaseCopyError(
            f"the target refused a row of table {table.name}: {reason} (the target stays "
            "marked incomplete: fix the cause, then copy again with --replace)"
        ) from exc


async def _reset_sequences(writer: AsyncConnection, tables: Sequence[Table]) -> None:
    """Each PostgreSQL sequence behind an integer key continues after the copied ids."""
    quote = writer.dialect.identifier_preparer
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        column = quote.quote(keys[0].name)
        await writer.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"coalesce((SELECT max({column}) FROM {quote.format_table(table)}), 0) + 1, "
                "false)"
            ),
            {"table": quote.format_table(table), "column": keys[0].name},
        )


# -- checking ---------------------------------------------------------------------------------


class _Checksum:
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


def _kind(column: Column[Any]) -> str:
    if _is_json(column):
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
