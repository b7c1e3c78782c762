"""The CSRF token every form of the page echoes: a random value per browser in a cookie, which
each form repeats in a hidden field (double submit), checked together with the `Origin` header
before any change. A login gets a fresh one.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from reelhouse.config import Settings, WebSettings
from reelhouse.errors import PermissionDeniedError
from reelhouse.http.sessions import secure

CSRF_FIELD = "csrf"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")


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


def renew_csrf(response: Response, request: Request, settings: Settings) -> None:
    """A fresh CSRF value, as a new login gets."""
    _set_csrf(response, request, settings, secrets.token_urlsafe(32))


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
