"""A request's database work is bounded by `http.request_deadline_s`: a lock held by another
connection makes it answer 503 with Retry-After once the deadline passes, not after the
database's own, longer wait; work outside a request (a job's) still waits for the lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from reelhouse.app import create_app
from reelhouse.config import HttpSettings, Settings
from reelhouse.infra.db.deadline import deadline_in
from reelhouse.infra.db.engine import Database
from reelhouse.kinds import LibraryKind
from tests.support import bearer, settings_for

DEADLINE_S = 1.0
#: How long the other connection holds its lock: longer than the deadline, far shorter than
#: the database's own wait (SQLite's busy timeout, PostgreSQL's none).
HELD_S = 4.0


@dataclass(frozen=True)
class Holder:
    task: asyncio.Task[None]
    releasing: threading.Event


@asynccontextmanager
async def lock_held(database_url: str) -> AsyncIterator[Holder]:
    """Another connection holds the write lock (SQLite) or the libraries table (PostgreSQL)
    for `HELD_S`; `releasing` is set just before it lets go (a write waiting for the lock can
    end before the holder's task does, which still closes its connection)."""
    url = make_url(database_url)
    taken = asyncio.Event()
    releasing = threading.Event()
    if url.get_backend_name() == "sqlite":
        loop = asyncio.get_running_loop()

        def hold() -> None:
            connection = sqlite3.connect(url.database or "", isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                loop.call_soon_threadsafe(taken.set)
                time.sleep(HELD_S)
                releasing.set()
                connection.execute("ROLLBACK")
            finally:
                connection.close()

        task = asyncio.create_task(asyncio.to_thread(hold))
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

        async def hold_table() -> None:
            connection = await asyncpg.connect(dsn)
            try:
                async with connection.transaction():
                    await connection.execute("LOCK TABLE libraries IN ACCESS EXCLUSIVE MODE")
                    taken.set()
                    await asyncio.sleep(HELD_S)
                    releasing.set()
            finally:
                await connection.close()

        task = asyncio.create_task(hold_table())
    await taken.wait()
    try:
        yield Holder(task, releasing)
    finally:
        await task


@asynccontextmanager
async def admin_client(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], Any]]:
    """The app of `settings` running, a client of it, an admin's token and the services."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services = app.state.services
        await services.users.create_user("root", "correct horse battery", is_admin=True)
        token = bearer((await services.users.login("root", "correct horse battery")).secret)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, token, services


async def test_a_request_waits_for_a_lock_no_longer_than_its_deadline(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url, tmp_path).model_copy(
        update={"http": HttpSettings(request_deadline_s=DEADLINE_S)}
    )
    async with admin_client(settings) as (client, token, services):
        assert (await client.get("/api/libraries", headers=token)).status_code == 200
        new = {"name": "Films", "kind": "movies", "paths": ["/films"]}
        async with lock_held(database_url) as holder:
            refused = await client.post("/api/libraries", json=new, headers=token)
            assert refused.status_code == 503, refused.text
            assert int(refused.headers["Retry-After"]) >= 1
            assert not holder.task.done()  # answered while the lock was still held
            # Outside a request (as a job works) the same write waits for the lock.
            made = await services.libraries.create("Shows", LibraryKind.TV, ["/shows"])
            assert holder.releasing.is_set()
        created = await client.post("/api/libraries", json=new, headers=token)
        assert created.status_code == 201, created.text
        names = {lib["name"] for lib in (await client.get("/api/libraries", headers=token)).json()}
        assert names == {"Films", made.name}


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_connection_closed_under_a_request_answers_503(
    database_url: str, tmp_path: Path
) -> None:
    """An administrator (or a restart) ends the connection a request is waiting on: the request
    answers 503 with Retry-After, and the next one works on a fresh connection."""
    url = make_url(database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(url.set(drivername="postgresql", database="postgres")
                                  .render_as_string(hide_password=False))  # fmt: skip
    async with admin_client(settings_for(database_url, tmp_path)) as (client, token, _):
        new = {"name": "Films", "kind": "movies", "paths": ["/films"]}
        holder = await asyncpg.connect(dsn)
        async with holder.transaction():  # held until the request has its answer
            await holder.execute("LOCK TABLE libraries IN ACCESS EXCLUSIVE MODE")
            waiting = asyncio.create_task(client.post("/api/libraries", json=new, headers=token))

            async def waiting_backend() -> int | None:
                return await admin.fetchval(  # type: ignore[no-any-return]
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1 "
                    "AND wait_event_type = 'Lock'",
                    url.database,
                )

            pid = None
            while pid is None:
                await asyncio.sleep(0.02)
                pid = await waiting_backend()
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
            refused = await waiting
        await holder.close()
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) >= 1
        created = await client.post("/api/libraries", json=new, headers=token)
        assert created.status_code == 201, created.text
    await admin.close()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_each_transaction_is_bounded_by_one_statement_whatever_is_left(
    database: Database,
) -> None:
    """The bound of each transaction is a parameter of one statement, not a new statement per
    value: asyncpg prepares every new text it is sent (one more round trip) and keeps 100 per
    connection, which a text per request filled and emptied."""
    sent: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    bounds: list[int] = []
    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        for seconds in (5.0, 70.0):
            with deadline_in(seconds):
                async with database.read() as session:
                    bounds.append(int(await session.scalar(_TIMEOUT_MS)))
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    assert len({s for s in sent if "set_config('statement_timeout'" in s}) == 1, sent
    assert 4_000 < bounds[0] <= 5_000  # what was left of each deadline, in milliseconds
    assert 69_000 < bounds[1] <= 70_000
    async with database.read() as session:  # no deadline, no bound
        assert int(await session.scalar(_TIMEOUT_MS)) == 0


_TIMEOUT_MS = text("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
