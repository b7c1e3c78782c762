"""What a content module gives the ingest pipeline, and what it is given: a unit of files, whose
merged record it fetches from the providers (network, many at once), then stores onto the
unit's item (one transaction per item).

Fetching and storing are separate so the pipeline can keep many provider requests in flight
while the writes go one at a time, which is all SQLite allows and what keeps two units that
turn out to be the same movie from racing each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from reelhouse.content.catalogue.invalidation import ItemRef
from reelhouse.content.metadata.enrich import Enriched, Unmatched
from reelhouse.content.metadata.models import ExternalIds, ItemRecord, LocalWatch, SeasonRecord
from reelhouse.errors import NotFoundError
from reelhouse.infra.logging import get_logger
from reelhouse.kinds import ItemKind
from reelhouse.naming import Identity

T = TypeVar("T")
log = get_logger(__name__)

MATCHED = "matched"
UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class UnlinkedFile:
    """A present media file that no item links to yet, with what its name says."""

    id: int
    path: str
    identity: Identity


@dataclass
class Unit:
    """One catalogue item to be: its main files, its extras, and what their names say."""

    kind: ItemKind
    title: str
    year: int | None
    folder: str | None = field(
        metadata={"doc": "The item's own folder (where its NFO lives); None for a loose file."}
    )
    ids: ExternalIds = field(default_factory=ExternalIds)
    files: list[UnlinkedFile] = field(default_factory=list)
    extras: list[UnlinkedFile] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def alternate_titles(self) -> tuple[str, ...]:
        """The second titles its files' names give (a native title's English one): matching
        searches and scores them too."""
        found = (f.identity.alternate_title for f in self.files)
        return tuple(dict.fromkeys(t for t in found if t and t != self.title))


@dataclass(frozen=True, slots=True)
class FileWatch:
    """Viewing history found in an NFO, and the main file whose NFO it is (None: the item's
    own, such as `movie.nfo`)."""

    file_id: int | None
    watch: LocalWatch


@dataclass(frozen=True, slots=True)
class ItemWatch:
    """Viewing history found in an NFO, and the stored item it is of."""

    item_id: int
    watch: LocalWatch


@dataclass(frozen=True)
class Fetched:
    """A unit's provider answer, and its local NFO record when it has one."""

    result: Enriched[Any] | Unmatched
    local: ItemRecord | None = None
    local_seasons: tuple[SeasonRecord, ...] = ()
    #: The viewing history in the unit's NFO files.
    watch: tuple[FileWatch, ...] = ()

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


@dataclass(frozen=True, slots=True)
class FileLink:
    """A main file and the item it holds (an episode file may hold several)."""

    item_id: int
    file_id: int
    part: int | None = None


@dataclass
class Stored:
    """What a store wrote: the items to invalidate, the people credited, where each main file
    belongs, the NFO viewing history of the items it stored; `outcome` says how matching
    went."""

    outcome: str
    items: list[ItemRef] = field(default_factory=list)
    people: set[int] = field(default_factory=set)
    links: list[FileLink] = field(default_factory=list)
    watch: list[ItemWatch] = field(default_factory=list)


class ContentEnrichment(Protocol):
    async def fetch(self, unit: Unit, *, refresh: bool = False) -> Fetched: ...

    async def store(self, session: AsyncSession, item: Any, unit: Unit, fetched: Fetched) -> Stored:
        """Write the fetched record onto `item` (the unit's item, found or made by the
        pipeline) and what hangs below it, and say which item each main file holds."""


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
