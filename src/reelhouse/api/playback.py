"""Direct play: an item's file as it is on disk, with ranges (for players), the same file as a
download (as Jellyfin's `/Items/{id}/Download`), and its subtitle tracks as WebVTT."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.file_body import FileBodyResponse
from reelhouse.http.files import file_response
from reelhouse.http.hls import webvtt_response
from reelhouse.http.params import MAX_TRACK, RowIdPath
from reelhouse.infra.logging import get_logger

router = token_router("/items", tags=["playback"])
log = get_logger(__name__)

#: Longest stack a release splits a film into is a handful of parts; this bounds the input.
MAX_PART = 1000

FileId = Annotated[
    int | None,
    Query(
        alias="file",
        ge=1,
        le=MAX_BIGINT,
        description="The media file to play, one of the item's files (its versions and parts); "
        "by default the first part of its first version.",
    ),
]
Part = Annotated[
    int | None,
    Query(ge=1, le=MAX_PART, description="The stack part to play, from 1 (unless `file` is set)."),
]

_BYTES = {"schema": {"type": "string", "format": "binary"}}
_BODIES = {"video/*": _BYTES, "application/octet-stream": _BYTES}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": _BODIES, "description": "The whole file."},
    206: {"content": _BODIES, "description": "The one range asked for (`Range`)."},
    304: {"description": "The copy the client has (`If-None-Match`) is current."},
    404: {
        "description": "No such item, none the caller may see, no such file of it, or the file "
        "is gone from the disk or outside its library."
    },
    416: {"description": "The range asked for starts past the end of the file."},
}


@router.get("/{item_id}/stream", response_class=Response, responses=RESPONSES)
@router.head("/{item_id}/stream", response_class=Response, responses=RESPONSES)
async def stream_item(
    item_id: RowIdPath,
    caller: CallerDep,
    services: ServicesDep,
    settings: SettingsDep,
    request: Request,
    file_id: FileId = None,
    part: Part = None,
) -> Response:
    """The item's file, for a player: `Range` (one range), `If-Range`, `If-None-Match`."""
    return await _serve(
        request, caller, services, settings, item_id, file_id=file_id, part=part, download=False
    )


@router.get("/{item_id}/download", response_class=Response, responses=RESPONSES)
@router.head("/{item_id}/download", response_class=Response, responses=RESPONSES)
async def download_item(
    item_id: RowIdPath,
    caller: CallerDep,
    services: ServicesDep,
    settings: SettingsDep,
    request: Request,
    file_id: FileId = None,
    part: Part = None,
) -> Response:
    """The item's file as `stream` serves it, to be saved under its own name."""
    return await _serve(
        request, caller, services, settings, item_id, file_id=file_id, part=part, download=True
    )


@router.get(
    "/{item_id}/subtitles/{number}.vtt",
    response_class=Response,
    responses={
        200: {"content": {"text/vtt": {"schema": {"type": "string"}}}},
        404: {"description": "No such item, file or subtitle track, or the subtitle is gone."},
        422: {"description": "The track is images, or its text cannot be read."},
    },
)
async def subtitle_track(
    item_id: RowIdPath,
    number: Annotated[int, Path(ge=0, le=MAX_TRACK)],
    caller: CallerDep,
    services: ServicesDep,
    file_id: FileId = None,
    part: Part = None,
) -> Response:
    """Subtitle track `number` of the file (the `subtitles` of the item's files, embedded then
    external, number them) as WebVTT."""
    vtt = await services.playback.subtitle(
        item_id, caller.visible_libraries, number, file_id=file_id, part=part
    )
    return webvtt_response(vtt)


async def _serve(
    request: Request,
    caller: CallerDep,
    services: ServicesDep,
    settings: SettingsDep,
    item_id: int,
    *,
    file_id: int | None,
    part: int | None,
    download: bool,
) -> Response:
    opened = await services.playback.open_file(
        item_id, caller.visible_libraries, file_id=file_id, part=part
    )
    response = file_response(request, opened, settings.media, download=download)
    body = response if isinstance(response, FileBodyResponse) else None
    log.info(
        "direct play",
        user_id=caller.user.id,
        item_id=item_id,
        file_id=opened.media.id,
        method=request.method,
        status=int(response.status_code),
        range=response.headers.get("content-range"),
        planned_bytes=body.length if body is not None else 0,
        download=download,
        changed_since_scan=opened.changed_since_scan,
    )
    return response
