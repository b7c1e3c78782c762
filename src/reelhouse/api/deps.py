"""Who is calling the API: a token, or for a read the web page's login cookie; an admin; an admin
of a stand-in media server. And the routers under `/api` that check it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reelhouse.errors import AuthenticationError, PermissionDeniedError
from reelhouse.http.deps import ServicesDep, app_services, app_settings
from reelhouse.http.sessions import SAFE_METHODS, session_secret
from reelhouse.users.service import Principal

_bearer = HTTPBearer(auto_error=False, description="A login or API token (`rh_...`).")
#: The `Authorization: Bearer` credentials, when sent.
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # The services and settings straight from the app, not as dependencies: FastAPI works out
    # each dependency of this one again wherever it is used, and nearly every route uses it.
    services, configured = await app_services(request), await app_settings(request)
    if credentials is not None:
        return await services.users.authenticate(credentials.credentials)
    cookie = session_secret(request, configured.web)
    if cookie is not None and request.method in SAFE_METHODS:
        # The web page's own reads (its images, its job event streams) carry its login
        # cookie; a change never goes by cookie alone, which another site's form could send.
        return await services.users.authenticate(cookie)
    raise AuthenticationError("this request needs an `Authorization: Bearer` token")


CallerDep = Annotated[Principal, Depends(current_principal)]


async def admin_principal(principal: CallerDep) -> Principal:
    if not principal.user.is_admin:
        raise PermissionDeniedError("only an admin may do this")
    return principal


AdminDep = Annotated[Principal, Depends(admin_principal)]


async def media_server_admin(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    emby_token: Annotated[str | None, Header(alias="X-Emby-Token")] = None,
    media_browser_token: Annotated[str | None, Header(alias="X-MediaBrowser-Token")] = None,
    api_key: Annotated[str | None, Query(description="An admin's API token.")] = None,
) -> Principal:
    """An admin, by a token sent the way Emby and Jellyfin clients send theirs (for routes that
    stand in for an Emby server), or as a Bearer token."""
    bearer_token = credentials.credentials if credentials is not None else None
    token = emby_token or media_browser_token or api_key or bearer_token
    if not token:
        raise AuthenticationError(
            "this request needs a token: `X-Emby-Token`, `X-MediaBrowser-Token`, `?api_key=` "
            "or `Authorization: Bearer`"
        )
    return await admin_principal(await services.users.authenticate(token))


MediaServerAdminDep = Annotated[Principal, Depends(media_server_admin)]


API_PREFIX = "/api"


def token_router(prefix: str = "", **options: Any) -> APIRouter:
    """A router under `/api` whose every route needs a token.

    Its routes carry the full path and the check themselves, so the app holds them as they are:
    FastAPI matches the routes of an included router again at every level of inclusion, a cost
    every request pays."""
    return APIRouter(
        prefix=API_PREFIX + prefix, dependencies=[Depends(current_principal)], **options
    )


def open_router(prefix: str = "", **options: Any) -> APIRouter:
    """A router under `/api` that needs no token (logging in; the webhook checks its secret)."""
    return APIRouter(prefix=API_PREFIX + prefix, **options)
