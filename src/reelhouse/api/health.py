"""Liveness and readiness probes; the only routes that never need a token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from reelhouse.infra.health import HealthService

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str]:
    """The process is up and its event loop answers."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency is not ready."}})
async def ready(request: Request) -> JSONResponse:
    """Every dependency (database, cache...) answers; 503 names the ones that do not."""
    health: HealthService = request.app.state.health
    results = await health.readiness()
    ok = all(result.ok for result in results)
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {
            result.name: {"ok": result.ok, **({"detail": result.detail} if result.detail else {})}
            for result in results
        },
    }
    return JSONResponse(body, status_code=200 if ok else 503)
