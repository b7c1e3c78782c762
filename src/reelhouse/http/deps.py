"""The app's services and settings, as dependencies of any route, API or page alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reelhouse.bootstrap import Services
from reelhouse.config import Settings

# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` one in
# its thread pool, a thread hop (and a GIL hand-over) per dependency per request.


async def services(request: Request) -> Services:
    wired: Services = request.app.state.services
    return wired


ServicesDep = Annotated[Services, Depends(services)]


async def settings(request: Request) -> Settings:
    configured: Settings = request.app.state.settings
    return configured


SettingsDep = Annotated[Settings, Depends(settings)]
