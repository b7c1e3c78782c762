"""Scale-out through the load balancer: 1, 2 and 4 API processes behind HAProxy, beside one
process answering directly, in the same run, on PostgreSQL and Redis.

Seeds an `--items` catalogue into a throw-away PostgreSQL database, then, for each arrangement,
starts it (`reelhouse serve` alone, or `reelhouse cluster`'s supervisor with no workers), warms
it, and drives a warm movie listing (the first page) and a movie's details (`--detail-keys`
distinct ids) over `--connections` keep-alive connections for `--duration` seconds each, from a
second process. Reported per arrangement and scenario: requests/s, p50/p99, and CPU per request
of the API processes, HAProxy, PostgreSQL and the load generator, measured from each process's
CPU time; then what the balancer adds (latency, and its CPU per request), and what the CPU per
request implies for a machine with more cores.

    python bench/scale.py [--items 20000] [--connections 64] [--duration 5] [--api 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import redis

from _postgres import throwaway_postgres
from _server import ADMIN, PASSWORD, Server
from api import Load, drive, seed, summary
from reelhouse.cluster.supervisor import BALANCER, Cluster
from reelhouse.config import LogSettings, load_settings
from reelhouse.infra.logging import configure_logging
from reelhouse.testing.ports import free_ports

SCENARIOS = ("listing", "detail")


def cpu_s(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine (its backends do the queries)."""
    return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]


class Arrangement:
    """One way of serving: its URL, and the processes whose CPU counts as the API's or the
    balancer's."""

    def __init__(
        self, name: str, port: int, api_pids: Callable[[], list[int]], lb_pids: list[int]
    ) -> None:
        self.name = name
        self.port = port
        self.api_pids = api_pids
        self.lb_pids = lb_pids


def measure(pool: Any, arrangement: Arrangement, load: Load) -> dict[str, Any]:
    api, lb, pg = arrangement.api_pids(), arrangement.lb_pids, postgres_pids()
    before = (cpu_s(api), cpu_s(lb), cpu_s(pg))
    outcome = pool.apply(drive, (load,))
    after = (cpu_s(api), cpu_s(lb), cpu_s(pg))
    result = summary(outcome, after[0] - before[0])
    requests = max(1, result["requests"])
    used = [a - b for a, b in zip(after, before, strict=True)]
    result["cpu_ms_per_request"] = {
        "api": round(used[0] * 1000 / requests, 3),
        "haproxy": round(used[1] * 1000 / requests, 3),
        "postgres": round(used[2] * 1000 / requests, 3),
        "client": round(outcome.client_cpu_s * 1000 / requests, 3),
    }
    return result


def drive_scenarios(
    pool: Any, arrangement: Arrangement, paths: dict[str, list[str]], bearer: str, args: Any
) -> dict[str, Any]:
    results = {}
    for scenario, keys in paths.items():
        warm_up = Load(arrangement.port, bearer, keys, args.connections, duration_s=args.warmup)
        pool.apply(drive, (warm_up,))
        load = Load(arrangement.port, bearer, keys, args.connections, duration_s=args.duration)
        results[scenario] = measure(pool, arrangement, load)
    return results


@contextlib.contextmanager
def direct(data: Path, url: str, env: dict[str, str]) -> Iterator[Arrangement]:
    server = Server(data, url, env)
    server.start()
    try:
        assert server.process is not None
        pid = server.process.pid
        yield Arrangement("direct", server.port, lambda: [pid], [])
    finally:
        server.stop()


@contextlib.contextmanager
def balanced(data: Path, api_processes: int) -> Iterator[Arrangement]:
    cluster = Cluster(
        load_settings(),
        state_dir=data / "cluster",
        api_processes=api_processes,
        workers=0,
        log_dir=data / "logs",
    )
    with cluster:

        def api_pids() -> list[int]:
            return [
                node.process.pid
                for name, node in cluster.nodes.items()
                if name != BALANCER and node.process is not None
            ]

        balancer = cluster.nodes[BALANCER].process
        assert balancer is not None
        yield Arrangement(
            f"haproxy+{api_processes}", cluster.settings.server.port, api_pids, [balancer.pid]
        )


