"""The HTTP API under many concurrent connections: latency percentiles and throughput.

Seeds an `--items` catalogue (movies, series, seasons, episodes; people with credits; stored
posters) through the repositories, starts `reelhouse serve` as a subprocess (no job workers, no
scans, no Redis: the cache is the process's L1), and drives it from a second process over
`--connections` keep-alive connections, each sending its next request as soon as the last one
is answered. Scenarios: the first page of the movie listing, a deep keyset page (the cursor
`--deep` items in), a movie's details, a search, and a poster.

Cold: the server just restarted, and each scenario is one pass over distinct keys (first pages
of distinct sorts and sizes, distinct cursors, ids, search terms), so each request is a cache
miss. Warm: after a warm-up pass, the same keys again for `--duration` seconds (or
`--requests` requests). The baseline is `/health/live` through the same server and client (the
framework's floor); the client is a minimal asyncio HTTP/1.1 client whose CPU use is reported
next to the server's, to show which one is the bottleneck.

    python bench/api.py [--items 100000] [--connections 64] [--duration 5] [--backend both]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from _library import search_terms, seed_library, seeding_settings
from _postgres import throwaway_postgres
from _server import ADMIN, PASSWORD, Server
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.infra.images import ImageStore
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.server import FakeServer

POSTER_FILES = 50
SORTS = ("title", "year", "added", "rating", "release", "runtime")


# ---- the load generator (runs in its own process) ------------------------------------------


@dataclass
class Load:
    """What one run of the load generator sends: `paths` in turn over `connections`."""

    port: int
    authorization: str  # the header's value, e.g. `Bearer rh_...`
    paths: list[str]
    connections: int
    requests: int | None = None  # None: one pass over `paths`, or `duration_s`
    duration_s: float | None = None


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    body_bytes: int = 0


class Connection:
    """One keep-alive HTTP/1.1 connection: a request, then its whole answer, then the next."""

    def __init__(self, port: int, authorization: str) -> None:
        self.port = port
        self.head = (
            f"Host: 127.0.0.1:{port}\r\nAuthorization: {authorization}\r\n"
            "Accept-Encoding: gzip\r\nAccept: application/json\r\n\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.head)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        chunked = False
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            length = 0
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                length += size
                if size == 0:
                    break
        else:
            await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, length

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _drive(load: Load) -> Outcome:
    outcome = Outcome()
    if load.requests is not None:
        paths: Iterator[str] = itertools.islice(itertools.cycle(load.paths), load.requests)
    elif load.duration_s is not None:
        paths = itertools.cycle(load.paths)
    else:
        paths = iter(load.paths)
    deadline = time.perf_counter() + (load.duration_s or float("inf"))

    async def connection() -> None:
        conn = Connection(load.port, load.authorization)
        try:
            for path in paths:
                if time.perf_counter() > deadline:
                    return
                began = time.perf_counter()
                try:
                    status, length = await conn.get(path)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    outcome.transport_errors += 1
                    await conn.close()
                    continue
                outcome.latencies_ms.append((time.perf_counter() - began) * 1000)
                outcome.statuses[status] += 1
                outcome.body_bytes += length
        finally:
            await conn.close()

    cpu, began = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(load.connections)))
    outcome.wall_s = time.perf_counter() - began
    outcome.client_cpu_s = time.process_time() - cpu
    return outcome


def drive(load: Load) -> Outcome:
    """The load generator's entry point, in its own process."""
    try:
        import uvloop  # uvicorn[standard] brings it; the client is cheaper on it

        return uvloop.run(_drive(load))
    except ImportError:
        return asyncio.run(_drive(load))


# ---- scenarios --------------------------------------------------------------------------------


@dataclass
class Keys:
    """Per scenario: distinct paths for the cold pass, and the paths the warm runs repeat."""

    cold: dict[str, list[str]]
    warm: dict[str, list[str]]


def percentile(ordered: Sequence[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def summary(outcome: Outcome, server_cpu_s: float) -> dict[str, Any]:
    ordered = sorted(outcome.latencies_ms)
    errors = sum(n for status, n in outcome.statuses.items() if status not in (200, 304))
    wall = outcome.wall_s or 1e-9
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2) if ordered else None,
        "p99_ms": round(percentile(ordered, 0.99), 2) if ordered else None,
        "max_ms": round(ordered[-1], 2) if ordered else None,
        "rps": round(len(ordered) / wall, 1),
        "errors": errors + outcome.transport_errors,
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "server_cpu": round(server_cpu_s / wall, 2),
        "client_cpu": round(outcome.client_cpu_s / wall, 2),
        "mean_body_bytes": round(outcome.body_bytes / max(1, len(ordered))),
    }


def run(pool: Any, server: Server, load: Load) -> dict[str, Any]:
    before = server.cpu_s()
    outcome: Outcome = pool.apply(drive, (load,))
    return summary(outcome, server.cpu_s() - before)


