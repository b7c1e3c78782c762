"""reelhouse as the scale-out, under a mixed load and injected faults, for a while.

Two API processes and two workers behind HAProxy (`reelhouse cluster`'s supervisor) on a
throw-away PostgreSQL database and a Redis of the benchmark's own, with the fake TMDb/TheTVDB
in a process of its own answering 5% 5xx, 5% 429, 1% hung and 1% malformed. For `--duration`
seconds, `--clients` clients send listings, details, search, posters, logins (one in five with
a wrong password) and Radarr webhooks through the balancer while movie files come and go in the
library; meanwhile each worker and an API process are killed with SIGKILL and started again,
Redis is killed and started again, and PostgreSQL's connections to the database are terminated.
Then every library is scanned once more, and the queue drains.

At the end: the catalogue against an undisturbed run (one worker, no faults, a fresh database)
over the library as it is then; jobs that failed or are still queued; per route the answers by
status and p50/p99, with the errors counted inside and outside the seconds after each kill; RSS
of every process sampled every 5 s (first, peak, last); the error lines the processes logged;
and what is left behind (processes, ffmpeg, temporary files).

    python bench/soak.py [--duration 600] [--files 300] [--clients 16]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import redis
from sqlalchemy import text

from _fake import start_fake
from _postgres import throwaway_postgres
from _server import ADMIN, PASSWORD
from reelhouse.cluster.supervisor import Cluster
from reelhouse.config import DatabaseSettings, LogSettings, load_settings
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.jobs.models import ACTIVE_STATES, JobState
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.logging import configure_logging
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.jobs import enqueue_scan
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.library import GeneratedPath, generate_library, write_library
from reelhouse.testing.ports import free_port, free_ports
from reelhouse.testing.snapshot import Snapshot, catalogue_snapshot

ROOTS = {"Movies": LibraryKind.MOVIES, "TV": LibraryKind.TV}
WEBHOOK_SECRET = "soak-webhook-secret-0123456789"  # noqa: S105 - a throw-away secret
#: After each kill, the seconds in which errors are put down to it (a balancer health check
#: or two, and a restart).
KILL_WINDOW_S = 10.0
RESTART_AFTER_S = 5.0
SORTS = ("title", "year", "added", "rating")


# ---- what happens during the soak ------------------------------------------------------------


@dataclass
class Answers:
    """Every answer by route: latencies, statuses, and when the errors came."""

    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    error_times: list[float] = field(default_factory=list)

    def add(self, route: str, status: str, began: float) -> None:
        now = time.monotonic()
        self.latencies_ms[route].append((now - began) * 1000)
        self.statuses[route][status] += 1
        if status == "transport" or status.startswith("5"):
            self.error_times.append(now)


@dataclass
class Events:
    """What was done to the cluster, and when (monotonic seconds)."""

    done: list[tuple[float, str]] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.done.append((time.monotonic(), what))

    def kills(self) -> list[float]:
        return [at for at, what in self.done if "kill" in what or "terminate" in what]


class Redis:
    """A redis-server of the benchmark's own, so that it can be killed and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 10
        try:
            while True:
                with contextlib.suppress(redis.RedisError):
                    if client.ping():
                        return
                if time.monotonic() > deadline:
                    raise SystemExit("the benchmark's Redis did not start")
                time.sleep(0.05)
        finally:
            client.close()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