def projection(runs: dict[str, Any], one: str) -> dict[str, Any]:
    """Requests/s a machine could serve per core, from the CPU one request costs in all."""
    out = {}
    for scenario in SCENARIOS:
        cost = runs[one][scenario]["cpu_ms_per_request"]
        server_side = cost["api"] + cost["haproxy"] + cost["postgres"]
        out[scenario] = {
            "server_cpu_ms_per_request": round(server_side, 3),
            "requests_per_s_per_core": round(1000 / server_side) if server_side else None,
        }
    return out


def balancer_cost(runs: dict[str, Any], one: str) -> dict[str, Any]:
    out = {}
    for scenario in SCENARIOS:
        alone, behind = runs["direct"][scenario], runs[one][scenario]
        out[scenario] = {
            "p50_ms_added": round(behind["p50_ms"] - alone["p50_ms"], 2),
            "p99_ms_added": round(behind["p99_ms"] - alone["p99_ms"], 2),
            "rps_ratio": round(behind["rps"] / alone["rps"], 3),
            "haproxy_cpu_ms_per_request": behind["cpu_ms_per_request"]["haproxy"],
        }
    return out


def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging(LogSettings(level="warning", format="console"))  # stdout is the JSON
    name = f"bench_scale_{uuid.uuid4().hex[:12]}"
    url = asyncio.run(throwaway_postgres(args.postgres, name))
    prefix = f"benchscale{uuid.uuid4().hex[:8]}"
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-scale-") as folder,
            multiprocessing.get_context("spawn").Pool(1) as pool,
        ):
            data = Path(folder)
            library, seed_s = asyncio.run(seed(url, data, args.items))
            env = {"REELHOUSE_REDIS_URL": args.redis, "REELHOUSE_CACHE_KEY_PREFIX": prefix}
            runs: dict[str, Any] = {}
            with direct(data, url, env) as alone:
                bearer, paths = keys(alone.port, library, args)
                runs["direct"] = drive_scenarios(pool, alone, paths, bearer, args)
                cluster_env = Server(data, url, env).env
                cluster_env["REELHOUSE_SERVER_PORT"] = str(free_ports(1 + max(args.api)))
            os.environ.clear()
            os.environ.update(cluster_env)
            for count in args.api:
                with balanced(data, count) as behind:
                    runs[behind.name] = drive_scenarios(pool, behind, paths, bearer, args)
    finally:
        asyncio.run(throwaway_postgres(args.postgres, name, drop=True))
        flush_prefix(args.redis, prefix)
    one = f"haproxy+{min(args.api)}"
    return {
        "items": args.items,
        "seed_s": round(seed_s, 1),
        "connections": args.connections,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "scenarios": {"listing": "first page of the movie listing", "detail": "a movie's details"},
        "runs": runs,
        "balancer_cost": balancer_cost(runs, one),
        "per_core": projection(runs, one),
        "note": "cpu_ms_per_request: CPU time of each kind of process over the requests served; "
        "client is the load generator, on the same cores",
    }


def keys(port: int, library: dict[str, Any], args: Any) -> tuple[str, dict[str, list[str]]]:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        login = client.post("/api/auth/login", json={"username": ADMIN, "password": PASSWORD})
        token = login.raise_for_status().json()["token"]
    movie_ids = list(library["movie_ids"])
    random.Random(args.seed).shuffle(movie_ids)
    listing = f"/api/movies?library_id={library['movie_library_id']}&limit=50"
    return f"Bearer {token}", {
        "listing": [listing],
        "detail": [f"/api/movies/{i}" for i in movie_ids[: args.detail_keys]],
    }


def flush_prefix(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
    finally:
        client.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each scenario")
    parser.add_argument("--detail-keys", type=int, default=200)
    parser.add_argument(
        "--api",
        type=lambda text: sorted({int(n) for n in text.split(",")}),
        default=[1, 2, 4],
        help="API process counts behind the balancer, e.g. 1,2,4",
    )
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(main(parse_args()), indent=2))
