"""Direct play under load: N clients each downloading one large file whole, at once.

Writes a library holding one film of `--size-mib` random bytes (random, so nothing on the way can
shortcut zeros), starts the fake TMDb and `reelhouse serve` (SQLite in a temporary data dir, its
workers on) as subprocesses, scans the library and lets the pipeline put the film into the
catalogue, reads the file once so it is in the page cache, then runs `curl` clients (C, one
process each, `-o /dev/null`) against `GET /api/items/{id}/stream` for each `--clients` count.

Servers, interleaved run by run so that a noisy machine weighs on all alike:

- `reelhouse_sendfile`: as configured by default (zero copy through reelhouse's uvicorn protocol);
- `reelhouse_chunks`: a second `reelhouse serve` with `media.sendfile = false` (chunks read in a
  worker thread); two servers on one SQLite database need Redis (`--redis`, the local one by
  default), through which each hears the other's writes (without it the second refuses to start);
- `baseline_bare_sendfile`: `_bare_sendfile.py`, minimal HTTP on asyncio with `loop.sendfile`,
  no framework: the most a Python server can do.

Per server and client count (the median of `--repeat` runs, memory over all of them): aggregate
MB/s (10^6 bytes), the server's CPU seconds per GB sent, the clients' too (curl's; on a small
machine they compete for the same cores), the server's RSS before, after and at its peak, and for
reelhouse the latency of `/health/live` asked every 50 ms meanwhile (what streaming does to the
event loop). `vs_baseline` is reelhouse's MB/s over the baseline's.

    python bench/stream.py [--size-mib 1024] [--clients 1 4 16] [--repeat 3] [--redis URL]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from _fake import start_fake
from _server import ADMIN, PASSWORD, Server
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.ports import free_port

MIB = 1024 * 1024
HEALTH_EVERY_S = 0.05


@dataclass
class Target:
    """A server to measure: its process and the URL every client downloads."""

    name: str
    pid: int
    url: str
    headers: dict[str, str]
    health_url: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        else:
            return


def write_film(root: Path, size: int) -> Path:
    """The fake catalogue's first movie, named so the pipeline matches it, of random bytes."""
    film = Catalogue(movies=1, series=1).library_titles()[0]
    folder = root / "Movies" / f"{film.title} ({film.year}) [tmdbid-{film.provider_id}]"
    folder.mkdir(parents=True)
    path = folder / f"{film.title} ({film.year}).mkv"
    with path.open("wb") as out:
        for start in range(0, size, 64 * MIB):
            out.write(os.urandom(min(64 * MIB, size - start)))
    return path


def catalogued(client: httpx.Client, root: Path) -> int:
    """Add the library, scan it, wait for the pipeline; the film's item id."""
    library = client.post(
        "/api/libraries", json={"name": "Movies", "kind": "movies", "paths": [str(root)]}
    )
    library_id = library.raise_for_status().json()["id"]
    client.post(f"/api/libraries/{library_id}/scan").raise_for_status()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        active = client.get("/api/jobs", params=[("state", "queued"), ("state", "running")])
        movies = client.get("/api/movies").raise_for_status().json()["items"]
        if not active.raise_for_status().json() and movies:
            item_id: int = movies[0]["id"]
            client.head(f"/api/items/{item_id}/stream").raise_for_status()
            return item_id
        time.sleep(0.2)
    raise RuntimeError("the film did not reach the catalogue")


