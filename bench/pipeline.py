"""The whole pipeline end to end: scan -> match -> enrich -> artwork of a generated library.

Writes a synthetic library of empty files named after the fake catalogue's titles (Plex, Jellyfin
and release-style names, extras, samples, multi-episode files, anime...), starts the fake TMDb /
TheTVDB with the given latency and rate limit, runs the real jobs (a worker in this process, as
`reelhouse scan --wait` does) on SQLite or PostgreSQL with a cold cache, and prints JSON: wall
time per step, items stored, upstream requests per movie and per series, the lower bound of the
metadata requests at the provider's rate limit (the baseline: no client can beat it without
making fewer requests), their ratio, 429s, and whether every item was matched.

    python bench/pipeline.py --files 5000 --movies 2000 --series 100 --latency-ms 40 \
        --rate-limit 40

`--scenario local-artwork` writes artwork beside every movie and episode (`<stem>-poster.jpg`
and `-fanart.jpg`, `<stem>-thumb.jpg`), runs the pipeline, then times the artwork step again
over the local images alone (their rows and the store emptied, the provider's already
downloaded): images processed per second, against Pillow decoding and resizing the same images
in a loop (the baseline). A minute's run:

    python bench/pipeline.py --scenario local-artwork --files 400 --movies 200 --series 20 \
        --latency-ms 0 --rate-limit 1000

`--scenario write-back` runs the pipeline, then writes every library back (Kodi NFO files and
the chosen artwork, see docs/writeback.md) twice: files per second of the first run (every
file new) and of the second (every file found unchanged), against two baselines putting the
same bytes into a fresh tree in a loop: `Path.write_bytes` (no temporary file, no fsync, no
check of what is there) and the write-back's safe writer alone (no job, no database):

    python bench/pipeline.py --scenario write-back --files 400 --movies 200 --series 20 \
        --latency-ms 0 --rate-limit 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from _fake import start_fake
from _local_artwork import pillow_baseline, write_artwork
from _postgres import throwaway_postgres
from _write_back import write_back_pass, write_baselines
from reelhouse.bootstrap import open_runtime
from reelhouse.config import (
    DatabaseSettings,
    EnrichmentSettings,
    ImagesSettings,
    JobsSettings,
    LogSettings,
    ScanSettings,
    Settings,
    TmdbSettings,
    TvdbSettings,
)
from reelhouse.content.catalogue.artwork import LOCAL_PROVIDER
from reelhouse.content.catalogue.models import Image, Item
from reelhouse.infra.db import migrate
from reelhouse.infra.jobs.models import ACTIVE_STATES
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.worker import running_worker
from reelhouse.infra.logging import configure_logging
from reelhouse.ingest.artwork import ARTWORK_KIND, enqueue_artwork
from reelhouse.ingest.pipeline import ENRICH_KIND
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.jobs import SCAN_KIND, enqueue_scan
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.server import LOOPBACK
from reelhouse.testing.library import generate_library, write_library
from reelhouse.testing.ports import free_port

ROOTS = {"Movies": LibraryKind.MOVIES, "Downloads": LibraryKind.MOVIES, "TV": LibraryKind.TV,
         "Anime": LibraryKind.TV}  # fmt: skip
METADATA_ENDPOINTS = ("tmdb.", "tvdb.")
IMAGE_ENDPOINTS = ("tmdb.image", "tvdb.artwork")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=3000, help="paths generated")
    parser.add_argument("--movies", type=int, default=1000, help="movies in the fake catalogue")
    parser.add_argument("--series", type=int, default=50, help="series in the fake catalogue")
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--rate-limit", type=float, default=40.0, help="server and client, req/s")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scenario", choices=("pipeline", "local-artwork", "write-back"), default="pipeline"
    )
    return parser.parse_args()


def settings_for(args: argparse.Namespace, url: str, database_url: str, data: Path) -> Settings:
    provider: dict[str, Any] = {"api_key": "bench-key", "rate_limit_per_s": args.rate_limit}
    return Settings(
        data_dir=data,
        database=DatabaseSettings(url=database_url),
        tmdb=TmdbSettings(base_url=f"{url}/3", **provider),
        tvdb=TvdbSettings(base_url=f"{url}/v4", **provider),
        jobs=JobsSettings(poll_interval_s=0.05, progress_flush_interval_s=0.5),
        scan=ScanSettings(watch=False, full_scan_interval_s=0, cleanup_interval_s=0),
        enrichment=EnrichmentSettings(refresh_interval_s=0),
        images=ImagesSettings(allowed_networks=LOOPBACK),  # the fake serves images on loopback
    )


async def settled(queue: JobQueue) -> None:
    """Until no job is queued or running (each step queues the next before it ends)."""
    while True:
        if not any(j.state in ACTIVE_STATES for j in await queue.list_jobs(limit=500)):
            return
        await asyncio.sleep(0.2)


async def local_artwork_pass(
    runtime: Any, queue: JobQueue, library_ids: list[int], settings: Settings
) -> dict[str, Any]:
    """The artwork step again with every local image to store anew: their rows deleted and the
    store emptied (the provider's images stay recorded as downloaded, so none is fetched)."""
    async with runtime.database.transaction() as session:
        await session.execute(delete(Image).where(Image.provider == LOCAL_PROVIDER))
    shutil.rmtree(settings.data_dir / "images", ignore_errors=True)
    started = time.perf_counter()
    for library_id in library_ids:
        await enqueue_artwork(queue, library_id)
    await settled(queue)
    wall = time.perf_counter() - started
    async with runtime.database.read() as session:
        stored = await session.scalar(select(func.count()).where(Image.provider == LOCAL_PROVIDER))
    return {"images": stored, "wall_s": round(wall, 3), "images_per_s": round(stored / wall, 2)}


async def run_pipeline(
    settings: Settings, root: Path, scenario: str = "pipeline"
) -> dict[str, Any]:
    async with open_runtime(settings) as runtime:
        database = runtime.database
        await migrate.upgrade(database)
        queue = JobQueue(database, settings.jobs)
        async with database.transaction() as session:
            libraries = [
                await LibraryRepository(session).add(name, kind, [str(root / name)])
                for name, kind in ROOTS.items()
            ]
        started = time.perf_counter()
        async with running_worker(runtime.worker()):
            for library in libraries:
                await enqueue_scan(queue, library.id)
            await settled(queue)
            wall = time.perf_counter() - started
            ids = [library.id for library in libraries]
            extra: dict[str, Any] = {}
            if scenario == "local-artwork":
                extra["local_artwork"] = await local_artwork_pass(runtime, queue, ids, settings)
            elif scenario == "write-back":
                extra["write_back"] = await write_back_pass(runtime, queue, ids, settled)
        jobs = await queue.list_jobs(limit=500)
        async with database.read() as session:
            kinds = dict(
                (await session.execute(select(Item.kind, func.count()).group_by(Item.kind))).all()
            )
            unmatched = await session.scalar(
                select(func.count()).where(
                    Item.kind.in_(["movie", "series"]),
                    Item.tmdb_id.is_(None),
                    Item.tvdb_id.is_(None),
                    Item.imdb_id.is_(None),
                )
            )

    def step(kind: str) -> dict[str, Any]:
        mine = [j for j in jobs if j.kind == kind]
        starts = [j.started_at for j in mine if j.started_at]
        ends = [j.finished_at for j in mine if j.finished_at]
        counters: dict[str, int] = {}
        for job in mine:
            for name, value in job.progress.get("counters", {}).items():
                counters[name] = counters.get(name, 0) + value
        span = (max(ends) - min(starts)).total_seconds() if starts and ends else None
        return {
            "jobs": len(mine),
            "states": sorted({j.state for j in mine}),
            "span_s": None if span is None else round(span, 3),
            "counters": counters,
        }

    return {
        "wall_s": round(wall, 3),
        "steps": {
            "scan": step(SCAN_KIND),
            "enrich": step(ENRICH_KIND),
            "artwork": step(ARTWORK_KIND),
        },
        "items": kinds,
        "unmatched_movies_and_series": unmatched,
        **extra,
    }


async def run(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    catalogue = Catalogue(movies=args.movies, series=args.series)
    generated = [
        g
        for g in generate_library(args.files, seed=args.seed, titles=catalogue.library_titles())
        if g.path.split("/", 1)[0] in ROOTS
    ]
    root = work / "library"
    write_library(root, generated)
    local = args.scenario == "local-artwork"
    videos = [g.path for g in generated if g.expected.get("kind") in ("movie", "episode")]
    images = write_artwork(root, videos, args.seed) if local else []
    for name in ROOTS:
        (root / name).mkdir(parents=True, exist_ok=True)
    name = f"reelhouse_bench_{uuid.uuid4().hex[:8]}"
    if args.backend == "sqlite":
        database_url = f"sqlite+aiosqlite:///{work / 'reelhouse.db'}"
    else:
        database_url = await throwaway_postgres(args.postgres, name)
    try:
        async with httpx.AsyncClient(base_url=url) as control:
            (await control.post("/_fake/reset")).raise_for_status()
            settings = settings_for(args, url, database_url, work / "data")
            result = await run_pipeline(settings, root, args.scenario)
            stats = (await control.get("/_fake/stats")).json()
    finally:
        if args.backend == "postgresql":
            await throwaway_postgres(args.postgres, name, drop=True)
    by_endpoint: dict[str, int] = stats["by_endpoint"]
    metadata = sum(n for e, n in by_endpoint.items() if e.startswith(METADATA_ENDPOINTS)) - sum(
        by_endpoint.get(e, 0) for e in IMAGE_ENDPOINTS
    )
    movies = result["items"].get("movie", 0)
    series = result["items"].get("series", 0)
    movie_requests = by_endpoint.get("tmdb.movie", 0) + by_endpoint.get("tmdb.search_movie", 0)
    series_requests = sum(
        by_endpoint.get(e, 0) for e in ("tmdb.tv", "tmdb.season", "tmdb.search_tv")
    )
    # Each provider has its own limit; the busier one bounds the run.
    per_provider = [
        sum(n for e, n in by_endpoint.items() if e.startswith(p) and e not in IMAGE_ENDPOINTS)
        for p in METADATA_ENDPOINTS
    ]
    lower_bound = max(per_provider) / args.rate_limit
    if local:  # the same images through Pillow alone, at a width the API offers
        baseline = pillow_baseline(images, width=342)
        result["local_artwork"]["pillow_resize_per_s"] = round(baseline, 2)
        result["local_artwork"]["ratio_to_pillow"] = round(
            result["local_artwork"]["images_per_s"] / baseline, 3
        )
    if args.scenario == "write-back":  # the same bytes written plainly
        write_back = result["write_back"]
        write_back.update(write_baselines(write_back.pop("paths"), work))
        first = write_back["first"]["files_per_s"]
        for name in ("plain_write", "safe_write"):
            write_back[f"ratio_to_{name}"] = round(first / write_back[f"{name}_files_per_s"], 3)
    return {
        "scenario": args.scenario,
        "backend": args.backend,
        "files": len(generated),
        "latency_ms": args.latency_ms,
        "rate_limit_per_s": args.rate_limit,
        **result,
        "items_per_s": round((movies + series) / result["wall_s"], 2),
        "metadata_requests": metadata,
        "metadata_requests_by_endpoint": {
            e: n for e, n in sorted(by_endpoint.items()) if e not in IMAGE_ENDPOINTS
        },
        "image_requests": sum(by_endpoint.get(e, 0) for e in IMAGE_ENDPOINTS),
        "requests_per_movie": round(movie_requests / max(1, movies), 3),
        "requests_per_series": round(series_requests / max(1, series), 3),
        "rate_limit_lower_bound_s": round(lower_bound, 3),
        "ratio_to_lower_bound": round(result["wall_s"] / max(lower_bound, 1e-9), 3),
        "http_429": stats["rate_limited"],
    }


def main() -> None:
    args = parse_args()
    configure_logging(LogSettings(level="warning"))  # to stderr: stdout is the JSON
    port = free_port()
    fake = start_fake(
        port,
        movies=args.movies,
        series=args.series,
        latency_ms=args.latency_ms,
        # One fake serves both providers from one bucket; the real TMDb and TheTVDB each limit
        # on their own, so the fake allows both clients' limits together.
        rate_limit=2 * args.rate_limit,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="reelhouse-bench-") as work:
            result = asyncio.run(run(args, f"http://127.0.0.1:{port}", Path(work)))
    finally:
        fake.terminate()
        fake.wait(10)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
