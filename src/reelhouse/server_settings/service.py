"""The settings an admin changes in the web page: validated by the settings models, kept in the
database, and taken up by every process without a restart where they can be.

A change is saved in one transaction, then published on the cache's invalidation channel (the
tag `SETTINGS_TAG`), on which every other process reads the stored settings again. Settings
marked `Applied.RESTART` are stored at once and taken up by each process when it starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from reelhouse.config import Settings
from reelhouse.config.editable import (
    EDITABLE,
    Applied,
    SettingState,
    check_editable,
    layered,
    setting_states,
    stored_form,
    value_of,
    with_values,
)
from reelhouse.errors import DomainError, InvalidInputError
from reelhouse.infra.cache import Cache
from reelhouse.infra.cache.messages import Message
from reelhouse.infra.db.engine import Database
from reelhouse.infra.logging import get_logger
from reelhouse.server_settings.models import StoredSetting
from reelhouse.server_settings.repository import StoredSettingsRepository

log = get_logger(__name__)

SETTINGS_TAG = "server-settings"

SettingsListener = Callable[[Settings], None]


async def stored_settings(database: Database) -> dict[str, Any]:
    async with database.read() as session:
        return await StoredSettingsRepository(session).values()


async def stored_at_start(database: Database) -> dict[str, Any]:
    """The settings changed in the web page, if the database can say: a database not created
    yet has none, and one that does not answer is reported by the command that needs it."""
    try:
        if not await database.has_table(StoredSetting.__tablename__):
            return {}
        return await stored_settings(database)
    except (SQLAlchemyError, OSError, DomainError) as exc:
        # Not a warning: the command's own first use of the database says what is wrong, in
        # one line (`reelhouse doctor` too).
        log.debug("settings of the web page not read", error=str(exc))
        return {}


def settings_with_stored(base: Settings, stored: Mapping[str, Any]) -> Settings:
    """The settings a process starts with: `base` and the web page's values over it. A stored
    value that no longer validates (a setting renamed, a bound tightened) is reported and left
    out, rather than keeping the process from starting."""
    usable = {key: value for key, value in stored.items() if key in EDITABLE}
    try:
        return layered(base, usable)
    except InvalidInputError as exc:
        log.error(  # noqa: TRY400 - the problem is the stored values, not this code
            "settings of the web page ignored: they do not validate", problem=exc.detail
        )
        return base


class SettingsService:
    def __init__(self, database: Database, cache: Cache, base: Settings, running: Settings) -> None:
        self._database = database
        self._cache = cache
        #: The settings below the web page's: defaults, file, a command's options, environment.
        self._base = base
        self.running = running
        self._listeners: list[SettingsListener] = []
        self._reloads: set[asyncio.Task[None]] = set()
        cache.add_invalidation_hook(self._heard)
        cache.add_reconnect_hook(self._reload_soon)

    def listen(self, listener: SettingsListener) -> None:
        """Call `listener` with the new settings whenever live settings change here."""
        self._listeners.append(listener)

    async def states(self) -> list[SettingState]:
        return setting_states(self._base, await stored_settings(self._database), self.running)

    async def update(
        self,
        changes: Mapping[str, Any],
        *,
        reset: Collection[str] = (),
        actor: str,
    ) -> list[SettingState]:
        """Set some settings and return others to the file's (or the default) value, all or
        none: a value that does not validate raises `InvalidInputError` naming it."""
        check_editable([*changes, *reset])
        if overlap := set(changes) & set(reset):
            raise InvalidInputError(f"settings both set and reset: {', '.join(sorted(overlap))}")
        async with self._database.transaction() as session:
            repository = StoredSettingsRepository(session)
            stored = await repository.values()
            wanted = {key: v for key, v in stored.items() if key not in reset} | dict(changes)
            checked = layered(self._base, wanted)
            saved = {key: stored_form(checked, key) for key in changes}
            await repository.save(saved, by=actor)
            await repository.forget(reset)
        log.info("settings changed", by=actor, set=sorted(changes), reset=sorted(reset))
        self._apply(checked)
        await self._cache.invalidate_tags(SETTINGS_TAG)
        now_stored = {key: v for key, v in stored.items() if key not in reset} | saved
        return setting_states(self._base, now_stored, self.running)

    async def reload(self) -> None:
        """Take up the stored live settings (a restart takes up the others)."""
        self._apply(settings_with_stored(self._base, await stored_settings(self._database)))

    def _apply(self, wanted: Settings) -> None:
        """Run with the live settings of `wanted` from now on, and tell the listeners."""
        live = {key for key, applied in EDITABLE.items() if applied is Applied.LIVE}
        changed = {
            key: value_of(wanted, key)
            for key in live
            if value_of(wanted, key) != value_of(self.running, key)
        }
        if not changed:
            return
        self.running = with_values(self.running, changed)
        log.info("settings taken up", settings=sorted(changed))
        for listener in self._listeners:
            listener(self.running)

    def _heard(self, message: Message) -> None:
        """Another process changed the settings (or its messages, or ours, were lost): read
        them again."""
        if SETTINGS_TAG in message.tags or message.clear:
            self._reload_soon()

    def _reload_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self._reload_logged())
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def _reload_logged(self) -> None:
        try:
            await self.reload()
        except Exception:
            log.exception("reading the changed settings failed; they apply at the next change")
