"""Planner statistics brought up to date after writes in bulk (PostgreSQL).

PostgreSQL plans every query from the statistics `ANALYZE` keeps of each table. Its autovacuum
refreshes them once enough rows changed, but only on its next round, and not at all where it is
turned off; until then a table just written in bulk (a first scan, `reelhouse db copy`, a
restore, a bulk import) is planned as if it were nearly empty: on a 100,000-item catalogue just
written, every listing query was estimated at one row, and a first page sorted by release date
read all 95,000 movies and sorted them (200 ms, where the listing index serves it in 0.1 ms).
Rows a GIN index was told of in bulk wait in its pending list, which every search through the
index reads in full, until autovacuum moves them into the index proper: there, 9,600 entries on
180 pages, so that a two-word search read 191 pages of the word index instead of 11.

`refresh_statistics` does now, for the tables that need it, what autovacuum would do on its next
round: it analyzes every table that holds rows but no statistics, or changed by more rows than
autovacuum's own threshold (`autovacuum_analyze_threshold` + `autovacuum_analyze_scale_factor`
x its rows), and moves the pending rows of their GIN indexes into the index. When nothing
changed it is one catalogue query. Each connection hands on its counts of changed rows when it
is idle, at most once a second, so a refresh just after a write may not see its last second
yet: the next one does. SQLite plans from its indexes alone (no `ANALYZE` has ever run on a
reelhouse SQLite database, and its plans are the ones the listings were measured with): nothing
is done there.
"""

from __future__ import annotations

from sqlalchemy import text

from reelhouse.infra.db.engine import Database
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

#: The application's tables (those of the current schema that this role may analyze): with
#: `every`, all of them; otherwise those that hold rows but have no column statistics (never
#: analyzed: an index built since tells the planner how many rows there are, not what they
#: hold), or changed since by more rows than autovacuum waits for. The counts of changes start
#: again from nothing in a copy of a database (`CREATE DATABASE ... TEMPLATE`) or after a crash;
#: the statistics themselves are copied with it.
_TABLES = text(
    """
    SELECT c.oid::regclass::text AS name
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE n.nspname = current_schema()
      AND c.relkind IN ('r', 'p')
      AND pg_has_role(c.relowner, 'USAGE')
      AND (
        CAST(:every AS boolean)
        OR (
          c.reltuples <> 0
          AND pg_relation_size(c.oid) > 0
          AND NOT EXISTS (
            SELECT 1 FROM pg_stats p WHERE p.schemaname = n.nspname AND p.tablename = c.relname
          )
        )
        OR coalesce(s.n_mod_since_analyze, 0) >
          current_setting('autovacuum_analyze_threshold')::float8
          + current_setting('autovacuum_analyze_scale_factor')::float8
            * greatest(c.reltuples, 0)
      )
    ORDER BY c.relname
    """
)
#: The GIN indexes of a table.
_GIN_INDEXES = text(
    """
    SELECT i.indexrelid::regclass::text
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am a ON a.oid = c.relam
    WHERE i.indrelid = CAST(:table AS regclass) AND a.amname = 'gin'
    ORDER BY 1
    """
)
_CLEAN_PENDING = text("SELECT gin_clean_pending_list(CAST(:index AS regclass))")
#: One process refreshes at a time; another finding the lock taken leaves the work to it.
_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('reelhouse.refresh_statistics'))")


async def refresh_statistics(database: Database, *, every_table: bool = False) -> list[str]:
    """Analyze the tables whose statistics are missing or stale (every table of the schema
    with `every_table`, as after a copy) and flush their GIN indexes' pending rows; the tables
    analyzed. Nothing on SQLite, nor while another process is at it."""
    if database.backend != "postgresql":
        return []
    async with database.engine.begin() as connection:
        if not await connection.scalar(_LOCK):
            return []
        tables = list(await connection.scalars(_TABLES, {"every": every_table}))
        for table in tables:
            # Names as PostgreSQL quotes them (`regclass::text`), never user input.
            await connection.execute(text(f"ANALYZE {table}"))
            for index in await connection.scalars(_GIN_INDEXES, {"table": table}):
                await connection.execute(_CLEAN_PENDING, {"index": index})
    if tables:
        log.info("planner statistics refreshed", tables=tables)
    return tables
