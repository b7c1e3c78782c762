"""`reelhouse cluster` for real: two API processes and two workers on one PostgreSQL and one
Redis, behind HAProxy, all on loopback.

A write through one API process is read through the balancer from the other at once; an API
process killed under load costs no request beyond those in flight; a worker killed mid-job loses
nothing, and no claim of a job runs twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from reelhouse.cluster.supervisor import Cluster
from reelhouse.config import DatabaseSettings, load_settings
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.ingest.pipeline import ENRICH_KIND
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.server import FakeServer
from reelhouse.testing.library import generate_library, write_library
from reelhouse.testing.ports import free_ports
from reelhouse.testing.snapshot import catalogue_snapshot
from tests.conftest import PostgresServer, unique_name
from tests.jobs_support import eventually, fast_settings
from tests.pipeline_support import pipeline_process_env
from tests.test_pipeline_processes import ROOTS, run, running, settled

ADMIN, PASSWORD = "admin", "cluster password"
API_PROCESSES = 2
WORKERS = 2


@dataclass
class Running:
    cluster: Cluster
    database: Database
    fake: FakeProviders
    fake_server: FakeServer
    directory: Path
    token: str

    def client(self, url: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=url or self.cluster.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )


@pytest.fixture(scope="module")
def module_fake() -> Iterator[tuple[FakeProviders, FakeServer]]:
    fake = FakeProviders(Catalogue(movies=30, series=6))
    with FakeServer(fake) as server:
        yield fake, server


@pytest.fixture(scope="module")
async def running_cluster(
    postgres: PostgresServer,
    postgres_template: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    module_fake: tuple[FakeProviders, FakeServer],
) -> AsyncIterator[Running]:
    fake, fake_server = module_fake
    directory = tmp_path_factory.mktemp("cluster")
    name = unique_name("reelhouse_cluster")
    url = await postgres.create(name, template=postgres_template)
    port = free_ports(1 + API_PROCESSES)
    env = {
        "REELHOUSE_DATA_DIR": str(directory / "data"),
        "REELHOUSE_DATABASE_URL": url,
        "REELHOUSE_REDIS_URL": redis_url,
        "REELHOUSE_CACHE_KEY_PREFIX": unique_name("rhcluster"),
        "REELHOUSE_SERVER_PORT": str(port),
        "REELHOUSE_LOG_FORMAT": "json",
        "REELHOUSE_AUTH_INITIAL_ADMIN_USERNAME": ADMIN,
        "REELHOUSE_AUTH_INITIAL_ADMIN_PASSWORD": PASSWORD,
        "REELHOUSE_AUTH_PASSWORD_HASH_ITERATIONS": "1",
        "REELHOUSE_AUTH_PASSWORD_HASH_MEMORY_KIB": "1024",
        **pipeline_process_env(fake_server.url),
        # One job at a time per worker, so the queue's jobs spread over both; a short lease, so
        # a killed worker's job is taken up within seconds.
        "REELHOUSE_JOBS_CONCURRENCY": "1",
        "REELHOUSE_JOBS_LEASE_S": "2",
        "REELHOUSE_JOBS_HEARTBEAT_INTERVAL_S": "0.3",
        "REELHOUSE_JOBS_POLL_INTERVAL_S": "0.1",
        "REELHOUSE_CLUSTER_HEALTH_CHECK_INTERVAL_MS": "300",
    }
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REELHOUSE_")} | env
    with pytest.MonkeyPatch.context() as patch:  # the settings the processes will read
        for variable in os.environ:
            if variable.startswith("REELHOUSE_"):
                patch.delenv(variable)
        for variable, value in env.items():
            patch.setenv(variable, value)
        settings = load_settings()
    cluster = Cluster(
        settings,
        state_dir=directory / "state",
        environ=environ,
        log_dir=directory / "logs",
        api_processes=API_PROCESSES,
        workers=WORKERS,
    )
    database = Database(create_engine(url, DatabaseSettings()))
    await asyncio.to_thread(cluster.start)
    try:
        async with httpx.AsyncClient(base_url=cluster.url) as client:
            login = await client.post(
                "/api/auth/login", json={"username": ADMIN, "password": PASSWORD}
            )
            login.raise_for_status()
        yield Running(cluster, database, fake, fake_server, directory, login.json()["token"])
    finally:
        await asyncio.to_thread(cluster.stop)
        await database.close()
        await postgres.drop(name)


async def _names(client: httpx.AsyncClient) -> list[str]:
    answer = await client.get("/api/libraries")
    answer.raise_for_status()
    return [library["name"] for library in answer.json()]


async def test_a_write_through_one_process_is_read_through_the_other_at_once(
    running_cluster: Running,
) -> None:
    cluster = running_cluster.cluster
    folder = running_cluster.directory / "written"
    folder.mkdir()
    async with (
        running_cluster.client(cluster.api_url(1)) as first,
        running_cluster.client(cluster.api_url(2)) as second,
        running_cluster.client() as balancer,
    ):
        # Both processes hold the list (in their own memory and in Redis) before the write.
        assert "Written" not in await _names(first)
        assert "Written" not in await _names(second)
        made = await first.post(
            "/api/libraries", json={"name": "Written", "kind": "movies", "paths": [str(folder)]}
        )
        assert made.status_code == 201, made.text
        assert "Written" in await _names(second)
        for _ in range(2 * API_PROCESSES):
            assert "Written" in await _names(balancer)

        # A token revoked through one process is refused at once by the other.
        login = await balancer.post(
            "/api/auth/login", json={"username": ADMIN, "password": PASSWORD}
        )
        revoked = {"Authorization": f"Bearer {login.json()['token']}"}
        assert (await second.get("/api/users/me", headers=revoked)).status_code == 200
        assert (await first.post("/api/auth/logout", headers=revoked)).status_code == 204
        assert (await second.get("/api/users/me", headers=revoked)).status_code == 401


CLIENTS = 8


async def test_an_api_process_killed_under_load_costs_no_request_beyond_those_in_flight(
    running_cluster: Running,
) -> None:
    cluster = running_cluster.cluster
    answered: Counter[int] = Counter()
    failed: list[str] = []
    stop = asyncio.Event()

    async def load(client: httpx.AsyncClient) -> None:
        paths = ("/api/libraries", "/api/movies?limit=20", "/api/users/me")
        while not stop.is_set():
            for path in paths:
                try:
                    answered[(await client.get(path)).status_code] += 1
                except httpx.HTTPError as exc:
                    failed.append(repr(exc))

    def total() -> int:
        return sum(answered.values()) + len(failed)

    def served(count: int) -> Callable[[], Awaitable[bool]]:
        async def enough() -> bool:
            return total() >= count

        return enough

    async with running_cluster.client() as balancer:
        clients = [asyncio.create_task(load(balancer)) for _ in range(CLIENTS)]
        try:
            await eventually(served(300), within_s=60, what="load under way")
            cluster.kill("api-1", signal.SIGKILL)
            await eventually(served(total() + 600), within_s=60, what="load served on")
        finally:
            stop.set()
            await asyncio.gather(*clients)
    lost = failed + [f"HTTP {code}" for code in answered.elements() if code != 200]
    # Only a request whose answer was already on its way can be lost: at most one per client.
    assert len(lost) <= CLIENTS, lost[:10]

    # Started again, it is back in rotation.
    await asyncio.to_thread(cluster.start_node, "api-1")
    log = running_cluster.directory / "logs" / "api-1.log"

    async def served_by_first() -> bool:
        before = log.read_text().count("/api/libraries")
        async with running_cluster.client() as balancer:
            for _ in range(4 * API_PROCESSES):
                await _names(balancer)
        return log.read_text().count("/api/libraries") > before

    await eventually(served_by_first, within_s=30, what="the restarted process serving")


async def test_a_worker_killed_mid_job_loses_nothing_and_no_claim_runs_twice(
    running_cluster: Running, postgres: PostgresServer, postgres_template: str
) -> None:
    cluster, database = running_cluster.cluster, running_cluster.database
    directory = running_cluster.directory
    running_cluster.fake.control.configure(latency_ms=15.0)
    library = directory / "library"
    titles = running_cluster.fake.catalogue.library_titles()
    write_library(
        library,
        [g for g in generate_library(400, seed=11, titles=titles) if g.path.split("/")[0] in ROOTS],
    )
    roots = {name: library / name for name in ROOTS}
    async with running_cluster.client() as balancer:
        for name, root in roots.items():
            root.mkdir(parents=True, exist_ok=True)
            made = await balancer.post(
                "/api/libraries", json={"name": name, "kind": ROOTS[name], "paths": [str(root)]}
            )
            made.raise_for_status()
            scan = await balancer.post(f"/api/libraries/{made.json()['id']}/scan")
            assert scan.status_code == 202, scan.text

    await eventually(
        lambda: running(database, ENRICH_KIND, 3), within_s=120, what="enrichment under way"
    )
    owner = next(
        job.lease_owner
        for job in await JobQueue(database, fast_settings()).list_jobs(kind=ENRICH_KIND)
        if job.lease_owner
    )
    victim = next(
        name
        for name, node in cluster.nodes.items()
        if node.process is not None and f":{node.process.pid}:" in f"{owner}:"
    )
    cluster.kill(victim, signal.SIGKILL)
    await settled(database)
    await asyncio.to_thread(cluster.start_node, victim)
    in_cluster = await catalogue_snapshot(database, directory)

    # The same library through one undisturbed worker, in a database of its own.
    name = unique_name("reelhouse_test")
    url = await postgres.create(name, template=postgres_template)
    try:
        (directory / "whole").mkdir()
        whole = await run(url, directory / "whole", running_cluster.fake_server, roots, None)
    finally:
        await postgres.drop(name)
    assert in_cluster["items"], "the cluster stored nothing"
    for table in whole:
        assert in_cluster[table] == whole[table], table

    # Every claim of a job (a job and its attempt) ran in one worker only, and both worked.
    started = {
        worker: _started(directory / "logs" / f"{worker}.log")
        for worker in (f"worker-{number}" for number in range(1, WORKERS + 1))
    }
    claims = Counter(claim for claims in started.values() for claim in claims)
    assert claims, "no job ran"
    assert max(claims.values()) == 1, [claim for claim, n in claims.items() if n > 1]
    assert all(started.values()), {worker: len(claims) for worker, claims in started.items()}


def _started(log: Path) -> list[tuple[int, int]]:
    """The (job, attempt) of every 'job started' line of a worker's log."""
    claims = []
    for line in log.read_text().splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event.get("event") == "job started":
            claims.append((int(event["job_id"]), int(event["attempt"])))
    return claims
