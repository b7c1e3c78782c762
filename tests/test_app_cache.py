"""The cache in the app: `app.state.cache`, `/metrics` registry, readiness with Redis down."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reelhouse.app import create_app
from reelhouse.config import Settings
from reelhouse.infra.cache import Cache

from .cache_support import free_port


async def _ready(settings: Settings) -> tuple[int, dict[str, object], Cache]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/health/ready")
        cache = app.state.cache
        assert isinstance(cache, Cache)
        assert cache.metrics.registry is app.state.metrics_registry
    return response.status_code, response.json(), cache


async def test_without_redis_there_is_no_redis_check(clean_env: Path) -> None:
    status, body, cache = await _ready(Settings())
    assert status == 200
    assert "redis" not in body["checks"]  # type: ignore[operator]
    assert not cache.has_l2


async def test_redis_up_is_ready(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str, cache_prefix: str
) -> None:
    monkeypatch.setenv("REELHOUSE_REDIS_URL", redis_url)
    monkeypatch.setenv("REELHOUSE_CACHE_KEY_PREFIX", cache_prefix)
    status, body, _ = await _ready(Settings())
    assert status == 200
    assert body["checks"]["redis"] == {"ok": True}  # type: ignore[index]


async def test_redis_down_is_degraded_but_still_ready(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A design decision (DESIGN: Redis down means L1-only operation, not an error): the
    readiness stays 200 and the redis check passes (what it says of the outage is an admin's
    to read: tests/test_health.py)."""
    monkeypatch.setenv("REELHOUSE_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    status, body, _ = await _ready(Settings())
    assert status == 200
    assert body["checks"]["redis"] == {"ok": True}  # type: ignore[index]
