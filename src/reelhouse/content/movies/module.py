"""Movies, as the registry knows them: movie libraries, one movie per unit of files, and the
collections (TMDb "sets") that group movies."""

from __future__ import annotations

from reelhouse.content.module import ContentModule
from reelhouse.content.movies.enrich import MovieEnrichment
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.movies.service import CollectionCatalogue, MovieCatalogue
from reelhouse.kinds import ItemKind, LibraryKind
from reelhouse.naming import Kind

MOVIES = ContentModule(
    library_kind=LibraryKind.MOVIES,
    kind=ItemKind.MOVIE,
    file_kind=Kind.MOVIE,
    reads={ItemKind.MOVIE: MovieCatalogue, ItemKind.COLLECTION: CollectionCatalogue},
    searched=(ItemKind.MOVIE, ItemKind.COLLECTION),
    repository=MovieRepository,
    enrichment=MovieEnrichment,
    unit_name=lambda identity: (identity.title, identity.year),
)
