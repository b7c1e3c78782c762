"""The backups directory: how backups are named there, and the scheduled job that writes one
every `backup.interval_s` and then deletes the oldest beyond `backup.keep`.

Only files named as reelhouse names backups are ever deleted, whatever else is in the directory.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from reelhouse.config import Settings
from reelhouse.infra.backup.backup import write_backup
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.context import JobContext
from reelhouse.infra.jobs.registry import JobRegistry, Schedule

BACKUP_KIND = "backup.write"
_NAMED = re.compile(r"reelhouse-\d{8}-\d{6}\.tar\.gz")


def backup_name(moment: datetime) -> str:
    """The file name of a backup made at `moment` (UTC); names sort as their times do."""
    return moment.strftime("reelhouse-%Y%m%d-%H%M%S.tar.gz")


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete the backups reelhouse named in `directory` but the newest `keep`; the deleted.
    Touches the disk: run it in a thread."""
    named = sorted(p for p in directory.iterdir() if _NAMED.fullmatch(p.name) and p.is_file())
    old = named[: max(0, len(named) - keep)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


class _Steps:
    """A backup's steps as the job's current item."""

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx

    def table_started(self, step: str, table: str, total: int) -> None:
        self._ctx.progress.set_current(f"{step} {table}")

    def rows_done(self, rows: int) -> None:
        return None


def register_backups(
    registry: JobRegistry,
    settings: Settings,
    database: Database,
    images: ImageStore,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    async def back_up(ctx: JobContext) -> None:
        # A run resumed after its backup was written only prunes.
        ctx.progress.set_total(1)
        directory = settings.backup_directory
        if not ctx.checkpoint:
            path = directory / backup_name(clock())
            await write_backup(
                settings,
                database,
                images,
                path,
                include_images=settings.backup.images,
                include_secrets=settings.backup.secrets,
                progress=_Steps(ctx),
            )
            ctx.progress.advance(outcome="written", current=path.name)
            await ctx.save_checkpoint({"written": path.name})
        pruned = await asyncio.to_thread(prune_backups, directory, settings.backup.keep)
        ctx.progress.set_counter("pruned", len(pruned))

    registry.register(BACKUP_KIND, back_up)
    registry.schedule(Schedule("backup", BACKUP_KIND, settings.backup.interval_s))
