"""The server's identity and the caller's account, as Jellyfin clients ask for them before
anything else: public system info, login by name and password, the user, logout, and the few
settings calls they make at start (answered with defaults, as a fresh Jellyfin would)."""

from __future__ import annotations

import hashlib
import json
import platform
from typing import Annotated, Any

from fastapi import Body, Path, Request, Response, status

from reelhouse import __version__
from reelhouse.compat.jellyfin.auth import JellyfinCallerDep, client_info
from reelhouse.compat.jellyfin.dtos import (
    AuthenticationResult,
    BrandingOptions,
    PublicSystemInfo,
    SessionInfo,
    SystemInfo,
    User,
    UserPolicy,
)
from reelhouse.compat.jellyfin.ids import IdType, decode_id, encode_id
from reelhouse.compat.jellyfin.routing import jellyfin_router
from reelhouse.config import Settings, mask_url
from reelhouse.errors import MalformedRequestError, PermissionDeniedError
from reelhouse.http.deps import ServicesDep, SettingsDep, client_address
from reelhouse.users.service import UserInfo

#: The Jellyfin API version whose shapes this layer answers with (clients check it).
JELLYFIN_VERSION = "10.10.7"
#: What clients read as the product; some refuse a server that is not "Jellyfin Server".
PRODUCT_NAME = "Jellyfin Server"

router = jellyfin_router()
#: Path parameters under Jellyfin's names; ids are checked by `decode_id`.
UserIdPath = Annotated[str, Path(alias="userId", max_length=64)]
PreferencesPath = Annotated[str, Path(alias="displayPreferencesId", max_length=64)]


def server_id(settings: Settings) -> str:
    """The server's id: set, or derived from the database (every process over one database
    is one server), never from anything secret."""
    if settings.jellyfin.server_id:
        return settings.jellyfin.server_id
    source = f"reelhouse:{mask_url(settings.database_url)}"
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def json_response(body: bytes | str, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")


def user_dto(user: UserInfo, settings: Settings) -> User:
    return User(
        name=user.username,
        server_id=server_id(settings),
        id=encode_id(IdType.USER, user.id),
        policy=UserPolicy(
            is_administrator=user.is_admin,
            enable_all_folders=user.is_admin,
            enabled_folders=[encode_id(IdType.LIBRARY, i) for i in user.library_ids],
        ),
    )


def _public_info(request: Request, settings: Settings) -> dict[str, Any]:
    return {
        "local_address": str(request.base_url).rstrip("/"),
        "server_name": settings.jellyfin.server_name,
        "version": JELLYFIN_VERSION,
        "product_name": PRODUCT_NAME,
        "operating_system": platform.system(),
        "id": server_id(settings),
    }


@router.get("/System/Info/Public", response_model=PublicSystemInfo)
async def public_info(request: Request, settings: SettingsDep) -> Response:
    """Who this server is, before any login: clients check it to accept the address."""
    return json_response(PublicSystemInfo(**_public_info(request, settings)).json_bytes())


@router.get("/System/Info", response_model=SystemInfo)
async def system_info(
    _caller: JellyfinCallerDep, request: Request, settings: SettingsDep
) -> Response:
    """The same with a token: clients use it to check that their token still works."""
    info = SystemInfo(
        **_public_info(request, settings),
        operating_system_display_name=f"{platform.system()} (reelhouse {__version__})",
    )
    return json_response(info.json_bytes())


@router.get("/System/Ping", response_model=str)
@router.post("/System/Ping", response_model=str)
async def ping() -> Response:
    return json_response(json.dumps(PRODUCT_NAME))


@router.get("/Branding/Configuration", response_model=BrandingOptions)
async def branding() -> Response:
    return json_response(BrandingOptions().json_bytes())


@router.get("/QuickConnect/Enabled", response_model=bool)
async def quick_connect_enabled() -> Response:
    """Quick Connect (a code shown on one device, approved on another) is not offered."""
    return json_response(b"false")


@router.get("/Users/Public", response_model=list[User])
async def public_users() -> Response:
    """No account is listed before login, as Jellyfin hides users unless told otherwise."""
    return json_response(b"[]")


@router.post(
    "/Users/AuthenticateByName",
    response_model=AuthenticationResult,
    responses={401: {"description": "Wrong username or password."}},
)
async def authenticate_by_name(
    request: Request,
    services: ServicesDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any], Body()],
) -> Response:
    """Log in with a reelhouse account: the token is named after the client and device and
    replaces the one that device had (`UsersService.login_device`)."""
    fields = {str(k).lower(): v for k, v in body.items()}
    username, password = fields.get("username"), fields.get("pw", fields.get("password"))
    if not isinstance(username, str) or not isinstance(password, str):
        raise MalformedRequestError("a login has a Username and a Pw", field="Username")
    client = client_info(request)
    name = " on ".join(filter(None, (client.client, client.device))) or "Jellyfin client"
    device_id = client.device_id or name
    issued = await services.users.login_device(
        username, password, name=name, device_id=device_id, client=client_address(request)
    )
    principal = await services.users.authenticate(issued.secret)
    user = user_dto(principal.user, settings)
    result = AuthenticationResult(
        user=user,
        session_info=SessionInfo(
            id=hashlib.sha256(issued.secret.encode()).hexdigest()[:32],
            user_id=user.id,
            user_name=user.name,
            client=client.client,
            device_name=client.device,
            device_id=client.device_id,
            application_version=client.version,
            server_id=user.server_id,
        ),
        access_token=issued.secret,
        server_id=user.server_id,
    )
    return json_response(result.json_bytes())


