"""Restore a backup (`reelhouse restore`) into a database of the same kind.

Everything that can refuse does so before the target is touched: an archive that is damaged or
not a backup, a newer archive format, a schema this reelhouse does not know (a backup made by a
newer reelhouse), a database of the other kind, a target that is not empty (without `replace`).
The dump is taken out of the archive and checked against the manifest first; then it is loaded
all or nothing, the restored tables' row counts and checksums are compared with the ones taken
at the backup, and only then is the schema migrated forward to this reelhouse's.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from tarfile import TarInfo
from typing import IO, TypeVar

from reelhouse.config import Settings
from reelhouse.errors import BackupError, InvalidInputError, SchemaMismatchError
from reelhouse.infra.backup.archive import IMAGES, ArchiveReader, Manifest, Member
from reelhouse.infra.db import migrate
from reelhouse.infra.db.checksum import Silent, TableProgress, TableSum
from reelhouse.infra.db.dump import describe, load_database, table_names
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.peers import forget_peers
from reelhouse.infra.images import ImageStore

_Members = Iterator[tuple[TarInfo, IO[bytes]]]
_T = TypeVar("_T")
#: Tables of a target that a PostgreSQL restore replaces without the manifest naming them.
_NOT_IN_MANIFEST = ("alembic_version", "search_")


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    #: The backup's migration, when the restored database was migrated forward from it.
    migrated_from: str | None
    images_restored: int
    #: Images the backup lists that the image store does not hold after the restore.
    images_missing: int


async def restore_backup(
    path: Path,
    settings: Settings,
    database: Database,
    images: ImageStore,
    *,
    replace: bool,
    restore_images: bool = True,
    progress: TableProgress | None = None,
) -> RestoreReport:
    """Restore the backup at `path` into `database` (and its images into `images`)."""
    progress = progress or Silent()
    reader = ArchiveReader(path, max_manifest_bytes=settings.backup.max_manifest_bytes)
    with reader:
        manifest = await asyncio.to_thread(reader.manifest)
        _check_restorable(manifest, database)
        await _check_target(manifest, database, replace=replace)
        await asyncio.to_thread(settings.data_dir.mkdir, parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=settings.data_dir, prefix=".restore-") as work:
            dump = Path(work) / "database"
            members = await _on_disk(asyncio.to_thread(_take_dump, reader, manifest, dump))
            await load_database(dump, database, settings, replace=replace)
        restored = await describe(database, settings.backup.batch_size, progress)
        _check_restored(manifest, restored.revision, restored.tables)
        migrated_from = None
        if manifest.schema_revision != migrate.head_revision():
            await migrate.upgrade(database)
            migrated_from = manifest.schema_revision
        await forget_peers(database)  # they ran on the backed-up database, not this one
        written = 0
        if restore_images and manifest.images_included:
            written = await _on_disk(
                asyncio.to_thread(_keep_images, reader, members, manifest, images)
            )
    stored = {original.path for original in await asyncio.to_thread(images.originals)}
    missing = sum(1 for image in manifest.images if image.path not in stored)
    return RestoreReport(manifest, migrated_from, written, missing)


async def _on_disk(work: Awaitable[_T]) -> _T:
    """`work`, whose error of the disk (a full one, above all) is the restore's."""
    try:
        return await work
    except OSError as exc:
        raise BackupError(f"the restore could not take the backup's content out: {exc}") from exc


def _check_restorable(manifest: Manifest, database: Database) -> None:
    if not migrate.is_known(manifest.schema_revision):
        raise SchemaMismatchError(
            f"the backup was made by reelhouse {manifest.reelhouse_version} at migration "
            f"{manifest.schema_revision}, which this reelhouse does not know (its newest is "
            f"{migrate.head_revision()}): restore it with reelhouse "
            f"{manifest.reelhouse_version} or newer"
        )
    if manifest.dialect != database.backend:
        raise BackupError(
            f"the backup is of a {manifest.dialect} database and restores into {manifest.dialect} "
            f"only: restore it into a {manifest.dialect} database (--to URL), then move it with "
            "`reelhouse db copy`"
        )


async def _check_target(manifest: Manifest, database: Database, *, replace: bool) -> None:
    """The target must be empty, or be replaced. A PostgreSQL restore replaces only what the
    backup holds, so a target with other tables (another schema's) is refused even then."""
    names = await table_names(database)
    if names and not replace:
        raise BackupError(
            f"the target database is not empty (it has table {names[0]}): pass --replace to "
            "overwrite it"
        )
    others = [
        name
        for name in names
        if name not in manifest.tables and not name.startswith(_NOT_IN_MANIFEST)
    ]
    if others and database.backend == "postgresql":
        raise BackupError(
            f"the target database has tables the backup does not ({', '.join(others)}): it "
            "holds another schema; restore into an empty database, or drop them first"
        )


def _take_dump(reader: ArchiveReader, manifest: Manifest, dump: Path) -> _Members:
    """Check the settings and take the dump out, checked; the members left (the images)."""
    members = reader.members()
    reader.copy(_next(reader, members, manifest.settings), manifest.settings, None)
    with dump.open("wb") as target:
        reader.copy(_next(reader, members, manifest.database), manifest.database, target)
    return members


def _next(reader: ArchiveReader, members: _Members, expected: Member) -> IO[bytes]:
    member, body = next(members, (None, None))
    if member is None or body is None or member.name != expected.name:
        raise BackupError(f"{reader.path} is damaged: {expected.name} is not where it belongs")
    return body


def _check_restored(manifest: Manifest, revision: str | None, tables: dict[str, TableSum]) -> None:
    expected = {name: TableSum(t.rows, t.checksum) for name, t in manifest.tables.items()}
    if revision != manifest.schema_revision or tables != expected:
        names = sorted(expected.keys() | tables.keys())
        differ = [name for name in names if tables.get(name) != expected.get(name)]
        raise BackupError(
            "the restored database differs from the backup "
            f"({', '.join(differ) or 'its migration'}): do not serve it; restore again with "
            "--replace"
        )


def _keep_images(
    reader: ArchiveReader, members: _Members, manifest: Manifest, images: ImageStore
) -> int:
    """Store the image files of the archive (each checked against its name); how many were new."""
    sizes = {image.path: image.size for image in manifest.images}
    written = 0
    for member, body in members:
        path = member.name.removeprefix(IMAGES)
        if not member.name.startswith(IMAGES) or sizes.get(path) != member.size:
            raise BackupError(f"{reader.path}: member {member.name!r} is not in its manifest")
        if member.size > images.settings.max_bytes:
            raise BackupError(f"{reader.path}: image {path} is larger than images.max_bytes")
        try:
            written += images.keep(path, reader.content(body))
        except InvalidInputError as exc:
            raise BackupError(f"{reader.path} is damaged: {exc.detail}") from exc
    return written
