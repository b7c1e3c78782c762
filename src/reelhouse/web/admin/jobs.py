"""Admin pages of the jobs: the recent ones with their live progress, one job's failures, and
cancelling."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.params import RowIdPath
from reelhouse.infra.jobs.models import ACTIVE_STATES
from reelhouse.infra.jobs.progress import ProgressView
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import notice, see
from reelhouse.web.render import PageRoute, is_fragment, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/admin/jobs", response_class=HTMLResponse)
async def jobs_page(
    request: Request, admin: AdminViewerDep, services: ServicesDep, configured: SettingsDep
) -> HTMLResponse:
    """Recent jobs; running ones follow the API's event stream, so their bars move live."""
    jobs = await services.jobs.list_jobs(limit=configured.web.jobs_shown)
    context = {
        "jobs": [(job, ProgressView.from_json(job.progress)) for job in jobs],
        "active": ACTIVE_STATES,
        "notice": notice(request),
    }
    template = "admin/_jobs.html" if is_fragment(request) else "admin/jobs.html"
    return render(request, template, context, principal=admin)


@router.get("/admin/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(
    request: Request,
    job_id: RowIdPath,
    admin: AdminViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
) -> HTMLResponse:
    """One job: its progress, its error, and the items that failed without failing it."""
    job = await services.jobs.get(job_id)
    failures, failure_count = await services.jobs.failures(job_id, limit=configured.web.jobs_shown)
    context = {
        "job": job,
        "progress": ProgressView.from_json(job.progress),
        "failures": failures,
        "failure_count": failure_count,
        "active": ACTIVE_STATES,
    }
    return render(request, "admin/job.html", context, principal=admin)


@router.post("/admin/jobs/{job_id}/cancel")
async def cancel_job(
    job_id: RowIdPath, _admin: AdminViewerDep, services: ServicesDep
) -> RedirectResponse:
    await services.jobs.cancel(job_id)
    return see("/admin/jobs", "job-cancelled")
