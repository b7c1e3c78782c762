"""Background jobs: start a library scan, follow any job, cancel it (admins only)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from reelhouse.api.deps import AdminDep, token_router
from reelhouse.config import HttpSettings
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.params import NO_NUL, PathText, RowIdPath
from reelhouse.infra.jobs.models import ACTIVE_STATES, JobState
from reelhouse.infra.jobs.queue import Enqueued, JobQueue
from reelhouse.infra.jobs.views import JobView

router = token_router(tags=["jobs"])


class JobOut(BaseModel):
    id: int
    kind: str
    key: str | None
    state: JobState
    attempts: int
    progress: dict[str, Any]
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ScanRequest(BaseModel):
    folder: PathText | None = Field(None, description="Scan only this folder.")


def job_out(job: JobView) -> JobOut:
    return JobOut.model_validate(job, from_attributes=True)


def accepted(enqueued: Enqueued, response: Response) -> JobOut:
    """202 with the job; 200 when the same job was already queued or running."""
    response.status_code = status.HTTP_202_ACCEPTED if enqueued.created else status.HTTP_200_OK
    return job_out(enqueued.job)


@router.post(
    "/libraries/{library_id}/scan",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"description": "That scan was already queued or running."}},
)
async def scan_library(
    library_id: RowIdPath,
    _admin: AdminDep,
    services: ServicesDep,
    response: Response,
    body: ScanRequest | None = None,
) -> JobOut:
    """Queue a scan of the library, or of one folder inside it."""
    enqueued = await services.libraries.scan(library_id, body.folder if body else None)
    return accepted(enqueued, response)


@router.post(
    "/libraries/{library_id}/write-back",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"description": "That write-back was already queued."},
        404: {"description": "No such library."},
        422: {"description": "The library writes nothing back."},
    },
)
async def write_back_library(
    library_id: RowIdPath, _admin: AdminDep, services: ServicesDep, response: Response
) -> JobOut:
    """Write the library's NFO files and chosen artwork beside its media now (what the
    library's `write_back` settings ask for)."""
    return accepted(await services.libraries.write_back(library_id), response)


@router.get("/jobs")
async def list_jobs(
    _admin: AdminDep,
    services: ServicesDep,
    state: Annotated[list[JobState] | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[JobOut]:
    jobs = await services.jobs.list_jobs(states=state or (), kind=kind, limit=limit)
    return [job_out(job) for job in jobs]


@router.get("/jobs/{job_id}", responses={404: {"description": "No such job."}})
async def get_job(job_id: RowIdPath, _admin: AdminDep, services: ServicesDep) -> JobOut:
    return job_out(await services.jobs.get(job_id))


@router.get(
    "/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."},
        404: {"description": "No such job."},
    },
)
async def job_events(
    job_id: RowIdPath,
    _admin: AdminDep,
    services: ServicesDep,
    configured: SettingsDep,
    request: Request,
) -> StreamingResponse:
    """Follow a job: a `progress` event with the job (as `GET /jobs/{job_id}` shows it) now and
    each time it changes, and an `end` event when it has finished, which closes the stream."""
    await services.jobs.get(job_id)  # an unknown job is a 404 now, not an empty stream
    return StreamingResponse(
        job_event_stream(services.jobs, job_id, configured.http, request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def job_event_stream(
    queue: JobQueue, job_id: int, settings: HttpSettings, request: Request
) -> AsyncIterator[str]:
    """Server-sent events of one job, polled from the queue; a comment keeps a quiet stream
    open through proxies. A client that goes away stops the polling at the next read (or at
    once, where the server cancels the response)."""
    last: JobOut | None = None
    quiet_since = time.monotonic()
    async with aclosing(queue.poll(job_id, settings.sse_poll_interval_s)) as updates:
        async for job in updates:
            if await request.is_disconnected():
                return
            current = job_out(job)
            if job.state not in ACTIVE_STATES:
                yield f"event: end\ndata: {current.model_dump_json()}\n\n"
            elif current != last:
                yield f"event: progress\ndata: {current.model_dump_json()}\n\n"
                last, quiet_since = current, time.monotonic()
            elif time.monotonic() - quiet_since >= settings.sse_keepalive_s:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()


@router.post("/jobs/{job_id}/cancel", responses={404: {"description": "No such job."}})
async def cancel_job(job_id: RowIdPath, _admin: AdminDep, services: ServicesDep) -> JobOut:
    """Cancel a queued job now, or ask a running one to stop at its next checkpoint."""
    return job_out(await services.jobs.cancel(job_id))
