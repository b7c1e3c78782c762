"""All the checks of `reelhouse doctor`, in the order a person would fix what they find."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from reelhouse.config import Settings
from reelhouse.config.editable import SettingState, Source
from reelhouse.content.metadata.credentials import KeyedProvider, ProviderKeys
from reelhouse.diagnostics.database import check_database
from reelhouse.diagnostics.findings import Finding, Status
from reelhouse.diagnostics.libraries import check_libraries
from reelhouse.diagnostics.programs import check_programs
from reelhouse.diagnostics.providers import check_provider
from reelhouse.diagnostics.redis import check_redis
from reelhouse.diagnostics.storage import check_data_dir
from reelhouse.infra.db.engine import Database
from reelhouse.ingest.libraries import LibraryInfo


class Doctor:
    """Checks one installation: its settings (already valid once they got here), database,
    Redis, providers, programs, libraries and data directory."""

    def __init__(
        self,
        settings: Settings,
        config_file: Path | None,
        database: Database,
        libraries: Callable[[], Awaitable[Sequence[LibraryInfo]]],
        keys: ProviderKeys,
        setting_states: Callable[[], Awaitable[list[SettingState]]],
    ) -> None:
        self._settings = settings
        self._config_file = config_file
        self._database = database
        self._libraries = libraries
        self._keys = keys
        self._setting_states = setting_states

    async def examine(self) -> list[Finding]:
        settings = self._settings
        findings = [settings_finding(self._config_file)]
        database = await check_database(
            self._database, migrate_on_start=settings.database.migrate_on_start
        )
        findings += database.findings
        if database.usable:
            findings.append(sources_finding(await self._setting_states()))
        findings += await check_redis(settings.redis, settings.cache.key_prefix)
        findings += [await check_provider(self._keys, provider) for provider in KeyedProvider]
        findings += await check_programs(settings.media, settings.streaming)
        if database.usable:
            findings += await check_libraries(await self._libraries(), settings.scan)
        else:
            detail = "the database cannot be read"
            findings.append(Finding("libraries", Status.SKIPPED, detail))
        findings += await check_data_dir(settings.data_dir)
        return findings


def settings_finding(config_file: Path | None) -> Finding:
    """Valid settings, and where they came from."""
    source = f"file {config_file}" if config_file else "no file: defaults and REELHOUSE_* variables"
    return Finding("settings", Status.OK, f"valid; {source}")


def sources_finding(states: Sequence[SettingState]) -> Finding:
    """Which settings the settings page and the environment give (the rest: file or default)."""
    by_source = {
        source: [state.key for state in states if state.source is source]
        for source in (Source.WEB, Source.ENVIRONMENT)
    }
    parts = [
        f"{label}: {', '.join(keys)}" if keys else f"{label}: none"
        for label, keys in (
            ("from the settings page", by_source[Source.WEB]),
            ("locked by the environment", by_source[Source.ENVIRONMENT]),
        )
    ]
    return Finding("settings sources", Status.OK, "; ".join(parts))


async def unable_to_start(
    settings: Settings, config_file: Path | None, error: OSError
) -> list[Finding]:
    """The findings when reelhouse cannot even set up its files (it makes its folders in the
    data directory as it starts): what the data directory check says about why."""
    detail = f"reelhouse cannot set up its files: {error.strerror or error}"
    return [
        settings_finding(config_file),
        Finding("start", Status.FAIL, detail),
        *await check_data_dir(settings.data_dir),
    ]


def settings_failure(detail: str) -> Finding:
    """The finding of settings that could not be loaded: nothing else can be checked."""
    return Finding("settings", Status.FAIL, detail)
