"""Admin pages: libraries, users, jobs, and the items left unmatched; plus every user's own
API tokens.

A form that the services refuse is shown again with what the user typed and what is wrong.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.content.shared.listing import Cursor, ItemFilter, PageRequest
from reelhouse.content.shared.matching.score import Scored
from reelhouse.content.shared.models import MAX_BIGINT
from reelhouse.content.shared.views import ItemView
from reelhouse.errors import DomainError, InvalidInputError, NotFoundError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.params import RowIdPath
from reelhouse.http.problems import status_for
from reelhouse.infra.jobs.models import ACTIVE_STATES
from reelhouse.infra.jobs.progress import ProgressView
from reelhouse.libraries.models import LibraryKind
from reelhouse.services import Services
from reelhouse.users.service import Principal
from reelhouse.web.deps import AdminViewerDep, ViewerDep
from reelhouse.web.render import PageRoute, is_fragment, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: What a page says after a change sent it there (`?notice=`): fixed texts, never echoed input.
NOTICES = {
    "library-added": "Library added. Start a scan to fill it.",
    "library-saved": "Library saved.",
    "library-deleted": "Library deleted.",
    "scan-queued": "Scan queued: follow it below.",
    "scan-running": "That scan is already queued or running: follow it below.",
    "user-added": "User added.",
    "user-saved": "User saved.",
    "user-deleted": "User deleted.",
    "token-revoked": "Token revoked.",
    "job-cancelled": "Cancellation asked for.",
    "match-queued": "Match chosen: the item is being refreshed with it.",
}
Text = Annotated[str, Form(max_length=10_000)]


def see(path: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?notice={notice}", HTTPStatus.SEE_OTHER)


def notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("notice", ""))


def split_paths(text: str) -> list[str]:
    """Folders as a form gives them: one per line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.get("/admin")
async def admin_home(_admin: AdminViewerDep) -> RedirectResponse:
    return RedirectResponse("/admin/libraries", HTTPStatus.SEE_OTHER)


# -- libraries ----------------------------------------------------------------------------------


async def _libraries_page(
    request: Request,
    admin: Principal,
    wired: ServicesDep,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "admin/libraries.html",
        {
            "libraries": await wired.libraries.list(),
            "kinds": list(LibraryKind),
            "form": form or {"name": "", "kind": LibraryKind.MOVIES.value, "paths": ""},
            "error": error,
            "notice": notice(request),
        },
        principal=admin,
        status=status_for(error).value if error else 200,
    )


@router.get("/admin/libraries", response_class=HTMLResponse)
async def libraries_page(
    request: Request, admin: AdminViewerDep, wired: ServicesDep
) -> HTMLResponse:
    return await _libraries_page(request, admin, wired)


@router.post("/admin/libraries", response_model=None)
async def add_library(
    request: Request,
    admin: AdminViewerDep,
    wired: ServicesDep,
    name: Text = "",
    kind: Text = LibraryKind.MOVIES.value,
    paths: Text = "",
) -> HTMLResponse | RedirectResponse:
    try:
        if kind not in set(LibraryKind):
            raise InvalidInputError(f"{kind!r} is not a kind of library", field="kind")
        await wired.libraries.create(name, LibraryKind(kind), split_paths(paths))
    except DomainError as exc:
        form = {"name": name, "kind": kind, "paths": paths}
        return await _libraries_page(request, admin, wired, form=form, error=exc)
    return see("/admin/libraries", "library-added")


@router.get("/admin/libraries/{library_id}", response_class=HTMLResponse)
async def library_form(
    request: Request, library_id: RowIdPath, admin: AdminViewerDep, wired: ServicesDep
) -> HTMLResponse:
    library = await wired.libraries.get(library_id)
    form = {"name": library.name, "paths": "\n".join(library.paths)}
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
    wired: ServicesDep,
    name: Text = "",
    paths: Text = "",
) -> HTMLResponse | RedirectResponse:
    library = await wired.libraries.get(library_id)
    try:
        await wired.libraries.update(library_id, name=name, paths=split_paths(paths))
    except DomainError as exc:
        return render(
            request,
            "admin/library.html",
            {"library": library, "form": {"name": name, "paths": paths}, "error": exc},
            principal=admin,
            status=status_for(exc).value,
        )
    return see("/admin/libraries", "library-saved")


