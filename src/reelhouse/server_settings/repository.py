"""The only SQL about the settings changed in the web page."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.infra.db.repository import upsert
from reelhouse.infra.db.types import utcnow
from reelhouse.server_settings.models import StoredSetting


class StoredSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def values(self) -> dict[str, Any]:
        rows = await self.session.scalars(select(StoredSetting))
        return {row.key: json.loads(row.value) for row in rows}

    async def save(self, values: Mapping[str, Any], *, by: str) -> None:
        """Each value over the stored one: of two admins saving the same setting at once, the
        last one wins, and neither fails."""
        if not values:
            return
        insert = upsert(self.session, StoredSetting.__table__)  # type: ignore[arg-type]
        statement = insert.on_conflict_do_update(
            index_elements=["key"],
            set_={name: insert.excluded[name] for name in ("value", "updated_by", "updated_at")},
        )
        now = utcnow()
        await self.session.execute(
            statement,
            [
                {"key": key, "value": json.dumps(value), "updated_by": by, "updated_at": now}
                for key, value in values.items()
            ],
        )

    async def forget(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            await self.session.execute(delete(StoredSetting).where(StoredSetting.key.in_(keys)))
