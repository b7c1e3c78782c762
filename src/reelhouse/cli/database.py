"""The database from the command line: apply migrations, say where the schema stands, copy the
whole database to another (SQLite <-> PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelhouse.bootstrap import Runtime
from reelhouse.cli.display import TableBars
from reelhouse.cli.root import app, run, settings_of
from reelhouse.config import mask_url
from reelhouse.infra.db import migrate
from reelhouse.infra.db.copy import CopyReport, copy_database
from reelhouse.infra.db.engine import Database
from reelhouse.schema import metadata

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations."""

    async def upgrade(runtime: Runtime) -> None:
        await migrate.upgrade(runtime.database)

    run(settings_of(ctx), upgrade, current_schema=False)
    typer.echo(f"database is at migration {migrate.head_revision()}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's migration and the newest one this reelhouse knows."""

    async def show(runtime: Runtime) -> None:
        current = await migrate.current_revision(runtime.database)
        typer.echo(f"current: {current or 'none'}\nhead: {migrate.head_revision()}")

    run(settings_of(ctx), show, current_schema=False)


@db_app.command("copy")
def db_copy(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="URL of the database to copy into.")],
    from_: Annotated[
        str | None,
        typer.Option("--from", help="URL of the database to copy (default: the configured one)."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Clear a target that is not empty, then copy.")
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, help="Override database.copy_batch_size."),
    ] = None,
) -> None:
    """Copy the whole database into another one (SQLite <-> PostgreSQL), keeping every id, and
    verify it table by table. The source is only read; the target is migrated first."""
    settings = settings_of(ctx)
    console = Console()

    async def copy() -> CopyReport:
        source = Database.from_url(from_ or settings.database_url, settings.database)
        try:
            target = Database.from_url(to, settings.database)
            try:
                console.print(f"copying {shown(source)} into {shown(target)}")
                with TableBars(console) as bars:
                    return await copy_database(
                        source,
                        target,
                        metadata,
                        replace=replace,
                        batch_size=batch_size or settings.database.copy_batch_size,
                        progress=bars,
                        refresh_statistics=settings.database.refresh_statistics,
                    )
            finally:
                await target.close()
        finally:
            await source.close()

    report = asyncio.run(copy())
    console.print(_summary(report))
    if not report.verified:
        bad = ", ".join(check.table for check in report.tables if not check.matches)
        typer.echo(
            f"reelhouse: error: the copy differs from the source in {bad}; the target stays "
            "marked incomplete",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"copied and verified {report.rows} rows in {len(report.tables)} tables")


def shown(database: Database) -> str:
    """Where `database` is, its password masked."""
    return mask_url(database.engine.url.render_as_string(hide_password=False))


def _summary(report: CopyReport) -> Table:
    table = Table(title="copy", title_justify="left")
    for column in ("table", "source rows", "target rows", "checksum", "match"):
        table.add_column(column, overflow="fold")
    for check in report.tables:
        table.add_row(
            check.table,
            str(check.source_rows),
            str(check.target_rows),
            check.source_checksum[:16],
            "[green]yes[/]" if check.matches else "[red]NO[/]",
        )
    return table
