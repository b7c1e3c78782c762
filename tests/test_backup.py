"""`reelhouse backup` / `restore` on real SQLite and PostgreSQL: a backup taken while a writer
writes restores into a scratch database as one consistent moment, equal row for row; an older
schema restores and migrates forward; a newer reelhouse's backup, a damaged archive, a target that
is not empty and the other kind of database are refused, the target left as it was; scheduled
backups keep the newest N; image files and secrets travel only when asked."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import shutil
import tarfile
import tomllib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import Update, delete, insert, text, update
from sqlalchemy.engine import make_url

from reelhouse.config import (
    BackupSettings,
    DatabaseSettings,
    Settings,
    TmdbSettings,
    WebhookSettings,
    settings_file,
)
from reelhouse.errors import BackupError, SchemaMismatchError
from reelhouse.infra.backup.archive import MANIFEST, MANIFEST_SHA256, Manifest
from reelhouse.infra.backup.backup import write_backup
from reelhouse.infra.backup.restore import RestoreReport, restore_backup
from reelhouse.infra.backup.schedule import BACKUP_KIND, backup_name, register_backups
from reelhouse.infra.db import migrate
from reelhouse.infra.db.dump import table_names
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.sole_process import sole_process
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.models import JobState
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.worker import Worker, running_worker
from reelhouse.schema import metadata
from tests.catalogue_rows import T0, contents, seed, sqlite_url
from tests.conftest import TemplateCopies
from tests.jobs_support import Clock, eventually, fast_settings
from tests.support import cli_env, run_cli, settings_for

#: The ids of the writer's watch history rows start after this one.
WRITES_FROM = 1000
#: The writer stops by itself after this many writes, whatever happens.
MAX_WRITES = 100_000

history = metadata.tables["watch_history"]
states = metadata.tables["watch_states"]


class Writer:
    """Writes while a backup runs, one transaction a write: write n adds watch history row
    `WRITES_FROM + n` and moves a watch position to n, so a consistent moment holds writes 1..k
    and position k, for one k."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.done = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set() and self.done < MAX_WRITES:
            n = self.done + 1
            async with self.database.engine.begin() as connection:
                await connection.execute(
                    insert(history).values(id=WRITES_FROM + n, user_id=3, item_id=1, played_at=T0)
                )
                await connection.execute(_moved_to(n))
            self.done = n
            await asyncio.sleep(0)

    def stop(self) -> None:
        self._stop.set()

    async def passed(self, count: int) -> None:
        async def check() -> bool:
            return self.done > count

        await eventually(check, what=f"the writer passing {count} writes")


def _moved_to(n: int) -> Update:
    """The writer's move of the watch position to n (its time too, or it would be now)."""
    return (
        update(states)
        .where(states.c.user_id == 1, states.c.item_id == 3)
        .values(position_ms=n, updated_at=T0 + timedelta(seconds=n))
    )


async def _position(database: Database) -> int:
    async with database.engine.connect() as connection:
        found = await connection.execute(
            text("SELECT position_ms FROM watch_states WHERE user_id = 1 AND item_id = 3")
        )
        return int(found.scalar_one())


async def _history_ids(database: Database) -> list[int]:
    async with database.engine.connect() as connection:
        found = await connection.execute(text("SELECT id FROM watch_history ORDER BY id"))
        return list(found.scalars())


@pytest.fixture
def scratch_url(
    backend: str, tmp_path: Path, new_postgres: Callable[[], Awaitable[str]]
) -> Callable[[], Awaitable[str]]:
    """Makes URLs of new, empty databases of the test's kind."""
    made = 0

    async def make() -> str:
        nonlocal made
        made += 1
        if backend == "sqlite":
            return sqlite_url(tmp_path / f"scratch{made}" / "reelhouse.db")
        return await new_postgres()

    return make


def _store(settings: Settings) -> ImageStore:
    return ImageStore.from_settings(settings)


async def _back_up(
    settings: Settings, database: Database, path: Path, *, images: bool = False
) -> Manifest:
    store = _store(settings)
    try:
        return await write_backup(
            settings, database, store, path, include_images=images, include_secrets=False
        )
    finally:
        await store.aclose()


async def _restore(
    path: Path, settings: Settings, database: Database, *, replace: bool = False
) -> RestoreReport:
    store = _store(settings)
    try:
        return await restore_backup(path, settings, database, store, replace=replace)
    finally:
        await store.aclose()


