"""Changing a password the way Jellyfin clients do: `POST /Users/Password` (the user in the
`userId` query, the caller by default) and its older `POST /Users/{userId}/Password`.

One's own password needs the current one (`CurrentPw`), as Jellyfin asks it even of admins;
an admin sets another user's without it. Both are reelhouse's own password change and reset
(`UsersService`), with their revocations: a user's own change keeps the token of the request,
an admin's reset revokes every token of that user. Jellyfin's `ResetPassword` (to no password
at all) is refused: a reelhouse account always has one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Path, Request, Response, status
from pydantic import Field

from reelhouse.bootstrap import Services
from reelhouse.compat.jellyfin.auth import JellyfinCaller, JellyfinCallerDep
from reelhouse.compat.jellyfin.ids import IdType, decode_id
from reelhouse.compat.jellyfin.params import JellyfinQuery, documented
from reelhouse.compat.jellyfin.profiles import JellyfinBody
from reelhouse.compat.jellyfin.routing import jellyfin_router
from reelhouse.config import PASSWORD_EDGE_MAX
from reelhouse.errors import MalformedRequestError, PermissionDeniedError
from reelhouse.http.deps import ServicesDep, client_address

router = jellyfin_router()
NO_CONTENT = status.HTTP_204_NO_CONTENT
RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "No NewPw, ResetPassword (an account always has one), a malformed id."},
    403: {"description": "A wrong CurrentPw, or another user's password without being admin."},
    404: {"description": "No such user."},
    422: {"description": "The new password is too short or too long."},
    429: {"description": "Too many failed logins for this account or address (Retry-After)."},
}
Password = Annotated[str | None, Field(max_length=PASSWORD_EDGE_MAX)]


class PasswordUpdate(JellyfinBody):
    """Jellyfin's `UpdateUserPassword`, as far as read (its `CurrentPassword`, a SHA-1 of the
    old one, is not: the plain `CurrentPw` is checked)."""

    current_pw: Password = None
    new_pw: Password = None
    reset_password: bool = False


UpdateBody = Annotated[PasswordUpdate, Body()]


async def updated(
    request: Request,
    services: Services,
    caller: JellyfinCaller,
    user_id: str | None,
    update: PasswordUpdate,
) -> Response:
    target = caller.user_id if user_id is None else decode_id(user_id, IdType.USER)[1]
    if update.reset_password:
        raise MalformedRequestError(
            "a reelhouse account always has a password: send NewPw", field="ResetPassword"
        )
    if update.new_pw is None:
        raise MalformedRequestError("a password change names its NewPw", field="NewPw")
    if target == caller.user_id:
        await services.users.change_password(
            caller.principal,
            update.current_pw or "",
            update.new_pw,
            client=client_address(request),
        )
    elif caller.principal.user.is_admin:
        await services.users.reset_password(caller.principal, target, update.new_pw)
    else:
        raise PermissionDeniedError("only an admin may set another user's password")
    return Response(status_code=NO_CONTENT)


@router.post(
    "/Users/Password",
    status_code=NO_CONTENT,
    responses=RESPONSES,
    openapi_extra=documented("userId"),
)
async def update_password(
    request: Request, update: UpdateBody, caller: JellyfinCallerDep, services: ServicesDep
) -> Response:
    """The password of the user `userId` names (the caller's own by default)."""
    user_id = JellyfinQuery(request).text("userId")
    return await updated(request, services, caller, user_id, update)


@router.post("/Users/{userId}/Password", status_code=NO_CONTENT, responses=RESPONSES)
async def update_password_of(
    request: Request,
    user_id: Annotated[str, Path(alias="userId", max_length=64)],
    update: UpdateBody,
    caller: JellyfinCallerDep,
    services: ServicesDep,
) -> Response:
    """The older spelling: the user in the path."""
    return await updated(request, services, caller, user_id, update)
