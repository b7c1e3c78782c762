"""Who is looking at a page: the login cookie, as the API's users service knows it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reelhouse.errors import AuthenticationError, PermissionDeniedError
from reelhouse.http.deps import ServicesDep, SettingsDep
from reelhouse.http.sessions import session_secret
from reelhouse.users.service import Principal


async def page_principal(
    request: Request, services: ServicesDep, configured: SettingsDep
) -> Principal:
    """The logged-in user; `AuthenticationError` (the login page) otherwise."""
    secret = session_secret(request, configured.web)
    if secret is None:
        raise AuthenticationError("log in first")
    return await services.users.authenticate(secret)


ViewerDep = Annotated[Principal, Depends(page_principal)]


async def page_admin(viewer: ViewerDep) -> Principal:
    if not viewer.user.is_admin:
        raise PermissionDeniedError("only an admin may open this page")
    return viewer


AdminViewerDep = Annotated[Principal, Depends(page_admin)]
