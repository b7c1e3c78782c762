"""The setup wizard's API: whether the server still needs setting up, the first admin, live checks
of provider keys, and the server's folders to choose libraries from.

The first admin needs the wizard's access (no account yet; the caller on the server itself, or
the setup code in `X-Setup-Code`). The key checks and the folder browser take an admin's token
(or, for a read, the page's login cookie) as well, since the wizard goes on as that admin; once
the server is set up, they are an admin's alone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, status
from pydantic import BaseModel, Field, SecretStr

from reelhouse.api.auth import issued
from reelhouse.api.deps import (
    BearerCredentials,
    admin_principal,
    current_principal,
    open_router,
)
from reelhouse.api.schemas import Body, IssuedTokenOut, LoginRequest
from reelhouse.content.metadata.credentials import CredentialStatus, KeyedProvider
from reelhouse.errors import AuthenticationError
from reelhouse.http.deps import ServicesDep, SettingsDep, client_address, from_loopback
from reelhouse.http.params import NO_NUL, PathText
from reelhouse.http.sessions import SAFE_METHODS, session_secret

router = open_router("/setup", tags=["setup"])

SetupCodeHeader = Annotated[
    str | None,
    Header(
        alias="X-Setup-Code",
        max_length=64,
        description="The one-time setup code the server printed on its console at start "
        "(needed from another machine only).",
    ),
]


class SetupStateOut(BaseModel):
    needed: bool = Field(description="The server has no account yet: the wizard is open.")
    code_required: bool = Field(
        description="This caller must send the setup code (it is not on the server itself)."
    )


class KeyCheckRequest(Body):
    provider: KeyedProvider
    api_key: str | None = Field(
        None,
        max_length=1024,
        pattern=NO_NUL,
        description="The TMDb API key or read access token, or TheTVDB key; left out: the one "
        "the server is configured with.",
    )
    pin: str | None = Field(
        None, max_length=64, pattern=NO_NUL, description="TheTVDB subscriber PIN."
    )


class KeyCheckOut(BaseModel):
    provider: KeyedProvider
    status: CredentialStatus
    detail: str = Field(description="What the provider said, for a person.")


class FolderOut(BaseModel):
    name: str
    path: str
    readable: bool


class FolderListingOut(BaseModel):
    path: str
    parent: str | None
    folders: list[FolderOut]
    more: int = Field(description="Subfolders past `web.folders_shown`, not listed.")


async def wizard_or_admin(
    request: Request,
    services: ServicesDep,
    credentials: BearerCredentials,
    code: SetupCodeHeader = None,
) -> None:
    """An admin (token, or the page's cookie for a read); without either, a caller the wizard
    admits while the server has no account, and nobody once it has one."""
    settings = request.app.state.settings
    cookie = session_secret(request, settings.web) if request.method in SAFE_METHODS else None
    if credentials is not None or cookie is not None:
        await admin_principal(await current_principal(request, credentials))
        return
    if not await services.setup.needed():
        raise AuthenticationError("this request needs an admin's `Authorization: Bearer` token")
    await services.setup.admit(
        from_loopback=from_loopback(request), code=code, client=client_address(request)
    )


WizardOrAdmin = Depends(wizard_or_admin)


@router.get("")
async def setup_state(request: Request, services: ServicesDep) -> SetupStateOut:
    """Whether the server still needs setting up, and whether this caller needs the code."""
    needed = await services.setup.needed()
    return SetupStateOut(needed=needed, code_required=needed and not from_loopback(request))


@router.post(
    "/admin",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "From another machine, without a live setup code."},
        409: {"description": "The server has an account already: log in."},
    },
)
async def create_first_admin(
    body: LoginRequest, request: Request, services: ServicesDep, code: SetupCodeHeader = None
) -> IssuedTokenOut:
    """The first account, an admin, and a login token for it; every setup code is used up."""
    token = await services.setup.create_first_admin(
        body.username,
        body.password,
        from_loopback=from_loopback(request),
        code=code,
        client=client_address(request),
    )
    return issued(token)


@router.post("/provider-keys/check", dependencies=[WizardOrAdmin])
async def check_provider_key(body: KeyCheckRequest, services: ServicesDep) -> KeyCheckOut:
    """Ask the provider whether it takes the key: `ok`, `invalid` (refused), `no_network`,
    `rate_limited` or `unexpected`, with what it said. Nothing is saved."""
    checked = await services.provider_keys.check(
        body.provider,
        None if body.api_key is None else SecretStr(body.api_key),
        None if body.pin is None else SecretStr(body.pin),
    )
    return KeyCheckOut(provider=body.provider, status=checked.status, detail=checked.detail)


@router.get(
    "/folders",
    dependencies=[WizardOrAdmin],
    responses={422: {"description": "The folder does not exist or the server cannot read it."}},
)
async def list_folders(
    services: ServicesDep,
    configured: SettingsDep,
    path: Annotated[PathText, Query(description="An absolute folder path.")] = "/",
) -> FolderListingOut:
    """The subfolders of a folder on the server (hidden ones left out), to choose library
    folders from; one the server cannot read is refused with the reason."""
    listing = await services.libraries.browse(path, limit=configured.web.folders_shown)
    return FolderListingOut(
        path=listing.path,
        parent=listing.parent,
        folders=[FolderOut(name=f.name, path=f.path, readable=f.readable) for f in listing.folders],
        more=listing.more,
    )
