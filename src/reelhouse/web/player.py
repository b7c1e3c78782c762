"""The web player: its page, and what its script asks of the server: how to play the item in
this browser (the device profile it measured, the track and quality chosen), where it is (for the
viewer's watch state), and the end of a stream it no longer plays. The page's Play and Resume
buttons lead here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Json

from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import (
    MAX_POSITION_S,
    AudioNumber,
    BurnSubtitle,
    MaxHeight,
    PlayerReport,
    RowId,
    RowIdPath,
    SessionIdPath,
)
from reelhouse.kinds import ItemKind
from reelhouse.playback.decision import PlayRequest
from reelhouse.playback.profiles import DeviceProfile
from reelhouse.playback.streaming.views import PlaybackInfo
from reelhouse.web.deps import ViewerDep
from reelhouse.web.render import PageRoute, ScriptRoute, item_path, render
from reelhouse.web.watching import series_titles

router = APIRouter(route_class=PageRoute, include_in_schema=False)
#: What the player's script calls: JSON and problem+json rather than pages.
scripts = APIRouter(route_class=ScriptRoute, include_in_schema=False)

#: Where to start, in seconds (the Resume button's resume point).
Start = Annotated[float, Query(ge=0, le=MAX_POSITION_S, allow_inf_nan=False)]


class PlayForm(BaseModel):
    """What the player asks for: its device profile (JSON, as its script measured it), and the
    choices made in its menus; the file it plays, to stay on one version."""

    profile: Json[DeviceProfile]
    audio: AudioNumber = None
    burn_subtitle: BurnSubtitle = None
    max_height: MaxHeight = None
    file: RowId | None = None


@router.get("/items/{item_id}/play", response_class=HTMLResponse)
async def player_page(
    request: Request,
    item_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    start: Start = 0,
    file: Annotated[RowId | None, Query(description="An extra of the item to play.")] = None,
) -> HTMLResponse:
    """The player of a movie or episode; an episode offers the next one when it ends. With
    `file`, one of the item's extras (a local trailer, say): played on its own, leaving the
    viewer's watch state of the item alone."""
    visible = viewer.visible_libraries
    extra = None
    if file is not None:
        extra = await services.playback.playable(item_id, visible, file_id=file)
        kind = extra.item_kind
    else:
        kind = (await services.watch.playable(item_id, visible)).kind
    item = (await services.catalogue(kind).details(item_id, visible)).item
    following = series_title = None
    if kind == ItemKind.EPISODE and extra is None:
        following = await services.watch.episode_after(visible, item)
        series_title = next(iter((await series_titles(services, [item], visible)).values()), None)
    return render(
        request,
        "player.html",
        {
            "item": item,
            "extra": extra,
            "series_title": series_title,
            "start": start,
            "back": item_path(item.kind, item.id),
            "following": following,
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


@scripts.post("/items/{item_id}/play")
async def plan_playback(
    item_id: RowIdPath,
    viewer: ViewerDep,
    services: ServicesDep,
    form: Annotated[PlayForm, Form()],
) -> PlaybackInfo:
    """How this browser plays the item: the file itself, or an HLS session opened for it."""
    request = PlayRequest(
        audio=form.audio, burn_subtitle=form.burn_subtitle, max_height=form.max_height
    )
    return await services.streaming.playback_info(
        viewer.user.id,
        viewer.visible_libraries,
        item_id,
        request,
        form.profile,
        file_id=form.file,
    )


@scripts.post("/playback/sessions/{session_id}/stop", status_code=status.HTTP_204_NO_CONTENT)
async def stop_session(
    session_id: SessionIdPath, viewer: ViewerDep, services: ServicesDep
) -> Response:
    """End the viewer's stream the player left (another track or quality, or another page),
    rather than wait for it to go idle."""
    await services.streaming.stop(viewer.user.id, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
