"""`reelhouse cluster`: API processes and workers behind HAProxy, on this machine."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from reelhouse.cli.root import app, command_line, settings_of
from reelhouse.cluster.supervisor import Cluster
from reelhouse.infra.logging import get_logger

log = get_logger(__name__)

#: How often the foreground command looks for processes that exited on their own.
_WATCH_INTERVAL_S = 1.0


@app.command()
def cluster(
    ctx: typer.Context,
    api: Annotated[
        int | None, typer.Option(min=1, help="API processes (cluster.api_processes).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, help="Worker processes (cluster.workers).")
    ] = None,
) -> None:
    """Run API processes and workers on this machine behind HAProxy, which listens where
    `reelhouse serve` would (server.host, server.port); needs PostgreSQL and Redis. Stops them
    all on Ctrl-C or SIGTERM."""
    settings = settings_of(ctx)
    environ = {**os.environ, **command_line(ctx).environment()}
    supervisor = Cluster(
        settings,
        state_dir=settings.data_dir / "cluster",
        api_processes=api,
        workers=workers,
        environ=environ,
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_stop)
    with supervisor:
        log.info("cluster ready", url=supervisor.url, processes=sorted(supervisor.nodes))
        reported: set[str] = set()
        while not stopping.wait(_WATCH_INTERVAL_S):
            for name, node in supervisor.nodes.items():
                if not node.running and name not in reported:
                    reported.add(name)
                    log.error("cluster process exited; the others go on", node=name)
    log.info("cluster stopped")