class Library:
    """The library on disk: files present, and movie files held back to add during the soak."""

    def __init__(self, root: Path, files: int, titles: Catalogue, seed: int) -> None:
        self.root = root
        generated = [
            g
            for g in generate_library(files, seed=seed, titles=titles.library_titles())
            if g.path.split("/")[0] in ROOTS
        ]
        movies = [g for g in generated if g.path.startswith("Movies/")]
        self.spares: list[GeneratedPath] = movies[: len(movies) // 5]
        present = [g for g in generated if g not in self.spares]
        write_library(root, present)
        self.movie_files = [root / g.path for g in present if g.path.startswith("Movies/")]
        for name in ROOTS:
            (root / name).mkdir(parents=True, exist_ok=True)

    def change(self, rng: random.Random) -> tuple[str, Path]:
        """Add a held-back movie file, or remove a present one; what was done and the file."""
        if self.spares and (rng.random() < 0.6 or not self.movie_files):
            added = self.spares.pop(rng.randrange(len(self.spares)))
            write_library(self.root, [added])
            path = self.root / added.path
            self.movie_files.append(path)
            return "Download", path
        path = self.movie_files.pop(rng.randrange(len(self.movie_files)))
        path.unlink()
        return "MovieFileDelete", path


async def clients(
    url: str, token: str, state: dict[str, Any], answers: Answers, stop: asyncio.Event, args: Any
) -> None:
    rng = random.Random(args.seed)
    auth = {"Authorization": f"Bearer {token}"}
    movies_id, tv_id = state["libraries"]["Movies"], state["libraries"]["TV"]

    async def request(
        client: httpx.AsyncClient, route: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        began = time.monotonic()
        try:
            answer = await client.request(method, path, **kwargs)
        except httpx.HTTPError:
            answers.add(route, "transport", began)
            return None
        answers.add(route, str(answer.status_code), began)
        return answer

    async def one(client: httpx.AsyncClient) -> None:
        kind = rng.choices(
            ["listing", "series", "detail", "search", "image", "login", "webhook"],
            weights=[30, 10, 25, 15, 12, 4, 4],
        )[0]
        ids: list[int] = state["movie_ids"]
        if kind == "listing":
            sort = rng.choice(SORTS)
            answer = await request(
                client,
                kind,
                "GET",
                "/api/movies",
                headers=auth,
                params={"library_id": movies_id, "limit": 50, "sort": sort},
            )
            if answer is not None and answer.status_code == 200:
                state["movie_ids"] = [item["id"] for item in answer.json()["items"]] or ids
        elif kind == "series":
            await request(
                client,
                kind,
                "GET",
                "/api/series",
                headers=auth,
                params={"library_id": tv_id, "limit": 50},
            )
        elif kind == "detail" and ids:
            await request(client, kind, "GET", f"/api/movies/{rng.choice(ids)}", headers=auth)
        elif kind == "search":
            term = rng.choice(state["terms"])
            await request(client, kind, "GET", "/api/search", headers=auth, params={"q": term})
        elif kind == "image" and ids:
            await request(
                client,
                kind,
                "GET",
                f"/api/items/{rng.choice(ids)}/images/poster",
                headers=auth,
                params={"width": 342},
            )
        elif kind == "login":
            wrong = rng.random() < 0.2
            body = {"username": ADMIN, "password": "wrong password" if wrong else PASSWORD}
            await request(
                client, "login_wrong" if wrong else "login", "POST", "/api/auth/login", json=body
            )
        elif kind == "webhook" and state["library"].movie_files:
            path = rng.choice(state["library"].movie_files)
            await request(
                client,
                kind,
                "POST",
                "/api/webhooks/arr",
                json=_arr("Download", path),
                headers={"X-Webhook-Secret": WEBHOOK_SECRET},
            )

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            while not stop.is_set():
                await one(client)

    await asyncio.gather(*(client_loop() for _ in range(args.clients)))


def _arr(event: str, path: Path) -> dict[str, Any]:
    """A Radarr webhook about one movie file."""
    return {
        "eventType": event,
        "movie": {"folderPath": str(path.parent)},
        "movieFile": {"path": str(path)},
    }


async def disk_changes(
    url: str, library: Library, events: Events, stop: asyncio.Event, args: Any
) -> None:
    """Every `--change-every` seconds a movie file comes or goes; Radarr says so for half of
    them (the watcher of worker-1 and the final scan find the others)."""
    rng = random.Random(args.seed + 1)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.change_every)
                return
            event, path = library.change(rng)
            events.add(f"{event} {path.relative_to(library.root)}")
            if rng.random() < 0.5:
                with contextlib.suppress(httpx.HTTPError):
                    await client.post(
                        "/api/webhooks/arr",
                        json=_arr(event, path),
                        headers={"X-Webhook-Secret": WEBHOOK_SECRET},
                    )


async def chaos(
    cluster: Cluster,
    redis: Redis,
    database_url: str,
    events: Events,
    pids: set[int],
    stop: asyncio.Event,
    duration: float,
) -> None:
    """The faults, at fixed shares of the soak."""

    async def restart(name: str) -> None:
        await asyncio.sleep(RESTART_AFTER_S)
        await asyncio.to_thread(cluster.start_node, name)
        process = cluster.nodes[name].process
        if process is not None:
            pids.add(process.pid)
        events.add(f"started {name} again")

    async def kill_node(name: str) -> None:
        cluster.kill(name, signal.SIGKILL)
        events.add(f"kill -9 {name}")
        await restart(name)

    async def kill_redis() -> None:
        redis.kill()
        events.add("kill -9 redis")
        await asyncio.sleep(RESTART_AFTER_S)
        await asyncio.to_thread(redis.start)
        events.add("started redis again")

    async def terminate_connections() -> None:
        terminated = await terminate_backends(database_url)
        events.add(f"terminate {terminated} PostgreSQL connections")

    schedule = [
        (0.15, lambda: kill_node("worker-1")),
        (0.30, lambda: kill_node("api-1")),
        (0.45, kill_redis),
        (0.60, terminate_connections),
        (0.75, lambda: kill_node("worker-2")),
    ]
    began = time.monotonic()
    for share, fault in schedule:
        wait = began + share * duration - time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, wait))
            return
        await fault()


