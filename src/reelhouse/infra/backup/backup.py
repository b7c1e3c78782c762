"""Write a backup (`reelhouse backup`, and the scheduled one) while the server runs.

The database is dumped first, consistent at one moment (`reelhouse.infra.db.dump`), beside the
archive's place; then the archive is written: the manifest, the settings (secrets masked unless
asked), the dump, and the image files when asked (their list is always in the manifest: they
can be downloaded again, and can be large).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from reelhouse import __version__
from reelhouse.config import Settings, settings_file
from reelhouse.errors import BackupError, SchemaMismatchError
from reelhouse.infra.backup.archive import (
    DATABASE,
    FORMAT,
    IMAGES,
    SETTINGS,
    ArchiveWriter,
    ImageEntry,
    Manifest,
    TableEntry,
    describe_bytes,
    describe_file,
)
from reelhouse.infra.db import migrate
from reelhouse.infra.db.checksum import Silent, TableProgress
from reelhouse.infra.db.dump import dump_database
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.images import ImageStore


async def write_backup(
    settings: Settings,
    database: Database,
    images: ImageStore,
    path: Path,
    *,
    include_images: bool,
    include_secrets: bool,
    progress: TableProgress | None = None,
) -> Manifest:
    """Write a backup of `database`, `settings` and `images` to the new file `path`."""
    progress = progress or Silent()
    await asyncio.to_thread(_check_place, path)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".reelhouse-backup-") as work:
        dump = Path(work) / "database"
        state = await dump_database(database, dump, settings, progress)
        revision = _backed_up_revision(state.revision)
        body = settings_file(settings, secrets=include_secrets).encode()
        originals = await asyncio.to_thread(images.originals)
        manifest = Manifest(
            format=FORMAT,
            reelhouse_version=__version__,
            created_at=utcnow(),
            dialect=state.dialect,
            schema_revision=revision,
            database=await asyncio.to_thread(describe_file, DATABASE[state.dialect], dump),
            settings=describe_bytes(SETTINGS, body),
            secrets_included=include_secrets,
            tables={
                name: TableEntry(rows=table.rows, checksum=table.checksum)
                for name, table in state.tables.items()
            },
            images=[ImageEntry(path=original.path, size=original.size) for original in originals],
            images_included=include_images,
        )

        def write() -> None:
            with ArchiveWriter(path, settings.backup.compress_level) as archive:
                archive.add_manifest(manifest)
                archive.add_bytes(SETTINGS, body)
                archive.add_file(manifest.database.name, dump, manifest.database.size)
                if include_images:
                    progress.table_started("archive", "images", len(manifest.images))
                    for image in manifest.images:
                        file = images.resolve(image.path)
                        archive.add_file(IMAGES + image.path, file, image.size)
                        progress.rows_done(1)

        try:
            await asyncio.to_thread(write)
        except OSError as exc:  # a full disk, above all
            raise BackupError(f"the backup could not be written to {path}: {exc}") from exc
    return manifest


def _check_place(path: Path) -> None:
    """Refuse an existing file before the dump, not after it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise BackupError(f"{path} exists already: name another file")


def _backed_up_revision(revision: str | None) -> str:
    if revision is None:
        raise BackupError("the database has no reelhouse schema (no migration): nothing to back up")
    if not migrate.is_known(revision):
        raise SchemaMismatchError(
            f"the database is at migration {revision}, which this reelhouse does not know: back "
            "it up with the reelhouse that migrated it"
        )
    return revision
