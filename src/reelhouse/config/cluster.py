"""`reelhouse cluster`: several API processes and workers behind HAProxy on one machine."""

from __future__ import annotations

from pydantic import Field

from reelhouse.config.base import PositiveFloat, PositiveInt, Section


class ClusterSettings(Section):
    api_processes: PositiveInt = Field(
        2, description="API processes `reelhouse cluster` starts (its `--api` overrides it)."
    )
    workers: int = Field(
        2,
        ge=0,
        description="Worker processes `reelhouse cluster` starts (its `--workers` overrides it).",
    )
    api_first_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port of the first API process, the next ones counting up from it, all on "
        "127.0.0.1; 0 means `server.port` + 1. The load balancer listens on `server.host` and "
        "`server.port`, where a single server would.",
    )
    haproxy_path: str = Field(
        "haproxy",
        description="The HAProxy executable (Debian's `haproxy` package), or its name on PATH.",
    )
    health_check_interval_ms: PositiveInt = Field(
        1000,
        description="How often HAProxy asks each API process's `/health/ready`; two failed "
        "checks take a process out of rotation, one good check puts it back.",
    )
    retries: int = Field(
        3,
        ge=0,
        le=10,
        description="Times HAProxy retries a request whose API process refused the connection, "
        "closed it without an answer or stopped answering, each on another process.",
    )
    server_timeout_s: PositiveFloat = Field(
        60.0,
        description="Seconds HAProxy waits on an API process's next bytes; above "
        "`http.request_deadline_s` so a request's own deadline answers first.",
    )
    start_timeout_s: PositiveFloat = Field(
        60.0, description="Seconds each process may take to become ready before the start fails."
    )
    stop_timeout_s: PositiveFloat = Field(
        30.0,
        description="Seconds each process has to finish after SIGTERM (requests in flight, a "
        "worker's jobs handed back) before it is killed.",
    )
