"""The viewer's own watch state on the page: the marks on posters, the played and favourite
buttons of the detail pages (plain forms: POST, then back to the page), and the favourites and
history pages. Everything comes from the watch service, which caches it per user."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.bootstrap import Services
from reelhouse.content.catalogue.models import MAX_BIGINT, ImageKind
from reelhouse.content.reads.views import ItemSummary, ItemView
from reelhouse.errors import NotFoundError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.params import RowIdPath
from reelhouse.kinds import PLAYABLE_KINDS, ItemKind
from reelhouse.users.service import Principal
from reelhouse.watch.views import WatchedItem
from reelhouse.web.deps import ViewerDep
from reelhouse.web.render import PageRoute, local_path, poster_owner, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: Items whose played state is their episodes': their posters show how many are left.
PARENT_KINDS = frozenset({ItemKind.SERIES, ItemKind.SEASON})
#: Where a form goes back to (a path of this site; anything else is the home page).
Back = Annotated[str, Form(max_length=2048)]


@dataclass(frozen=True, slots=True)
class Marks:
    """The viewer's marks on a page's posters: the movies and episodes played, and the
    episodes left of each series and season."""

    played: frozenset[int] = frozenset()
    unplayed: Mapping[int, int] = field(default_factory=dict)


async def marks_for(services: Services, viewer: Principal, items: Iterable[ItemSummary]) -> Marks:
    """The marks of every item on a page: one call for the played ones, one for the counts."""
    parents: list[int] = []
    playable: list[int] = []
    for item in items:
        if item.kind in PARENT_KINDS:
            parents.append(item.id)
        elif item.kind in PLAYABLE_KINDS:
            playable.append(item.id)
    watch = services.watch
    return Marks(
        await watch.played_among(viewer.user.id, playable),
        await watch.unplayed_counts(viewer.user.id, parents),
    )


async def series_titles(
    services: Services, items: Iterable[ItemView], visible: frozenset[int] | None
) -> dict[int, str]:
    """The titles of the series these episodes belong to (each read once, from the
    catalogue's cache of its details)."""
    wanted = dict.fromkeys(
        i.series_id for i in items if i.kind == ItemKind.EPISODE and i.series_id is not None
    )
    found: dict[int, str] = {}
    for series_id in wanted:
        if series_id is None:
            continue
        try:
            found[series_id] = (await services.series.details(series_id, visible)).item.title
        except NotFoundError:
            continue  # removed since, or hidden: the episode shows its own title
    return found


async def watching_art(
    services: Services, entries: Iterable[WatchedItem], visible: frozenset[int] | None
) -> dict[int, str]:
    """Placeholders of what Continue Watching and Next Up show: an episode's still, the
    poster of anything else (item ids do not collide, so one map holds both)."""
    items = [entry.item for entry in entries]
    episodes = [i.id for i in items if i.kind == ItemKind.EPISODE]
    others = [i.id for i in items if i.kind != ItemKind.EPISODE]
    stills = await services.images.placeholders(episodes, ImageKind.STILL, visible)
    posters = await services.images.placeholders(others, ImageKind.POSTER, visible)
    return stills | posters


@router.post("/items/{item_id}/played")
async def mark_played(
    item_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    played: Annotated[bool, Form()],
    back: Back = "/",
) -> RedirectResponse:
    """Mark an item played or unplayed (a season or series: all of its episodes)."""
    await services.watch.set_played(
        viewer.user.id, viewer.visible_libraries, item_id, played=played
    )
    return RedirectResponse(local_path(back), HTTPStatus.SEE_OTHER)


@router.post("/items/{item_id}/favourite")
async def mark_favourite(
    item_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    favourite: Annotated[bool, Form()],
    back: Back = "/",
) -> RedirectResponse:
    await services.watch.set_favourite(
        viewer.user.id, viewer.visible_libraries, item_id, favourite=favourite
    )
    return RedirectResponse(local_path(back), HTTPStatus.SEE_OTHER)


@router.get("/favourites", response_class=HTMLResponse)
async def favourites_page(
    request: Request, viewer: ViewerDep, services: ServicesDep, configured: SettingsDep
) -> HTMLResponse:
    """What the viewer marked favourite, by title."""
    visible = viewer.visible_libraries
    found = await services.watch.favourites(
        viewer.user.id, visible, configured.web.favourites_shown
    )
    items = [entry.item for entry in found]
    posters = await services.images.placeholders(
        {poster_owner(i) for i in items}, ImageKind.POSTER, visible
    )
    return render(
        request,
        "favourites.html",
        {
            "items": items,
            "posters": posters,
            "marks": await marks_for(services, viewer, items),
            "series_titles": await series_titles(services, items, visible),
            "limited": len(items) >= configured.web.favourites_shown,
        },
        principal=viewer,
    )


@router.get("/history", response_class=HTMLResponse)
async def history_page(
    request: Request,
    viewer: ViewerDep,
    services: ServicesDep,
    configured: SettingsDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_BIGINT)] = None,
) -> HTMLResponse:
    """What the viewer finished, newest first, a page at a time ("Older" pages on)."""
    visible = viewer.visible_libraries
    entries, next_before = await services.watch.history(
        viewer.user.id, visible, before_id=before, limit=configured.web.history_page_size
    )
    items = [entry.item for entry in entries]
    posters = await services.images.placeholders(
        {poster_owner(i) for i in items}, ImageKind.POSTER, visible
    )
    return render(
        request,
        "history.html",
        {
            "entries": entries,
            "next_before": next_before,
            "paged": before is not None,
            "posters": posters,
            "series_titles": await series_titles(services, items, visible),
        },
        principal=viewer,
    )
