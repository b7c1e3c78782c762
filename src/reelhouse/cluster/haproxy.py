"""The HAProxy configuration of a cluster.

HAProxy rather than nginx: its open-source build checks every API process's `/health/ready`
actively (nginx's only notices a dead upstream when a client's request fails on it), and it
retries a request on another process when the first refused the connection, or (for reads)
closed it without an answer or stopped answering (`retry-on`): a killed API process costs no
read, and no write that had not reached it.
"""

from __future__ import annotations

from collections.abc import Sequence

from reelhouse.config import Settings

#: Requests that open or use a stream session, which lives in the process that opened it
#: (docs/streaming.md): they stay with one process per client address.
STREAM_PATHS = (
    r"^/api/playback/|^/api/items/[^/]+/playback-info"
    r"|^/items/[^/]+/playbackinfo|^/videos/"
)


def haproxy_config(settings: Settings, api_ports: Sequence[int]) -> str:
    """The whole configuration: one frontend where a single server would listen, a backend of
    every API process, and a backend of the same processes, sticky by client, for streams."""
    cluster = settings.cluster
    servers = "\n".join(
        f"    server api{number} 127.0.0.1:{port} check"
        for number, port in enumerate(api_ports, start=1)
    )
    backend_defaults = f"""\
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter {cluster.health_check_interval_ms} fall 2 rise 1
{servers}"""
    return f"""\
global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server {cluster.server_timeout_s:g}s
    timeout http-request 10s
    timeout queue 10s
    retries {cluster.retries}
    retry-on conn-failure empty-response response-timeout
    option redispatch 1
    option forwardfor

frontend reelhouse
    bind {settings.server.host}:{settings.server.port}
    # A connection that never opened is retried whatever the method; an answer lost after
    # the request reached a process only for reads, which cannot have changed anything.
    http-request disable-l7-retry if !METH_GET
    use_backend streams if {{ path_reg -i {STREAM_PATHS} }}
    default_backend api

backend api
    balance leastconn
{backend_defaults}

backend streams
    balance source
    hash-type consistent
{backend_defaults}
"""
