"""The viewer's own account page: their login and API tokens, for any user (not an admin page).

A token's secret is shown once, in the answer that made it; a refused name is shown again with
what is wrong.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.errors import DomainError
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath
from reelhouse.users.service import Principal
from reelhouse.web.deps import ViewerDep
from reelhouse.web.forms import Text, form_page, see
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
) -> HTMLResponse:
    return form_page(
        request,
        "account.html",
        {
            "tokens": await services.users.list_tokens(viewer),
            "issued": issued,
            "name": name,
        },
        principal=viewer,
        error=error,
    )


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, viewer: ViewerDep, services: ServicesDep) -> HTMLResponse:
    """The viewer's own login and API tokens."""
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
