"""The services of one process, built once by `reelhouse.app` and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from reelhouse.config import Settings
from reelhouse.content.movies.service import CollectionCatalogue, MovieCatalogue
from reelhouse.content.shared.control import CatalogueControl
from reelhouse.content.shared.images import ImagesService
from reelhouse.content.shared.invalidation import CatalogueInvalidation
from reelhouse.content.shared.people import PeopleCatalogue
from reelhouse.content.shared.search import SearchService
from reelhouse.content.tv.service import EpisodeCatalogue, SeasonCatalogue, SeriesCatalogue
from reelhouse.infra.cache import Cache
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.libraries.scan import LibraryScanner
from reelhouse.libraries.service import LibrariesService
from reelhouse.providers.registry import Providers
from reelhouse.users.service import UsersService


@dataclass(frozen=True)
class Services:
    users: UsersService
    libraries: LibrariesService
    movies: MovieCatalogue
    collections: CollectionCatalogue
    series: SeriesCatalogue
    seasons: SeasonCatalogue
    episodes: EpisodeCatalogue
    people: PeopleCatalogue
    search: SearchService
    images: ImagesService
    jobs: JobQueue
    scanner: LibraryScanner
    control: CatalogueControl

    @classmethod
    def build(
        cls,
        settings: Settings,
        database: Database,
        cache: Cache,
        jobs: JobQueue,
        images: ImageStore,
        providers: Providers,
    ) -> Services:
        invalidation = CatalogueInvalidation(cache)
        return cls(
            users=UsersService(database, settings.auth, cache),
            libraries=LibrariesService(database, invalidation, jobs),
            movies=MovieCatalogue(database, cache),
            collections=CollectionCatalogue(database, cache),
            series=SeriesCatalogue(database, cache),
            seasons=SeasonCatalogue(database, cache),
            episodes=EpisodeCatalogue(database, cache),
            people=PeopleCatalogue(database, cache),
            search=SearchService(database, cache),
            images=ImagesService(database, cache, images, settings.images),
            jobs=jobs,
            scanner=LibraryScanner(database, settings.scan),
            control=CatalogueControl(database, jobs, invalidation, providers.enricher(settings)),
        )
