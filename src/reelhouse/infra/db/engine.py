"""Engine and sessions: one code path for SQLite (the default) and PostgreSQL (the scale-out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from reelhouse.config import DatabaseSettings, Settings, mask_url
from reelhouse.errors import ConfigError, DatabaseUnavailableError
from reelhouse.infra.db.deadline import remaining_s
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)
SUPPORTED_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}
READ_ONLY_OPTION = "reelhouse_read_only"
#: The busy timeout a pooled SQLite connection has now (in its record's info).
BUSY_TIMEOUT_KEY = "reelhouse_busy_timeout_ms"
#: PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout`.
QUERY_CANCELED = "57014"
#: `SET LOCAL statement_timeout` with the value bound (SET itself takes no parameters).
_STATEMENT_TIMEOUT = text("SELECT set_config('statement_timeout', :timeout, true)")


def parse_database_url(url: str) -> URL:
    """Validate a database URL up front, so a typo is a config error and not a stack trace."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"setting database.url: cannot parse {mask_url(url)!r}") from exc
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ConfigError(
            f"setting database.url: driver {parsed.drivername!r} is not supported; "
            f"use one of {', '.join(sorted(SUPPORTED_DRIVERS))}"
        )
    return parsed


def create_engine(url: str, settings: DatabaseSettings, **connect_args: Any) -> AsyncEngine:
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed, settings)
    return create_async_engine(
        parsed,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout_s,
        pool_pre_ping=True,
        connect_args={"timeout": settings.connect_timeout_s, **connect_args},
    )


def _create_sqlite_engine(url: URL, settings: DatabaseSettings) -> AsyncEngine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # The driver's own implicit BEGIN skips DDL; we issue BEGIN ourselves (below) so that
        # migrations and every other transaction are atomic on SQLite too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()
        record.info[BUSY_TIMEOUT_KEY] = int(settings.sqlite_busy_timeout_ms)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another writer committed in between (SQLite cannot wait on that
        # conflict), so transactions take the write lock up front, waiting up to the busy
        # timeout. Read-only work (`Database.read`) keeps a deferred snapshot beside writers.
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        # A request waits for the lock no longer than its deadline leaves it.
        busy_ms = int(settings.sqlite_busy_timeout_ms)
        left = remaining_s()
        if left is not None:
            busy_ms = max(1, min(busy_ms, int(left * 1000)))
        if connection.info.get(BUSY_TIMEOUT_KEY) != busy_ms:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
            connection.info[BUSY_TIMEOUT_KEY] = busy_ms
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


class Database:
    """The engine and session factory of one process."""

    def __init__(self, engine: AsyncEngine, *, busy_retry_after_s: float = 1.0) -> None:
        self.engine = engine
        self.busy_retry_after_s = busy_retry_after_s
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls.from_url(settings.database_url, settings.database)

    @classmethod
    def from_url(cls, url: str, settings: DatabaseSettings | None = None) -> Database:
        settings = settings or DatabaseSettings()
        return cls(create_engine(url, settings), busy_retry_after_s=settings.busy_retry_after_s)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on any error. A database too
        busy to serve it is `DatabaseUnavailableError` (see `_busy`)."""
        with self._busy():
            self._check_deadline()
            async with self.sessions() as session, session.begin():
                await self._bound(session)
                yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: on SQLite it does not take the write lock."""
        with self._busy():
            self._check_deadline()
            async with self._read_sessions() as session, session.begin():
                await self._bound(session)
                yield session

    def _check_deadline(self) -> None:
        left = remaining_s()
        if left is not None and left <= 0:
            raise DatabaseUnavailableError(
                "the request ran out of time for the database: try again shortly",
                retry_after_s=self.busy_retry_after_s,
            )

    async def _bound(self, session: AsyncSession) -> None:
        """On PostgreSQL, a request's transaction may run for what is left of its deadline
        (lock waits included); SQLite's busy timeout is bounded as the transaction begins."""
        left = remaining_s()
        if left is not None and self.backend == "postgresql":
            timeout_ms = max(1, int(left * 1000))
            # One statement text for every value: asyncpg prepares each new text it is sent
            # (a round trip more) and keeps it in a per-connection cache of 100, which a
            # `SET LOCAL statement_timeout = <ms>` per request filled and emptied.
            await session.execute(_STATEMENT_TIMEOUT, {"timeout": f"{timeout_ms}ms"})

    @contextmanager
    def _busy(self) -> Iterator[None]:
        """Every pooled connection stayed in use for `database.pool_timeout_s`, a new
        connection was not made within its timeout (asyncpg's `TimeoutError`), SQLite's
        write lock stayed taken for its busy timeout, or a request's deadline ran out: the
        database is saturated, not broken, and is worth asking again in
        `database.busy_retry_after_s`. So is a connection the server closed mid-transaction."""
        try:
            yield
        except (PoolTimeoutError, DBAPIError, TimeoutError) as exc:
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                # The server closed the connection under the transaction (a restart, an
                # administrator's pg_terminate_backend): the pool drops it, the next one works.
                log.warning("database connection lost", error=_first_line(exc))
                raise DatabaseUnavailableError(
                    "the database connection was lost: try again shortly",
                    retry_after_s=self.busy_retry_after_s,
                ) from exc
            if isinstance(exc, DBAPIError) and not _saturated(exc):
                raise
            log.warning("database saturated", error=type(exc).__name__)
            raise DatabaseUnavailableError(
                "the server is busy: try again shortly", retry_after_s=self.busy_retry_after_s
            ) from exc

    async def ping(self) -> None:
        """Raise `DatabaseUnavailableError` unless the database answers a trivial query."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError, OSError, TimeoutError) as exc:
            raise DatabaseUnavailableError(
                f"database {mask_url(self.engine.url.render_as_string(hide_password=False))} "
                f"is unreachable: {_first_line(exc)}"
            ) from exc

    async def has_table(self, name: str) -> bool:
        async with self.engine.connect() as connection:
            return await connection.run_sync(lambda sync: inspect(sync).has_table(name))

    async def close(self) -> None:
        await self.engine.dispose()


def _saturated(exc: DBAPIError) -> bool:
    """SQLite's write lock outlasted the busy timeout, or PostgreSQL cancelled a statement
    that outlasted the request's deadline."""
    if "database is locked" in str(exc.orig):
        return True
    return getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
    return message.strip().splitlines()[0]