@router.post("/Sessions/Logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(caller: JellyfinCallerDep, services: ServicesDep) -> Response:
    """Revoke the token of this request (the device's login)."""
    await services.users.logout(caller.principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/Users/Me", response_model=User)
async def me(caller: JellyfinCallerDep, settings: SettingsDep) -> Response:
    return json_response(user_dto(caller.principal.user, settings).json_bytes())


def check_user(caller_id: int, user_id: str) -> None:
    """A `{userId}` of the older routes names the caller: everyone's state is their own."""
    if decode_id(user_id, IdType.USER)[1] != caller_id:
        raise PermissionDeniedError("this is another user's; ask with your own user id")


@router.get("/Users/{userId}", response_model=User)
async def user(user_id: UserIdPath, caller: JellyfinCallerDep, settings: SettingsDep) -> Response:
    check_user(caller.user_id, user_id)
    return json_response(user_dto(caller.principal.user, settings).json_bytes())


@router.post("/Sessions/Capabilities", status_code=status.HTTP_204_NO_CONTENT)
@router.post("/Sessions/Capabilities/Full", status_code=status.HTTP_204_NO_CONTENT)
async def capabilities(_caller: JellyfinCallerDep) -> Response:
    """What a client can be remote-controlled to do: noted by Jellyfin, not needed here."""
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/DisplayPreferences/{displayPreferencesId}")
async def display_preferences(
    preferences_id: PreferencesPath, _caller: JellyfinCallerDep
) -> Response:
    """A client's view settings (sort order, home sections): the defaults, as on a fresh
    Jellyfin; what clients save is not kept."""
    preferences = {
        "Id": preferences_id,
        "SortBy": "SortName",
        "SortOrder": "Ascending",
        "RememberIndexing": False,
        "PrimaryImageHeight": 250,
        "PrimaryImageWidth": 250,
        "CustomPrefs": {},
        "ScrollDirection": "Horizontal",
        "ShowBackdrop": True,
        "RememberSorting": False,
        "ShowSidebar": False,
        "Client": "emby",
    }
    return json_response(json.dumps(preferences))


@router.post("/DisplayPreferences/{displayPreferencesId}", status_code=204)
async def save_display_preferences(
    _preferences_id: PreferencesPath, _caller: JellyfinCallerDep
) -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)
