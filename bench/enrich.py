"""Enrichment throughput against the fake TMDb, compared with the rate limit's lower bound.

Starts `python -m reelhouse.testing.fake_providers` with the given latency, rate limit and faults,
enriches N movies and M series (ids known, as after matching) through the production enricher and
client with a cold cache, and prints JSON: upstream requests per movie and per series, wall time,
the lower bound (requests / rate limit, or requests x latency / concurrency when concurrency is
the limit), their ratio, the 429s, and whether every item ended enriched exactly once.

    python bench/enrich.py --movies 2000 --series 100 --latency-ms 80 --rate-limit 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from typing import Any

import httpx

from _fake import start_fake
from reelhouse.bootstrap.providers import build_providers
from reelhouse.config import MetadataSettings, Settings, TmdbSettings
from reelhouse.content.matching.score import MatchQuery
from reelhouse.content.metadata.enrich import Enriched, Enricher
from reelhouse.content.metadata.models import ExternalIds
from reelhouse.kinds import ItemKind
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.memory_cache import BoundedMemoryCache
from reelhouse.testing.ports import free_port


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--movies", type=int, default=400)
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=80.0)
    parser.add_argument("--rate-limit", type=float, default=40.0, help="server and client, req/s")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of injected 5xx")
    parser.add_argument("--rate-limit-fault-rate", type=float, default=0.0, help="injected 429s")
    parser.add_argument("--concurrency", type=int, default=0, help="items in flight (0: auto)")
    return parser.parse_args()


async def enrich_all(
    enricher: Enricher, movies: int, series: int, concurrency: int
) -> tuple[int, list[str]]:
    gate = asyncio.Semaphore(concurrency)
    errors: list[str] = []

    async def one(kind: ItemKind, tmdb_id: int) -> bool:
        async with gate:
            query = MatchQuery(f"item {tmdb_id}", kind)
            try:
                if kind is ItemKind.MOVIE:
                    result: Any = await enricher.movie(query, ids=ExternalIds(tmdb=tmdb_id))
                else:
                    result = await enricher.series(query, ids=ExternalIds(tmdb=tmdb_id))
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                errors.append(f"{kind.value} {tmdb_id}: {exc}")
                return False
            return isinstance(result, Enriched) and not result.failed

    done = await asyncio.gather(
        *(one(ItemKind.MOVIE, i) for i in range(1, movies + 1)),
        *(one(ItemKind.SERIES, i) for i in range(1, series + 1)),
    )
    return sum(done), errors


def target_per_series(count: int) -> float:
    """1 + seasons, from the same deterministic catalogue the fake serves."""
    catalogue = Catalogue(movies=0, series=count)
    seasons = [catalogue.series(i) for i in range(1, count + 1)]
    return sum(1 + len(s.season_sizes) for s in seasons if s) / max(1, count)


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    settings = Settings(
        tmdb=TmdbSettings(
            base_url=f"{url}/3", api_key="bench-key", rate_limit_per_s=args.rate_limit
        ),
        metadata=MetadataSettings(movie_providers=["tmdb"], series_providers=["tmdb"]),
    )
    concurrency = args.concurrency or max(8, math.ceil(args.rate_limit * args.latency_ms / 500))
    providers = build_providers(settings, BoundedMemoryCache(max_entries=100_000), None)
    enricher = providers.enricher(settings)
    async with httpx.AsyncClient(base_url=url) as control:
        (await control.post("/_fake/reset")).raise_for_status()
        started = time.perf_counter()
        enriched, errors = await enrich_all(enricher, args.movies, args.series, concurrency)
        wall = time.perf_counter() - started
        stats = (await control.get("/_fake/stats")).json()
    await providers.aclose()
    by_endpoint = stats["by_endpoint"]
    requests = stats["requests"]
    rate_bound = requests / args.rate_limit
    latency_bound = requests * args.latency_ms / 1000 / concurrency
    lower_bound = max(rate_bound, latency_bound)
    return {
        "movies": args.movies,
        "series": args.series,
        "latency_ms": args.latency_ms,
        "rate_limit_per_s": args.rate_limit,
        "injected_5xx_rate": args.fault_rate,
        "injected_429_rate": args.rate_limit_fault_rate,
        "concurrency": concurrency,
        "upstream_requests": requests,
        "requests_per_movie": round(by_endpoint.get("tmdb.movie", 0) / max(1, args.movies), 3),
        "requests_per_series": round(
            (by_endpoint.get("tmdb.tv", 0) + by_endpoint.get("tmdb.season", 0))
            / max(1, args.series),
            3,
        ),
        "target_requests_per_series": round(target_per_series(args.series), 3),
        "configuration_requests": by_endpoint.get("tmdb.configuration", 0),
        "wall_s": round(wall, 3),
        "lower_bound_s": round(lower_bound, 3),
        "bound": "rate" if rate_bound >= latency_bound else "latency",
        "ratio": round(wall / lower_bound, 3),
        "http_429_from_rate_limit": stats["rate_limited"],
        "http_429_injected": stats["faults"].get("rate_limit", 0),
        "http_5xx_injected": stats["faults"].get("error", 0),
        "items_enriched": enriched,
        "items_total": args.movies + args.series,
        "max_successful_fetches_of_one_path": stats["max_ok_per_path"],
        "errors": errors[:5],
    }


def main() -> None:
    args = parse_args()
    port = free_port()
    fake = start_fake(
        port,
        movies=args.movies,
        series=args.series,
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        fault_rate=args.fault_rate,
        rate_limit_fault_rate=args.rate_limit_fault_rate,
    )
    try:
        result = asyncio.run(run(args, f"http://127.0.0.1:{port}"))
    finally:
        fake.terminate()
        fake.wait(10)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
