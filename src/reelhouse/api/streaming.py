"""Playing on a client that cannot play the file as it is: the plan for a device profile
(`playback-info`), and the HLS session it opens — playlists, segments, its end — plus the
admin's view of every session of this server process."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from reelhouse.api.deps import AdminDep, CallerDep, token_router
from reelhouse.api.playback import FileId, Part
from reelhouse.http.deps import ServicesDep
from reelhouse.http.hls import playlist_response, segment_response
from reelhouse.http.params import (
    AudioNumber,
    BurnSubtitle,
    MaxHeight,
    RowIdPath,
    SessionIdPath,
)
from reelhouse.playback.decision import PlayRequest
from reelhouse.playback.profiles import WEB_PROFILE, DeviceProfile
from reelhouse.playback.streaming.session import SessionStatus
from reelhouse.playback.streaming.urls import MASTER_NAME, MEDIA_NAME, SESSIONS_PATH
from reelhouse.playback.streaming.views import PlaybackInfo

items = token_router("/items", tags=["playback"])
sessions = token_router(SESSIONS_PATH.removeprefix("/api"), tags=["playback"])

#: The longest film at the shortest segment is far below this; it bounds the input.
MAX_SEGMENT = 1_000_000
#: 1 Gbit/s: beyond any stream; a bitrate cap above it is nonsense.
MAX_BITRATE = 1_000_000_000

MaxBitrate = Annotated[
    int | None, Field(ge=100_000, le=MAX_BITRATE, description="The player's cap, bits/s.")
]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such item or session, or none of the caller's."}
}
PLAN_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    422: {
        "description": "The file cannot be played: its probe failed, or the client can "
        "play it no way, or a track asked for does not exist."
    },
    503: {"description": "Every streaming slot is taken (see Retry-After)."},
}


class PlaybackRequest(BaseModel):
    """What the client can play, and what it asks for."""

    model_config = ConfigDict(extra="forbid")

    profile: DeviceProfile = Field(
        WEB_PROFILE, description="The client's capabilities; a browser's by default."
    )
    audio: AudioNumber = None
    burn_subtitle: BurnSubtitle = None
    max_bitrate: MaxBitrate = None
    max_height: MaxHeight = None


@items.post("/{item_id}/playback-info", responses=PLAN_ERRORS)
async def plan_playback(
    item_id: RowIdPath,
    body: PlaybackRequest,
    caller: CallerDep,
    services: ServicesDep,
    file_id: FileId = None,
    part: Part = None,
) -> PlaybackInfo:
    """How this client plays the item's file: directly, or by an HLS session that remuxes or
    transcodes it (opened now), with the reason for each choice and the tracks to choose
    from."""
    request = PlayRequest(
        audio=body.audio,
        burn_subtitle=body.burn_subtitle,
        max_bitrate=body.max_bitrate,
        max_height=body.max_height,
    )
    return await services.streaming.playback_info(
        caller.user.id,
        caller.visible_libraries,
        item_id,
        request,
        body.profile,
        file_id=file_id,
        part=part,
    )


@items.get("/{item_id}/playback-info", responses=PLAN_ERRORS)
async def plan_browser_playback(
    item_id: RowIdPath,
    caller: CallerDep,
    services: ServicesDep,
    file_id: FileId = None,
    part: Part = None,
    audio: Annotated[AudioNumber, Query()] = None,
    burn_subtitle: Annotated[BurnSubtitle, Query()] = None,
    max_bitrate: Annotated[MaxBitrate, Query()] = None,
    max_height: Annotated[MaxHeight, Query()] = None,
) -> PlaybackInfo:
    """The plan for a browser that declares nothing (the POST takes a device profile)."""
    request = PlayRequest(
        audio=audio, burn_subtitle=burn_subtitle, max_bitrate=max_bitrate, max_height=max_height
    )
    return await services.streaming.playback_info(
        caller.user.id,
        caller.visible_libraries,
        item_id,
        request,
        WEB_PROFILE,
        file_id=file_id,
        part=part,
    )


@sessions.get("/{session_id}/" + MASTER_NAME, response_class=Response, responses=NOT_FOUND)
async def master_playlist(
    session_id: SessionIdPath, caller: CallerDep, services: ServicesDep
) -> Response:
    text = await services.streaming.master_playlist(caller.user.id, session_id)
    return playlist_response(text)


@sessions.get("/{session_id}/" + MEDIA_NAME, response_class=Response, responses=NOT_FOUND)
async def media_playlist(
    session_id: SessionIdPath, caller: CallerDep, services: ServicesDep
) -> Response:
    text = await services.streaming.media_playlist(caller.user.id, session_id)
    return playlist_response(text)


@sessions.get(
    "/{session_id}/segments/{number}.ts",
    response_class=Response,
    responses={
        **NOT_FOUND,
        502: {"description": "ffmpeg failed on this file (after a restart)."},
        503: {"description": "The segment was not made in time (see Retry-After)."},
    },
)
async def segment(
    session_id: SessionIdPath,
    number: Annotated[int, Path(ge=0, le=MAX_SEGMENT)],
    caller: CallerDep,
    services: ServicesDep,
) -> Response:
    """Segment `number` of the session (MPEG-TS), made now if need be: one far from what
    ffmpeg is making restarts it there."""
    path = await services.streaming.segment(caller.user.id, session_id, number)
    return segment_response(path)


@sessions.delete("/{session_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def stop_session(session_id: SessionIdPath, caller: CallerDep, services: ServicesDep) -> None:
    """End the session now (a player that stops): its ffmpeg and its segments go. An admin
    may end anyone's."""
    owner = None if caller.user.is_admin else caller.user.id
    await services.streaming.stop(owner, session_id)


@sessions.get("")
async def list_sessions(admin: AdminDep, services: ServicesDep) -> list[SessionStatus]:
    """Every session of this server process: who plays what, how, where, how fast."""
    return services.streaming.statuses()
