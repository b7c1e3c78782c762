"""The runtime of one process: its object graph, built once from the settings."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from prometheus_client import CollectorRegistry

from reelhouse.bootstrap.providers import Providers, open_providers
from reelhouse.bootstrap.services import Services
from reelhouse.config import Settings
from reelhouse.content.catalogue.invalidation import CatalogueInvalidation
from reelhouse.content.metadata.cache import TwoTierResponses
from reelhouse.content.metadata.credentials import ProviderKeys
from reelhouse.content.metadata.metrics import ProviderMetrics
from reelhouse.content.reads.images import ImagesService
from reelhouse.content.reads.items import AnyItemCatalogue
from reelhouse.content.reads.people import PeopleCatalogue
from reelhouse.content.reads.search import SearchService
from reelhouse.content.registry import MODULES, SEARCHED_KINDS
from reelhouse.diagnostics import Doctor
from reelhouse.infra.backup.schedule import register_backups
from reelhouse.infra.cache import Cache
from reelhouse.infra.db.engine import Database
from reelhouse.infra.health import HealthService
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.prune import register_prune
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.worker import Worker
from reelhouse.infra.media.ffprobe import Prober
from reelhouse.ingest.artwork import ArtworkDownloads
from reelhouse.ingest.control import CatalogueControl
from reelhouse.ingest.editing import ItemEditor
from reelhouse.ingest.image_choice import ImageChoices
from reelhouse.ingest.libraries import LibrariesService
from reelhouse.ingest.pipeline import MetadataPipeline
from reelhouse.ingest.scans import register_scans
from reelhouse.ingest.store import UnitStore
from reelhouse.ingest.writeback.job import WriteBack
from reelhouse.libraries.scan import LibraryScanner
from reelhouse.libraries.watch import LibraryWatcher
from reelhouse.playback.probing import MediaProbing, enqueue_probe
from reelhouse.playback.service import PlaybackService
from reelhouse.playback.streaming.manager import SessionManager
from reelhouse.playback.streaming.metrics import StreamingMetrics
from reelhouse.playback.streaming.service import StreamingService
from reelhouse.playback.subtitle_cache import SubtitleCache
from reelhouse.providers.nfo import NfoReader
from reelhouse.server_settings.service import (
    SettingsService,
    settings_with_stored,
    stored_at_start,
)
from reelhouse.users.service import UsersService
from reelhouse.users.setup import SetupService
from reelhouse.users.throttle import login_throttle
from reelhouse.watch.imports import NfoWatchImport
from reelhouse.watch.service import WatchService


class Runtime:
    """The object graph of one reelhouse process, shared by all it runs."""

    def __init__(
        self,
        settings: Settings,
        base_settings: Settings,
        database: Database,
        cache: Cache,
        images: ImageStore,
        providers: Providers,
        metrics_registry: CollectorRegistry,
    ) -> None:
        self.settings = settings
        self.database = database
        self.cache = cache
        self.images = images
        self.providers = providers
        self.metrics_registry = metrics_registry
        self.invalidation = CatalogueInvalidation(cache)
        self.enricher = providers.enricher(settings)
        self.queue = JobQueue(database, settings.jobs, on_enqueue=self._wake_worker)
        self.prober = Prober(settings.media)
        self._worker: Worker | None = None
        people = PeopleCatalogue(database, cache)
        playback = PlaybackService(
            database,
            settings.media,
            SubtitleCache.from_settings(settings),
            follow_links_out=settings.scan.follow_symlinks_outside_roots,
        )
        users = UsersService(
            database, settings.auth, cache, login_throttle(settings, providers.redis)
        )
        self.services = Services(
            users=users,
            setup=SetupService(database, settings.auth, users),
            libraries=LibrariesService(database, self.invalidation, self.queue),
            catalogues={
                kind: read(database, cache, people)
                for module in MODULES
                for kind, read in module.reads.items()
            },
            items=AnyItemCatalogue(database, cache, people),
            people=people,
            search=SearchService(database, SEARCHED_KINDS, settings.search, cache),
            images=ImagesService(database, cache, images, settings.images),
            playback=playback,
            streaming=StreamingService(
                playback,
                self.prober,
                cache,
                SessionManager.from_settings(settings, StreamingMetrics(metrics_registry)),
                settings,
            ),
            watch=WatchService(database, cache, settings.watch),
            jobs=self.queue,
            provider_keys=ProviderKeys(settings),
            control=CatalogueControl(database, self.queue, self.invalidation, self.enricher),
            editor=ItemEditor(database, self.invalidation),
            image_choices=ImageChoices(
                database, self.invalidation, images, self.enricher, settings.images
            ),
            settings=SettingsService(database, cache, base_settings, settings),
        )
        self.services.settings.listen(self._take_up)

    def _take_up(self, settings: Settings) -> None:
        """Settings changed in the web page that a running process can take up."""
        self.settings = settings
        self.providers.take_up(settings, self.enricher)
        self.services.users.settings = settings.auth
        self.services.provider_keys.settings = settings

    def health(self) -> HealthService:
        """The readiness checks of this process: the database, and Redis when there is one
        (down, it is reported as degraded service, never as unready: see
        `Cache.check_redis`)."""
        health = HealthService()
        health.register("database", self.database.ping)
        if self.cache.has_l2:
            health.register("redis", self.cache.check_redis)
        return health

    def doctor(self, config_file: Path | None) -> Doctor:
        """`reelhouse doctor`'s checks of this installation (`config_file`: the settings file
        read, if any)."""
        return Doctor(
            self.settings,
            config_file,
            self.database,
            self.services.libraries.list,
            self.services.provider_keys,
            self.services.settings.states,
        )

    def job_registry(self) -> JobRegistry:
        """Every job kind this reelhouse runs and the periodic ones, with what they use."""
        settings, database = self.settings, self.database
        nfo = NfoReader(settings.metadata.nfo_max_bytes)
        pipeline = MetadataPipeline(
            database,
            self.queue,
            UnitStore(database, self.invalidation),
            {module.kind: module.enrichment(self.enricher, nfo) for module in MODULES},
            settings.enrichment,
            after_enrich=functools.partial(enqueue_probe, self.queue),
            watch_import=NfoWatchImport(database, self.cache, settings.watch),
        )
        registry = JobRegistry()
        register_prune(registry, database, settings.jobs)
        register_backups(registry, settings, database, self.images)
        register_scans(
            registry,
            database,
            self.queue,
            LibraryScanner(database, settings.scan),
            settings.scan,
            self.invalidation,
            after_scan=pipeline.enqueue_enrich,
            refresh_statistics=settings.database.refresh_statistics,
        )
        pipeline.register(registry)
        artwork = ArtworkDownloads(
            database, self.invalidation, self.images, settings.images, self.queue
        )
        artwork.register(registry)
        WriteBack(database, self.images).register(registry)
        MediaProbing(database, self.prober, self.invalidation, settings.media).register(registry)
        return registry

    def worker(self, *, run_schedules: bool = True) -> Worker:
        """This process's job worker; a job queued here wakes it at once."""
        self._worker = Worker(
            self.database, self.job_registry(), self.settings.jobs, run_schedules=run_schedules
        )
        return self._worker

    def watcher(self) -> LibraryWatcher:
        return LibraryWatcher(self.database, self.queue, self.settings.scan)

    def _wake_worker(self) -> None:
        if self._worker is not None:
            self._worker.wake()


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, metrics_registry: CollectorRegistry | None = None
) -> AsyncIterator[Runtime]:
    """The runtime of one process, closed with the block. Every part registers its metrics in
    `metrics_registry` (one per app, not the process-wide default, so that several apps in one
    process do not collide)."""
    registry = metrics_registry if metrics_registry is not None else CollectorRegistry()
    async with AsyncExitStack() as stack:
        database = Database.from_settings(settings)
        stack.push_async_callback(database.close)
        # The settings page's values, over those the process was given.
        base_settings = settings
        settings = settings_with_stored(base_settings, await stored_at_start(database))
        cache = Cache.from_settings(settings, registry=registry)
        stack.push_async_callback(cache.close)
        images = ImageStore.from_settings(settings, registry=registry)
        stack.push_async_callback(images.aclose)
        providers = await stack.enter_async_context(
            open_providers(settings, TwoTierResponses(cache), ProviderMetrics(registry))
        )
        runtime = Runtime(settings, base_settings, database, cache, images, providers, registry)
        # Before the database closes: progress reports held for their batch are written.
        stack.push_async_callback(runtime.services.watch.close)
        # Every ffmpeg of this process is stopped and reaped, and its segments removed.
        stack.push_async_callback(runtime.services.streaming.close)
        yield runtime
