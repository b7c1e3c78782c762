"""A job that must stop stops its outbound waits (issue 19, item 10): cancelled, or its lease
taken over, a job waiting on a slow provider or on a long `Retry-After` ends within seconds, not
after the answer or the wait; a `Retry-After` longer than its lease has left re-queues it.

Whether a job stopped in time is told by the order of events, not by a clock: the provider had
sent no answer (or received no second request) when the job ended."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from reelhouse.bootstrap.providers import Providers
from reelhouse.config import EnrichmentSettings, Settings
from reelhouse.content.metadata.protocol import SearchQuery
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.types import utcnow
from reelhouse.infra.jobs.context import JobCancelled, JobContext, LeaseLost
from reelhouse.infra.jobs.models import Job, JobState
from reelhouse.infra.jobs.queue import JobQueue
from reelhouse.infra.jobs.registry import JobRegistry
from reelhouse.infra.jobs.scope import JobScope
from reelhouse.infra.jobs.views import JobView
from reelhouse.infra.jobs.worker import Worker, running_worker
from reelhouse.ingest.pipeline import ENRICH_KIND
from reelhouse.testing.fake_providers.app import FakeProviders
from tests.jobs_support import eventually, fast_settings
from tests.pipeline_support import add_library, pipeline_settings, running_server, touch
from tests.support import Api

SEARCH = "tmdb.search_movie"


def scope(reason: BaseException) -> JobScope:
    return JobScope(lambda: reason, lease_s=60.0)


async def requested(fake: FakeProviders, endpoint: str | None = None) -> bool:
    stats = fake.control.stats
    return (stats.by_endpoint[endpoint] if endpoint else stats.requests) > 0


async def test_a_stopped_job_stops_waiting_and_a_caller_sharing_its_request_gets_the_answer(
    providers: Providers, fake: FakeProviders
) -> None:
    fake.control.configure(latency_ms=800.0)  # near these clients' 1 s request timeout
    query = SearchQuery("Southern Orbit 1", 1951)
    stopping = scope(JobCancelled("cancelled"))
    first = stopping.start(providers.tmdb.search_movies(query), name="first")
    second = scope(JobCancelled("never")).start(providers.tmdb.search_movies(query), name="second")
    await eventually(lambda: requested(fake), what="the request to reach the provider")

    stopping.stop()
    try:
        await first
    except JobCancelled:
        pass
    else:
        raise AssertionError("the stopped job got its answer")
    assert not second.done()  # the first stopped before the answer came
    assert await second  # the one request, shared, went on for the other caller
    assert fake.control.stats.requests == 1


def rate_limit_searches(fake: FakeProviders) -> None:
    """Every movie search gets a 429 saying to come back in 30 s."""
    fake.control.inject("^/3/search/movie", "rate_limit", times=100, retry_after=30)


Enriching = Callable[..., AbstractAsyncContextManager[tuple[Api, dict[str, str]]]]


@pytest.fixture
def enriching(
    provider_settings: Callable[..., Settings], database_url: str, tmp_path: Path
) -> Enriching:
    """`enriching(lease_s=..., **providers)`: the server scanning, then enriching, a library of
    one movie (so that a second request to an endpoint can only be a retry of the first), and
    an admin's authorization header."""

    @asynccontextmanager
    async def start(
        *, lease_s: float, **providers: Any
    ) -> AsyncIterator[tuple[Api, dict[str, str]]]:
        root = tmp_path / "movies"
        touch(root / "Southern Orbit 1 (1951)" / "Southern Orbit 1 (1951).mkv")
        settings = pipeline_settings(
            provider_settings,
            database_url,
            tmp_path / "data",
            providers=providers,
            jobs=fast_settings(lease_s=lease_s),
            enrichment=EnrichmentSettings(concurrency=1),
        )
        async with running_server(settings) as (api, token):
            library = await add_library(api, token, "Movies", "movies", root)
            response = await api.client.post(f"/api/libraries/{library}/scan", headers=token)
            assert response.status_code == 202, response.text
            yield api, token

    return start


