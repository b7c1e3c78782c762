"""Liveness and readiness probes; the only routes that never need a token.

Anyone may ask whether the server is ready (load balancers do, without a token): they are told
that, and which checks passed. What a failing or degraded check says names hosts, addresses and
errors, and is shown to an admin's token only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError

from reelhouse.errors import ReelhouseError
from reelhouse.http.deps import app_services
from reelhouse.infra.health import CheckResult, HealthService
from reelhouse.infra.logging import get_logger

router = APIRouter(prefix="/health", tags=["health"])
log = get_logger(__name__)

_bearer = HTTPBearer(
    auto_error=False, description="Optional: an admin's token, for what each check says."
)


@router.get("/live")
async def live() -> dict[str, str]:
    """The process is up and its event loop answers."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency is not ready."}})
async def ready(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> JSONResponse:
    """Every dependency (database, cache...) answers; 503 when one does not. Each check says
    whether it passed; what it found (a degraded cache, an unreachable database and why) is
    shown to an admin's token only. The status code is the same with or without a token."""
    health: HealthService = request.app.state.health
    results = await health.readiness()
    ok = all(result.ok for result in results)
    detailed = credentials is not None and await _is_admin(request, credentials.credentials)
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {result.name: _check(result, detailed) for result in results},
    }
    return JSONResponse(body, status_code=200 if ok else 503)


def _check(result: CheckResult, detailed: bool) -> dict[str, Any]:
    if detailed and result.detail:
        return {"ok": result.ok, "detail": result.detail}
    return {"ok": result.ok}


async def _is_admin(request: Request, token: str) -> bool:
    """Whether `token` is an admin's. A token that cannot be checked now (unknown, or the
    database down) gets the answer anyone gets: readiness never fails for its token."""
    services = await app_services(request)
    try:
        principal = await services.users.authenticate(token)
    except (ReelhouseError, SQLAlchemyError, OSError) as exc:
        log.info("readiness asked with a token that could not be checked", error=type(exc).__name__)
        return False
    return principal.user.is_admin