def collect_keys(client: httpx.Client, library: dict[str, Any], args: argparse.Namespace) -> Keys:
    """Walk the title listing to its `--deep`th item, keeping cursors on the way; pick ids."""
    rng = random.Random(args.seed)
    library_id = library["movie_library_id"]
    listing = f"/api/movies?library_id={library_id}"
    cursors: list[str] = []
    cursor: str | None = None
    walked = 0
    deep_cursor: str | None = None
    while walked < args.deep + args.cold_keys * 200:
        query = f"{listing}&limit=200" + (f"&cursor={quote(cursor)}" if cursor else "")
        page = client.get(query).raise_for_status().json()
        walked += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        if walked >= args.deep // 2:
            cursors.append(cursor)
        if deep_cursor is None and walked >= args.deep:
            deep_cursor = cursor
    if deep_cursor is None:
        raise SystemExit(f"the listing holds fewer than --deep {args.deep} items")
    deep = f"{listing}&limit=50&cursor={quote(deep_cursor)}"
    firsts = [
        f"{listing}&sort={sort}&order={order}&limit={limit}"
        for sort in SORTS
        for order in ("asc", "desc")
        for limit in range(40, 61)
    ]
    movie_ids = list(library["movie_ids"])
    rng.shuffle(movie_ids)
    posters = list(library["with_poster"])
    rng.shuffle(posters)
    terms = search_terms()
    rng.shuffle(terms)
    n = args.cold_keys
    details = [f"/api/movies/{i}" for i in movie_ids[:n]]
    images = [f"/api/items/{i}/images/poster" for i in posters[:n]]
    searches = [f"/api/search?q={quote(t)}" for t in terms[:n]]
    rng.shuffle(firsts)
    rng.shuffle(cursors)
    return Keys(
        cold={
            "first_page": firsts[:n],
            "deep_page": [f"{listing}&limit=50&cursor={quote(c)}" for c in cursors[:n]],
            "detail": details,
            "search": searches,
            "image": images,
        },
        warm={
            "baseline_health_live": ["/health/live"],
            "first_page": [f"{listing}&limit=50"],
            "deep_page": [deep],
            "detail": details,
            "search": searches,
            "image": images,
        },
    )


# ---- one backend ----------------------------------------------------------------------------


async def seed(database_url: str, data: Path, items: int) -> tuple[dict[str, Any], float]:
    settings = seeding_settings(database_url, data)
    database = Database.from_settings(settings)
    store = ImageStore.from_settings(settings)
    began = time.perf_counter()
    try:
        await migrate.upgrade(database)
        with FakeServer(FakeProviders(Catalogue(movies=1, series=1))) as fake:
            urls = [f"{fake.url}/t/p/original/p{n}.jpg" for n in range(1, POSTER_FILES + 1)]
            seeded = await seed_library(database, items, store=store, image_urls=urls)
    finally:
        await store.aclose()
        await database.close()
    return seeded.__dict__, time.perf_counter() - began


def bench_backend(
    pool: Any, backend: str, database_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        data = Path(folder)
        library, seed_s = asyncio.run(seed(database_url, data, args.items))
        server = Server(data, database_url, dict(args.server_env))
        try:
            server.start()
            with httpx.Client(base_url=server.url, timeout=30) as client:
                login = client.post(
                    "/api/auth/login", json={"username": ADMIN, "password": PASSWORD}
                )
                token = login.raise_for_status().json()["token"]
                client.headers["Authorization"] = f"Bearer {token}"
                keys = collect_keys(client, library, args)
            server.stop()  # cold: a fresh process, an empty L1
            server.start()
            bearer = f"Bearer {token}"
            cold = {
                name: run(pool, server, Load(server.port, bearer, paths, args.connections))
                for name, paths in keys.cold.items()
            }
            warm: dict[str, Any] = {}
            for name, paths in keys.warm.items():
                run(pool, server, Load(server.port, bearer, paths, args.connections))  # warm-up
                load = Load(
                    server.port,
                    bearer,
                    paths,
                    args.connections,
                    requests=args.requests,
                    duration_s=None if args.requests else args.duration,
                )
                warm[name] = run(pool, server, load)
        finally:
            server.stop()
        return {
            "backend": backend,
            "seed_s": round(seed_s, 1),
            "catalogue": {
                "items": library["items"],
                "movies": len(library["movie_ids"]),
                "series": len(library["series_ids"]),
                "episodes": len(library["episode_ids"]),
                "people": len(library["person_ids"]),
                "credits": library["credits"],
                "movies_with_poster": len(library["with_poster"]),
            },
            "warm": warm,
            "cold": cold,
        }


def main(args: argparse.Namespace) -> dict[str, Any]:
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        for backend in backends:
            if backend == "sqlite":
                with tempfile.TemporaryDirectory(prefix="bench-api-db-") as folder:
                    url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                    results.append(bench_backend(pool, backend, url, args))
            else:
                name = f"bench_api_{uuid.uuid4().hex[:12]}"
                url = asyncio.run(throwaway_postgres(args.postgres, name))
                try:
                    results.append(bench_backend(pool, backend, url, args))
                finally:
                    asyncio.run(throwaway_postgres(args.postgres, name, drop=True))
    return {
        "items": args.items,
        "connections": args.connections,
        "duration_s": None if args.requests else args.duration,
        "requests": args.requests,
        "cold_keys": args.cold_keys,
        "deep_item": args.deep,
        "server_env": dict(args.server_env),
        "cpus": os.cpu_count(),
        "client": "asyncio HTTP/1.1, keep-alive, one process; *_cpu are cores used",
        "results": results,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per warm scenario")
    parser.add_argument(
        "--requests", type=int, default=None, help="requests per warm scenario (not --duration)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument(
        "--deep", type=int, default=90_000, help="movie the deep page starts at (of 95%% movies)"
    )
    parser.add_argument(
        "--cold-keys", type=int, default=200, help="distinct keys per cold scenario"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        type=lambda pair: tuple(pair.split("=", 1)),
        metavar="REELHOUSE_X=VALUE",
        help="a setting for the server (repeatable), e.g. REELHOUSE_DATABASE_POOL_SIZE=20",
    )
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(main(parse_args()), indent=2))
