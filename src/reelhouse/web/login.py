"""Logging in and out of the page, with the API's users and login tokens."""

from __future__ import annotations

from contextlib import suppress
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reelhouse.errors import AuthenticationError, DomainError
from reelhouse.http.deps import ServicesDep, SettingsDep, client_address
from reelhouse.http.problems import status_for
from reelhouse.http.sessions import end_session, session_secret, start_session
from reelhouse.web.csrf import renew_csrf
from reelhouse.web.forms import Password
from reelhouse.web.recent import forget_recent
from reelhouse.web.render import PageRoute, local_path, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

EXPIRED = "Your session has expired. Log in again to go on."


@router.get("/login", response_class=HTMLResponse, response_model=None)
async def login_form(
    request: Request, services: ServicesDep, next: str = "/", expired: bool = False
) -> HTMLResponse | RedirectResponse:
    """The login form; while the server has no account, the setup wizard instead."""
    if await services.setup.needed():
        return RedirectResponse("/setup", HTTPStatus.SEE_OTHER)
    return render(
        request,
        "login.html",
        {"next": local_path(next), "username": "", "message": EXPIRED if expired else None},
    )


@router.post("/login", response_model=None)
async def login(
    request: Request,
    services: ServicesDep,
    configured: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Password = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """A login cookie and back to where the user was going; a wrong password keeps the name."""
    try:
        issued = await services.users.login(username, password, client=client_address(request))
    except DomainError as exc:
        return render(
            request,
            "login.html",
            {"next": local_path(next), "username": username, "error": exc.detail},
            status=status_for(exc).value,
        )
    response = RedirectResponse(local_path(next), HTTPStatus.SEE_OTHER)
    start_session(response, request, configured, issued.secret)
    renew_csrf(response, request, configured)
    return response


@router.post("/logout")
async def logout(
    request: Request, services: ServicesDep, configured: SettingsDep
) -> RedirectResponse:
    """Revoke the login token (when it is still valid) and forget the cookie."""
    secret = session_secret(request, configured.web)
    if secret is not None:
        # Expired or revoked already: then there is nothing left to revoke.
        with suppress(AuthenticationError):
            await services.users.logout(await services.users.authenticate(secret))
    response = RedirectResponse("/login", HTTPStatus.SEE_OTHER)
    end_session(response, request, configured.web)
    forget_recent(response, request, configured.web)
    return response
