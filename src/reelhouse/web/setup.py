"""The setup wizard of the page: what a server with no account shows instead of the login.

Step 1 (the first admin) is open while there is no account, to the server's own machine or a
browser that entered the setup code (kept in a cookie until the admin exists); it logs that admin
in, and the steps after it (metadata language, provider keys, the first libraries) are that
admin's pages. Once an account exists, the first step sends everyone to the login page, and the
others are admin pages like any.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import SecretStr

from reelhouse.config import Settings
from reelhouse.content.metadata.credentials import (
    CredentialCheck,
    CredentialStatus,
    KeyedProvider,
)
from reelhouse.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitedError,
)
from reelhouse.http.deps import ServicesDep, SettingsDep, client_address, from_loopback
from reelhouse.http.problems import status_for
from reelhouse.http.sessions import secure, start_session
from reelhouse.kinds import LibraryKind
from reelhouse.users.service import Principal
from reelhouse.web.admin.libraries import NEW_LIBRARY, create_library
from reelhouse.web.csrf import renew_csrf
from reelhouse.web.deps import AdminViewerDep
from reelhouse.web.forms import Password, Text, form_page, see
from reelhouse.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: The wizard's steps after the first admin, in order: (path, title).
STEPS = (
    ("/setup", "Admin account"),
    ("/setup/metadata", "Language"),
    ("/setup/providers", "Metadata providers"),
    ("/setup/libraries", "Libraries"),
)
Field64 = Annotated[str, Form(max_length=64)]
Key = Annotated[str, Form(max_length=1024)]


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", HTTPStatus.SEE_OTHER)


def _code_page(request: Request, error: DomainError | None = None) -> HTMLResponse:
    status = status_for(error).value if error else HTTPStatus.OK.value
    return render(request, "setup/code.html", {"error": error, "steps": STEPS}, status=status)


def _admin_page(
    request: Request, *, username: str = "", error: DomainError | None = None
) -> HTMLResponse:
    status = status_for(error).value if error else HTTPStatus.OK.value
    context = {"username": username, "error": error, "steps": STEPS, "step": "/setup"}
    return render(request, "setup/admin.html", context, status=status)


async def _admit(request: Request, services: ServicesDep, settings: Settings) -> None:
    await services.setup.admit(
        from_loopback=from_loopback(request),
        code=request.cookies.get(settings.web.setup_cookie),
        client=client_address(request),
    )


@router.get("/setup", response_class=HTMLResponse, response_model=None)
async def setup_start(
    request: Request, services: ServicesDep, configured: SettingsDep
) -> HTMLResponse | RedirectResponse:
    """The first step, or the setup code first from another machine; set up: the login."""
    try:
        await _admit(request, services, configured)
    except ConflictError:
        return _to_login()
    except (PermissionDeniedError, RateLimitedError) as exc:
        entered = request.cookies.get(configured.web.setup_cookie)
        return _code_page(request, exc if entered else None)
    return _admin_page(request)


@router.post("/setup/code", response_model=None)
async def enter_code(
    request: Request,
    services: ServicesDep,
    configured: SettingsDep,
    code: Field64 = "",
) -> Response:
    """Check the setup code and keep it in this browser for the wizard's first step."""
    try:
        await services.setup.admit(
            from_loopback=from_loopback(request), code=code, client=client_address(request)
        )
    except ConflictError:
        return _to_login()
    except (PermissionDeniedError, RateLimitedError) as exc:
        return _code_page(request, exc)
    response = RedirectResponse("/setup", HTTPStatus.SEE_OTHER)
    response.set_cookie(
        configured.web.setup_cookie,
        code,
        max_age=configured.auth.setup_code_ttl_s,
        httponly=True,
        samesite="strict",
        secure=secure(request, configured.web),
    )
    return response


@router.post("/setup", response_model=None)
async def create_admin(
    request: Request,
    services: ServicesDep,
    configured: SettingsDep,
    username: Field64 = "",
    password: Password = "",
    password_repeat: Password = "",
) -> Response:
    """The first admin, logged in at once; the next step of the wizard."""
    try:
        if password != password_repeat:
            raise InvalidInputError("the two passwords differ", field="password_repeat")
        issued = await services.setup.create_first_admin(
            username,
            password,
            from_loopback=from_loopback(request),
            code=request.cookies.get(configured.web.setup_cookie),
            client=client_address(request),
        )
    except ConflictError:
        return _to_login()
    except (PermissionDeniedError, RateLimitedError) as exc:
        return _code_page(request, exc)
    except DomainError as exc:
        return _admin_page(request, username=username, error=exc)
    response = RedirectResponse("/setup/metadata", HTTPStatus.SEE_OTHER)
    start_session(response, request, configured, issued.secret)
    renew_csrf(response, request, configured)
    response.delete_cookie(configured.web.setup_cookie, httponly=True, samesite="strict")
    return response


def _step(
    request: Request,
    template: str,
    admin: Principal,
    context: dict[str, Any],
    *,
    error: DomainError | None = None,
) -> HTMLResponse:
    step = request.url.path
    return form_page(
        request, template, context | {"steps": STEPS, "step": step}, principal=admin, error=error
    )