async def enrich_job(api: Api) -> JobView | None:
    jobs = await api.services.jobs.list_jobs(kind=ENRICH_KIND)
    return jobs[0] if jobs else None


async def cancel_when_waiting(
    api: Api, token: dict[str, str], fake: FakeProviders, endpoint: str | None = None
) -> JobView:
    """Cancel the enrichment once its request reached the provider; the job as it ended."""
    await eventually(lambda: requested(fake, endpoint), what="the enrichment's request")
    job = await enrich_job(api)
    assert job is not None
    assert job.state == JobState.RUNNING
    response = await api.client.post(f"/api/jobs/{job.id}/cancel", headers=token)
    assert response.status_code == 200, response.text

    async def ended() -> JobView | None:
        ended = await enrich_job(api)
        return ended if ended is not None and ended.state != JobState.RUNNING else None

    finished: JobView = await eventually(ended, what="the cancelled enrichment to end")
    return finished


async def test_a_cancel_stops_an_enrichment_waiting_on_a_slow_provider(
    enriching: Enriching, fake: FakeProviders
) -> None:
    fake.control.configure(latency_ms=8_000.0)
    async with enriching(lease_s=60, timeout_s=10) as (api, token):
        job = await cancel_when_waiting(api, token, fake)
        answered = sum(fake.control.stats.by_status.values())
    assert job.state == JobState.CANCELLED
    assert answered == 0  # the job ended before the slow answer came


async def test_a_cancel_stops_an_enrichment_waiting_out_a_retry_after(
    enriching: Enriching, fake: FakeProviders
) -> None:
    rate_limit_searches(fake)
    async with enriching(lease_s=120) as (api, token):
        job = await cancel_when_waiting(api, token, fake, SEARCH)
        searches = fake.control.stats.by_endpoint[SEARCH]
    assert job.state == JobState.CANCELLED
    assert searches == 1  # the job ended before the Retry-After ran out


async def test_a_retry_after_longer_than_the_lease_has_left_requeues_the_enrichment(
    enriching: Enriching, fake: FakeProviders
) -> None:
    rate_limit_searches(fake)
    async with enriching(lease_s=5) as (api, _):

        async def requeued() -> JobView | None:
            job = await enrich_job(api)
            return job if job is not None and job.attempts == 1 and job.error else None

        job: JobView = await eventually(requeued, what="the enrichment to be re-queued")
        searches = fake.control.stats.by_endpoint[SEARCH]
    assert job.state == JobState.QUEUED
    assert "rate limited" in (job.error or "")
    assert job.run_at > utcnow() + timedelta(seconds=20)  # when the server said (30 s)
    assert searches == 1  # not waited out in the attempt


async def test_a_lost_lease_ends_a_provider_wait(
    database: Database, providers: Providers, fake: FakeProviders
) -> None:
    rate_limit_searches(fake)
    stopped = asyncio.Event()
    registry = JobRegistry()

    @registry.handler("test.search")
    async def search(ctx: JobContext) -> None:
        try:
            await providers.tmdb.search_movies(SearchQuery("Southern Orbit 1", 1951))
        except LeaseLost:
            stopped.set()
            raise

    settings = fast_settings(lease_s=120)
    queue = JobQueue(database, settings)
    job_id = (await queue.enqueue("test.search")).job.id
    async with running_worker(Worker(database, registry, settings, name="w1")):
        await eventually(lambda: requested(fake, SEARCH), what="the job's request")
        # Another worker took the job over (as after an expired lease).
        async with database.transaction() as session:
            await session.execute(update(Job).where(Job.id == job_id).values(lease_owner="thief"))

        async def is_stopped() -> bool:
            return stopped.is_set()

        await eventually(is_stopped, what="the handler to stop waiting")
        searches = fake.control.stats.by_endpoint[SEARCH]
    assert searches == 1  # it stopped before the Retry-After ran out
    job = await queue.get(job_id)
    assert (job.state, job.lease_owner) == (JobState.RUNNING, "thief")
