"""Admin pages of the users: adding and deleting them, which libraries each one sees, and
setting another's password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from reelhouse.errors import DomainError
from reelhouse.http.deps import ServicesDep
from reelhouse.http.params import RowIdPath
from reelhouse.users.service import Principal
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import Password, Text, form_page, see
from reelhouse.web.render import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _users_page(
    request: Request,
    admin: Principal,
    services: ServicesDep,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
    reset_for: int | None = None,
) -> HTMLResponse:
    """`reset_for`: the user whose password form `error` belongs to (None: the add form's)."""
    return form_page(
        request,
        "admin/users.html",
        {
            "users": await services.users.list_users(),
            "libraries": await services.libraries.list(),
            "form": form or {"username": "", "is_admin": False},
            "reset_for": reset_for,
        },
        principal=admin,
        error=error,
    )


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(
    request: Request, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    return await _users_page(request, admin, services)


@router.post("/admin/users", response_model=None)
async def add_user(
    request: Request,
    admin: AdminViewerDep,
    services: ServicesDep,
    username: Text = "",
    password: Password = "",
    is_admin: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    try:
        await services.users.create_user(username, password, is_admin=is_admin)
    except DomainError as exc:
        form = {"username": username, "is_admin": is_admin}  # never the password back
        return await _users_page(request, admin, services, form=form, error=exc)
    return see("/admin/users", "user-added")


@router.post("/admin/users/{user_id}/libraries")
async def set_user_libraries(
    user_id: RowIdPath,
    _admin: AdminViewerDep,
    services: ServicesDep,
    library_id: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> RedirectResponse:
    await services.users.set_user_libraries(user_id, library_id)
    return see("/admin/users", "user-saved")


@router.post("/admin/users/{user_id}/password", response_model=None)
async def reset_password(
    request: Request,
    user_id: RowIdPath,
    admin: AdminViewerDep,
    services: ServicesDep,
    new_password: Password = "",
) -> HTMLResponse | RedirectResponse:
    """Another user's new password; all their logins and tokens are revoked."""
    try:
        await services.users.reset_password(admin, user_id, new_password)
    except DomainError as exc:
        return await _users_page(request, admin, services, error=exc, reset_for=user_id)
    return see("/admin/users", "password-reset")


@router.post("/admin/users/{user_id}/delete")
async def delete_user(
    user_id: RowIdPath, admin: AdminViewerDep, services: ServicesDep
) -> RedirectResponse:
    await services.users.delete_user(admin, user_id)
    return see("/admin/users", "user-deleted")
