"""Start, watch and stop the processes of a one-machine cluster: API processes and workers
sharing PostgreSQL and Redis, and HAProxy in front of the API processes.

Every process is a plain `reelhouse serve` / `reelhouse worker` with the cluster's own settings
(the same file and environment), told only its port and its part. The schema is brought up to
date once, before any of them starts, so that none migrates while another serves.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from reelhouse.cluster.haproxy import haproxy_config
from reelhouse.config import ENV_PREFIX, Settings
from reelhouse.errors import ConfigError
from reelhouse.infra.db.engine import parse_database_url
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

_READY_POLL_S = 0.1
_REELHOUSE = [sys.executable, "-m", "reelhouse"]
BALANCER = "haproxy"


@dataclass
class Node:
    """One process of the cluster; `ready_url` is where its `/health/ready` answers, if it
    serves HTTP. Started again by `Cluster.start_node` after a kill."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Cluster:
    """API processes and workers behind HAProxy: a context manager that starts them all and
    stops them all."""

    def __init__(
        self,
        settings: Settings,
        *,
        state_dir: Path,
        api_processes: int | None = None,
        workers: int | None = None,
        environ: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        _refuse_unshared(settings)
        self.settings = settings
        self.log_dir = log_dir
        self.config_path = state_dir / "haproxy.cfg"
        self.env = dict(os.environ if environ is None else environ)
        self.url = f"http://{_connectable(settings.server.host)}:{settings.server.port}"
        cluster = settings.cluster
        first_port = cluster.api_first_port or settings.server.port + 1
        api_count = cluster.api_processes if api_processes is None else api_processes
        worker_count = cluster.workers if workers is None else workers
        self.api_ports = [first_port + offset for offset in range(api_count)]
        self.nodes: dict[str, Node] = {}
        for number, port in enumerate(self.api_ports, start=1):
            self._add(
                f"api-{number}",
                [*_REELHOUSE, "serve"],
                _part(SERVER_HOST="127.0.0.1", SERVER_PORT=str(port), SERVER_RUN_WORKERS="false"),
                ready_url=f"http://127.0.0.1:{port}",
            )
        for number in range(1, worker_count + 1):
            # One watcher of the library folders is enough on one machine.
            watch = number == 1 and settings.scan.watch
            self._add(
                f"worker-{number}",
                [*_REELHOUSE, "worker"],
                _part(SCAN_WATCH="true" if watch else "false"),
            )
        self._add(
            BALANCER,
            [cluster.haproxy_path, "-db", "-f", str(self.config_path)],
            {},
            ready_url=self.url,
        )

    def api_url(self, number: int) -> str:
        """One API process, directly (1-based, like the node names)."""
        return f"http://127.0.0.1:{self.api_ports[number - 1]}"

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bring the schema up to date, then start every process and wait until each is ready
        (the load balancer last, once it has API processes to send to)."""
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(haproxy_config(self.settings, self.api_ports))
        try:
            self._upgrade_schema()
            for name in self.nodes:
                self.start_node(name)
        except BaseException:
            self.stop()
            raise

    def start_node(self, name: str) -> None:
        """Start one process (again, after `kill`) and wait until it is ready."""
        node = self.nodes[name]
        if node.running:
            return
        with self._log(name) as output:  # the child holds its own copy
            process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
                node.command, env=node.env, stdout=output, stderr=subprocess.STDOUT
            )
        node.process = process
        log.info("cluster process started", node=name, pid=process.pid)
        if node.ready_url is not None:
            self._wait_ready(name, process, node.ready_url)

    def kill(self, name: str, signum: int) -> None:
        """Send `signum` to one process (to try what the others do without it)."""
        process = self.nodes[name].process
        if process is not None:
            process.send_signal(signum)

    def stop(self) -> None:
        """Stop the load balancer first (no new requests), then every API process and worker
        with SIGTERM (requests in flight end, jobs go back to the queue), killing what is still
        running after `cluster.stop_timeout_s`."""
        self._terminate([self.nodes[BALANCER]])
        self._terminate([node for name, node in self.nodes.items() if name != BALANCER])

    # -- internals ----------------------------------------------------------------------------

    def _add(
        self, name: str, command: list[str], env: dict[str, str], ready_url: str | None = None
    ) -> None:
        self.nodes[name] = Node(name, command, self.env | env, ready_url)

    def _log(self, name: str) -> contextlib.AbstractContextManager[IO[bytes] | None]:
        """Where a process writes: its file in `log_dir`, or the cluster's own terminal."""
        if self.log_dir is None:
            return contextlib.nullcontext()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return (self.log_dir / f"{name}.log").open("ab")

    def _upgrade_schema(self) -> None:
        with self._log("upgrade") as output:
            done = subprocess.run(  # noqa: S603 - our own arguments, no shell
                [*_REELHOUSE, "db", "upgrade"],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0:
            raise ConfigError(
                f"`reelhouse db upgrade` failed (exit {done.returncode})" + self._see_log("upgrade")
            )

    def _wait_ready(self, name: str, process: subprocess.Popen[bytes], url: str) -> None:
        timeout_s = self.settings.cluster.start_timeout_s
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise ConfigError(
                    f"cluster process {name} exited with {process.returncode} before it was "
                    "ready" + self._see_log(name)
                )
            if time.monotonic() > deadline:
                raise ConfigError(
                    f"cluster process {name} was not ready after {timeout_s:g} s"
                    + self._see_log(name)
                )
            time.sleep(_READY_POLL_S)

    def _see_log(self, name: str) -> str:
        return f" (see {self.log_dir / (name + '.log')})" if self.log_dir else ""

    def _terminate(self, nodes: list[Node]) -> None:
        running = [node for node in nodes if node.running]
        for node in running:
            if node.process is not None:
                node.process.terminate()
        deadline = time.monotonic() + self.settings.cluster.stop_timeout_s
        for node in running:
            if node.process is None:
                continue
            try:
                node.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("cluster process did not stop; killing it", node=node.name)
                node.process.kill()
                node.process.wait()


def _part(**settings: str) -> dict[str, str]:
    """Settings of one process, as the environment variables that carry them."""
    return {ENV_PREFIX + name: value for name, value in settings.items()}


def _connectable(host: str) -> str:
    """Where to reach a listener bound to `host` from this machine."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - reading the setting, not binding
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _refuse_unshared(settings: Settings) -> None:
    """Processes of a cluster share their state through PostgreSQL and Redis; on SQLite, or
    without Redis, they would not hear each other's writes (`reelhouse.infra.db.sole_process`)."""
    if parse_database_url(settings.database_url).get_backend_name() != "postgresql":
        raise ConfigError(
            "a cluster needs PostgreSQL (database.url): its processes share one database, "
            "which SQLite allows one process at a time"
        )
    if not settings.redis.url:
        raise ConfigError(
            "a cluster needs Redis (redis.url): it is how each process hears of the others' writes"
        )
