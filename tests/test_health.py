"""`/health/ready` on both databases: anyone (a load balancer) is told whether the server is
ready and which checks passed; what a check found (hosts, addresses, errors) is an admin's to
read. The status code is the same whoever asks."""

from __future__ import annotations

from pathlib import Path

import httpx

from reelhouse.config import RedisSettings
from reelhouse.errors import UpstreamUnavailableError
from reelhouse.infra.health import HealthService
from tests.cache_support import free_port
from tests.support import Api, bearer, running_api, settings_for

SECRET_HOST = "db-primary.internal.example:5432"


async def _failing() -> str | None:
    raise UpstreamUnavailableError(f"database at {SECRET_HOST} is unreachable: connection refused")


async def _ready(api: Api, headers: dict[str, str] | None = None) -> httpx.Response:
    return await api.client.get("/health/ready", headers=headers or {})


async def test_anyone_is_told_the_status_an_admin_the_details(api: Api) -> None:
    admin = bearer(await api.token_for("root", is_admin=True))
    viewer = bearer(await api.token_for("kid"))

    fine = await _ready(api)
    assert (fine.status_code, fine.json()) == (
        200,
        {"status": "ok", "checks": {"database": {"ok": True}}},
    )

    health: HealthService = api.app.state.health
    health.register("warehouse", _failing)
    for headers in (None, viewer, bearer("rh_not-a-token"), bearer("not even ours")):
        anonymous = await _ready(api, headers)
        assert anonymous.status_code == 503, headers
        assert anonymous.json() == {
            "status": "unavailable",
            "checks": {"database": {"ok": True}, "warehouse": {"ok": False}},
        }
        assert "internal" not in anonymous.text

    detailed = await _ready(api, admin)
    assert detailed.status_code == 503
    assert detailed.json()["checks"]["warehouse"] == {
        "ok": False,
        "detail": f"database at {SECRET_HOST} is unreachable: connection refused",
    }


async def test_a_degraded_cache_names_its_redis_to_admins_only(
    database_url: str, tmp_path: Path
) -> None:
    """Redis down is degraded, not unready (L1-only operation): 200 for everyone, and the note
    that says which Redis and why for an admin only."""
    port = free_port()
    settings = settings_for(database_url, tmp_path).model_copy(
        update={"redis": RedisSettings(url=f"redis://127.0.0.1:{port}/0")}
    )
    async with running_api(settings) as api:
        admin = bearer(await api.token_for("root", is_admin=True))
        anonymous = await _ready(api)
        assert anonymous.status_code == 200
        assert anonymous.json()["checks"]["redis"] == {"ok": True}
        assert str(port) not in anonymous.text
        detailed = await _ready(api, admin)
        assert detailed.status_code == 200
        note = detailed.json()["checks"]["redis"]["detail"]
        assert note.startswith("degraded: Redis unreachable")
        assert f"127.0.0.1:{port}" in note
