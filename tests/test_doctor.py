"""`reelhouse doctor` against real services: a healthy installation is all ok (exit 0), and each
broken part (a stopped Redis, a missing ffmpeg, a refused provider key, a database behind the
code, a missing library folder, settings that do not load) is a finding, never a traceback."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from reelhouse.bootstrap import open_runtime
from reelhouse.config import (
    CacheSettings,
    DatabaseSettings,
    MediaSettings,
    RedisSettings,
    Settings,
    TmdbSettings,
    TvdbSettings,
)
from reelhouse.diagnostics import Finding, Status
from reelhouse.kinds import LibraryKind
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.server import FakeServer
from reelhouse.testing.ports import free_port
from tests.support import cli_env, run_cli

TMDB_KEY = "doctor-tmdb-key"
TVDB_KEY = "doctor-tvdb-key"

#: Every check a full examination reports, in order (one library).
CHECKS = [
    "settings",
    "database",
    "schema",
    "database space",
    "clock",
    "settings sources",
    "redis",
    "redis pub/sub",
    "tmdb",
    "tvdb",
    "ffprobe",
    "ffmpeg",
    "ffmpeg encoders",
    "library Movies",
    "data directory",
    "data directory space",
]


@pytest.fixture
def fake() -> FakeProviders:
    """Fake providers that accept only their own keys."""
    return FakeProviders(
        Catalogue(movies=1, series=1), tmdb_api_key=TMDB_KEY, tvdb_api_key=TVDB_KEY
    )


@pytest.fixture
def movies(tmp_path: Path) -> Path:
    folder = tmp_path / "movies"
    (folder / "Alien (1979)").mkdir(parents=True)
    (folder / "Alien (1979)" / "Alien (1979).mkv").write_bytes(b"\0" * 16)
    return folder


@pytest.fixture
def healthy(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str, fake_server: FakeServer
) -> Callable[..., Settings]:
    """Settings of a working installation; keyword arguments replace whole sections."""

    def build(**sections: Any) -> Settings:
        fast = {"timeout_s": 2.0, "connect_timeout_s": 2.0}
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database": DatabaseSettings(url=database_url),
            "redis": RedisSettings(url=redis_url),
            # Of this test alone: the list of libraries is cached in Redis too.
            "cache": CacheSettings(key_prefix=cache_prefix),
            "tmdb": TmdbSettings(base_url=f"{fake_server.url}/3", api_key=TMDB_KEY, **fast),
            "tvdb": TvdbSettings(base_url=f"{fake_server.url}/v4", api_key=TVDB_KEY, **fast),
            **sections,
        }
        return Settings(**values)

    return build


async def _examine(settings: Settings, library: Path | None = None) -> dict[str, Finding]:
    async with open_runtime(settings) as runtime:
        if library is not None:
            await runtime.services.libraries.create("Movies", LibraryKind.MOVIES, [str(library)])
        findings = await runtime.doctor(None).examine()
    by_check = {finding.check: finding for finding in findings}
    assert len(by_check) == len(findings)  # no check reported twice
    return by_check


def _statuses(findings: dict[str, Finding]) -> dict[str, Status]:
    return {check: finding.status for check, finding in findings.items()}


async def test_a_healthy_installation_is_all_ok(
    healthy: Callable[..., Settings], movies: Path, backend: str
) -> None:
    findings = await _examine(healthy(), movies)
    assert list(findings) == CHECKS
    # What does not apply to a backend is skipped: SQLite shares this machine's clock, and a
    # PostgreSQL server's disk is not this machine's to measure.
    not_applicable = {"sqlite": "clock", "postgresql": "database space"}[backend]
    assert findings.pop(not_applicable).status is Status.SKIPPED
    assert _statuses(findings) == dict.fromkeys(findings, Status.OK), findings
    assert backend in findings["database"].detail
    assert "1 media file in" in findings["library Movies"].detail
    assert "libx264" in findings["ffmpeg encoders"].detail


async def test_the_settings_page_values_are_named_and_used(
    healthy: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REELHOUSE_METADATA_COUNTRY", "FR")
    settings = healthy()
    async with open_runtime(settings) as runtime:
        await runtime.services.settings.update({"tmdb.api_key": "a-wrong-key"}, actor="ann")
    findings = await _examine(settings)
    assert findings["settings sources"].detail == (
        "from the settings page: tmdb.api_key; locked by the environment: metadata.country"
    )
    assert findings["tmdb"].status is Status.FAIL
    assert "invalid key" in findings["tmdb"].detail


async def test_a_stopped_redis_fails(healthy: Callable[..., Settings], movies: Path) -> None:
    stopped = RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0", timeout_s=2.0)
    findings = await _examine(healthy(redis=stopped), movies)
    assert findings["redis"].status is Status.FAIL
    assert "unreachable" in findings["redis"].detail
    assert findings["redis pub/sub"].status is Status.SKIPPED
    assert findings["database"].status is Status.OK  # the rest is still examined


async def test_a_missing_ffmpeg_fails(healthy: Callable[..., Settings], tmp_path: Path) -> None:
    missing = tmp_path / "no" / "ffmpeg"
    findings = await _examine(healthy(media=MediaSettings(ffmpeg_path=str(missing))))
    assert findings["ffmpeg"].status is Status.FAIL
    assert str(missing) in findings["ffmpeg"].detail
    assert findings["ffmpeg encoders"].status is Status.SKIPPED
    assert findings["ffprobe"].status is Status.OK


@pytest.fixture
def path_without_ffprobe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH with `nice` (the programs run through it) and nothing else."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nice").symlink_to("/usr/bin/nice")
    monkeypatch.setenv("PATH", str(bin_dir))


@pytest.mark.usefixtures("path_without_ffprobe")
async def test_programs_missing_from_path_fail(healthy: Callable[..., Settings]) -> None:
    findings = await _examine(healthy())
    assert findings["ffprobe"].status is Status.FAIL
    assert "not found on PATH" in findings["ffprobe"].detail
    assert findings["ffmpeg"].status is Status.FAIL


async def test_a_refused_provider_key_fails(healthy: Callable[..., Settings]) -> None:
    settings = healthy()
    wrong = {"api_key": SecretStr("not-the-key")}
    findings = await _examine(
        settings.model_copy(
            update={
                "tmdb": settings.tmdb.model_copy(update=wrong),
                "tvdb": settings.tvdb.model_copy(update=wrong),
            }
        )
    )
    for provider in ("tmdb", "tvdb"):
        assert findings[provider].status is Status.FAIL
        assert findings[provider].detail.startswith("invalid key")


async def test_a_provider_out_of_reach_is_skipped_as_offline(
    healthy: Callable[..., Settings],
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/3"
    findings = await _examine(healthy(tmdb=TmdbSettings(base_url=nowhere, api_key=TMDB_KEY)))
    assert findings["tmdb"].status is Status.SKIPPED
    assert findings["tmdb"].detail.startswith("offline")
    assert findings["tvdb"].status is Status.OK


async def test_a_rate_limited_provider_is_a_warning(
    healthy: Callable[..., Settings], fake: FakeProviders
) -> None:
    fake.control.inject("/3/configuration", "rate_limit", retry_after=30)
    findings = await _examine(healthy())
    assert findings["tmdb"].status is Status.WARN
    assert "rate limited" in findings["tmdb"].detail


async def test_a_provider_without_a_key_is_a_warning(healthy: Callable[..., Settings]) -> None:
    findings = await _examine(healthy(tvdb=TvdbSettings()))
    assert findings["tvdb"].status is Status.WARN
    assert "no key" in findings["tvdb"].detail


@pytest.mark.parametrize(
    ("migrate_on_start", "status", "advice"),
    [(False, Status.FAIL, "reelhouse db upgrade"), (True, Status.WARN, "migrates it as it starts")],
)
async def test_a_database_behind_the_code_fails_unless_serve_migrates_it(
    healthy: Callable[..., Settings],
    empty_database_url: str,
    backend: str,
    tmp_path: Path,
    migrate_on_start: bool,
    status: Status,
    advice: str,
) -> None:
    # On SQLite `empty_database_url` is where `healthy` has its migrated copy: another file.
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}" if backend == "sqlite" else None
    database = DatabaseSettings(url=empty or empty_database_url, migrate_on_start=migrate_on_start)
    findings = await _examine(healthy(database=database))
    assert findings["database"].status is Status.OK
    assert findings["schema"].status is status
    assert advice in findings["schema"].detail
    assert findings["libraries"].status is Status.SKIPPED


async def test_an_unreachable_database_fails(healthy: Callable[..., Settings]) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test"
    findings = await _examine(healthy(database=DatabaseSettings(url=url, connect_timeout_s=2.0)))
    assert findings["database"].status is Status.FAIL
    assert "unreachable" in findings["database"].detail
    for check in ("schema", "database space", "clock", "libraries"):
        assert findings[check].status is Status.SKIPPED


async def test_a_missing_library_folder_fails(
    healthy: Callable[..., Settings], movies: Path
) -> None:
    settings = healthy()
    async with open_runtime(settings) as runtime:
        await runtime.services.libraries.create("Movies", LibraryKind.MOVIES, [str(movies)])
    await asyncio.to_thread(shutil.rmtree, movies)
    findings = await _examine(settings)
    assert findings["library Movies"].status is Status.FAIL
    assert "missing" in findings["library Movies"].detail


async def test_no_library_yet_is_a_warning(healthy: Callable[..., Settings]) -> None:
    findings = await _examine(healthy())
    assert findings["libraries"].status is Status.WARN
    assert "reelhouse library add" in findings["libraries"].detail


def test_a_data_directory_that_cannot_be_made_fails(
    healthy: Callable[..., Settings], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = healthy(data_dir=blocker / "data")
    result = run_cli(_doctor_env(settings, tmp_path), "doctor", "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    findings = {check["check"]: check for check in json.loads(result.stdout)["checks"]}
    assert findings["start"]["status"] == "fail"  # reelhouse keeps files there from its start
    assert findings["data directory"]["status"] == "fail"
    assert "not writable" in findings["data directory"]["detail"]


# --- the command itself: exit status, --json, settings that do not load ----------------------


def _doctor_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    env = cli_env(tmp_path, settings.database.url)
    env["REELHOUSE_DATA_DIR"] = str(settings.data_dir)
    env["REELHOUSE_REDIS_URL"] = str(settings.redis.url)
    env["REELHOUSE_CACHE_KEY_PREFIX"] = settings.cache.key_prefix
    for name in ("tmdb", "tvdb"):
        section = getattr(settings, name)
        env[f"REELHOUSE_{name.upper()}_BASE_URL"] = str(section.base_url)
        env[f"REELHOUSE_{name.upper()}_API_KEY"] = section.api_key.get_secret_value()
    return env


async def test_the_command_prints_every_check_as_json_and_exits_0(
    healthy: Callable[..., Settings], movies: Path, tmp_path: Path
) -> None:
    settings = healthy()
    async with open_runtime(settings) as runtime:
        await runtime.services.libraries.create("Movies", LibraryKind.MOVIES, [str(movies)])
    result = run_cli(_doctor_env(settings, tmp_path), "doctor", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [check["check"] for check in report["checks"]] == CHECKS
    assert {check["status"] for check in report["checks"]} <= {"ok", "skipped"}


async def test_the_command_exits_1_on_a_failure_and_shows_a_table(
    healthy: Callable[..., Settings], tmp_path: Path
) -> None:
    env = _doctor_env(healthy(), tmp_path)
    env["REELHOUSE_MEDIA_FFMPEG_PATH"] = str(tmp_path / "no-ffmpeg")
    result = run_cli(env, "doctor")
    assert result.returncode == 1
    assert "reelhouse doctor" in result.stdout
    ffmpeg_row = next(line for line in result.stdout.splitlines() if "│ ffmpeg " in line)
    assert "fail" in ffmpeg_row


def test_settings_that_do_not_load_are_a_failure_not_a_traceback(tmp_path: Path) -> None:
    env = cli_env(tmp_path, None)
    env["REELHOUSE_SERVER_PORT"] = "0"
    result = run_cli(env, "doctor", "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (finding,) = json.loads(result.stdout)["checks"]
    assert finding["check"] == "settings"
    assert finding["status"] == "fail"
    assert "server.port" in finding["detail"]
