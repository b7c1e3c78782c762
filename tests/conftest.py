"""Fixtures that give each test a clean, migrated database on real SQLite and real PostgreSQL.

The schema is migrated once per session into a template (a file for SQLite, a template database
for PostgreSQL); each test gets its own copy, so tests are isolated and cheap.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy.engine import make_url

from reelhouse.bootstrap.providers import Providers, build_providers
from reelhouse.config import (
    DatabaseSettings,
    ImagesSettings,
    MetadataSettings,
    Settings,
    TmdbSettings,
    TvdbSettings,
)
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database, create_engine
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.control import FaultConfig
from reelhouse.testing.fake_providers.server import LOOPBACK, FakeServer
from reelhouse.testing.memory_cache import BoundedMemoryCache
from tests.cache_support import PrivateRedis
from tests.support import Api, ops_settings, running_api, settings_for

POSTGRES_URL = os.environ.get(
    "REELHOUSE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class PostgresServer:
    """Creates and drops throw-away databases on the test cluster."""

    url: str

    def url_for(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    async def _admin(self) -> asyncpg.Connection:
        url = make_url(self.url)
        return await asyncpg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )

    async def create(self, name: str, template: str | None = None) -> str:
        connection = await self._admin()
        try:
            clause = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
            await connection.execute(f'CREATE DATABASE "{name}"{clause}')
        finally:
            await connection.close()
        return self.url_for(name)

    async def drop(self, name: str) -> None:
        connection = await self._admin()
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class TemplateCopies:
    """Migrated databases for the tests, each made while the test before runs and dropped while
    the test after runs: a copy of the template takes PostgreSQL about half a second."""

    def __init__(self, server: PostgresServer, template: str) -> None:
        self.server = server
        self.template = template
        self._next: asyncio.Task[str] | None = None
        self._drops: set[asyncio.Task[None]] = set()

    def _make(self) -> asyncio.Task[str]:
        name = unique_name("reelhouse_test")
        return asyncio.get_running_loop().create_task(self.server.create(name, self.template))

    async def take(self) -> str:
        """The URL of a new copy, and the next one started."""
        made = self._next or self._make()
        self._next = self._make()
        return await made

    def give_back(self, url: str) -> None:
        name = make_url(url).database
        assert name is not None
        task = asyncio.get_running_loop().create_task(self.server.drop(name))
        self._drops.add(task)
        task.add_done_callback(self._drops.discard)

    async def close(self) -> None:
        if self._next is not None:
            self.give_back(await self._next)
        await asyncio.gather(*self._drops)


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    return PostgresServer(POSTGRES_URL)


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "reelhouse.db"
    database = Database(create_engine(f"sqlite+aiosqlite:///{path}", DatabaseSettings()))
    await migrate.upgrade(database)
    await database.close()
    return path


@pytest.fixture(scope="session")
async def postgres_template(postgres: PostgresServer) -> AsyncIterator[str]:
    name = unique_name("reelhouse_template")
    url = await postgres.create(name)
    database = Database(create_engine(url, DatabaseSettings()))
    await migrate.upgrade(database)
    await database.close()
    yield name
    await postgres.drop(name)


@pytest.fixture(scope="session")
async def postgres_copies(
    postgres: PostgresServer, postgres_template: str
) -> AsyncIterator[TemplateCopies]:
    copies = TemplateCopies(postgres, postgres_template)
    yield copies
    await copies.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def empty_database_url(
    backend: str, tmp_path: Path, postgres: PostgresServer
) -> AsyncIterator[str]:
    """A URL to a new database with no tables at all."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'reelhouse.db'}"
        return
    name = unique_name("reelhouse_test")
    url = await postgres.create(name)
    yield url
    await postgres.drop(name)


