"""Admin page of the streaming sessions of this server process: who plays what, how (remux or
transcode), where they are, how fast ffmpeg goes; and stopping one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import SessionIdPath
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import notice, see
from reelhouse.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/admin/sessions", response_class=HTMLResponse)
async def sessions_page(
    request: Request, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    names = {user.id: user.username for user in await services.users.list_users()}
    context = {
        "sessions": services.streaming.statuses(),
        "names": names,
        "notice": notice(request),
    }
    return render(request, "admin/sessions.html", context, principal=admin)


@router.post("/admin/sessions/{session_id}/stop")
async def stop_session(
    session_id: SessionIdPath, _admin: AdminViewerDep, services: ServicesDep
) -> RedirectResponse:
    await services.streaming.stop(None, session_id)
    return see("/admin/sessions", "session-stopped")
