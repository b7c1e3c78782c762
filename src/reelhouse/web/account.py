"""The viewer's own account page: their login and API tokens and their password, for any user
(not an admin page).

A token's secret is shown once, in the answer that made it; a refused name is shown again with
what is wrong, under the form it came from. Passwords are never shown back.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.errors import DomainError, InvalidInputError
from reelhouse.http.deps import ServicesDep, client_address
from reelhouse.http.params import RowIdPath
from reelhouse.users.service import Principal
from reelhouse.web.deps import ViewerDep
from reelhouse.web.forms import Password, Text, form_page, see
from reelhouse.web.render import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _tokens_page(
    request: Request,
    viewer: Principal,
    services: ServicesDep,
    *,
    issued: str | None = None,
    name: str = "",
    error: DomainError | None = None,
    failed: Literal["token", "password"] = "token",
) -> HTMLResponse:
    return form_page(
        request,
        "account.html",
        {
            "tokens": await services.users.list_tokens(viewer),
            "issued": issued,
            "name": name,
            "failed": failed,
        },
        principal=viewer,
        error=error,
    )


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, viewer: ViewerDep, services: ServicesDep) -> HTMLResponse:
    """The viewer's own login and API tokens, and their password."""
    return await _tokens_page(request, viewer, services)


@router.post("/account/tokens", response_class=HTMLResponse)
async def create_token(
    request: Request, viewer: ViewerDep, services: ServicesDep, name: Text = ""
) -> HTMLResponse:
    """A new API token, whose secret this answer shows once (it is not kept)."""
    try:
        issued = await services.users.create_api_token(viewer, name)
    except DomainError as exc:
        return await _tokens_page(request, viewer, services, name=name, error=exc)
    return await _tokens_page(request, viewer, services, issued=issued.secret)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(
    token_id: RowIdPath, viewer: ViewerDep, services: ServicesDep
) -> RedirectResponse:
    await services.users.revoke_token(viewer, token_id)
    return see("/account", "token-revoked")


@router.post("/account/password", response_model=None)
async def change_password(
    request: Request,
    viewer: ViewerDep,
    services: ServicesDep,
    current_password: Password = "",
    new_password: Password = "",
    new_password_again: Password = "",
) -> HTMLResponse | RedirectResponse:
    """A new password, proven by the current one; this browser stays logged in, every other
    login and token of the viewer is revoked."""
    try:
        if new_password != new_password_again:
            raise InvalidInputError("the two new passwords differ", field="new_password_again")
        await services.users.change_password(
            viewer, current_password, new_password, client=client_address(request)
        )
    except DomainError as exc:
        return await _tokens_page(request, viewer, services, error=exc, failed="password")
    return see("/account", "password-changed")
