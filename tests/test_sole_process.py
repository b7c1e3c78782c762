"""On SQLite without Redis one reelhouse process uses the database at a time: the next `serve`,
`worker` or `scan --wait` refuses to start, naming the fix. Without Redis a second process would
never hear of the first one's writes (a revoked token, a removed library grant), nor the first
of its own. Real processes through the CLI, as a user starts them."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from reelhouse.config import DatabaseSettings, RedisSettings, Settings
from reelhouse.errors import ConfigError
from reelhouse.infra.db.sole_process import sole_process
from tests.support import cli_env, run_cli
from tests.test_server import running_server

NO_WORKERS = {"REELHOUSE_SERVER_RUN_WORKERS": "false"}


def refused(result: object, command: str) -> str:
    """The one line a refused command printed, checked to name both fixes."""
    assert getattr(result, "returncode", None) == 2, result
    lines = getattr(result, "stderr", "").strip().splitlines()
    assert len(lines) == 1, lines
    line: str = lines[0]
    assert line.startswith(f"reelhouse: error: `reelhouse {command}` refused: "), line
    assert "without Redis" in line
    assert "REELHOUSE_REDIS_URL" in line
    return line


def tail(log: Path) -> str:
    return log.read_text()[-2000:]


@asynccontextmanager
async def running_worker(env: dict[str, str], log: Path) -> AsyncIterator[None]:
    """`reelhouse worker`, until it has said it started; stopped with SIGTERM after."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "reelhouse", "worker", env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while "worker started" not in await asyncio.to_thread(log.read_text):
            assert process.returncode is None, await asyncio.to_thread(tail, log)
            assert time.monotonic() < deadline, "the worker did not start"
            await asyncio.sleep(0.05)
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        assert code == 0, await asyncio.to_thread(tail, log)


async def test_next_to_a_server_without_workers_nothing_else_starts(tmp_path: Path) -> None:
    """The benchmarks' set-up (a server without workers, SQLite, no Redis) starts; a worker,
    another server and a scan run in place are then refused, each naming what to do."""
    env = cli_env(tmp_path, None)
    async with running_server(env | NO_WORKERS) as client:
        assert (await client.get("/health/ready")).status_code == 200
        worker, second, scan, queued = await asyncio.gather(
            asyncio.to_thread(run_cli, env, "worker"),
            asyncio.to_thread(run_cli, env, "serve", "--port", "1"),
            asyncio.to_thread(run_cli, env, "scan", "Movies", "--wait"),
            asyncio.to_thread(run_cli, env, "scan", "Movies"),  # would only queue
        )
        line = refused(worker, "worker")
        assert "reelhouse serve`" in line
        assert "server.run_workers=true" in line
        assert str(tmp_path / "data" / "reelhouse.db") in line
        refused(second, "serve")
        assert "queue the scan without --wait" in refused(scan, "scan --wait")
        assert "refused" not in queued.stderr  # (and finds no such library)


async def test_a_worker_holds_the_database_until_it_stops(tmp_path: Path) -> None:
    env = cli_env(tmp_path, None)
    async with running_worker(env, tmp_path / "worker.log"):
        server = await asyncio.to_thread(run_cli, env | NO_WORKERS, "serve")
        line = refused(server, "serve")
        assert "`reelhouse worker`" in line  # who holds it
    async with running_server(env) as client:  # let go at exit: the server starts now
        assert (await client.get("/health/live")).status_code == 200


async def test_with_redis_a_worker_runs_next_to_the_server(
    tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    env = cli_env(tmp_path, None) | {
        "REELHOUSE_REDIS_URL": redis_url,
        "REELHOUSE_CACHE_KEY_PREFIX": cache_prefix,
    }
    async with (
        running_server(env | NO_WORKERS) as client,
        running_worker(env, tmp_path / "worker.log"),
    ):
        assert (await client.get("/health/ready")).status_code == 200


def test_only_sqlite_without_redis_is_held(tmp_path: Path) -> None:
    sqlite = Settings(data_dir=tmp_path)
    with sole_process(sqlite, "serve"):
        held = r"\(pid \d+, `reelhouse serve`\)"
        with pytest.raises(ConfigError, match=held), sole_process(sqlite, "worker"):
            pass
        with_redis = sqlite.model_copy(update={"redis": RedisSettings(url="redis://127.0.0.1:1")})
        with sole_process(with_redis, "worker"):
            pass
    with sole_process(sqlite, "worker"):  # let go when the block ended
        pass
    for url in ("postgresql+asyncpg://x@127.0.0.1:1/none", "sqlite+aiosqlite:///:memory:"):
        settings = Settings(database=DatabaseSettings(url=url))
        with sole_process(settings, "serve"), sole_process(settings, "worker"):
            pass
