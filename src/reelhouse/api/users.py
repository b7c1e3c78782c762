"""Accounts, managed by admins."""

from __future__ import annotations

from fastapi import status

from reelhouse.api.deps import AdminDep, token_router
from reelhouse.api.schemas import (
    NewUserRequest,
    PasswordResetRequest,
    UserLibrariesRequest,
    UserOut,
)
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath

router = token_router("/users", tags=["users"])


@router.get("")
async def list_users(_admin: AdminDep, services: ServicesDep) -> list[UserOut]:
    return [
        UserOut.model_validate(u, from_attributes=True) for u in await services.users.list_users()
    ]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_user(body: NewUserRequest, _admin: AdminDep, services: ServicesDep) -> UserOut:
    user = await services.users.create_user(body.username, body.password, is_admin=body.is_admin)
    return UserOut.model_validate(user, from_attributes=True)


@router.get("/{user_id}")
async def get_user(user_id: RowIdPath, _admin: AdminDep, services: ServicesDep) -> UserOut:
    return UserOut.model_validate(await services.users.get_user(user_id), from_attributes=True)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(user_id: RowIdPath, admin: AdminDep, services: ServicesDep) -> None:
    await services.users.delete_user(admin, user_id)


@router.put("/{user_id}/libraries")
async def set_user_libraries(
    user_id: RowIdPath, body: UserLibrariesRequest, _admin: AdminDep, services: ServicesDep
) -> UserOut:
    """The libraries a plain user may see (admins see all)."""
    user = await services.users.set_user_libraries(user_id, body.library_ids)
    return UserOut.model_validate(user, from_attributes=True)


@router.put(
    "/{user_id}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: {"description": "Too short or too long, or the admin's own account."}},
)
async def reset_password(
    user_id: RowIdPath, body: PasswordResetRequest, admin: AdminDep, services: ServicesDep
) -> None:
    """Set another user's password (no current one needed); all their tokens are revoked."""
    await services.users.reset_password(admin, user_id, body.new_password)