async def test_a_backup_taken_while_writing_restores_one_moment(
    database_url: str,
    tmp_path: Path,
    scratch_url: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    source = open_database(database_url)
    await seed(source)
    settings = settings_for(database_url, tmp_path)
    writer = Writer(source)
    writing = asyncio.create_task(writer.run())
    await writer.passed(3)

    manifest = await _back_up(settings, source, tmp_path / "backups" / "b.tar.gz")
    written_by_then = writer.done
    await writer.passed(written_by_then + 2)
    writer.stop()
    await writing

    target = open_database(await scratch_url())
    report = await _restore(tmp_path / "backups" / "b.tar.gz", settings, target)

    moment = await _position(target)
    # One write may have committed before the backup's snapshot and counted after it returned.
    assert 3 < moment <= written_by_then + 1 < writer.done
    assert await _history_ids(target) == [1, *range(WRITES_FROM + 1, WRITES_FROM + moment + 1)]
    assert manifest.tables["watch_history"].rows == 1 + moment
    assert report.migrated_from is None
    # The source as it was at that moment, row for row: users, tokens, watch state and all.
    async with source.engine.begin() as connection:
        await connection.execute(delete(history).where(history.c.id > WRITES_FROM + moment))
        await connection.execute(_moved_to(moment))
    assert await contents(target) == await contents(source)
    await migrate.prepare(target, migrate_on_start=False)  # it would be served


async def test_a_backup_at_an_older_migration_restores_and_migrates_forward(
    database_url: str,
    tmp_path: Path,
    scratch_url: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    source = open_database(database_url)
    async with source.engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(migrate.alembic_config(sync), "0008")
        )
    await seed(source)
    settings = settings_for(database_url, tmp_path)

    manifest = await _back_up(settings, source, tmp_path / "old.tar.gz")
    target = open_database(await scratch_url())
    report = await _restore(tmp_path / "old.tar.gz", settings, target)

    assert manifest.schema_revision == "0008"
    assert report.migrated_from == "0008"
    assert await migrate.current_revision(target) == migrate.head_revision()
    await migrate.upgrade(source)
    assert await contents(target) == await contents(source)


def _rewritten(
    archive: Path,
    out: Path,
    change: Callable[[dict[str, Any]], None] | None = None,
    replaced: dict[str, bytes] | None = None,
) -> Path:
    """`archive` with its manifest changed by `change` (its sha256 made true again), and the
    content of the members named in `replaced` replaced (not the manifest's word of them)."""
    with tarfile.open(archive, "r:gz") as old, tarfile.open(out, "w:gz") as new:
        for member in old.getmembers():
            body = old.extractfile(member)
            assert body is not None
            content = (replaced or {}).get(member.name, body.read())
            if member.name == MANIFEST and change is not None:
                manifest = json.loads(content)
                change(manifest)
                content = json.dumps(manifest).encode()
                member.pax_headers = {MANIFEST_SHA256: _sha256(content)}
            member.size = len(content)
            new.addfile(member, io.BytesIO(content))
    return out


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
async def sqlite_backup(
    tmp_path: Path, sqlite_template: Path, open_database: Callable[[str], Database]
) -> tuple[Path, Settings]:
    """A backup of a seeded SQLite database, and its settings."""
    path = tmp_path / "source.db"
    shutil.copyfile(sqlite_template, path)
    source = open_database(sqlite_url(path))
    await seed(source)
    settings = settings_for(sqlite_url(path), tmp_path)
    await _back_up(settings, source, tmp_path / "backup.tar.gz")
    return tmp_path / "backup.tar.gz", settings


async def test_a_backup_made_by_a_newer_reelhouse_is_refused(
    sqlite_backup: tuple[Path, Settings],
    tmp_path: Path,
    new_postgres: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    archive, settings = sqlite_backup
    target = open_database(sqlite_url(tmp_path / "target" / "reelhouse.db"))

    def newer_schema(manifest: dict[str, Any]) -> None:
        manifest.update(reelhouse_version="9.0.0", schema_revision="0042_future")

    def newer_format(manifest: dict[str, Any]) -> None:
        manifest.update(reelhouse_version="9.0.0", format=2, layout="new")

    with pytest.raises(
        SchemaMismatchError,
        match=r"made by reelhouse 9\.0\.0 at migration 0042_future, which this reelhouse does "
        r"not know .*restore it with reelhouse 9\.0\.0 or newer",
    ):
        await _restore(_rewritten(archive, tmp_path / "s.tar.gz", newer_schema), settings, target)
    with pytest.raises(BackupError, match=r"reelhouse 9\.0\.0 in archive format 2; this reelhouse"):
        await _restore(_rewritten(archive, tmp_path / "f.tar.gz", newer_format), settings, target)
    other_kind = open_database(await new_postgres())
    with pytest.raises(BackupError, match=r"restores into sqlite only.*`reelhouse db copy`"):
        await _restore(archive, settings, other_kind)

    assert await table_names(target) == []
    assert await table_names(other_kind) == []


async def test_a_damaged_archive_is_refused_before_the_target_is_touched(
    sqlite_backup: tuple[Path, Settings],
    tmp_path: Path,
    open_database: Callable[[str], Database],
) -> None:
    """Whatever byte of the archive is changed, or wherever it is cut, the restore refuses with
    `BackupError` and leaves the target empty, or (a byte nothing reads) restores it verified."""
    archive, settings = sqlite_backup
    whole = archive.read_bytes()
    loop = asyncio.get_running_loop()
    tried = 0
    outcomes: list[str | None] = []

    async def attempt(damaged: bytes) -> str | None:
        """Why the restore of `damaged` was refused, or None once it is checked restored."""
        nonlocal tried
        tried += 1
        path = tmp_path / f"damaged{tried}.tar.gz"
        path.write_bytes(damaged)
        target = open_database(sqlite_url(tmp_path / f"target{tried}" / "reelhouse.db"))
        try:
            await _restore(path, settings, target)
        except BackupError as refused:
            assert await table_names(target) == []
            return refused.detail
        assert await migrate.current_revision(target) == migrate.head_revision()
        return None

    @examples(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        at=st.integers(min_value=0, max_value=len(whole) - 1),
        flip=st.integers(min_value=0, max_value=255),
    )
    def refused(at: int, flip: int) -> None:
        damaged = (
            whole[:at] if flip == 0 else whole[:at] + bytes([whole[at] ^ flip]) + whole[at + 1 :]
        )
        outcomes.append(asyncio.run_coroutine_threadsafe(attempt(damaged), loop).result(120))

    await asyncio.to_thread(refused)
    assert any(outcomes), "some damage was refused"

    for damaged in (whole[: len(whole) // 2], b"just some text\n" * 100, b""):
        assert "is damaged or truncated, or not a backup" in (await attempt(damaged) or "")
    replaced = {"database.sqlite": b"SQLite format 3\x00" + b"\x00" * 100}
    swapped = _rewritten(archive, tmp_path / "swapped.tar.gz", replaced=replaced)
    refused = await attempt(swapped.read_bytes())
    assert "database.sqlite is not what its manifest says" in (refused or "")
    target = open_database(sqlite_url(tmp_path / "target" / "reelhouse.db"))
    with pytest.raises(BackupError, match="there is no backup at"):
        await _restore(tmp_path / "missing.tar.gz", settings, target)


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive, "r:gz") as tar:
        body = tar.extractfile(name)
        assert body is not None
        return body.read()


async def test_backup_and_restore_from_the_command_line(
    tmp_path: Path,
    postgres_copies: TemplateCopies,
    new_postgres: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    """On PostgreSQL (pg_dump, pg_restore), with a password in the URLs that is shown nowhere
    unless asked: a second restore into the same target is refused unless --replace, and so is
    a target holding other tables even then."""
    url = make_url(await postgres_copies.take()).set(password="hunter2")
    source_url = url.render_as_string(hide_password=False)
    source = open_database(source_url)
    await seed(source)
    target_url = make_url(await new_postgres()).set(password="hunter2")
    target_url_text = target_url.render_as_string(hide_password=False)
    env = cli_env(tmp_path, source_url)

    masked = run_cli(env, "backup", str(tmp_path / "masked.tar.gz"))
    clear = run_cli(env, "backup", "--include-secrets", str(tmp_path / "clear.tar.gz"))
    first = run_cli(env, "restore", str(tmp_path / "masked.tar.gz"), "--to", target_url_text)
    again = run_cli(env, "restore", str(tmp_path / "masked.tar.gz"), "--to", target_url_text)
    replaced = run_cli(
        env, "restore", str(tmp_path / "clear.tar.gz"), "--to", target_url_text, "--replace"
    )

    for run in (masked, clear, first, replaced):
        assert run.returncode == 0, run.stderr
    rows = sum(len(table) for table in (await contents(source)).values())
    tables, revision = len(metadata.tables), migrate.head_revision()
    assert f"backed up {rows} rows in {tables} tables (migration {revision})" in masked.stdout
    assert f"restored and verified {rows} rows in {tables} tables" in first.stdout
    assert again.returncode == 2
    assert (
        again.stderr.strip()
        .splitlines()[-1]
        .endswith("is not empty (it has table alembic_version): pass --replace to overwrite it")
    )
    for run in (masked, first, again, replaced):
        assert "hunter2" not in run.stdout + run.stderr
    assert "hunter2" not in _member(tmp_path / "masked.tar.gz", "settings.toml").decode()
    shown = tomllib.loads(_member(tmp_path / "clear.tar.gz", "settings.toml").decode())
    assert shown["database"]["url"] == source_url
    assert await contents(open_database(target_url_text)) == await contents(source)
    target = open_database(target_url_text)
    async with target.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE other_things (id integer primary key)"))
    settings = settings_for(source_url, tmp_path)
    with pytest.raises(BackupError, match=r"has tables the backup does not \(other_things\)"):
        await _restore(tmp_path / "masked.tar.gz", settings, target, replace=True)
    postgres_copies.give_back(url.render_as_string(hide_password=False))


async def test_a_restore_under_a_server_of_the_sqlite_file_is_refused(
    sqlite_backup: tuple[Path, Settings], tmp_path: Path
) -> None:
    """Without Redis, a server on the configured SQLite file would go on serving its cache."""
    archive, settings = sqlite_backup
    with sole_process(settings, "serve"):
        refused = run_cli(cli_env(tmp_path, settings.database_url), "restore", str(archive))
    assert refused.returncode == 2
    assert "`reelhouse restore` refused: another reelhouse process" in refused.stderr
    assert "stop it before restoring over its database" in refused.stderr


async def test_scheduled_backups_keep_the_newest_n(
    database_url: str,
    tmp_path: Path,
    scratch_url: Callable[[], Awaitable[str]],
    open_database: Callable[[str], Database],
) -> None:
    database = open_database(database_url)
    directory = tmp_path / "kept"
    directory.mkdir()
    foreign = [directory / "notes.txt", directory / "reelhouse-by-hand.tar.gz"]
    for path in foreign:
        path.write_text("not a scheduled backup")
    settings = settings_for(database_url, tmp_path).model_copy(
        update={"backup": BackupSettings(interval_s=3600, keep=2, directory=directory)}
    )
    clock = Clock()
    registry = JobRegistry()
    store = _store(settings)
    register_backups(registry, settings, database, store, clock=clock)
    queue = JobQueue(database, fast_settings(), clock=clock)
    made = []
    async with running_worker(Worker(database, registry, fast_settings(), clock=clock)):
        for run in range(1, 5):
            if run > 1:
                clock.advance(3600)  # the next period
            made.append(backup_name(clock()))

            async def finished(count: int = run) -> bool:
                jobs = await queue.list_jobs(kind=BACKUP_KIND, limit=10)
                return sum(job.state == JobState.SUCCEEDED for job in jobs) == count

            await eventually(finished, what=f"scheduled backup {run}")
    await store.aclose()

    jobs = await queue.list_jobs(kind=BACKUP_KIND, limit=10)
    assert [job.progress["counters"] for job in jobs] == [
        {"written": 1, "pruned": pruned} for pruned in (1, 1, 0, 0)
    ]
    assert sorted(path.name for path in directory.iterdir()) == sorted(
        [*made[-2:], *(path.name for path in foreign)]
    )
    await _restore(directory / made[-1], settings, open_database(await scratch_url()))


async def test_image_files_travel_only_when_asked(
    sqlite_backup: tuple[Path, Settings], tmp_path: Path, open_database: Callable[[str], Database]
) -> None:
    _, settings = sqlite_backup
    source = open_database(settings.database_url)
    bodies = [b"a poster", b"a backdrop"]
    paths = [f"originals/{_sha256(b)[:2]}/{_sha256(b)}.jpg" for b in bodies]
    store = _store(settings)
    for path, body in zip(paths, bodies, strict=True):
        assert store.keep(path, body)
    await store.aclose()
    elsewhere = settings.model_copy(update={"data_dir": tmp_path / "elsewhere"})

    listed = await _back_up(settings, source, tmp_path / "listed.tar.gz")
    held = await _back_up(settings, source, tmp_path / "held.tar.gz", images=True)
    target = open_database(sqlite_url(tmp_path / "elsewhere" / "reelhouse.db"))
    without = await _restore(tmp_path / "listed.tar.gz", elsewhere, target)
    with_files = await _restore(tmp_path / "held.tar.gz", elsewhere, target, replace=True)

    assert [image.path for image in listed.images] == sorted(paths)
    assert [image.path for image in held.images] == sorted(paths)
    assert (without.images_restored, without.images_missing) == (0, 2)
    assert (with_files.images_restored, with_files.images_missing) == (2, 0)
    for path, body in zip(paths, bodies, strict=True):
        assert (tmp_path / "elsewhere" / "images" / path).read_bytes() == body


def test_the_settings_a_backup_holds_mask_secrets_unless_asked() -> None:
    settings = Settings(
        database=DatabaseSettings(url="postgresql+asyncpg://rh:db-password@db/rh"),
        tmdb=TmdbSettings(api_key=SecretStr("tmdb-key")),
        webhooks=WebhookSettings(secret=SecretStr("webhook-secret-0123")),
    )
    masked = settings_file(settings, secrets=False)
    clear = settings_file(settings, secrets=True)

    for secret in ("db-password", "tmdb-key", "webhook-secret-0123"):
        assert secret not in masked
        assert secret in clear
    assert Settings(**tomllib.loads(clear)) == settings
    assert tomllib.loads(masked)["database"]["url"] == "postgresql+asyncpg://rh:***@db/rh"
