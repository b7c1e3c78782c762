"""The caller's own watch state (`/api/me/...`): positions, played marks, favourites, ratings,
and what they make: Continue Watching, Next Up, recently watched, favourites, history, stats.
Nobody reads or writes another user's state: every route is about the caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, status
from pydantic import BaseModel, ConfigDict, Field

from reelhouse.api.deps import CallerDep, token_router
from reelhouse.content.catalogue.models import MAX_BIGINT
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import PlayerReport, RowId, RowIdPath
from reelhouse.watch.service import MAX_LIST
from reelhouse.watch.views import HistoryEntry, UserState, WatchedItem, WatchStats

router = token_router("/me", tags=["watch state"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIST)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such item, or none the caller may see."}
}


class ProgressIn(PlayerReport):
    """A player's report, every few seconds and when it stops."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    rating: float = Field(ge=0, le=10, allow_inf_nan=False)


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    next_before: int | None = Field(description="Pass as `before` for the next page.")


@router.get("/continue-watching")
async def continue_watching(
    caller: CallerDep, services: ServicesDep, limit: Limit = 20
) -> list[WatchedItem]:
    """Items in progress (with a file to play), most recently watched first."""
    found = await services.watch.continue_watching(caller.user.id, caller.visible_libraries, limit)
    return list(found)


@router.get("/next-up")
async def next_up(caller: CallerDep, services: ServicesDep, limit: Limit = 20) -> list[WatchedItem]:
    """For each series watched lately, the next episode to watch."""
    return list(await services.watch.next_up(caller.user.id, caller.visible_libraries, limit))


@router.get("/recently-watched")
async def recently_watched(
    caller: CallerDep, services: ServicesDep, limit: Limit = 20
) -> list[WatchedItem]:
    found = await services.watch.recently_watched(caller.user.id, caller.visible_libraries, limit)
    return list(found)


@router.get("/favourites")
async def favourites(
    caller: CallerDep, services: ServicesDep, limit: Limit = MAX_LIST
) -> list[WatchedItem]:
    return list(await services.watch.favourites(caller.user.id, caller.visible_libraries, limit))


@router.get("/history")
async def history(
    caller: CallerDep,
    services: ServicesDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_BIGINT)] = None,
    limit: Limit = 50,
) -> HistoryPage:
    """What the caller finished, newest first, a page at a time."""
    entries, next_before = await services.watch.history(
        caller.user.id, caller.visible_libraries, before_id=before, limit=limit
    )
    return HistoryPage(items=entries, next_before=next_before)


@router.get("/stats")
async def stats(caller: CallerDep, services: ServicesDep) -> WatchStats:
    return await services.watch.stats(caller.user.id)


@router.get("/unplayed-counts")
async def unplayed_counts(
    caller: CallerDep,
    services: ServicesDep,
    item_id: Annotated[list[RowId], Query(max_length=MAX_LIST)],
) -> dict[int, int]:
    """Unplayed episodes of each season or series asked for (others count 0)."""
    return await services.watch.unplayed_counts(caller.user.id, item_id)


@router.get("/items/{item_id}/state", responses=NOT_FOUND)
async def item_state(item_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> UserState:
    return await services.watch.state(caller.user.id, caller.visible_libraries, item_id)


@router.post(
    "/items/{item_id}/progress", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def report_progress(
    item_id: RowIdPath, body: ProgressIn, caller: CallerDep, services: ServicesDep
) -> None:
    """Where the caller's player is in a movie or episode; answered once it is stored."""
    await services.watch.report_progress(
        caller.user.id, caller.visible_libraries, item_id, body.position_s, stopped=body.stopped
    )


@router.post("/items/{item_id}/played", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def mark_played(item_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> None:
    """Mark the item played (a season or series: all of its episodes)."""
    await services.watch.set_played(caller.user.id, caller.visible_libraries, item_id, played=True)


@router.delete(
    "/items/{item_id}/played", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def mark_unplayed(item_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> None:
    await services.watch.set_played(caller.user.id, caller.visible_libraries, item_id, played=False)


@router.post(
    "/items/{item_id}/favourite", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def add_favourite(item_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> None:
    await services.watch.set_favourite(
        caller.user.id, caller.visible_libraries, item_id, favourite=True
    )


@router.delete(
    "/items/{item_id}/favourite", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def remove_favourite(item_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> None:
    await services.watch.set_favourite(
        caller.user.id, caller.visible_libraries, item_id, favourite=False
    )


@router.put("/items/{item_id}/rating", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def rate(
    item_id: RowIdPath, body: RatingIn, caller: CallerDep, services: ServicesDep
) -> None:
    """The caller's own rating, 0 to 10."""
    await services.watch.set_rating(caller.user.id, caller.visible_libraries, item_id, body.rating)


@router.delete(
    "/items/{item_id}/rating", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def unrate(item_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> None:
    await services.watch.set_rating(caller.user.id, caller.visible_libraries, item_id, None)
