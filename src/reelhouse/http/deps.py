"""The app's services and settings, as dependencies of any route, API or page alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reelhouse.bootstrap import Services
from reelhouse.config import Settings
from reelhouse.http.encoded import EncodedBodies

# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` one in
# its thread pool, a thread hop (and a GIL hand-over) per dependency per request.


async def app_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(app_services)]


async def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def encoded_bodies(request: Request) -> EncodedBodies:
    """The app's cache of encoded answers."""
    bodies: EncodedBodies = request.app.state.bodies
    return bodies


def client_address(request: Request) -> str | None:
    """The caller's address, as the server saw it (behind a proxy trusted by `uvicorn
    --forwarded-allow-ips`, the client the proxy names)."""
    return request.client.host if request.client is not None else None
