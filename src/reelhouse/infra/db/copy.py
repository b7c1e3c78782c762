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

Reading and checksums are `reelhouse.infra.db.checksum`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    MetaData,
    Table,
    bindparam,
    delete,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from reelhouse.config import mask_url
from reelhouse.errors import DatabaseCopyError, SchemaMismatchError
from reelhouse.infra.db import migrate, statistics
from reelhouse.infra.db.checksum import (
    Checksum,
    Silent,
    TableProgress,
    TableSum,
    batches,
    count_rows,
    is_json,
    snapshot,
    table_sums,
)
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.markers import (
    COPY_INCOMPLETE,
    clear_marker,
    markers,
    read_marker,
    set_marker,
)
from reelhouse.infra.db.peers import PeerProcess
from reelhouse.infra.db.types import utcnow


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
    """The tables a copy carries, parents before children; the markers and the rows of the
    source's running processes stay behind."""
    left = {markers.name, PeerProcess.__tablename__}
    return [table for table in metadata.sorted_tables if table.name not in left]


async def copy_database(
    source: Database,
    target: Database,
    metadata: MetaData,
    *,
    replace: bool = False,
    batch_size: int = 5_000,
    progress: TableProgress | None = None,
    refresh_statistics: bool = True,
) -> CopyReport:
    """Copy every table of `metadata` from `source` into `target`, then verify it. Refusals and
    a failed write are `DatabaseCopyError` (or `SchemaMismatchError`), with the reason; the
    target keeps its incomplete mark unless the report says `verified`. With
    `refresh_statistics`, a verified PostgreSQL target has its every table analyzed before it
    is served (written in bulk, it would be planned as if empty: see `statistics`)."""
    progress = progress or Silent()
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
    async with snapshot(source) as reader:
        if await read_marker(reader, COPY_INCOMPLETE) is not None:
            raise DatabaseCopyError(
                "the source database holds an incomplete copy itself: copy from its source"
            )
        totals = {table.name: await count_rows(reader, table) for table in tables}
        async with target.engine.connect() as writer:
            await _claim(writer, tables, replace=replace, detail=detail)
            sums = {}
            for table in tables:
                progress.table_started("copy", table.name, totals[table.name])
                sums[table.name] = await _copy_table(reader, writer, table, batch_size, progress)
            if writer.dialect.name == "postgresql":
                async with writer.begin():
                    await _reset_sequences(writer, tables)
    async with snapshot(target) as checker:
        found = await table_sums(checker, tables, batch_size, progress)
    report = CopyReport(tuple(_check(table.name, sums[table.name].sum, found) for table in tables))
    if report.verified:
        if refresh_statistics:
            await statistics.refresh_statistics(target, every_table=True)
        async with target.engine.begin() as connection:
            await clear_marker(connection, COPY_INCOMPLETE)
    return report


def _check(name: str, copied: TableSum, found: dict[str, TableSum]) -> TableCheck:
    return TableCheck(name, copied.rows, copied.checksum, found[name].rows, found[name].checksum)


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


# -- writing ----------------------------------------------------------------------------------


def _write_table(table: Table) -> Table:
    """`table` with its column types and nothing else (no defaults, no keys), JSON columns
    writing `None` as SQL NULL and `JSON.NULL` as JSON's `null`."""
    columns = [
        Column(column.name, JSON(none_as_null=True) if is_json(column) else column.type)
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
    progress: TableProgress,
) -> Checksum:
    writes = _write_table(table)
    self_references = _later_self_references(table)
    key = table.primary_key.columns[0].name if self_references else ""
    later: dict[str, list[dict[str, Any]]] = {name: [] for name in self_references}
    checksum = Checksum()
    async for rows in batches(reader, table, batch_size):
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
