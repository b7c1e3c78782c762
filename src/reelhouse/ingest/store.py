"""Storing a fetched unit: its item found or made, the record written onto it by its content
module, its files linked, then the cached reads it changed dropped (house rule 2).

One unit is one transaction, and a process stores one unit at a time: SQLite allows no more
writers, and two units that turn out to be the same movie must not both insert it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.catalogue.items import ItemRepository
from reelhouse.content.catalogue.records import find_by_ids
from reelhouse.content.enrichment import ContentEnrichment, Fetched, Stored, Unit, UnlinkedFile
from reelhouse.content.matching.normalize import normalize_title
from reelhouse.content.metadata.models import ItemRecord
from reelhouse.content.module import ContentModule
from reelhouse.errors import ConflictError, NotFoundError
from reelhouse.infra.db.engine import Database
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.ingest.units import owner_folder


@dataclass(frozen=True)
class UnitStore:
    database: Database
    invalidation: CatalogueInvalidation
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def store(
        self,
        module: ContentModule,
        enrichment: ContentEnrichment,
        library_id: int,
        unit: Unit,
        fetched: Fetched,
        item_id: int | None = None,
        transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]] | None = None,
    ) -> Stored:
        """One unit in one transaction (onto the item `item_id`, when refreshing it), then its
        invalidation. A conflict means another process stored the same item a moment ago: the
        second try finds and updates it. `transaction` opens it (a job's, which counts the
        unit as it commits: `ItemOutcome.transaction`); by default a plain one."""
        begin = transaction or self.database.transaction
        async with self._lock:
            for attempt in (1, 2):
                try:
                    async with begin() as session:
                        item = await target_item(
                            module.repository(session),
                            fetched.record,
                            item_id=item_id,
                            library_id=library_id,
                            folder=unit.folder,
                            title=unit.title,
                            year=unit.year,
                        )
                        stored = await enrichment.store(session, item, unit, fetched)
                        links = MediaLinkRepository(session)
                        await links.link(stored.links)
                        for extra in unit.extras:
                            await links.link_extra(item.id, extra)
                    break
                except ConflictError:
                    if attempt == 2:
                        raise
        await self.invalidation.items_changed(stored.items)
        if stored.people:
            await self.invalidation.people_changed(stored.people)
        return stored

    async def attach_extras(
        self, library_id: int, extras: Sequence[UnlinkedFile], roots: Sequence[str]
    ) -> None:
        """Extras found after their item was stored join it; others wait for their item."""
        changed: list[ItemRef] = []
        async with self.database.transaction() as session:
            links = MediaLinkRepository(session)
            for extra in extras:
                folder = owner_folder(extra, roots)
                owner = await links.item_in_folder(library_id, folder) if folder else None
                if owner is None:
                    continue
                await links.link_extra(owner, extra)
                changed.append(ItemRef(owner, library_id))
        await self.invalidation.items_changed(changed)


async def target_item(
    repository: ItemRepository[Any],
    record: ItemRecord | None,
    *,
    item_id: int | None,
    library_id: int,
    folder: str | None,
    title: str,
    year: int | None,
) -> Any:
    """The item a record is written to: the one being refreshed, else the one that has the
    record's ids, else the one whose files are in the unit's folder already (a new version of
    an unmatched movie, a new episode), else a new one, named as the record or the files say."""
    if item_id is not None:
        return await repository.get(item_id)
    if record is not None:
        found = await find_by_ids(repository, record.ids)
        if found is not None:
            return found
    if folder is not None:
        holder_id = await MediaLinkRepository(repository.session).item_in_folder(library_id, folder)
        if holder_id is not None:
            with contextlib.suppress(NotFoundError):  # an item of another kind: not this one
                holder = await repository.get(holder_id)
                # A folder may hold several films ("Action/"): only the same title is this one.
                if normalize_title(holder.title) == normalize_title(title):
                    return holder
    name = (record.title if record else None) or title
    return await repository.add(repository.model(library_id=library_id, title=name, year=year))
