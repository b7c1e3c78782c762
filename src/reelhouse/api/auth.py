"""Login, logout, the caller's own account and tokens."""

from __future__ import annotations

from fastapi import Request, status

from reelhouse.api.deps import CallerDep, open_router, token_router
from reelhouse.api.schemas import (
    IssuedTokenOut,
    LoginRequest,
    NewTokenRequest,
    PasswordChangeRequest,
    TokenOut,
    UserOut,
)
from reelhouse.http.deps import ServicesDep, client_address
from reelhouse.http.params import RowIdPath
from reelhouse.users.service import IssuedToken

public_router = open_router("/auth", tags=["auth"])
router = token_router(tags=["auth"])


def issued(token: IssuedToken) -> IssuedTokenOut:
    details = TokenOut.model_validate(token.info, from_attributes=True)
    return IssuedTokenOut(token=token.secret, details=details)


@public_router.post(
    "/login",
    responses={
        401: {"description": "Wrong username or password."},
        429: {"description": "Too many failed logins for this account or address (Retry-After)."},
    },
)
async def login(body: LoginRequest, services: ServicesDep, request: Request) -> IssuedTokenOut:
    """Exchange a username and password for a login token."""
    return issued(
        await services.users.login(body.username, body.password, client=client_address(request))
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(caller: CallerDep, services: ServicesDep) -> None:
    """Revoke the token this request was made with."""
    await services.users.logout(caller)


@router.get("/users/me")
async def me(caller: CallerDep) -> UserOut:
    return UserOut.model_validate(caller.user, from_attributes=True)


@router.put(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        403: {"description": "The current password is wrong (counted as a failed login)."},
        422: {"description": "The new password is too short or too long."},
        429: {"description": "Too many failed logins for this account or address (Retry-After)."},
    },
)
async def change_password(
    body: PasswordChangeRequest, caller: CallerDep, services: ServicesDep, request: Request
) -> None:
    """Change the caller's own password; every other token of theirs is revoked, the one of
    this request stays."""
    await services.users.change_password(
        caller, body.current_password, body.new_password, client=client_address(request)
    )


@router.get("/tokens")
async def list_tokens(caller: CallerDep, services: ServicesDep) -> list[TokenOut]:
    tokens = await services.users.list_tokens(caller)
    return [TokenOut.model_validate(token, from_attributes=True) for token in tokens]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(
    body: NewTokenRequest, caller: CallerDep, services: ServicesDep
) -> IssuedTokenOut:
    """A long-lived API token for a script or an app; its secret is shown once."""
    return issued(await services.users.create_api_token(caller, body.name))


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: RowIdPath, caller: CallerDep, services: ServicesDep) -> None:
    await services.users.revoke_token(caller, token_id)
