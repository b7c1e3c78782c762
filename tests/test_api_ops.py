"""What wraps every route: metrics, request ids, gzip, CORS, body limits, job event streams."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from starlette.middleware import Middleware
from starlette.types import Message, Receive, Scope, Send

from reelhouse.config import DatabaseSettings
from reelhouse.http.middleware import (
    HttpMetrics,
    HttpMetricsMiddleware,
    ReelhouseApp,
    RequestIdMiddleware,
)
from reelhouse.http.problems import PROBLEM_JSON, install_problem_handlers
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.repository import AttemptEnd, JobRepository
from tests.support import CORS_ORIGIN, Api, bearer, ops_settings, running_api

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
#: A bound on every wait for the app, so a bug fails the test instead of hanging it.
HANG_GUARD_S = 30.0


# --- /metrics ---------------------------------------------------------------------------------


async def test_metrics_show_cache_and_http_by_route_template(api: Api) -> None:
    admin = bearer(await api.token_for("root", is_admin=True))
    assert (await api.client.get("/api/movies", headers=admin)).status_code == 200
    assert (await api.client.get("/api/movies/123456", headers=admin)).status_code == 404
    assert (await api.client.get("/no/such/page/77")).status_code == 404
    assert (await api.client.request("BREW", "/health/live")).status_code == 405
    response = await api.client.get("/metrics", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'reelhouse_cache_requests_total{namespace="catalogue"' in text
    for labels in (
        'method="GET",route="/api/movies",status="200"',
        'method="GET",route="/api/movies/{movie_id}",status="404"',
        'method="GET",route="unmatched",status="404"',
        'method="other",route="/health/live",status="405"',
    ):
        assert f"reelhouse_http_requests_total{{{labels}}} 1.0" in text, labels
        assert f"reelhouse_http_request_duration_seconds_count{{{labels}}} 1.0" in text
    assert "123456" not in text  # raw paths never become labels
    assert "/no/such" not in text
    assert "BREW" not in text


async def test_metrics_speak_openmetrics_when_asked(api: Api) -> None:
    admin = bearer(await api.token_for("root", is_admin=True))
    response = await api.client.get(
        "/metrics", headers={**admin, "Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


# --- request ids ------------------------------------------------------------------------------


async def test_a_sane_request_id_is_echoed_and_others_are_replaced(api: Api) -> None:
    given = await api.client.get("/health/live", headers={"X-Request-ID": "edge-7f3a.b_c:1"})
    assert given.headers["x-request-id"] == "edge-7f3a.b_c:1"
    made = [(await api.client.get("/health/live")).headers["x-request-id"] for _ in range(2)]
    assert all(GENERATED_ID.fullmatch(rid) for rid in made)
    assert made[0] != made[1]
    for bad in (b"has space", b"x" * 129, b"caf\xc3\xa9", b"<script>", b"a\tb", b""):
        response = await api.client.get("/health/live", headers={"X-Request-ID": bad})
        assert GENERATED_ID.fullmatch(response.headers["x-request-id"]), bad
    longest = "x" * 128
    kept = await api.client.get("/health/live", headers={"X-Request-ID": longest})
    assert kept.headers["x-request-id"] == longest


async def test_errors_carry_the_request_id_too(api: Api) -> None:
    for method, path in (("GET", "/api/users/me"), ("GET", "/nowhere")):
        response = await api.client.request(method, path, headers={"X-Request-ID": "err-1"})
        assert response.status_code in (401, 404)
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers.get_list("x-request-id") == ["err-1"]


async def test_a_crash_is_answered_with_its_request_id_and_counted() -> None:
    registry = CollectorRegistry()
    app = ReelhouseApp(
        outer_middleware=[
            Middleware(RequestIdMiddleware, max_length=64),
            Middleware(HttpMetricsMiddleware, metrics=HttpMetrics(registry)),
        ]
    )
    install_problem_handlers(app)

    @app.get("/crash/{n}")
    async def crash(n: int) -> None:
        raise RuntimeError(f"bug {n}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/crash/7", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["x-request-id"] == "crash-1"
    labels = {"method": "GET", "route": "/crash/{n}", "status": "500"}
    assert registry.get_sample_value("reelhouse_http_requests_total", labels) == 1.0


async def test_the_request_id_is_bound_for_every_log_line_of_the_request() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(structlog.contextvars.get_contextvars())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    scope: Scope = {"type": "http", "method": "GET", "headers": [(b"x-request-id", b"abc")]}
    await RequestIdMiddleware(app, max_length=64)(scope, receive, send)
    assert seen == [{"request_id": "abc"}]
    assert (b"x-request-id", b"abc") in sent[0]["headers"]
    assert "request_id" not in structlog.contextvars.get_contextvars()  # nothing leaks after


# --- gzip and CORS ----------------------------------------------------------------------------


async def test_big_answers_are_gzipped_for_clients_that_accept_it(api: Api) -> None:
    big = await api.client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert big.json()["info"]["title"] == "reelhouse"
    small = await api.client.get("/health/live", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    plain = await api.client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_no_cors_headers_unless_origins_are_configured(api: Api) -> None:
    response = await api.client.get("/health/live", headers={"Origin": CORS_ORIGIN})
    assert not any(name.startswith("access-control-") for name in response.headers)


async def test_cors_for_the_configured_origin_only(ops_api: Api) -> None:
    allowed = await ops_api.client.get("/health/live", headers={"Origin": CORS_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == CORS_ORIGIN
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
    preflight = await ops_api.client.options(
        "/api/movies",
        headers={
            "Origin": CORS_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == CORS_ORIGIN
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    other = await ops_api.client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


# --- body limit -------------------------------------------------------------------------------


async def test_a_body_over_the_limit_is_refused_by_its_length(ops_api: Api) -> None:
    limit = ops_api.app.state.settings.http.max_body_bytes
    padding = "x" * limit
    refused = await ops_api.client.post(
        "/api/auth/login", json={"username": "a", "password": padding}
    )
    assert refused.status_code == 413
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert "http.max_body_bytes" in refused.json()["detail"]
    within = await ops_api.client.post(
        "/api/auth/login", content=b" " * (limit - 2) + b"{}", headers=JSON
    )
    assert within.status_code == 422  # reached the route, which found no credentials


JSON = {"Content-Type": "application/json"}


async def test_headers_over_the_limit_are_refused(ops_api: Api) -> None:
    limit = ops_api.app.state.settings.http.max_header_bytes
    within = await ops_api.client.get("/health/live", headers={"X-Pad": "a" * (limit // 2)})
    assert within.status_code == 200
    refused = await ops_api.client.get("/health/live", headers={"X-Pad": "a" * limit})
    assert refused.status_code == 431
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert "http.max_header_bytes" in refused.json()["detail"]
    long_url = await ops_api.client.get("/health/live", params={"q": "a" * limit})
    assert long_url.status_code == 431


async def test_a_streamed_body_is_refused_once_it_passes_the_limit(ops_api: Api) -> None:
    limit = ops_api.app.state.settings.http.max_body_bytes
    chunk, chunks = 8 * 1024, 64  # eight times the limit in all
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(chunks):
            sent += 1
            yield b" " * chunk

    refused = await ops_api.client.post("/api/auth/login", content=body(), headers=JSON)
    assert "content-length" not in refused.request.headers
    assert refused.status_code == 413
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert sent <= limit // chunk + 1 < chunks  # the rest was never read


# --- job event streams ------------------------------------------------------------------------


class EventStream:
    """A GET of a server-sent event stream straight through the app's ASGI interface, read as
    the app sends it; `leave()` is the client going away."""

    def __init__(self, api: Api, path: str, token: str, spec_version: str = "2.3") -> None:
        self.scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": spec_version},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "server": ("test", 80),
            "client": ("127.0.0.1", 40000),
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"host", b"test"), (b"authorization", f"Bearer {token}".encode())],
        }
        self.app = api.app
        self.sent: asyncio.Queue[Message] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.requested = False
        self.buffer = ""
        self.task: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        await self.sent.put(message)

    async def start(self) -> Message:
        self.task = asyncio.create_task(self.app(self.scope, self.receive, self.send))
        return await asyncio.wait_for(self.sent.get(), HANG_GUARD_S)

    async def block(self) -> str:
        """The next event or comment, as sent."""
        while "\n\n" not in self.buffer:
            message = await asyncio.wait_for(self.sent.get(), HANG_GUARD_S)
            assert message["type"] == "http.response.body"
            if not message.get("more_body", False):
                raise EOFError(self.buffer)
            self.buffer += message["body"].decode()
        block, self.buffer = self.buffer.split("\n\n", 1)
        return block

    async def event(self) -> tuple[str, dict[str, Any]]:
        """The next event (comments skipped): its name and data."""
        while (block := await self.block()).startswith(":"):
            pass
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        return fields["event"], json.loads(fields["data"])

    async def ended(self) -> None:
        """The stream closed and the app returned."""
        with pytest.raises(EOFError):
            await self.block()
        assert self.task is not None
        await asyncio.wait_for(self.task, HANG_GUARD_S)

    async def leave(self) -> None:
        self.gone.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, HANG_GUARD_S)


async def test_a_job_stream_delivers_progress_and_ends_with_the_job(ops_api: Api) -> None:
    token = await ops_api.token_for("root", is_admin=True)
    job = (await ops_api.services.jobs.enqueue("test.followed", {"n": 1})).job
    stream = EventStream(ops_api, f"/api/jobs/{job.id}/events", token)
    start = await stream.start()
    assert start["status"] == 200
    assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
    name, data = await stream.event()
    detail = (await ops_api.client.get(f"/api/jobs/{job.id}", headers=bearer(token))).json()
    assert (name, data) == ("progress", detail)  # the fields of GET /api/jobs/{job_id}
    assert await stream.block() == ": keep-alive"  # nothing changes: the stream stays open

    database = ops_api.services.jobs.database
    async with database.transaction() as session:
        repo = JobRepository(session)
        await repo.claim(kinds=["test.followed"], owner="t:1", limit=1, lease_s=60, now=utcnow())
    name, data = await stream.event()
    assert (name, data["state"]) == ("progress", "running")

    progress = {"done": 1, "total": 2, "current": "b.mkv", "counters": {"ok": 1}}
    async with database.transaction() as session:
        repo = JobRepository(session)
        await repo.heartbeat(job.id, owner="t:1", lease_s=60, progress=progress, now=utcnow())
    name, data = await stream.event()
    assert (name, data["state"], data["progress"]) == ("progress", "running", progress)

    done = {"done": 2, "total": 2, "counters": {"ok": 2}}
    async with database.transaction() as session:
        end = AttemptEnd(owner="t:1", attempt=1, progress=done, failures=[], now=utcnow())
        assert await JobRepository(session).succeed(job.id, end)
    name, data = await stream.event()
    assert (name, data["state"], data["progress"]) == ("end", "succeeded", done)
    await stream.ended()


async def test_a_job_stream_outlives_the_request_deadline(
    database_url: str, tmp_path: Path
) -> None:
    """The deadline bounds a request until it answers: the stream's later reads are not
    refused once it has passed."""
    deadline_s = 0.2
    settings = ops_settings(database_url, tmp_path, request_deadline_s=deadline_s)
    async with running_api(settings) as api:
        token = await api.token_for("root", is_admin=True)
        job = (await api.services.jobs.enqueue("test.followed")).job
        stream = EventStream(api, f"/api/jobs/{job.id}/events", token)
        assert (await stream.start())["status"] == 200
        assert (await stream.event())[0] == "progress"
        await asyncio.sleep(deadline_s * 3)
        await api.services.jobs.cancel(job.id)
        name, data = await stream.event()
        assert (name, data["state"]) == ("end", "cancelled")
        await stream.ended()


async def test_a_finished_job_streams_one_end_event(ops_api: Api) -> None:
    token = await ops_api.token_for("root", is_admin=True)
    job = (await ops_api.services.jobs.enqueue("test.followed")).job
    await ops_api.services.jobs.cancel(job.id)
    stream = EventStream(ops_api, f"/api/jobs/{job.id}/events", token)
    await stream.start()
    name, data = await stream.event()
    assert (name, data["state"]) == ("end", "cancelled")
    await stream.ended()


async def test_an_unknown_job_is_a_404_not_a_stream(ops_api: Api) -> None:
    token = bearer(await ops_api.token_for("root", is_admin=True))
    response = await ops_api.client.get("/api/jobs/999999/events", headers=token)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


# 2.3 is uvicorn's: the response is cancelled when the client goes; from 2.4 on the stream
# itself notices at its next read of the queue.
@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_a_client_that_goes_away_ends_the_stream(ops_api: Api, spec_version: str) -> None:
    token = await ops_api.token_for("root", is_admin=True)
    job = (await ops_api.services.jobs.enqueue("test.followed")).job
    stream = EventStream(ops_api, f"/api/jobs/{job.id}/events", token, spec_version)
    await stream.start()
    name, _ = await stream.event()
    assert name == "progress"
    await stream.leave()  # the app returns although the job goes on
    assert (await ops_api.services.jobs.get(job.id)).state == "queued"


# --- a saturated database ---------------------------------------------------------------------


async def test_a_saturated_database_is_503_with_retry_after(
    database_url: str, tmp_path: Path
) -> None:
    """Every PostgreSQL connection held, or SQLite's write lock held elsewhere, past the wait the
    settings allow: the request is told to come back (503, Retry-After), not a server error."""
    saturated = DatabaseSettings(
        url=database_url,
        pool_size=1,
        max_overflow=0,
        pool_timeout_s=0.2,
        sqlite_busy_timeout_ms=200,
    )
    # No worker: nothing but the test holds or waits for a connection.
    settings = ops_settings(database_url, tmp_path).model_copy(update={"database": saturated})
    async with running_api(settings) as api:
        token = bearer(await api.token_for("root", is_admin=True))
        database = api.services.users.database
        async with database.transaction() as held:  # the pool's one connection / the write lock
            await held.execute(text("SELECT 1"))
            if database.backend == "sqlite":
                response = await api.client.post(
                    "/api/libraries",
                    json={"name": "Movies", "kind": "movies", "paths": [str(tmp_path)]},
                    headers=token,
                )
            else:
                response = await api.client.get("/api/movies", headers=token)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers["retry-after"] == "1"
        assert response.json()["detail"] == "the server is busy: try again shortly"
        # The connection is back: the same request now succeeds.
        assert (await api.client.get("/api/movies", headers=token)).status_code == 200
