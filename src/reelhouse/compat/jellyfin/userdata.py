"""Played marks and favourites, written through reelhouse's watch service (the native API's
`/api/me/items/{id}/played` and `/favourite`), answered with the item's new `UserData`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from reelhouse.bootstrap import Services
from reelhouse.compat.jellyfin.auth import JellyfinCaller, JellyfinCallerDep
from reelhouse.compat.jellyfin.dtos import UserItemData
from reelhouse.compat.jellyfin.ids import IdType, encode_id, item_id
from reelhouse.compat.jellyfin.mapping import user_data
from reelhouse.compat.jellyfin.routing import jellyfin_router
from reelhouse.compat.jellyfin.server import check_user, json_response
from reelhouse.http.deps import ServicesDep
from reelhouse.kinds import ItemKind

router = jellyfin_router()
ItemIdPath = Annotated[str, Path(alias="itemId", max_length=64)]
UserIdPath = Annotated[str, Path(alias="userId", max_length=64)]
RESPONSES: dict[int | str, dict[str, object]] = {404: {"description": "No such item."}}


async def changed(
    services: Services, caller: JellyfinCaller, item: str, *, played: bool | None = None,
    favourite: bool | None = None,
) -> Response:  # fmt: skip
    row_id = item_id(item)
    if played is not None:
        await services.watch.set_played(caller.user_id, caller.visible, row_id, played=played)
    if favourite is not None:
        await services.watch.set_favourite(
            caller.user_id, caller.visible, row_id, favourite=favourite
        )
    view = (await services.items.details(row_id, caller.visible)).item
    parents = [row_id] if view.kind in (ItemKind.SERIES, ItemKind.SEASON) else []
    state = (await services.watch.states_of(caller.user_id, [row_id], parents))[row_id]
    runtime = view.runtime_minutes * 60 if view.runtime_minutes else None
    return json_response(user_data(encode_id(IdType.ITEM, row_id), state, runtime).json_bytes())


@router.post("/UserPlayedItems/{itemId}", response_model=UserItemData, responses=RESPONSES)
async def mark_played(
    item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    return await changed(services, caller, item, played=True)


@router.delete("/UserPlayedItems/{itemId}", response_model=UserItemData, responses=RESPONSES)
async def mark_unplayed(
    item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    return await changed(services, caller, item, played=False)


@router.post("/UserFavoriteItems/{itemId}", response_model=UserItemData, responses=RESPONSES)
async def add_favourite(
    item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    return await changed(services, caller, item, favourite=True)


@router.delete("/UserFavoriteItems/{itemId}", response_model=UserItemData, responses=RESPONSES)
async def remove_favourite(
    item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    return await changed(services, caller, item, favourite=False)


@router.post(
    "/Users/{userId}/PlayedItems/{itemId}", response_model=UserItemData, responses=RESPONSES
)
async def user_mark_played(
    user_id: UserIdPath, item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    check_user(caller.user_id, user_id)
    return await changed(services, caller, item, played=True)


@router.delete(
    "/Users/{userId}/PlayedItems/{itemId}", response_model=UserItemData, responses=RESPONSES
)
async def user_mark_unplayed(
    user_id: UserIdPath, item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    check_user(caller.user_id, user_id)
    return await changed(services, caller, item, played=False)


@router.post(
    "/Users/{userId}/FavoriteItems/{itemId}", response_model=UserItemData, responses=RESPONSES
)
async def user_add_favourite(
    user_id: UserIdPath, item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    check_user(caller.user_id, user_id)
    return await changed(services, caller, item, favourite=True)


@router.delete(
    "/Users/{userId}/FavoriteItems/{itemId}", response_model=UserItemData, responses=RESPONSES
)
async def user_remove_favourite(
    user_id: UserIdPath, item: ItemIdPath, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    check_user(caller.user_id, user_id)
    return await changed(services, caller, item, favourite=False)
