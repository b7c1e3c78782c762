"""The rest of what Sonarr's and Radarr's "Emby / Jellyfin" connection asks of a media server,
beside `POST /Library/Media/Updated` (in `webhooks`): their connection test, their notices, and
the lookup of a series' or a movie's folder that comes before every library update (an error
there and they never send the update). Emby's names and shapes, authenticated like it, by an
admin's API token.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import Field

from reelhouse.api.deps import MediaServerAdminDep
from reelhouse.api.webhooks import MediaServerModel
from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.errors import InvalidInputError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.infra.logging import get_logger
from reelhouse.ingest.libraries import ItemFolder
from reelhouse.kinds import ItemKind

log = get_logger(__name__)
router = APIRouter(tags=["media server"])

#: Emby's item types that reelhouse has, and its own kinds for them.
ITEM_TYPES = {"movie": ItemKind.MOVIE, "series": ItemKind.SERIES}
MAX_LIST_TEXT = 1000
YEAR = re.compile(r"[0-9]{1,4}")


class AdminNotice(MediaServerModel):
    name: str = Field(max_length=500)
    description: str | None = Field(default=None, max_length=10_000)


class ProviderIdsOut(MediaServerModel):
    # Emby sends ids as text; an id the item lacks is left out (Sonarr reads them as numbers,
    # and a null would fail there).
    tmdb: str | None = None
    tvdb: str | None = None
    imdb: str | None = None


class EmbyItemOut(MediaServerModel):
    id: str
    name: str
    type: str
    production_year: int | None = None
    path: str | None = None
    provider_ids: ProviderIdsOut


class EmbyItemsOut(MediaServerModel):
    items: list[EmbyItemOut]
    total_record_count: int
    start_index: int


def _item_out(found: ItemFolder) -> EmbyItemOut:
    item = found.item
    return EmbyItemOut(
        id=str(item.id),
        name=item.title,
        type=item.kind.value.capitalize(),
        production_year=item.year,
        path=found.folder,
        provider_ids=ProviderIdsOut(
            tmdb=None if item.tmdb_id is None else str(item.tmdb_id),
            tvdb=None if item.tvdb_id is None else str(item.tvdb_id),
            imdb=item.imdb_id,
        ),
    )


def _item_kinds(text: str | None) -> set[ItemKind]:
    if text is None:
        return set(ITEM_TYPES.values())
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ITEM_TYPES]
    if unknown or not names:
        raise InvalidInputError(
            f"item types are Movie and Series, not {text!r}", field="includeItemTypes"
        )
    return {ITEM_TYPES[name] for name in names}


def _years(text: str | None) -> set[int]:
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    if not all(YEAR.fullmatch(part) for part in parts):
        raise InvalidInputError(
            f"years are comma-separated numbers from 0 to 9999, not {text!r}", field="years"
        )
    return {int(part) for part in parts}


@router.get("/System/Configuration")
async def system_configuration(_admin: MediaServerAdminDep) -> dict[str, str]:
    """What Sonarr's and Radarr's connection test reads: it only checks that the token works."""
    return {"ServerName": "reelhouse"}


@router.post("/Notifications/Admin", status_code=status.HTTP_204_NO_CONTENT)
async def admin_notice(notice: AdminNotice, _admin: MediaServerAdminDep) -> Response:
    """A notice for the administrators (Sonarr's "grabbed", "downloaded", its test message):
    written to the log."""
    log.info("media server notice", name=notice.name, description=notice.description)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/Items", response_model_exclude_none=True)
async def items(
    _admin: MediaServerAdminDep,
    services: ServicesDep,
    configured: SettingsDep,
    include_item_types: Annotated[
        str | None,
        Query(alias="includeItemTypes", max_length=MAX_LIST_TEXT, description="Movie, Series."),
    ] = None,
    years: Annotated[
        str | None,
        Query(max_length=MAX_LIST_TEXT, description="Production years, comma-separated."),
    ] = None,
    start_index: Annotated[int, Query(alias="startIndex", ge=0, le=MAX_BIGINT)] = 0,
    limit: Annotated[
        int | None, Query(ge=1, description="At most `webhooks.max_items`, the default.")
    ] = None,
) -> EmbyItemsOut:
    """Movies and series by sort title, each with its folder and provider ids: how Sonarr
    and Radarr find the folder to name in their library update. The answer is always flat and
    always has `Path` and `ProviderIds` (what `recursive=true&fields=Path,ProviderIds` asks)."""
    most = configured.webhooks.max_items
    found, total = await services.libraries.item_folders(
        _item_kinds(include_item_types), _years(years), start_index, min(limit or most, most)
    )
    return EmbyItemsOut(
        items=[_item_out(item) for item in found],
        total_record_count=total,
        start_index=start_index,
    )
