"""Who is calling, the way Jellyfin clients say it: the `MediaBrowser` authorization header
(also sent as `X-Emby-Authorization`), the `X-Emby-Token` / `X-MediaBrowser-Token` headers, or
an `ApiKey` / `api_key` query parameter. The token is a reelhouse token, checked by the same
`UsersService.authenticate` as the native API's Bearer tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request

from reelhouse.errors import AuthenticationError
from reelhouse.http.deps import app_services
from reelhouse.users.service import Principal

#: The schemes Jellyfin accepts in front of the parameters (Emby's older name too).
SCHEMES = ("mediabrowser", "emby")
#: `Key="quoted value"` or `Key=bare-value`, separated by commas and/or spaces.
_PARAMETER = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"?|([^,\s"]*))')
#: The query parameters a token may come in (matched case-insensitively, as Jellyfin does).
TOKEN_QUERY = ("apikey", "api_key")
#: Longest header value read; a longer one is not a client's.
MAX_HEADER = 8192


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What a client says of itself in its authorization header."""

    client: str = ""
    device: str = ""
    device_id: str = ""
    version: str = ""
    token: str = ""


@dataclass(frozen=True, slots=True)
class JellyfinCaller:
    """An authenticated caller, with the client and device they call from."""

    principal: Principal
    client: ClientInfo

    @property
    def user_id(self) -> int:
        return self.principal.user.id

    @property
    def visible(self) -> frozenset[int] | None:
        return self.principal.visible_libraries


def parse_authorization(value: str | None) -> dict[str, str] | None:
    """The parameters of a `MediaBrowser` (or `Emby`) authorization header, keys lower-cased,
    values unquoted and percent-decoded; None when the header is of another scheme."""
    if not value or len(value) > MAX_HEADER:
        return None
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() not in SCHEMES:
        return None
    found: dict[str, str] = {}
    for match in _PARAMETER.finditer(rest):
        key, quoted, bare = match.groups()
        found[key.lower()] = unquote(quoted if quoted is not None else bare)
    return found


def client_info(request: Request) -> ClientInfo:
    """The client's description of itself and its token, from wherever it put them."""
    headers = request.headers
    parameters = parse_authorization(headers.get("authorization")) or parse_authorization(
        headers.get("x-emby-authorization")
    )
    parameters = parameters or {}
    token = (
        headers.get("x-emby-token")
        or headers.get("x-mediabrowser-token")
        or parameters.get("token")
        or _query_token(request)
        or _bearer(headers.get("authorization"))
    )
    return ClientInfo(
        client=parameters.get("client", ""),
        device=parameters.get("device", ""),
        device_id=parameters.get("deviceid", ""),
        version=parameters.get("version", ""),
        token=token or "",
    )


def _query_token(request: Request) -> str | None:
    for name, value in request.query_params.multi_items():
        if name.lower() in TOKEN_QUERY and value:
            return value
    return None


def _bearer(value: str | None) -> str | None:
    scheme, _, token = (value or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def jellyfin_caller(request: Request) -> JellyfinCaller:
    info = client_info(request)
    if not info.token:
        raise AuthenticationError(
            "this request needs a token: `Authorization: MediaBrowser Token=...`, "
            "`X-Emby-Token` or `?ApiKey=`"
        )
    services = await app_services(request)
    return JellyfinCaller(await services.users.authenticate(info.token), info)


JellyfinCallerDep = Annotated[JellyfinCaller, Depends(jellyfin_caller)]
