"""The web page's routes and static files, as the app installs them."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from reelhouse.web import account, login, pages, player, setup, watching
from reelhouse.web.admin import (
    editing,
    images,
    jobs,
    libraries,
    matching,
    sessions,
    settings,
    users,
)
from reelhouse.web.render import STATIC_DIR


def web_routers() -> tuple[APIRouter, ...]:
    """The page under `/` (none of it in the API docs)."""
    return (
        login.router,
        setup.router,
        pages.router,
        watching.router,
        player.router,
        player.scripts,
        libraries.router,
        users.router,
        account.router,
        jobs.router,
        matching.router,
        editing.router,
        images.router,
        sessions.router,
        settings.router,
    )


def mount_static(app: FastAPI) -> None:
    """The page's static files under `/static`."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
