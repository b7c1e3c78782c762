"""Rendering pages, and what a page shows when something goes wrong.

Every web route is a `PageRoute`: it checks the CSRF token of every change before the handler
runs, sends a browser without a valid login to the login page, and turns domain errors into a
friendly page with the right status (the API's problem+json is for programs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from reelhouse import __version__
from reelhouse.config import Settings
from reelhouse.content.reads.views import ItemSummary, ItemView
from reelhouse.errors import AuthenticationError, DomainError
from reelhouse.http.problems import domain_problem, problem, status_for, validation_problem
from reelhouse.http.sessions import SAFE_METHODS, end_session, session_secret
from reelhouse.users.service import Principal
from reelhouse.watch.views import WatchedItem
from reelhouse.web.badges import languages, media_badges
from reelhouse.web.csrf import csrf_token, keep_csrf, verify_csrf
from reelhouse.web.recent import forget_recent

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
#: Sent by the page's scripts when they fetch a piece of a page rather than a whole one.
FRAGMENT_HEADER = "RH-Fragment"
#: Scripts and styles come from this server only; images may also be painted placeholders,
#: and the player's video and hls.js's transmuxing worker are blob: URLs its script makes.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages are per user: a shared cache must not keep them, a browser must ask again.
    "Cache-Control": "private, no-cache",
}


def _size(value: int) -> str:
    """Bytes as people read them (1000-based, like file managers)."""
    amount = float(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if amount < 1000 or unit == "TB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    raise AssertionError("unreachable")


def _runtime(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _clock(seconds: float | None) -> str:
    """A position as players show it: 1:02:03, or 2:03 under an hour."""
    if seconds is None:
        return ""
    minutes, rest = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def _episode_code(item: ItemSummary) -> str:
    """S01E02 of an episode (S00 for a special); empty without an episode number."""
    if item.index_number is None:
        return ""
    return f"S{item.parent_index_number or 0:02d}E{item.index_number:02d}"


def _watched_percent(entry: WatchedItem) -> int | None:
    """How far into the item its resume point is, 0-100; None without both numbers."""
    position, runtime = entry.state.position_s, entry.runtime_s
    if position is None or not runtime:
        return None
    return max(0, min(100, round(position * 100 / runtime)))


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    size=_size,
    runtime=_runtime,
    when=_when,
    clock=_clock,
    episode_code=_episode_code,
    watched_percent=_watched_percent,
    media_badges=media_badges,
    languages=languages,
)
templates.env.globals.update(version=__version__, urlencode=urlencode)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    principal: Principal | None = None,
    status: int = 200,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    response = templates.TemplateResponse(
        request,
        template,
        {
            "csrf": csrf_token(request),
            "web": settings.web,
            "user": principal.user if principal else None,
            **context,
        },
        status_code=status,
        headers=SECURITY_HEADERS,
    )
    keep_csrf(response, request)
    return response


def is_fragment(request: Request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site; anything else (another site) is `default`."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def login_redirect(request: Request, *, expired: bool) -> Response:
    """Back to the login page, to return here after it; an expired login says so."""
    settings: Settings = request.app.state.settings
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    params = {"next": here} | ({"expired": "1"} if expired else {})
    if is_fragment(request):
        # A script asked for a piece of a page: it reloads the page, which then redirects.
        response: Response = Response(status_code=HTTPStatus.UNAUTHORIZED)
    else:
        response = RedirectResponse(f"/login?{urlencode(params)}", HTTPStatus.SEE_OTHER)
    if expired:
        end_session(response, request, settings.web)
        forget_recent(response, request, settings.web)
    return response


def error_page(request: Request, status: HTTPStatus, detail: str) -> Response:
    return render(request, "error.html", {"status": status, "detail": detail}, status=status.value)


class PageRoute(APIRoute):
    """A route of the web page (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            try:
                if request.method not in SAFE_METHODS:
                    await verify_csrf(request, settings.web)
                return await handle(request)
            except AuthenticationError:
                expired = session_secret(request, settings.web) is not None
                return self.log_in_first(request, expired=expired)
            except DomainError as exc:
                return self.refused(request, exc)
            except RequestValidationError as exc:
                return self.invalid(request, exc)

        return page

    def log_in_first(self, request: Request, *, expired: bool) -> Response:
        return login_redirect(request, expired=expired)

    def refused(self, request: Request, exc: DomainError) -> Response:
        return error_page(request, status_for(exc), exc.detail)

    def invalid(self, request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(error["loc"][-1]) for error in exc.errors() if error.get("loc"))
        return error_page(request, HTTPStatus.BAD_REQUEST, f"this address is not valid ({fields})")


class ScriptRoute(PageRoute):
    """A route the page's scripts call (the player's): the login cookie and the CSRF check of
    every page route, but answers a script reads: JSON, and problem+json for errors (401 for a
    login that expired, 422 naming each invalid field)."""

    def log_in_first(self, request: Request, *, expired: bool) -> Response:
        return problem(HTTPStatus.UNAUTHORIZED, "log in again: reload the page")

    def refused(self, request: Request, exc: DomainError) -> Response:
        return domain_problem(exc)

    def invalid(self, request: Request, exc: RequestValidationError) -> Response:
        return validation_problem(exc)


#: Where each kind of item has its page (the routes of `reelhouse.web.pages`).
ITEM_SEGMENTS = {
    "movie": "movies",
    "collection": "collections",
    "series": "series",
    "season": "seasons",
    "episode": "episodes",
}


def item_path(kind: str, item_id: int) -> str:
    return f"/{ITEM_SEGMENTS[kind]}/{item_id}"


def poster_owner(item: ItemSummary) -> int:
    """Whose poster stands for an item: an episode has none, its series' does (when the
    item says which)."""
    if isinstance(item, ItemView) and item.kind == "episode" and item.series_id:
        return item.series_id
    return item.id


@pass_context
def image_url(
    context: Mapping[str, Any], owner_id: int, kind: str, width: int, version: str | None = None
) -> str:
    """The API's image route for an item's (or with kind `profile`, a person's) image; the
    page's login cookie authenticates it. `version` (the image's placeholder) goes into the
    address: browsers keep an image for `images.cache_max_age_s`, and a newly chosen one must
    show at once."""
    request: Request = context["request"]
    if kind == "profile":
        path = request.app.url_path_for("get_person_image", person_id=str(owner_id), kind=kind)
    else:
        path = request.app.url_path_for("get_image", item_id=str(owner_id), kind=kind)
    if version:
        digest = hashlib.blake2b(version.encode(), digest_size=6).hexdigest()
        return f"{path}?width={width}&v={digest}"
    return f"{path}?width={width}"


templates.env.globals.update(item_path=item_path, image_url=image_url, poster_owner=poster_owner)