@router.post("/admin/libraries/{library_id}/delete")
async def delete_library(
    library_id: RowIdPath, _admin: AdminViewerDep, wired: ServicesDep
) -> RedirectResponse:
    await wired.libraries.delete(library_id)
    return see("/admin/libraries", "library-deleted")


@router.post("/admin/libraries/{library_id}/scan")
async def scan_library(
    library_id: RowIdPath, _admin: AdminViewerDep, wired: ServicesDep
) -> RedirectResponse:
    enqueued = await wired.libraries.scan(library_id)
    return see("/admin/jobs", "scan-queued" if enqueued.created else "scan-running")


# -- users and tokens ---------------------------------------------------------------------------


async def _users_page(
    request: Request,
    admin: Principal,
    wired: ServicesDep,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "admin/users.html",
        {
            "users": await wired.users.list_users(),
            "libraries": await wired.libraries.list(),
            "form": form or {"username": "", "is_admin": False},
            "error": error,
            "notice": notice(request),
        },
        principal=admin,
        status=status_for(error).value if error else 200,
    )


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(request: Request, admin: AdminViewerDep, wired: ServicesDep) -> HTMLResponse:
    return await _users_page(request, admin, wired)


@router.post("/admin/users", response_model=None)
async def add_user(
    request: Request,
    admin: AdminViewerDep,
    wired: ServicesDep,
    username: Text = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    is_admin: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    try:
        await wired.users.create_user(username, password, is_admin=is_admin)
    except DomainError as exc:
        form = {"username": username, "is_admin": is_admin}  # never the password back
        return await _users_page(request, admin, wired, form=form, error=exc)
    return see("/admin/users", "user-added")


@router.post("/admin/users/{user_id}/libraries")
async def set_user_libraries(
    user_id: RowIdPath,
    _admin: AdminViewerDep,
    wired: ServicesDep,
    library_id: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> RedirectResponse:
    await wired.users.set_user_libraries(user_id, library_id)
    return see("/admin/users", "user-saved")


@router.post("/admin/users/{user_id}/delete")
async def delete_user(
    user_id: RowIdPath, admin: AdminViewerDep, wired: ServicesDep
) -> RedirectResponse:
    await wired.users.delete_user(admin, user_id)
    return see("/admin/users", "user-deleted")


async def _tokens_page(
    request: Request,
    viewer: Principal,
    wired: ServicesDep,
    *,
    issued: str | None = None,
    name: str = "",
    error: DomainError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "account.html",
        {
            "tokens": await wired.users.list_tokens(viewer),
            "issued": issued,
            "name": name,
            "error": error,
            "notice": notice(request),
        },
        principal=viewer,
        status=status_for(error).value if error else 200,
    )


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, viewer: ViewerDep, wired: ServicesDep) -> HTMLResponse:
    """The viewer's own login and API tokens."""
    return await _tokens_page(request, viewer, wired)


@router.post("/account/tokens", response_class=HTMLResponse)
async def create_token(
    request: Request, viewer: ViewerDep, wired: ServicesDep, name: Text = ""
) -> HTMLResponse:
    """A new API token, whose secret this answer shows once (it is not kept)."""
    try:
        issued = await wired.users.create_api_token(viewer, name)
    except DomainError as exc:
        return await _tokens_page(request, viewer, wired, name=name, error=exc)
    return await _tokens_page(request, viewer, wired, issued=issued.secret)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(
    token_id: RowIdPath, viewer: ViewerDep, wired: ServicesDep
) -> RedirectResponse:
    await wired.users.revoke_token(viewer, token_id)
    return see("/account", "token-revoked")


# -- jobs ---------------------------------------------------------------------------------------


@router.get("/admin/jobs", response_class=HTMLResponse)
async def jobs_page(
    request: Request, admin: AdminViewerDep, wired: ServicesDep, configured: SettingsDep
) -> HTMLResponse:
    """Recent jobs; running ones follow the API's event stream, so their bars move live."""
    jobs = await wired.jobs.list_jobs(limit=configured.web.jobs_shown)
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
    wired: ServicesDep,
    configured: SettingsDep,
) -> HTMLResponse:
    """One job: its progress, its error, and the items that failed without failing it."""
    job = await wired.jobs.get(job_id)
    failures, failure_count = await wired.jobs.failures(job_id, limit=configured.web.jobs_shown)
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
    job_id: RowIdPath, _admin: AdminViewerDep, wired: ServicesDep
) -> RedirectResponse:
    await wired.jobs.cancel(job_id)
    return see("/admin/jobs", "job-cancelled")


