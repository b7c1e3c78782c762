"""Admin pages of matching: the movies and series no provider matched, and picking a match for
one among the provider's candidates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.bootstrap import Services
from reelhouse.content.catalogue.listing import Cursor, ItemFilter, PageRequest
from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.content.matching.score import Scored
from reelhouse.content.reads.views import ItemView
from reelhouse.errors import DomainError, InvalidInputError, NotFoundError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.params import RowIdPath
from reelhouse.http.problems import status_for
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import notice, see
from reelhouse.web.render import PageRoute, is_fragment, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/admin/unmatched", response_class=HTMLResponse)
async def unmatched_page(
    request: Request,
    admin: AdminViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
    movies_after: Annotated[str | None, Query(max_length=1024)] = None,
    series_after: Annotated[str | None, Query(max_length=1024)] = None,
) -> HTMLResponse:
    """Movies and series no provider matched, a page of each, for someone to pick a match."""
    unmatched = ItemFilter(matched=False)
    groups = []
    for label, catalogue, param, after in (
        ("Movies", services.movies, "movies_after", movies_after),
        ("Series", services.series, "series_after", series_after),
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


async def _matchable(services: Services, item_id: int) -> ItemView:
    """The movie or series to match (the only kinds that are matched)."""
    for catalogue in (services.movies, services.series):
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
    services: ServicesDep,
    configured: SettingsDep,
    query: Annotated[str, Query(max_length=500)] = "",
    year: Annotated[str, Query(max_length=4)] = "",
) -> HTMLResponse:
    """The provider's candidates for an item (its own title, or what the admin searches)."""
    item = await _matchable(services, item_id)
    error: DomainError | None = None
    candidates: list[Scored] = []
    try:
        wanted_year = int(year) if year.strip() else None
        ranked = await services.control.search_candidates(
            item_id, query.strip() or None, wanted_year
        )
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
    services: ServicesDep,
    tmdb_id: Annotated[int | None, Form(ge=1, le=MAX_BIGINT)] = None,
    tvdb_id: Annotated[int | None, Form(ge=1, le=MAX_BIGINT)] = None,
    imdb_id: Annotated[str | None, Form(max_length=16)] = None,
) -> HTMLResponse | RedirectResponse:
    """Give the item the chosen candidate's ids; a job fetches it again under them."""
    try:
        await services.control.fix_match(
            item_id, tmdb_id=tmdb_id, tvdb_id=tvdb_id, imdb_id=imdb_id or None
        )
    except DomainError as exc:
        item = await _matchable(services, item_id)
        context = {"item": item, "query": item.title, "year": item.year or "", "candidates": []}
        return render(
            request,
            "admin/match.html",
            context | {"error": exc},
            principal=admin,
            status=status_for(exc).value,
        )
    return see("/admin/jobs", "match-queued")