@router.get("/setup/metadata", response_class=HTMLResponse)
async def metadata_step(
    request: Request, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    """The language and country metadata is fetched in."""
    metadata = services.settings.running.metadata
    form = {"language": metadata.language, "country": metadata.country}
    return _step(request, "setup/metadata.html", admin, {"form": form})


@router.post("/setup/metadata", response_model=None)
async def save_metadata(
    request: Request,
    admin: AdminViewerDep,
    services: ServicesDep,
    language: Field64 = "",
    country: Field64 = "",
) -> Response:
    try:
        await _save(services, admin, {"metadata.language": language, "metadata.country": country})
    except DomainError as exc:
        form = {"language": language, "country": country}
        return _step(request, "setup/metadata.html", admin, {"form": form}, error=exc)
    return RedirectResponse("/setup/providers", HTTPStatus.SEE_OTHER)


def _providers_page(
    request: Request,
    admin: Principal,
    *,
    form: dict[str, str],
    checks: list[CredentialCheck],
    error: DomainError | None = None,
) -> HTMLResponse:
    context = {"form": form, "checks": {check.provider.value: check for check in checks}}
    return _step(request, "setup/providers.html", admin, context, error=error)


@router.get("/setup/providers", response_class=HTMLResponse)
async def providers_step(request: Request, admin: AdminViewerDep) -> HTMLResponse:
    """The TMDb and TheTVDB keys, each checked live against the provider."""
    form = {"tmdb_key": "", "tvdb_key": "", "tvdb_pin": ""}
    return _providers_page(request, admin, form=form, checks=[])


@router.post("/setup/providers", response_model=None)
async def check_or_save_providers(
    request: Request,
    admin: AdminViewerDep,
    services: ServicesDep,
    tmdb_key: Key = "",
    tvdb_key: Key = "",
    tvdb_pin: Field64 = "",
    action: Field64 = "check",
) -> Response:
    """`check`: ask each provider about the key given and show what it said. `save`: the same,
    then keep the keys no provider refused and go on (a key is never needed to go on)."""
    form = {"tmdb_key": tmdb_key, "tvdb_key": tvdb_key, "tvdb_pin": tvdb_pin}
    keys = {KeyedProvider.TMDB: tmdb_key.strip(), KeyedProvider.TVDB: tvdb_key.strip()}
    pin = SecretStr(tvdb_pin.strip()) if tvdb_pin.strip() else None
    checks = [
        await services.provider_keys.check(provider, SecretStr(key), pin if key else None)
        for provider, key in keys.items()
        if key
    ]
    if action != "save":
        return _providers_page(request, admin, form=form, checks=checks)
    try:
        await _save(services, admin, _key_changes(keys, pin, checks))
    except DomainError as exc:
        return _providers_page(request, admin, form=form, checks=checks, error=exc)
    return RedirectResponse("/setup/libraries", HTTPStatus.SEE_OTHER)


def _key_changes(
    keys: dict[KeyedProvider, str], pin: SecretStr | None, checks: list[CredentialCheck]
) -> dict[str, object]:
    """The keys to keep: each one given, unless its provider refused it (then nothing is kept,
    and the page says which and why)."""
    refused = [check for check in checks if check.status is CredentialStatus.INVALID]
    if refused:
        first = refused[0]
        raise InvalidInputError(
            f"{first.detail}; correct the key, clear it, or skip this step",
            field=f"{first.provider.value}_key",
        )
    changes: dict[str, object] = {f"{p.value}.api_key": key for p, key in keys.items() if key}
    if keys[KeyedProvider.TVDB] and pin is not None:
        changes["tvdb.pin"] = pin.get_secret_value()
    return changes


async def _save(services: ServicesDep, admin: Principal, changes: dict[str, object]) -> None:
    """Keep the wizard's settings as the settings page does (validated, all or none, taken up
    live by every process)."""
    if changes:
        await services.settings.update(changes, actor=admin.user.username)


async def _libraries_page(
    request: Request,
    admin: Principal,
    services: ServicesDep,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    context = {
        "libraries": await services.libraries.list(),
        "kinds": list(LibraryKind),
        "form": form or NEW_LIBRARY,
    }
    return _step(request, "setup/libraries.html", admin, context, error=error)


@router.get("/setup/libraries", response_class=HTMLResponse)
async def libraries_step(
    request: Request, admin: AdminViewerDep, services: ServicesDep
) -> HTMLResponse:
    """The first libraries, their folders picked with the server's folder browser."""
    return await _libraries_page(request, admin, services)


@router.post("/setup/libraries", response_model=None)
async def add_library(
    request: Request,
    admin: AdminViewerDep,
    services: ServicesDep,
    name: Text = "",
    kind: Text = LibraryKind.MOVIES.value,
    paths: Text = "",
) -> Response:
    """A library whose every folder the server can read now (else the reason, form kept)."""
    try:
        await create_library(services, name, kind, paths, readable=True)
    except DomainError as exc:
        form = {"name": name, "kind": kind, "paths": paths}
        return await _libraries_page(request, admin, services, form=form, error=exc)
    return see("/setup/libraries", "library-added-setup")


@router.post("/setup/finish")
async def finish(_admin: AdminViewerDep, services: ServicesDep) -> RedirectResponse:
    """Scan every library, and on to the libraries page, where the scans show their progress."""
    libraries = await services.libraries.list()
    for library in libraries:
        await services.libraries.scan(library.id)
    return see("/admin/libraries", "setup-done" if libraries else "setup-done-empty")
