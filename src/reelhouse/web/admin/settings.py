"""The admin's settings page: what a running server lets change, where each value comes from,
and which changes wait for a restart."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.config.editable import SettingState
from reelhouse.errors import DomainError
from reelhouse.http.deps import ServicesDep
from reelhouse.users.service import Principal
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import form_page, see
from reelhouse.web.render import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: The longest value the form takes for one setting (secrets included).
MAX_VALUE_LENGTH = 4096
CLEAR_PREFIX = "clear:"


async def _settings_page(
    request: Request, admin: Principal, services: ServicesDep, error: DomainError | None = None
) -> HTMLResponse:
    states = await services.settings.states()
    sections = [
        (section, list(entries))
        for section, entries in groupby(states, key=lambda s: s.key.split(".")[0])
    ]
    return form_page(
        request,
        "admin/settings.html",
        {"sections": sections, "shown": shown},
        principal=admin,
        error=error,
    )


def shown(state: SettingState) -> str:
    """A setting's value as the form shows it (and as it comes back unchanged)."""
    if state.value is None or state.secret:
        return ""
    return str(state.value)


@router.get("/admin/settings", response_class=HTMLResponse)
async def settings_page(
    request: Request, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    return await _settings_page(request, admin, services)


@router.post("/admin/settings", response_model=None)
async def save_settings(
    request: Request, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    sent = {
        key: value
        for key, value in form.items()
        if isinstance(value, str) and len(value) <= MAX_VALUE_LENGTH
    }
    changes = _changes(await services.settings.states(), sent)
    try:
        await services.settings.update(changes, actor=admin.user.username)
    except DomainError as exc:
        return await _settings_page(request, admin, services, exc)
    return see("/admin/settings", "settings-saved")


@router.post("/admin/settings/reset", response_model=None)
async def reset_setting(
    request: Request,
    admin: AdminViewerDep,
    services: ServicesDep,
    key: str = Form(max_length=128),
) -> HTMLResponse | RedirectResponse:
    try:
        await services.settings.update({}, reset=[key], actor=admin.user.username)
    except DomainError as exc:
        return await _settings_page(request, admin, services, exc)
    return see("/admin/settings", "settings-saved")


def _changes(states: list[SettingState], sent: Mapping[str, str]) -> dict[str, Any]:
    """The settings the form changed: a value that comes back as it was shown is left alone,
    so that saving the page does not copy every file value into the database. A checkbox
    left unticked is sent as nothing at all; a blank secret keeps the one there is."""
    changes: dict[str, Any] = {}
    for state in states:
        if state.locked:
            continue
        key = state.key
        if state.kind == "bool":
            ticked = key in sent
            if ticked != state.value:
                changes[key] = ticked
        elif state.secret:
            if sent.get(CLEAR_PREFIX + key):
                changes[key] = None
            elif sent.get(key):
                changes[key] = sent[key]
        elif key in sent and sent[key] != shown(state):
            changes[key] = sent[key] or None
    return changes
