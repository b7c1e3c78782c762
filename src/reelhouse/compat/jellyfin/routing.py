"""How requests reach the Jellyfin routes: Jellyfin matches paths in any case (clients ask for
`/system/info/public` and `/Items/{id}/Images/Primary` alike), and its `/Items` shares a path
with the folder lookup Sonarr and Radarr make of an "Emby" server (`api/media_server.py`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from reelhouse.compat.jellyfin.auth import SCHEMES

#: Paths under these are reelhouse's own, never Jellyfin's.
NATIVE_PREFIXES = ("/api/", "/static/", "/health/", "/metrics")


def _describes_client(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name in (b"authorization", b"x-emby-authorization"):
            scheme = value.split(b" ", 1)[0].decode("latin-1").lower()
            if scheme in SCHEMES:
                return True
    return False


class ClientRoute(APIRoute):
    """A route for callers that describe themselves as Jellyfin clients do (an `Authorization:
    MediaBrowser ...` header). Others fall through to the next route of the same path: a bare
    token on `GET /Items` is Sonarr's or Radarr's folder lookup."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and not _describes_client(scope):
            return Match.NONE, {}
        return match, child


def jellyfin_router(**options: Any) -> APIRouter:
    return APIRouter(tags=["jellyfin"], **options)


class CaseInsensitivePaths:
    """Rewrites a request path to the spelling of the Jellyfin route it names in another case
    (`/users/authenticatebyname` → `/Users/AuthenticateByName`), path parameters kept as
    sent; reelhouse's own paths are left alone."""

    def __init__(self, app: ASGIApp, routes: tuple[BaseRoute, ...]) -> None:
        self.app = app
        self._templates: dict[int, list[tuple[str | None, ...]]] = {}
        self._exact: set[str] = set()
        for route in routes:
            path: str | None = getattr(route, "path", None)
            if path is None or path.startswith(NATIVE_PREFIXES) or path == "/":
                continue
            self._exact.add(path)
            parts = tuple(None if p.startswith("{") else p for p in path.split("/"))
            self._templates.setdefault(len(parts), []).append(parts)
        for templates in self._templates.values():
            # `/Items/Latest` before `/Items/{itemId}`: the most literal spelling wins.
            templates.sort(key=lambda parts: sum(p is None for p in parts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path not in self._exact and not path.startswith(NATIVE_PREFIXES):
                canonical = self._canonical(path)
                if canonical is not None:
                    scope = {**scope, "path": canonical, "raw_path": quote(canonical).encode()}
        await self.app(scope, receive, send)

    def _canonical(self, path: str) -> str | None:
        parts = path.split("/")
        lowered = [p.lower() for p in parts]
        for template in self._templates.get(len(parts), ()):
            if all(t is None or t.lower() == p for t, p in zip(template, lowered, strict=True)):
                return "/".join(p if t is None else t for t, p in zip(template, parts, strict=True))
        return None
