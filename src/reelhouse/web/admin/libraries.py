"""Admin pages of the libraries: adding, changing, deleting and scanning them; the admin area
opens here."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.config import Settings
from reelhouse.errors import DomainError, InvalidInputError
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath
from reelhouse.http.problems import status_for
from reelhouse.infra.jobs.models import ACTIVE_STATES
from reelhouse.infra.jobs.progress import ProgressView
from reelhouse.ingest.writeback.options import WriteBackOptions
from reelhouse.kinds import LibraryKind
from reelhouse.users.service import Principal
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import Text, form_page, see
from reelhouse.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def split_paths(text: str) -> list[str]:
    """Folders as a form gives them: one per line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


async def create_library(
    services: ServicesDep, name: str, kind: str, paths: str, *, readable: bool = False
) -> None:
    """A library from the form's fields (see `LibrariesService.create` for `readable`)."""
    if kind not in set(LibraryKind):
        raise InvalidInputError(f"{kind!r} is not a kind of library", field="kind")
    await services.libraries.create(name, LibraryKind(kind), split_paths(paths), readable=readable)


NEW_LIBRARY = {"name": "", "kind": LibraryKind.MOVIES.value, "paths": ""}


@router.get("/admin")
async def admin_home(_admin: AdminViewerDep) -> RedirectResponse:
    return RedirectResponse("/admin/libraries", HTTPStatus.SEE_OTHER)


async def _libraries_page(
    request: Request,
    admin: Principal,
    services: ServicesDep,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    """The libraries, the form to add one, and while any job runs (a scan just started), the
    recent jobs with their live progress."""
    settings: Settings = request.app.state.settings
    jobs = await services.jobs.list_jobs(limit=settings.web.jobs_shown)
    running = any(job.state in ACTIVE_STATES for job in jobs)
    shown = [(job, ProgressView.from_json(job.progress)) for job in jobs] if running else []
    return form_page(
        request,
        "admin/libraries.html",
        {
            "jobs": shown,
            "active": ACTIVE_STATES,
            "libraries": await services.libraries.list(),
            "kinds": list(LibraryKind),
            "form": form or NEW_LIBRARY,
        },
        principal=admin,
        error=error,
    )


@router.get("/admin/libraries", response_class=HTMLResponse)
async def libraries_page(
    request: Request, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    return await _libraries_page(request, admin, services)


@router.post("/admin/libraries", response_model=None)
async def add_library(
    request: Request,
    admin: AdminViewerDep,
    services: ServicesDep,
    name: Text = "",
    kind: Text = LibraryKind.MOVIES.value,
    paths: Text = "",
) -> HTMLResponse | RedirectResponse:
    try:
        await create_library(services, name, kind, paths)
    except DomainError as exc:
        form = {"name": name, "kind": kind, "paths": paths}
        return await _libraries_page(request, admin, services, form=form, error=exc)
    return see("/admin/libraries", "library-added")


@router.get("/admin/libraries/{library_id}", response_class=HTMLResponse)
async def library_form(
    request: Request, library_id: RowIdPath, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    library = await services.libraries.get(library_id)
    form = {
        "name": library.name,
        "paths": "\n".join(library.paths),
        "write_back": library.write_back,
    }
    return render(
        request,
        "admin/library.html",
        {"library": library, "form": form, "error": None},
        principal=admin,
    )


@router.post("/admin/libraries/{library_id}", response_model=None)
async def change_library(
    request: Request,
    library_id: RowIdPath,
    admin: AdminViewerDep,
    services: ServicesDep,
    name: Text = "",
    paths: Text = "",
    write_nfo: Text = "",
    write_artwork: Text = "",
    overwrite_foreign_files: Text = "",
    nfo_watch_user: Text = "",
) -> HTMLResponse | RedirectResponse:
    """Save the form; a checkbox left out is off (a form sends only the ticked ones)."""
    library = await services.libraries.get(library_id)
    write_back = WriteBackOptions(
        write_nfo=bool(write_nfo),
        write_artwork=bool(write_artwork),
        overwrite_foreign_files=bool(overwrite_foreign_files),
        nfo_watch_user=nfo_watch_user.strip() or None,
    )
    try:
        await services.libraries.update(
            library_id, name=name, paths=split_paths(paths), write_back=write_back
        )
    except DomainError as exc:
        form = {"name": name, "paths": paths, "write_back": write_back}
        return render(
            request,
            "admin/library.html",
            {"library": library, "form": form, "error": exc},
            principal=admin,
            status=status_for(exc).value,
        )
    return see("/admin/libraries", "library-saved")


@router.post("/admin/libraries/{library_id}/delete")
async def delete_library(
    library_id: RowIdPath, _admin: AdminViewerDep, services: ServicesDep
) -> RedirectResponse:
    await services.libraries.delete(library_id)
    return see("/admin/libraries", "library-deleted")


@router.post("/admin/libraries/{library_id}/scan")
async def scan_library(
    library_id: RowIdPath, _admin: AdminViewerDep, services: ServicesDep
) -> RedirectResponse:
    enqueued = await services.libraries.scan(library_id)
    return see("/admin/jobs", "scan-queued" if enqueued.created else "scan-running")


@router.post("/admin/libraries/{library_id}/write-back")
async def write_back_library(
    library_id: RowIdPath, _admin: AdminViewerDep, services: ServicesDep
) -> RedirectResponse:
    """Queue the library's write-back now (refused, as a page, when it writes nothing back)."""
    enqueued = await services.libraries.write_back(library_id)
    return see("/admin/jobs", "write-back-queued" if enqueued.created else "write-back-running")
