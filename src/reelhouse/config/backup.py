"""Backups: `reelhouse backup` / `reelhouse restore`, and the scheduled backups."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class BackupSettings(Section):
    interval_s: int = Field(
        0,
        ge=0,
        description="Seconds between scheduled backups into `directory` (0 = none). The job "
        "workers write them, while the server runs.",
    )
    directory: Path | None = Field(
        None,
        description="Where scheduled backups (and `reelhouse backup` without a path) are "
        "written. Unset means `<data_dir>/backups`; another disk is better.",
    )
    keep: PositiveInt = Field(
        7,
        description="Scheduled backups kept in `directory`: after each one, the oldest beyond "
        "this many are deleted (files reelhouse named only).",
    )
    images: bool = Field(
        False,
        description="Scheduled backups hold the image files too, not only their list (they can "
        "be downloaded again, and can be large).",
    )
    secrets: bool = Field(
        False,
        description="Scheduled backups hold the settings with their secrets (API keys, "
        "passwords) in clear, instead of masked.",
    )
    compress_level: int = Field(
        6,
        ge=0,
        le=9,
        description="gzip level of the archive (0 = none, fastest; 9 = smallest).",
    )
    batch_size: PositiveInt = Field(
        5_000,
        description="Rows read at a time while each table's checksum is taken (at the backup "
        "and again after the restore).",
    )
    max_manifest_bytes: PositiveInt = Field(
        256 * 1024 * 1024,
        description="Largest manifest a restore reads (it lists every image: a store of a "
        "million images lists in about 100 MB); a larger one is refused as not a backup.",
    )
    pg_dump_path: str = Field(
        "pg_dump",
        description="The pg_dump program (backups of PostgreSQL): a name looked up on PATH, or "
        "a path. Its major version must be the server's or newer.",
    )
    pg_restore_path: str = Field(
        "pg_restore",
        description="The pg_restore program (restores into PostgreSQL): a name on PATH, or a path.",
    )
    program_timeout_s: PositiveFloat = Field(
        3_600.0,
        description="Seconds one pg_dump or pg_restore may run before it is killed and the "
        "backup or restore fails.",
    )
    program_niceness: int = Field(
        10, ge=0, le=19, description="Niceness of pg_dump and pg_restore, so playback comes first."
    )