# -- unmatched items ----------------------------------------------------------------------------


@router.get("/admin/unmatched", response_class=HTMLResponse)
async def unmatched_page(
    request: Request,
    admin: AdminViewerDep,
    wired: ServicesDep,
    configured: SettingsDep,
    movies_after: Annotated[str | None, Query(max_length=1024)] = None,
    series_after: Annotated[str | None, Query(max_length=1024)] = None,
) -> HTMLResponse:
    """Movies and series no provider matched, a page of each, for someone to pick a match."""
    unmatched = ItemFilter(matched=False)
    groups = []
    for label, catalogue, param, after in (
        ("Movies", wired.movies, "movies_after", movies_after),
        ("Series", wired.series, "series_after", series_after),
    ):
        page = PageRequest(
            limit=configured.web.page_size, after=Cursor.decode(after) if after else None
        )
        listed = await catalogue.list(unmatched, page, None)
        groups.append((label, listed.items, param, listed.next_cursor))
    return render(
        request,
        "admin/unmatched.html",
        {"groups": groups, "notice": notice(request)},
        principal=admin,
    )


async def _matchable(wired: Services, item_id: int) -> ItemView:
    """The movie or series to match (the only kinds that are matched)."""
    for catalogue in (wired.movies, wired.series):
        try:
            return (await catalogue.details(item_id, None)).item
        except NotFoundError:
            continue  # not of this kind: the other one
    raise NotFoundError(f"there is no movie or series {item_id}")


@router.get("/admin/items/{item_id}/match", response_class=HTMLResponse)
async def match_page(
    request: Request,
    item_id: RowIdPath,
    admin: AdminViewerDep,
    wired: ServicesDep,
    configured: SettingsDep,
    query: Annotated[str, Query(max_length=500)] = "",
    year: Annotated[str, Query(max_length=4)] = "",
) -> HTMLResponse:
    """The provider's candidates for an item (its own title, or what the admin searches)."""
    item = await _matchable(wired, item_id)
    error: DomainError | None = None
    candidates: list[Scored] = []
    try:
        wanted_year = int(year) if year.strip() else None
        ranked = await wired.control.search_candidates(item_id, query.strip() or None, wanted_year)
        candidates = ranked[: configured.web.match_candidates]
    except ValueError:
        error = InvalidInputError("a year is four digits", field="year")
    except DomainError as exc:
        error = exc  # shown in the dialog, which keeps what was typed
    context = {
        "item": item,
        "query": query or item.title,
        "year": year if query else (year or item.year or ""),
        "candidates": candidates,
        "error": error,
    }
    template = "admin/_match.html" if is_fragment(request) else "admin/match.html"
    return render(request, template, context, principal=admin)


@router.post("/admin/items/{item_id}/match", response_model=None)
async def fix_match(
    request: Request,
    item_id: RowIdPath,
    admin: AdminViewerDep,
    wired: ServicesDep,
    tmdb_id: Annotated[int | None, Form(ge=1, le=MAX_BIGINT)] = None,
    tvdb_id: Annotated[int | None, Form(ge=1, le=MAX_BIGINT)] = None,
    imdb_id: Annotated[str | None, Form(max_length=16)] = None,
) -> HTMLResponse | RedirectResponse:
    """Give the item the chosen candidate's ids; a job fetches it again under them."""
    try:
        await wired.control.fix_match(
            item_id, tmdb_id=tmdb_id, tvdb_id=tvdb_id, imdb_id=imdb_id or None
        )
    except DomainError as exc:
        item = await _matchable(wired, item_id)
        context = {"item": item, "query": item.title, "year": item.year or "", "candidates": []}
        return render(
            request,
            "admin/match.html",
            context | {"error": exc},
            principal=admin,
            status=status_for(exc).value,
        )
    return see("/admin/jobs", "match-queued")
