"""Backups from the command line: `reelhouse backup [PATH]` while the server runs, and
`reelhouse restore PATH` into the configured database or another."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reelhouse.cli.database import shown
from reelhouse.cli.display import TableBars
from reelhouse.cli.root import app, settings_of
from reelhouse.config import Settings
from reelhouse.infra.backup.archive import Manifest
from reelhouse.infra.backup.backup import write_backup
from reelhouse.infra.backup.restore import RestoreReport, restore_backup
from reelhouse.infra.backup.schedule import backup_name
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.sole_process import sole_process
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.images import ImageStore


@app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(
            help="The file to write, or a folder to write it in (default: backup.directory)."
        ),
    ] = None,
    images: Annotated[
        bool, typer.Option("--images", help="Hold the image files too, not only their list.")
    ] = False,
    include_secrets: Annotated[
        bool,
        typer.Option("--include-secrets", help="Hold the settings' secrets in clear."),
    ] = False,
) -> None:
    """Back up the database (consistent while the server runs), the settings and the image
    store's list into one archive, and print what it holds."""
    settings = settings_of(ctx)
    console = Console()
    place = path or settings.backup_directory
    target = place / backup_name(utcnow()) if place.is_dir() or path is None else place

    async def write() -> Manifest:
        async with _opened(settings, settings.database_url) as (database, store):
            console.print(f"backing up {shown(database)} into {target}")
            with TableBars(console) as bars:
                return await write_backup(
                    settings,
                    database,
                    store,
                    target,
                    include_images=images,
                    include_secrets=include_secrets,
                    progress=bars,
                )

    manifest = asyncio.run(write())
    rows = sum(table.rows for table in manifest.tables.values())
    typer.echo(
        f"backed up {rows} rows in {len(manifest.tables)} tables (migration "
        f"{manifest.schema_revision}), the settings (secrets "
        f"{'included' if include_secrets else 'masked'}) and {len(manifest.images)} images "
        f"({'with' if images else 'without'} their files) into {target}"
    )


@app.command("restore")
def restore(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The backup to restore.", dir_okay=False)],
    to: Annotated[
        str | None,
        typer.Option("--to", help="URL of the database to restore into (default: the configured)."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite a target database that is not empty.")
    ] = False,
    images: Annotated[
        bool,
        typer.Option(
            "--images/--no-images", help="Put the backup's image files into the image store."
        ),
    ] = True,
) -> None:
    """Restore a backup into an empty database (or any, with --replace), check it against the
    backup table by table, then migrate it forward to this reelhouse's schema."""
    settings = settings_of(ctx)
    console = Console()

    async def load() -> RestoreReport:
        async with _opened(settings, to or settings.database_url) as (database, store):
            console.print(f"restoring {path} into {shown(database)}")
            with TableBars(console) as bars:
                return await restore_backup(
                    path,
                    settings,
                    database,
                    store,
                    replace=replace,
                    restore_images=images,
                    progress=bars,
                )

    # A server on the configured SQLite file would go on serving what it cached.
    with sole_process(settings, "restore") if to is None else contextlib.nullcontext():
        report = asyncio.run(load())
    made = report.manifest
    rows = sum(table.rows for table in made.tables.values())
    typer.echo(
        f"restored and verified {rows} rows in {len(made.tables)} tables from the backup "
        f"reelhouse {made.reelhouse_version} made at {made.created_at.isoformat()}"
    )
    if report.migrated_from is not None:
        typer.echo(f"migrated forward from {report.migrated_from}")
    if made.images_included and images:
        typer.echo(f"{report.images_restored} image files written into the image store")
    if report.images_missing:
        typer.echo(
            f"{report.images_missing} images the backup lists are not in the image store "
            f"({settings.data_dir / 'images'}): copy them back, or restore a backup made with "
            "--images"
        )


@asynccontextmanager
async def _opened(settings: Settings, url: str) -> AsyncIterator[tuple[Database, ImageStore]]:
    """The database at `url` and the image store of `settings`, closed at the end."""
    database = Database.from_url(url, settings.database)
    store = ImageStore.from_settings(settings)
    try:
        yield database, store
    finally:
        await store.aclose()
        await database.close()
