"""What each content module (movies, TV) gives the metadata pipeline: fetch a unit's merged
record from the providers (network, many at once), then store it (one transaction per item).

Fetching and storing are separate so the pipeline can keep many provider requests in flight
while the writes go one at a time, which is all SQLite allows and what keeps two units that
turn out to be the same movie from racing each other.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.shared.invalidation import ItemRef
from reelhouse.content.shared.metadata.enrich import Enriched, Unmatched
from reelhouse.content.shared.metadata.models import (
    ContentKind,
    ExternalIds,
    ItemRecord,
    SeasonRecord,
)
from reelhouse.content.shared.units import Unit
from reelhouse.errors import InvalidInputError, NotFoundError
from reelhouse.infra.logging import get_logger

T = TypeVar("T")
log = get_logger(__name__)

MATCHED = "matched"
UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Fetched:
    """A unit's provider answer, and its local NFO record when it has one."""

    result: Enriched[Any] | Unmatched
    local: ItemRecord | None = None
    local_seasons: tuple[SeasonRecord, ...] = ()

    @property
    def record(self) -> ItemRecord | None:
        """What to store: the merged record, or the NFO's alone when nothing matched."""
        return self.result.record if isinstance(self.result, Enriched) else self.local

    @property
    def seasons(self) -> tuple[SeasonRecord, ...]:
        return self.result.seasons if isinstance(self.result, Enriched) else self.local_seasons

    @property
    def outcome(self) -> str:
        return MATCHED if isinstance(self.result, Enriched) else UNMATCHED


@dataclass
class Stored:
    """What a store wrote: the items to invalidate, the people credited, how matching went."""

    outcome: str
    items: list[ItemRef] = field(default_factory=list)
    people: set[int] = field(default_factory=set)


class ContentEnrichment(Protocol):
    kind: ContentKind

    async def fetch(self, unit: Unit, *, refresh: bool = False) -> Fetched: ...

    async def store(
        self,
        session: AsyncSession,
        library_id: int,
        unit: Unit,
        fetched: Fetched,
        *,
        item_id: int | None = None,
    ) -> Stored:
        """Write the unit's item (the item `item_id`, when refreshing one) and link its files."""


def _existing(paths: Sequence[Path]) -> Path | None:
    return next((path for path in paths if path.is_file()), None)


def nfo_candidates(folder: str | None, video: str | None, folder_name: str) -> list[Path]:
    """Where Kodi, Jellyfin and Emby look for an item's NFO: `<folder>/<folder_name>` first,
    then `<video stem>.nfo` beside the video."""
    candidates = []
    if folder is not None:
        candidates.append(Path(folder) / folder_name)
    if video is not None:
        stem, dot, _ = video.rpartition(".")
        candidates.append(Path((stem if dot else video) + ".nfo"))
    return candidates


async def find_nfo(candidates: Sequence[Path]) -> Path | None:
    return await asyncio.to_thread(_existing, candidates)


async def read_local(read: Callable[[Path], Awaitable[T]], path: Path | None) -> T | None:
    """The NFO's record; a broken NFO is logged by the reader and the item goes on without it
    (house rule 10), so one bad file never keeps an item out of the catalogue."""
    if path is None:
        return None
    try:
        return await read(path)
    except InvalidInputError:
        return None


def episode_nfo_paths(videos: Sequence[str]) -> list[Path]:
    """The `<episode stem>.nfo` files that exist beside these videos (one thread hop for all)."""
    return [
        path
        for path in (Path(os.path.splitext(video)[0] + ".nfo") for video in videos)
        if path.is_file()
    ]


async def by_ids_or_title(fetch: Callable[[ExternalIds], Awaitable[T]], ids: ExternalIds) -> T:
    """Ids from names and NFOs short-circuit matching; an id no provider knows (a typo in a
    folder name) falls back to matching by title rather than keeping the item out."""
    try:
        return await fetch(ids)
    except NotFoundError:
        if ids.is_empty():
            raise
        log.warning("no provider knows the ids; matching by title", ids=ids.model_dump())
        return await fetch(ExternalIds())