@asynccontextmanager
async def migrated_database(
    backend: str, sqlite_path: Path, sqlite_template: Path, postgres_copies: TemplateCopies
) -> AsyncIterator[str]:
    """A URL to a new database migrated to the newest schema (on SQLite, at `sqlite_path`)."""
    if backend == "sqlite":
        shutil.copyfile(sqlite_template, sqlite_path)
        yield f"sqlite+aiosqlite:///{sqlite_path}"
        return
    url = await postgres_copies.take()
    yield url
    postgres_copies.give_back(url)


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, postgres_copies: TemplateCopies
) -> AsyncIterator[str]:
    """A URL to a new database migrated to the newest schema."""
    path = tmp_path / "reelhouse.db"
    async with migrated_database(backend, path, sqlite_template, postgres_copies) as url:
        yield url


@pytest.fixture
async def open_database() -> AsyncIterator[Callable[[str], Database]]:
    """Opens databases by URL, closed after the test."""
    opened: list[Database] = []

    def open_(url: str) -> Database:
        opened.append(Database(create_engine(url, DatabaseSettings())))
        return opened[-1]

    yield open_
    for database in opened:
        await database.close()


@pytest.fixture
async def new_postgres(postgres: PostgresServer) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Makes empty PostgreSQL databases (no schema), dropped after the test."""
    names: list[str] = []

    async def make() -> str:
        names.append(unique_name("reelhouse_scratch"))
        return await postgres.create(names[-1])

    yield make
    for name in names:
        await postgres.drop(name)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(create_engine(database_url, DatabaseSettings()))
    yield db
    await db.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No REELHOUSE_* variable from the outside leaks into a test; data goes to tmp_path."""
    for name in list(os.environ):
        if name.startswith("REELHOUSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("REELHOUSE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(settings_for(database_url, tmp_path)) as started:
        yield started


@pytest.fixture
async def ops_api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The app as `api`, with the settings of `ops_settings` (webhook secret, CORS, no worker)."""
    async with running_api(ops_settings(database_url, tmp_path)) as started:
        yield started


# -- cache: the real local Redis (shared: every test uses its own key prefix and channel) -------

REDIS_URL = os.environ.get("REELHOUSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared local Redis; a test that cannot reach it fails (it never skips)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def cache_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix (and so a channel) of this test alone; its keys are dropped afterwards."""
    import redis

    prefix = unique_name("rhtest")
    yield prefix
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


# --- metadata providers: the fake TMDb / TheTVDB servers and clients pointed at them ----------


@pytest.fixture
def fake() -> FakeProviders:
    return FakeProviders(Catalogue(movies=30, series=6), FaultConfig(hang_s=3.0))


@pytest.fixture
def fake_server(fake: FakeProviders) -> Iterator[FakeServer]:
    with FakeServer(fake) as server:
        yield server


@pytest.fixture
def provider_settings(clean_env: Path, fake_server: FakeServer) -> Callable[..., Settings]:
    """Settings that reach the fake servers by base URL only, with short retry delays."""

    def build(metadata: MetadataSettings | None = None, **overrides: Any) -> Settings:
        common: dict[str, Any] = {
            "timeout_s": 1.0,
            "retry_initial_s": 0.01,
            "retry_max_s": 0.05,
            "max_retries": 3,
            "rate_limit_per_s": 1000.0,
            **overrides,
        }
        url = fake_server.url
        return Settings(
            tmdb=TmdbSettings(base_url=f"{url}/3", api_key="test-tmdb-key", **common),
            tvdb=TvdbSettings(base_url=f"{url}/v4", api_key="test-tvdb-key", **common),
            metadata=metadata or MetadataSettings(),
            # The fakes serve images on loopback, which downloads refuse unless allowed.
            images=ImagesSettings(allowed_networks=LOOPBACK),
        )

    return build


@pytest.fixture
def memory_cache() -> BoundedMemoryCache:
    return BoundedMemoryCache(max_entries=1_000)


@pytest.fixture
async def providers(
    provider_settings: Callable[..., Settings], memory_cache: BoundedMemoryCache
) -> AsyncIterator[Providers]:
    built = build_providers(provider_settings(), memory_cache, None)
    yield built
    await built.aclose()


# -- the browser tests: Debian's Chromium, driven by Playwright as the system browser ----------


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is missing: scripts/services.sh installs it"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable)
        yield launched
        await launched.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A Redis server of this test alone, which it may stop and start (the shared one never)."""
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()
