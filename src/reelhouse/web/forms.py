"""What the page's forms share: the notice a page shows after a change sent it there, the page
of a form shown again with what is wrong, and the bounds on a form's text and password fields."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.config import PASSWORD_EDGE_MAX
from reelhouse.errors import DomainError
from reelhouse.http.problems import status_for
from reelhouse.users.service import Principal
from reelhouse.web.render import render

#: What a page says after a change sent it there (`?notice=`): fixed texts, never echoed input.
NOTICES = {
    "library-added": "Library added. Start a scan to fill it.",
    "library-saved": "Library saved.",
    "library-deleted": "Library deleted.",
    "library-added-setup": "Library added: add another, or finish to scan them.",
    "setup-done": "reelhouse is set up. The first scans are running: follow them below.",
    "setup-done-empty": "reelhouse is set up. Add a library below when you are ready.",
    "scan-queued": "Scan queued: follow it below.",
    "scan-running": "That scan is already queued or running: follow it below.",
    "write-back-queued": "Write-back queued: follow it below.",
    "write-back-running": "That write-back is already queued: follow it below.",
    "user-added": "User added.",
    "user-saved": "User saved.",
    "user-deleted": "User deleted.",
    "token-revoked": "Token revoked.",
    "password-changed": "Password changed. Your other logins and tokens are revoked.",
    "password-reset": "Password set. That user's logins and tokens are revoked.",
    "job-cancelled": "Cancellation asked for.",
    "match-queued": "Match chosen: the item is being refreshed with it.",
    "field-unlocked": "Unlocked: the next refresh writes that field again.",
    "image-chosen": "Image chosen: the item shows it now, and refreshes keep it.",
    "image-uploaded": "Image uploaded: the item shows it now, and refreshes keep it.",
    "session-stopped": "Playback stopped.",
    "settings-saved": "Settings saved.",
}
Text = Annotated[str, Form(max_length=10_000)]
#: A password field: bounded as the API bounds passwords (no account has a longer one).
Password = Annotated[str, Form(max_length=PASSWORD_EDGE_MAX)]


def see(path: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?notice={notice}", HTTPStatus.SEE_OTHER)


def notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("notice", ""))


def form_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    principal: Principal,
    error: DomainError | None,
) -> HTMLResponse:
    """A page with a form: its notice, and the error the services gave for what was sent (the
    answer's status is the error's)."""
    return render(
        request,
        template,
        context | {"error": error, "notice": notice(request)},
        principal=principal,
        status=status_for(error).value if error else HTTPStatus.OK.value,
    )