class HealthProbe:
    """`/health/live` every `HEALTH_EVERY_S` in a thread, its latencies kept."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.latencies_ms: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthProbe:
        if self.url is not None:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self.url is not None:
            self._thread.join()

    def _run(self) -> None:
        assert self.url is not None
        with httpx.Client(timeout=30) as client:
            while not self._stop.wait(HEALTH_EVERY_S):
                began = time.perf_counter()
                client.get(self.url).raise_for_status()
                self.latencies_ms.append((time.perf_counter() - began) * 1000)


def server_cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_clients(target: Target, clients: int, size: int) -> dict[str, Any]:
    """`clients` curl processes downloading the whole file at once."""
    process = psutil.Process(target.pid)
    rss_before = process.memory_info().rss
    cpu, curl_cpu = server_cpu_s(process), children_cpu_s()
    headers = [arg for name, value in target.headers.items() for arg in ("-H", f"{name}: {value}")]
    command = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
               *headers, target.url]  # fmt: skip
    peak = rss_before
    with HealthProbe(target.health_url) as probe:
        began = time.perf_counter()
        curls = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(clients)]
        while any(curl.poll() is None for curl in curls):
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.02)
        wall = time.perf_counter() - began
    outputs = [curl.communicate()[0].decode().split() for curl in curls]
    received = sum(int(sent) for status, sent in outputs if status == "200")
    failed = sum(1 for status, sent in outputs if status != "200" or int(sent) != size)
    gigabytes = max(received, 1) / 1e9
    latencies = sorted(probe.latencies_ms)
    return {
        "mb_per_s": received / wall / 1e6,
        "server_cpu_s_per_gb": (server_cpu_s(process) - cpu) / gigabytes,
        "client_cpu_s_per_gb": (children_cpu_s() - curl_cpu) / gigabytes,
        "rss_before": rss_before,
        "rss_after": process.memory_info().rss,
        "rss_peak": max(peak, process.memory_info().rss),
        "failed": failed,
        "health_p50_ms": statistics.median(latencies) if latencies else None,
        "health_max_ms": latencies[-1] if latencies else None,
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def median(key: str) -> float | None:
        values = [run[key] for run in runs if run[key] is not None]
        return round(statistics.median(values), 3) if values else None

    return {
        "mb_per_s": round(statistics.median(run["mb_per_s"] for run in runs)),
        "mb_per_s_runs": [round(run["mb_per_s"]) for run in runs],
        "server_cpu_s_per_gb": median("server_cpu_s_per_gb"),
        "client_cpu_s_per_gb": median("client_cpu_s_per_gb"),
        "rss_mib_before": round(runs[0]["rss_before"] / MIB, 1),
        "rss_mib_after": round(runs[-1]["rss_after"] / MIB, 1),
        "rss_mib_peak": round(max(run["rss_peak"] for run in runs) / MIB, 1),
        "failed_downloads": sum(run["failed"] for run in runs),
        "health_p50_ms": median("health_p50_ms"),
        "health_max_ms": max(
            (run["health_max_ms"] for run in runs if run["health_max_ms"] is not None),
            default=None,
        ),
    }


def main(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed: the clients are curl processes")
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as folder:
        root = Path(folder)
        film = write_film(root / "library", size)
        fake_port = free_port()
        fake = start_fake(fake_port, movies=1, series=1, latency_ms=0, rate_limit=1000)
        providers = {
            "REELHOUSE_TMDB_BASE_URL": f"http://127.0.0.1:{fake_port}/3",
            "REELHOUSE_TMDB_API_KEY": "bench-key",
            "REELHOUSE_TVDB_BASE_URL": f"http://127.0.0.1:{fake_port}/v4",
            "REELHOUSE_TVDB_API_KEY": "bench-key",
        }
        database = f"sqlite+aiosqlite:///{root / 'reelhouse.db'}"
        (root / "data").mkdir()
        data = root / "data"
        shared = {
            "REELHOUSE_REDIS_URL": args.redis,
            "REELHOUSE_CACHE_KEY_PREFIX": f"bench-stream-{os.getpid()}",
        }
        workers = {**providers, **shared, "REELHOUSE_SERVER_RUN_WORKERS": "true"}
        zero_copy = Server(data, database, workers)
        chunks = Server(data, database, {**shared, "REELHOUSE_MEDIA_SENDFILE": "false"})
        baseline_port = free_port()
        bare_server = Path(__file__).with_name("_bare_sendfile.py")
        baseline = subprocess.Popen(
            [sys.executable, str(bare_server), str(baseline_port), str(film)]
        )
        try:
            wait_for_port(baseline_port, baseline)
            zero_copy.start()
            assert zero_copy.process is not None
            with httpx.Client(base_url=zero_copy.url, timeout=60) as client:
                login = client.post(
                    "/api/auth/login", json={"username": ADMIN, "password": PASSWORD}
                )
                token = login.raise_for_status().json()["token"]
                client.headers["Authorization"] = f"Bearer {token}"
                item_id = catalogued(client, root / "library" / "Movies")
            chunks.start()
            assert chunks.process is not None
            with film.open("rb") as warm:  # into the page cache, for every server alike
                while warm.read(64 * MIB):
                    pass
            auth = {"Authorization": f"Bearer {token}"}
            stream = f"/api/items/{item_id}/stream"
            bare = f"http://127.0.0.1:{baseline_port}/"
            targets = [
                Target("baseline_bare_sendfile", baseline.pid, bare, {}),
                Target("reelhouse_sendfile", zero_copy.process.pid, zero_copy.url + stream, auth,
                       zero_copy.url + "/health/live"),
                Target("reelhouse_chunks", chunks.process.pid, chunks.url + stream, auth,
                       chunks.url + "/health/live"),
            ]  # fmt: skip
            results: dict[str, dict[str, Any]] = {target.name: {} for target in targets}
            for clients in args.clients:
                for target in targets:
                    target.runs = []
                for _ in range(args.repeat):
                    for target in targets:
                        target.runs.append(run_clients(target, clients, size))
                for target in targets:
                    results[target.name][str(clients)] = summary(target.runs)
        finally:
            chunks.stop()
            zero_copy.stop()
            baseline.terminate()
            baseline.wait(15)
            fake.terminate()
            fake.wait(15)
    base = results["baseline_bare_sendfile"]
    for name in ("reelhouse_sendfile", "reelhouse_chunks"):
        for clients, measured in results[name].items():
            measured["vs_baseline"] = round(measured["mb_per_s"] / base[clients]["mb_per_s"], 2)
    return {
        "file_mib": args.size_mib,
        "clients": args.clients,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "client": "curl, one process per download, -o /dev/null, loopback, file in page cache",
        "results": results,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the film")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--repeat", type=int, default=3, help="runs per server and client count")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/0",
        help="Redis the two servers share (two processes on one SQLite database need it)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(main(parse_args()), indent=2))
