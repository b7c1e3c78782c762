"""The services the entry points call, as the runtime builds them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from reelhouse.content.metadata.credentials import ProviderKeys
from reelhouse.content.movies.service import CollectionCatalogue, MovieCatalogue
from reelhouse.content.reads.images import ImagesService
from reelhouse.content.reads.items import AnyItemCatalogue, ItemCatalogue
from reelhouse.content.reads.people import PeopleCatalogue
from reelhouse.content.reads.search import SearchService
from reelhouse.content.tv.service import EpisodeCatalogue, SeasonCatalogue, SeriesCatalogue
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.ingest.control import CatalogueControl
from reelhouse.ingest.editing import ItemEditor
from reelhouse.ingest.image_choice import ImageChoices
from reelhouse.ingest.libraries import LibrariesService
from reelhouse.kinds import ItemKind
from reelhouse.playback.service import PlaybackService
from reelhouse.playback.streaming.service import StreamingService
from reelhouse.server_settings.service import SettingsService
from reelhouse.users.service import UsersService
from reelhouse.users.setup import SetupService
from reelhouse.watch.service import WatchService


@dataclass(frozen=True)
class Services:
    """What the entry points call: the HTTP routes, the pages and the CLI commands."""

    users: UsersService
    #: The setup wizard's access rules, while there is no account yet.
    setup: SetupService
    libraries: LibrariesService
    #: The read service of every kind of item, as the content modules register them.
    catalogues: Mapping[ItemKind, ItemCatalogue[Any]]
    #: Listings over every kind at once.
    items: AnyItemCatalogue
    people: PeopleCatalogue
    search: SearchService
    images: ImagesService
    playback: PlaybackService
    streaming: StreamingService
    watch: WatchService
    jobs: JobQueue
    #: Live checks of provider keys (the setup wizard's, and later the settings page's).
    provider_keys: ProviderKeys
    control: CatalogueControl
    #: Edits of items by hand, locked against refresh.
    editor: ItemEditor
    #: The image picker: an item's choices of artwork, choosing one, uploading one's own.
    image_choices: ImageChoices
    settings: SettingsService

    def catalogue(self, kind: ItemKind) -> ItemCatalogue[Any]:
        return self.catalogues[kind]

    @property
    def movies(self) -> MovieCatalogue:
        return cast(MovieCatalogue, self.catalogues[ItemKind.MOVIE])

    @property
    def collections(self) -> CollectionCatalogue:
        return cast(CollectionCatalogue, self.catalogues[ItemKind.COLLECTION])

    @property
    def series(self) -> SeriesCatalogue:
        return cast(SeriesCatalogue, self.catalogues[ItemKind.SERIES])

    @property
    def seasons(self) -> SeasonCatalogue:
        return cast(SeasonCatalogue, self.catalogues[ItemKind.SEASON])

    @property
    def episodes(self) -> EpisodeCatalogue:
        return cast(EpisodeCatalogue, self.catalogues[ItemKind.EPISODE])
