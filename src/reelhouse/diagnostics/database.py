"""The database: reachable, on this reelhouse's schema, room on its disk, its clock."""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reelhouse.config import mask_url
from reelhouse.diagnostics.findings import Finding, Status, free_space
from reelhouse.errors import DatabaseIncompleteError, ReelhouseError, SchemaMismatchError
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.server import server_clock, server_version

#: Seconds of difference between this machine's clock and the PostgreSQL server's past which a
#: warning is given. Job leases, sessions and tokens are stamped by one clock and judged by
#: another when workers run on several machines; a skew of a few seconds is lost in a lease of
#: tens of seconds, a larger one expires leases early or keeps dead workers' jobs late.
CLOCK_SKEW_WARN_S = 5.0


@dataclass
class DatabaseFindings:
    findings: list[Finding] = field(default_factory=list)
    #: Reachable and on the current schema: the checks that read it may run.
    usable: bool = False


async def check_database(database: Database, *, migrate_on_start: bool) -> DatabaseFindings:
    """`migrate_on_start`: a schema behind the code is brought up to date by `reelhouse serve`
    (`database.migrate_on_start`), so it is no failure."""
    found = DatabaseFindings()
    where = mask_url(database.engine.url.render_as_string(hide_password=False))
    try:
        await database.ping()
        version = await server_version(database)
    except ReelhouseError as exc:
        found.findings.append(Finding("database", Status.FAIL, exc.detail))
        for check in ("schema", "database space", "clock"):
            found.findings.append(Finding(check, Status.SKIPPED, "the database is unreachable"))
        return found
    found.findings.append(
        Finding("database", Status.OK, f"{database.backend} {version} at {where}")
    )
    found.findings.append(await _schema(database, migrate_on_start))
    found.usable = found.findings[-1].status is Status.OK
    found.findings.append(await _space(database))
    found.findings.append(await _clock(database))
    return found


async def _schema(database: Database, migrate_on_start: bool) -> Finding:
    head = migrate.head_revision()
    try:
        current = await migrate.check_not_newer(database)
        if current != head and migrate_on_start:
            detail = f"at migration {current or 'none'}, behind {head}: `reelhouse serve` "
            detail += "migrates it as it starts (database.migrate_on_start)"
            return Finding("schema", Status.WARN, detail)
        await migrate.ensure_current(database)
    except (SchemaMismatchError, DatabaseIncompleteError) as exc:
        return Finding("schema", Status.FAIL, exc.detail)
    return Finding("schema", Status.OK, f"at migration {head}")


async def _space(database: Database) -> Finding:
    if database.backend != "sqlite":
        return Finding("database space", Status.SKIPPED, "n/a on PostgreSQL (the server's disk)")
    path = database.engine.url.database
    if not path or path == ":memory:":
        return Finding("database space", Status.SKIPPED, "n/a for a database in memory")
    folder = Path(path).parent
    usage = await asyncio.to_thread(shutil.disk_usage, folder)
    return free_space("database space", usage.free, str(folder))


async def _clock(database: Database) -> Finding:
    if database.backend != "postgresql":
        return Finding("clock", Status.SKIPPED, "n/a on SQLite (it reads this machine's clock)")
    before = time.time()
    theirs = await server_clock(database)
    after = time.time()
    # The server read its clock somewhere in the round trip: its middle is the best guess.
    ours = datetime.fromtimestamp((before + after) / 2, UTC)
    skew = (theirs - ours) / timedelta(seconds=1)
    margin = (after - before) / 2
    detail = (
        f"this machine is {abs(skew):.1f} s {'behind' if skew > 0 else 'ahead of'} the database"
    )
    if abs(skew) - margin > CLOCK_SKEW_WARN_S:
        return Finding("clock", Status.WARN, f"{detail}: set both by NTP")
    return Finding("clock", Status.OK, detail)
