"""The database schema from the command line: apply migrations, say where it stands."""

from __future__ import annotations

import typer

from reelhouse.bootstrap import Runtime
from reelhouse.cli.root import app, run, settings_of
from reelhouse.infra.db import migrate

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
