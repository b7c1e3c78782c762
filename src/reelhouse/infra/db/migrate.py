"""Apply and check schema migrations (Alembic, driven through the async engine)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection

from reelhouse.errors import SchemaMismatchError
from reelhouse.infra.db import statistics
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.markers import refuse_incomplete

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


SEARCH_PREFIX = "search_"


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the search indexes (database-specific, made by raw SQL) out of schema comparisons."""
    return not (name or "").startswith(SEARCH_PREFIX)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    """The migrations this reelhouse ships, read once per process."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    if head is None:
        raise SchemaMismatchError("this reelhouse ships no migrations: the install is broken")
    return head


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade(database: Database, revision: str = "head") -> None:
    """Apply pending migrations in one transaction: nothing is ever half-migrated."""
    current = await check_not_newer(database)
    if revision == "head" and current == head_revision():
        return
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def check_not_newer(database: Database) -> str | None:
    """The database's migration, refused when this reelhouse does not know it."""
    current = await current_revision(database)
    if current is not None and not is_known(current):
        raise SchemaMismatchError(
            f"the database is at migration {current}, which this reelhouse does not know "
            f"(its newest is {head_revision()}): run a newer reelhouse or restore a backup"
        )
    return current


def is_known(revision: str) -> bool:
    """Whether this reelhouse ships migration `revision` (one it knows how to go on from)."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


async def ensure_current(database: Database) -> None:
    """Refuse to run on a schema that is older or newer than the code, or on a database an
    unfinished `reelhouse db copy` wrote to."""
    current = await check_not_newer(database)
    if current != head_revision():
        raise SchemaMismatchError(
            f"the database is at migration {current or 'none'} but this reelhouse needs "
            f"{head_revision()}: run `reelhouse db upgrade`"
        )
    await refuse_incomplete(database)


async def prepare(
    database: Database, *, migrate_on_start: bool, refresh_statistics: bool = False
) -> None:
    """Fail fast, with one clear line, on a database that is unreachable or on the wrong schema;
    with `migrate_on_start`, apply the pending migrations first; with `refresh_statistics`,
    bring stale planner statistics up to date before anything is served from them (a database
    just restored, or written in bulk while no reelhouse ran: see `statistics`)."""
    await database.ping()
    if migrate_on_start:
        await upgrade(database)
    await ensure_current(database)
    if refresh_statistics:
        await statistics.refresh_statistics(database)
