"""The web player: its page, and what its script asks of the server while it plays (where it
is, for the viewer's watch state). The page's Play and Resume buttons lead here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import MAX_POSITION_S, PlayerReport, RowIdPath
from reelhouse.kinds import ItemKind
from reelhouse.web.deps import ViewerDep
from reelhouse.web.render import PageRoute, ScriptRoute, item_path, render
from reelhouse.web.watching import series_titles

router = APIRouter(route_class=PageRoute, include_in_schema=False)
#: What the player's script calls: JSON and problem+json rather than pages.
scripts = APIRouter(route_class=ScriptRoute, include_in_schema=False)

#: Where to start, in seconds (the Resume button's resume point).
Start = Annotated[float, Query(ge=0, le=MAX_POSITION_S, allow_inf_nan=False)]


def play_path(item_id: int) -> str:
    return f"/items/{item_id}/play"


@router.get("/items/{item_id}/play", response_class=HTMLResponse)
async def player_page(
    request: Request,
    item_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    start: Start = 0,
) -> HTMLResponse:
    """The player of a movie or episode; an episode offers the next one when it ends."""
    visible = viewer.visible_libraries
    facts = await services.watch.playable(item_id, visible)
    item = (await services.catalogue(facts.kind).details(item_id, visible)).item
    following = series_title = None
    if facts.kind == ItemKind.EPISODE:
        following = await services.watch.episode_after(visible, item)
        series_title = next(iter((await series_titles(services, [item], visible)).values()), None)
    return render(
        request,
        "player.html",
        {
            "item": item,
            "series_title": series_title,
            "start": start,
            "back": item_path(item.kind, item.id),
            "following": following,
            "next_url": play_path(following.id) if following else None,
        },
        principal=viewer,
    )


@scripts.post("/items/{item_id}/progress", status_code=status.HTTP_204_NO_CONTENT)
async def report_progress(
    item_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    report: Annotated[PlayerReport, Form()],
) -> Response:
    """Where the player is: every few seconds while playing, when paused, and when it stops
    (a beacon as the page is left)."""
    await services.watch.report_progress(
        viewer.user.id,
        viewer.visible_libraries,
        item_id,
        report.position_s,
        stopped=report.stopped,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