async def terminate_backends(database_url: str) -> int:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database="postgres"
    )
    try:
        return len(
            await connection.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                url.database,
            )
        )
    finally:
        await connection.close()


# ---- the end: settle, compare, look for leftovers --------------------------------------------


async def settle(database: Database, timeout_s: float) -> dict[str, Any]:
    """Wait until no job is queued or running; then every job by state and kind, the jobs
    that did not succeed, and the most attempts any job took."""
    queue = JobQueue(database, load_settings().jobs)
    deadline = time.monotonic() + timeout_s
    while True:
        active = await queue.list_jobs(states=tuple(ACTIVE_STATES), limit=1_000)
        if not active or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    failed = await queue.list_jobs(states=(JobState.FAILED,), limit=20)
    async with database.read() as session:
        counted = await session.execute(
            text("SELECT state, kind, count(*), max(attempts) FROM jobs GROUP BY state, kind")
        )
        rows = [tuple(row) for row in counted]
    return {
        "jobs": sum(row[2] for row in rows),
        "by_state_and_kind": {f"{state} {kind}": count for state, kind, count, _ in rows},
        "still_active": [(j.id, j.kind, str(j.state)) for j in active],
        "failed": [(j.id, j.kind, (j.error or "")[-300:]) for j in failed],
        "attempts_max": max((row[3] for row in rows), default=0),
    }


