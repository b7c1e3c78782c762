"""`reelhouse` as a user runs it: real processes, real databases, one-line errors."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from reelhouse.http.problems import PROBLEM_JSON
from reelhouse.infra.db import migrate
from reelhouse.infra.db.engine import Database
from reelhouse.testing.ports import free_port
from tests.conftest import PostgresServer, unique_name
from tests.support import PASSWORD, cli_env, run_cli

READY_WAIT_S = 60.0


@asynccontextmanager
async def running_server(env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reelhouse", "serve", "--port", str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await wait_until_live(client, process)
            yield client
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)


async def wait_until_live(client: httpx.AsyncClient, process: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_WAIT_S
    while loop.time() < deadline:
        if process.returncode is not None:
            assert process.stderr is not None
            errors = (await process.stderr.read()).decode()
            pytest.fail(f"server exited with {process.returncode}: {errors}")
        try:
            if (await client.get("/health/live")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail("server did not come up")


async def test_serve_migrates_and_is_ready(
    backend: str, empty_database_url: str, tmp_path: Path
) -> None:
    async with running_server(cli_env(tmp_path, empty_database_url)) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ok",
            "checks": {"database": {"ok": True}, "processes": {"ok": True}},
        }
        assert (await client.get("/openapi.json")).json()["info"]["title"] == "reelhouse"


async def test_serve_prints_the_setup_code_while_there_is_no_account(tmp_path: Path) -> None:
    """The code is on the console in plain lines; behind the proxy uvicorn trusts (loopback),
    a client the proxy names from elsewhere needs it, and it works once."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reelhouse", "serve", "--port", str(port),
        env=cli_env(tmp_path, None),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    try:
        printed: list[str] = []
        async with asyncio.timeout(READY_WAIT_S):
            while not any("setup code:" in line for line in printed):
                printed.append((await process.stderr.readline()).decode())
        assert "reelhouse has no account yet: open the web page to set it up." in "".join(printed)
        assert f"http://127.0.0.1:{port}/setup" in "".join(printed)
        code = printed[-1].split("setup code:")[1].strip()
        remote = {"X-Forwarded-For": "203.0.113.7"}
        admin = {"username": "owner", "password": PASSWORD}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await wait_until_live(client, process)
            refused = await client.post("/api/setup/admin", json=admin, headers=remote)
            assert refused.status_code == 403
            created = await client.post(
                "/api/setup/admin", json=admin, headers=remote | {"X-Setup-Code": code}
            )
            assert created.status_code == 201, created.text
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


async def test_serve_on_the_embedded_default(tmp_path: Path) -> None:
    async with running_server(cli_env(tmp_path, None)) as client:
        assert (await client.get("/health/ready")).status_code == 200
    assert (tmp_path / "data" / "reelhouse.db").exists()


async def test_serve_refuses_oversized_headers(tmp_path: Path) -> None:
    env = cli_env(tmp_path, None) | {"REELHOUSE_HTTP_MAX_HEADER_BYTES": "4096"}
    async with running_server(env) as client:
        within = await client.get("/health/live", headers={"X-Padding": "a" * 2000})
        assert within.status_code == 200
        assert "x-request-id" in within.headers
        refused = await client.get("/health/live", headers={"X-Padding": "a" * 8000})
        assert refused.status_code == 431
        assert refused.headers["content-type"] == PROBLEM_JSON
        # Far bigger, it never reaches the app (no request id): the server stops buffering it.
        many = {f"X-Padding-{n}": "a" * 10_000 for n in range(100)}
        for padding in ({"X-Padding": "a" * 1_000_000}, many):
            huge = await client.get("/health/live", headers=padding)
            assert huge.status_code == 431
            assert huge.headers["content-type"] == PROBLEM_JSON
            assert "x-request-id" not in huge.headers
            assert "http.max_header_bytes" in huge.json()["detail"]
        # A head that trickles in, a header line at a time, is cut off too: the server answers
        # 431 and closes (the answer itself may be lost to the reset of a client still sending).
        reader, writer = await asyncio.open_connection("127.0.0.1", client.base_url.port)
        sent = 0
        with contextlib.suppress(ConnectionError):
            writer.write(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
            for n in range(400):
                line = b"X-Slow-%d: %s\r\n" % (n, b"a" * 500)
                writer.write(line)
                await writer.drain()
                sent += len(line)
                await asyncio.sleep(0.002)
        answer = b""
        with contextlib.suppress(ConnectionError):
            answer = await asyncio.wait_for(reader.read(), timeout=5)
        writer.close()
        assert sent < 100_000 or answer.startswith(b"HTTP/1.1 431 ")
        assert answer == b"" or answer.startswith(b"HTTP/1.1 431 ")


async def test_ready_reports_a_postgres_database_that_goes_away(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """503 for anyone; which database and why for an admin's token only, which works while the
    database is gone (the server knows the token already)."""
    name = unique_name("reelhouse_gone")
    url = await postgres.create(name)
    env = cli_env(tmp_path, url)
    assert (await asyncio.to_thread(run_cli, env, "db", "upgrade")).returncode == 0
    made = await asyncio.to_thread(
        run_cli, env, "user", "create", "root", "--admin", "--password-stdin", stdin=PASSWORD
    )
    assert made.returncode == 0, made.stderr
    async with running_server(env) as client:
        login = await client.post(
            "/api/auth/login", json={"username": "root", "password": PASSWORD}
        )
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        for _ in range(2):  # the first use records it; the second reads it back, known since
            assert (await client.get("/health/ready", headers=admin)).status_code == 200
        await postgres.drop(name)
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == {"ok": False}
        assert name not in ready.text
        detailed = await client.get("/health/ready", headers=admin)
        assert detailed.status_code == 503
        assert name in detailed.json()["checks"]["database"]["detail"]


def test_db_upgrade_then_current(empty_database_url: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path, empty_database_url)
    assert "current: none" in run_cli(env, "db", "current").stdout
    upgraded = run_cli(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"current: {migrate.head_revision()}" in run_cli(env, "db", "current").stdout


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (["--config", "missing.toml", "serve"], {}, "config file missing.toml does not exist"),
        (["serve"], {"REELHOUSE_SERVER_PORT": "http"}, "server.port (REELHOUSE_SERVER_PORT)"),
        (
            ["serve"],
            {"REELHOUSE_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"},
            "is unreachable",
        ),
        (["serve"], {"REELHOUSE_DATABASE_URL": "mysql://x@y/z"}, "is not supported"),
    ],
)
def test_startup_mistakes_are_one_line_and_exit_non_zero(
    tmp_path: Path, args: list[str], env_extra: dict[str, str], message: str
) -> None:
    result = run_cli(cli_env(tmp_path, None) | env_extra, *args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reelhouse: error: ")
    assert message in lines[0]


async def test_serve_refuses_a_database_from_a_newer_reelhouse(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    async with database.transaction() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    result = run_cli(cli_env(tmp_path, database_url), "serve")
    assert result.returncode == 2
    assert "9999_future" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_without_migrate_on_start_refuses_an_old_schema(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = cli_env(tmp_path, empty_database_url) | {"REELHOUSE_DATABASE_MIGRATE_ON_START": "false"}
    result = run_cli(env, "serve")
    assert result.returncode == 2
    assert "reelhouse db upgrade" in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    env = cli_env(tmp_path, "postgresql+asyncpg://me:hunter2@db/x") | {
        "REELHOUSE_TMDB_API_KEY": "hunter2"
    }
    result = run_cli(env, "config", "show")
    assert result.returncode == 0
    assert "hunter2" not in result.stdout
    assert '"port": 8420' in result.stdout
