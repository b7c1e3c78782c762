"""Browse series, their seasons and episodes."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.api.items import (
    LISTING_QUERY,
    ItemDetailOut,
    ListingDep,
    PageOut,
    detail_response,
    listing_response,
)
from reelhouse.content.reads.views import ItemSummary
from reelhouse.http.deps import ServicesDep
from reelhouse.http.encoded import JSONBody
from reelhouse.http.params import RowIdPath

router = token_router(tags=["tv"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such item."}}


@router.get("/series", response_model=PageOut[ItemSummary], openapi_extra=LISTING_QUERY.openapi)
async def list_series(
    params: ListingDep, caller: CallerDep, services: ServicesDep, request: Request
) -> JSONBody:
    return await listing_response(services.series, params, caller, request)


@router.get("/series/{series_id}", response_model=ItemDetailOut, responses=NOT_FOUND)
async def get_series(
    series_id: RowIdPath, caller: CallerDep, services: ServicesDep, request: Request
) -> JSONBody:
    return await detail_response(services.series, series_id, caller, request)


@router.get("/series/{series_id}/seasons", responses=NOT_FOUND)
async def list_seasons(
    series_id: RowIdPath, caller: CallerDep, services: ServicesDep
) -> list[ItemSummary]:
    seasons = await services.series.seasons(series_id, caller.visible_libraries)
    return list(seasons)


@router.get("/seasons/{season_id}", response_model=ItemDetailOut, responses=NOT_FOUND)
async def get_season(
    season_id: RowIdPath, caller: CallerDep, services: ServicesDep, request: Request
) -> JSONBody:
    return await detail_response(services.seasons, season_id, caller, request)


@router.get("/seasons/{season_id}/episodes", responses=NOT_FOUND)
async def list_episodes(
    season_id: RowIdPath, caller: CallerDep, services: ServicesDep
) -> list[ItemSummary]:
    episodes = await services.seasons.episodes(season_id, caller.visible_libraries)
    return list(episodes)


@router.get("/episodes/{episode_id}", response_model=ItemDetailOut, responses=NOT_FOUND)
async def get_episode(
    episode_id: RowIdPath, caller: CallerDep, services: ServicesDep, request: Request
) -> JSONBody:
    return await detail_response(services.episodes, episode_id, caller, request)
