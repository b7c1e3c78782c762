"""The composition root: the one place where settings, infrastructure and services are wired."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import lru_cache

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from reelhouse import __version__
from reelhouse.api import auth as auth_routes
from reelhouse.api import control as control_routes
from reelhouse.api import health as health_routes
from reelhouse.api import images as image_routes
from reelhouse.api import jobs as job_routes
from reelhouse.api import libraries as library_routes
from reelhouse.api import media_server as media_server_routes
from reelhouse.api import metrics as metrics_routes
from reelhouse.api import movies as movie_routes
from reelhouse.api import people as people_routes
from reelhouse.api import search as search_routes
from reelhouse.api import tv as tv_routes
from reelhouse.api import users as user_routes
from reelhouse.api import webhooks as webhook_routes
from reelhouse.config import Settings
from reelhouse.content.movies.enrich import MovieEnrichment
from reelhouse.content.shared.artwork_jobs import ArtworkDownloads
from reelhouse.content.shared.invalidation import CatalogueInvalidation
from reelhouse.content.shared.metadata.cache import TwoTierResponses
from reelhouse.content.shared.metadata.metrics import ProviderMetrics
from reelhouse.content.shared.pipeline import MetadataPipeline
from reelhouse.content.tv.enrich import SeriesEnrichment
from reelhouse.health import HealthService
from reelhouse.http.middleware import (
    HttpMetrics,
    HttpMetricsMiddleware,
    ReelhouseApp,
    RequestIdMiddleware,
    install_http_middleware,
)
from reelhouse.http.problems import install_problem_handlers
from reelhouse.infra.cache import Cache
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.infra.jobs.prune import register_prune
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.worker import Worker
from reelhouse.infra.logging import get_logger
from reelhouse.libraries.jobs import register_scans
from reelhouse.libraries.models import LibraryKind
from reelhouse.libraries.scan import LibraryScanner
from reelhouse.libraries.watch import LibraryWatcher
from reelhouse.providers.nfo import NfoReader
from reelhouse.providers.registry import Providers, open_providers
from reelhouse.services import Services
from reelhouse.web.routes import mount_static, web_routers

log = get_logger(__name__)


async def prepare_database(database: Database, settings: Settings) -> None:
    """Fail fast, with one clear line, on a database that is unreachable or on the wrong schema."""
    await database.ping()
    if settings.database.migrate_on_start:
        await migrate.upgrade(database)
    else:
        await migrate.ensure_current(database)


@lru_cache(maxsize=1)
def app_routes() -> tuple[BaseRoute, ...]:
    """Every route of the app, flat, worked out once per process and shared by its apps (the
    tests make hundreds): their dependency trees and models take half a second to build, and
    they hold nothing of one app. Each `/api` router says itself whether it needs a token
    (`token_router`, `open_router`)."""
    routers = (
        health_routes.router,
        metrics_routes.router,
        webhook_routes.media_server_router,
        media_server_routes.router,
        auth_routes.public_router,
        webhook_routes.router,
        auth_routes.router,
        user_routes.router,
        library_routes.router,
        movie_routes.router,
        tv_routes.router,
        people_routes.router,
        search_routes.router,
        image_routes.router,
        job_routes.router,
        control_routes.router,
        *web_routers(),
    )
    return tuple(route for router in routers for route in router.routes)


def job_registry(
    settings: Settings,
    database: Database,
    cache: Cache,
    images: ImageStore,
    providers: Providers,
    *,
    on_enqueue: Callable[[], None] | None = None,
) -> JobRegistry:
    """Every job kind this reelhouse runs and the periodic ones, with what their handlers use."""
    queue = JobQueue(database, settings.jobs, on_enqueue=on_enqueue)
    enricher = providers.enricher(settings)
    nfo = NfoReader(settings.metadata.nfo_max_bytes)
    invalidation = CatalogueInvalidation(cache)
    pipeline = MetadataPipeline(
        database,
        queue,
        invalidation,
        {
            LibraryKind.MOVIES: MovieEnrichment(enricher, nfo),
            LibraryKind.TV: SeriesEnrichment(enricher, nfo),
        },
        settings.enrichment,
    )
    registry = JobRegistry()
    register_prune(registry, database, settings.jobs)
    register_scans(
        registry,
        database,
        queue,
        LibraryScanner(database, settings.scan),
        settings.scan,
        invalidation,
        after_scan=pipeline.enqueue_enrich,
    )
    pipeline.register(registry)
    ArtworkDownloads(database, invalidation, images, settings.images.download_concurrency).register(
        registry
    )
    return registry


@asynccontextmanager
async def worker_process(
    settings: Settings, database: Database, *, run_schedules: bool = True
) -> AsyncIterator[Worker]:
    """A worker for a process without the HTTP server (`reelhouse worker`, `scan --wait`),
    with its own cache so its writes still invalidate every other process's reads."""
    async with AsyncExitStack() as stack:
        cache = Cache.from_settings(settings)
        stack.push_async_callback(cache.close)
        await cache.start()
        images = ImageStore.from_settings(settings)
        stack.push_async_callback(images.aclose)
        providers = await stack.enter_async_context(
            open_providers(settings, TwoTierResponses(cache))
        )
        registry = job_registry(settings, database, cache, images, providers)
        yield Worker(database, registry, settings.jobs, run_schedules=run_schedules)


