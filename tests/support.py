"""Helpers for tests that drive the HTTP API in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import event

from reelhouse.app import create_app
from reelhouse.bootstrap import Services
from reelhouse.config import (
    AuthSettings,
    DatabaseSettings,
    HttpSettings,
    ImagesSettings,
    ScanSettings,
    ServerSettings,
    Settings,
    WebhookSettings,
)
from reelhouse.testing.fake_providers.server import LOOPBACK

PASSWORD = "correct horse battery"


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient
    services: Services

    async def token_for(self, username: str, *, is_admin: bool = False) -> str:
        await self.services.users.create_user(username, PASSWORD, is_admin=is_admin)
        return (await self.services.users.login(username, PASSWORD)).secret


@asynccontextmanager
async def running_api(settings: Settings) -> AsyncIterator[Api]:
    """The real app, started, with an in-process client."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app, client, app.state.services)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Cheap hashes keep the suite fast; production uses the argon2-cffi defaults from the settings.
FAST_HASHING = {"password_hash_iterations": 1, "password_hash_memory_kib": 1024}


#: The periodic full scan is due at start: off, so it cannot race a test's own scans.
NO_PERIODIC_SCAN = ScanSettings(full_scan_interval_s=0)


def settings_for(database_url: str, tmp_path: Path, **auth: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database=DatabaseSettings(url=database_url),
        auth=AuthSettings(**(FAST_HASHING | auth)),  # type: ignore[arg-type]
        scan=NO_PERIODIC_SCAN,
        images=ImagesSettings(allowed_networks=LOOPBACK),  # the fakes' images
    )


WEBHOOK_SECRET = "hook-secret-0123456789"
CORS_ORIGIN = "https://app.example"


def ops_settings(database_url: str, tmp_path: Path, **http: Any) -> Settings:
    """Settings with the HTTP plumbing under test turned on (fast event streams, a small body
    limit, CORS for one origin, the webhook secret) and no worker, so jobs stay as tests leave
    them."""
    http_settings = {
        "sse_poll_interval_s": 0.02,
        "sse_keepalive_s": 0.1,
        "max_body_bytes": 64 * 1024,
        "cors_origins": [CORS_ORIGIN],
        **http,
    }
    return settings_for(database_url, tmp_path).model_copy(
        update={
            "server": ServerSettings(run_workers=False),
            "http": HttpSettings(**http_settings),
            "webhooks": WebhookSettings(secret=SecretStr(WEBHOOK_SECRET)),
        }
    )


def cli_env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELHOUSE_")}
    env["REELHOUSE_DATA_DIR"] = str(tmp_path / "data")
    env["REELHOUSE_LOG_FORMAT"] = "json"
    env["COLUMNS"] = "200"  # rich tables keep each cell on one line, whatever runs the tests
    if database_url:
        env["REELHOUSE_DATABASE_URL"] = database_url
    return env


def run_cli(
    env: dict[str, str], *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reelhouse", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


@contextmanager
def token_reads(api: Api) -> Iterator[list[str]]:
    """The statements that read the tokens table in this app while the block runs (an
    authentication the cache answered reads none)."""
    seen: list[str] = []
    engine = api.services.users.database.engine.sync_engine

    def record(*args: Any) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT") and "api_tokens" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
