"""The web page's routes and static files, as the composition root installs them."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from reelhouse.web import admin, login, pages
from reelhouse.web.render import STATIC_DIR


def install_web(app: FastAPI) -> None:
    """Serve the page under `/` and its static files under `/static` (none in the API docs)."""
    router = APIRouter(include_in_schema=False)
    for routes in (login.router, pages.router, admin.router):
        router.include_router(routes)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