@asynccontextmanager
async def running_worker(worker: Worker) -> AsyncIterator[Worker]:
    """Run `worker` in the background for the duration of the block, then stop it gracefully."""
    task = asyncio.create_task(worker.run(), name="job-worker")
    try:
        yield worker
    finally:
        worker.stop()
        await task


@asynccontextmanager
async def running_watcher(watcher: LibraryWatcher) -> AsyncIterator[LibraryWatcher]:
    """Watch library folders in the background for the duration of the block."""
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop), name="library-watcher")
    try:
        yield watcher
    finally:
        stop.set()
        await task


def create_app(settings: Settings) -> FastAPI:
    # One Prometheus registry per app (not the process-wide default, so that several apps in one
    # process, as in the tests, do not collide): every part registers its metrics here, and
    # `/metrics` serves exactly this registry.
    metrics_registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            database = Database.from_settings(settings)
            stack.push_async_callback(database.close)
            # `reelhouse serve` ran this before starting the server, to fail with one clear
            # line; here it is a cheap check then, and makes the app right under any ASGI server.
            await prepare_database(database, settings)
            cache = Cache.from_settings(settings, registry=metrics_registry)
            stack.push_async_callback(cache.close)
            images = ImageStore.from_settings(settings, registry=metrics_registry)
            stack.push_async_callback(images.aclose)
            providers = await stack.enter_async_context(
                open_providers(settings, TwoTierResponses(cache), ProviderMetrics(metrics_registry))
            )
            health = HealthService()
            health.register("database", database.ping)
            if cache.has_l2:
                # Redis down is degraded L1-only operation, not unreadiness: the check reports
                # it in its detail and never fails (see Cache.check_redis).
                health.register("redis", cache.check_redis)
            worker: Worker | None = None

            def wake_worker() -> None:
                if worker is not None:
                    worker.wake()

            if settings.server.run_workers:
                registry = job_registry(
                    settings, database, cache, images, providers, on_enqueue=wake_worker
                )
                worker = Worker(database, registry, settings.jobs)
            jobs = JobQueue(database, settings.jobs, on_enqueue=wake_worker)
            services = Services.build(settings, database, cache, jobs, images, providers)
            await services.users.ensure_initial_admin()
            app.state.settings = settings
            app.state.cache = cache
            app.state.health = health
            app.state.services = services
            app.state.jobs = jobs
            await cache.start()
            if worker is not None:
                await stack.enter_async_context(running_worker(worker))
                if settings.scan.watch:
                    watcher = LibraryWatcher(database, jobs, settings.scan)
                    await stack.enter_async_context(running_watcher(watcher))
            log.info(
                "reelhouse started",
                database=database.backend,
                cache="l1+redis" if cache.has_l2 else "l1",
                workers=worker is not None,
                version=__version__,
            )
            yield

    app = ReelhouseApp(
        title="reelhouse",
        version=__version__,
        lifespan=lifespan,
        # `/metrics` is ours; FastAPI's OpenTelemetry hooks would ask for the global providers
        # on every request to find that nobody configured them.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        outer_middleware=[
            Middleware(RequestIdMiddleware, max_length=settings.http.request_id_max_length),
            Middleware(HttpMetricsMiddleware, metrics=HttpMetrics(metrics_registry)),
        ],
    )
    app.state.metrics_registry = metrics_registry
    install_problem_handlers(app)
    install_http_middleware(app, settings.http)
    # The shared routes themselves, not an include of them: an include would work each one out
    # again for this app, and match every request through one more router.
    app.router.routes.extend(app_routes())
    mount_static(app)
    return app
