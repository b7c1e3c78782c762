"""What a content module is (the type each module's `module.py` declares itself with)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reelhouse.content.catalogue.items import ItemRepository
from reelhouse.content.enrichment import ContentEnrichment
from reelhouse.content.metadata.enrich import Enricher
from reelhouse.content.reads.items import ItemCatalogue
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.naming import Identity, Kind
from reelhouse.providers.nfo import NfoReader


@dataclass(frozen=True)
class ContentModule:
    """What one kind of content is.

    A library of `library_kind` holds it. Its main files (`file_kind`) are grouped into units,
    each of which becomes one item of `kind`, the item that is matched, refreshed and shown in
    the library's grid; the items below it (a series' seasons and episodes) come with it.
    """

    library_kind: LibraryKind
    kind: ItemKind
    file_kind: Kind
    #: Every kind of item the module stores, `kind` first, each with its read service.
    reads: Mapping[ItemKind, type[ItemCatalogue[Any]]]
    #: The kinds search finds (a series' seasons are reached through the series).
    searched: tuple[ItemKind, ...]
    repository: type[ItemRepository[Any]]
    enrichment: Callable[[Enricher, NfoReader], ContentEnrichment]
    #: What names the unit a main file belongs to: a movie's title and year; an episode's
    #: series, and no year (a file's year tells no series apart from another).
    unit_name: Callable[[Identity], tuple[str | None, int | None]]
