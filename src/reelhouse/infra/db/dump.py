"""A whole database to one file in its own native format, and back: what a backup carries.

- SQLite: the online backup API (`sqlite3.Connection.backup`, in one step, in a thread), which
  copies one consistent moment while the server goes on writing; restored by the same API into
  the target file, which replaces its content in one transaction.
- PostgreSQL: `pg_dump --format=custom`, on the snapshot of a transaction of ours
  (`pg_export_snapshot`), so the checksums we take in that transaction describe exactly what
  pg_dump wrote; restored by `pg_restore` in one transaction (all or nothing).

Either way the dump records the schema's migration and each data table's row count and checksum
(`reelhouse.infra.db.checksum`, of the tables as the database has them), which the restore
compares with the restored database before migrating it forward.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from reelhouse.config import BackupSettings, Settings
from reelhouse.errors import BackupError
from reelhouse.infra.db.checksum import TableProgress, TableSum, snapshot, stored_tables, table_sums
from reelhouse.infra.db.engine import Database
from reelhouse.infra.media.process import run_program

#: What pg_dump and pg_restore print on stdout: nothing (they write their file, or the database).
_NO_OUTPUT = 0


@dataclass(frozen=True)
class DatabaseState:
    """A database's dialect, migration and data tables' sums, at one moment."""

    dialect: str
    revision: str | None
    tables: dict[str, TableSum]


async def dump_database(
    database: Database, file: Path, settings: Settings, progress: TableProgress
) -> DatabaseState:
    """Write `database` to `file`, consistent while others write to it, and describe what it
    wrote (its sums are taken in the same moment)."""
    batch_size = settings.backup.batch_size
    if database.backend == "sqlite":
        source = _sqlite_file(database.engine.url)
        if not source.is_file():
            raise BackupError(f"there is no SQLite database at {source}")
        await asyncio.to_thread(_sqlite_copy, _read_only(source), file, _busy_s(settings))
        await asyncio.to_thread(_single_file, file)
        copy = Database(create_async_engine(f"sqlite+aiosqlite:///{_read_only(file)}&uri=true"))
        try:
            return await describe(copy, batch_size, progress, step="checksum")
        finally:
            await copy.close()
    async with snapshot(database) as connection:
        exported = (await connection.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
        argv = [settings.backup.pg_dump_path, "--no-password", "--format=custom"]
        argv += [f"--snapshot={exported}", f"--file={file}"]
        dumping = asyncio.ensure_future(_run_pg(settings.backup, database.engine.url, argv))
        try:
            state = await _describe(connection, batch_size, progress, "checksum")
        except BaseException:
            dumping.cancel()  # the program is killed and reaped
            await asyncio.wait([dumping])
            raise
        await dumping
    return state


async def load_database(
    file: Path, database: Database, settings: Settings, *, replace: bool
) -> None:
    """Restore `file` (from `dump_database` on the same dialect) into `database`, all or
    nothing; with `replace`, what the target held is replaced."""
    if database.backend == "sqlite":
        target = _sqlite_file(database.engine.url)
        await asyncio.to_thread(_sqlite_copy, _read_only(file), target, _busy_s(settings))
        return
    argv = [settings.backup.pg_restore_path, "--no-password", "--single-transaction"]
    argv += ["--exit-on-error", "--no-owner", "--no-privileges"]
    argv += [f"--dbname={database.engine.url.database}"]
    if replace:
        argv += ["--clean", "--if-exists"]
    await _run_pg(settings.backup, database.engine.url, [*argv, str(file)])


async def describe(
    database: Database, batch_size: int, progress: TableProgress, *, step: str = "verify"
) -> DatabaseState:
    """The database's migration and data tables' sums, in one snapshot."""
    async with snapshot(database) as connection:
        return await _describe(connection, batch_size, progress, step)


async def table_names(database: Database) -> list[str]:
    """Every table of the database (none: it is empty, or does not exist yet)."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(lambda sync: inspect(sync).get_table_names())


async def _describe(
    connection: AsyncConnection, batch_size: int, progress: TableProgress, step: str
) -> DatabaseState:
    revision = await connection.run_sync(
        lambda sync: MigrationContext.configure(sync).get_current_revision()
    )
    tables = await stored_tables(connection)
    sums = await table_sums(connection, tables, batch_size, progress, step=step)
    return DatabaseState(connection.dialect.name, revision, sums)


# -- SQLite -----------------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    if url.database in (None, "", ":memory:") or url.query.get("mode") == "memory":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored into")
    return Path(url.database).absolute()


def _read_only(file: Path) -> str:
    """The URI that opens `file` for reading only."""
    return f"{file.absolute().as_uri()}?mode=ro"


def _busy_s(settings: Settings) -> float:
    return settings.database.sqlite_busy_timeout_ms / 1000


def _sqlite_copy(source_uri: str, target: Path, busy_s: float) -> None:
    """Copy the database at `source_uri` over `target`, in one step: one consistent moment of
    the source, written to the target in one transaction."""
    try:
        with (
            closing(sqlite3.connect(source_uri, uri=True, timeout=busy_s)) as source,
            closing(sqlite3.connect(target, timeout=busy_s)) as copy,
        ):
            source.backup(copy)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy the database to {target}: {exc}") from exc


def _single_file(file: Path) -> None:
    """The copy as one self-contained file (no write-ahead log beside it)."""
    with closing(sqlite3.connect(file)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")


# -- PostgreSQL -------------------------------------------------------------------------------


async def _run_pg(settings: BackupSettings, url: URL, argv: list[str]) -> None:
    """Run pg_dump or pg_restore on the database at `url`; where it is and who connects go in
    the environment (libpq's variables), so the password never shows in `ps`."""
    env = {
        name: str(value)
        for name, value in {
            "PGHOST": url.host,
            "PGPORT": url.port,
            "PGUSER": url.username,
            "PGPASSWORD": url.password,
            "PGDATABASE": url.database,
            "PGSSLMODE": url.query.get("sslmode") or url.query.get("ssl"),
        }.items()
        if value is not None
    }
    await run_program(
        argv,
        timeout_s=settings.program_timeout_s,
        niceness=settings.program_niceness,
        max_output=_NO_OUTPUT,
        env=env,
    )
