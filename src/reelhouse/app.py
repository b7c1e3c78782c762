"""The HTTP app: the routes of the API and the web page over the services of one runtime
(`reelhouse.bootstrap`), with the app-wide HTTP plumbing."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import lru_cache

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from reelhouse import __version__
from reelhouse.api import auth as auth_routes
from reelhouse.api import collections as collection_routes
from reelhouse.api import control as control_routes
from reelhouse.api import health as health_routes
from reelhouse.api import image_choices as image_choice_routes
from reelhouse.api import images as image_routes
from reelhouse.api import jobs as job_routes
from reelhouse.api import libraries as library_routes
from reelhouse.api import media_server as media_server_routes
from reelhouse.api import metrics as metrics_routes
from reelhouse.api import movies as movie_routes
from reelhouse.api import people as people_routes
from reelhouse.api import playback as playback_routes
from reelhouse.api import search as search_routes
from reelhouse.api import settings as settings_routes
from reelhouse.api import setup as setup_routes
from reelhouse.api import streaming as streaming_routes
from reelhouse.api import tv as tv_routes
from reelhouse.api import users as user_routes
from reelhouse.api import watch as watch_routes
from reelhouse.api import webhooks as webhook_routes
from reelhouse.bootstrap import open_runtime
from reelhouse.compat import jellyfin
from reelhouse.compat.jellyfin.routing import CaseInsensitivePaths
from reelhouse.config import Settings
from reelhouse.content.reads.views import CATALOGUE_NAMESPACE
from reelhouse.http.encoded import EncodedBodies
from reelhouse.http.middleware import (
    HttpMetrics,
    HttpMetricsMiddleware,
    ReelhouseApp,
    RequestIdMiddleware,
    install_http_middleware,
)
from reelhouse.http.problems import install_problem_handlers
from reelhouse.infra.db import migrate
from reelhouse.infra.db.peers import joined
from reelhouse.infra.jobs.worker import running_worker
from reelhouse.infra.logging import get_logger
from reelhouse.libraries.watch import running_watcher
from reelhouse.users.setup import SetupService, setup_banner
from reelhouse.web.routes import mount_static, web_routers

log = get_logger(__name__)


@lru_cache(maxsize=1)
def app_routes() -> tuple[BaseRoute, ...]:
    """Every route of the app, flat, worked out once per process and shared by its apps (the
    tests make hundreds): their dependency trees and models are slow to build, and
    they hold nothing of one app. Each `/api` router says itself whether it needs a token
    (`token_router`, `open_router`)."""
    routers = (
        health_routes.router,
        metrics_routes.router,
        webhook_routes.media_server_router,
        # Before the media server's: Jellyfin's `GET /Items` takes the requests of Jellyfin
        # clients, and lets Sonarr's and Radarr's folder lookups through to it.
        *jellyfin.routers(),
        media_server_routes.router,
        auth_routes.public_router,
        setup_routes.router,
        webhook_routes.router,
        auth_routes.router,
        user_routes.router,
        settings_routes.router,
        library_routes.router,
        movie_routes.router,
        collection_routes.router,
        tv_routes.router,
        people_routes.router,
        search_routes.router,
        image_routes.router,
        playback_routes.router,
        streaming_routes.items,
        streaming_routes.sessions,
        watch_routes.router,
        job_routes.router,
        control_routes.router,
        image_choice_routes.router,
        *web_routers(),
    )
    return tuple(route for router in routers for route in router.routes)


async def _announce_setup(setup: SetupService, settings: Settings) -> None:
    """Make a setup code and print it plainly on the console (stderr, apart from the JSON
    log lines), for whoever sets the server up from another machine."""
    code = await setup.issue_code()
    if code is not None:
        banner = setup_banner(
            code,
            host=settings.server.host,
            port=settings.server.port,
            ttl_s=settings.auth.setup_code_ttl_s,
        )
        print(banner, file=sys.stderr, flush=True)


def create_app(settings: Settings, *, command: str | None = None) -> FastAPI:
    """The app of `settings`. `command` (`serve`) records the process among the database's
    running processes (`reelhouse.infra.db.peers`); apps the tests build in-process leave it
    out."""
    # One Prometheus registry per app (not the process-wide default, so that several apps in one
    # process, as in the tests, do not collide): every part registers its metrics here, and
    # `/metrics` serves exactly this registry.
    metrics_registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            runtime = await stack.enter_async_context(
                open_runtime(settings, metrics_registry=metrics_registry)
            )
            # `reelhouse serve` ran this before starting the server, to fail with one clear
            # line; here it is a cheap check then, and makes the app right under any ASGI server.
            # Statistics are refreshed here, so that no request is planned from stale ones.
            await migrate.prepare(
                runtime.database,
                migrate_on_start=settings.database.migrate_on_start,
                refresh_statistics=settings.database.refresh_statistics,
            )
            if not await runtime.services.users.ensure_initial_admin() and command is not None:
                await _announce_setup(runtime.services.setup, settings)
            health = runtime.health()
            if command is not None:
                peers = await stack.enter_async_context(joined(runtime.database, settings, command))
                health.register("processes", peers.check)
            app.state.settings = runtime.settings
            runtime.services.settings.listen(
                lambda changed: setattr(app.state, "settings", changed)
            )
            app.state.cache = runtime.cache
            app.state.health = health
            app.state.services = runtime.services
            app.state.bodies = EncodedBodies(
                runtime.cache, CATALOGUE_NAMESPACE, settings.http.gzip_min_bytes
            )
            app.state.jobs = runtime.queue
            await runtime.cache.start()
            if settings.server.run_workers:
                await stack.enter_async_context(running_worker(runtime.worker()))
                if runtime.settings.scan.watch:
                    await stack.enter_async_context(running_watcher(runtime.watcher()))
            log.info(
                "reelhouse started",
                database=runtime.database.backend,
                cache="l1+redis" if runtime.cache.has_l2 else "l1",
                workers=settings.server.run_workers,
                ffprobe=runtime.prober.available,
                version=__version__,
            )
            if not runtime.prober.available:
                log.warning(
                    "ffprobe not found: files are not probed; install ffmpeg or set "
                    "media.ffprobe_path",
                    ffprobe_path=settings.media.ffprobe_path,
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
    install_http_middleware(app, settings.http, upload_max_bytes=settings.images.upload_max_bytes)
    app.add_middleware(CaseInsensitivePaths, routes=app_routes())
    # The shared routes themselves, not an include of them: an include would work each one out
    # again for this app, and match every request through one more router.
    app.router.routes.extend(app_routes())
    mount_static(app)
    return app
