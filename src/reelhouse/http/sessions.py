"""The login cookie: which user a browser is, for the web page and for the API's reads.

The cookie holds a login token of the API (`UsersService.login`), HttpOnly and SameSite=Lax, so
the page's scripts never see it and other sites' requests do not carry it.
"""

from __future__ import annotations

from fastapi import Request, Response

from reelhouse.config import Settings, WebSettings

SAFE_METHODS = frozenset({"GET", "HEAD"})


def session_secret(request: Request, web: WebSettings) -> str | None:
    return request.cookies.get(web.session_cookie) or None


def secure(request: Request, web: WebSettings) -> bool:
    """Whether cookies get `Secure`: over HTTPS (as uvicorn reports it behind a trusted proxy),
    or always or never when the settings say so."""
    if web.secure_cookies == "auto":
        return request.url.scheme == "https"
    return web.secure_cookies == "always"


def start_session(response: Response, request: Request, settings: Settings, secret: str) -> None:
    """Log the browser in with a fresh login token."""
    web = settings.web
    response.set_cookie(
        web.session_cookie,
        secret,
        max_age=settings.auth.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=secure(request, web),
    )


def end_session(response: Response, request: Request, web: WebSettings) -> None:
    """Forget the login."""
    response.delete_cookie(
        web.session_cookie, httponly=True, samesite="lax", secure=secure(request, web)
    )
