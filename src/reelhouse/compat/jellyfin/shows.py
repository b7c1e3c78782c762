"""TV as Jellyfin clients browse it: a series' seasons and episodes, and Next Up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from reelhouse.compat.jellyfin.auth import JellyfinCallerDep
from reelhouse.compat.jellyfin.browse import Paging, fields_of, mapper, result
from reelhouse.compat.jellyfin.dtos import BaseItem, QueryResult
from reelhouse.compat.jellyfin.ids import IdType, item_id
from reelhouse.compat.jellyfin.params import JellyfinQuery, documented
from reelhouse.compat.jellyfin.routing import jellyfin_router
from reelhouse.content.reads.views import ItemView
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.watch.service import MAX_LIST

router = jellyfin_router()
SeriesPath = Annotated[str, Path(alias="seriesId", max_length=64)]


@router.get("/Shows/{seriesId}/Seasons", response_model=QueryResult[BaseItem])
async def seasons(
    series: SeriesPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    found = await services.series.seasons(item_id(series), caller.visible)
    dtos = await mapper(services, settings, caller).items(found, fields_of(JellyfinQuery(request)))
    return result(dtos, len(dtos))


@router.get(
    "/Shows/{seriesId}/Episodes",
    response_model=QueryResult[BaseItem],
    openapi_extra=documented("seasonId", "season", "startItemId", "startIndex", "limit", "fields"),
)
async def episodes(
    series: SeriesPath,
    request: Request,
    caller: JellyfinCallerDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    """A series' episodes in aired order, of one season (`seasonId` or `season`) or all, from
    `startItemId` on when given."""
    query = JellyfinQuery(request)
    all_seasons = await services.series.seasons(item_id(series), caller.visible)
    season = query.id("seasonId", IdType.ITEM)
    number = query.integer("season")
    chosen = [
        s
        for s in all_seasons
        if (season is None or s.id == season[1]) and (number is None or s.index_number == number)
    ]
    found: list[ItemView] = []
    for one in chosen:
        found += await services.seasons.episodes(one.id, caller.visible)
    start = query.id("startItemId", IdType.ITEM)
    if start is not None:
        at = next((i for i, e in enumerate(found) if e.id == start[1]), 0)
        found = found[at:]
    paging = Paging.of(query, settings)
    dtos = await mapper(services, settings, caller).items(paging.slice(found), fields_of(query))
    return result(dtos, len(found), paging.start)


@router.get(
    "/Shows/NextUp",
    response_model=QueryResult[BaseItem],
    openapi_extra=documented("seriesId", "parentId", "startIndex", "limit", "fields"),
)
async def next_up(
    request: Request, caller: JellyfinCallerDep, services: ServicesDep, settings: SettingsDep
) -> Response:
    """reelhouse's Next Up: for each series watched lately, the next episode."""
    query = JellyfinQuery(request)
    paging = Paging.of(query, settings)
    series = query.id("seriesId", IdType.ITEM)
    library = query.id("parentId", IdType.LIBRARY)
    watched = await services.watch.next_up(
        caller.user_id, caller.visible, min(paging.start + paging.limit, MAX_LIST)
    )
    found = [
        w.item
        for w in watched
        if (series is None or w.item.series_id == series[1])
        and (library is None or w.item.library_id == library[1])
    ]
    states = {w.item.id: w.state for w in watched}
    dtos = await mapper(services, settings, caller).items(
        paging.slice(found), fields_of(query), states
    )
    return result(dtos, len(found), paging.start)
