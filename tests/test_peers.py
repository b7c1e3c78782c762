"""reelhouse processes on one database must hear each other's writes: one that uses another
Redis or key prefix than a live process, or no Redis next to any live process, refuses to start
and says why; two that started at the same moment find out at their next beat, and readiness
fails until it is resolved. Dead processes' rows never block a restart."""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reelhouse.config import DatabaseSettings, RedisSettings, Settings
from reelhouse.config.cluster import ClusterSettings
from reelhouse.config.storage import CacheSettings
from reelhouse.errors import ConfigError
from reelhouse.infra.db.engine import Database
from reelhouse.infra.db.peers import PeerProcess, Peers, joined
from reelhouse.infra.db.types import utcnow
from tests.support import cli_env, run_cli
from tests.test_server import running_server
from tests.test_sole_process import NO_WORKERS, running_worker

REDIS_A = "redis://127.0.0.1:6379/0"
REDIS_B = "redis://127.0.0.1:6379/5"


def settings(database_url: str, redis: str | None, prefix: str = "reelhouse") -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url),
        redis=RedisSettings(url=redis),
        cache=CacheSettings(key_prefix=prefix),
        cluster=ClusterSettings(heartbeat_interval_s=5),
    )


async def rows(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(PeerProcess)) or 0)


async def test_processes_that_would_not_hear_each_other_are_refused(
    database: Database, database_url: str
) -> None:
    async with joined(database, settings(database_url, REDIS_A), "serve"):
        async with joined(database, settings(database_url, REDIS_A), "worker"):
            assert await rows(database) == 2
        for redis, prefix, says in [
            (None, "reelhouse", "no Redis (its own memory only)"),
            (REDIS_B, "reelhouse", "/5 prefix reelhouse"),
            (REDIS_A, "other", "prefix other"),
        ]:
            with pytest.raises(ConfigError) as refused:
                await Peers(database, settings(database_url, redis, prefix), "worker").join()
            message = refused.value.detail
            assert message.startswith("`reelhouse worker` cannot share this database with ")
            assert "`reelhouse serve` (pid " in message
            assert says in message
            assert "the same redis.url and cache.key_prefix" in message
        assert await rows(database) == 1
    assert await rows(database) == 0  # each removed its row on the way out


async def test_without_redis_a_process_runs_alone(database: Database, database_url: str) -> None:
    alone = settings(database_url, None)
    async with joined(database, alone, "serve"):
        with pytest.raises(ConfigError, match="runs without Redis too"):
            await Peers(database, alone, "worker").ensure_compatible()
    async with joined(database, alone, "worker"):
        pass


async def test_dead_processes_do_not_block_a_start(database: Database, database_url: str) -> None:
    shared = settings(database_url, REDIS_A)
    killed = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await killed.wait()
    now = utcnow()
    long_ago = now - timedelta(seconds=3 * 5 + 1)
    async with database.transaction() as session:
        session.add_all(
            [  # one not seen for three beats (on another machine), one whose process is gone
                PeerProcess(id="silent", command="serve", host="elsewhere", pid=1,
                            invalidation="none", started_at=long_ago, seen_at=long_ago),
                PeerProcess(id="killed", command="worker", host=socket.gethostname(),
                            pid=killed.pid, invalidation="none", started_at=now, seen_at=now),
            ]
        )  # fmt: skip
    async with joined(database, shared, "worker"):
        assert await rows(database) == 1  # theirs were cleared


async def test_two_that_started_together_fail_readiness_until_one_goes(
    database: Database, database_url: str
) -> None:
    peers = Peers(database, settings(database_url, REDIS_A), "serve")
    await peers.join()
    assert await peers.check() is None
    now = utcnow()
    async with database.transaction() as session:  # one that passed its check at the same time
        session.add(
            PeerProcess(id="twin", command="worker", host="elsewhere", pid=7,
                        invalidation="none", started_at=now, seen_at=now)
        )  # fmt: skip
    await peers.beat()
    with pytest.raises(ConfigError, match=r"`reelhouse worker` \(pid 7 on elsewhere"):
        await peers.check()
    async with database.transaction() as session:
        await session.delete(await session.get(PeerProcess, "twin"))
    await peers.beat()
    assert await peers.check() is None
    await peers.leave()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_the_commands_refuse_next_to_a_process_that_disagrees(
    tmp_path: Path, database_url: str, redis_url: str, cache_prefix: str
) -> None:
    env = cli_env(tmp_path, database_url)
    shared = {"REELHOUSE_REDIS_URL": redis_url, "REELHOUSE_CACHE_KEY_PREFIX": cache_prefix}
    add = ("library", "add", "Films", "--kind", "movies", str(tmp_path))
    assert (await asyncio.to_thread(run_cli, env, *add)).returncode == 0
    async with running_worker(env | shared, tmp_path / "worker.log"):
        for command, name in [
            (["worker"], "worker"),
            (["serve", "--port", "1"], "serve"),
            (["scan", "Films", "--wait"], "scan --wait"),
        ]:
            result = await asyncio.to_thread(run_cli, env, *command)
            assert result.returncode == 2, result
            line = result.stderr.strip().splitlines()[-1]
            assert line.startswith(
                f"reelhouse: error: `reelhouse {name}` cannot share this database with "
                "`reelhouse worker` (pid "
            ), line
        # Agreeing with it, a server starts, and its readiness counts the check.
        async with running_server(env | shared | NO_WORKERS) as client:
            answer = await client.get("/health/ready")
            assert answer.status_code == 200
            assert answer.json()["checks"]["processes"] == {"ok": True}


async def test_a_process_taken_for_dead_writes_itself_down_again(
    database: Database, database_url: str
) -> None:
    """After a database outage longer than three beats another process may have removed this
    one's row; the next beat puts it back, so the next process to start still sees it."""
    async with joined(database, settings(database_url, REDIS_A), "serve") as peers:
        async with database.transaction() as session:
            await session.delete(await session.get(PeerProcess, peers.row_id))
        await peers.beat()
        with pytest.raises(ConfigError, match="`reelhouse serve` "):
            await Peers(database, settings(database_url, None), "worker").join()
