"""TV, as the registry knows it: TV libraries, one series per unit of files (every episode below
its folder), with its seasons and episodes."""

from __future__ import annotations

from reelhouse.content.module import ContentModule
from reelhouse.content.tv.enrich import SeriesEnrichment
from reelhouse.content.tv.repository import SeriesRepository
from reelhouse.content.tv.service import EpisodeCatalogue, SeasonCatalogue, SeriesCatalogue
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.naming import Kind

TV = ContentModule(
    library_kind=LibraryKind.TV,
    kind=ItemKind.SERIES,
    file_kind=Kind.EPISODE,
    reads={
        ItemKind.SERIES: SeriesCatalogue,
        ItemKind.SEASON: SeasonCatalogue,
        ItemKind.EPISODE: EpisodeCatalogue,
    },
    searched=(ItemKind.SERIES, ItemKind.EPISODE),
    repository=SeriesRepository,
    enrichment=SeriesEnrichment,
    unit_name=lambda identity: (identity.series, None),
)
