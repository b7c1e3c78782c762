"""The settings an admin changes while the server runs (the settings page's API)."""

from __future__ import annotations

from reelhouse.api.deps import AdminDep, token_router
from reelhouse.api.schemas import SettingOut, SettingsChangeRequest
from reelhouse.config.editable import SettingState
from reelhouse.http.deps import ServicesDep

router = token_router("/settings", tags=["settings"])


def shown(states: list[SettingState]) -> list[SettingOut]:
    return [SettingOut.model_validate(state, from_attributes=True) for state in states]


@router.get("")
async def list_settings(_admin: AdminDep, services: ServicesDep) -> list[SettingOut]:
    """Every setting the page edits, with its value, where it comes from (`default`, `file`,
    `web`, `environment`: the environment's are locked) and whether it waits for a restart."""
    return shown(await services.settings.states())


@router.patch("")
async def change_settings(
    body: SettingsChangeRequest, admin: AdminDep, services: ServicesDep
) -> list[SettingOut]:
    """Set and reset settings, all or none: a value that does not validate is a 422 naming
    the setting, and nothing is changed."""
    states = await services.settings.update(body.set, reset=body.reset, actor=admin.user.username)
    return shown(states)
