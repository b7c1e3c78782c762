"""One reelhouse process per SQLite database without Redis.

Without Redis, a process's cache hears only its own writes: a `reelhouse worker` next to a
`reelhouse serve` (or two servers) on one SQLite file would leave the server answering from what
it cached before the other's writes, a revoked token or a removed library grant included, for
up to the cache's TTLs. Rather than carry invalidations through the database, such a set-up is
refused at start: every long-running process that serves or runs jobs on SQLite without Redis
holds an exclusive lock on a file next to the database for as long as it runs, and the next one
finds it held and says what to do instead (run the workers inside the one `reelhouse serve`, the
default, or give every process Redis). One process alone, whatever it runs, is always allowed,
and a lock held by a process that died is released by the kernel.

PostgreSQL and in-memory SQLite are not concerned here; with Redis, processes hear each other
through its invalidation channel (and, while it is down, what decides access is read from the
database: `reelhouse.infra.cache.channel`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from reelhouse.config import Settings
from reelhouse.errors import ConfigError
from reelhouse.infra.db.engine import parse_database_url

LOCK_SUFFIX = "-reelhouse.lock"


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite database file of `settings`; None for PostgreSQL or an in-memory database."""
    url = parse_database_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database).absolute()


def needs_sole_process(settings: Settings) -> Path | None:
    """The database file whose lock this process must hold, if it must hold one."""
    if settings.redis.url:
        return None
    return sqlite_file(settings)


@contextlib.contextmanager
def sole_process(settings: Settings, command: str) -> Iterator[None]:
    """Hold the SQLite database for `command` (what this process is, for the other's
    message) while the block runs; `ConfigError` when another process holds it."""
    database = needs_sole_process(settings)
    if database is None:
        yield
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    lock_path = database.with_name(database.name + LOCK_SUFFIX)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(_refusal(database, command, _holder(fd))) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} reelhouse {command}\n".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    """Who holds the lock, as it wrote itself down (it may not have yet)."""
    try:
        written = os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        written = ""
    pid, _, command = written.partition(" ")
    return f"pid {pid}, `{command}`" if pid.isdigit() and command else "another process"


def _refusal(database: Path, command: str, holder: str) -> str:
    if command.startswith("scan"):
        instead = "queue the scan without --wait (the server's workers run it)"
    elif command == "restore":
        instead = "stop it before restoring over its database"
    else:
        instead = (
            "run the job workers inside the one `reelhouse serve` (server.run_workers=true, "
            "the default) instead of a separate `reelhouse worker`"
        )
    return (
        f"`reelhouse {command}` refused: another reelhouse process ({holder}) uses the SQLite "
        f"database {database} without Redis, and neither would hear of the other's writes "
        f"(a revoked token or a removed library grant would keep working there); {instead}, "
        "or set redis.url (REELHOUSE_REDIS_URL) for every process."
    )
