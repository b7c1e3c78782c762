"""The web page's cookies: who is logged in, the CSRF token every form echoes, and what this
browser opened last.

The login cookie holds a login token of the API (`UsersService.login`), HttpOnly and
SameSite=Lax, so the page's scripts never see it and other sites' requests do not carry it. The
CSRF cookie is a random value per browser that each form repeats in a hidden field (double
submit), checked together with the `Origin` header before any change.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from reelhouse.config import Settings, WebSettings
from reelhouse.errors import PermissionDeniedError

SAFE_METHODS = frozenset({"GET", "HEAD"})
CSRF_FIELD = "csrf"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")
_RECENT_ENTRY = re.compile(r"([ms])([1-9][0-9]{0,18})")
RECENT_KINDS = {"m": "movie", "s": "series"}
_RECENT_LETTERS = {kind: letter for letter, kind in RECENT_KINDS.items()}


def session_secret(request: Request, web: WebSettings) -> str | None:
    return request.cookies.get(web.session_cookie) or None


def secure(request: Request, web: WebSettings) -> bool:
    """Whether cookies get `Secure`: over HTTPS (as uvicorn reports it behind a trusted proxy),
    or always or never when the settings say so."""
    if web.secure_cookies == "auto":
        return request.url.scheme == "https"
    return web.secure_cookies == "always"


def start_session(response: Response, request: Request, settings: Settings, secret: str) -> None:
    """Log the browser in with a fresh login token and a fresh CSRF value."""
    web = settings.web
    response.set_cookie(
        web.session_cookie,
        secret,
        max_age=settings.auth.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=secure(request, web),
    )
    _set_csrf(response, request, settings, secrets.token_urlsafe(32))


def end_session(response: Response, request: Request, web: WebSettings) -> None:
    """Forget the login and what this browser opened (the next user of it starts afresh)."""
    for name in (web.session_cookie, web.recent_cookie):
        response.delete_cookie(name, httponly=True, samesite="lax", secure=secure(request, web))


def csrf_token(request: Request) -> str:
    """The browser's CSRF value, or a new one that `keep_csrf` then sets on the response."""
    web: WebSettings = request.app.state.settings.web
    current = request.cookies.get(web.csrf_cookie, "")
    if _TOKEN.fullmatch(current):
        return current
    made: str | None = getattr(request.state, "new_csrf", None)
    if made is None:
        made = request.state.new_csrf = secrets.token_urlsafe(32)
    return made


def keep_csrf(response: Response, request: Request) -> None:
    made: str | None = getattr(request.state, "new_csrf", None)
    if made is not None:
        _set_csrf(response, request, request.app.state.settings, made)


def _set_csrf(response: Response, request: Request, settings: Settings, value: str) -> None:
    response.set_cookie(
        settings.web.csrf_cookie,
        value,
        max_age=settings.auth.session_ttl_s,
        httponly=True,
        samesite="strict",
        secure=secure(request, settings.web),
    )


async def verify_csrf(request: Request, web: WebSettings) -> None:
    """Refuse a change whose form does not repeat the browser's CSRF cookie, or that another
    site's page sent (its `Origin` names another host)."""
    origin = request.headers.get("origin")
    # Behind a proxy that rewrites `Host`, the host the browser saw is in `X-Forwarded-Host`.
    hosts = {request.headers.get("host"), request.headers.get("x-forwarded-host")}
    if origin is not None and urlsplit(origin).netloc not in hosts:
        raise PermissionDeniedError("this form was sent from another site")
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(web.csrf_cookie, "")
    if not isinstance(sent, str) or not cookie or not secrets.compare_digest(sent, cookie):
        raise PermissionDeniedError(
            "this form has expired (or cookies are off): reload the page and send it again"
        )


def recent_items(request: Request, web: WebSettings) -> list[tuple[str, int]]:
    """What this browser opened last, newest first, as (kind, item id); junk is ignored."""
    found: list[tuple[str, int]] = []
    for entry in request.cookies.get(web.recent_cookie, "").split("."):
        match = _RECENT_ENTRY.fullmatch(entry)
        if match:
            found.append((RECENT_KINDS[match[1]], int(match[2])))
    return list(dict.fromkeys(found))[: web.recent_items]


def remember(
    response: Response, request: Request, settings: Settings, kind: str, item_id: int
) -> None:
    """Put an item first in what this browser opened last, keeping `web.recent_items`, for as
    long as a login lasts."""
    web = settings.web
    if web.recent_items == 0:
        return
    entries = list(dict.fromkeys([(kind, item_id), *recent_items(request, web)]))
    value = ".".join(f"{_RECENT_LETTERS[k]}{i}" for k, i in entries[: web.recent_items])
    response.set_cookie(
        web.recent_cookie,
        value,
        max_age=settings.auth.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=secure(request, web),
    )
