"""What this browser opened last: a cookie of item ids, kept as long as a login lasts and
forgotten with it (the next user of the browser starts afresh)."""

from __future__ import annotations

import re

from fastapi import Request, Response

from reelhouse.config import Settings, WebSettings
from reelhouse.http.sessions import secure

_RECENT_ENTRY = re.compile(r"([ms])([1-9][0-9]{0,18})")
RECENT_KINDS = {"m": "movie", "s": "series"}
_RECENT_LETTERS = {kind: letter for letter, kind in RECENT_KINDS.items()}


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


def forget_recent(response: Response, request: Request, web: WebSettings) -> None:
    """Forget what this browser opened, as a login ends."""
    response.delete_cookie(
        web.recent_cookie, httponly=True, samesite="lax", secure=secure(request, web)
    )