async def scan_everything(url: str, token: str, libraries: dict[str, int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for library_id in libraries.values():
            answer = await client.post(
                f"/api/libraries/{library_id}/scan", headers={"Authorization": f"Bearer {token}"}
            )
            answer.raise_for_status()


def rss_mib(pid: int) -> float | None:
    try:
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    except psutil.NoSuchProcess:
        return None


class Memory:
    """RSS of every process of the cluster every few seconds, by process id."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.samples: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))

    def take(self) -> None:
        for name, node in self.cluster.nodes.items():
            if node.process is not None and (rss := rss_mib(node.process.pid)) is not None:
                self.samples[name][node.process.pid].append(rss)

    async def sample(self, stop: asyncio.Event, every_s: float) -> None:
        while not stop.is_set():
            self.take()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)

    def summary(self) -> dict[str, Any]:
        """Per process: its RSS first, at its peak and last, for the process that ran last
        under that name (and how many ran: a killed one is started again)."""
        out = {}
        for name, by_pid in sorted(self.samples.items()):
            last = list(by_pid.values())[-1]
            out[name] = {
                "processes": len(by_pid),
                "first_mib": last[0],
                "peak_mib": max(last),
                "last_mib": last[-1],
                "samples": len(last),
            }
        return out


def leftovers(pids: set[int], data: Path) -> dict[str, Any]:
    alive = [pid for pid in pids if psutil.pid_exists(pid) and _not_zombie(pid)]
    encoders = [
        p.pid
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] in ("ffmpeg", "ffprobe")
        and str(data) in " ".join(p.info["cmdline"] or ())
    ]
    transcodes = data / "transcodes"
    temporary = [
        str(path.relative_to(data))
        for path in data.rglob("*")
        if path.is_file() and (path.suffix in (".tmp", ".part") or transcodes in path.parents)
    ]
    return {"processes": alive, "ffmpeg": encoders, "temporary_files": temporary[:20]}


def _not_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def logged_errors(logs: Path) -> dict[str, int]:
    """Error lines of every process's log, by process, event and the exception's last line."""
    found: Counter[str] = Counter()
    for log in sorted(logs.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            if event.get("level") in ("error", "critical"):
                cause = (event.get("exception") or "").strip().splitlines()[-1:] or [""]
                found[f"{log.stem}: {event.get('event')} {cause[0][:160]}".strip()] += 1
    return dict(found.most_common(15))


def compare(soak: Snapshot, reference: Snapshot) -> dict[str, Any]:
    out = {}
    for table in reference:
        mine, theirs = set(soak[table]), set(reference[table])
        out[table] = {
            "equal": soak[table] == reference[table],
            "rows": len(soak[table]),
            "reference_rows": len(reference[table]),
            "only_in_soak": [repr(row) for row in sorted(mine - theirs, key=repr)[:5]],
            "only_in_reference": [repr(row) for row in sorted(theirs - mine, key=repr)[:5]],
        }
    return out


async def reference_run(
    url: str, env: dict[str, str], library_root: Path, data: Path, timeout_s: float
) -> Snapshot:
    """The same library, one worker, no faults, a fresh database."""
    database = Database(create_engine(url, DatabaseSettings()))
    try:
        env = env | {"REELHOUSE_DATABASE_URL": url, "REELHOUSE_DATA_DIR": str(data)}
        env.pop("REELHOUSE_REDIS_URL", None)
        await asyncio.to_thread(data.mkdir, parents=True, exist_ok=True)
        await migrate.upgrade(database)
        async with database.transaction() as session:
            libraries = [
                await LibraryRepository(session).add(name, kind, [str(library_root / name)])
                for name, kind in ROOTS.items()
            ]
        with (data / "worker.log").open("ab") as log:
            worker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "reelhouse", "worker", env=env, stdout=log, stderr=log
            )
        try:
            queue = JobQueue(database, load_settings().jobs)
            for library in libraries:
                await enqueue_scan(queue, library.id)
            await settle(database, timeout_s)
        finally:
            worker.terminate()
            await asyncio.wait_for(worker.wait(), 60)
        return await catalogue_snapshot(database, library_root, present_only=True)
    finally:
        await database.close()


# ---- the run ------------------------------------------------------------------------------


def summary_of(answers: Answers, events: Events) -> dict[str, Any]:
    routes = {}
    for route, latencies in sorted(answers.latencies_ms.items()):
        ordered = sorted(latencies)
        routes[route] = {
            "requests": len(ordered),
            "p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
            "statuses": dict(sorted(answers.statuses[route].items())),
        }
    kills = events.kills()
    near = [t for t in answers.error_times if any(0 <= t - k <= KILL_WINDOW_S for k in kills)]
    return {
        "routes": routes,
        "requests": sum(len(v) for v in answers.latencies_ms.values()),
        "errors_5xx_or_transport": len(answers.error_times),
        "errors_within_kill_windows": len(near),
        "errors_elsewhere": len(answers.error_times) - len(near),
    }


async def soak(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    database_name = f"bench_soak_{uuid.uuid4().hex[:10]}"
    reference_name = database_name + "_ref"
    url = await throwaway_postgres(args.postgres, database_name)
    reference_url = await throwaway_postgres(args.postgres, reference_name)
    redis = Redis(free_port())
    fake_port = free_port()
    fake = start_fake(
        fake_port,
        movies=args.movies,
        series=args.series,
        latency_ms=args.latency_ms,
        rate_limit=1000.0,
        fault_rate=0.05,
        rate_limit_fault_rate=0.05,
        timeout_rate=0.01,
        malformed_rate=0.01,
    )
    redis.start()
    try:
        catalogue = Catalogue(movies=args.movies, series=args.series)
        library = Library(work / "library", args.files, catalogue, args.seed)
        env = soak_env(url, redis.url, fake_port, work / "data", args)
        os.environ.clear()
        os.environ.update(env)
        cluster = Cluster(
            load_settings(),
            state_dir=work / "cluster",
            log_dir=work / "logs",
            api_processes=2,
            workers=2,
        )
        database = Database(create_engine(url, DatabaseSettings()))
        answers, events, pids = Answers(), Events(), set()
        try:
            await asyncio.to_thread(cluster.start)
            pids |= {n.process.pid for n in cluster.nodes.values() if n.process is not None}
            token, libraries = await set_up(cluster.url, library)
            memory = Memory(cluster)
            state = {
                "libraries": libraries,
                "movie_ids": [],
                "library": library,
                "terms": [t.title.split()[0] for t in catalogue.library_titles()],
            }
            stop = asyncio.Event()
            began = time.monotonic()
            tasks = [
                asyncio.create_task(clients(cluster.url, token, state, answers, stop, args)),
                asyncio.create_task(disk_changes(cluster.url, library, events, stop, args)),
                asyncio.create_task(chaos(cluster, redis, url, events, pids, stop, args.duration)),
                asyncio.create_task(memory.sample(stop, 5.0)),
            ]
            await asyncio.sleep(args.duration)
            stop.set()
            await asyncio.gather(*tasks)
            load_s = time.monotonic() - began
            await scan_everything(cluster.url, token, libraries)
            jobs = await settle(database, args.settle_timeout)
            memory.take()  # once more, after the final scan
            snapshot = await catalogue_snapshot(database, library.root, present_only=True)
        finally:
            await asyncio.to_thread(cluster.stop)
            await database.close()
        left = leftovers(pids, work / "data")
        logged = logged_errors(work / "logs")
        async with httpx.AsyncClient() as client:
            no_faults = {"error_rate": 0, "rate_limit_rate": 0, "timeout_rate": 0,
                         "malformed_rate": 0}  # fmt: skip
            await client.post(f"http://127.0.0.1:{fake_port}/_fake/configure", json=no_faults)
        reference = await reference_run(
            reference_url, env, library.root, work / "reference", args.settle_timeout
        )
    finally:
        fake.terminate()
        fake.wait()
        redis.kill()
        for name in (database_name, reference_name):
            await throwaway_postgres(args.postgres, name, drop=True)
    t0 = began
    return {
        "duration_s": round(load_s, 1),
        "clients": args.clients,
        "library_files": args.files,
        "faults": "providers: 5% 5xx, 5% 429, 1% hung, 1% malformed",
        "events": [(round(at - t0, 1), what) for at, what in events.done],
        "answers": summary_of(answers, events),
        "jobs": jobs,
        "catalogue": compare(snapshot, reference),
        "catalogue_equal": snapshot == reference,
        "rss_mib": memory.summary(),
        "left_behind": left,
        "errors_logged": logged,
    }


def soak_env(url: str, redis_url: str, fake_port: int, data: Path, args: Any) -> dict[str, str]:
    fake = f"http://127.0.0.1:{fake_port}"
    keep = {k: v for k, v in os.environ.items() if not k.startswith("REELHOUSE_")}
    return keep | {
        "REELHOUSE_DATA_DIR": str(data),
        "REELHOUSE_DATABASE_URL": url,
        "REELHOUSE_REDIS_URL": redis_url,
        "REELHOUSE_SERVER_PORT": str(free_ports(3)),
        "REELHOUSE_LOG_FORMAT": "json",
        "REELHOUSE_LOG_LEVEL": "warning",
        "REELHOUSE_AUTH_INITIAL_ADMIN_USERNAME": ADMIN,
        "REELHOUSE_AUTH_INITIAL_ADMIN_PASSWORD": PASSWORD,
        "REELHOUSE_WEBHOOKS_SECRET": WEBHOOK_SECRET,
        "REELHOUSE_IMAGES_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        "REELHOUSE_TMDB_BASE_URL": f"{fake}/3",
        "REELHOUSE_TMDB_API_KEY": "soak-tmdb-key",
        "REELHOUSE_TVDB_BASE_URL": f"{fake}/v4",
        "REELHOUSE_TVDB_API_KEY": "soak-tvdb-key",
        "REELHOUSE_SCAN_FULL_SCAN_INTERVAL_S": "0",
        "REELHOUSE_ENRICHMENT_REFRESH_INTERVAL_S": "0",
        # Retries within the soak's time, not the production backoff of hours.
        "REELHOUSE_JOBS_RETRY_BACKOFF_BASE_S": "1",
        "REELHOUSE_JOBS_RETRY_BACKOFF_MAX_S": "15",
        "REELHOUSE_JOBS_LEASE_S": "15",
        "REELHOUSE_JOBS_HEARTBEAT_INTERVAL_S": "3",
    }


async def set_up(url: str, library: Library) -> tuple[str, dict[str, int]]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        login = await client.post("/api/auth/login", json={"username": ADMIN, "password": PASSWORD})
        token = login.raise_for_status().json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        libraries = {}
        for name, kind in ROOTS.items():
            made = await client.post(
                "/api/libraries",
                headers=auth,
                json={"name": name, "kind": kind, "paths": [str(library.root / name)]},
            )
            libraries[name] = made.raise_for_status().json()["id"]
            (
                await client.post(f"/api/libraries/{libraries[name]}/scan", headers=auth)
            ).raise_for_status()
    return token, libraries


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--files", type=int, default=300, help="generated library paths")
    parser.add_argument("--movies", type=int, default=150, help="movies the fake TMDb knows")
    parser.add_argument("--series", type=int, default=15, help="series the fake knows")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="the fake's latency")
    parser.add_argument(
        "--change-every", type=float, default=15.0, help="seconds between file changes"
    )
    parser.add_argument("--settle-timeout", type=float, default=900.0)
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--seed", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    configure_logging(LogSettings(level="warning", format="console"))  # stdout is the JSON
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as folder:
        print(json.dumps(asyncio.run(soak(args, Path(folder))), indent=2))


if __name__ == "__main__":
    main()
