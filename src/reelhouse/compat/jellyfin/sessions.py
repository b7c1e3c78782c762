"""What a Jellyfin player reports while it plays: start, progress and stop into reelhouse's
watch state (`WatchService.report_progress`; a stop is a stopped report and ends the HLS
session of its `PlaySessionId`), pings, and the end of a transcode. Jellyfin's list of the
server's sessions (remote control) is empty: reelhouse offers no remote control."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import Body, Request, Response, status
from pydantic import Field

from reelhouse.bootstrap import Services
from reelhouse.compat.jellyfin.auth import JellyfinCaller, JellyfinCallerDep
from reelhouse.compat.jellyfin.dtos import SessionInfo
from reelhouse.compat.jellyfin.ids import item_id
from reelhouse.compat.jellyfin.mapping import TICKS_PER_SECOND
from reelhouse.compat.jellyfin.params import JellyfinQuery, documented
from reelhouse.compat.jellyfin.profiles import JellyfinBody
from reelhouse.compat.jellyfin.routing import jellyfin_router
from reelhouse.compat.jellyfin.server import json_response
from reelhouse.errors import MalformedRequestError, NotFoundError
from reelhouse.http.deps import ServicesDep

router = jellyfin_router()
NO_CONTENT = status.HTTP_204_NO_CONTENT
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "No ItemId, or a malformed value."},
    404: {"description": "No such item the caller may see."},
    422: {"description": "The item is not played itself (a series or season)."},
}


class PlaybackReport(JellyfinBody):
    """`PlaybackStartInfo`, `PlaybackProgressInfo` and `PlaybackStopInfo`, as far as read."""

    item_id: Annotated[str | None, Field(max_length=64)] = None
    position_ticks: Annotated[int | None, Field(ge=0, le=2**63 - 1)] = None
    is_paused: bool | None = None
    play_session_id: Annotated[str | None, Field(max_length=128)] = None


ReportBody = Annotated[PlaybackReport, Body()]


async def reported(
    services: Services, caller: JellyfinCaller, report: PlaybackReport, *, stopped: bool
) -> Response:
    if report.item_id is None:
        raise MalformedRequestError("a playback report names its ItemId", field="ItemId")
    row_id = item_id(report.item_id)
    if report.position_ticks is not None:
        await services.watch.report_progress(
            caller.user_id,
            caller.visible,
            row_id,
            report.position_ticks / TICKS_PER_SECOND,
            stopped=stopped,
        )
    if stopped and report.play_session_id:
        # Only a remux or transcode has a session, and the idle timeout may have ended it.
        with contextlib.suppress(NotFoundError):
            await services.streaming.stop(caller.user_id, report.play_session_id)
    return Response(status_code=NO_CONTENT)


@router.post("/Sessions/Playing", status_code=NO_CONTENT, responses=REPORT_RESPONSES)
async def playing(report: ReportBody, caller: JellyfinCallerDep, services: ServicesDep) -> Response:
    """Playback started (at `PositionTicks`, when a resume)."""
    return await reported(services, caller, report, stopped=False)


@router.post("/Sessions/Playing/Progress", status_code=NO_CONTENT, responses=REPORT_RESPONSES)
async def progress(
    report: ReportBody, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    """Where the player is (paused or not: both are the resume point)."""
    return await reported(services, caller, report, stopped=False)


@router.post("/Sessions/Playing/Stopped", status_code=NO_CONTENT, responses=REPORT_RESPONSES)
async def stopped(report: ReportBody, caller: JellyfinCallerDep, services: ServicesDep) -> Response:
    """Playback ended where `PositionTicks` says: near the end marks the item played (the
    watch service's rule), and the HLS session ends."""
    return await reported(services, caller, report, stopped=True)


@router.post(
    "/Sessions/Playing/Ping", status_code=NO_CONTENT, openapi_extra=documented("playSessionId")
)
async def ping(request: Request, caller: JellyfinCallerDep, services: ServicesDep) -> Response:
    """A paused player keeps its HLS session from the idle timeout."""
    session_id = JellyfinQuery(request).text("playSessionId")
    if session_id is not None:
        await services.streaming.keep_alive(caller.user_id, session_id)
    return Response(status_code=NO_CONTENT)


@router.delete(
    "/Videos/ActiveEncodings",
    status_code=NO_CONTENT,
    responses={404: {"description": "No such session of the caller's."}},
    openapi_extra=documented("deviceId", "playSessionId"),
)
async def stop_encoding(
    request: Request, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    """End the HLS session now: its ffmpeg and its segments go."""
    session_id = JellyfinQuery(request).text("playSessionId")
    if session_id is None:
        raise MalformedRequestError("name the PlaySessionId to end", field="PlaySessionId")
    await services.streaming.stop(caller.user_id, session_id)
    return Response(status_code=NO_CONTENT)


@router.get("/Sessions", response_model=list[SessionInfo])
async def sessions(_caller: JellyfinCallerDep) -> Response:
    """No session is offered for remote control."""
    return json_response(b"[]")
